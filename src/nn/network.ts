/**
 * Finite networks built from the architecture language: shape checking, seeded initialization, batched forward
 * (keeping what backward needs), batched VJP (parameter gradients summed over the batch + input cotangent), the
 * per-layer inputs A and output cotangents G that the structured empirical NTK contracts, and a batched JVP
 * (forward-mode, for NTK-vector products and linearized models). See index.ts for the API overview.
 */
import { InvalidArgumentError } from '../errors.js';
import { Matrix } from '../linalg/matrix.js';
import { gemm } from '../linalg/blas.js';
import type { Rng } from '../util/random.js';
import {
  type AbReluSpec,
  type ActivationSpec,
  type Arch,
  type ConvSpec,
  type DenseSpec,
  type LayerSpec,
  type Parameterization,
  parseArch,
} from './arch.js';
import {
  type ActivationFns,
  type ConvGeom,
  activation,
  avgPool,
  avgPoolBack,
  col2im,
  convGeom,
  gap,
  gapBack,
  im2col,
} from './layers.js';

/** Per-example shape: `[d]` for flat inputs, `[h, w, c]` for NHWC images. */
export type Shape = readonly [number] | readonly [number, number, number];

/** One parametrized layer (dense or conv) and where its parameters sit in the flat vector θ. */
export interface ParamLayer {
  /** Position among parametrized layers (0-based, depth-first through residual blocks). */
  readonly index: number;
  /** Position in the architecture: "3" for top-level layer 3, "2.1" for layer 1 inside the residual at 2 (0-based). */
  readonly path: string;
  readonly kind: 'dense' | 'conv';
  readonly spec: DenseSpec | ConvSpec;
  /** in features (dense) or in_channels·k·k (conv) */
  readonly fanIn: number;
  /** out features or out channels */
  readonly out: number;
  /** For conv: kernel size and input channels (weights are stored (out, kh, kw, in) inside θ). */
  readonly kernel: number;
  readonly inChannels: number;
  /** Output positions per example (1 for dense, oh·ow for conv). */
  readonly positions: number;
  readonly wOffset: number;
  readonly wSize: number;
  /** −1 when the layer has no bias (bstd = 0). */
  readonly bOffset: number;
  readonly bSize: number;
  /** Multipliers applied in the forward pass: y = wScale·W·a + bScale·b. ntk: σ_w/√fan_in, σ_b; standard: 1, 1. */
  readonly wScale: number;
  readonly bScale: number;
  /** Std of the stored entries at init. ntk: 1, 1; standard: σ_w/√fan_in, σ_b. */
  readonly wInitStd: number;
  readonly bInitStd: number;
  readonly frozen: boolean;
}

type NodeBase = { readonly path: string; readonly inShape: Shape; readonly outShape: Shape; readonly name: string };
export type Node =
  | (NodeBase & { readonly kind: 'dense'; readonly p: ParamLayer })
  | (NodeBase & { readonly kind: 'conv'; readonly p: ParamLayer; readonly geom: ConvGeom })
  | (NodeBase & { readonly kind: 'act'; readonly fns: ActivationFns })
  | (NodeBase & { readonly kind: 'avgpool'; readonly k: number })
  | (NodeBase & { readonly kind: 'gap' | 'flatten' })
  | (NodeBase & { readonly kind: 'residual'; readonly block: readonly Node[] });

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

/** Parameter values of a network: θ is one flat Float64Array; per-layer W and b are views into it. */
export interface Params {
  readonly net: Network;
  readonly theta: Float64Array;
}

