/**
 * The typed BLAS call layer: gemm/syrk with named arguments, checked once per call before they reach the backend.
 * Everything outside the backends calls these instead of `backend().gemm(…13 positional arguments…)`.
 *
 * Checks (a few comparisons, no allocation; they run inside loops): sizes are non-negative integers; every leading
 * dimension is an integer ≥ max(1, stored row length); every buffer holds its stored rows ((rows − 1)·ld + cols
 * entries, nothing when the stored matrix is empty); all buffers are Float64Array, or all Float32Array. A violation
 * throws InvalidArgumentError naming the function, the argument and the value (synchronously, for the async forms too).
 *
 * Zero sizes never reach the backend (OpenBLAS rejects ld = 0): m or n = 0 does nothing; k = 0 makes the result β·C
 * (C filled with 0 when β = 0, left as is when β = 1), touching only the m×n block (syrk: its lower triangle).
 */
import { InvalidArgumentError } from '../errors.js';
import type { FloatArray } from './backend.js';
import { backend } from './registry.js';

/** C = alpha·op(A)·op(B) + beta·C, row-major. op(A) is m×k, op(B) is k×n, C is m×n. */
export interface GemmArgs {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: FloatArray;
  readonly b: FloatArray;
  readonly c: FloatArray;
  /** Default false (A stored m×k); true: A stored k×m. */
  readonly transA?: boolean;
  /** Default false (B stored k×n); true: B stored n×k. */
  readonly transB?: boolean;
  /** Default 1. */
  readonly alpha?: number;
  /** Default 0 (C overwritten, its old contents, NaN included, ignored). */
  readonly beta?: number;
  /** Row strides; default: the stored row length (at least 1). */
  readonly lda?: number;
  readonly ldb?: number;
  readonly ldc?: number;
}

/**
 * Lower triangle of C = alpha·A·Aᵀ + beta·C (trans false: A stored n×k) or alpha·Aᵀ·A + beta·C (trans true: A stored
 * k×n). C is n×n; its strict upper triangle is not touched.
 */
export interface SyrkArgs {
  readonly n: number;
  readonly k: number;
  readonly a: FloatArray;
  readonly c: FloatArray;
  /** Default false. */
  readonly trans?: boolean;
  /** Default 1. */
  readonly alpha?: number;
  /** Default 0 (C's lower triangle overwritten). */
  readonly beta?: number;
  /** Row strides; default: the stored row length (at least 1). */
  readonly lda?: number;
  readonly ldc?: number;
}

export function gemm(args: GemmArgs): void {
  void runGemm('gemm', args, false);
}

/** gemm on libuv's thread pool (native backend); bad arguments throw synchronously. Do not touch the buffers meanwhile. */
export function gemmAsync(args: GemmArgs): Promise<void> {
  return runGemm('gemmAsync', args, true) as Promise<void>;
}

export function syrk(args: SyrkArgs): void {
  void runSyrk('syrk', args, false);
}

/** syrk on libuv's thread pool (native backend); bad arguments throw synchronously. Do not touch the buffers meanwhile. */
export function syrkAsync(args: SyrkArgs): Promise<void> {
  return runSyrk('syrkAsync', args, true) as Promise<void>;
}

