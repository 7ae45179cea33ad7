/**
 * Empirical (finite-width) NTK Θ(x₁, x₂) = J(x₁) J(x₂)ᵀ of a network at its parameters θ, with J the Jacobian of
 * the outputs with respect to the trained (non-frozen) parameters.
 *
 * implementation
 *   `structured` (default) — Novak, Sohl-Dickstein & Schoenholz, "Fast Finite Width Neural Tangent Kernel",
 *     ICML 2022, "structured derivatives". A parametrized layer y_p = s·W a_p + s_b·b (p over output positions: one
 *     for a fully connected layer, oh·ow for a convolution) contributes, for rows i, j,
 *         s²·Σ_{p,q} (g_{i,p}·g_{j,q})(a_{i,p}·a_{j,q}) + s_b²·(Σ_p g_{i,p})·(Σ_q g_{j,q})
 *     where a are the layer's input rows (im2col patches for a convolution) and g the cotangents of its outputs. Two contraction
 *     orders, chosen per layer by flop count (`convStrategy`):
 *       `pairs`    (G₁G₂ᵀ) ⊙ (A₁A₂ᵀ) on (n·P)-row GEMMs, summed over P×P blocks — n²P²(m + K) flops; for dense
 *                  layers (P = 1) this is the two Gram products and a Hadamard product;
 *       `jacobian` the layer's per-example weight gradient Gᵢᵀ Aᵢ (m × K, one GEMM over positions), then its Gram —
 *                  n·P·m·K + n²·m·K flops; cheaper for convolutions with many positions.
 *     The full Jacobian of all layers is never materialized.
 *   `jacobian` — the reference: per-example Jacobian rows of all layers, materialized per tile and contracted J₁J₂ᵀ.
 *     Memory per example = (number of trained parameters) × (outputs in trace mode) doubles: use on small nets.
 *
 * outputs
 *   `trace` (default) — n₁ × n₂: the mean over output logits o of Θ_{(i,o),(j,o)}, as neural-tangents'
 *     trace_axes=(-1,). Computed as (1/O)·Σ_layers (Σ_o G_o G_oᵀ) ⊙ (A Aᵀ) with the logits stacked into one GEMM.
 *   `full` — (n₁·O) × (n₂·O) with row index i·O + o (example-major, logit-minor).
 *
 * Tiling: examples are processed in tiles (any n; no divisibility); a row tile's factors are kept while column tiles
 * stream past, so peak memory ≈ output + two tiles' factors. With x₂ omitted, Θ(x, x) is computed on the upper
 * tile triangle and mirrored, so it is exactly symmetric.
 */
import { requireFlatOutput } from '../arch/compile.js';
import { InvalidArgumentError } from '../errors.js';
import { requireTrainedLayer } from '../arch/compile.js';
import { size } from '../arch/shape.js';
import type { Node } from '../arch/types.js';
import { Matrix } from '../linalg/matrix.js';
import { gemm } from '../linalg/blas.js';
import { assertFinite, assertFiniteResult, assertRows } from '../linalg/validate.js';
import { empiricalJobNeed, requireMemory } from '../util/memory.js';
import { type KernelTiling, type Tile, tiles } from '../analytic/kernelFn.js';
import { forward, layerTerms, type Network, type ParamLayer, type Params, Workspace } from '../nn/network.js';

export type NtkImplementation = 'structured' | 'jacobian';
export type NtkOutputs = 'trace' | 'full';
export type ConvStrategy = 'auto' | 'pairs' | 'jacobian';

export interface EmpiricalNtkOptions {
  readonly implementation?: NtkImplementation;
  readonly outputs?: NtkOutputs;
  /** Examples per tile; default chosen so that the working memory beyond the output stays within `tileBytes`. */
  readonly tileSize?: number;
  /** Working-memory budget beyond the output kernel (default 256 MiB): a row tile's and a column tile's factors
   * plus one tile's transient buffers (sizes measured on a probe tile), so peak memory ≈ output + tileBytes. */
  readonly tileBytes?: number;
  /** When every tile's factors plus one tile's transient buffers fit in this many bytes, each tile's factors are
   * computed once and kept (default: `tileBytes`, so the budget holds); otherwise column tiles are recomputed for
   * every row tile. */
  readonly cacheBytes?: number;
  /** Structured only: contraction order for layers with several output positions (default `auto`). */
  readonly convStrategy?: ConvStrategy;
  /** Called after each finished tile pair with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
  /** a network whose output still has positions (an image or sequence) gives one output per position and channel,
   * O = P·C, position-major, instead of being refused (implied when the network contains `aggregate`) */
  readonly perPosition?: boolean;
}

