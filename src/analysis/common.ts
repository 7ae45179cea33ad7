/** Shared helpers for src/analysis: label shapes, eigen-order conversions, loss normalization, fits. */
import { InvalidArgumentError, NumericalError } from '../errors.js';
import { cholesky, type Eigh, Matrix, matmul } from '../linalg/index.js';
import { assertFinite } from '../linalg/validate.js';

/**
 * Loss normalization of gradient descent on the squared loss:
 * - `'sum'`:  L(f) = ½‖f − y‖²  (Arora et al. 2019, Du et al. 2019); one GD step is f ← f − η·K(f − y).
 * - `'mean'`: L(f) = ‖f − y‖²/(2n); one GD step is f ← f − (η/n)·K(f − y).
 * With O outputs ‖·‖ is the Frobenius norm. neural-tangents divides by y.size = n·O: its learning rate η_nt equals
 * `'mean'` with η = η_nt/O.
 */
export type LossNormalization = 'sum' | 'mean';

/** Labels, targets or residuals: an n-vector or an n×O matrix (one column per output). */
export type Targets = Matrix | Float64Array;

/** The divisor N of the loss ‖f − y‖²/(2N): 1 for `'sum'`, n for `'mean'`. */
export function lossDivisor(normalization: LossNormalization, n: number): number {
  return normalization === 'mean' ? n : 1;
}

export function checkNormalization(fn: string, normalization: unknown): LossNormalization {
  if (normalization !== 'sum' && normalization !== 'mean') {
    throw new InvalidArgumentError(fn, 'normalization', "'sum' (½‖f−y‖²) or 'mean' (‖f−y‖²/(2n))", normalization);
  }
  return normalization;
}

/** Targets as an n×O matrix (a view for vectors), validated: n rows, finite. */
export function asTargets(fn: string, arg: string, y: Targets, n: number): Matrix {
  const Y = y instanceof Matrix ? y : new Matrix(y.length, 1, y);
  if (Y.rows !== n) {
    throw new InvalidArgumentError(
      fn,
      arg,
      `with one row per kernel point (${n} rows, the kernel is ${n}×${n})`,
      `${Y.rows} rows`,
    );
  }
  if (Y.cols < 1) throw new InvalidArgumentError(fn, arg, 'at least one output column', `${Y.rows}×${Y.cols}`);
  assertFinite(fn, arg, Y.data, Y.cols);
  return Y;
}

export function checkEigh(fn: string, e: Eigh): void {
  const n = e.vectors.rows;
  const m = e.values.length;
  if (e.vectors.cols !== m || m < 1 || m > n) {
    throw new InvalidArgumentError(
      fn,
      'eig',
      'an Eigh with m ≥ 1 eigenvalues and an n×m eigenvector matrix',
      `${m} values, vectors ${n}×${e.vectors.cols}`,
    );
  }
  assertFinite(fn, 'eig.values', e.values);
}

export function positiveFinite(fn: string, arg: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(fn, arg, 'a positive finite number', v);
  return v;
}

export function nonNegativeFinite(fn: string, arg: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new InvalidArgumentError(fn, arg, 'a non-negative finite number', v);
  return v;
}

/** Eigenvalues in descending order (λ₁ ≥ λ₂ ≥ …), from an ascending Eigh. */
export function descendingValues(e: Eigh): Float64Array {
  const m = e.values.length;
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) out[i] = e.values[m - 1 - i];
  return out;
}

/**
 * Squared projections qᵢ = ‖vᵢᵀY‖² onto the eigenvectors, in descending eigenvalue order, and ‖Y‖²_F.
 * One GEMM (Vᵀ·Y, cost n·m·O).
 */
export function squaredProjections(e: Eigh, Y: Matrix): { q: Float64Array; total: number; coords: Matrix } {
  const P = matmul(e.vectors, Y, { transA: true }); // m×O, ascending order
  const m = P.rows;
  const O = P.cols;
  const q = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let c = 0; c < O; c++) s += P.data[j * O + c] ** 2;
    q[m - 1 - j] = s;
  }
  let total = 0;
  for (let i = 0; i < Y.data.length; i++) total += Y.data[i] ** 2;
  return { q, total, coords: P };
}

/** The default eigenvalue floor: eigenvalues at or below 100·n·ε·λ_max are treated as rounding noise. */
export function defaultFloor(n: number, lambdaMax: number): number {
  return 100 * n * Number.EPSILON * Math.max(lambdaMax, 0);
}

export interface LinearFit {
  readonly slope: number;
  readonly intercept: number;
  /** Coefficient of determination of the fit (1 − SS_res/SS_tot); NaN when all y are equal. */
  readonly r2: number;
  /** Number of points used. */
  readonly count: number;
}

/** Ordinary least squares y ≈ slope·x + intercept. Needs ≥ 2 points with distinct x. */
export function linearFit(x: ArrayLike<number>, y: ArrayLike<number>): LinearFit | null {
  const f = leastSquares(x, y);
  return f && { slope: f.slope, intercept: f.intercept, r2: f.r2, count: f.count };
}

/** linearFit with the sums its statistics need: Sxx = Σ(x − x̄)² and the residual sum of squares SSR. */
export function leastSquares(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): (LinearFit & { readonly sxx: number; readonly ssr: number }) | null {
  const n = x.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ssr = 0;
  for (let i = 0; i < n; i++) ssr += (y[i] - slope * x[i] - intercept) ** 2;
  return { slope, intercept, r2: syy === 0 ? Number.NaN : 1 - ssr / syy, count: n, sxx, ssr };
}

/** The NumericalError (code `singular_kernel`) of a singular kernel: says so and suggests a ridge. */
export function singularKernelError(fn: string, ridge: number, detail: string, kernel = 'the kernel'): NumericalError {
  const what = `${kernel}${ridge > 0 ? ` plus ridge ${ridge}` : ''}`;
  return new NumericalError(
    'singular_kernel',
    `${fn}: ${what} is singular or not positive definite (${detail}), so K⁻¹ is undefined or dominated by rounding. ` +
      'Add a ridge: { ridge: ρ } in the library or --ridge ρ on the command line (e.g. ρ = 1e-6·tr(K)/n).',
  );
}

/**
 * Cholesky factor L of A + ridge·I, or a NumericalError (code `singular_kernel`) that says the kernel is singular and
 * suggests a ridge: when potrf fails, or when (min pivot / max pivot)² < n·ε (numerically singular: the factorization
 * succeeded on rounding noise).
 */
export function choleskyOrSingular(fn: string, A: Matrix, ridge: number): Matrix {
  const n = A.rows;
  const B = A.clone();
  for (let i = 0; i < n; i++) B.data[i * n + i] += ridge;
  const err = (detail: string) => singularKernelError(fn, ridge, detail);
  let L: Matrix;
  try {
    L = cholesky(B).L;
  } catch (e) {
    if (e instanceof NumericalError) throw err('Cholesky failed');
    throw e;
  }
  let minPivot = Number.POSITIVE_INFINITY;
  let maxPivot = 0;
  for (let i = 0; i < n; i++) {
    const d = L.data[i * n + i];
    minPivot = Math.min(minPivot, d);
    maxPivot = Math.max(maxPivot, d);
  }
  if ((minPivot / maxPivot) ** 2 < n * Number.EPSILON) {
    throw err(`Cholesky pivot ratio² ${((minPivot / maxPivot) ** 2).toExponential(2)} < n·ε`);
  }
  return L;
}