const size = (s: Shape): number => s.reduce((a, b) => a * b, 1);
const showShape = (s: Shape): string => (s.length === 1 ? `flat (${s[0]})` : `image ${s.join('×')} (h×w×c)`);

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
  const compile = (specs: readonly LayerSpec[], shape: Shape, prefix: string): { nodes: Node[]; shape: Shape } => {
    const nodes: Node[] = [];
    specs.forEach((spec, i) => {
      const path = prefix === '' ? String(i) : `${prefix}.${i}`;
      const name = spec.kind;
      const bad = (constraint: string, why: string): never => {
        throw new InvalidArgumentError(
          'buildNetwork',
          `arch: layer ${path} \`${name}\``,
          constraint,
          `its input is ${showShape(shape)}`,
          why,
        );
      };
      const addParams = (
        kind: 'dense' | 'conv',
        s: DenseSpec | ConvSpec,
        fanIn: number,
        out: number,
        kernel: number,
        inChannels: number,
        positions: number,
      ): ParamLayer => {
        const wSize = fanIn * out;
        const hasBias = s.bstd !== 0;
        const p: ParamLayer = {
          index: paramLayers.length,
          path,
          kind,
          spec: s,
          fanIn,
          out,
          kernel,
          inChannels,
          positions,
          wOffset: offset,
          wSize,
          bOffset: hasBias ? offset + wSize : -1,
          bSize: hasBias ? out : 0,
          wScale: param === 'ntk' ? s.wstd / Math.sqrt(fanIn) : 1,
          bScale: param === 'ntk' ? s.bstd : 1,
          wInitStd: param === 'ntk' ? 1 : s.wstd / Math.sqrt(fanIn),
          bInitStd: param === 'ntk' ? 1 : s.bstd,
          frozen: s.frozen,
        };
        offset += wSize + p.bSize;
        if (!s.frozen) trainable += wSize + p.bSize;
        paramLayers.push(p);
        return p;
      };
      switch (spec.kind) {
        case 'dense': {
          if (shape.length !== 1)
            bad(
              'a flat input',
              'dense needs a flat vector per example: put `flatten` or `gap` between a conv/pool layer and `dense`.',
            );
          const p = addParams('dense', spec, shape[0], spec.out, 1, shape[0], 1);
          const out: Shape = [spec.out];
          nodes.push({ kind: 'dense', path, name, inShape: shape, outShape: out, p });
          shape = out;
          break;
        }
        case 'conv': {
          if (shape.length !== 3)
            bad(
              'an image input (h×w×c, NHWC)',
              'conv needs image inputs: give the input shape as h,w,c (e.g. --input-shape 28,28,1) and do not flatten before conv.',
            );
          const [h, w, c] = shape as readonly [number, number, number];
          const g = convGeom(h, w, c, spec.kernel, spec.stride, spec.padding);
          if (g === null)
            bad(
              `an image at least ${spec.kernel}×${spec.kernel} for padding=valid`,
              'the image is smaller than the kernel.',
            );
          const geom = g as ConvGeom;
          const p = addParams('conv', spec, geom.K, spec.channels, spec.kernel, c, geom.P);
          const out: Shape = [geom.oh, geom.ow, spec.channels];
          nodes.push({ kind: 'conv', path, name, inShape: shape, outShape: out, p, geom });
          shape = out;
          break;
        }
        case 'relu':
        case 'erf':
        case 'tanh':
        case 'gelu':
        case 'abrelu':
          nodes.push({
            kind: 'act',
            path,
            name,
            inShape: shape,
            outShape: shape,
            fns: activation(spec as ActivationSpec | AbReluSpec),
          });
          break;
        case 'avgpool': {
          if (shape.length !== 3) bad('an image input (h×w×c)', 'avgpool pools over image positions.');
          const [h, w, c] = shape as readonly [number, number, number];
          if (h < spec.k || w < spec.k)
            bad(`an image at least ${spec.k}×${spec.k}`, 'the image is smaller than the pooling window.');
          const out: Shape = [Math.floor(h / spec.k), Math.floor(w / spec.k), c];
          nodes.push({ kind: 'avgpool', path, name, inShape: shape, outShape: out, k: spec.k });
          shape = out;
          break;
        }
        case 'gap':
        case 'flatten': {
          if (shape.length !== 3)
            bad('an image input (h×w×c)', `${spec.kind} turns an image into a vector; the input is already flat.`);
          const out: Shape = spec.kind === 'gap' ? [shape[2] as number] : [size(shape)];
          nodes.push({ kind: spec.kind, path, name, inShape: shape, outShape: out });
          shape = out;
          break;
        }
        case 'residual': {
          const inner = compile(spec.block, shape, path);
          if (inner.shape.length !== shape.length || inner.shape.some((v, j) => v !== shape[j])) {
            bad(
              `a block whose output shape equals its input shape`,
              `the block maps ${showShape(shape)} to ${showShape(inner.shape)}, so x + block(x) is undefined.`,
            );
          }
          nodes.push({ kind: 'residual', path, name, inShape: shape, outShape: shape, block: inner.nodes });
          break;
        }
      }
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
 * Initialize parameters: layer l draws its weights then its bias from `rng.split(l)` (l = index among parametrized
 * layers), W entries ~ N(0, wInitStd²), b ~ N(0, bInitStd²). The same seed gives the same θ.
 */
export function init(
  arch: Arch | string | Network,
  inputShape: readonly number[],
  param: Parameterization,
  rng: Rng,
): Params;
export function init(net: Network, rng: Rng): Params;
export function init(a: Arch | string | Network, b: readonly number[] | Rng, c?: Parameterization, d?: Rng): Params {
  let net: Network;
  let rng: Rng;
  if (isNetwork(a) && !Array.isArray(b)) {
    net = a;
    rng = b as Rng;
  } else {
    net = isNetwork(a) ? a : buildNetwork(a, b as readonly number[], c ?? 'ntk');
    if (d === undefined) throw new InvalidArgumentError('init', 'rng', 'an Rng (new Rng(seed))', d);
    rng = d;
  }
  const theta = new Float64Array(net.numParams);
  for (const p of net.paramLayers) {
    const r = rng.split(p.index);
    for (let i = 0; i < p.wSize; i++) theta[p.wOffset + i] = p.wInitStd * r.normal();
    for (let i = 0; i < p.bSize; i++) theta[p.bOffset + i] = p.bInitStd * r.normal();
  }
  return { net, theta };
}

function isNetwork(x: unknown): x is Network {
  return typeof x === 'object' && x !== null && 'paramLayers' in x && 'nodes' in x;
}

/** Views of one layer's stored weights (out × fanIn; conv: (out, kh, kw, in)) and bias (out, or null). */
export function layerParams(params: Params, layer: ParamLayer): { W: Float64Array; b: Float64Array | null } {
  const t = params.theta;
  return {
    W: t.subarray(layer.wOffset, layer.wOffset + layer.wSize),
    b: layer.bOffset < 0 ? null : t.subarray(layer.bOffset, layer.bOffset + layer.bSize),
  };
}

/** The same network with another parameter vector (checked for length; not copied). */
export function withTheta(params: Params, theta: Float64Array): Params {
  if (!(theta instanceof Float64Array) || theta.length !== params.net.numParams) {
    throw new InvalidArgumentError(
      'withTheta',
      'theta',
      `a Float64Array of length numParams = ${params.net.numParams}`,
      theta,
    );
  }
  return { net: params.net, theta };
}

/** 1 for trained entries of θ, 0 for frozen ones. */
export function trainableMask(net: Network): Float64Array {
  const m = new Float64Array(net.numParams);
  for (const p of net.paramLayers) if (!p.frozen) m.fill(1, p.wOffset, p.wOffset + p.wSize + p.bSize);
  return m;
}

// ---------------------------------------------------------------------------------------------------------------
// Workspaces

/**
 * Buffers reused by repeated forward/backward passes of the same shapes (a training loop): without one every layer
 * allocates fresh (zeroed, page-faulted) arrays each call. A tape, output or gradient made with a workspace is valid
 * only until the next call that uses the same workspace; give each concurrent use its own.
 */
export class Workspace {
  private readonly bufs = new Map<string, Float64Array>();
  /**
   * A buffer of `len` entries for `key`, zeroed when `zero` (otherwise the caller overwrites every entry). A smaller
   * request than the key's buffer gets a view of its start, so alternating sizes (a last, smaller batch) allocate once.
   */
  get(key: string, len: number, zero: boolean): Float64Array {
    const b = this.bufs.get(key);
    if (b === undefined || b.length < len) {
      const fresh = new Float64Array(len);
      this.bufs.set(key, fresh);
      return fresh;
    }
    const v = b.length === len ? b : b.subarray(0, len);
    if (zero) v.fill(0);
    return v;
  }

  /** Bytes held by the workspace's buffers. */
  bytes(): number {
    let s = 0;
    for (const b of this.bufs.values()) s += b.byteLength;
    return s;
  }
}

const buffer = (ws: Workspace | null, key: string, len: number, zero: boolean): Float64Array =>
  ws === null ? new Float64Array(len) : ws.get(key, len, zero);

// ---------------------------------------------------------------------------------------------------------------
// Forward

interface Saved {
  /** the node's input (n × inSize) */
  x: Float64Array;
  /** conv: im2col patches of x */
  patches?: Float64Array;
  /** residual: the block's tape */
  inner?: Saved[];
}

/** What backward needs: each node's input (and conv patches). Opaque outside this module. */
export interface Tape {
  readonly params: Params;
  readonly n: number;
  readonly saved: readonly Saved[];
}

function checkInput(fn: string, net: Network, X: Matrix): void {
  if (!(X instanceof Matrix)) throw new InvalidArgumentError(fn, 'X', 'a Matrix (n × inDim)', X);
  if (X.cols !== net.inDim) {
    throw new InvalidArgumentError(
      fn,
      'X',
      `a matrix with ${net.inDim} columns (input shape ${net.inputShape.join('×')}${net.inputShape.length === 3 ? ', NHWC flattened' : ''})`,
      `${X.rows}×${X.cols}`,
    );
  }
  const d = X.data;
  let probe = 0; // x·0 is NaN exactly when x is NaN or ±Infinity; one pass without branches, then find the culprit
  for (let i = 0; i < d.length; i++) probe += d[i] * 0;
  if (probe === 0) return;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const r = Math.floor(i / X.cols);
      throw new InvalidArgumentError(fn, 'X', 'finite (no NaN or ±Infinity)', `X[${r}][${i - r * X.cols}] = ${d[i]}`);
    }
  }
}

function affine(
  theta: Float64Array,
  p: ParamLayer,
  A: Float64Array,
  rows: number,
  Y: Float64Array = new Float64Array(rows * p.out),
): Float64Array {
  gemm({
    m: rows,
    n: p.out,
    k: p.fanIn,
    a: A,
    b: theta.subarray(p.wOffset, p.wOffset + p.wSize),
    c: Y,
    transB: true,
    alpha: p.wScale,
  });
  if (p.bOffset >= 0) {
    const b = theta.subarray(p.bOffset, p.bOffset + p.out);
    const s = p.bScale;
    for (let r = 0; r < rows; r++) for (let o = 0; o < p.out; o++) Y[r * p.out + o] += s * b[o];
  }
  return Y;
}

function forwardNodes(
  nodes: readonly Node[],
  theta: Float64Array,
  x: Float64Array,
  n: number,
  keep: boolean,
  saved: Saved[],
  ws: Workspace | null,
): Float64Array {
  for (const node of nodes) {
    const s: Saved = { x };
    const outLen = n * size(node.outShape);
    const key = `f${node.path}`;
    let y: Float64Array;
    switch (node.kind) {
      case 'dense':
        y = affine(theta, node.p, x, n, buffer(ws, key, outLen, false));
        break;
      case 'conv': {
        const patches = im2col(x, n, node.geom, buffer(ws, `p${node.path}`, n * node.geom.P * node.geom.K, true));
        y = affine(theta, node.p, patches, n * node.geom.P, buffer(ws, key, outLen, false));
        if (keep) s.patches = patches;
        break;
      }
      case 'act':
        y = buffer(ws, key, outLen, false);
        node.fns.fwd(x, y);
        break;
      case 'avgpool': {
        const [h, w, c] = node.inShape as readonly [number, number, number];
        y = avgPool(x, n, h, w, c, node.k, buffer(ws, key, outLen, true));
        break;
      }
      case 'gap': {
        const [h, w, c] = node.inShape as readonly [number, number, number];
        y = gap(x, n, h * w, c, buffer(ws, key, outLen, true));
        break;
      }
      case 'flatten':
        y = x;
        break;
      case 'residual': {
        const inner: Saved[] = [];
        const b = forwardNodes(node.block, theta, x, n, keep, inner, ws);
        y = buffer(ws, key, outLen, false);
        for (let i = 0; i < x.length; i++) y[i] = x[i] + b[i];
        if (keep) s.inner = inner;
        break;
      }
    }
    if (keep) saved.push(s);
    x = y;
  }
  return x;
}

/** Options of the batched passes: a Workspace whose buffers are reused (see Workspace for the lifetime rule). */
export interface PassOptions {
  workspace?: Workspace;
}

/** Batched forward pass: X is n × inDim (images NHWC-flattened), the result n × outDim. */
export function apply(params: Params, X: Matrix, opts: PassOptions = {}): Matrix {
  checkInput('apply', params.net, X);
  const y = forwardNodes(params.net.nodes, params.theta, X.data, X.rows, false, [], opts.workspace ?? null);
  return new Matrix(X.rows, params.net.outDim, y === X.data ? y.slice() : y);
}

/** Forward pass that also returns the tape backward needs. */
export function forward(params: Params, X: Matrix, opts: PassOptions = {}): { out: Matrix; tape: Tape } {
  checkInput('forward', params.net, X);
  const saved: Saved[] = [];
  const y = forwardNodes(params.net.nodes, params.theta, X.data, X.rows, true, saved, opts.workspace ?? null);
  return {
    out: new Matrix(X.rows, params.net.outDim, y === X.data ? y.slice() : y),
    tape: { params, n: X.rows, saved },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Backward

/**
 * One parametrized layer's factors for one backward pass over n examples: A = its inputs (dense: n × fanIn; conv:
 * im2col patches, (n·P) × fanIn) and G = cotangents of its pre-activation outputs (n × out; conv (n·P) × out). The
 * per-example gradient of the stored weights is wScale·Σ_p g_{i,p} a_{i,p}ᵀ and of the bias bScale·Σ_p g_{i,p}.
 */
export interface LayerTerms {
  readonly layer: ParamLayer;
  readonly A: Float64Array;
  readonly G: Float64Array;
}

interface BackCtx {
  theta: Float64Array;
  n: number;
  grad: Float64Array | null;
  terms: LayerTerms[] | null;
  ws: Workspace | null;
}

function backwardNodes(
  nodes: readonly Node[],
  saved: readonly Saved[],
  g: Float64Array,
  ctx: BackCtx,
  needDx: boolean,
): Float64Array | null {
  const { theta, n, ws } = ctx;
  for (let li = nodes.length - 1; li >= 0; li--) {
    const node = nodes[li];
    const s = saved[li];
    const wantDx = needDx || li > 0;
    const inLen = n * size(node.inShape);
    const key = `b${node.path}`;
    let gin: Float64Array | null = null;
    switch (node.kind) {
      case 'dense':
      case 'conv': {
        const p = node.p;
        const rows = node.kind === 'conv' ? n * node.geom.P : n;
        const A =
          node.kind === 'conv'
            ? (s.patches ?? im2col(s.x, n, node.geom, buffer(ws, `p${node.path}`, rows * p.fanIn, true)))
            : s.x;
        const W = theta.subarray(p.wOffset, p.wOffset + p.wSize);
        if (ctx.terms && !p.frozen) ctx.terms.push({ layer: p, A, G: g });
        if (ctx.grad && !p.frozen) {
          gemm({
            m: p.out,
            n: p.fanIn,
            k: rows,
            a: g,
            b: A,
            c: ctx.grad.subarray(p.wOffset, p.wOffset + p.wSize),
            transA: true,
            alpha: p.wScale,
            beta: 1,
          });
          if (p.bOffset >= 0) {
            const gb = ctx.grad;
            for (let r = 0; r < rows; r++)
              for (let o = 0; o < p.out; o++) gb[p.bOffset + o] += p.bScale * g[r * p.out + o];
          }
        }
        if (wantDx) {
          const dA = buffer(ws, node.kind === 'conv' ? `d${node.path}` : key, rows * p.fanIn, false);
          gemm({ m: rows, n: p.fanIn, k: p.out, a: g, b: W, c: dA, alpha: p.wScale });
          gin = node.kind === 'conv' ? col2im(dA, n, node.geom, buffer(ws, key, inLen, true)) : dA;
        }
        break;
      }
      case 'act':
        gin = buffer(ws, key, inLen, false);
        node.fns.bwd(s.x, g, gin);
        break;
      case 'avgpool': {
        const [h, w, c] = node.inShape as readonly [number, number, number];
        gin = avgPoolBack(g, n, h, w, c, node.k, buffer(ws, key, inLen, true));
        break;
      }
      case 'gap': {
        const [h, w, c] = node.inShape as readonly [number, number, number];
        gin = gapBack(g, n, h * w, c, buffer(ws, key, inLen, false));
        break;
      }
      case 'flatten':
        gin = g;
        break;
      case 'residual': {
        const gb = backwardNodes(node.block, s.inner ?? [], g, ctx, true) as Float64Array;
        const r = buffer(ws, key, inLen, false);
        for (let i = 0; i < g.length; i++) r[i] = g[i] + gb[i];
        gin = r;
        break;
      }
    }
    if (li === 0) return wantDx ? gin : null;
    g = gin as Float64Array;
  }
  return null;
}

function checkCotangent(fn: string, tape: Tape, gOut: Matrix): void {
  if (!(gOut instanceof Matrix) || gOut.rows !== tape.n || gOut.cols !== tape.params.net.outDim) {
    throw new InvalidArgumentError(
      fn,
      'gOut',
      `a Matrix ${tape.n} × ${tape.params.net.outDim} (batch × outputs)`,
      gOut instanceof Matrix ? `${gOut.rows}×${gOut.cols}` : gOut,
    );
  }
  if (tape.saved.length > 0 && tape.saved.length !== tape.params.net.nodes.length) {
    throw new InvalidArgumentError(fn, 'tape', 'a tape from forward()', 'a tape without saved activations');
  }
}

/**
 * Batched VJP: given the output cotangent gOut (n × outDim), the gradient of Σᵢ⟨gOutᵢ, f(xᵢ)⟩ with respect to θ
 * (length numParams, summed over the batch, zero on frozen layers) and with respect to the input (n × inDim).
 */
export function vjp(
  tape: Tape,
  gOut: Matrix,
  opts: { inputGrad?: boolean } & PassOptions = {},
): { grad: Float64Array; dx: Matrix | null } {
  checkCotangent('vjp', tape, gOut);
  const { params, n } = tape;
  const ws = opts.workspace ?? null;
  const grad = buffer(ws, 'grad', params.net.numParams, true);
  const wantDx = opts.inputGrad ?? true;
  const dx = backwardNodes(
    params.net.nodes,
    tape.saved,
    gOut.data,
    { theta: params.theta, n, grad, terms: null, ws },
    wantDx,
  );
  return { grad, dx: dx === null ? null : new Matrix(n, params.net.inDim, dx === gOut.data ? dx.slice() : dx) };
}

/**
 * The structured factors of one backward pass: for every trained (non-frozen) parametrized layer, its inputs A and
 * output cotangents G (see LayerTerms). No parameter gradient is formed. With a workspace, the G arrays live until the
 * next pass through it (the A arrays belong to the tape).
 */
export function layerTerms(tape: Tape, gOut: Matrix, opts: PassOptions = {}): LayerTerms[] {
  checkCotangent('layerTerms', tape, gOut);
  const terms: LayerTerms[] = [];
  backwardNodes(
    tape.params.net.nodes,
    tape.saved,
    gOut.data,
    { theta: tape.params.theta, n: tape.n, grad: null, terms, ws: opts.workspace ?? null },
    false,
  );
  return terms;
}

// ---------------------------------------------------------------------------------------------------------------
// Forward-mode (JVP)

function jvpNodes(
  nodes: readonly Node[],
  theta: Float64Array,
  tan: Float64Array,
  x: Float64Array,
  dx: Float64Array | null,
  n: number,
): { y: Float64Array; dy: Float64Array } {
  for (const node of nodes) {
    let y: Float64Array;
    let dy: Float64Array;
    switch (node.kind) {
      case 'dense':
      case 'conv': {
        const p = node.p;
        const rows = node.kind === 'conv' ? n * node.geom.P : n;
        const A = node.kind === 'conv' ? im2col(x, n, node.geom) : x;
        y = affine(theta, p, A, rows);
        // dy = wScale·(dA Wᵀ + A dWᵀ) + bScale·db
        dy = affine(tan, p, A, rows);
        if (dx !== null) {
          const dA = node.kind === 'conv' ? im2col(dx, n, node.geom) : dx;
          gemm({
            m: rows,
            n: p.out,
            k: p.fanIn,
            a: dA,
            b: theta.subarray(p.wOffset, p.wOffset + p.wSize),
            c: dy,
            transB: true,
            alpha: p.wScale,
            beta: 1,
          });
        }
        break;
      }
      case 'act': {
        const { f, df } = node.fns;
        y = new Float64Array(x.length);
        dy = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) {
          y[i] = f(x[i]);
          if (dx !== null) dy[i] = df(x[i]) * dx[i];
        }
        break;
      }
      case 'avgpool': {
        const [h, w, c] = node.inShape as readonly [number, number, number];
        y = avgPool(x, n, h, w, c, node.k);
        dy = dx === null ? new Float64Array(y.length) : avgPool(dx, n, h, w, c, node.k);
        break;
      }
      case 'gap': {
        const [h, w, c] = node.inShape as readonly [number, number, number];
        y = gap(x, n, h * w, c);
        dy = dx === null ? new Float64Array(y.length) : gap(dx, n, h * w, c);
        break;
      }
      case 'flatten':
        y = x;
        dy = dx ?? new Float64Array(x.length);
        break;
      case 'residual': {
        const r = jvpNodes(node.block, theta, tan, x, dx, n);
        y = new Float64Array(x.length);
        dy = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) {
          y[i] = x[i] + r.y[i];
          dy[i] = (dx === null ? 0 : dx[i]) + r.dy[i];
        }
        break;
      }
    }
    x = y;
    dx = dy;
  }
  return { y: x, dy: dx ?? new Float64Array(x.length) };
}

/**
 * Batched JVP in parameter space: f(X; θ) and its directional derivative J·tangent (n × outDim), where tangent has
 * the layout of θ (all entries used, frozen layers included). Linearized models: f_lin = f(θ₀) + J(θ₀)(θ − θ₀).
 */
export function jvp(params: Params, X: Matrix, tangent: Float64Array): { out: Matrix; tangentOut: Matrix } {
  checkInput('jvp', params.net, X);
  if (!(tangent instanceof Float64Array) || tangent.length !== params.net.numParams) {
    throw new InvalidArgumentError(
      'jvp',
      'tangent',
      `a Float64Array of length numParams = ${params.net.numParams}`,
      tangent,
    );
  }
  const { y, dy } = jvpNodes(params.net.nodes, params.theta, tangent, X.data, null, X.rows);
  return {
    out: new Matrix(X.rows, params.net.outDim, y === X.data ? y.slice() : y),
    tangentOut: new Matrix(X.rows, params.net.outDim, dy),
  };
}
