/**
 * Predictions of the linearized network (kernel regime), following neural-tangents' `predict.gradient_descent_mse`
 * and `predict.gp_inference` (Lee et al. 2019, "Wide Neural Networks of Any Depth Evolve as Linear Models Under
 * Gradient Descent", eqs. (9)–(10) and (13)–(16)).
 *
 * With Θ the train–train NTK (n×n), Θ_* the test–train NTK (m×n), loss ‖f − y‖²/(2N) and a = η/N:
 *   train:  f(t) = y + e^{−aΘt}(f₀ − y)                         discrete: y + (I − aΘ)^k (f₀ − y)
 *   test:   f_*(t) = f_*0 + Θ_*Θ⁻¹(I − e^{−aΘt})(y − f₀)         discrete: (I − aΘ)^k in place of e^{−aΘt}
 * computed in Θ's eigenbasis with gᵢ = (1 − dᵢ)/λᵢ (limit a·t or a·k as λᵢ → 0), so they are exact for any k, t
 * and need no inverse. At t = ∞, gᵢ = 1/λᵢ for λᵢ above the floor and 0 otherwise (pseudo-inverse). neural-tangents
 * clips negative eigenvalues to 0; here eigenvalues are used as given (so finite-t results equal the simulated
 * recursion exactly even for indefinite Θ).
 */
import { InvalidArgumentError } from '../errors.js';
import { type Eigh, Matrix, matmul, triSolve } from '../linalg/index.js';
import { assertFinite } from '../linalg/validate.js';
import {
  asTargets,
  checkEigh,
  checkNormalization,
  choleskyOrSingular,
  defaultFloor,
  type LossNormalization,
  lossDivisor,
  nonNegativeFinite,
  positiveFinite,
  type Targets,
} from './common.js';

/** A point of the training trajectory: after `step` GD steps, or at gradient-flow time `time` (may be Infinity). */
export type TrainingTime = { readonly step: number } | { readonly time: number };

export interface LinearizedProblem {
  /** Eigendecomposition of the train–train NTK Θ (complete). */
  readonly ntk: Eigh;
  readonly yTrain: Targets;
  /** Test–train NTK Θ_* (m×n); omit for train predictions only. */
  readonly ntkTestTrain?: Matrix;
  /** Outputs at initialization (default 0). */
  readonly fTrain0?: Targets;
  readonly fTest0?: Matrix;
  readonly eta: number;
  /** Default `'sum'`; neural-tangents' loss is `'mean'` with η = η_nt/O (it divides by y.size = n·O). */
  readonly normalization?: LossNormalization;
  /** Eigenvalues ≤ floor are dropped at t = ∞ (default 100·n·ε·λ_max). */
  readonly floor?: number;
}

export interface LinearizedPrediction {
  readonly at: TrainingTime;
  /** n×O. */
  readonly train: Matrix;
  /** m×O, or null without Θ_*. */
  readonly test: Matrix | null;
}

/**
 * One eigen-mode of linearized GD on the squared loss, for eigenvalue λ and rate a = η/N: after k steps the decay
 * d = (1 − aλ)^k and the gain g = (1 − d)/λ = a·Σ_{j<k}(1 − aλ)^j (a·k at λ = 0), by log1p/expm1 when |aλ| < 1; at
 * flow time t, d = e^{−aλt} and g = (1 − d)/λ; at t = ∞, d = 0, g = 1/λ above `floor` and d = 1, g = 0 at or below.
 * Used here and by train/linearized.ts's closed form (convergence.ts's norm curves multiply (1 − aλ)² step by step).
 */
export function decayAndGain(lambda: number, a: number, at: TrainingTime, floor: number): { d: number; g: number } {
  if ('step' in at) {
    const k = at.step;
    const x = a * lambda;
    if (lambda === 0) return { d: 1, g: a * k };
    if (x < 1 && x > -1) {
      const l = k * Math.log1p(-x);
      return { d: Math.exp(l), g: -Math.expm1(l) / lambda };
    }
    const d = (1 - x) ** k;
    return { d, g: (1 - d) / lambda };
  }
  const t = at.time;
  if (t === Number.POSITIVE_INFINITY) return lambda > floor ? { d: 0, g: 1 / lambda } : { d: 1, g: 0 };
  if (lambda === 0) return { d: 1, g: a * t };
  const l = -a * lambda * t;
  return { d: Math.exp(l), g: -Math.expm1(l) / lambda };
}

function checkTime(fn: string, at: TrainingTime, i: number): void {
  if ('step' in at) {
    if (!Number.isInteger(at.step) || at.step < 0)
      throw new InvalidArgumentError(fn, `at[${i}].step`, 'a non-negative integer', at.step);
  } else if (!(at.time >= 0)) {
    throw new InvalidArgumentError(fn, `at[${i}].time`, 'a non-negative number or Infinity', at.time);
  }
}

