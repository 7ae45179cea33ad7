/**
 * Infinite-width predictions on test data with kernels that fit in memory (the dense path of `ntk predict`):
 * the NNGP posterior, the NTK-GP (the distribution of infinitely wide networks trained by gradient flow on the
 * squared loss from a random initialization) at given training times, leave-one-out ridge selection, and test
 * metrics. neural-tangents' `predict.gradient_descent_mse_ensemble` semantics (Lee et al. 2019, eqs. (13)–(16)):
 *
 *   NNGP:    mean K_*(K + ρI)⁻¹Y,   cov K_** − K_*(K + ρI)⁻¹K_*ᵀ                 (by Cholesky: nngpPosterior)
 *   NTK-GP:  mean Θ_*(Θ + ρI)⁻¹(I − e^{−a(Θ+ρI)t})Y,  cov as ntkGpPosterior      (in the eigenbasis of Θ + ρI)
 *
 * with a = η/N, loss ‖f − Y‖²_F/(2N): N = 1 for normalization `'sum'` (½‖f − y‖², the default), N = n for `'mean'`.
 * neural-tangents divides by y.size = n·O: its (learning_rate = η_nt, t) equals `'mean'` with η = η_nt/O at the same
 * t. As in neural-tangents the ridge ρ is added to the train–train kernel that is inverted (K for the NNGP, Θ for the
 * NTK-GP; its NNGP term K in the covariance is not regularized) and is absolute (diag_reg_absolute_scale=True).
 *
 * The out-of-core solver for n beyond memory is a separate module (`--solver ooc`); this one holds every train–train
 * kernel in memory (float64, n² entries each, plus a factor or eigenvector copy).
 */
import { InvalidArgumentError } from '../errors.js';
import { type Eigh, eigh, Matrix, matmul } from '../linalg/index.js';
import { firstNonFinite } from '../linalg/validate.js';
import { checkNormalization, defaultFloor, type LossNormalization, singularKernelError } from '../analysis/common.js';
import { decayAndGain, linearizedPredictions, nngpPosterior, ntkGpPosterior } from '../analysis/predictions.js';
import { relativeResidual, solveResidual } from './residual.js';

/** The kernels of one problem: n training points, m test points. */
export interface PredictKernels {
  /** NNGP: train–train K (n×n), test–train K_* (m×n), test–test K_** (m×m, only for covariances). */
  readonly nngp?: { readonly train: Matrix; readonly testTrain: Matrix; readonly testTest?: Matrix };
  /** NTK: train–train Θ (n×n), test–train Θ_* (m×n). */
  readonly ntk?: { readonly train: Matrix; readonly testTrain: Matrix };
}

export type PredictGet = 'nngp' | 'ntk' | 'both';

export interface PredictOptions {
  readonly get: PredictGet;
  /** NTK-GP gradient-flow times (≥ 0; Infinity allowed); default [Infinity]. The NNGP posterior has no time. */
  readonly times?: readonly number[];
  /** Absolute ridge ρ ≥ 0 for both kernels, or `'auto'` (leave-one-out over `ridgeGrid`, per kernel). Default 0. */
  readonly ridge?: number | 'auto';
  /** Relative grid for `'auto'`: ρ = s·mean(diag K) for each s (default RIDGE_GRID); s = 0 is tried when K is PD. */
  readonly ridgeGrid?: readonly number[];
  /** Learning rate η (default 1) and loss normalization (default 'sum'): a = η/N multiplies t. */
  readonly eta?: number;
  readonly normalization?: LossNormalization;
  /** Posterior covariances (needs kernels.nngp.testTest; the NTK-GP's also needs the NNGP train and test–train). */
  readonly covariance?: boolean;
  /** Called at the start of each phase (for progress lines). */
  readonly onPhase?: (phase: string) => void;
}

/** Default relative ridge grid of `'auto'`: 0, then 10^−8 … 10^0 in half decades (×mean diag). */
export const RIDGE_GRID: readonly number[] = [0, ...Array.from({ length: 17 }, (_, i) => 10 ** (-8 + i / 2))];

export interface LooPoint {
  /** Absolute ridge ρ. */
  readonly ridge: number;
  /** (1/(n·O))·Σᵢ‖yᵢ − f₋ᵢ(xᵢ)‖²: the leave-one-out mean squared error; null where K + ρI is numerically singular. */
  readonly looMse: number | null;
  /** Leave-one-out accuracy (classification targets only), else null. */
  readonly looAccuracy: number | null;
}