function runGemm(fn: string, args: GemmArgs, async: boolean): Promise<void> | undefined {
  const { m, n, k, a, b, c } = args;
  const transA = args.transA ?? false;
  const transB = args.transB ?? false;
  const alpha = args.alpha ?? 1;
  const beta = args.beta ?? 0;
  checkSize(fn, 'm', m);
  checkSize(fn, 'n', n);
  checkSize(fn, 'k', k);
  const f64 = checkFirstType(fn, a);
  checkSameType(fn, 'b', b, f64);
  checkSameType(fn, 'c', c, f64);
  const aRows = transA ? k : m;
  const aCols = transA ? m : k;
  const bRows = transB ? n : k;
  const bCols = transB ? k : n;
  const lda = args.lda ?? (aCols > 0 ? aCols : 1);
  const ldb = args.ldb ?? (bCols > 0 ? bCols : 1);
  const ldc = args.ldc ?? (n > 0 ? n : 1);
  checkStored(fn, 'a', 'lda', a, aRows, aCols, lda);
  checkStored(fn, 'b', 'ldb', b, bRows, bCols, ldb);
  checkStored(fn, 'c', 'ldc', c, m, n, ldc);
  if (m === 0 || n === 0) return async ? Promise.resolve() : undefined;
  if (k === 0) {
    scaleBlock(c, m, n, ldc, beta, false);
    return async ? Promise.resolve() : undefined;
  }
  const be = backend();
  if (async) return be.gemmAsync(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  be.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  return undefined;
}

function runSyrk(fn: string, args: SyrkArgs, async: boolean): Promise<void> | undefined {
  const { n, k, a, c } = args;
  const trans = args.trans ?? false;
  const alpha = args.alpha ?? 1;
  const beta = args.beta ?? 0;
  checkSize(fn, 'n', n);
  checkSize(fn, 'k', k);
  const f64 = checkFirstType(fn, a);
  checkSameType(fn, 'c', c, f64);
  const aRows = trans ? k : n;
  const aCols = trans ? n : k;
  const lda = args.lda ?? (aCols > 0 ? aCols : 1);
  const ldc = args.ldc ?? (n > 0 ? n : 1);
  checkStored(fn, 'a', 'lda', a, aRows, aCols, lda);
  checkStored(fn, 'c', 'ldc', c, n, n, ldc);
  if (n === 0) return async ? Promise.resolve() : undefined;
  if (k === 0) {
    scaleBlock(c, n, n, ldc, beta, true);
    return async ? Promise.resolve() : undefined;
  }
  const be = backend();
  if (async) return be.syrkAsync(trans, n, k, alpha, a, lda, beta, c, ldc);
  be.syrk(trans, n, k, alpha, a, lda, beta, c, ldc);
  return undefined;
}

function checkSize(fn: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new InvalidArgumentError(fn, name, 'a non-negative integer', v);
}

/** True for Float64Array, false for Float32Array; anything else throws. */
function checkFirstType(fn: string, a: FloatArray): boolean {
  if (a instanceof Float64Array) return true;
  if (a instanceof Float32Array) return false;
  throw new InvalidArgumentError(fn, 'a', 'a Float64Array or a Float32Array', a);
}

function checkSameType(fn: string, name: string, x: FloatArray, f64: boolean): void {
  if (f64 ? x instanceof Float64Array : x instanceof Float32Array) return;
  const t = f64 ? 'Float64Array' : 'Float32Array';
  throw new InvalidArgumentError(fn, name, `a ${t}, like \`a\` (all operands of one type)`, x);
}

/** A matrix stored rows×cols with row stride ld in buf: ld ≥ max(1, cols), buf holds (rows − 1)·ld + cols entries. */
function checkStored(
  fn: string,
  name: string,
  ldName: string,
  buf: FloatArray,
  rows: number,
  cols: number,
  ld: number,
): void {
  if (!Number.isInteger(ld) || ld < cols || ld < 1) {
    throw new InvalidArgumentError(
      fn,
      ldName,
      `an integer ≥ max(1, ${cols}), the row length of \`${name}\` stored ${rows}×${cols}`,
      ld,
    );
  }
  if (rows > 0 && cols > 0 && buf.length < (rows - 1) * ld + cols) {
    throw new InvalidArgumentError(
      fn,
      name,
      `at least (${rows} − 1)·${ld} + ${cols} = ${(rows - 1) * ld + cols} entries long (stored ${rows}×${cols}, ${ldName} = ${ld})`,
      buf,
    );
  }
}

/** C = beta·C on the rows×cols block (lower: its lower triangle only); beta = 0 writes 0, beta = 1 leaves C alone. */
function scaleBlock(c: FloatArray, rows: number, cols: number, ld: number, beta: number, lower: boolean): void {
  if (beta === 1) return;
  for (let i = 0; i < rows; i++) {
    const end = lower ? i + 1 : cols;
    const o = i * ld;
    if (beta === 0) c.fill(0, o, o + end);
    else for (let j = o; j < o + end; j++) c[j] *= beta;
  }
}