/** Train (and test) outputs of the linearized model at each requested step/time. */
export function linearizedPredictions(
  p: LinearizedProblem,
  at: readonly TrainingTime[],
): readonly LinearizedPrediction[] {
  const fn = 'linearizedPredictions';
  checkEigh(fn, p.ntk);
  const V = p.ntk.vectors;
  const n = V.rows;
  if (p.ntk.values.length !== n)
    throw new InvalidArgumentError(fn, 'ntk', 'a complete eigendecomposition', `${p.ntk.values.length} of ${n}`);
  const Y = asTargets(fn, 'yTrain', p.yTrain, n);
  const O = Y.cols;
  const F0 = p.fTrain0 === undefined ? new Matrix(n, O) : asTargets(fn, 'fTrain0', p.fTrain0, n);
  if (F0.cols !== O) throw new InvalidArgumentError(fn, 'fTrain0', `${O} output column(s) like yTrain`, `${F0.cols}`);
  const eta = positiveFinite(fn, 'eta', p.eta);
  const N = lossDivisor(checkNormalization(fn, p.normalization ?? 'sum'), n);
  const a = eta / N;
  const lam = p.ntk.values;
  const floor = p.floor === undefined ? defaultFloor(n, lam[n - 1]) : nonNegativeFinite(fn, 'floor', p.floor);
  const T = p.ntkTestTrain;
  let m = 0;
  if (T) {
    if (T.cols !== n)
      throw new InvalidArgumentError(
        fn,
        'ntkTestTrain',
        `an m×${n} matrix (columns = training points)`,
        `${T.rows}×${T.cols}`,
      );
    assertFinite(fn, 'ntkTestTrain', T.data, T.cols);
    m = T.rows;
    if (p.fTest0 && (p.fTest0.rows !== m || p.fTest0.cols !== O)) {
      throw new InvalidArgumentError(fn, 'fTest0', `an ${m}×${O} matrix`, `${p.fTest0.rows}×${p.fTest0.cols}`);
    }
  }
  // Z = Vᵀ(f₀ − y), the residual in the eigenbasis.
  const R0 = new Matrix(n, O);
  for (let i = 0; i < R0.data.length; i++) R0.data[i] = F0.data[i] - Y.data[i];
  const Z = matmul(V, R0, { transA: true });
  at.forEach((t, i) => checkTime(fn, t, i));
  return at.map((t) => {
    const D = new Matrix(n, O);
    const G = new Matrix(n, O);
    for (let j = 0; j < n; j++) {
      const { d, g } = decayAndGain(lam[j], a, t, floor);
      for (let c = 0; c < O; c++) {
        D.data[j * O + c] = d * Z.data[j * O + c];
        G.data[j * O + c] = -g * Z.data[j * O + c];
      }
    }
    const train = matmul(V, D);
    for (let i = 0; i < train.data.length; i++) train.data[i] += Y.data[i];
    let test: Matrix | null = null;
    if (T) {
      test = matmul(T, matmul(V, G));
      if (p.fTest0) for (let i = 0; i < test.data.length; i++) test.data[i] += p.fTest0.data[i];
    }
    return { at: t, train, test };
  });
}

/** Fraction of rows whose argmax (O > 1) or sign (O = 1) agrees between predictions and targets. */
export function classificationAccuracy(pred: Matrix, target: Targets): number {
  const fn = 'classificationAccuracy';
  const Y = asTargets(fn, 'target', target, pred.rows);
  if (Y.cols !== pred.cols)
    throw new InvalidArgumentError(fn, 'target', `${pred.cols} column(s) like pred`, `${Y.cols}`);
  const O = pred.cols;
  let ok = 0;
  for (let i = 0; i < pred.rows; i++) {
    if (O === 1) {
      if (Math.sign(pred.data[i]) === Math.sign(Y.data[i])) ok++;
    } else {
      let ap = 0;
      let ay = 0;
      for (let c = 1; c < O; c++) {
        if (pred.data[i * O + c] > pred.data[i * O + ap]) ap = c;
        if (Y.data[i * O + c] > Y.data[i * O + ay]) ay = c;
      }
      if (ap === ay) ok++;
    }
  }
  return pred.rows === 0 ? Number.NaN : ok / pred.rows;
}

export interface GpPosterior {
  /** m×O posterior mean. */
  readonly mean: Matrix;
  /** m×m posterior covariance (shared by all outputs), or null when kTestTest was not given. */
  readonly covariance: Matrix | null;
}

/** The NNGP posterior and the solve behind its mean: α = (K + ρI)⁻¹y (n×O), mean = K_*α. */
export interface NngpPosterior extends GpPosterior {
  readonly alpha: Matrix;
}

/**
 * NNGP posterior (exact Bayesian inference with the NNGP kernel K): mean K_*(K + ρI)⁻¹y, covariance
 * K_** − K_*(K + ρI)⁻¹K_*ᵀ. By Cholesky; NumericalError (suggesting a ridge) if K + ρI is not positive definite.
 */