export interface LooCurve {
  readonly points: readonly LooPoint[];
  /** The ridge of the smallest leave-one-out MSE. */
  readonly best: number;
}

export interface TimedPrediction {
  readonly time: number;
  /** m×O. */
  readonly mean: Matrix;
  /** m×m, or null. */
  readonly covariance: Matrix | null;
}

export interface PredictResult {
  /** `residual`: the solve's relative residual ‖(K + ρI)α − Y‖_F/‖Y‖_F (src/predict/residual.ts, as the ooc path). */
  readonly nngp?: {
    readonly ridge: number;
    readonly loo: LooCurve | null;
    readonly residual: number;
    readonly prediction: TimedPrediction;
  };
  /** `residual`: the same for Θ at t = ∞ (α over the modes above the floor, as the predictions); null without t = ∞. */
  readonly ntk?: {
    readonly ridge: number;
    readonly loo: LooCurve | null;
    readonly residual: number | null;
    readonly predictions: TimedPrediction[];
  };
  /** Wall seconds per phase (factorizations, leave-one-out, solves). */
  readonly seconds: Record<string, number>;
}

const FN = 'predictDense';

function checkKernel(name: string, K: Matrix, rows: number, cols: number): void {
  if (!(K instanceof Matrix)) throw new InvalidArgumentError(FN, name, 'a Matrix', K);
  if (K.rows !== rows || K.cols !== cols)
    throw new InvalidArgumentError(FN, name, `a ${rows}×${cols} matrix`, `${K.rows}×${K.cols}`);
  const bad = firstNonFinite(K.data);
  if (bad >= 0) {
    const r = Math.floor(bad / cols);
    throw new InvalidArgumentError(
      FN,
      name,
      'finite entries (no NaN or ±Infinity)',
      `${name}[${r}][${bad - r * cols}] = ${K.data[bad]}`,
    );
  }
}

/** Checks every input before any work; returns n, m. */
function checkProblem(k: PredictKernels, Y: Matrix, o: PredictOptions): { n: number; m: number } {
  if (o.get !== 'nngp' && o.get !== 'ntk' && o.get !== 'both')
    throw new InvalidArgumentError(FN, 'get', "'nngp', 'ntk' or 'both'", o.get);
  const n = Y.rows;
  const wantNngp = o.get !== 'ntk';
  const wantNtk = o.get !== 'nngp';
  const cov = o.covariance === true;
  if ((wantNngp || (wantNtk && cov)) && !k.nngp)
    throw new InvalidArgumentError(
      FN,
      'kernels.nngp',
      `present (get = ${o.get}${cov ? ', covariance' : ''})`,
      'missing',
    );
  if (wantNtk && !k.ntk) throw new InvalidArgumentError(FN, 'kernels.ntk', `present (get = ${o.get})`, 'missing');
  const m = (k.nngp ?? k.ntk)?.testTrain.rows ?? 0;
  if (k.nngp) {
    checkKernel('nngp.train', k.nngp.train, n, n);
    checkKernel('nngp.testTrain', k.nngp.testTrain, m, n);
    if (cov) {
      if (!k.nngp.testTest)
        throw new InvalidArgumentError(FN, 'kernels.nngp.testTest', 'present for covariances', 'missing');
      checkKernel('nngp.testTest', k.nngp.testTest, m, m);
    }
  }
  if (k.ntk) {
    checkKernel('ntk.train', k.ntk.train, n, n);
    checkKernel('ntk.testTrain', k.ntk.testTrain, m, n);
  }
  const bad = firstNonFinite(Y.data);
  if (bad >= 0) throw new InvalidArgumentError(FN, 'yTrain', 'finite targets', `entry ${bad} = ${Y.data[bad]}`);
  (o.times ?? []).forEach((t, i) => {
    if (!(t >= 0)) throw new InvalidArgumentError(FN, `times[${i}]`, 'a non-negative number or Infinity', t);
  });
  if (o.times !== undefined && o.times.length === 0)
    throw new InvalidArgumentError(FN, 'times', 'at least one time', '[]');
  if (o.ridge !== undefined && o.ridge !== 'auto' && !(Number.isFinite(o.ridge) && o.ridge >= 0))
    throw new InvalidArgumentError(FN, 'ridge', "a non-negative finite number or 'auto'", o.ridge);
  for (const s of o.ridgeGrid ?? [])
    if (!(Number.isFinite(s) && s >= 0)) throw new InvalidArgumentError(FN, 'ridgeGrid', 'non-negative numbers', s);
  if (o.eta !== undefined && !(Number.isFinite(o.eta) && o.eta > 0))
    throw new InvalidArgumentError(FN, 'eta', 'a positive finite number', o.eta);
  checkNormalization(FN, o.normalization ?? 'sum');
  return { n, m };
}