const IMPLEMENTATIONS: readonly NtkImplementation[] = ['structured', 'jacobian'];
const OUTPUTS: readonly NtkOutputs[] = ['trace', 'full'];
const STRATEGIES: readonly ConvStrategy[] = ['auto', 'pairs', 'jacobian'];

/** Per layer, per tile: factors for the chosen contraction. Row units r are examples (trace) or (i, o) (full). */
interface LayerFeat {
  readonly layer: ParamLayer;
  readonly strategy: 'pairs' | 'jacobian';
  /** width of a row unit's cotangent: O·out (trace) or out (full) */
  readonly m: number;
  /** pairs: A (n·P × K) and G (N·P × m) */
  readonly A: Float64Array | null;
  readonly G: Float64Array | null;
  /** jacobian: s·Gᵣᵀ Aᵢ flattened, N × (m·K) */
  readonly J: Float64Array | null;
  /** bias: Σ_p Gᵣ (N × m), null without bias */
  readonly S: Float64Array | null;
}

interface TileFeat {
  readonly n: number;
  readonly layers: readonly LayerFeat[];
  /** jacobian implementation: the full per-row-unit Jacobian N × D */
  readonly Jfull: Float64Array | null;
}

interface Plan {
  readonly params: Params;
  readonly O: number;
  readonly trace: boolean;
  readonly impl: NtkImplementation;
  /** contraction order per trained layer, keyed by ParamLayer.index */
  readonly strategies: ReadonlyMap<number, 'pairs' | 'jacobian'>;
  /** jacobian implementation: row width D */
  readonly D: number;
}

function validate(fn: string, params: Params, X: Matrix, name: string): void {
  if (!(X instanceof Matrix)) throw new InvalidArgumentError(fn, name, 'a Matrix (n × inDim)', X);
  if (X.cols !== params.net.inDim) {
    throw new InvalidArgumentError(
      fn,
      name,
      `a matrix with ${params.net.inDim} columns (input shape ${params.net.inputShape.join('×')})`,
      `${X.rows}×${X.cols}`,
    );
  }
  assertRows(fn, name, X);
  assertFinite(fn, name, X.data, X.cols);
}

/** Float64 entries one example's tile factors take (tape, A, G, S or J; the Jacobian row), estimated from the network. */
function perExampleEntries(plan: Plan): { total: number; largest: number } {
  const { params, O, trace } = plan;
  const R = trace ? 1 : O;
  let total = 0;
  let largest = 0;
  const add = (e: number): void => {
    total += e;
    largest = Math.max(largest, e);
  };
  const walk = (nodes: readonly Node[]): void => {
    for (const n of nodes) {
      add(size(n.outShape));
      for (const b of n.branches) walk(b);
    }
  };
  walk(params.net.nodes);
  for (const p of params.net.paramLayers) {
    if (p.frozen) continue;
    const m = trace ? O * p.out : p.out;
    add(p.positions * p.fanIn);
    add(R * p.positions * m);
    add(R * m);
    if (plan.strategies.get(p.index) === 'jacobian') add(R * m * p.fanIn);
  }
  if (plan.impl === 'jacobian') add(R * plan.D);
  return { total, largest };
}

/** The memory an empiricalNtk job needs (`copies` of the output: Monte-Carlo keeps four), refused when it cannot fit. */
export function requireEmpiricalMemory(
  net: Network,
  X1: Matrix,
  X2: Matrix | null | undefined,
  opts: EmpiricalNtkOptions,
  copies: number,
): void {
  const plan = makePlan({ net, theta: new Float64Array(0) }, opts);
  const R = plan.trace ? 1 : plan.O;
  const sym = X2 === undefined || X2 === null;
  const n1 = X1.rows;
  const n2 = sym ? n1 : X2.rows;
  const per = perExampleEntries(plan);
  requireMemory(
    sym ? 'x1' : 'x1, x2',
    sym ? `n = ${n1}` : `n1 = ${n1}, n2 = ${n2}`,
    empiricalJobNeed({
      rows: n1 * R,
      cols: n2 * R,
      copies,
      examples: sym ? n1 : n1 + n2,
      perExample: per.total,
      largestPerExample: per.largest,
      tileBytes: opts.tileBytes ?? 256 * 1024 * 1024,
    }),
  );
}

