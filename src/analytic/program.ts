/**
 * The analytic kernel's program: the compiled network (src/arch/compile.ts, the same nodes the finite network runs)
 * annotated with what the kernel recursion needs — each layer's prepared analytic step, the spatial representation of
 * the record after it (record.ts: flat / diag / full) and its output size, and an id per step that indexes the
 * per-example variance chains. Shapes come from the network; only the kernel-specific rules are checked here (an
 * activation needs a Gaussian input; combinators' own conditions).
 *
 * Representation: flat for flat inputs; for images `full` from the input to the last layer that needs the full
 * (p, p′) covariances (pooling, aggregate, attention), then `diag`; `diag` throughout when no layer needs `full`;
 * `full` to the end when per-logit outputs (`outputs: 'full'`) of an image-shaped output are asked for. A step whose
 * next layer needs every example's full self-covariance (attention's weights) is marked `keepFull`: the variance
 * chains keep those covariances for the cross blocks. An image network that begins with `flatten` (after
 * kernel-identity layers only) is compiled as the flat-row network on the NHWC rows: its kernel is the same, and the
 * input Gram is one GEMM instead of per-pixel products (the flatten fast path).
 */
import { buildNetwork, type Network, requireFlatOutput, requireTrainedLayer } from '../arch/compile.js';
import { parseArch } from '../arch/parse.js';
import { layerModule } from '../arch/registry.js';
import type { Spatial } from '../arch/record.js';
import type { AnalyticStep, Arch, BuildOptions, KernelMethod, Node, Parameterization } from '../arch/types.js';
import { InvalidArgumentError } from '../errors.js';

/** One step of the kernel recursion: a layer (or the engine's full → diag change, layer null). */
export interface OpNode {
  readonly id: number;
  readonly layer: Node | null;
  readonly step: AnalyticStep | null;
  /** the representation after the step and its spatial size (1, 1 when flat) */
  readonly out: Spatial;
  readonly h: number;
  readonly w: number;
  readonly branches: readonly (readonly OpNode[])[];
  /** the next layer needs every example's full self-covariance after this step: the variance chains keep it */
  readonly keepFull: boolean;
}

/** `trace`: one value per pair of examples (the mean over output logits); `full`: one per pair of logits. */
export type KernelOutputs = 'trace' | 'full';

/** What compileProgram takes beside the architecture: the layers' data and the output layout. */
export interface ProgramOptions extends BuildOptions {
  readonly outputs?: KernelOutputs;
  /** a network whose output still has positions gives one output per position and channel (P·C outputs,
   * position-major) instead of being refused (implied by `aggregate`; see compile.ts requireFlatOutput) */
  readonly perPosition?: boolean;
}

export interface Program {
  readonly net: Network;
  readonly outputs: KernelOutputs;
  /** the caller's perPosition (the worker threads recompile with it) */
  readonly perPosition: boolean;
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
  /** the first step builds its own input record from the raw inputs (e.g. patch Grams of image inputs) */
  readonly fusedInput: boolean;
  /** the first layer needs every example's full self-covariance of the input (the chains keep it) */
  readonly inputFull: boolean;
}

/** Layers whose kernel step is the identity on every representation (the flatten fast path may skip them). */
const KERNEL_IDENTITY = new Set(['identity']);

/**
 * The length of the leading stretch of top-level layers that ends with `flatten` and before it has only
 * kernel-identity layers (0 when there is none): on an image input, its kernel is the flat-row kernel.
 */
function collapsiblePrefix(nodes: readonly Node[]): number {
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.branches.length > 0) return 0;
    if (n.name === 'flatten') return i + 1;
    if (!KERNEL_IDENTITY.has(n.name)) return 0;
  }
  return 0;
}

const needsFull = (n: Node): boolean => n.analytic.needsFull === true || n.branches.some((b) => b.some(needsFull));
/** the layer (or the first layer of one of its branches, which sees the same input) needs its input's full self-covariances */
const needsSelfFull = (n: Node | undefined): boolean =>
  n !== undefined && (n.analytic.needsSelfFull === true || n.branches.some((b) => needsSelfFull(b[0])));