/** Class index per row: argmax over columns (O > 1, one-hot/centered/soft targets) or class 1 when > 0 (O = 1, ±1). */
export function predictedClasses(pred: Matrix): Int32Array {
  const O = pred.cols;
  const out = new Int32Array(pred.rows);
  for (let i = 0; i < pred.rows; i++) {
    if (O === 1) {
      out[i] = pred.data[i] > 0 ? 1 : 0;
      continue;
    }
    let a = 0;
    for (let c = 1; c < O; c++) if (pred.data[i * O + c] > pred.data[i * O + a]) a = c;
    out[i] = a;
  }
  return out;
}

/** Whether two eigenvalues' ratio says K + ρI is numerically singular (the criterion choleskyOrSingular applies). */
function singular(lamMin: number, lamMax: number, n: number): boolean {
  return !(lamMin > 0) || lamMin / lamMax < n * Number.EPSILON;
}

/**
 * Leave-one-out curve of kernel ridge regression f = K(K + ρI)⁻¹Y over a ridge grid, from one eigendecomposition
 * K = V diag(λ) Vᵀ: with H = (K + ρI)⁻¹ and α = HY, the leave-one-out residual of point i is αᵢ/Hᵢᵢ (the closed form
 * for ridge regression; Rifkin & Lippert 2007), so each grid point costs O(n²·O) — all of them by two GEMMs,
 * V·[diag(w_g)VᵀY]_g and (V∘V)·[w_g]_g with w_g = 1/(λ + ρ_g), instead of one Cholesky per grid point (n³/3 each).
 * `classes` (the true class per row) adds the leave-one-out accuracy. Grid points where K + ρI is numerically
 * singular (λ_min/λ_max < n·ε) get null.
 */
export function leaveOneOutCurve(e: Eigh, Y: Matrix, ridges: readonly number[], classes?: Int32Array): LooCurve {
  const fn = 'leaveOneOutCurve';
  const V = e.vectors;
  const n = V.rows;
  if (e.values.length !== n || V.cols !== n)
    throw new InvalidArgumentError(fn, 'e', 'a complete eigendecomposition', `${e.values.length} of ${n}`);
  if (Y.rows !== n) throw new InvalidArgumentError(fn, 'Y', `${n} rows`, `${Y.rows}`);
  if (ridges.length === 0) throw new InvalidArgumentError(fn, 'ridges', 'at least one ridge', '[]');
  const O = Y.cols;
  const lam = e.values;
  const ok = ridges.map((r) => !singular(lam[0] + r, lam[n - 1] + r, n));
  const G = ridges.length;
  const C = matmul(V, Y, { transA: true }); // n×O
  const D = new Matrix(n, G * O);
  const W = new Matrix(n, G);
  for (let j = 0; j < n; j++)
    for (let g = 0; g < G; g++) {
      const w = ok[g] ? 1 / (lam[j] + ridges[g]) : 0;
      W.data[j * G + g] = w;
      for (let c = 0; c < O; c++) D.data[j * G * O + g * O + c] = w * C.data[j * O + c];
    }
  const A = matmul(V, D); // α for every ridge: n×(G·O)
  const V2 = new Matrix(n, n);
  for (let i = 0; i < V2.data.length; i++) V2.data[i] = V.data[i] * V.data[i];
  const H = matmul(V2, W); // Hᵢᵢ for every ridge: n×G
  const points: LooPoint[] = ridges.map((ridge, g) => {
    if (!ok[g]) return { ridge, looMse: null, looAccuracy: null };
    let sse = 0;
    const pred = new Matrix(n, O);
    for (let i = 0; i < n; i++) {
      const h = H.data[i * G + g];
      for (let c = 0; c < O; c++) {
        const r = A.data[i * G * O + g * O + c] / h;
        sse += r * r;
        pred.data[i * O + c] = Y.data[i * O + c] - r;
      }
    }
    let looAccuracy: number | null = null;
    if (classes) {
      const p = predictedClasses(pred);
      let hit = 0;
      for (let i = 0; i < n; i++) if (p[i] === classes[i]) hit++;
      looAccuracy = hit / n;
    }
    return { ridge, looMse: sse / (n * O), looAccuracy };
  });
  let best = -1;
  points.forEach((p, g) => {
    if (p.looMse !== null && (best < 0 || p.looMse < (points[best].looMse as number))) best = g;
  });
  if (best < 0)
    throw singularKernelError(fn, 0, 'K + ρI is numerically singular at every ridge of the grid; use a larger one');
  return { points, best: points[best].ridge };
}

