/**
 * The finite network engine: seeded initialization, batched forward (keeping what backward needs), batched VJP
 * (parameter gradients summed over the batch + input cotangent), the per-layer inputs A and output cotangents G that
 * the structured empirical NTK contracts, and a batched JVP (forward-mode, for NTK-vector products and linearized
 * models). Generic over compiled nodes (src/arch/compile.ts): each layer's passes live in its module
 * (src/arch/layers/); this file never looks at a layer's name. See index.ts for the API overview.
 */
import { buildNetwork, type Network } from '../arch/compile.js';
import type {
  Arch,
  BackwardCtx,
  ForwardCtx,
  JvpCtx,
  LayerTerms,
  Node,
  NoiseFn,
  ParamLayer,
  Parameterization,
  Saved,
} from '../arch/types.js';
import { InvalidArgumentError } from '../errors.js';
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/random.js';
import { paramsNeed, requireMemory } from '../util/memory.js';

export { buildNetwork, type Network };
export type { LayerTerms, Node, ParamLayer, Shape } from '../arch/types.js';

/**
 * Parameter values of a network: θ is one flat Float64Array; per-layer W and b are views into it. `noiseSeed` seeds
 * the random masks of layers such as dropout (drawn by init from its rng; absent = 0), so the finite network is a
 * deterministic function of its init seed, θ and the input.
 */
export interface Params {
  readonly net: Network;
  readonly theta: Float64Array;
  readonly noiseSeed?: number;
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
  // layer widths such as dense(1e12) give a θ no Float64Array (or machine) holds: refused before allocating
  requireMemory('arch', 'the network', paramsNeed(net.numParams));
  const theta = new Float64Array(net.numParams);
  for (const p of net.paramLayers) {
    const r = rng.split(p.index);
    for (let i = 0; i < p.wSize; i++) theta[p.wOffset + i] = p.wInitStd * r.normal();
    for (let i = 0; i < p.bSize; i++) theta[p.bOffset + i] = p.bInitStd * r.normal();
  }
  return { net, theta, noiseSeed: rng.split('noise').nextU32() };
}

/**
 * The per-example random streams of one batch (types.ts NoiseFn): example e's key hashes the bits of its input row,
 * computed when first asked for (networks without random layers never hash).
 */
function noiseFn(params: Params, x: Float64Array, n: number): NoiseFn {
  const d = params.net.inDim;
  const base = new Rng(params.noiseSeed ?? 0);
  let keys: Uint32Array | null = null;
  return (path, e) => {
    if (keys === null) {
      keys = new Uint32Array(n);
      const bits = new Uint32Array(x.buffer, x.byteOffset, x.length * 2);
      for (let r = 0; r < n; r++) {
        let h = 0x811c9dc5;
        for (let i = 2 * r * d; i < 2 * (r + 1) * d; i++) h = Math.imul(h ^ bits[i], 0x01000193) ^ (h >>> 15);
        keys[r] = h >>> 0;
      }
    }
    return base.split(path).split(keys[e]);
  };
}

function isNetwork(x: unknown): x is Network {
  return typeof x === 'object' && x !== null && 'paramLayers' in x && 'nodes' in x;
}

/** Views of one layer's stored weights (out × fanIn, in the layer's own order) and bias (out, or null). */
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
  return params.noiseSeed === undefined
    ? { net: params.net, theta }
    : { net: params.net, theta, noiseSeed: params.noiseSeed };
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

/** What backward needs: each node's input (and what its layer saved). Opaque outside this module. */
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