function makePlan(params: Params, opts: EmpiricalNtkOptions): Plan {
  const impl = opts.implementation ?? 'structured';
  const outputs = opts.outputs ?? 'trace';
  const strategy = opts.convStrategy ?? 'auto';
  if (!IMPLEMENTATIONS.includes(impl))
    throw new InvalidArgumentError('empiricalNtk', 'implementation', IMPLEMENTATIONS.join(' or '), impl);
  if (!OUTPUTS.includes(outputs))
    throw new InvalidArgumentError('empiricalNtk', 'outputs', OUTPUTS.join(' or '), outputs);
  if (!STRATEGIES.includes(strategy))
    throw new InvalidArgumentError('empiricalNtk', 'convStrategy', STRATEGIES.join(', '), strategy);
  const O = params.net.outDim;
  const trace = outputs === 'trace';
  const trained = params.net.paramLayers.filter((p) => !p.frozen);
  const pick = (p: ParamLayer): 'pairs' | 'jacobian' => {
    if (impl === 'jacobian') return 'jacobian';
    if (p.positions === 1) return 'pairs';
    if (strategy !== 'auto') return strategy;
    const m = trace ? O * p.out : p.out;
    const P = p.positions;
    return P * P * (m + p.fanIn) <= m * p.fanIn ? 'pairs' : 'jacobian';
  };
  const strategies = new Map(trained.map((p) => [p.index, pick(p)]));
  let D = 0;
  if (impl === 'jacobian') for (const p of trained) D += (trace ? O : 1) * (p.wSize + p.bSize);
  return { params, O, trace, impl, strategies, D };
}

/**
 * Factors of one tile of examples: one forward pass and O backward passes (one per output logit). With workspaces,
 * the factors the tile keeps live in `ws` until the next tile computed through it, and what is only needed while
 * computing them (the tape, the backward passes, the stacked cotangents of `jacobian`-order layers) in `scratch`,
 * which row and column tiles share; no garbage per tile.
 */
