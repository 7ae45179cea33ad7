/**
 * Compiling an architecture for its analytic kernel: shape checks (the same rules as the finite network, through
 * buildNetwork) plus the kernel-specific ones, and the spatial representation each layer's kernel needs:
 *   flat  — one number per pair of examples;
 *   diag  — per pair, the covariance of equal positions (p, p) only: enough when the image part ends in `flatten`
 *           (cost ∝ pixels);
 *   full  — per pair, the whole pixel–pixel covariance (p, p′): needed by `gap` and `avgpool` (cost ∝ pixels²).
 * (neural-tangents' `diagonal_spatial`, Novak et al. 2019, "Bayesian deep CNNs with many channels are GPs", §3.)
 */
import { InvalidArgumentError } from '../errors.js';
import type { Arch, LayerSpec, Parameterization } from '../nn/arch.js';
import { parseArch } from '../nn/arch.js';
import { type ConvGeom, convGeom } from '../nn/layers.js';
import { buildNetwork } from '../nn/network.js';
import { type KernelMethod, type PairKernel, activationKernel } from './activations.js';

export type Spatial = 'flat' | 'diag' | 'full';

/** One step of the kernel recursion. `h`, `w` are the spatial size of the op's output (1, 1 when flat). */
export type Op =
  | { readonly kind: 'dense'; readonly spec: LayerSpec & { kind: 'dense' }; readonly fanIn: number }
  | {
      readonly kind: 'conv';
      readonly spec: LayerSpec & { kind: 'conv' };
      readonly fanIn: number;
      readonly geom: ConvGeom;
    }
  | {
      readonly kind: 'act';
      readonly spec: LayerSpec & { kind: 'relu' | 'erf' | 'tanh' | 'gelu' | 'abrelu' };
      readonly fn: PairKernel;
    }
  | { readonly kind: 'avgpool'; readonly k: number; readonly h: number; readonly w: number }
  | { readonly kind: 'gap' | 'flatten'; readonly h: number; readonly w: number }
  | { readonly kind: 'todiag' }
  | { readonly kind: 'residual'; readonly block: readonly OpNode[] };

/** An op with its place: `id` indexes the per-example variance chains; `out` is the representation after it. */
export interface OpNode {
  readonly id: number;
  readonly op: Op;
  readonly out: Spatial;
  readonly h: number;
  readonly w: number;
}

export interface Program {
  readonly arch: Arch;
  readonly inputShape: readonly number[];
  readonly param: Parameterization;
  readonly method: KernelMethod;
  /** representation of the input kernel */
  readonly input: Spatial;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  /** input features per example (d, or h·w·c) */
  readonly inDim: number;
  readonly nodes: readonly OpNode[];
  /** number of op ids (chains have one entry per id) */
  readonly numIds: number;
  /** the first op is a conv computed directly from image patches (full representation, fused with the input) */
  readonly fusedFirstConv: boolean;
}

function containsPooling(arch: readonly LayerSpec[]): boolean {
  return arch.some(
    (l) => l.kind === 'gap' || l.kind === 'avgpool' || (l.kind === 'residual' && containsPooling(l.block)),
  );
}

