/**
 * The data-dependent generalization quantity of Arora, Du, Hu, Li & Wang (ICML 2019, Thm 5.1):
 *   √(2 yᵀ(H∞)⁻¹y / n),
 * here for any kernel K, optionally with a ridge ρ: √(2 yᵀ(K + ρI)⁻¹y / n). With O outputs yᵀK⁻¹y becomes
 * tr(YᵀK⁻¹Y) = Σ over output columns. (The theorem also has a √(log(n/δ)/n) term and assumes y ∈ [−1, 1]ⁿ.)
 */
import { InvalidArgumentError, NumericalError } from '../errors.js';
import { type Eigh, Matrix, triSolve } from '../linalg/index.js';
import { corruptLabels } from '../data/preprocess.js';
import type { Rng } from '../util/random.js';
import {
  asTargets,
  checkEigh,
  choleskyOrSingular,
  descendingValues,
  nonNegativeFinite,
  squaredProjections,
  type Targets,
} from './common.js';

export interface GeneralizationBound {
  /** √(2·yᵀ(K + ρI)⁻¹y / n). */
  readonly value: number;
  /** yᵀ(K + ρI)⁻¹y (summed over outputs). */
  readonly quadraticForm: number;
  readonly ridge: number;
  readonly n: number;
  readonly method: 'cholesky' | 'eigh';
}

function singular(fn: string, detail: string): NumericalError {
  return new NumericalError(
    'singular_kernel',
    `${fn}: the kernel${detail} is singular or not positive definite, so yᵀK⁻¹y is undefined (or dominated by rounding). ` +
      'Add a ridge: { ridge: ρ } in the library or --ridge ρ on the command line (e.g. ρ = 1e-6·tr(K)/n).',
  );
}

/** The Arora et al. quantity by Cholesky of K + ρI (ρ ≥ 0, default 0): O(n³/3). Throws NumericalError if singular. */
export function generalizationBound(
  K: Matrix,
  y: Targets,
  opts: { readonly ridge?: number } = {},
): GeneralizationBound {
  const fn = 'generalizationBound';
  if (K.rows !== K.cols) throw new InvalidArgumentError(fn, 'K', 'a square kernel matrix', `${K.rows}×${K.cols}`);
  const n = K.rows;
  const Y = asTargets(fn, 'y', y, n);
  const ridge = nonNegativeFinite(fn, 'ridge', opts.ridge ?? 0);
  const L = choleskyOrSingular(fn, K, ridge);
  // yᵀ(LLᵀ)⁻¹y = ‖L⁻¹y‖²
  const Z = triSolve(L, Y);
  let qf = 0;
  for (let i = 0; i < Z.data.length; i++) qf += Z.data[i] ** 2;
  return { value: Math.sqrt((2 * qf) / n), quadraticForm: qf, ridge, n, method: 'cholesky' };
}

/**
 * The same quantity from an existing complete eigendecomposition: yᵀ(K + ρI)⁻¹y = Σᵢ (vᵢᵀy)²/(λᵢ + ρ), O(n·O) after
 * one projection GEMM (no extra O(n³)). Throws NumericalError when λ_min + ρ ≤ n·ε·λ_max.
 */
export function generalizationBoundFromEigh(
  e: Eigh,
  y: Targets,
  opts: { readonly ridge?: number } = {},
): GeneralizationBound {
  const fn = 'generalizationBoundFromEigh';
  checkEigh(fn, e);
  const n = e.vectors.rows;
  if (e.values.length !== n)
    throw new InvalidArgumentError(fn, 'e', 'a complete eigendecomposition', `${e.values.length} of ${n} eigenpairs`);
  const Y = asTargets(fn, 'y', y, n);
  const ridge = nonNegativeFinite(fn, 'ridge', opts.ridge ?? 0);
  const lambda = descendingValues(e);
  const { q } = squaredProjections(e, Y);
  if (lambda[n - 1] + ridge <= n * Number.EPSILON * Math.abs(lambda[0])) {
    throw singular(
      fn,
      `${ridge > 0 ? ` plus ridge ${ridge}` : ''} (λ_min + ρ = ${(lambda[n - 1] + ridge).toExponential(3)})`,
    );
  }
  let qf = 0;
  for (let i = 0; i < n; i++) qf += q[i] / (lambda[i] + ridge);
  return { value: Math.sqrt((2 * qf) / n), quadraticForm: qf, ridge, n, method: 'eigh' };
}

/**
 * Labels with a fraction of rows replaced at random (Zhang et al. 2017; Arora et al. 2019 §5), the same meaning as
 * the data specs' `corrupt=` (`corruptLabels` does the draw): exactly round(fraction·n) rows, chosen uniformly, get
 * a class drawn uniformly from all classes (it may equal the old one). The classes of a target matrix: with O > 1
 * columns, the O columns (a row's class is its largest entry; the new row keeps the row's own on/off values, so
 * one-hot, centered and smoothed encodings stay what they were); with one column, its distinct values (±1 → two
 * classes). Returns a new matrix.
 */
export function corruptTargets(y: Targets, fraction: number, rng: Rng): Matrix {
  const fn = 'corruptTargets';
  const Y = (y instanceof Matrix ? y : new Matrix(y.length, 1, y)).clone();
  if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1)
    throw new InvalidArgumentError(fn, 'fraction', 'a number in [0, 1]', fraction);
  const n = Y.rows;
  const O = Y.cols;
  const d = Y.data;
  if (Math.round(fraction * n) === 0) return Y;
  if (O > 1) {
    const cls = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < O; j++) if (d[i * O + j] > d[i * O + best]) best = j;
      cls[i] = best;
    }
    const c = corruptLabels(cls, O, fraction, rng);
    for (const i of c.rows) {
      const row = d.subarray(i * O, i * O + O);
      const on = row[cls[i]];
      const off = Math.min(...row);
      for (let j = 0; j < O; j++) row[j] = j === c.y[i] ? on : off;
    }
    return Y;
  }
  const values = [...new Set(d)].sort((a, b) => a - b);
  if (values.length < 2)
    throw new InvalidArgumentError(
      fn,
      'y',
      'labels with at least 2 distinct values to draw random labels from',
      values,
    );
  const index = new Map(values.map((v, k) => [v, k]));
  const c = corruptLabels(
    Int32Array.from(d, (v) => index.get(v) as number),
    values.length,
    fraction,
    rng,
  );
  for (const i of c.rows) d[i] = values[c.y[i]];
  return Y;
}
