/**
 * Lower bounds on λ_min of a dot-product kernel matrix Kᵢⱼ = κ(xᵢᵀxⱼ) on unit-norm points, each reported next to
 * the true λ_min (one O(n³) eigvalsh; these are diagnostics for moderate n).
 *
 * - Gershgorin: λ_min ≥ minᵢ (Kᵢᵢ − Σ_{j≠i} |Kᵢⱼ|).
 * - ρ-bound: with ρ = max_{i≠j} |xᵢᵀxⱼ| and κ(t) = Σ c_r t^r, c_r ≥ 0, |κ(t)| ≤ κ(|t|) ≤ κ(ρ) off the diagonal, so
 *   Gershgorin gives λ_min ≥ κ(1) − (n − 1)κ(ρ). For H∞ (κ(1) = ½) this is |λ_min − ½| ≤ (n − 1)ρ(π − arccos ρ)/(2π).
 * - power series: K = Σ_r c_r G^{∘r} with G = XXᵀ; each Hadamard power is PSD (Schur product theorem) with unit
 *   diagonal and off-diagonal entries ≤ ρ^r, so λ_min(G^{∘r}) ≥ 1 − (n − 1)ρ^r (Gershgorin) and by Weyl
 *   λ_min(K) ≥ Σ_r c_r·max(0, 1 − (n − 1)ρ^r) ≥ max_r c_r(1 − (n − 1)ρ^r).
 *   (Oymak & Soltanolkotabi 2020, Lemma on Hermite/Taylor expansions; Nguyen, Mondelli & Montúfar 2021;
 *   Bombari, Amani & Mondelli 2022.) The series is truncated at degree R; dropped terms are ≥ 0, so the truncated
 *   sum is still a lower bound.
 */
import { InvalidArgumentError } from '../errors.js';
import { eigvalsh, gram, Matrix } from '../linalg/index.js';
import { assertFinite } from '../linalg/validate.js';
import { type DotProductKernelSpec, dotProductKernel, dotProductSeries, type Series } from './series.js';

export interface LambdaMinBounds {
  readonly n: number;
  /** ρ = max_{i≠j} |xᵢᵀxⱼ|. */
  readonly rho: number;
  /** λ_min(K) by eigvalsh. */
  readonly lambdaMin: number;
  readonly gershgorin: number;
  readonly rhoBound: number;
  /** Σ_r c_r·max(0, 1 − (n − 1)ρ^r) (the bound). */
  readonly powerSeries: number;
  /** max_r c_r(1 − (n − 1)ρ^r) and the r attaining it. */
  readonly powerSeriesMax: number;
  readonly powerSeriesArgmax: number;
  /** Series degree R used. */
  readonly degree: number;
  /** Taylor coefficients c_0..c_R of κ. */
  readonly coefficients: Series;
}

export interface LambdaMinOptions {
  /** Series degree; default min(400, ⌈log(n)/log(1/ρ)⌉ + 60). */
  readonly degree?: number;
  /** Relative tolerance on ‖xᵢ‖ = 1; default 1e-8. */
  readonly normTol?: number;
}

/** Kᵢⱼ = κ(xᵢᵀxⱼ) for the rows of X (unit norm). */
export function dotProductKernelMatrix(X: Matrix, spec: DotProductKernelSpec): Matrix {
  const G = gram(X);
  const k = dotProductKernel(spec);
  const n = G.rows;
  const K = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = i === j ? k(1) : k(Math.max(-1, Math.min(1, G.data[i * n + j])));
      K.data[i * n + j] = v;
      K.data[j * n + i] = v;
    }
  }
  return K;
}

/** Gershgorin: minᵢ (Kᵢᵢ − Σ_{j≠i} |Kᵢⱼ|). */
export function gershgorinLowerBound(K: Matrix): number {
  const n = K.rows;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let j = 0; j < n; j++) if (j !== i) off += Math.abs(K.data[i * n + j]);
    best = Math.min(best, K.data[i * n + i] - off);
  }
  return best;
}

/** Σ_r c_r·max(0, 1 − (n − 1)ρ^r) and max_r c_r(1 − (n − 1)ρ^r). */
export function powerSeriesLowerBound(c: Series, n: number, rho: number): { sum: number; max: number; argmax: number } {
  let sum = 0;
  let max = Number.NEGATIVE_INFINITY;
  let argmax = 0;
  for (let r = 0; r < c.length; r++) {
    const g = 1 - (n - 1) * rho ** r;
    if (g > 0) sum += c[r] * g;
    const v = c[r] * g;
    if (v > max) {
      max = v;
      argmax = r;
    }
  }
  return { sum, max, argmax };
}

/** All three λ_min lower bounds for κ on the rows of X (unit-norm points), next to the true λ_min. */
export function lambdaMinBounds(X: Matrix, spec: DotProductKernelSpec, opts: LambdaMinOptions = {}): LambdaMinBounds {
  const fn = 'lambdaMinBounds';
  assertFinite(fn, 'X', X.data, X.cols);
  const n = X.rows;
  if (n < 2) throw new InvalidArgumentError(fn, 'X', 'at least 2 points (rows)', `${n}×${X.cols}`);
  const tol = opts.normTol ?? 1e-8;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < X.cols; j++) s += X.data[i * X.cols + j] ** 2;
    if (Math.abs(Math.sqrt(s) - 1) > tol) {
      throw new InvalidArgumentError(
        fn,
        `X[${i}]`,
        `a unit-norm row (|‖x‖ − 1| ≤ ${tol}); normalize the data first`,
        `‖x‖ = ${Math.sqrt(s)}`,
      );
    }
  }
  const G = gram(X);
  let rho = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) rho = Math.max(rho, Math.abs(G.data[i * n + j]));
  rho = Math.min(rho, 1);
  const K = dotProductKernelMatrix(X, spec);
  const lambdaMin = eigvalsh(K)[0];
  const kappa = dotProductKernel(spec);
  const auto = rho > 0 && rho < 1 ? Math.ceil(Math.log(n) / Math.log(1 / rho)) + 60 : 60;
  const degree = opts.degree ?? Math.min(400, auto);
  const coefficients = dotProductSeries(spec, degree);
  const ps = powerSeriesLowerBound(coefficients, n, rho);
  return {
    n,
    rho,
    lambdaMin,
    gershgorin: gershgorinLowerBound(K),
    rhoBound: kappa(1) - (n - 1) * kappa(rho),
    powerSeries: ps.sum,
    powerSeriesMax: ps.max,
    powerSeriesArgmax: ps.argmax,
    degree,
    coefficients,
  };
}
