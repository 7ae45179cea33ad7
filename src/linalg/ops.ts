/**
 * Linear-algebra operations on Matrix, validated and dispatched to the current backend. Eigenvalues come back in
 * ascending order with orthonormal eigenvectors as the columns of V, so that A·V = V·diag(λ).
 */
import { InvalidArgumentError, NumericalError } from '../errors.js';
import { gemm, syrk } from './blas.js';
import { Matrix } from './matrix.js';
import { backend } from './registry.js';
import { assertFinite, assertSquare, symmetricLowerCopy } from './validate.js';

/** Default relative tolerance on |A − Aᵀ| for routines that need a symmetric matrix. */
export const SYMMETRY_TOL = 1e-8;

export interface MatmulOptions {
  readonly transA?: boolean;
  readonly transB?: boolean;
  readonly alpha?: number;
}

/** alpha·op(A)·op(B). */
export function matmul(A: Matrix, B: Matrix, opts: MatmulOptions = {}): Matrix {
  const { transA = false, transB = false, alpha = 1 } = opts;
  const m = transA ? A.cols : A.rows;
  const k = transA ? A.rows : A.cols;
  const kb = transB ? B.cols : B.rows;
  const n = transB ? B.rows : B.cols;
  if (k !== kb) {
    throw new InvalidArgumentError(
      'matmul',
      'B',
      `of inner dimension ${k} to match op(A) (${m}×${k})`,
      `op(B) is ${kb}×${n}`,
    );
  }
  const C = new Matrix(m, n);
  gemm({ m, n, k, a: A.data, b: B.data, c: C.data, transA, transB, alpha });
  return C;
}

/** Copy the lower triangle of a square row-major buffer into the upper one. */
export function fillUpper(a: Float64Array, n: number): void {
  mirror(a, n, true);
}

/** Copy the strict upper triangle of a square row-major buffer into the lower one (the diagonal is left alone). */
export function fillLower(a: Float64Array, n: number): void {
  mirror(a, n, false);
}

function mirror(a: Float64Array, n: number, toUpper: boolean): void {
  // By 64×64 tiles: a plain loop reads a column per row, ~10× slower for n in the thousands.
  const B = 64;
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(i0 + B, n);
    for (let j0 = i0; j0 < n; j0 += B) {
      const j1 = Math.min(j0 + B, n);
      for (let i = i0; i < i1; i++) {
        if (toUpper) for (let j = Math.max(j0, i + 1); j < j1; j++) a[i * n + j] = a[j * n + i];
        else for (let j = Math.max(j0, i + 1); j < j1; j++) a[j * n + i] = a[i * n + j];
      }
    }
  }
}

/** X·Xᵀ (n×n for X n×d) via syrk, both triangles filled. */
export function gram(X: Matrix, alpha = 1): Matrix {
  const n = X.rows;
  const G = new Matrix(n, n);
  syrk({ n, k: X.cols, a: X.data, c: G.data, alpha });
  fillUpper(G.data, n);
  return G;
}

/** (A + Aᵀ)/2 as a new matrix. */
export function symmetrize(A: Matrix): Matrix {
  assertSquare('symmetrize', 'A', A);
  const n = A.rows;
  const S = new Matrix(n, n);
  const a = A.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = 0.5 * (a[i * n + j] + a[j * n + i]);
      S.data[i * n + j] = v;
      S.data[j * n + i] = v;
    }
  }
  return S;
}

export interface EighOptions {
  /** Only the k largest eigenpairs (still returned in ascending order). */
  readonly k?: number;
  /** Relative symmetry tolerance; default SYMMETRY_TOL. */
  readonly symTol?: number;
}

export interface Eigh {
  /** Ascending eigenvalues. */
  readonly values: Float64Array;
  /** n×m matrix whose column j is the unit eigenvector of values[j]. */
  readonly vectors: Matrix;
}

/** Validates and returns k and a copy of A's lower triangle (all that LAPACK reads), made in the same pass. */
function checkEigh(A: Matrix, opts: EighOptions): { k: number; V: Matrix } {
  const V = new Matrix(A.rows, A.rows, symmetricLowerCopy('eigh', 'A', A, opts.symTol ?? SYMMETRY_TOL));
  const n = A.rows;
  const k = opts.k ?? n;
  if (!Number.isInteger(k) || k < 1 || k > Math.max(n, 1)) {
    throw new InvalidArgumentError('eigh', 'k', `an integer in [1, n = ${n}]`, opts.k);
  }
  return { k, V };
}

function eighFail(info: number): never {
  throw new NumericalError('no_convergence', `eigh: the eigensolver failed to converge (LAPACK info = ${info}).`);
}

/** Symmetric eigendecomposition (LAPACK dsyevd, or dsyevr for the top k). A is not modified. */
export function eigh(A: Matrix, opts: EighOptions = {}): Eigh {
  const { k, V } = checkEigh(A, opts);
  const n = A.rows;
  if (k < n) {
    const W = new Float64Array(k);
    const Z = new Matrix(n, k);
    const info = backend().syevr(n, V.data, n - k + 1, n, W, Z.data);
    if (info !== 0) eighFail(info);
    return { values: W, vectors: Z };
  }
  const W = new Float64Array(n);
  const info = backend().syevd(n, V.data, W, true);
  if (info !== 0) eighFail(info);
  return { values: W, vectors: V };
}