/** Validate `arch` for `inputShape` ([d] or [h, w, c], NHWC) and lay out its kernel recursion. */
export function compileProgram(
  archIn: Arch | string,
  inputShape: readonly number[],
  param: Parameterization = 'ntk',
  method: KernelMethod = 'exact',
): Program {
  const arch = typeof archIn === 'string' ? parseArch(archIn) : archIn;
  if (param !== 'ntk' && param !== 'standard')
    throw new InvalidArgumentError('kernelFn', 'param', '`ntk` or `standard`', param);
  if (method !== 'exact' && method !== 'quadrature')
    throw new InvalidArgumentError('kernelFn', 'method', '`exact` or `quadrature`', method);
  // Shape rules shared with the finite network (gap on flat inputs, conv after flatten, kernel larger than image…).
  const net = buildNetwork(arch, inputShape, param);
  const image = net.inputShape.length === 3;
  let id = 0;
  // Top-level: full representation until the last gap/avgpool, then diag if images remain.
  let lastPool = -1;
  arch.forEach((l, i) => {
    if (l.kind === 'gap' || l.kind === 'avgpool' || (l.kind === 'residual' && containsPooling(l.block))) lastPool = i;
  });
  const checkResidual = (block: readonly LayerSpec[], path: string) => {
    const last = block[block.length - 1];
    if (last.kind !== 'dense' && last.kind !== 'conv') {
      throw new InvalidArgumentError(
        'kernelFn',
        `arch: layer ${path} \`residual\``,
        'a block ending in a dense or conv layer',
        last.kind,
        'The analytic kernel of x + block(x) adds the kernels of x and block(x), which holds when block(x) ends in a layer with fresh zero-mean weights (then x and block(x) are uncorrelated); for other blocks the cross-covariance is not tracked.',
      );
    }
  };
  // Whether the current layer's output is a centred Gaussian process at infinite width (neural-tangents'
  // `is_gaussian`): true after dense/conv, kept by linear pooling and by sums of independent Gaussians, false for the
  // raw input and after an activation. The activation kernels assume Gaussian pre-activations.
  let gaussian = false;
  const compile = (
    specs: readonly LayerSpec[],
    rep: Spatial,
    h: number,
    w: number,
    top: boolean,
    prefix: string,
  ): { nodes: OpNode[]; rep: Spatial; h: number; w: number } => {
    const nodes: OpNode[] = [];
    specs.forEach((spec, i) => {
      const path = prefix === '' ? String(i) : `${prefix}.${i}`;
      if (spec.kind === 'dense' || spec.kind === 'conv') gaussian = true;
      if (
        spec.kind === 'relu' ||
        spec.kind === 'erf' ||
        spec.kind === 'tanh' ||
        spec.kind === 'gelu' ||
        spec.kind === 'abrelu'
      ) {
        if (!gaussian) {
          throw new InvalidArgumentError(
            'kernelFn',
            `arch: layer ${path} \`${spec.kind}\``,
            'applied to a Gaussian pre-activation (the output of a dense or conv layer, possibly pooled, flattened or summed with an independent one in a residual)',
            i === 0 && prefix === '' ? 'the network input' : 'a non-Gaussian input',
            'The infinite-width kernel of an activation is E[φ(u)φ(v)] over Gaussian (u, v); its input here is not Gaussian (raw data, or the output of another activation), so the closed forms do not apply.',
          );
        }
        gaussian = false;
      }
      switch (spec.kind) {
        case 'dense':
          nodes.push({ id: id++, op: { kind: 'dense', spec, fanIn: fanInFlat(spec) }, out: 'flat', h: 1, w: 1 });
          break;
        case 'conv': {
          const c = currentChannels;
          const geom = convGeom(h, w, c, spec.kernel, spec.stride, spec.padding) as ConvGeom;
          nodes.push({ id: id++, op: { kind: 'conv', spec, fanIn: geom.K, geom }, out: rep, h: geom.oh, w: geom.ow });
          currentChannels = spec.channels;
          h = geom.oh;
          w = geom.ow;
          break;
        }
        case 'relu':
        case 'erf':
        case 'tanh':
        case 'gelu':
        case 'abrelu':
          nodes.push({ id: id++, op: { kind: 'act', spec, fn: activationKernel(spec, method) }, out: rep, h, w });
          break;
        case 'avgpool':
          h = Math.floor(h / spec.k);
          w = Math.floor(w / spec.k);
          nodes.push({ id: id++, op: { kind: 'avgpool', k: spec.k, h, w }, out: rep, h, w });
          break;
        case 'gap':
        case 'flatten':
          nodes.push({ id: id++, op: { kind: spec.kind, h, w }, out: 'flat', h: 1, w: 1 });
          currentFlat = spec.kind === 'gap' ? currentChannels : h * w * currentChannels;
          rep = 'flat';
          h = 1;
          w = 1;
          break;
        case 'residual': {
          checkResidual(spec.block, path);
          const before = gaussian;
          const inner = compile(spec.block, rep, h, w, false, path);
          // x + block(x): Gaussian when both terms are (block ends in dense/conv, so it is Gaussian)
          gaussian = before && gaussian;
          nodes.push({ id: id++, op: { kind: 'residual', block: inner.nodes }, out: rep, h, w });
          break;
        }
      }
      if (top && i === lastPool && rep === 'full' && i < specs.length - 1) {
        nodes.push({ id: id++, op: { kind: 'todiag' }, out: 'diag', h, w });
        rep = 'diag';
      }
    });
    return { nodes, rep, h, w };
  };
  // fan-in of a dense layer = width of the flat vector it reads
  let currentChannels = image ? (net.inputShape[2] as number) : 0;
  let currentFlat = image ? 0 : (net.inputShape[0] as number);
  const fanInFlat = (spec: LayerSpec & { kind: 'dense' }): number => {
    const f = currentFlat;
    currentFlat = spec.out;
    return f;
  };
  const input: Spatial = !image ? 'flat' : containsPooling(arch) ? 'full' : 'diag';
  const [inH, inW] = image ? [net.inputShape[0] as number, net.inputShape[1] as number] : [1, 1];
  const { nodes } = compile(arch, input, inH, inW, true, '');
  const first = nodes[0];
  return {
    arch,
    inputShape: net.inputShape,
    param,
    method,
    input,
    inH,
    inW,
    inC: image ? (net.inputShape[2] as number) : (net.inputShape[0] as number),
    inDim: net.inDim,
    nodes,
    numIds: id,
    fusedFirstConv: input === 'full' && first.op.kind === 'conv',
  };
}
