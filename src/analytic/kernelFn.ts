/**
 * kernelFn: the analytic NNGP / NTK of an architecture between two sets of inputs, tiled over examples so any
 * n1, n2 work, with tiles spread over the process's worker pool (src/util/workerPool.ts) so all cores are used.
 *
 *   const kfn = kernelFn('dense(512),relu,dense(1)', { inputShape: [784] });
 *   const theta = await kfn(x1, null, 'ntk');          // x2 = null: K(x1, x1), computed once per unordered pair
 *   const { nngp, ntk } = await kfn(x1, x2, 'both');
 *
 * Steps: (1) validate (shapes, finite values); (2) flat inputs: the input Gram x1·x2ᵀ by the backend's GEMM (syrk
 * when symmetric), both cores through OpenBLAS; (3) each set's variance chain (the diagonal K(x, x) after every
 * layer), in the main thread; (4) tiles of pairs: in-process when the work is small, else on `workers` pool threads (kept across calls)
 * writing into shared output buffers; (5) outputs copied into ordinary Float64Array matrices.
 */
import { availableParallelism } from 'node:os';
import { InvalidArgumentError } from '../errors.js';
import { gemm, syrk } from '../linalg/blas.js';
import { Matrix } from '../linalg/matrix.js';
import { TILE_MEMO_BYTES, TileMemo, entriesPerPair } from '../arch/record.js';
import { layerModule } from '../arch/registry.js';
import { requireTrainedLayer } from '../arch/compile.js';
import { assertFiniteResult, assertRows } from '../linalg/validate.js';
import { kernelJobNeed, requireMemory } from '../util/memory.js';
import { runPool } from '../util/workerPool.js';
import type { Arch, KernelMethod, Node, Parameterization } from '../arch/types.js';
import { type Block, type Chain, crossBlock, eachOp, fusedPrefix, selfChain, sliceChain } from './engine.js';
import { type KernelOutputs, type Program, type ProgramOptions, compileProgram } from './program.js';

export type Get = 'ntk' | 'nngp';

export interface KernelFnOptions {
  /** [d] for flat inputs (default: x1's column count) or [h, w, c] for NHWC images */
  readonly inputShape?: readonly number[];
  readonly param?: Parameterization;
  /** `exact` (closed forms where they exist) or `quadrature` (adaptive quadrature for every activation; for testing) */
  readonly method?: KernelMethod;
  /**
   * worker threads; 0 = in-process; default: as many as cores when the job is big enough to pay for them (networks
   * with a user-defined activation, defineActivation, always run in-process)
   */
  readonly workers?: number;
  /** examples per tile side (default from the per-pair representation size) */
  readonly tile?: number;
  /** `trace` (default): n1 × n2, the mean over output logits (neural-tangents' trace_axes=(-1,) and the mean over
   * output positions); `full`: (n1·O) × (n2·O), O = outputs per example, row i·O + o (as empiricalNtk's `full`):
   * K[(i, o), (j, o′)] is 0 between different channels and the (position, position′) covariance otherwise — the
   * node-level kernel of a graph network that ends on its nodes */
  readonly outputs?: KernelOutputs;
  /** `aggregate`'s graph: a V × V adjacency (Matrix) shared by all examples (see src/arch/layers/aggregate.ts) */
  readonly adjacency?: ProgramOptions['adjacency'];
  /** a network whose output still has positions (an image or sequence) gives one output per position and channel,
   * O = P·C, position-major, instead of being refused (implied when the network contains `aggregate`) */
  readonly perPosition?: boolean;
  /** called after each finished tile of pairs with (done, total) */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface KernelFn {
  (x1: Matrix, x2: Matrix | null, get: Get): Promise<Matrix>;
  (x1: Matrix, x2: Matrix | null, get: 'both'): Promise<{ nngp: Matrix; ntk: Matrix }>;
  /** the compiled recursion for inputShape (only when inputShape was given) */
  readonly arch: Arch | string;
}

function checkX(name: string, x: unknown, cols: number | null): Matrix {
  if (!(x instanceof Matrix)) throw new InvalidArgumentError('kernelFn', name, 'a Matrix (n × features)', x);
  assertRows('kernelFn', name, x);
  if (cols !== null && x.cols !== cols) {
    throw new InvalidArgumentError(
      'kernelFn',
      name,
      `a matrix with ${cols} columns (the input features)`,
      `${x.rows}×${x.cols}`,
    );
  }
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const r = Math.floor(i / x.cols);
      throw new InvalidArgumentError(
        'kernelFn',
        name,
        'finite (no NaN or ±Infinity)',
        `${name}[${r}][${i - r * x.cols}] = ${d[i]}`,
      );
    }
  }
  return x;
}