export function nngpPosterior(q: {
  readonly kTrainTrain: Matrix;
  readonly kTestTrain: Matrix;
  readonly kTestTest?: Matrix;
  readonly yTrain: Targets;
  readonly ridge?: number;
}): NngpPosterior {
  const fn = 'nngpPosterior';
  const n = q.kTrainTrain.rows;
  const Y = asTargets(fn, 'yTrain', q.yTrain, n);
  if (q.kTestTrain.cols !== n)
    throw new InvalidArgumentError(fn, 'kTestTrain', `m×${n}`, `${q.kTestTrain.rows}×${q.kTestTrain.cols}`);
  const L = choleskyOrSingular(fn, q.kTrainTrain, nonNegativeFinite(fn, 'ridge', q.ridge ?? 0));
  const alpha = triSolve(L, triSolve(L, Y), { trans: true });
  const mean = matmul(q.kTestTrain, alpha);
  let covariance: Matrix | null = null;
  if (q.kTestTest) {
    const W = triSolve(L, q.kTestTrain.transpose()); // n×m, WᵀW = K_*K⁻¹K_*ᵀ
    const S = matmul(W, W, { transA: true });
    covariance = q.kTestTest.clone();
    for (let i = 0; i < S.data.length; i++) covariance.data[i] -= S.data[i];
  }
  return { mean, covariance, alpha };
}

/**
 * NTK-GP: the distribution of the linearized network trained with GD on MSE from a random Gaussian initialization
 * (f₀ ~ GP(0, K)), at flow time t (default ∞) — Lee et al. 2019, eqs. (15)–(16):
 *   mean μ(t) = Θ_*Θ⁻¹(I − e^{−aΘt})y
 *   cov  Σ(t) = K_** + M K Mᵀ − (M K_*ᵀ + K_* Mᵀ),  M = Θ_*Θ⁻¹(I − e^{−aΘt})
 * which at t = ∞ is K_** + Θ_*Θ⁻¹KΘ⁻¹Θ_*ᵀ − (Θ_*Θ⁻¹K_*ᵀ + h.c.). Computed in Θ's eigenbasis (no inverse).
 */
export function ntkGpPosterior(q: {
  readonly ntk: Eigh;
  readonly ntkTestTrain: Matrix;
  readonly nngpTrainTrain: Matrix;
  readonly nngpTestTrain: Matrix;
  readonly nngpTestTest?: Matrix;
  readonly yTrain: Targets;
  readonly time?: number;
  readonly eta?: number;
  readonly normalization?: LossNormalization;
  readonly floor?: number;
}): GpPosterior {
  const fn = 'ntkGpPosterior';
  checkEigh(fn, q.ntk);
  const V = q.ntk.vectors;
  const n = V.rows;
  if (q.ntk.values.length !== n)
    throw new InvalidArgumentError(fn, 'ntk', 'a complete eigendecomposition', `${q.ntk.values.length} of ${n}`);
  const Y = asTargets(fn, 'yTrain', q.yTrain, n);
  const T = q.ntkTestTrain;
  if (T.cols !== n) throw new InvalidArgumentError(fn, 'ntkTestTrain', `m×${n}`, `${T.rows}×${T.cols}`);
  const m = T.rows;
  if (q.nngpTrainTrain.rows !== n || q.nngpTrainTrain.cols !== n)
    throw new InvalidArgumentError(
      fn,
      'nngpTrainTrain',
      `${n}×${n}`,
      `${q.nngpTrainTrain.rows}×${q.nngpTrainTrain.cols}`,
    );
  if (q.nngpTestTrain.rows !== m || q.nngpTestTrain.cols !== n)
    throw new InvalidArgumentError(fn, 'nngpTestTrain', `${m}×${n}`, `${q.nngpTestTrain.rows}×${q.nngpTestTrain.cols}`);
  const time = q.time ?? Number.POSITIVE_INFINITY;
  const eta = positiveFinite(fn, 'eta', q.eta ?? 1);
  const a = eta / lossDivisor(checkNormalization(fn, q.normalization ?? 'sum'), n);
  const lam = q.ntk.values;
  const floor = q.floor === undefined ? defaultFloor(n, lam[n - 1]) : nonNegativeFinite(fn, 'floor', q.floor);
  // M = Θ_* V diag(g) Vᵀ
  const TV = matmul(T, V); // m×n
  for (let j = 0; j < n; j++) {
    const { g } = decayAndGain(lam[j], a, { time }, floor);
    for (let i = 0; i < m; i++) TV.data[i * n + j] *= g;
  }
  const M = matmul(TV, V, { transB: true }); // m×n
  const mean = matmul(M, Y);
  let covariance: Matrix | null = null;
  if (q.nngpTestTest) {
    const MK = matmul(M, q.nngpTrainTrain); // m×n
    const MKM = matmul(MK, M, { transB: true });
    const MKs = matmul(M, q.nngpTestTrain, { transB: true }); // m×m
    covariance = q.nngpTestTest.clone();
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++)
        covariance.data[i * m + j] += MKM.data[i * m + j] - MKs.data[i * m + j] - MKs.data[j * m + i];
    }
  }
  return { mean, covariance };
}
