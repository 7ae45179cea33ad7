/**
 * Export a network's parameters so that another framework can rebuild the exact network: one `.npy` per weight and
 * bias (W in PyTorch's layout: Linear (out, in), Conv2d (out, in, kh, kw); b: (out,)) and a `manifest.json` naming
 * each parametrized layer's index, position, kind, shapes, parameterization, wstd, bstd and forward multipliers.
 * All files are written atomically.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic, writeNpy } from '../io/index.js';
import { formatArch } from '../arch/parse.js';
import { LAYER_MODULES } from '../arch/registry.js';
import type { Node } from '../arch/types.js';
import { layerParams, type Params } from '../nn/network.js';

export interface ParamsManifestLayer {
  readonly index: number;
  readonly path: string;
  /** the layer's name in the architecture language */
  readonly kind: string;
  readonly frozen: boolean;
  readonly wstd: number;
  readonly bstd: number;
  /** forward multipliers: y = wScale·W·a + bScale·b */
  readonly wScale: number;
  readonly bScale: number;
  readonly fanIn: number;
  readonly W: { readonly file: string; readonly shape: readonly number[] };
  readonly b: { readonly file: string; readonly shape: readonly number[] } | null;
  /** the layer kind's own fields (ParamLayer.manifest, e.g. kernel, stride, padding) */
  readonly [field: string]: unknown;
}

export interface ParamsManifest {
  readonly format: 'ntk-lab-params/1';
  readonly arch: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly param: 'ntk' | 'standard';
  readonly seed: number | null;
  readonly layout: string;
  readonly layers: readonly ParamsManifestLayer[];
}

/** The layout conventions of the layer kinds a network uses (registry order, each once). */
function conventions(nodes: readonly Node[]): string[] {
  const used = new Set<string>();
  const walk = (ns: readonly Node[]) => ns.forEach((n) => (used.add(n.name), n.branches.forEach(walk)));
  walk(nodes);
  return LAYER_MODULES.flatMap((m) => (m.convention && m.names.some((x) => used.has(x)) ? [m.convention] : []));
}

/** Write every parametrized layer's parameters into `dir` (created if missing) plus manifest.json. */
export function writeParams(params: Params, dir: string, seed: number | null = null): ParamsManifest {
  mkdirSync(dir, { recursive: true });
  const { net } = params;
  const layers: ParamsManifestLayer[] = net.paramLayers.map((p) => {
    const { W, b } = layerParams(params, p);
    const wFile = `layer${p.index}_W.npy`;
    const { shape: wShape, data } = p.exportWeights(W);
    writeNpy(join(dir, wFile), data, wShape, 'float64');
    let bEntry: ParamsManifestLayer['b'] = null;
    if (b) {
      const bFile = `layer${p.index}_b.npy`;
      const bShape = p.biasPositions === 1 ? [p.out] : [p.biasPositions, p.out];
      writeNpy(join(dir, bFile), b, bShape, 'float64');
      bEntry = { file: bFile, shape: bShape };
    }
    const spec = p.spec;
    return {
      index: p.index,
      path: p.path,
      kind: p.kind,
      frozen: p.frozen,
      wstd: spec.wstd,
      bstd: spec.bstd,
      wScale: p.wScale,
      bScale: p.bScale,
      fanIn: p.fanIn,
      W: { file: wFile, shape: wShape },
      b: bEntry,
      ...p.manifest,
    };
  });
  const manifest: ParamsManifest = {
    format: 'ntk-lab-params/1',
    arch: formatArch(net.arch),
    inputShape: [...net.inputShape],
    outputShape: [...net.outputShape],
    param: net.param,
    seed,
    layout: [
      'inputs NHWC; y = wScale·W·a + bScale·b per layer',
      ...conventions(net.nodes),
      'path "i.j" = layer j inside the block at top-level position i',
    ].join('; '),
    layers,
  };
  writeJsonAtomic(join(dir, 'manifest.json'), manifest);
  return manifest;
}
