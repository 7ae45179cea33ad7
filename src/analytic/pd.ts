/**
 * Positive-definiteness of a kernel matrix on the given points: λ_min, λ_max, condition number, strictly PD or not.
 *
 * Two methods, one verdict rule (λ_min > tol, tol = n·ε·max(|λ_max|, |λ_min|)):
 * - `eigh`: all eigenvalues (LAPACK dsyevd), O(n³) with a large constant — the default up to n = 512, where it is
 *   cheap (and the reference the other method is tested against).
 * - `cholesky` (default above n = 512): λ_max by Lanczos on K (matrix–vector products); then the Cholesky factor
 *   K = L·Lᵀ (the backend's potrf: the addon's LAPACK, or the portable one) and λ_min = 1/λ_max(K⁻¹) by Lanczos on
 *   K⁻¹ (two triangular solves per step, converged to the solves' rounding level: inverseTol). Products and solves
 *   act on one row vector (vᵀ·K, vᵀ·L⁻ᵀ·L⁻¹), the form OpenBLAS streams the matrix fastest in; a block of b vectors
 *   per solve was measured too and lost (the Krylov space needs nearly as many passes over L: the bottom of a
 *   kernel's spectrum is clustered). When K is not numerically PD the factorization of K + s·I (s = 2·n·ε·λ_max)
 *   gives λ_min = λ_max((K + sI)⁻¹)⁻¹ − s for λ_min down to −s; below that, λ_max − λ_min comes from Lanczos on
 *   λ_max·I − K (from −K when λ_max ≤ 0), and only if Lanczos does not converge the full eigendecomposition is
 *   computed. One factorization (n³/3
 *   flops, through the BLAS) plus O(n²) per Lanczos step instead of dsyevd's ≈ 4n³ flops and its memory traffic.
 */
import { InvalidArgumentError } from '../errors.js';
import { lanczos } from '../linalg/lanczos.js';
import type { Matrix } from '../linalg/matrix.js';
import { eigvalsh, fillLower, fillUpper, SYMMETRY_TOL } from '../linalg/ops.js';
import { backend } from '../linalg/registry.js';
import { assertSymmetric, checkedLowerCopy } from '../linalg/validate.js';

export interface PdReport {
  readonly n: number;
  readonly lambdaMin: number;
  readonly lambdaMax: number;
  /** λ_max / λ_min (Infinity when λ_min ≤ 0) */
  readonly condition: number;
  /** λ_min > tol, tol = n·ε·λ_max (eigenvalues below that are indistinguishable from 0 in float64) */
  readonly strictlyPd: boolean;
  readonly tolerance: number;
}

export type PdMethod = 'eigh' | 'cholesky';

export interface PdOptions {
  /** default: `eigh` up to n = 512, `cholesky` (Cholesky + Lanczos) above */
  readonly method?: PdMethod;
  /**
   * `cholesky` only: factor in K's own storage instead of an n×n copy (K's lower triangle and diagonal are
   * overwritten — by the Cholesky factor — and, when K is not exactly symmetric, its upper triangle by the lower
   * one's mirror). For callers done with K: `ntk kernel --check-pd` after writing it. Default false.
   */
  readonly inPlace?: boolean;
}

/** Up to this order the full eigendecomposition is the default (it costs milliseconds there). */
export const PD_EIGH_MAX = 512;

/** Relative residual the Lanczos extreme eigenvalues are converged to (the eigenvalue error is below it). */
const LANCZOS_TOL = 1e-11;

function report(n: number, lambdaMin: number, lambdaMax: number): PdReport {
  const tolerance = n * Number.EPSILON * Math.max(Math.abs(lambdaMax), Math.abs(lambdaMin));
  const strictlyPd = lambdaMin > tolerance;
  return {
    n,
    lambdaMin,
    lambdaMax,
    condition: lambdaMin > 0 ? lambdaMax / lambdaMin : Number.POSITIVE_INFINITY,
    strictlyPd,
    tolerance,
  };
}

/**
 * The residual Lanczos on K⁻¹ is converged to, relative to λ_max(K⁻¹): LANCZOS_TOL, or the rounding level of the
 * solves when that is larger. A solve through the computed factor, K⁻¹·v, is exact for some K + E with
 * ‖E‖ ≈ √n·ε·‖K‖ (backward stability; n·ε in the worst case), so near the top eigenvector of K⁻¹ its relative error
 * is ≈ √n·ε·κ: a smaller residual measures rounding, not convergence. κ ≥ λ_max / min_i L_ii² (since
 * λ_min ≤ 1/(K⁻¹)_ii ≤ L_ii², a pivot being a Schur complement), so the bound is computed from a lower bound on κ.
 * The eigenvalue error stays below the residual (Weyl): λ_min to 1e-11 relative or √n·ε·λ_max absolute, whichever is
 * larger (and never worse than 1e-6 relative) — at most 1/√n of the verdict's tolerance n·ε·λ_max, below the
 * factorization's own backward error.
 */