function meanDiag(K: Matrix): number {
  let s = 0;
  for (let i = 0; i < K.rows; i++) s += K.data[i * K.cols + i];
  return s / K.rows;
}

/**
 * NNGP posterior and NTK-GP predictions on the test points, checked before any work (shapes, finite kernels and
 * targets, times ≥ 0, ridge). A numerically singular train–train kernel without a ridge is a NumericalError
 * (`singular_kernel`) suggesting one: for the NNGP from its Cholesky (nngpPosterior), for the NTK-GP at t = ∞ from
 * Θ's eigenvalues (λ_min/λ_max < n·ε); finite times need no inverse and are computed for any PSD Θ.
 */
export function predictDense(
  k: PredictKernels,
  yTrain: Matrix,
  o: PredictOptions,
  classes?: Int32Array,
): PredictResult {
  const { n } = checkProblem(k, yTrain, o);
  const seconds: Record<string, number> = {};
  const phase = <T>(name: string, f: () => T): T => {
    o.onPhase?.(name);
    const t0 = performance.now();
    const r = f();
    seconds[name] = (seconds[name] ?? 0) + (performance.now() - t0) / 1000;
    return r;
  };
  const grid = o.ridgeGrid ?? RIDGE_GRID;
  const cov = o.covariance === true;
  let nngp: PredictResult['nngp'];
  if (o.get !== 'ntk') {
    const K = k.nngp as NonNullable<PredictKernels['nngp']>;
    let loo: LooCurve | null = null;
    let ridge = o.ridge === 'auto' ? 0 : (o.ridge ?? 0);
    if (o.ridge === 'auto') {
      const e = phase('nngp eigendecomposition', () => eigh(K.train));
      const md = meanDiag(K.train);
      loo = phase('nngp leave-one-out', () =>
        leaveOneOutCurve(
          e,
          yTrain,
          grid.map((s) => s * md),
          classes,
        ),
      );
      ridge = loo.best;
    }
    const { post, residual } = phase('nngp solve', () => {
      const { alpha, ...post } = nngpPosterior({
        kTrainTrain: K.train,
        kTestTrain: K.testTrain,
        ...(cov && K.testTest ? { kTestTest: K.testTest } : {}),
        yTrain,
        ridge,
      });
      return { post, residual: relativeResidual(solveResidual(K.train, ridge, alpha, yTrain), yTrain.data) };
    });
    nngp = { ridge, loo, residual, prediction: { time: Number.POSITIVE_INFINITY, ...post } };
  }
  let ntk: PredictResult['ntk'];
  if (o.get !== 'nngp') {
    const T = k.ntk as NonNullable<PredictKernels['ntk']>;
    const times = o.times ?? [Number.POSITIVE_INFINITY];
    const e0 = phase('ntk eigendecomposition', () => eigh(T.train));
    let loo: LooCurve | null = null;
    let ridge = o.ridge === 'auto' ? 0 : (o.ridge ?? 0);
    if (o.ridge === 'auto') {
      const md = meanDiag(T.train);
      loo = phase('ntk leave-one-out', () =>
        leaveOneOutCurve(
          e0,
          yTrain,
          grid.map((s) => s * md),
          classes,
        ),
      );
      ridge = loo.best;
    }
    const values = ridge === 0 ? e0.values : e0.values.map((l) => l + ridge);
    const e: Eigh = { values, vectors: e0.vectors };
    if (times.includes(Number.POSITIVE_INFINITY) && singular(values[0], values[n - 1], n))
      throw singularKernelError(
        FN,
        ridge,
        `Θ's λ_min/λ_max = ${(values[0] / values[n - 1]).toExponential(2)} < n·ε, needed at t = ∞`,
        'the NTK',
      );
    const eta = o.eta ?? 1;
    const normalization = o.normalization ?? 'sum';
    const floor = defaultFloor(n, values[n - 1]);
    const solve = (): TimedPrediction[] => {
      if (!cov) {
        const lin = linearizedPredictions(
          { ntk: e, yTrain, ntkTestTrain: T.testTrain, eta, normalization, floor },
          times.map((time) => ({ time })),
        );
        return lin.map((p, i) => ({ time: times[i], mean: p.test as Matrix, covariance: null }));
      }
      const K = k.nngp as NonNullable<PredictKernels['nngp']>;
      return times.map((time) => {
        const p = ntkGpPosterior({
          ntk: e,
          ntkTestTrain: T.testTrain,
          nngpTrainTrain: K.train,
          nngpTestTrain: K.testTrain,
          nngpTestTest: K.testTest as Matrix,
          yTrain,
          time,
          eta,
          normalization,
          floor,
        });
        return { time, mean: p.mean, covariance: p.covariance };
      });
    };
    // the solve at t = ∞ (kernel regression with Θ): α = Σ_j v_j v_jᵀY/(λ_j + ρ) over the modes above the floor, as
    // the predictions use it (decayAndGain); no linear system is solved at finite times
    const solveResidualInf = (): number => {
      const V = e.vectors;
      const C = matmul(V, yTrain, { transA: true });
      const O = yTrain.cols;
      for (let j = 0; j < n; j++) {
        const g = decayAndGain(values[j], 1, { time: Number.POSITIVE_INFINITY }, floor).g;
        for (let c = 0; c < O; c++) C.data[j * O + c] *= g;
      }
      return relativeResidual(solveResidual(T.train, ridge, matmul(V, C), yTrain), yTrain.data);
    };
    const { predictions, residual } = phase('ntk solve', () => ({
      predictions: solve(),
      residual: times.includes(Number.POSITIVE_INFINITY) ? solveResidualInf() : null,
    }));
    ntk = { ridge, loo, residual, predictions };
  }
  return { ...(nngp ? { nngp } : {}), ...(ntk ? { ntk } : {}), seconds };
}

