/**
 * Out-of-core kernel regression: α = (K + ρI)⁻¹Y and predictions K_*·α for a train set too large for the dense
 * n × n kernel in memory (full MNIST: n = 60 000, 28.8 GB in float64), on one machine, resumable after a kill.
 *
 * Method: a tiled, left-looking blocked Cholesky in float64 with every tile on disk.
 *   1. kernels: the lower triangle of K in b × b tiles (tile (i, j), i ≥ j) and the test–train tiles K_*(t, j), each
 *      computed by the analytic `kernelFn` on the two row blocks and written atomically (raw little-endian float64);
 *   2. factor: for each tile column j, L(i, j) = (K(i, j) − Σ_{k<j} L(i, k)·L(j, k)ᵀ)·L(j, j)⁻ᵀ and
 *      L(j, j) = chol(K(j, j) + ρI − Σ_{k<j} L(j, k)·L(j, k)ᵀ) (syrk/gemm/potrf/trsm of the native BLAS/LAPACK), each
 *      finished L tile written atomically;
 *   3. solve: α = L⁻ᵀL⁻¹Y streaming L by tile rows, then iterative refinement in float64, r = Y − (K + ρI)α streamed
 *      from the K tiles, α += (LLᵀ)⁻¹r, until ‖r‖_F/‖Y‖_F stops improving (at most `refine` steps);
 *   4. predict: K_*·α streaming the test–train tiles.
 * Why Cholesky and not preconditioned CG (Falkon, EigenPro): a direct method's cost does not depend on the
 * conditioning, and kernel regression with a small ridge (Lee et al. 2018 use a jitter-sized one) has κ(K + ρI)
 * ~ 10⁸–10¹⁰, where a Nyström-preconditioned CG needs many passes over the 14–29 GB of tiles, each pass a full read of
 * the disk; Cholesky reads the L tiles ≈ T/6 times (T = n/b tiles per side) and is backward stable in float64, so the
 * relative residual is ~10⁻¹⁴ after one refinement step (measured, BENCHMARKS.md).
 *
 * Resumability: every tile, the solve's state (α after each step, the residual history) and the predictions are
 * files in `dir`, each written atomically (temp file + fsync + rename); a rerun with the same inputs skips every file
 * that exists with the right size and recomputes nothing finished. `dir/manifest.json` records what the tiles are of
 * (sizes, tile size, architecture, `get`, SHA-256 of the inputs); a mismatch is a ConfigError, never a silent mix.
 * The factor lives in `dir/factor-<ρ>/`, so a second ridge reuses the kernel tiles.
 *
 * Memory: about (T + 3) tiles of b² float64 (the tile row of L being reused, the accumulator, a streamed tile, the
 * kernel function's output), plus the inputs: b = 5000 at n = 60 000 is ≈ 3 GB. Disk: n(n + b)/2 + n_*·n float64 for
 * K and K_*, the same n(n + b)/2 again for L (checked before the work: `ResourceError` when the disk is short).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, InvalidArgumentError, NumericalError, ResourceError } from '../errors.js';
import { kernelFn, type Get } from '../analytic/kernelFn.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { gemm, syrk } from '../linalg/blas.js';
import { Matrix } from '../linalg/matrix.js';
import { backend } from '../linalg/registry.js';
import { relativeResidual } from './residual.js';
import { formatBytes } from '../util/memory.js';
import type { Arch, Parameterization } from '../arch/types.js';

export type OocPhase = 'kernels' | 'factor' | 'solve' | 'predict';

export interface OocProgress {
  readonly phase: OocPhase;
  /** work done in this phase (tiles; the factor counts tile products), reused work included */
  readonly done: number;
  readonly total: number;
  /** seconds since this phase started in this process */
  readonly elapsed: number;
  /** seconds left at this process's rate (null until something was computed) */
  readonly eta: number | null;
  readonly message?: string;
}