function tileFeatures(plan: Plan, X: Matrix, ws: Workspace, scratch: Workspace): TileFeat {
  const { params, O, trace } = plan;
  const n = X.rows;
  const buf = (key: string, len: number): Float64Array => ws.get(key, len, true);
  const tmp = (key: string, len: number): Float64Array => scratch.get(key, len, true);
  // the tape is transient: `pairs`-order layers copy their inputs A out of it below
  const { tape } = forward(params, X, { workspace: scratch });
  const N = trace ? n : n * O;
  // O backward passes, each scattered at once into the stacked cotangents (only one pass's G is alive at a time).
  // Stacked rows (r, p): trace r = i, columns (o, c); full r = i·O + o, columns c.
  let terms: ReturnType<typeof layerTerms> = [];
  const stacked: Float64Array[] = [];
  const E = new Matrix(n, O, tmp('E', n * O));
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < n; i++) {
      if (o > 0) E.data[i * O + o - 1] = 0;
      E.data[i * O + o] = 1;
    }
    // the O passes share their cotangent buffers (each pass is copied out at once)
    const t = layerTerms(tape, E, { workspace: scratch });
    if (o === 0) {
      terms = t;
      t.forEach(({ layer }, l) =>
        stacked.push(
          (plan.strategies.get(layer.index) === 'jacobian' ? tmp : buf)(
            `G${l}`,
            N * layer.positions * (trace ? O * layer.out : layer.out),
          ),
        ),
      );
    }
    t.forEach(({ layer, G: Go }, l) => {
      const { out, positions: P } = layer;
      const m = trace ? O * out : out;
      const G = stacked[l];
      for (let i = 0; i < n; i++) {
        for (let p = 0; p < P; p++) {
          const src = (i * P + p) * out;
          const dst = trace ? (i * P + p) * m + o * out : ((i * O + o) * P + p) * m;
          for (let c = 0; c < out; c++) G[dst + c] = Go[src + c];
        }
      }
    });
  }
  const nl = terms.length;
  const layers: LayerFeat[] = [];
  for (let l = 0; l < nl; l++) {
    const layer = terms[l].layer;
    const { out, positions: P, fanIn: K } = layer;
    const m = trace ? O * out : out;
    const strategy = plan.strategies.get(layer.index) ?? 'pairs';
    const A = strategy === 'pairs' ? buf(`A${l}`, terms[l].A.length) : terms[l].A;
    if (A !== terms[l].A) A.set(terms[l].A);
    const G = stacked[l];
    let S: Float64Array | null = null;
    if (layer.bOffset >= 0) {
      S = buf(`S${l}`, N * m * layer.biasPositions);
      if (layer.biasPositions === 1) {
        for (let r = 0; r < N; r++)
          for (let p = 0; p < P; p++) for (let c = 0; c < m; c++) S[r * m + c] += G[(r * P + p) * m + c];
      } else S.set(G.subarray(0, N * P * m)); // one bias per position: its gradient is the cotangent itself
    }
    if (strategy === 'pairs') {
      layers.push({ layer, strategy, m, A, G, J: null, S });
    } else {
      const J = (plan.impl === 'jacobian' ? tmp : buf)(`J${l}`, N * m * K);
      for (let r = 0; r < N; r++) {
        const i = trace ? r : Math.floor(r / O);
        gemm({
          m,
          n: K,
          k: P,
          a: G.subarray(r * P * m, (r + 1) * P * m),
          b: A.subarray(i * P * K, (i + 1) * P * K),
          c: J.subarray(r * m * K, (r + 1) * m * K),
          transA: true,
          alpha: layer.wScale,
        });
      }
      layers.push({ layer, strategy, m, A: null, G: null, J, S });
    }
  }
  if (plan.impl !== 'jacobian') return { n, layers, Jfull: null };
  // Reference: concatenate every layer's per-row-unit gradient (weights then bias) into one Jacobian row.
  const Jfull = buf('Jfull', N * plan.D);
  let off = 0;
  for (const f of layers) {
    const wLen = f.m * f.layer.fanIn;
    const J = f.J as Float64Array;
    for (let r = 0; r < N; r++) Jfull.set(J.subarray(r * wLen, (r + 1) * wLen), r * plan.D + off);
    off += wLen;
    if (f.S) {
      const S = f.S;
      const bs = f.layer.bScale;
      const bw = f.m * f.layer.biasPositions;
      for (let r = 0; r < N; r++) for (let c = 0; c < bw; c++) Jfull[r * plan.D + off + c] = bs * S[r * bw + c];
      off += bw;
    }
  }
  return { n, layers: [], Jfull };
}

const PAIR_BLOCK_ELEMS = 1 << 21; // 16 MiB per P²-expanded scratch matrix