/** The most worker threads kernelFn accepts: 4 × the cores (more threads only add start-up time and contention). */
export function maxWorkers(): number {
  return 4 * availableParallelism();
}

/** Build the kernel function of an architecture (parsed and shape-checked at the first call, or now if inputShape is given). */
export function kernelFn(arch: Arch | string, opts: KernelFnOptions = {}): KernelFn {
  const param = opts.param ?? 'ntk';
  const method = opts.method ?? 'exact';
  const popts: ProgramOptions = {
    ...(opts.outputs !== undefined ? { outputs: opts.outputs } : {}),
    ...(opts.adjacency !== undefined ? { adjacency: opts.adjacency } : {}),
    ...(opts.perPosition !== undefined ? { perPosition: opts.perPosition } : {}),
  };
  const early = opts.inputShape ? compileProgram(arch, opts.inputShape, param, method, popts) : null;
  if (opts.workers !== undefined && (!Number.isInteger(opts.workers) || opts.workers < 0)) {
    throw new InvalidArgumentError('kernelFn', 'workers', 'a non-negative integer', opts.workers);
  }
  if (opts.workers !== undefined && opts.workers > maxWorkers()) {
    throw new InvalidArgumentError(
      'kernelFn',
      'workers',
      `at most ${maxWorkers()} (4 × the ${availableParallelism()} cores)`,
      opts.workers,
    );
  }
  if (opts.tile !== undefined && (!Number.isInteger(opts.tile) || opts.tile < 1)) {
    throw new InvalidArgumentError('kernelFn', 'tile', 'a positive integer', opts.tile);
  }
  const fn = async (x1In: Matrix, x2In: Matrix | null, get: Get | 'both') => {
    if (get !== 'ntk' && get !== 'nngp' && get !== 'both')
      throw new InvalidArgumentError('kernelFn', 'get', '`ntk`, `nngp` or `both`', get);
    const x1 = checkX('x1', x1In, early ? early.inDim : null);
    const prog = early ?? compileProgram(arch, [x1.cols], param, method, popts);
    const sym = x2In === null || x2In === undefined || x2In === x1;
    const x2 = sym ? x1 : checkX('x2', x2In, prog.inDim);
    if (get !== 'nngp') requireTrainedLayer('kernelFn', prog.net);
    const r = await compute(prog, x1, x2, sym, get !== 'nngp', get !== 'ntk', opts);
    const inputs = sym
      ? [{ name: 'x1', X: x1 }]
      : [
          { name: 'x1', X: x1 },
          { name: 'x2', X: x2 },
        ];
    if (r.nngp) assertFiniteResult('kernelFn', 'NNGP', r.nngp, inputs);
    if (r.ntk) assertFiniteResult('kernelFn', 'NTK', r.ntk, inputs);
    if (get === 'both') return { nngp: r.nngp as Matrix, ntk: r.ntk as Matrix };
    return get === 'ntk' ? (r.ntk as Matrix) : (r.nngp as Matrix);
  };
  return Object.assign(fn, { arch }) as KernelFn;
}

/** Per-pair float64 entries at the widest layer (`skip`: after the first `skip` steps): sizes the tiles. */
function widestEntries(prog: Program, skip = 0): number {
  let s = skip > 0 ? 1 : entriesPerPair(prog.input, prog.inH, prog.inW);
  eachOp(prog.nodes.slice(skip), (n) => (s = Math.max(s, entriesPerPair(n.out, n.h, n.w))));
  return s;
}

export interface Tile {
  readonly i0: number;
  readonly i1: number;
  readonly j0: number;
  readonly j1: number;
}

