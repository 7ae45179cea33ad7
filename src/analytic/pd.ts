/**
 * Positive-definiteness of a kernel matrix on the given points: λ_min, λ_max, condition number, strictly PD or not.
 *
 * Two methods, one verdict rule (λ_min > tol, tol = n·ε·max(|λ_max|, |λ_min|)):
 * - `eigh`: all eigenvalues (LAPACK dsyevd), O(n³) with a large constant — the default up to n = 512, where it is
 *   cheap (and the reference the other method is tested against).
 * - `cholesky` (default above n = 512): λ_max by Lanczos on K (matrix–vector products); then the Cholesky factor
 *   K = L·Lᵀ (the backend's potrf: the addon's LAPACK, or the portable one) and λ_min = 1/λ_max(K⁻¹) by Lanczos on
 *   K⁻¹ (two triangular solves per step). When K is not numerically PD the factorization of K + s·I (s = 2·n·ε·λ_max)
 *   gives λ_min = λ_max((K + sI)⁻¹)⁻¹ − s for λ_min down to −s; below that, λ_max − λ_min comes from Lanczos on
 *   λ_max·I − K (from −K when λ_max ≤ 0), and only if Lanczos does not converge the full eigendecomposition is
 *   computed. One factorization (n³/3
 *   flops, through the BLAS) plus O(n²) per Lanczos step instead of dsyevd's ≈ 4n³ flops and its memory traffic.
 */
import { InvalidArgumentError } from '../errors.js';
import { lanczos } from '../linalg/lanczos.js';
import type { Matrix } from '../linalg/matrix.js';
import { eigvalsh, fillUpper, SYMMETRY_TOL } from '../linalg/ops.js';
import { backend } from '../linalg/registry.js';
import { symmetricLowerCopy } from '../linalg/validate.js';

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
  return choleskyLanczos(K, n);
}

function choleskyLanczos(K: Matrix, n: number): PdReport {
  const be = backend();
  // the symmetric matrix of K's lower triangle (what eigvalsh reads): potrf overwrites the lower triangle and the
  // diagonal only, so the strict upper triangle and `diag` keep K for later products and refactorizations
  const A = symmetricLowerCopy('checkPd', 'K', K, SYMMETRY_TOL);
  fillUpper(A, n);
  const diag = new Float64Array(n);
  for (let i = 0; i < n; i++) diag[i] = A[i * n + i];
  const restore = (shift: number) => {
    for (let i = 0; i < n; i++) {
      A[i * n + i] = diag[i] + shift;
      for (let j = i + 1; j < n; j++) A[j * n + i] = A[i * n + j];
    }
  };
  const mulK = (v: Float64Array, out: Float64Array) => be.gemm(false, false, n, 1, n, 1, A, n, v, 1, 0, out, 1);
  const top = (mv: (v: Float64Array, out: Float64Array) => void) => {
    const r = lanczos(mv, n, { k: 1, tol: LANCZOS_TOL, seed: 1 });
    return { value: r.values[0], converged: r.converged };
  };
  // before any factorization: A holds K in both triangles
  const max = top(mulK);
  const lambdaMax = max.value;
  const solve = (v: Float64Array, out: Float64Array) => {
    out.set(v);
    be.potrs(n, 1, A, out);
  };
  if (max.converged && lambdaMax > 0) {
    for (const shift of [0, 2 * n * Number.EPSILON * lambdaMax]) {
      if (shift > 0) restore(shift);
      if (be.potrf(n, A) !== 0) continue;
      const inv = top(solve);
      if (inv.converged && inv.value > 0) return report(n, 1 / inv.value - shift, lambdaMax);
    }
    // λ_min below −s: λ_max − λ_min is the top eigenvalue of λ_max·I − K (upper triangle and diag hold K)
    restore(0);
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
  const w = eigvalsh(K);
  return report(n, w[0], w[n - 1]);
}
