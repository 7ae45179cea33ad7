/**
 * Compiling an architecture for an input shape: every layer's module checks that it fits its input, fixes its output
 * shape and places its parameters in θ. The result — the network's nodes with their finite passes and analytic
 * steps bound — is what the finite network (src/nn), the empirical NTK and the analytic kernel (src/analytic) run.
 */
import { InvalidArgumentError } from '../errors.js';
import { paramsNeed, requireMemory } from '../util/memory.js';
import { formatArch, parseArch } from './parse.js';
import { LAYER_MODULES, LAYER_NAMES, layerModule } from './registry.js';
import { showShape, size } from './shape.js';
import type { Arch, BuildOptions, CompileCtx, LayerSpec, Node, Parameterization, ParamLayer, Shape } from './types.js';

/** A compiled architecture: shapes checked, parameter layout fixed. Immutable; holds no parameter values. */
export interface Network {
  readonly arch: Arch;
  readonly inputShape: Shape;
  readonly outputShape: Shape;
  readonly param: Parameterization;
  /** Features per input example (product of inputShape) and outputs per example (product of outputShape). */
  readonly inDim: number;
  readonly outDim: number;
  readonly nodes: readonly Node[];
  readonly paramLayers: readonly ParamLayer[];
  /** Length of θ (frozen layers included). */
  readonly numParams: number;
  /** Entries of θ that are trained (frozen layers excluded). */
  readonly numTrainable: number;
  /** the data given beside the architecture (buildNetwork's `options`) */
  readonly options: BuildOptions;
}

function checkShape(fn: string, inputShape: readonly number[]): Shape {
  if (
    !Array.isArray(inputShape) ||
    (inputShape.length !== 1 && inputShape.length !== 3) ||
    !inputShape.every((v) => Number.isInteger(v) && v >= 1)
  ) {
    throw new InvalidArgumentError(
      fn,
      'inputShape',
      '[d] for flat inputs or [h, w, c] for NHWC images, positive integers',
      inputShape,
    );
  }
  return inputShape.length === 1 ? [inputShape[0]] : [inputShape[0], inputShape[1], inputShape[2]];
}

/** Compile an architecture for an input shape: checks that every layer fits its input and fixes the θ layout.
 * `options` holds data some layers need (aggregate's adjacency); the network keeps it. */