export function tiles(n1: number, n2: number, T: number, sym: boolean): Tile[] {
  const out: Tile[] = [];
  for (let i0 = 0; i0 < n1; i0 += T)
    for (let j0 = sym ? i0 : 0; j0 < n2; j0 += T)
      out.push({ i0, i1: Math.min(n1, i0 + T), j0, j1: Math.min(n2, j0 + T) });
  return out;
}

/** The shared state of one computation, identical in the main thread and in workers. */
export interface Job {
  readonly prog: Program;
  readonly x1: Float64Array;
  readonly x2: Float64Array;
  readonly n1: number;
  readonly n2: number;
  readonly sym: boolean;
  readonly gram: Float64Array | null;
  readonly chain1: Chain;
  readonly chain2: Chain;
  readonly wantNtk: boolean;
  /** null when only the NTK is requested */
  readonly outNngp: Float64Array | null;
  readonly outNtk: Float64Array | null;
  /** arrays derived from the inputs, kept across the tiles (record.ts TileMemo; per thread, never cloned) */
  readonly memo?: TileMemo;
}

/** The crossBlock of one tile: per pair (P × P per pair for `full` outputs), the NNGP and (when wanted) the NTK. */
function tileResult(job: Job, t: Tile): { nngp: Float64Array; ntk: Float64Array | null } {
  const { prog, n2 } = job;
  const inDim = prog.inDim;
  const b1 = t.i1 - t.i0;
  const b2 = t.j1 - t.j0;
  let gram: Float64Array | undefined;
  if (job.gram) {
    gram = new Float64Array(b1 * b2);
    for (let i = 0; i < b1; i++) gram.set(job.gram.subarray((t.i0 + i) * n2 + t.j0, (t.i0 + i) * n2 + t.j1), i * b2);
  }
  const block: Block = {
    x1: job.x1.subarray(t.i0 * inDim, t.i1 * inDim),
    n1: b1,
    x2: job.x2.subarray(t.j0 * inDim, t.j1 * inDim),
    n2: b2,
    self: false,
    gram,
    ...(job.sym ? { same: t.i0 - t.j0 } : {}),
    ...(job.memo ? { memo: { memo: job.memo, i0: t.i0, j0: t.j0 } } : {}),
  };
  return crossBlock(
    prog,
    block,
    sliceChain(job.chain1, t.i0, t.i1, prog),
    sliceChain(job.chain2, t.j0, t.j1, prog),
    job.wantNtk,
  );
}

/**
 * Where a tile's entries go: `dst` holds output rows from `row0` and columns from `col0`, `stride` entries a row
 * (the whole kernel: 0, 0, n2·O); `mirror`: also write the transposed entry (symmetric kernels).
 */
interface Dest {
  readonly dst: Float64Array;
  readonly stride: number;
  readonly row0: number;
  readonly col0: number;
  readonly mirror: boolean;
}

function writeTile(d: Dest, src: Float64Array, prog: Program, t: Tile): void {
  if (prog.outputs === 'full') return writeFull(d, src, prog, t);
  const { dst, stride, row0, col0, mirror } = d;
  const b1 = t.i1 - t.i0;
  const b2 = t.j1 - t.j0;
  for (let i = 0; i < b1; i++)
    for (let j = 0; j < b2; j++) {
      const v = src[i * b2 + j];
      dst[(t.i0 + i - row0) * stride + t.j0 + j - col0] = v;
      if (mirror) dst[(t.j0 + j - row0) * stride + t.i0 + i - col0] = v;
    }
}

/** Compute one tile and write it (and its mirror when symmetric) into the job's outputs. */
export function runTile(job: Job, t: Tile): void {
  const r = tileResult(job, t);
  const O = job.prog.outputs === 'full' ? job.prog.net.outDim : 1;
  const at = (dst: Float64Array): Dest => ({ dst, stride: job.n2 * O, row0: 0, col0: 0, mirror: job.sym });
  if (job.outNngp) writeTile(at(job.outNngp), r.nngp, job.prog, t);
  if (job.outNtk && r.ntk) writeTile(at(job.outNtk), r.ntk, job.prog, t);
}

/**
 * One tile's block of the kernel as runTile leaves it in the whole output: rows i0·O … i1·O, columns j0·O … j1·O
 * (a diagonal tile of a symmetric kernel with its mirrored writes applied; elsewhere the mirror is the block's
 * transpose). The same computation as runTile, so a kernel put together from blocks has the same bytes.
 */