function forwardNodes(
  nodes: readonly Node[],
  theta: Float64Array,
  x: Float64Array,
  n: number,
  keep: boolean,
  saved: Saved[],
  ws: Workspace | null,
  noise: NoiseFn,
): Float64Array {
  for (const node of nodes) {
    const s: Saved = { x };
    const ctx: ForwardCtx = {
      theta,
      noise,
      keep,
      saved: s,
      buf: (role, len, zero) => buffer(ws, `${role}${node.path}`, len, zero),
      run: (inner, xin, innerSaved) => forwardNodes(inner, theta, xin, n, keep, innerSaved, ws, noise),
    };
    const y = node.finite.forward(x, n, ctx);
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
  const noise = noiseFn(params, X.data, X.rows);
  const y = forwardNodes(params.net.nodes, params.theta, X.data, X.rows, false, [], opts.workspace ?? null, noise);
  return new Matrix(X.rows, params.net.outDim, y === X.data ? y.slice() : y);
}

/** Forward pass that also returns the tape backward needs. */
export function forward(params: Params, X: Matrix, opts: PassOptions = {}): { out: Matrix; tape: Tape } {
  checkInput('forward', params.net, X);
  const saved: Saved[] = [];
  const noise = noiseFn(params, X.data, X.rows);
  const y = forwardNodes(params.net.nodes, params.theta, X.data, X.rows, true, saved, opts.workspace ?? null, noise);
  return {
    out: new Matrix(X.rows, params.net.outDim, y === X.data ? y.slice() : y),
    tape: { params, n: X.rows, saved },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Backward

interface BackState {
  theta: Float64Array;
  n: number;
  grad: Float64Array | null;
  terms: LayerTerms[] | null;
  ws: Workspace | null;
}

/** Whether a node or a node of its branches holds parameters (frozen ones included). */
function hasParams(node: Node): boolean {
  return node.param !== null || node.branches.some((b) => b.some(hasParams));
}

function backwardNodes(
  nodes: readonly Node[],
  saved: readonly Saved[],
  g: Float64Array,
  st: BackState,
  needDx: boolean,
): Float64Array | null {
  // Without needDx, a node's input cotangent is needed only when a node before it has parameters: past the first
  // parametrized node nothing is left to compute (e.g. `flatten,dense(…),…` skips the n × d input gradient).
  const firstParam = nodes.findIndex(hasParams);
  for (let li = nodes.length - 1; li >= 0; li--) {
    const node = nodes[li];
    const ctx: BackwardCtx = {
      theta: st.theta,
      grad: st.grad,
      terms: st.terms,
      buf: (role, len, zero) => buffer(st.ws, `${role}${node.path}`, len, zero),
      run: (inner, innerSaved, gin) => backwardNodes(inner, innerSaved, gin, st, true) as Float64Array,
    };
    const wantDx = needDx || (firstParam >= 0 && li > firstParam);
    const gin = node.finite.backward(g, st.n, saved[li], ctx, wantDx);
    if (!wantDx) return null;
    if (li === 0) return gin;
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
 * The structured factors of one backward pass: for every trained (non-frozen) parametrized layer, its input rows A ((n·P)
 * × fanIn, P = output positions per example: 1 for a fully connected layer, the im2col patches of a convolution) and
 * the cotangents G of its pre-activation outputs ((n·P) × out); the per-example gradient of the stored weights is wScale·Σ_p g_{i,p} a_{i,p}ᵀ and of the bias
 * bScale·Σ_p g_{i,p}. No parameter gradient is formed. With a workspace, the G arrays live until the next pass through
 * it (the A arrays belong to the tape).
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
  tangent: Float64Array,
  x: Float64Array,
  dx: Float64Array | null,
  n: number,
  noise: NoiseFn,
): { y: Float64Array; dy: Float64Array } {
  const ctx: JvpCtx = {
    theta,
    noise,
    tangent,
    run: (inner, xin, dxin) => jvpNodes(inner, theta, tangent, xin, dxin, n, noise),
  };
  for (const node of nodes) {
    const r = node.finite.jvp(x, dx, n, ctx);
    x = r.y;
    // a parameter-free node's output tangent is zero when its input's is (null): kept null, so that the next
    // parametrized layer skips its input-tangent product (`flatten,dense(…)`: an n × d times d × out product of zeros)
    dx = dx === null && !hasParams(node) ? null : r.dy;
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
  const noise = noiseFn(params, X.data, X.rows);
  const { y, dy } = jvpNodes(params.net.nodes, params.theta, tangent, X.data, null, X.rows, noise);
  return {
    out: new Matrix(X.rows, params.net.outDim, y === X.data ? y.slice() : y),
    tangentOut: new Matrix(X.rows, params.net.outDim, dy),
  };
}