/** Validate `arch` for `inputShape` ([d] or [h, w, c], NHWC) and lay out its kernel recursion. */
export function compileProgram(
  archIn: Arch | string,
  inputShape: readonly number[],
  param: Parameterization = 'ntk',
  method: KernelMethod = 'exact',
  opts: ProgramOptions = {},
): Program {
  const arch = typeof archIn === 'string' ? parseArch(archIn) : archIn;
  const outputs = opts.outputs ?? 'trace';
  if (outputs !== 'trace' && outputs !== 'full')
    throw new InvalidArgumentError('kernelFn', 'outputs', '`trace` or `full`', outputs);
  if (param !== 'ntk' && param !== 'standard')
    throw new InvalidArgumentError('kernelFn', 'param', '`ntk` or `standard`', param);
  if (method !== 'exact' && method !== 'quadrature')
    throw new InvalidArgumentError('kernelFn', 'method', '`exact` or `quadrature`', method);
  // the shape rules are the finite network's (one compile for both paths)
  const net = buildNetwork(arch, inputShape, param, opts.adjacency ? { adjacency: opts.adjacency } : {});
  // no parametrized layer at all: neither kernel exists (the rule empiricalNtk applies too, with the same text)
  if (net.paramLayers.length === 0) requireTrainedLayer('kernelFn', net);
  // a network that ends on its positions: one output per position and channel when asked for (or with aggregate)
  requireFlatOutput(net, 'kernelFn', opts.perPosition === true);
  // per-logit outputs after a last `flatten` with no affine layer behind it are correlated across positions: they are
  // the per-position outputs of the network before the flatten (the same NHWC order), so that network is compiled
  let lastFlatten = -1;
  net.nodes.forEach((n, i) => layerModule(n.name)?.flattens === true && (lastFlatten = i));
  if (outputs === 'full' && lastFlatten >= 0 && net.nodes[lastFlatten].name === 'flatten') {
    const behind = net.nodes.slice(lastFlatten + 1);
    const affine = (ns: readonly Node[]): boolean =>
      ns.some((n) => layerModule(n.name)?.affine === true || n.branches.some(affine));
    if (behind.length === 0 && arch[arch.length - 1].kind === 'flatten')
      return compileProgram(arch.slice(0, -1), inputShape, param, method, { ...opts, perPosition: true });
    if (!affine(behind)) {
      const f = net.nodes[lastFlatten];
      const b = behind.length > 0 ? `layer ${behind[0].path} \`${behind[0].name}\` follows` : 'a block ends with';
      throw new InvalidArgumentError(
        'kernelFn',
        'outputs',
        '`trace`, or `full` on a network whose last `flatten` is followed by an affine layer (e.g. `dense`) or ends it',
        'full',
        `${b} the \`flatten\` at layer ${f.path}; end the network with the flatten, written last at the top level (its outputs are then the per-position ones), add a readout, or ask for outputs 'trace'.`,
      );
    }
  }
  const image = net.inputShape.length === 3;
  // per-logit outputs of an image-shaped output need its (p, p′) covariances: full to the end
  const fullToEnd = outputs === 'full' && net.outputShape.length === 3;
  let id = 0;
  // whether the current layer's output is a centred Gaussian process at infinite width; the raw input is not
  let gaussian = false;
  const compile = (nodes: readonly Node[], rep: Spatial, top: boolean): OpNode[] => {
    const out: OpNode[] = [];
    let lastFull = -1;
    if (top) nodes.forEach((n, i) => (needsFull(n) || fullToEnd) && (lastFull = i));
    nodes.forEach((node, i) => {
      const a = node.analytic;
      a.check?.(node.path);
      const g = { gaussian, path: node.path, atInput: node.path === '0' };
      let branches: OpNode[][] = [];
      // a combinator's output has its branches' representation (all branches end in the same shape)
      let after = rep;
      if (node.branches.length > 0) {
        const results: boolean[] = [];
        branches = node.branches.map((b) => {
          gaussian = g.gaussian;
          const ops = compile(b, rep, false);
          results.push(gaussian);
          return ops;
        });
        gaussian = a.gaussian(g, results);
        const first = branches[0];
        if (first.length > 0) after = first[first.length - 1].out;
      } else gaussian = a.gaussian(g, []);
      rep = a.outRep?.(rep) ?? after;
      const s = node.outShape;
      const [h, w] = s.length === 3 ? [s[0], s[1]] : [1, 1];
      const keepFull = needsSelfFull(nodes[i + 1]);
      out.push({ id: id++, layer: node, step: a.prepare(method, param), out: rep, h, w, branches, keepFull });
      if (top && i === lastFull && rep === 'full' && i < nodes.length - 1) {
        out.push({ id: id++, layer: null, step: null, out: 'diag', h, w, branches: [], keepFull: false });
        rep = 'diag';
      }
    });
    return out;
  };
  const spatialInput: Spatial = !image ? 'flat' : fullToEnd || net.nodes.some(needsFull) ? 'full' : 'diag';
  // the flatten fast path: an image input that reaches `flatten` through layers that leave the kernel unchanged is
  // the flat-row kernel of its NHWC rows (flatten keeps the equal-position entries and takes their mean: the input
  // Gram x·x′/(h·w·c)); those layers are checked and then dropped, and the flat input Gram comes from the GEMM
  const skip = spatialInput === 'diag' ? collapsiblePrefix(net.nodes) : 0;
  for (const node of net.nodes.slice(0, skip)) {
    node.analytic.check?.(node.path);
    gaussian = node.analytic.gaussian({ gaussian, path: node.path, atInput: node.path === '0' }, []);
  }
  const input: Spatial = skip > 0 ? 'flat' : spatialInput;
  const nodes = compile(net.nodes.slice(skip), input, true);
  const s = net.inputShape;
  const spatial = s.length === 3 && skip === 0;
  return {
    net,
    outputs,
    perPosition: opts.perPosition === true,
    arch,
    inputShape: s,
    param,
    method,
    input,
    inH: spatial ? s[0] : 1,
    inW: spatial ? s[1] : 1,
    inC: spatial ? s[2] : net.inDim,
    inDim: net.inDim,
    nodes,
    numIds: id,
    fusedInput: input === 'full' && nodes[0].step?.fromInput !== undefined,
    inputFull: needsSelfFull(net.nodes[skip]),
  };
}