export function tileBlock(job: Job, t: Tile, get: Get): Float64Array {
  const r = tileResult(job, t);
  const O = job.prog.outputs === 'full' ? job.prog.net.outDim : 1;
  const cols = (t.j1 - t.j0) * O;
  const out = new Float64Array((t.i1 - t.i0) * O * cols);
  const src = get === 'ntk' ? r.ntk : r.nngp;
  if (src === null) throw new InvalidArgumentError('tileBlock', 'get', 'nngp, or ntk on a job with wantNtk', get);
  writeTile(
    { dst: out, stride: cols, row0: t.i0 * O, col0: t.j0 * O, mirror: job.sym && t.i0 === t.j0 },
    src,
    job.prog,
    t,
  );
  return out;
}

/**
 * Per-logit outputs of a tile: K[(i, o), (j, o′)] with o = p·C + c (NHWC position-major, C channels), nonzero only
 * for c = c′, where it is the pair's (p, p′) entry (P = 1 for flat outputs); `dst` is (n1·O) × (n2·O), zeroed.
 */
function writeFull(d: Dest, src: Float64Array, prog: Program, t: Tile): void {
  const { dst, stride: cols, row0, col0, mirror } = d;
  const O = prog.net.outDim;
  const s = prog.net.outputShape;
  const P = s.length === 3 ? s[0] * s[1] : 1;
  const C = O / P;
  const b2 = t.j1 - t.j0;
  for (let i = 0; i < t.i1 - t.i0; i++)
    for (let j = 0; j < b2; j++) {
      const base = (i * b2 + j) * P * P;
      const r0 = (t.i0 + i) * O;
      const c0 = (t.j0 + j) * O;
      for (let p = 0; p < P; p++)
        for (let q = 0; q < P; q++) {
          const v = src[base + p * P + q];
          for (let c = 0; c < C; c++) {
            dst[(r0 + p * C + c - row0) * cols + c0 + q * C + c - col0] = v;
            if (mirror) dst[(c0 + q * C + c - row0) * cols + r0 + p * C + c - col0] = v;
          }
        }
    }
}

/** Examples per tile side: tiles of about 2·10⁶ per-pair entries at the widest layer (at most 512 flat, 256 images). */
function tileSide(prog: Program): number {
  // a fused vectorized prefix (engine.ts fusedPrefix) keeps none of its records: tiles of up to 16 × 16 pairs
  // (tens of ms each) amortize the patch extraction
  const fused = fusedPrefix(prog);
  const cap = fused > 0 ? 16 : prog.input === 'flat' ? 512 : 256;
  return Math.max(1, Math.min(cap, Math.floor(Math.sqrt(2e6 / widestEntries(prog, fused)))));
}

/**
 * What every tile reads: the input Gram x1·x2ᵀ (flat inputs, by the backend's GEMM; syrk when symmetric) and each
 * set's variance chain. `alloc` makes the Gram's buffer (shared memory when workers read it).
 */
function jobInputs(
  prog: Program,
  x1: Matrix,
  x2: Matrix,
  sym: boolean,
  alloc: (n: number) => Float64Array,
): { gram: Float64Array | null; chain1: Chain; chain2: Chain } {
  const n1 = x1.rows;
  const n2 = x2.rows;
  let gram: Float64Array | null = null;
  let norms1: Float64Array | undefined;
  let norms2: Float64Array | undefined;
  if (prog.input === 'flat') {
    const d = prog.inDim;
    const g = new Float64Array(n1 * n2);
    if (sym) {
      syrk({ n: n1, k: d, a: x1.data, c: g });
      for (let i = 0; i < n1; i++) for (let j = 0; j < i; j++) g[j * n1 + i] = g[i * n1 + j];
      norms1 = new Float64Array(n1);
      for (let i = 0; i < n1; i++) norms1[i] = g[i * n1 + i];
      norms2 = norms1;
    } else {
      gemm({ m: n1, n: n2, k: d, a: x1.data, b: x2.data, c: g, transB: true });
    }
    gram = alloc(n1 * n2);
    // (no SharedArrayBuffer at all in a browser page that is not cross-origin isolated: never shared there)
    if (typeof SharedArrayBuffer !== 'undefined' && gram.buffer instanceof SharedArrayBuffer) gram.set(g);
    else gram = g;
  }
  const chain1 = selfChain(prog, x1.data, n1, norms1);
  const chain2 = sym ? chain1 : selfChain(prog, x2.data, n2, norms2);
  return { gram, chain1, chain2 };
}

