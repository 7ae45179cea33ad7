/**
 * Compiling an architecture for an input shape: every layer's module checks that it fits its input, fixes its output
 * shape and places its parameters in θ. The result — the network's nodes with their finite passes and analytic
 * steps bound — is what the finite network (src/nn), the empirical NTK and the analytic kernel (src/analytic) run.
 */
import { InvalidArgumentError } from '../errors.js';
import { parseArch } from './parse.js';
import { LAYER_MODULES, LAYER_NAMES, layerModule } from './registry.js';
import { showShape, size } from './shape.js';
import type { Arch, CompileCtx, LayerSpec, Node, Parameterization, ParamLayer, Shape } from './types.js';

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

/** Compile an architecture for an input shape: checks that every layer fits its input and fixes the θ layout. */
export function buildNetwork(
  arch: Arch | string,
  inputShape: readonly number[],
  param: Parameterization = 'ntk',
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
  const compile = (specs: readonly LayerSpec[], shape: Shape, prefix: string): { nodes: Node[]; shape: Shape } => {
    const nodes: Node[] = [];
    specs.forEach((spec, i) => {
      const path = prefix === '' ? String(i) : `${prefix}.${i}`;
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
            bSize: hasBias ? a.out : 0,
            wScale: a.ntkScales ? a.ntkScales.w : param === 'ntk' ? s.wstd / Math.sqrt(a.fanIn) : 1,
            bScale: a.ntkScales ? a.ntkScales.b : param === 'ntk' ? s.bstd : 1,
            wInitStd: a.ntkScales || param === 'ntk' ? 1 : s.wstd / Math.sqrt(a.fanIn),
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
        branch: (block, at) => compile(block, at, path),
        namesWith,
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
  const { nodes, shape } = compile(layers, inShape, '');
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
  };
}

/**
 * The kernels (empirical and analytic) and training take one output vector per example: a network whose output still
 * has spatial positions is refused, with the same text in every path (`fn` names the function called).
 */
export function requireFlatOutput(net: Network, fn: string): void {
  if (net.outputShape.length === 1) return;
  const last = net.nodes[net.nodes.length - 1];
  const flat = LAYER_MODULES.filter((m) => m.flattens === true)
    .flatMap((m) => m.names)
    .sort()
    .map((n) => `\`${n}\``);
  throw new InvalidArgumentError(
    fn,
    'arch',
    'a network whose output is flat (one vector per example)',
    `its output is ${showShape(net.outputShape)}, after layer ${last.path} \`${last.name}\``,
    `End the image or sequence part with ${flat.join(' or ')} (e.g. \`…,gap,dense(10)\`): on an input with positions, \`dense\` acts on the channel axis at every position (neural-tangents' Dense), so it keeps the positions.`,
  );
}