/** Θ block (N1 × N2, row-major) between two tiles' factors, before the trace's 1/O. */
function contract(plan: Plan, F1: TileFeat, F2: TileFeat, ws: Workspace): Float64Array {
  const { O, trace } = plan;
  const R = trace ? 1 : O; // row units per example
  const N1 = F1.n * R;
  const N2 = F2.n * R;
  const out = ws.get('out', N1 * N2, true);
  if (N1 === 0 || N2 === 0) return out;
  if (F1.Jfull && F2.Jfull) {
    gemm({ m: N1, n: N2, k: plan.D, a: F1.Jfull, b: F2.Jfull, c: out, transB: true });
    return out;
  }
  for (let l = 0; l < F1.layers.length; l++) {
    const f1 = F1.layers[l];
    const f2 = F2.layers[l];
    const { m, layer } = f1;
    const { positions: P, fanIn: K, wScale: s, bScale: sb } = layer;
    if (f1.S && f2.S) {
      const k = m * layer.biasPositions;
      gemm({ m: N1, n: N2, k, a: f1.S, b: f2.S, c: out, transB: true, alpha: sb * sb, beta: 1 });
    }
    if (f1.strategy === 'jacobian') {
      gemm({ m: N1, n: N2, k: m * K, a: f1.J as Float64Array, b: f2.J as Float64Array, c: out, transB: true, beta: 1 });
      continue;
    }
    const G1 = f1.G as Float64Array;
    const G2 = f2.G as Float64Array;
    const A1 = f1.A as Float64Array;
    const A2 = f2.A as Float64Array;
    const s2 = s * s;
    if (P === 1) {
      const GG = ws.get('GG', N1 * N2, false);
      const AA = ws.get('AA', F1.n * F2.n, false);
      gemm({ m: N1, n: N2, k: m, a: G1, b: G2, c: GG, transB: true });
      gemm({ m: F1.n, n: F2.n, k: K, a: A1, b: A2, c: AA, transB: true });
      for (let r1 = 0; r1 < N1; r1++) {
        const arow = Math.floor(r1 / R) * F2.n;
        for (let r2 = 0; r2 < N2; r2++) out[r1 * N2 + r2] += s2 * GG[r1 * N2 + r2] * AA[arow + Math.floor(r2 / R)];
      }
      continue;
    }
    // P > 1: blocks of e1 × e2 examples so that the (e·R·P)² scratch stays bounded.
    const per = R * P;
    const eb = Math.max(1, Math.floor(Math.sqrt(PAIR_BLOCK_ELEMS) / per));
    for (let i0 = 0; i0 < F1.n; i0 += eb) {
      const e1 = Math.min(eb, F1.n - i0);
      for (let j0 = 0; j0 < F2.n; j0 += eb) {
        const e2 = Math.min(eb, F2.n - j0);
        const rows1 = e1 * per;
        const rows2 = e2 * per;
        const GG = ws.get('GG', rows1 * rows2, false);
        const AA = ws.get('AA', e1 * P * e2 * P, false);
        gemm({
          m: rows1,
          n: rows2,
          k: m,
          a: G1.subarray(i0 * per * m),
          b: G2.subarray(j0 * per * m),
          c: GG,
          transB: true,
        });
        gemm({
          m: e1 * P,
          n: e2 * P,
          k: K,
          a: A1.subarray(i0 * P * K),
          b: A2.subarray(j0 * P * K),
          c: AA,
          transB: true,
        });
        const aw = e2 * P;
        for (let a = 0; a < e1; a++) {
          for (let u = 0; u < R; u++) {
            const r1 = (i0 + a) * R + u;
            for (let c = 0; c < e2; c++) {
              for (let v = 0; v < R; v++) {
                const r2 = (j0 + c) * R + v;
                let acc = 0;
                for (let p = 0; p < P; p++) {
                  const gRow = ((a * R + u) * P + p) * rows2 + (c * R + v) * P;
                  const aRow = (a * P + p) * aw + c * P;
                  for (let q = 0; q < P; q++) acc += GG[gRow + q] * AA[aRow + q];
                }
                out[r1 * N2 + r2] += s2 * acc;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

function tileBudget(opts: EmpiricalNtkOptions): number {
  const budget = opts.tileBytes ?? 256 * 1024 * 1024;
  if (!(budget > 0)) throw new InvalidArgumentError('empiricalNtk', 'tileBytes', 'a positive number', budget);
  return budget;
}

/**
 * Bytes per example that a tile keeps (tape and factors: `keep`) and needs only while it is computed (`transient`),
 * measured by computing a probe tile of one or two examples through fresh workspaces (every buffer is linear in the
 * number of examples).
 */
function measureTile(plan: Plan, X: Matrix): { keep: number; transient: number } {
  const k = Math.min(plan.impl === 'jacobian' ? 1 : 2, X.rows);
  if (k === 0) return { keep: 1, transient: 1 };
  const keep = new Workspace();
  const scratch = new Workspace();
  tileFeatures(plan, X.rowSlice(0, k), keep, scratch);
  return { keep: keep.bytes() / k, transient: scratch.bytes() / k };
}

/**
 * Tile size and whether to cache every tile's factors, so that the working memory beyond the output fits the budget.
 * Cached (each tile computed once): all tiles' kept factors, one tile's transient buffers and one tile pair's
 * contraction buffers fit in `cacheBytes` (default `tileBytes`) with tiles of at least min(n, 32) examples.
 * Otherwise: a row tile's and a column tile's kept factors, one tile's transient buffers and the contraction buffers
 * fit in `tileBytes`. Tiles are made equal so their buffers keep one size.
 */
function chooseTiling(
  plan: Plan,
  opts: EmpiricalNtkOptions,
  per: { keep: number; transient: number },
  n: number,
  examples: number,
): { t: number; cached: boolean } {
  const R = plan.trace ? 1 : plan.O;
  const pairScratch = plan.params.net.paramLayers.some(
    (p) => !p.frozen && p.positions > 1 && plan.strategies.get(p.index) === 'pairs',
  )
    ? 2 * 8 * PAIR_BLOCK_ELEMS
    : 0;
  // bytes of the contraction of two t-example tiles: its result and, for single-position layers, GGᵀ and AAᵀ
  const contraction = (t: number): number => 3 * 8 * (t * R) ** 2 + pairScratch;
  const cachedCost = (t: number): number => examples * per.keep + t * per.transient + contraction(t);
  const streamedCost = (t: number): number => t * (2 * per.keep + per.transient) + contraction(t);
  const cacheBudget = opts.cacheBytes ?? tileBudget(opts);
  if (opts.tileSize !== undefined) {
    if (!Number.isInteger(opts.tileSize) || opts.tileSize < 1)
      throw new InvalidArgumentError('empiricalNtk', 'tileSize', 'a positive integer', opts.tileSize);
    return { t: opts.tileSize, cached: cachedCost(opts.tileSize) <= cacheBudget };
  }
  const largest = (cost: (t: number) => number, budget: number): number => {
    let t = n;
    while (t > 1 && cost(t) > budget) t = Math.floor(t * 0.9);
    return Math.ceil(n / Math.ceil(n / t)); // equal tiles
  };
  const tc = largest(cachedCost, cacheBudget);
  if (tc >= Math.min(n, 32) && cachedCost(tc) <= cacheBudget) return { t: tc, cached: true };
  return { t: largest(streamedCost, tileBudget(opts)), cached: false };
}

/**
 * An empirical-NTK job cut into tiles (src/distributed). Tile k's block of Θ has the trace's 1/O applied (a diagonal
 * tile of Θ(x, x) symmetrized), in a buffer that the next call reuses; elsewhere in Θ(x, x) the mirror is its
 * transpose.
 */
export type EmpiricalTiling = KernelTiling;

/**
 * The tiles of empiricalNtk(params, X1, X2, opts) as it computes them (same tile size, same per-tile code): what
 * empiricalNtk runs on one machine and src/distributed runs on several. Validates like empiricalNtk, except the memory of
 * the whole output (which a distributed job never holds).
 */
export function empiricalTiling(
  params: Params,
  X1: Matrix,
  X2?: Matrix | null,
  opts: EmpiricalNtkOptions = {},
  /** also refuse a job whose whole output does not fit in memory (empiricalNtk) */
  wholeOutput = false,
): EmpiricalTiling {
  requireFlatOutput(params.net, 'empiricalNtk', opts.perPosition === true);
  validate('empiricalNtk', params, X1, 'x1');
  const sym = X2 === undefined || X2 === null;
  const Xb = sym ? X1 : X2;
  validate('empiricalNtk', params, Xb, 'x2');
  requireTrainedLayer('empiricalNtk', params.net);
  if (wholeOutput) requireEmpiricalMemory(params.net, X1, X2, opts, 1);
  const plan = makePlan(params, opts);
  const { O, trace } = plan;
  const R = trace ? 1 : O;
  const n1 = X1.rows;
  const n2 = Xb.rows;
  const { t, cached } = chooseTiling(plan, opts, measureTile(plan, X1), Math.max(n1, n2), sym ? n1 : n1 + n2);
  const scale = trace ? 1 / O : 1;
  const tiles1 = Math.ceil(n1 / t);
  const list = tiles(n1, n2, t, sym);
  const cache = cached && tiles1 > 1 ? new Map<string, TileFeat>() : null;
  // without the cache, row tiles and column tiles each reuse one set of buffers
  const rowWs = new Workspace();
  const colWs = new Workspace();
  const scratch = new Workspace();
  const passWs = new Workspace();
  const blockWs = new Workspace();
  let rowTile = -1;
  let rowFeat: TileFeat | null = null;
  const feats = (which: 1 | 2, T: number): TileFeat => {
    const key = `${sym ? 1 : which}:${T}`;
    const hit = cache?.get(key);
    if (hit) return hit;
    const X = which === 1 || sym ? X1 : Xb;
    const rows = X.rowSlice(T * t, Math.min(X.rows, (T + 1) * t));
    const f = tileFeatures(plan, rows, cache ? new Workspace() : which === 1 ? rowWs : colWs, passWs);
    cache?.set(key, f);
    return f;
  };
  return {
    rows: n1 * R,
    cols: n2 * R,
    sym,
    tile: t,
    perExample: R,
    tiles: list,
    block(k: number): Float64Array {
      if (!Number.isInteger(k) || k < 0 || k >= list.length)
        throw new InvalidArgumentError('empiricalTiling', 'tile', `an integer in [0, ${list.length})`, k);
      const I = list[k].i0 / t;
      const J = list[k].j0 / t;
      // a row tile's factors stay while its column tiles stream past (the order empiricalNtk asks in)
      if (rowTile !== I || rowFeat === null) {
        rowFeat = feats(1, I);
        rowTile = I;
      }
      const F1 = rowFeat;
      const F2 = sym && J === I ? F1 : feats(2, J);
      const blk = contract(plan, F1, F2, scratch);
      const N1 = F1.n * R;
      const N2 = F2.n * R;
      const out = blockWs.get('block', N1 * N2, false);
      for (let i = 0; i < N1 * N2; i++) out[i] = scale * blk[i];
      if (sym && J === I) {
        for (let r = 0; r < N1; r++) {
          for (let c = 0; c < r; c++) {
            const v = 0.5 * (out[r * N2 + c] + out[c * N2 + r]);
            out[r * N2 + c] = v;
            out[c * N2 + r] = v;
          }
        }
      }
      return out;
    },
  };
}

/**
 * Put tile `t`'s block (rows t.i0·R…, columns t.j0·R…, `R` rows per example) into a row-major matrix with `cols`
 * columns, and its transpose into the mirror position when `mirror` (off-diagonal tiles of a symmetric kernel).
 */
export function placeBlock(
  dst: Float64Array,
  cols: number,
  t: Tile,
  R: number,
  block: Float64Array,
  mirror: boolean,
): void {
  const r0 = t.i0 * R;
  const c0 = t.j0 * R;
  const N1 = (t.i1 - t.i0) * R;
  const N2 = (t.j1 - t.j0) * R;
  for (let r = 0; r < N1; r++) dst.set(block.subarray(r * N2, (r + 1) * N2), (r0 + r) * cols + c0);
  if (mirror)
    for (let r = 0; r < N1; r++) for (let c = 0; c < N2; c++) dst[(c0 + c) * cols + r0 + r] = block[r * N2 + c];
}

/**
 * The empirical NTK of `params` between the rows of X1 and X2 (X2 omitted: Θ(X1, X1), exactly symmetric).
 * Returns n₁ × n₂ (outputs `trace`) or n₁O × n₂O (outputs `full`, row i·O + o).
 */
export function empiricalNtk(params: Params, X1: Matrix, X2?: Matrix | null, opts: EmpiricalNtkOptions = {}): Matrix {
  const tiling = empiricalTiling(params, X1, X2, opts, true);
  const { sym, perExample: R } = tiling;
  const K = new Matrix(tiling.rows, tiling.cols);
  const total = tiling.tiles.length;
  for (let k = 0; k < total; k++) {
    const t = tiling.tiles[k];
    placeBlock(K.data, tiling.cols, t, R, tiling.block(k), sym && t.i0 !== t.j0);
    opts.onProgress?.(k + 1, total);
  }
  assertFiniteResult(
    'empiricalNtk',
    'empirical NTK',
    K,
    sym
      ? [{ name: 'x1', X: X1 }]
      : [
          { name: 'x1', X: X1 },
          { name: 'x2', X: X2 as Matrix },
        ],
  );
  return K;
}