export interface OutOfCoreOptions {
  /** architecture of the analytic kernel (as for `kernelFn`) */
  readonly arch: Arch | string;
  readonly inputShape?: readonly number[];
  /** which kernel (default `nngp`) */
  readonly get?: Get;
  /** kernelFn's parameterization (default ntk; the NNGP of dense layers is the same in both) */
  readonly param?: Parameterization;
  /** n × d training inputs */
  readonly xTrain: Matrix;
  /** n × C training targets */
  readonly yTrain: Matrix;
  /** m × d test inputs (m may be 0) */
  readonly xTest: Matrix;
  /** ρ in K + ρI (≥ 0; absolute unless `ridgeRelative`) */
  readonly ridge: number;
  /** ρ = ridge · mean(diag K) (neural-tangents' diag_reg with diag_reg_absolute_scale=False); default false */
  readonly ridgeRelative?: boolean;
  /** the checkpoint folder (created; reused on a rerun) */
  readonly dir: string;
  /** rows per tile side (default min(n, 5000)) */
  readonly tile?: number;
  /** maximum iterative-refinement steps (default 3) */
  readonly refine?: number;
  /** kernelFn worker threads (default: kernelFn's) */
  readonly workers?: number;
  readonly onProgress?: (p: OocProgress) => void;
  /** called once per tile/step, with whether it was computed now or found on disk (for tests and logs) */
  readonly onTile?: (phase: OocPhase, name: string, computed: boolean) => void;
}

export interface OutOfCoreResult {
  /** n × C dual coefficients (K + ρI)⁻¹Y */
  readonly alpha: Matrix;
  /** m × C predictions K_*·α */
  readonly predictions: Matrix;
  /** the ridge actually added to the diagonal */
  readonly ridge: number;
  readonly meanDiag: number;
  /** ‖Y − (K + ρI)α‖_F / ‖Y‖_F after the direct solve and after each refinement step */
  readonly residuals: readonly number[];
  /** seconds this process spent in each phase (0 for a phase found finished on disk) */
  readonly seconds: Readonly<Record<OocPhase, number>>;
  readonly tile: number;
  readonly tiles: number;
}

const FN = 'outOfCoreRegression';

interface Block {
  readonly start: number;
  readonly size: number;
}

function blocks(n: number, b: number): Block[] {
  const out: Block[] = [];
  for (let s = 0; s < n; s += b) out.push({ start: s, size: Math.min(b, n - s) });
  return out;
}

/** One tile of the kernels phase: train–train (i, j), i ≥ j, or test–train (t, j); rows/columns [i0, i1) × [j0, j1). */
export interface OocKernelTile {
  /** k_i_j (train–train) or s_t_j (test–train): the file dir/kernel/NAME.bin */
  readonly name: string;
  readonly i0: number;
  readonly i1: number;
  readonly j0: number;
  readonly j1: number;
  /** rows are test points (s_t_j) */
  readonly test: boolean;
  /** a diagonal train–train tile K(x_i, x_i) (computed as a symmetric kernel) */
  readonly diag: boolean;
}

/** Rows per tile side: `tile`, default min(n, 5000). */
export function oocTileSize(n: number, tile?: number): number {
  return tile ?? Math.min(n, 5000);
}

/**
 * The kernels phase's tiles in the order they are computed: the lower triangle of K by tile rows, then the
 * test–train tiles (also the tiles of `ntk predict --solver ooc --shard/--queue`: src/distributed/oocJob.ts).
 */
export function oocKernelTiles(n: number, m: number, b: number): OocKernelTile[] {
  const B = blocks(n, b);
  const S = blocks(m, b);
  const out: OocKernelTile[] = [];
  const tile = (name: string, r: Block, c: Block, test: boolean): OocKernelTile => ({
    name,
    i0: r.start,
    i1: r.start + r.size,
    j0: c.start,
    j1: c.start + c.size,
    test,
    diag: !test && r === c,
  });
  for (let i = 0; i < B.length; i++) for (let j = 0; j <= i; j++) out.push(tile(`k_${i}_${j}`, B[i], B[j], false));
  for (let t = 0; t < S.length; t++) for (let j = 0; j < B.length; j++) out.push(tile(`s_${t}_${j}`, S[t], B[j], true));
  return out;
}

/** The file of a kernels-phase tile in the checkpoint folder `dir`. */
export const oocKernelPath = (dir: string, name: string): string => join(dir, 'kernel', `${name}.bin`);