function inverseTol(L: Float64Array, n: number, lambdaMax: number): number {
  let minPivot = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) minPivot = Math.min(minPivot, L[i * n + i] * L[i * n + i]);
  // at most 1e-6: λ_min (and the condition number) stay within 1e-6 relative however ill-conditioned K is
  return Math.min(1e-6, Math.max(LANCZOS_TOL, Math.sqrt(n) * Number.EPSILON * (lambdaMax / minPivot)));
}

export function checkPd(K: Matrix, opts: PdOptions = {}): PdReport {
  if (K.rows !== K.cols || K.rows < 1)
    throw new InvalidArgumentError('checkPd', 'K', 'a non-empty square matrix', `${K.rows}×${K.cols}`);
  const n = K.rows;
  const method = opts.method ?? (n <= PD_EIGH_MAX ? 'eigh' : 'cholesky');
  if (method !== 'eigh' && method !== 'cholesky')
    throw new InvalidArgumentError('checkPd', 'method', '`eigh` or `cholesky`', method);
  if (method === 'eigh' || n < 3) {
    const w = eigvalsh(K);
    return report(n, w[0], w[n - 1]);
  }
  return choleskyLanczos(K, n, opts.inPlace ?? false);
}

function choleskyLanczos(K: Matrix, n: number, inPlace: boolean): PdReport {
  const be = backend();
  const k = K.data;
  // A: the buffer potrf factors in place, K's lower triangle (what eigvalsh reads) — a copy, or K itself
  let A: Float64Array;
  let asymmetry: number;
  if (inPlace) {
    A = k;
    asymmetry = assertSymmetric('checkPd', 'K', K, SYMMETRY_TOL);
  } else {
    ({ lower: A, asymmetry } = checkedLowerCopy('checkPd', 'K', K, SYMMETRY_TOL));
  }
  const diag = new Float64Array(n);
  for (let i = 0; i < n; i++) diag[i] = k[i * n + i];
  // M: the symmetric matrix of K's lower triangle for the products. K itself when K is exactly symmetric and kept
  // (no n² pass); otherwise A with its upper triangle filled, which potrf leaves alone (it writes the lower one)
  const M = asymmetry === 0 && !inPlace ? k : A;
  if (asymmetry !== 0) fillUpper(A, n);
  let factored = false;
  /** A's lower triangle and diagonal back to K's (+ shift on the diagonal), after a factorization overwrote them. */
  const restore = (shift: number) => {
    if (M === A) fillLower(A, n);
    else for (let i = 0; i < n; i++) A.set(k.subarray(i * n, i * n + i), i * n);
    for (let i = 0; i < n; i++) A[i * n + i] = diag[i] + shift;
    factored = false;
  };
  const factor = (shift: number) => {
    if (factored || shift !== 0) restore(shift);
    factored = true;
    return be.potrf(n, A) === 0;
  };
  // out = vᵀ·M = (M·v)ᵀ: a gemm with one row, which OpenBLAS runs ≈ 2× faster than the product with one column
  const mulK = (v: Float64Array, out: Float64Array) => {
    if (factored && M === A) restore(0);
    be.gemm(false, false, 1, n, n, 1, v, n, M, n, 0, out, n);
  };
  const top = (mv: (v: Float64Array, out: Float64Array) => void, tol = LANCZOS_TOL) => {
    const r = lanczos(mv, n, { k: 1, tol, seed: 1 });
    return { value: r.values[0], converged: r.converged };
  };
  const max = top(mulK);
  const lambdaMax = max.value;
  // out = vᵀ·(L·Lᵀ)⁻¹ = vᵀ·L⁻ᵀ·L⁻¹: two right-side triangular solves on a row (≈ 2.5× faster than potrs' two
  // left-side solves on a column, which OpenBLAS runs on one thread)
  const solve = (v: Float64Array, out: Float64Array) => {
    out.set(v);
    be.trsm(true, true, true, false, 1, n, 1, A, n, out, n);
    be.trsm(true, true, false, false, 1, n, 1, A, n, out, n);
  };
  if (max.converged && lambdaMax > 0) {
    for (const shift of [0, 2 * n * Number.EPSILON * lambdaMax]) {
      if (!factor(shift)) continue;
      const inv = top(solve, inverseTol(A, n, lambdaMax));
      if (inv.converged && inv.value > 0) return report(n, 1 / inv.value - shift, lambdaMax);
    }
    // λ_min below −s: λ_max − λ_min is the top eigenvalue of λ_max·I − K
    const flip = top((v, out) => {
      mulK(v, out);
      for (let i = 0; i < n; i++) out[i] = lambdaMax * v[i] - out[i];
    });
    if (flip.converged) return report(n, lambdaMax - flip.value, lambdaMax);
  } else if (max.converged) {
    // λ_max ≤ 0: not PD; λ_min is minus the top eigenvalue of −K
    const neg = top((v, out) => {
      mulK(v, out);
      for (let i = 0; i < n; i++) out[i] = -out[i];
    });
    if (neg.converged) return report(n, -neg.value, lambdaMax);
  }
  if (inPlace && factored) restore(0); // eigvalsh reads K's lower triangle
  const w = eigvalsh(K);
  return report(n, w[0], w[n - 1]);
}
