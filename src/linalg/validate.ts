import { InvalidArgumentError, NonFiniteError } from '../errors.js';
import type { Matrix } from './matrix.js';

/** Index of the first non-finite entry, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

export function assertFinite(fn: string, arg: string, a: ArrayLike<number>, cols = 0): void {
  const i = firstNonFinite(a);
  if (i >= 0) {
    const where = cols > 0 ? `[${Math.floor(i / cols)}, ${i % cols}]` : `[${i}]`;
    throw new InvalidArgumentError(fn, arg, 'finite (no NaN or Inf)', `${arg}${where} = ${a[i]}`);
  }
}

/** The one rule for kernel inputs (kernelFn and empiricalNtk): at least one example. */
export function assertRows(fn: string, arg: string, X: Matrix): void {
  if (X.rows < 1) throw new InvalidArgumentError(fn, arg, 'a matrix with at least one row', `${X.rows}×${X.cols}`);
}

/**
 * A kernel computed from finite inputs must be finite: NaN or ±Infinity means float64 overflowed. NonFiniteError with
 * the first bad (i, j), the count and why: the inputs' largest entry and squared row norm when ‖x‖² overflows.
 */
export function assertFiniteResult(
  fn: string,
  what: string,
  K: Matrix,
  inputs: readonly { readonly name: string; readonly X: Matrix }[],
): void {
  const first = firstNonFinite(K.data);
  if (first < 0) return;
  let count = 0;
  for (let i = first; i < K.data.length; i++) if (!Number.isFinite(K.data[i])) count++;
  let maxAbs = 0;
  let maxNorm = 0;
  let at = '';
  for (const { name, X } of inputs) {
    const d = X.cols;
    for (let r = 0; r < X.rows; r++) {
      let s = 0;
      for (let c = 0; c < d; c++) {
        const v = X.data[r * d + c];
        s += v * v;
        if (Math.abs(v) > maxAbs) maxAbs = Math.abs(v);
      }
      if (!(s <= maxNorm)) {
        maxNorm = s;
        at = `${name} row ${r}`;
      }
    }
  }
  const why = !Number.isFinite(maxNorm)
    ? `inputs with entries up to ${maxAbs.toExponential(3)} overflow the kernel (‖x‖² = ${maxNorm} at ${at}); rescale them (e.g. a spec's normalize=sphere or normalize=standardize)`
    : `float64 overflowed inside the network (the inputs' largest entry is ${maxAbs.toExponential(3)}, largest ‖x‖² ${maxNorm.toExponential(3)} at ${at}); rescale the inputs or lower wstd/bstd`;
  const cols = K.cols;
  throw new NonFiniteError(fn, what, [Math.floor(first / cols), first % cols], K.data[first], count, why);
}

export function assertSquare(fn: string, arg: string, A: Matrix): void {
  if (A.rows !== A.cols) throw new InvalidArgumentError(fn, arg, 'a square matrix', `${A.rows}×${A.cols}`);
}

/** Largest |A_ij − A_ji| relative to the largest |A_ij| (0 for the zero matrix). Walks 64×64 tile pairs so that the
 * transposed reads stay in cache (a plain column walk costs more than the factorization it guards for n ≥ 2000). */
export function asymmetry(A: Matrix): number {
  return scanSymmetric(A).asymmetry;
}

/** One blocked pass over both triangles: the relative asymmetry and whether every entry is finite. */
function scanSymmetric(A: Matrix, lowerOut?: Float64Array): { asymmetry: number; finite: boolean } {
  const n = A.rows;
  const a = A.data;
  const B = 64;
  let maxAbs = 0;
  let maxDiff = 0;
  let finite = true;
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(i0 + B, n);
    for (let j0 = 0; j0 <= i0; j0 += B) {
      const j1 = Math.min(j0 + B, n);
      for (let i = i0; i < i1; i++) {
        const jEnd = Math.min(j1, i + 1);
        for (let j = j0; j < jEnd; j++) {
          const x = a[i * n + j];
          const y = a[j * n + i];
          if (lowerOut) lowerOut[i * n + j] = x;
          if (x - x !== 0 || y - y !== 0) finite = false; // NaN or ±Inf
          const ax = Math.abs(x);
          if (ax > maxAbs) maxAbs = ax;
          const d = Math.abs(x - y);
          if (d > maxDiff) maxDiff = d;
        }
      }
    }
  }
  return { asymmetry: maxAbs === 0 ? 0 : maxDiff / maxAbs, finite };
}

/** Square, finite and symmetric to `tol` (relative); returns the measured asymmetry. */
export function assertSymmetric(fn: string, arg: string, A: Matrix, tol: number): number {
  return checkSymmetric(fn, arg, A, tol);
}

/**
 * assertSymmetric and a copy of A's lower triangle (strict upper triangle zero) made in the same pass: what
 * eigh/cholesky hand to LAPACK, which reads only that triangle. Saves a full pass over A compared with check + clone.
 */
export function symmetricLowerCopy(fn: string, arg: string, A: Matrix, tol: number): Float64Array {
  return checkedLowerCopy(fn, arg, A, tol).lower;
}

/** symmetricLowerCopy, also returning the measured asymmetry (0: A is exactly the symmetric matrix of its lower
 * triangle, so that products with A itself are products with that matrix). */
export function checkedLowerCopy(
  fn: string,
  arg: string,
  A: Matrix,
  tol: number,
): { lower: Float64Array; asymmetry: number } {
  const lower = new Float64Array(A.rows * A.cols);
  const asymmetry = checkSymmetric(fn, arg, A, tol, lower);
  return { lower, asymmetry };
}

function checkSymmetric(fn: string, arg: string, A: Matrix, tol: number, lowerOut?: Float64Array): number {
  assertSquare(fn, arg, A);
  const { asymmetry: s, finite } = scanSymmetric(A, lowerOut);
  if (!finite) assertFinite(fn, arg, A.data, A.cols); // throws, naming the first bad entry
  if (s > tol) {
    throw new InvalidArgumentError(
      fn,
      arg,
      `symmetric (max |A−Aᵀ|/max|A| ≤ ${tol})`,
      `asymmetry ${s.toExponential(3)}`,
      'Call symmetrize(A) first if the asymmetry is rounding error.',
    );
  }
  return s;
}
