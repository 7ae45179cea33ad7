/**
 * Export a network's parameters so that another framework can rebuild the exact network: one `.npy` per weight and
 * bias (W in PyTorch's layout: Linear (out, in), Conv2d (out, in, kh, kw); b: (out,)) and a `manifest.json` naming
 * each parametrized layer's index, position, kind, shapes, parameterization, wstd, bstd and forward multipliers.
 * All files are written atomically.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError } from '../errors.js';
import { npyToFloat64, readNpy, writeJsonAtomic, writeNpy } from '../io/index.js';
import { buildNetwork } from '../arch/compile.js';
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

/**
 * Read back a folder written by writeParams (`--params-out`): the network rebuilt from manifest.json (arch, input
 * shape, parameterization) and θ from the .npy files. Each layer's export is a permutation of its stored weights
 * (PyTorch's layout), inverted by exporting the index vector 0…size−1. FormatError on a missing or inconsistent file.
 */
export function readParams(dir: string): { readonly params: Params; readonly manifest: ParamsManifest } {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new FormatError(path, 'does not exist (a --params-out folder holds manifest.json)');
  let manifest: ParamsManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as ParamsManifest;
  } catch (e) {
    throw new FormatError(path, `is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (manifest.format !== 'ntk-lab-params/1')
    throw new FormatError(path, `format must be 'ntk-lab-params/1'; found ${JSON.stringify(manifest.format)}`);
  const net = buildNetwork(manifest.arch, manifest.inputShape, manifest.param);
  const params: Params = { net, theta: new Float64Array(net.numParams) };
  if (manifest.layers.length !== net.paramLayers.length)
    throw new FormatError(path, `lists ${manifest.layers.length} layers; the network has ${net.paramLayers.length}`);
  for (const p of net.paramLayers) {
    const entry = manifest.layers.find((l) => l.index === p.index);
    if (!entry) throw new FormatError(path, `has no entry for parametrized layer ${p.index} (${p.path})`);
    const { W, b } = layerParams(params, p);
    const perm = p.exportWeights(Float64Array.from({ length: W.length }, (_, i) => i));
    const w = readNpy(join(dir, entry.W.file));
    if (w.shape.join(',') !== perm.shape.join(','))
      throw new FormatError(
        join(dir, entry.W.file),
        `shape (${w.shape.join(', ')}); layer ${p.path} needs (${perm.shape.join(', ')})`,
      );
    const wd = npyToFloat64(w);
    for (let k = 0; k < wd.length; k++) W[perm.data[k]] = wd[k];
    if (b) {
      if (!entry.b) throw new FormatError(path, `layer ${p.path} has a bias; the manifest lists none`);
      const bd = npyToFloat64(readNpy(join(dir, entry.b.file)));
      if (bd.length !== b.length)
        throw new FormatError(join(dir, entry.b.file), `${bd.length} entries; layer ${p.path}'s bias has ${b.length}`);
      b.set(bd);
    }
  }
  return { params, manifest };
}