/** eigh off the event loop (native backend: libuv thread pool). */
export async function eighAsync(A: Matrix, opts: EighOptions = {}): Promise<Eigh> {
  const { k, V } = checkEigh(A, opts);
  if (k < A.rows) return eigh(A, opts);
  const n = A.rows;
  const W = new Float64Array(n);
  const info = await backend().syevdAsync(n, V.data, W, true);
  if (info !== 0) eighFail(info);
  return { values: W, vectors: V };
}

/** Ascending eigenvalues only (no vectors; cheaper). */
export function eigvalsh(A: Matrix, opts: { symTol?: number } = {}): Float64Array {
  const lower = symmetricLowerCopy('eigvalsh', 'A', A, opts.symTol ?? SYMMETRY_TOL);
  const W = new Float64Array(A.rows);
  const info = backend().syevd(A.rows, lower, W, false);
  if (info !== 0) eighFail(info);
  return W;
}

export interface CholeskyOptions {
  /**
   * Diagonal jitter: a number adds that multiple of mean(diag A) to the diagonal; `'auto'` tries 0, then 1e-12,
   * 1e-10, … 1e-4 (relative) until the factorization succeeds. Default 0.
   */
  readonly jitter?: number | 'auto';
  readonly symTol?: number;
}

export interface Cholesky {
  /** Lower-triangular L with A + jitter·I = L·Lᵀ (upper triangle zero). */
  readonly L: Matrix;
  /** The absolute jitter that was added to the diagonal. */
  readonly jitter: number;
}

/** Cholesky factor of a symmetric positive definite matrix. */
export function cholesky(A: Matrix, opts: CholeskyOptions = {}): Cholesky {
  // The lower triangle, strict upper zero: potrf works in place on it and leaves the upper triangle alone.
  const lower = symmetricLowerCopy('cholesky', 'A', A, opts.symTol ?? SYMMETRY_TOL);
  const n = A.rows;
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += A.data[i * n + i] / n;
  const j = opts.jitter ?? 0;
  if (j !== 'auto' && (!Number.isFinite(j) || j < 0)) {
    throw new InvalidArgumentError('cholesky', 'jitter', "a non-negative number or 'auto'", j);
  }
  const tries = j === 'auto' ? [0, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4] : [j];
  let info = 0;
  for (let t = 0; t < tries.length; t++) {
    const L = new Matrix(n, n, t === tries.length - 1 ? lower : lower.slice());
    const add = tries[t] * Math.abs(meanDiag);
    for (let i = 0; i < n; i++) L.data[i * n + i] += add;
    info = backend().potrf(n, L.data);
    if (info === 0) return { L, jitter: add };
  }
  throw new NumericalError(
    'not_positive_definite',
    `cholesky: \`A\` is not positive definite (leading minor of order ${info} is not positive${j === 'auto' ? ' even with jitter up to 1e-4·mean(diag)' : ''}). ` +
      "Add jitter (cholesky(A, { jitter: 'auto' }) or a ridge term) if A is a kernel matrix that is only semi-definite.",
  );
}

function asRhs(fn: string, n: number, B: Matrix | Float64Array): Matrix {
  const M = B instanceof Matrix ? B : new Matrix(B.length, 1, B);
  if (M.rows !== n) throw new InvalidArgumentError(fn, 'B', `with ${n} rows to match the matrix`, `${M.rows} rows`);
  assertFinite(fn, 'B', M.data, M.cols);
  return M;
}

/** Solves (L·Lᵀ)·X = B given the Cholesky factor L. B may be a matrix or a vector; the result has B's shape. */
export function cholSolve<T extends Matrix | Float64Array>(L: Matrix, B: T): T {
  assertSquare('cholSolve', 'L', L);
  const M = asRhs('cholSolve', L.rows, B);
  const X = M.clone();
  backend().potrs(L.rows, X.cols, L.data, X.data);
  return (B instanceof Matrix ? X : X.data) as T;
}

/** Solves A·X = B for symmetric positive definite A (by Cholesky; see CholeskyOptions for jitter). */
export function solve<T extends Matrix | Float64Array>(A: Matrix, B: T, opts: CholeskyOptions = {}): T {
  asRhs('solve', A.rows, B);
  return cholSolve(cholesky(A, opts).L, B);
}

/** Solves op(T)·X = B for triangular T (lower unless `upper`). */
export function triSolve(T: Matrix, B: Matrix, opts: { upper?: boolean; trans?: boolean } = {}): Matrix {
  assertSquare('triSolve', 'T', T);
  const M = asRhs('triSolve', T.rows, B).clone();
  backend().trsm(false, !opts.upper, opts.trans ?? false, false, M.rows, M.cols, 1, T.data, T.cols, M.data, M.cols);
  return M;
}