export interface PredictionMetrics {
  /** (1/(m·O))·Σ (f − y)²: the mean over test points and outputs. */
  readonly mse: number;
  /** Classification only: fraction of test points whose argmax (sign for one output) is the true class. */
  readonly accuracy: number | null;
  /** Classification only: per class, its test points and the fraction of them predicted as that class. */
  readonly perClass: readonly { readonly class: string; readonly n: number; readonly accuracy: number | null }[] | null;
}

/** Test metrics of predictions against targets; `classes` (true class per row, class names) for classification. */
export function predictionMetrics(
  pred: Matrix,
  target: Matrix,
  classes?: { readonly y: Int32Array; readonly names: readonly string[] },
): PredictionMetrics {
  const fn = 'predictionMetrics';
  if (pred.rows !== target.rows || pred.cols !== target.cols)
    throw new InvalidArgumentError(
      fn,
      'target',
      `${pred.rows}×${pred.cols} like pred`,
      `${target.rows}×${target.cols}`,
    );
  let sse = 0;
  for (let i = 0; i < pred.data.length; i++) sse += (pred.data[i] - target.data[i]) ** 2;
  const mse = sse / pred.data.length;
  if (!classes) return { mse, accuracy: null, perClass: null };
  if (classes.y.length !== pred.rows)
    throw new InvalidArgumentError(fn, 'classes.y', `${pred.rows} labels`, `${classes.y.length}`);
  const p = predictedClasses(pred);
  const count = new Array<number>(classes.names.length).fill(0);
  const hit = new Array<number>(classes.names.length).fill(0);
  for (let i = 0; i < p.length; i++) {
    count[classes.y[i]]++;
    if (p[i] === classes.y[i]) hit[classes.y[i]]++;
  }
  return {
    mse,
    accuracy: hit.reduce((a, b) => a + b, 0) / p.length,
    perClass: classes.names.map((name, c) => ({
      class: name,
      n: count[c],
      accuracy: count[c] ? hit[c] / count[c] : null,
    })),
  };
}