/** What a checkpoint folder's tiles are of (dir/manifest.json): sizes, tile, architecture, get, input hashes. */
export function oocManifest(o: {
  readonly arch: Arch | string;
  readonly inputShape?: readonly number[];
  readonly get: Get;
  readonly param?: Parameterization;
  readonly xTrain: Matrix;
  readonly yTrain: Matrix;
  readonly xTest: Matrix;
  readonly tile: number;
}): Record<string, unknown> {
  const { xTrain: X, yTrain: Y, xTest: Xs } = o;
  return {
    format: 'ntk-ooc-1',
    n: X.rows,
    m: Xs.rows,
    d: X.cols,
    C: Y.cols,
    tile: o.tile,
    get: o.get,
    // (absent for the default, so manifests written before `param` existed still match)
    ...(o.param && o.param !== 'ntk' ? { param: o.param } : {}),
    arch: typeof o.arch === 'string' ? o.arch : JSON.stringify(o.arch),
    inputShape: o.inputShape ?? [X.cols],
    sha256: { xTrain: sha(X.data), xTest: sha(Xs.data), yTrain: sha(Y.data) },
  };
}

/** ConfigError when `dir` holds a run of other inputs (its manifest.json differs from `manifest`). */
export function checkOocManifest(dir: string, manifest: Record<string, unknown>): void {
  const mpath = join(dir, 'manifest.json');
  if (!existsSync(mpath)) return;
  const old = JSON.parse(readFileSync(mpath, 'utf8')) as Record<string, unknown>;
  if (JSON.stringify(old) !== JSON.stringify(manifest)) {
    const diff = Object.keys(manifest)
      .filter((k) => JSON.stringify(old[k]) !== JSON.stringify(manifest[k]))
      .join(', ');
    throw new ConfigError(
      'dir',
      `${dir} holds a run of different inputs (${diff} differ): use another folder or remove this one`,
    );
  }
}

function rowsOf(X: Matrix, blk: Block): Matrix {
  return new Matrix(blk.size, X.cols, X.data.subarray(blk.start * X.cols, (blk.start + blk.size) * X.cols));
}