export function buildNetwork(
  arch: Arch | string,
  inputShape: readonly number[],
  param: Parameterization = 'ntk',
  options: BuildOptions = {},
): Network {
  const layers = typeof arch === 'string' ? parseArch(arch) : arch;
  if (param !== 'ntk' && param !== 'standard')
    throw new InvalidArgumentError('buildNetwork', 'param', '`ntk` or `standard`', param);
  const inShape = checkShape('buildNetwork', inputShape);
  if (layers.length === 0) throw new InvalidArgumentError('buildNetwork', 'arch', 'a non-empty layer list', '');
  const paramLayers: ParamLayer[] = [];
  let offset = 0;
  let trainable = 0;
  const namesWith: CompileCtx['namesWith'] = (pred) => LAYER_MODULES.filter(pred).flatMap((m) => m.names);
  const compile = (
    specs: readonly LayerSpec[],
    shape: Shape,
    prefix: string,
    start: number,
  ): { nodes: Node[]; shape: Shape } => {
    const nodes: Node[] = [];
    specs.forEach((spec, i) => {
      const path = prefix === '' ? String(start + i) : `${prefix}.${start + i}`;
      const name = spec.kind;
      const m = layerModule(name);
      if (m === undefined)
        throw new InvalidArgumentError('buildNetwork', `arch: layer ${path}`, `one of ${LAYER_NAMES.join(', ')}`, name);
      const ctx: CompileCtx = {
        path,
        inShape: shape,
        param,
        bad: (constraint, why) => {
          throw new InvalidArgumentError(
            'buildNetwork',
            `arch: layer ${path} \`${name}\``,
            constraint,
            `its input is ${showShape(shape)}`,
            why,
          );
        },
        addParams: (a) => {
          const s = a.spec;
          const wSize = a.fanIn * a.out;
          const hasBias = s.bstd !== 0;
          const biasPositions = a.biasPositions ?? 1;
          const scaleFanIn = a.scaleFanIn ?? a.fanIn;
          const p: ParamLayer = {
            index: paramLayers.length,
            path,
            kind: name,
            spec: s,
            fanIn: a.fanIn,
            out: a.out,
            kernel: a.kernel,
            inChannels: a.inChannels,
            positions: a.positions,
            wOffset: offset,
            wSize,
            bOffset: hasBias ? offset + wSize : -1,
            bSize: hasBias ? a.out * biasPositions : 0,
            biasPositions,
            wScale: a.ntkScales ? a.ntkScales.w : param === 'ntk' ? s.wstd / Math.sqrt(scaleFanIn) : 1,
            bScale: a.ntkScales ? a.ntkScales.b : param === 'ntk' ? s.bstd : 1,
            wInitStd: a.ntkScales || param === 'ntk' ? 1 : s.wstd / Math.sqrt(scaleFanIn),
            bInitStd: a.ntkScales || param === 'ntk' ? 1 : s.bstd,
            frozen: s.frozen,
            exportWeights: a.exportWeights,
            manifest: a.manifest ?? {},
          };
          offset += wSize + p.bSize;
          if (!s.frozen) trainable += wSize + p.bSize;
          paramLayers.push(p);
          return p;
        },
        branch: (block, at, from = 0) => compile(block, at, path, from),
        namesWith,
        options,
      };
      const c = m.compile(spec, ctx);
      nodes.push({
        path,
        name,
        spec,
        inShape: shape,
        outShape: c.outShape,
        param: c.param ?? null,
        branches: c.branches ?? [],
        finite: c.finite,
        analytic: c.analytic,
      });
      shape = c.outShape;
    });
    return { nodes, shape };
  };
  const { nodes, shape } = compile(layers, inShape, '', 0);
  // a θ beyond 2^53 − 1 entries cannot be allocated anywhere: the memory error init would give (with the figure)
  if (!Number.isSafeInteger(offset)) requireMemory('arch', 'the network', paramsNeed(offset));
  if (!Number.isSafeInteger(offset) || !shape.every((v) => Number.isSafeInteger(v))) {
    throw new InvalidArgumentError(
      'buildNetwork',
      'arch',
      'a network whose parameter count and shapes are integers ≤ 2^53 − 1',
      `${offset} parameters, output ${showShape(shape)}`,
    );
  }
  return {
    arch: layers,
    inputShape: inShape,
    outputShape: shape,
    param,
    inDim: size(inShape),
    outDim: size(shape),
    nodes,
    paramLayers,
    numParams: offset,
    numTrainable: trainable,
    options,
  };
}

/**
 * The one rule of both NTK paths (empiricalNtk and kernelFn): the NTK Θ = J·Jᵀ sums over the trained parameters, so
 * a network without a trained parametrized layer (`relu`, or every layer frozen) has Θ ≡ 0; it is refused rather
 * than returned as a zero matrix.
 */
export function requireTrainedLayer(fn: string, net: Network): void {
  if (net.numTrainable > 0) return;
  throw new InvalidArgumentError(
    fn,
    'arch',
    'an architecture with at least one trained parametrized layer (dense or conv, not frozen)',
    formatArch(net.arch),
    'The NTK sums over the trained parameters, so without one it is identically zero.',
  );
}

/**
 * The kernels (empirical and analytic) and training take one output vector per example. A network whose output still
 * has positions (an image, a sequence, a graph's nodes) has one output per position and channel (P·C outputs,
 * position-major, NHWC order) only when asked for: the caller's `perPosition` (CLI `--per-position`), or a layer
 * whose networks end on their positions (aggregate: node-level graph kernels); otherwise it is refused, with the same
 * text in every path (`fn` names the function called).
 */
export function requireFlatOutput(net: Network, fn: string, perPosition = false): void {
  if (net.outputShape.length === 1 || perPosition) return;
  const positional = (nodes: readonly Node[]): boolean =>
    nodes.some((n) => layerModule(n.name)?.perPosition === true || n.branches.some(positional));
  if (positional(net.nodes)) return;
  const last = net.nodes[net.nodes.length - 1];
  const flat = LAYER_MODULES.filter((m) => m.flattens === true)
    .flatMap((m) => m.names)
    .sort()
    .map((n) => `\`${n}\``);
  throw new InvalidArgumentError(
    fn,
    'arch',
    'a network whose output is flat (one vector per example), or one output per position and channel when asked for',
    `its output is ${showShape(net.outputShape)}, after layer ${last.path} \`${last.name}\``,
    `End the image or sequence part with ${flat.join(' or ')} (e.g. \`…,gap,dense(10)\`): on an input with positions, \`dense\` acts on the channel axis at every position (neural-tangents' Dense), so it keeps the positions. For one output per position and channel (${net.outputShape.join('·')} = ${net.outDim} outputs), pass --per-position (library: perPosition: true).`,
  );
}