/**
 * A kernel job cut into tiles that can be computed anywhere (src/distributed): the tiles, and each tile's block
 * (`B`: the block, or a promise of it). The analytic, empirical and out-of-core jobs all have this shape.
 */
export interface KernelTiling<B = Float64Array> {
  readonly rows: number;
  readonly cols: number;
  readonly sym: boolean;
  /** examples per tile side */
  readonly tile: number;
  /** output rows (and columns) per example: 1 (trace), or the logits O with `full` outputs */
  readonly perExample: number;
  /** tiles over examples, row tiles outer, column tiles from the row tile on when symmetric */
  readonly tiles: readonly Tile[];
  /** tile k's block: rows i0·R … i1·R, columns j0·R … j1·R (R = perExample) */
  block(k: number): B;
}

/** The analytic kernel's tiling: tile k's block is tileBlock's; the Gram and variance chains are computed at the first call. */
export type AnalyticTiling = KernelTiling;

/**
 * The tiles of kernelFn(arch, opts)(x1, x2, get) as the single-machine computation makes them (same tile size,
 * same per-tile code), so that blocks computed on other machines assemble into the same bytes.
 */
export function analyticTiling(
  arch: Arch | string,
  opts: KernelFnOptions & { readonly inputShape: readonly number[] },
  x1In: Matrix,
  x2In: Matrix | null,
  get: Get,
): AnalyticTiling {
  if (get !== 'ntk' && get !== 'nngp') throw new InvalidArgumentError('analyticTiling', 'get', '`ntk` or `nngp`', get);
  const prog = compileProgram(arch, opts.inputShape, opts.param ?? 'ntk', opts.method ?? 'exact', {
    ...(opts.outputs !== undefined ? { outputs: opts.outputs } : {}),
    ...(opts.perPosition !== undefined ? { perPosition: opts.perPosition } : {}),
    ...(opts.adjacency !== undefined ? { adjacency: opts.adjacency } : {}),
  });
  const x1 = checkX('x1', x1In, prog.inDim);
  const sym = x2In === null;
  const x2 = sym ? x1 : checkX('x2', x2In, prog.inDim);
  if (get === 'ntk') requireTrainedLayer('kernelFn', prog.net);
  const T = opts.tile ?? tileSide(prog);
  const list = tiles(x1.rows, x2.rows, T, sym);
  const O = prog.outputs === 'full' ? prog.net.outDim : 1;
  let job: Job | null = null;
  return {
    rows: x1.rows * O,
    cols: x2.rows * O,
    sym,
    tile: T,
    perExample: O,
    tiles: list,
    block(k: number): Float64Array {
      if (!Number.isInteger(k) || k < 0 || k >= list.length)
        throw new InvalidArgumentError('analyticTiling', 'tile', `an integer in [0, ${list.length})`, k);
      if (job === null) {
        const inputs = jobInputs(prog, x1, x2, sym, (n) => new Float64Array(n));
        const [n1, n2] = [x1.rows, x2.rows];
        job = {
          prog,
          x1: x1.data,
          x2: x2.data,
          n1,
          n2,
          sym,
          ...inputs,
          wantNtk: get === 'ntk',
          outNngp: null,
          outNtk: null,
        };
      }
      return tileBlock(job, list[k], get);
    },
  };
}

