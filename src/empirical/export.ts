/**
 * Export a network's parameters so that another framework can rebuild the exact network: one `.npy` per weight and
 * bias (W in PyTorch's layout: Linear (out, in), Conv2d (out, in, kh, kw); b: (out,)) and a `manifest.json` naming
 * each parametrized layer's index, position, kind, shapes, parameterization, wstd, bstd and forward multipliers.
 * All files are written atomically. `readParams` loads such a folder back into a network (`--params DIR`).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError } from '../errors.js';
import { npyToFloat64, readNpy, writeJsonAtomic, writeNpy } from '../io/index.js';
import { firstNonFinite } from '../linalg/validate.js';
import { buildNetwork } from '../arch/compile.js';
import { formatArch, parseArch } from '../arch/parse.js';
import { LAYER_MODULES } from '../arch/registry.js';
import type { Node } from '../arch/types.js';
import { init, layerParams, type Network, type Params } from '../nn/network.js';
import { Rng } from '../util/random.js';

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
 * The inverse of writeParams: load `dir`'s manifest.json and .npy files into a network built from the same
 * architecture (`net`): every parametrized layer's W (PyTorch's layout, converted back by inverting the layer's
 * exportWeights permutation) and b. The manifest must describe `net` — same architecture, input shape,
 * parameterization and per-layer shapes — else a FormatError names the field. Returns the parameters (the noise
 * seed of random layers from `seed`); `manifest.seed` is reported, not used.
 */
export function readParams(dir: string, netIn?: Network, seed = 0): { params: Params; manifest: ParamsManifest } {
  const mpath = join(dir, 'manifest.json');
  if (!existsSync(mpath)) throw new FormatError(mpath, 'does not exist (a --params-out folder holds manifest.json)');
  let manifest: ParamsManifest;
  try {
    manifest = JSON.parse(readFileSync(mpath, 'utf8')) as ParamsManifest;
  } catch (e) {
    throw new FormatError(mpath, `cannot read the parameters manifest: ${(e as Error).message}`);
  }
  const want = (field: string, ok: boolean, expected: string, got: unknown): void => {
    if (!ok)
      throw new FormatError(
        mpath,
        `${field} must be ${expected} (the network given); the manifest has ${JSON.stringify(got)}`,
      );
  };
  want('format', manifest.format === 'ntk-lab-params/1', "'ntk-lab-params/1'", manifest.format);
  const net = netIn ?? buildNetwork(manifest.arch, manifest.inputShape, manifest.param);
  const arch = formatArch(net.arch);
  want(
    'arch',
    typeof manifest.arch === 'string' && formatArch(parseArch(manifest.arch)) === arch,
    `'${arch}'`,
    manifest.arch,
  );
  want(
    'inputShape',
    JSON.stringify(manifest.inputShape) === JSON.stringify(net.inputShape),
    JSON.stringify(net.inputShape),
    manifest.inputShape,
  );
  want('param', manifest.param === net.param, `'${net.param}'`, manifest.param);
  want(
    'layers',
    Array.isArray(manifest.layers) && manifest.layers.length === net.paramLayers.length,
    `${net.paramLayers.length} parametrized layers`,
    manifest.layers?.length,
  );
  const params = init(net, new Rng(seed));
  params.theta.fill(0);
  net.paramLayers.forEach((p, l) => {
    const m = manifest.layers[l];
    const at = `layers[${l}]`;
    want(`${at}.path`, m.path === p.path, `'${p.path}'`, m.path);
    const { W, b } = layerParams(params, p);
    // where each exported entry lives in θ: exportWeights applied to the indices 0..n−1
    const perm = p.exportWeights(Float64Array.from({ length: W.length }, (_, i) => i));
    const wFile = join(dir, m.W?.file ?? '');
    const w = readNpy(wFile);
    want(
      `${at}.W shape (${wFile})`,
      JSON.stringify(w.shape) === JSON.stringify(perm.shape),
      JSON.stringify(perm.shape),
      w.shape,
    );
    const wv = npyToFloat64(w);
    for (let k = 0; k < wv.length; k++) W[perm.data[k]] = wv[k];
    if (b) {
      want(`${at}.b`, m.b !== null && m.b !== undefined, 'a bias file (the layer has a bias: bstd > 0)', m.b);
      const bFile = join(dir, (m.b as { file: string }).file);
      const bv = npyToFloat64(readNpy(bFile));
      want(`${at}.b length (${bFile})`, bv.length === b.length, String(b.length), bv.length);
      b.set(bv);
    } else want(`${at}.b`, m.b === null || m.b === undefined, 'null (the layer has no bias: bstd = 0)', m.b);
  });
  const bad = firstNonFinite(params.theta);
  if (bad >= 0) throw new FormatError(dir, `parameter ${bad} of θ is ${params.theta[bad]} (not finite)`);
  return { params, manifest };
}