function sha(...arrays: Float64Array[]): string {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

/** A tile file holds exactly `len` float64 values (what a rerun keeps). */
export function haveTile(path: string, len: number): boolean {
  try {
    return statSync(path).size === len * 8;
  } catch {
    return false;
  }
}

function readTile(path: string, len: number, into?: Float64Array): Float64Array {
  const a = into && into.length >= len ? into.subarray(0, len) : new Float64Array(len);
  const bytes = new Uint8Array(a.buffer, a.byteOffset, len * 8);
  const fd = openSync(path, 'r');
  try {
    let off = 0;
    while (off < bytes.length) {
      const r = readSync(fd, bytes, off, bytes.length - off, off);
      if (r === 0) throw new ConfigError(path, `truncated tile: ${off} of ${bytes.length} bytes`);
      off += r;
    }
  } finally {
    closeSync(fd);
  }
  return a;
}

function writeTile(path: string, a: Float64Array): void {
  writeFileAtomic(path, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

class Meter {
  private readonly t0 = performance.now();
  private computed = 0;
  private tComputed = 0;
  constructor(
    private readonly phase: OocPhase,
    private readonly total: number,
    private readonly cb: ((p: OocProgress) => void) | undefined,
  ) {}
  elapsed(): number {
    return (performance.now() - this.t0) / 1000;
  }
  /** `done` work units so far, `units` of them computed now taking `secs` */
  tick(done: number, units: number, secs: number, message?: string): void {
    this.computed += units;
    this.tComputed += secs;
    const left = this.total - done;
    const eta = this.computed > 0 ? (left * this.tComputed) / this.computed : null;
    this.cb?.({
      phase: this.phase,
      done,
      total: this.total,
      elapsed: this.elapsed(),
      eta,
      ...(message ? { message } : {}),
    });
  }
}

/** Kernel regression with tiles on disk: see the module comment. */
export async function outOfCoreRegression(o: OutOfCoreOptions): Promise<OutOfCoreResult> {
  // ---- checks, before any work
  const { xTrain: X, yTrain: Y, xTest: Xs } = o;
  for (const [name, m] of [
    ['xTrain', X],
    ['yTrain', Y],
    ['xTest', Xs],
  ] as const) {
    if (!(m instanceof Matrix)) throw new InvalidArgumentError(FN, name, 'a Matrix', m);
    for (let i = 0; i < m.data.length; i++) {
      if (!Number.isFinite(m.data[i])) {
        const r = Math.floor(i / m.cols);
        throw new InvalidArgumentError(
          FN,
          name,
          'finite (no NaN or ±Infinity)',
          `${name}[${r}][${i - r * m.cols}] = ${m.data[i]}`,
        );
      }
    }
  }
  const n = X.rows;
  const m = Xs.rows;
  const C = Y.cols;
  if (n < 1) throw new InvalidArgumentError(FN, 'xTrain', 'at least one row', `${n} rows`);
  if (Y.rows !== n)
    throw new InvalidArgumentError(FN, 'yTrain', `${n} rows (one per training input)`, `${Y.rows}×${C}`);
  if (C < 1) throw new InvalidArgumentError(FN, 'yTrain', 'at least one column', `${Y.rows}×${C}`);
  if (Xs.cols !== X.cols && m > 0) {
    throw new InvalidArgumentError(
      FN,
      'xTest',
      `${X.cols} columns (the training inputs' feature count)`,
      `${m}×${Xs.cols}`,
    );
  }
  if (!Number.isFinite(o.ridge) || o.ridge < 0) {
    throw new InvalidArgumentError(FN, 'ridge', 'a finite number ≥ 0 (K + ridge·I must be positive definite)', o.ridge);
  }
  const b = oocTileSize(n, o.tile);
  if (!Number.isInteger(b) || b < 1) throw new InvalidArgumentError(FN, 'tile', 'a positive integer', o.tile);
  const refineMax = o.refine ?? 3;
  if (!Number.isInteger(refineMax) || refineMax < 0) {
    throw new InvalidArgumentError(FN, 'refine', 'a non-negative integer', o.refine);
  }
  const get: Get = o.get ?? 'nngp';
  if (get !== 'nngp' && get !== 'ntk') throw new InvalidArgumentError(FN, 'get', 'nngp or ntk', get);
  const kfn = kernelFn(o.arch, {
    ...(o.inputShape ? { inputShape: o.inputShape } : { inputShape: [X.cols] }),
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
    ...(o.param ? { param: o.param } : {}),
  });
  const dir = o.dir;
  const kdir = join(dir, 'kernel');
  mkdirSync(kdir, { recursive: true });

  const manifest = oocManifest({ ...o, get, tile: b });
  const mpath = join(dir, 'manifest.json');
  checkOocManifest(dir, manifest);

  const B = blocks(n, b);
  const S = blocks(m, b);
  const T = B.length;
  const kPath = (i: number, j: number) => join(kdir, `k_${i}_${j}.bin`);
  const sPath = (t: number, j: number) => join(kdir, `s_${t}_${j}.bin`);

  // disk preflight: what is still missing
  let missingKernel = 0;
  for (let i = 0; i < T; i++)
    for (let j = 0; j <= i; j++)
      if (!haveTile(kPath(i, j), B[i].size * B[j].size)) missingKernel += B[i].size * B[j].size;
  for (let t = 0; t < S.length; t++)
    for (let j = 0; j < T; j++)
      if (!haveTile(sPath(t, j), S[t].size * B[j].size)) missingKernel += S[t].size * B[j].size;
  const checkDisk = (bytes: number, what: string): void => {
    const fsinfo = statfsSync(dir);
    const free = fsinfo.bavail * fsinfo.bsize;
    if (bytes > free) {
      throw new ResourceError(
        'dir',
        `${dir} needs ${formatBytes(bytes)} more disk for the ${what} (n = ${n}, m = ${m}, tile ${b}) but ${formatBytes(free)} is free`,
        bytes,
        free,
      );
    }
  };
  let lowerEntries = 0;
  for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) lowerEntries += B[i].size * B[j].size;
  const missingFactor = (fdir: string): number => {
    let e = 0;
    for (let i = 0; i < T; i++)
      for (let j = 0; j <= i; j++)
        if (!haveTile(join(fdir, `l_${i}_${j}.bin`), B[i].size * B[j].size)) e += B[i].size * B[j].size;
    return 8 * e + 8 * (refineMax + 2) * n * C + 8 * m * C;
  };
  const factorDir = (rho: number) => join(dir, `factor-${rho.toExponential(6)}`);
  checkDisk(
    8 * missingKernel + (o.ridgeRelative ? 8 * lowerEntries : missingFactor(factorDir(o.ridge))),
    'kernel and factor tiles',
  );
  if (!existsSync(mpath)) writeJsonAtomic(mpath, manifest);

  const seconds: Record<OocPhase, number> = { kernels: 0, factor: 0, solve: 0, predict: 0 };
  const note = o.onTile ?? (() => {});

  // ---- 1. kernels
  {
    const t0 = performance.now();
    const jobs = oocKernelTiles(n, m, b).map((t) => {
      const rows = rowsOf(t.test ? Xs : X, { start: t.i0, size: t.i1 - t.i0 });
      const cols = rowsOf(X, { start: t.j0, size: t.j1 - t.j0 });
      return {
        path: oocKernelPath(dir, t.name),
        len: (t.i1 - t.i0) * (t.j1 - t.j0),
        name: t.name,
        run: () => (t.diag ? kfn(rows, null, get) : kfn(rows, cols, get)),
      };
    });
    const meter = new Meter('kernels', jobs.length, o.onProgress);
    let done = 0;
    for (const job of jobs) {
      if (haveTile(job.path, job.len)) {
        note('kernels', job.name, false);
        done++;
        continue;
      }
      const ts = performance.now();
      const K = await job.run();
      writeTile(job.path, K.data);
      note('kernels', job.name, true);
      done++;
      meter.tick(done, 1, (performance.now() - ts) / 1000, job.name);
    }
    seconds.kernels = (performance.now() - t0) / 1000;
  }

  // mean diagonal (for the relative ridge and the report): from the diagonal tiles
  let meanDiag = 0;
  {
    for (let i = 0; i < T; i++) {
      const s = B[i].size;
      const K = readTile(kPath(i, i), s * s);
      for (let r = 0; r < s; r++) meanDiag += K[r * s + r];
    }
    meanDiag /= n;
  }
  const rho = o.ridgeRelative ? o.ridge * meanDiag : o.ridge;
  const fdir = factorDir(rho);
  if (o.ridgeRelative) checkDisk(missingFactor(fdir), 'factor tiles');
  mkdirSync(fdir, { recursive: true });
  const lPath = (i: number, j: number) => join(fdir, `l_${i}_${j}.bin`);

  // ---- 2. factor (left-looking, by tile columns)
  {
    const t0 = performance.now();
    // work units: tile products, tile (i, j) costs j + 1
    let total = 0;
    for (let j = 0; j < T; j++) total += (T - j) * (j + 1);
    const meter = new Meter('factor', total, o.onProgress);
    let done = 0;
    const pivotFloor = 16 * n * Number.EPSILON * Math.abs(meanDiag);
    const rowJ: Float64Array[] = [];
    const acc = new Float64Array(b * b);
    const stream = new Float64Array(b * b);
    for (let j = 0; j < T; j++) {
      const bj = B[j].size;
      const colDone = Array.from({ length: T - j }, (_, q) => haveTile(lPath(j + q, j), B[j + q].size * bj));
      if (colDone.every((x) => x)) {
        for (let i = j; i < T; i++) note('factor', `l_${i}_${j}`, false);
        done += (T - j) * (j + 1);
        continue;
      }
      // the tile row j of L (k < j): used by every tile of column j
      for (let k = 0; k < j; k++) rowJ[k] = readTile(lPath(j, k), bj * B[k].size, rowJ[k]);
      let Ljj: Float64Array;
      if (colDone[0]) {
        Ljj = readTile(lPath(j, j), bj * bj);
        note('factor', `l_${j}_${j}`, false);
        done += j + 1;
      } else {
        const ts = performance.now();
        const A = readTile(kPath(j, j), bj * bj, acc);
        for (let r = 0; r < bj; r++) A[r * bj + r] += rho;
        for (let k = 0; k < j; k++) syrk({ n: bj, k: B[k].size, a: rowJ[k], c: A, alpha: -1, beta: 1 });
        for (let r = 0; r < bj; r++) for (let c = r + 1; c < bj; c++) A[r * bj + c] = 0;
        let info = backend().potrf(bj, A);
        // numerically singular (a pivot at rounding level) counts as not positive definite: α would be noise
        for (let r = 0; r < bj && info === 0; r++) if (A[r * bj + r] ** 2 <= pivotFloor) info = r + 1;
        if (info !== 0) {
          throw new NumericalError(
            'not_positive_definite',
            `${FN}: K + ${rho}·I is not positive definite (the pivot of row ${B[j].start + info - 1} is not positive, or below 16·n·ε·mean(diag K))${rho === 0 ? '; the kernel matrix is only semi-definite: pass a ridge > 0 (e.g. 1e-6 relative, ridgeRelative: true)' : '; increase the ridge'}`,
          );
        }
        Ljj = A.slice();
        writeTile(lPath(j, j), Ljj);
        note('factor', `l_${j}_${j}`, true);
        done += j + 1;
        meter.tick(done, j + 1, (performance.now() - ts) / 1000, `l_${j}_${j}`);
      }
      for (let i = j + 1; i < T; i++) {
        const bi = B[i].size;
        if (colDone[i - j]) {
          note('factor', `l_${i}_${j}`, false);
          done += j + 1;
          continue;
        }
        const ts = performance.now();
        const A = readTile(kPath(i, j), bi * bj, acc);
        for (let k = 0; k < j; k++) {
          const Lik = readTile(lPath(i, k), bi * B[k].size, stream);
          gemm({ m: bi, n: bj, k: B[k].size, a: Lik, b: rowJ[k], c: A, transB: true, alpha: -1, beta: 1 });
        }
        // A ← A·L(j,j)⁻ᵀ
        backend().trsm(true, true, true, false, bi, bj, 1, Ljj, bj, A, bj);
        writeTile(lPath(i, j), A);
        note('factor', `l_${i}_${j}`, true);
        done += j + 1;
        meter.tick(done, j + 1, (performance.now() - ts) / 1000, `l_${i}_${j}`);
      }
    }
    seconds.factor = (performance.now() - t0) / 1000;
  }

  // ---- 3. solve + iterative refinement
  const cholSolve = (R: Float64Array): Float64Array => {
    // forward: L z = R, by tile rows; backward: Lᵀ x = z, by tile rows from the bottom
    const z = R.slice();
    const buf = new Float64Array(b * b);
    for (let i = 0; i < T; i++) {
      const bi = B[i].size;
      const zi = z.subarray(B[i].start * C, (B[i].start + bi) * C);
      for (let k = 0; k < i; k++) {
        const L = readTile(lPath(i, k), bi * B[k].size, buf);
        const zk = z.subarray(B[k].start * C, (B[k].start + B[k].size) * C);
        gemm({ m: bi, n: C, k: B[k].size, a: L, b: zk, c: zi, alpha: -1, beta: 1 });
      }
      const L = readTile(lPath(i, i), bi * bi, buf);
      backend().trsm(false, true, false, false, bi, C, 1, L, bi, zi, C);
    }
    for (let i = T - 1; i >= 0; i--) {
      const bi = B[i].size;
      const xi = z.subarray(B[i].start * C, (B[i].start + bi) * C);
      const L = readTile(lPath(i, i), bi * bi, buf);
      backend().trsm(false, true, true, false, bi, C, 1, L, bi, xi, C);
      for (let k = 0; k < i; k++) {
        const Lik = readTile(lPath(i, k), bi * B[k].size, buf);
        const xk = z.subarray(B[k].start * C, (B[k].start + B[k].size) * C);
        gemm({ m: B[k].size, n: C, k: bi, a: Lik, b: xi, c: xk, transA: true, alpha: -1, beta: 1 });
      }
    }
    return z;
  };
  /** R = Y − (K + ρI)·α from the K tiles */
  const residual = (alpha: Float64Array): Float64Array => {
    const R = Y.data.slice();
    const buf = new Float64Array(b * b);
    for (let i = 0; i < T; i++) {
      const bi = B[i].size;
      const ri = R.subarray(B[i].start * C, (B[i].start + bi) * C);
      const ai = alpha.subarray(B[i].start * C, (B[i].start + bi) * C);
      for (let j = 0; j <= i; j++) {
        const bj = B[j].size;
        const K = readTile(kPath(i, j), bi * bj, buf);
        const aj = alpha.subarray(B[j].start * C, (B[j].start + bj) * C);
        const rj = R.subarray(B[j].start * C, (B[j].start + bj) * C);
        gemm({ m: bi, n: C, k: bj, a: K, b: aj, c: ri, alpha: -1, beta: 1 });
        if (j < i) gemm({ m: bj, n: C, k: bi, a: K, b: ai, c: rj, transA: true, alpha: -1, beta: 1 });
      }
      for (let q = 0; q < bi * C; q++) ri[q] -= rho * ai[q];
    }
    return R;
  };

  const statePath = join(fdir, 'solve.json');
  let state: { steps: number; residuals: number[]; final: boolean } = existsSync(statePath)
    ? (JSON.parse(readFileSync(statePath, 'utf8')) as { steps: number; residuals: number[]; final: boolean })
    : { steps: 0, residuals: [], final: false };
  const alphaPath = (s: number) => join(fdir, `alpha_${s}.bin`);
  let alpha: Float64Array;
  {
    const t0 = performance.now();
    const meter = new Meter('solve', refineMax + 1, o.onProgress);
    let R: Float64Array;
    if (state.steps > 0 && haveTile(alphaPath(state.steps - 1), n * C)) {
      alpha = readTile(alphaPath(state.steps - 1), n * C);
      note('solve', `alpha_${state.steps - 1}`, false);
      R = state.final ? new Float64Array(0) : residual(alpha);
    } else {
      const ts = performance.now();
      alpha = cholSolve(Y.data);
      R = residual(alpha);
      const res = relativeResidual(R, Y.data);
      writeTile(alphaPath(0), alpha);
      state = { steps: 1, residuals: [res], final: refineMax === 0 };
      writeJsonAtomic(statePath, state);
      note('solve', 'alpha_0', true);
      meter.tick(1, 1, (performance.now() - ts) / 1000, `direct solve: relative residual ${res.toExponential(2)}`);
    }
    while (!state.final) {
      const ts = performance.now();
      const d = cholSolve(R);
      const next = alpha.slice();
      for (let q = 0; q < next.length; q++) next[q] += d[q];
      const Rn = residual(next);
      const res = relativeResidual(Rn, Y.data);
      const prev = state.residuals[state.residuals.length - 1];
      const improved = res < prev;
      if (improved) {
        alpha = next;
        R = Rn;
        writeTile(alphaPath(state.steps), alpha);
      }
      const steps = improved ? state.steps + 1 : state.steps;
      state = {
        steps,
        residuals: improved ? [...state.residuals, res] : state.residuals,
        // stop: no gain, a stagnating gain, or the step budget spent
        final: !improved || res > 0.5 * prev || steps - 1 >= refineMax,
      };
      writeJsonAtomic(statePath, state);
      note('solve', `alpha_${steps - 1}`, true);
      meter.tick(
        steps,
        1,
        (performance.now() - ts) / 1000,
        `refinement: relative residual ${res.toExponential(2)}${improved ? '' : ' (no gain: kept the previous α)'}`,
      );
    }
    seconds.solve = (performance.now() - t0) / 1000;
  }

  // ---- 4. predictions
  const P = new Float64Array(m * C);
  {
    const t0 = performance.now();
    const meter = new Meter('predict', S.length * T, o.onProgress);
    const buf = new Float64Array(b * b);
    let done = 0;
    for (let t = 0; t < S.length; t++) {
      const ts = performance.now();
      const pt = P.subarray(S[t].start * C, (S[t].start + S[t].size) * C);
      for (let j = 0; j < T; j++) {
        const Ks = readTile(sPath(t, j), S[t].size * B[j].size, buf);
        const aj = alpha.subarray(B[j].start * C, (B[j].start + B[j].size) * C);
        gemm({ m: S[t].size, n: C, k: B[j].size, a: Ks, b: aj, c: pt, beta: 1 });
        done++;
      }
      meter.tick(done, T, (performance.now() - ts) / 1000);
    }
    writeTile(join(fdir, 'predictions.bin'), P);
    seconds.predict = (performance.now() - t0) / 1000;
  }

  return {
    alpha: new Matrix(n, C, alpha),
    predictions: new Matrix(m, C, P),
    ridge: rho,
    meanDiag,
    residuals: state.residuals,
    seconds,
    tile: b,
    tiles: T,
  };
}
