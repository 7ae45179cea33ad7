/**
 * kernelFn: the analytic NNGP / NTK of an architecture between two sets of inputs, tiled over examples so any
 * n1, n2 work, with tiles spread over worker threads (node:worker_threads) so all cores are used.
 *
 *   const kfn = kernelFn('dense(512),relu,dense(1)', { inputShape: [784] });
 *   const theta = await kfn(x1, null, 'ntk');          // x2 = null: K(x1, x1), computed once per unordered pair
 *   const { nngp, ntk } = await kfn(x1, x2, 'both');
 *
 * Steps: (1) validate (shapes, finite values); (2) flat inputs: the input Gram x1·x2ᵀ by the backend's GEMM (syrk
 * when symmetric), both cores through OpenBLAS; (3) each set's variance chain (the diagonal K(x, x) after every
 * layer), in the main thread; (4) tiles of pairs: in-process when the work is small, else on `workers` threads
 * writing into shared output buffers; (5) outputs copied into ordinary Float64Array matrices.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InvalidArgumentError } from '../errors.js';
import { gemm, syrk } from '../linalg/blas.js';
import { Matrix } from '../linalg/matrix.js';
import { entriesPerPair } from '../arch/record.js';
import { layerModule } from '../arch/registry.js';
import { requireTrainedLayer } from '../arch/compile.js';
import { assertFiniteResult, assertRows } from '../linalg/validate.js';
import { kernelJobNeed, requireMemory } from '../util/memory.js';
import type { Arch, KernelMethod, Node, Parameterization } from '../arch/types.js';
import { type Block, type Chain, crossBlock, eachOp, selfChain, sliceChain } from './engine.js';
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

/** Per-pair float64 entries at the widest layer: sizes the tiles. */
function widestEntries(prog: Program): number {
  let s = entriesPerPair(prog.input, prog.inH, prog.inW);
  eachOp(prog.nodes, (n) => (s = Math.max(s, entriesPerPair(n.out, n.h, n.w))));
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
}

/** Compute one tile and write it (and its mirror when symmetric) into the job's outputs. */
export function runTile(job: Job, t: Tile): void {
  const { prog, n2, inDim } = { ...job, inDim: job.prog.inDim };
  const full = prog.outputs === 'full';
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
  };
  const r = crossBlock(
    prog,
    block,
    sliceChain(job.chain1, t.i0, t.i1, prog),
    sliceChain(job.chain2, t.j0, t.j1, prog),
    job.wantNtk,
  );
  const write = (dst: Float64Array, src: Float64Array) => {
    if (full) return writeFull(dst, src, prog, t, n2, job.sym);
    for (let i = 0; i < b1; i++)
      for (let j = 0; j < b2; j++) {
        const v = src[i * b2 + j];
        dst[(t.i0 + i) * n2 + t.j0 + j] = v;
        if (job.sym) dst[(t.j0 + j) * n2 + t.i0 + i] = v;
      }
  };
  if (job.outNngp) write(job.outNngp, r.nngp);
  if (job.outNtk && r.ntk) write(job.outNtk, r.ntk);
}

/**
 * Per-logit outputs of a tile: K[(i, o), (j, o′)] with o = p·C + c (NHWC position-major, C channels), nonzero only
 * for c = c′, where it is the pair's (p, p′) entry (P = 1 for flat outputs); `dst` is (n1·O) × (n2·O), zeroed.
 */
function writeFull(dst: Float64Array, src: Float64Array, prog: Program, t: Tile, n2: number, sym: boolean): void {
  const O = prog.net.outDim;
  const s = prog.net.outputShape;
  const P = s.length === 3 ? s[0] * s[1] : 1;
  const C = O / P;
  const cols = n2 * O;
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
            dst[(r0 + p * C + c) * cols + c0 + q * C + c] = v;
            if (sym) dst[(c0 + q * C + c) * cols + r0 + p * C + c] = v;
          }
        }
    }
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
  const T = opts.tile ?? Math.max(1, Math.min(prog.input === 'flat' ? 512 : 256, Math.floor(Math.sqrt(2e6 / S))));
  const list = tiles(n1, n2, T, sym);
  const work = (sym ? (n1 * (n1 + 1)) / 2 : n1 * n2) * S * Math.max(1, prog.numIds);
  const cores = Math.max(1, Math.min(availableParallelism(), 8));
  // layers defined at run time (user activations) exist in this thread only: compute in-process
  const local = (nodes: readonly Node[]): boolean =>
    nodes.some((n) => layerModule(n.name)?.local === true || n.branches.some(local));
  const nWorkers = local(prog.net.nodes) ? 0 : Math.min(opts.workers ?? (work > 4e6 ? cores : 0), list.length);
  const shared = nWorkers > 0;
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
      perPair: S,
      tile: T,
    }),
  );
  const alloc = (n: number) => (shared ? new Float64Array(new SharedArrayBuffer(8 * n)) : new Float64Array(n));
  // input Gram (flat inputs) by the backend's GEMM; syrk when symmetric
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
    if (shared) {
      gram = alloc(n1 * n2);
      gram.set(g);
    } else gram = g;
  }
  const chain1 = selfChain(prog, x1.data, n1, norms1);
  const chain2 = sym ? chain1 : selfChain(prog, x2.data, n2, norms2);
  // per-logit outputs: (n1·O) × (n2·O)
  const O = prog.outputs === 'full' ? prog.net.outDim : 1;
  const [r1, r2] = [n1 * O, n2 * O];
  const outNngp = wantNngp ? alloc(r1 * r2) : null;
  const outNtk = wantNtk ? alloc(r1 * r2) : null;
  if (!shared) {
    const job: Job = { prog, x1: x1.data, x2: x2.data, n1, n2, sym, gram, chain1, chain2, wantNtk, outNngp, outNtk };
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
  const onTile = () => opts.onProgress?.(++finished, list.length);
  await runWorkers(nWorkers, list, onTile, {
    arch: prog.arch,
    inputShape: prog.inputShape,
    param: prog.param,
    method: prog.method,
    options: {
      outputs: prog.outputs,
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
  });
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
export interface WorkerInit extends Omit<Job, 'prog'> {
  readonly arch: Arch;
  readonly inputShape: readonly number[];
  readonly param: Parameterization;
  readonly method: KernelMethod;
  readonly options: ProgramOptions;
}

function spawn(init: WorkerInit): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // running from source under tsx: register tsx's loader inside the worker, then load worker.ts
    const api = import.meta.resolve('tsx/esm/api');
    const target = new URL('./worker.ts', here).href;
    const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
    return new Worker(code, { eval: true, workerData: init });
  }
  return new Worker(new URL('./worker.js', here), { workerData: init });
}

function runWorkers(n: number, list: readonly Tile[], onTile: () => void, init: WorkerInit): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let running = n;
    let failed = false;
    const workers: Worker[] = [];
    const finish = (w: Worker) => {
      void w.terminate();
      if (--running === 0 && !failed) resolve();
    };
    for (let k = 0; k < n; k++) {
      const w = spawn(init);
      workers.push(w);
      const feed = () => {
        if (failed) return;
        if (next < list.length) w.postMessage(list[next++]);
        else finish(w);
      };
      w.on('message', (m: { ready?: true; done?: true; error?: string }) => {
        if (m.error !== undefined) {
          failed = true;
          for (const x of workers) void x.terminate();
          reject(new Error(`kernelFn worker: ${m.error}`));
          return;
        }
        if (m.done) onTile();
        feed();
      });
      w.on('error', (e) => {
        if (failed) return;
        failed = true;
        for (const x of workers) void x.terminate();
        reject(e);
      });
    }
  });
}