async function compute(
  prog: Program,
  x1: Matrix,
  x2: Matrix,
  sym: boolean,
  wantNtk: boolean,
  wantNngp: boolean,
  opts: KernelFnOptions,
): Promise<{ nngp: Matrix | null; ntk: Matrix | null }> {
  const n1 = x1.rows;
  const n2 = x2.rows;
  const S = widestEntries(prog);
  const T = opts.tile ?? tileSide(prog);
  const list = tiles(n1, n2, T, sym);
  const work = (sym ? (n1 * (n1 + 1)) / 2 : n1 * n2) * S * Math.max(1, prog.numIds);
  const cores = Math.max(1, Math.min(availableParallelism(), 8));
  // layers defined at run time (user activations) exist in this thread only: compute in-process
  const local = (nodes: readonly Node[]): boolean =>
    nodes.some((n) => layerModule(n.name)?.local === true || n.branches.some(local));
  const nWorkers = local(prog.net.nodes) ? 0 : Math.min(opts.workers ?? (work > 4e6 ? cores : 0), list.length);
  const shared = nWorkers > 0;
  // a fused vectorized prefix (engine.ts fusedPrefix) holds no per-pair record wider than its flat output: its
  // chains keep n × P per layer, each thread its patches (TileMemo, up to its budget)
  const fused = fusedPrefix(prog) > 0;
  const P = prog.inH * prog.inW;
  requireMemory(
    sym ? 'x1' : 'x1, x2',
    sym ? `n = ${n1}` : `n1 = ${n1}, n2 = ${n2}`,
    kernelJobNeed({
      n1,
      n2,
      sym,
      outputs: (wantNtk ? 1 : 0) + (wantNngp ? 1 : 0),
      flatGram: prog.input === 'flat',
      workers: nWorkers,
      perPair: fused ? Math.max(widestEntries(prog, fusedPrefix(prog)), 2 * P) : S,
      tile: T,
      perThread: fused ? TILE_MEMO_BYTES / 8 : 0,
    }),
  );
  const alloc = (n: number) => (shared ? new Float64Array(new SharedArrayBuffer(8 * n)) : new Float64Array(n));
  const { gram, chain1, chain2 } = jobInputs(prog, x1, x2, sym, alloc);
  // per-logit outputs: (n1·O) × (n2·O)
  const O = prog.outputs === 'full' ? prog.net.outDim : 1;
  const [r1, r2] = [n1 * O, n2 * O];
  const outNngp = wantNngp ? alloc(r1 * r2) : null;
  const outNtk = wantNtk ? alloc(r1 * r2) : null;
  if (!shared) {
    const job: Job = {
      prog,
      x1: x1.data,
      x2: x2.data,
      n1,
      n2,
      sym,
      gram,
      chain1,
      chain2,
      wantNtk,
      outNngp,
      outNtk,
      memo: new TileMemo(),
    };
    for (const [k, t] of list.entries()) {
      runTile(job, t);
      opts.onProgress?.(k + 1, list.length);
    }
    return { nngp: outNngp ? new Matrix(r1, r2, outNngp) : null, ntk: outNtk ? new Matrix(r1, r2, outNtk) : null };
  }
  const sx1 = alloc(x1.data.length);
  sx1.set(x1.data);
  let sx2 = sx1;
  if (!sym) {
    sx2 = alloc(x2.data.length);
    sx2.set(x2.data);
  }
  let finished = 0;
  await runPool(
    HANDLER,
    nWorkers,
    {
      arch: prog.arch,
      inputShape: prog.inputShape,
      param: prog.param,
      method: prog.method,
      options: {
        outputs: prog.outputs,
        perPosition: prog.perPosition,
        ...(prog.net.options.adjacency ? { adjacency: prog.net.options.adjacency } : {}),
      },
      x1: sx1,
      x2: sx2,
      n1,
      n2,
      sym,
      gram,
      chain1,
      chain2,
      wantNtk,
      outNngp,
      outNtk,
    } satisfies WorkerInit,
    list,
    () => opts.onProgress?.(++finished, list.length),
  );
  const own = (a: Float64Array) => {
    const m = new Matrix(r1, r2);
    m.data.set(a);
    return m;
  };
  return { nngp: outNngp ? own(outNngp) : null, ntk: outNtk ? own(outNtk) : null };
}

/**
 * What a worker receives once (structured-cloned; Float64Arrays over SharedArrayBuffers are shared, not copied): the
 * job without its compiled program, plus what the worker needs to compile the same program itself.
 */
export interface WorkerInit extends Omit<Job, 'prog' | 'memo'> {
  readonly arch: Arch;
  readonly inputShape: readonly number[];
  readonly param: Parameterization;
  readonly method: KernelMethod;
  readonly options: ProgramOptions;
}

/** The pool handler module that runs kernelFn's tiles (worker.ts; worker.js once built). */
const HANDLER = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url).href;
