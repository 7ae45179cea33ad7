/**
 * The linearized model f_lin(θ) = f(θ₀) + J₀(θ − θ₀) in function space, through the empirical NTK at
 * initialization Θ₀ = J₀J₀ᵀ (full (n·O)×(n·O), row i·O + o) and the test–train block Θ_{*0}.
 *
 * 1. Closed-form gradient descent on MSE (Lee et al. 2019, eqs. (9)–(10); Arora et al. 2019 for 'sum'), with the
 *    parameter-space regularizers of the trainer. With L = (1/N)·½‖f − y‖², a = η/N, s = 1 − ηλ, ρᵢ = s − aκᵢ
 *    (κᵢ the eigenvalues of Θ₀), r₀ = f₀ − y and c = J₀θ₀, write θ_k = θ₀ + J₀ᵀα_k (to-init or no reg.) or
 *    θ_k = s^kθ₀ + J₀ᵀα_k (to-zero). In Θ₀'s eigenbasis (coordinates β = Vᵀα, r̂ = Vᵀr₀, ĉ = Vᵀc):
 *      none / to-init:  β_k = −a·r̂·(1 − ρ^k)/(1 − ρ)
 *      to-zero:         β_k = −a(r̂ − ĉ)(1 − ρ^k)/(1 − ρ) − a·ĉ·s^{k−1}(1 − (ρ/s)^k)/(1 − ρ/s)
 *    and f_k = f₀ + Θ₀α_k (+ (s^k − 1)c for to-zero), f_{*,k} = f_{*0} + Θ_{*0}α_k (+ (s^k − 1)c_*).
 *    Exact for every k (no inverse of Θ₀): the geometric sums are src/analysis's per-mode gains (`decayAndGain`,
 *    log1p/expm1), a(1 − ρ^k)/(1 − ρ) that of eigenvalue κᵢ + Nλ and a·s^{k−1}(1 − (ρ/s)^k)/(1 − ρ/s) = s^k times
 *    that of κᵢ at rate a/s.
 * 2. The fixed point of the regularized problem min_θ L(f_lin(θ)) + (λ/2)‖θ − θ_c‖² (θ_c = θ₀ or 0). Its minimizer is
 *    θ = θ_c + J₀ᵀα with α = −∇L(f)/λ, so in function space f = b + Θ₀α with b = f₀ (to-init) or f₀ − J₀θ₀
 *    (to-zero): for cross-entropy this is regularized kernel logistic (softmax) regression with kernel Θ₀. Solved by
 *    damped Newton on the convex Φ(α) = L(b + Θ₀α) + (λ/2)αᵀΘ₀α: the direction δ solves (HΘ₀ + λI)δ = −(∇L + λα),
 *    H = ∇²L = BBᵀ block-diagonal (softmax: Bᵢ = (diag(√pᵢ) − pᵢ√pᵢᵀ)/√N; MSE: I/√N), via Woodbury
 *    (λI + BBᵀΘ₀)⁻¹ = λ⁻¹(I − B(λI + BᵀΘ₀B)⁻¹BᵀΘ₀), one Cholesky per iteration; backtracking line search on Φ.
 *    Converged when ‖∇L(f) + λα‖ ≤ tol·max(1, ‖∇L(f)‖).
 */
import { decayAndGain } from '../analysis/predictions.js';
import { InvalidArgumentError, NumericalError } from '../errors.js';
import { cholesky, cholSolve, type Eigh, Matrix, matmul } from '../linalg/index.js';
import { type LossKind, lossAndGrad } from './losses.js';

export type RegCenter = 'init' | 'zero';

export interface MseClosedFormProblem {
  /** Complete eigendecomposition of Θ₀ ((n·O)×(n·O)). */
  readonly ntk: Eigh;
  /** f₀ and y as n·O vectors (row-major n × O). */
  readonly f0: Float64Array;
  readonly y: Float64Array;
  /** Θ_{*0} ((m·O) × (n·O)) and f_{*0} (m·O), or omitted. */
  readonly ntkTestTrain?: Matrix;
  readonly fTest0?: Float64Array;
  readonly eta: number;
  /** Loss divisor N (1 for 'sum', n for 'mean'). */
  readonly N: number;
  readonly reg?: { readonly lambda: number; readonly center: RegCenter };
  /** to-zero only: c = J₀θ₀ on train (n·O) and test (m·O). */
  readonly jTheta0?: Float64Array;
  readonly jTheta0Test?: Float64Array;
}

/** Linearized-model outputs after each of `steps` GD steps on MSE (see the module comment), train and test. */
export function mseClosedForm(
  p: MseClosedFormProblem,
  steps: readonly number[],
): { step: number; train: Float64Array; test: Float64Array | null }[] {
  const fn = 'mseClosedForm';
  const V = p.ntk.vectors;
  const D = V.rows;
  if (p.ntk.values.length !== D)
    throw new InvalidArgumentError(fn, 'ntk', 'a complete eigendecomposition', `${p.ntk.values.length} of ${D}`);
  if (p.f0.length !== D || p.y.length !== D)
    throw new InvalidArgumentError(fn, 'f0, y', `vectors of length ${D}`, `${p.f0.length}, ${p.y.length}`);
  const lambda = p.reg?.lambda ?? 0;
  const center = p.reg?.center ?? 'init';
  const toZero = lambda > 0 && center === 'zero';
  if (toZero && (!p.jTheta0 || p.jTheta0.length !== D))
    throw new InvalidArgumentError(fn, 'jTheta0', `J₀θ₀ of length ${D} for regularization to zero`, p.jTheta0);
  const a = p.eta / p.N;
  const s = 1 - p.eta * lambda;
  const r0 = new Float64Array(D);
  for (let i = 0; i < D; i++) r0[i] = p.f0[i] - p.y[i];
  const proj = (v: Float64Array): Float64Array => matmul(V, new Matrix(D, 1, v), { transA: true }).data;
  const rh = proj(r0);
  const ch = toZero ? proj(p.jTheta0 as Float64Array) : null;
  // a·(1 − ρ^k)/(1 − ρ) with ρ = s − aκ is the gain of eigenvalue κ + Nλ at rate a (aNλ = ηλ); for to-zero,
  // a·s^{k−1}(1 − (ρ/s)^k)/(1 − ρ/s) is s^k times the gain of κ at rate a/s.
  const shift = p.N * lambda;
  return steps.map((k) => {
    const at = { step: k };
    const beta = new Float64Array(D);
    for (let j = 0; j < D; j++) {
      const kappa = p.ntk.values[j];
      const { g } = decayAndGain(kappa + shift, a, at, 0);
      if (ch) {
        const second = s === 0 ? (k === 1 ? a : 0) : s ** k * decayAndGain(kappa, a / s, at, 0).g;
        beta[j] = -g * (rh[j] - ch[j]) - ch[j] * second;
      } else beta[j] = -g * rh[j];
    }
    const alpha = matmul(V, new Matrix(D, 1, beta)).data;
    const kappaBeta = new Float64Array(D);
    for (let j = 0; j < D; j++) kappaBeta[j] = p.ntk.values[j] * beta[j];
    const fu = matmul(V, new Matrix(D, 1, kappaBeta)).data;
    const sk = toZero ? s ** k - 1 : 0;
    const train = new Float64Array(D);
    for (let i = 0; i < D; i++) train[i] = p.f0[i] + fu[i] + (toZero ? sk * (p.jTheta0 as Float64Array)[i] : 0);
    let test: Float64Array | null = null;
    if (p.ntkTestTrain) {
      const T = p.ntkTestTrain;
      const t = matmul(T, new Matrix(D, 1, alpha)).data;
      test = new Float64Array(T.rows);
      for (let i = 0; i < T.rows; i++) {
        test[i] = (p.fTest0 ? p.fTest0[i] : 0) + t[i] + (toZero && p.jTheta0Test ? sk * p.jTheta0Test[i] : 0);
      }
    }
    return { step: k, train, test };
  });
}

export interface FixedPointProblem {
  readonly loss: LossKind;
  /** Θ₀ ((n·O)×(n·O)). */
  readonly ntk: Matrix;
  /** Θ_{*0} ((m·O)×(n·O)), optional. */
  readonly ntkTestTrain?: Matrix;
  /** Offsets b (train, n·O) and b_* (test, m·O): f₀ for to-init, f₀ − J₀θ₀ for to-zero. */
  readonly offset: Float64Array;
  readonly offsetTest?: Float64Array;
  /** Targets, n·O. */
  readonly y: Float64Array;
  readonly n: number;
  readonly O: number;
  readonly N: number;
  readonly lambda: number;
  readonly tol?: number;
  readonly maxIter?: number;
}

export interface FixedPoint {
  /** f = b + Θ₀α on the training set, and on the test set when Θ_{*0} was given. */
  readonly train: Float64Array;
  readonly test: Float64Array | null;
  readonly alpha: Float64Array;
  readonly iterations: number;
  /** ‖∇L(f) + λα‖ at the end. */
  readonly stationarity: number;
  /** The objective L(f) + (λ/2)αᵀΘ₀α (= the parameter-space objective at the minimizer). */
  readonly objective: number;
}

/**
 * B (block-diagonal, n blocks of O×O, row-major) with H = ∇²L = BBᵀ at f: softmax Bᵢ = (diag(√pᵢ) − pᵢ√pᵢᵀ)/√N
 * (P: scratch for the probabilities), MSE I/√N.
 */
function hessianFactor(
  loss: LossKind,
  f: Float64Array,
  n: number,
  O: number,
  N: number,
  P: Float64Array,
): Float64Array {
  const B = new Float64Array(n * O * O);
  const sq = 1 / Math.sqrt(N);
  if (loss === 'mse') {
    for (let i = 0; i < n; i++) for (let c = 0; c < O; c++) B[i * O * O + c * O + c] = sq;
  } else {
    for (let i = 0; i < n; i++) {
      let m = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < O; c++) m = Math.max(m, f[i * O + c]);
      let z = 0;
      for (let c = 0; c < O; c++) z += Math.exp(f[i * O + c] - m);
      for (let c = 0; c < O; c++) P[i * O + c] = Math.exp(f[i * O + c] - m) / z;
      for (let c = 0; c < O; c++) {
        for (let e = 0; e < O; e++) {
          const pc = P[i * O + c];
          B[i * O * O + c * O + e] = sq * ((c === e ? Math.sqrt(pc) : 0) - pc * Math.sqrt(P[i * O + e]));
        }
      }
    }
  }
  return B;
}

/** Bᵀv for the block-diagonal B of hessianFactor. */
function blockTransposeTimes(B: Float64Array, n: number, O: number, v: Float64Array): Float64Array {
  const o = new Float64Array(n * O);
  for (let i = 0; i < n; i++)
    for (let e = 0; e < O; e++) {
      let acc = 0;
      for (let c = 0; c < O; c++) acc += B[i * O * O + c * O + e] * v[i * O + c];
      o[i * O + e] = acc;
    }
  return o;
}

/** Bv for the block-diagonal B of hessianFactor. */
function blockTimes(B: Float64Array, n: number, O: number, v: Float64Array): Float64Array {
  const o = new Float64Array(n * O);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < O; c++) {
      let acc = 0;
      for (let e = 0; e < O; e++) acc += B[i * O * O + c * O + e] * v[i * O + e];
      o[i * O + c] = acc;
    }
  return o;
}

/** The lower Cholesky factor of S = λI + BᵀΘ₀B (symmetrized), D = n·O. */
function woodburyFactor(K: Float64Array, B: Float64Array, n: number, O: number, lam: number): Matrix {
  const D = n * O;
  // KB = Θ₀B (columns), then Bᵀ·(KB).
  const KB = new Float64Array(D * D);
  for (let row = 0; row < D; row++) {
    const kr = K.subarray(row * D, (row + 1) * D);
    KB.set(blockTransposeTimes(B, n, O, kr), row * D); // (Θ₀B)[row, :] = Bᵀ Θ₀[row, :]ᵀ (Θ₀ symmetric)
  }
  const S = new Matrix(D, D);
  for (let col = 0; col < D; col++) {
    const column = new Float64Array(D);
    for (let row = 0; row < D; row++) column[row] = KB[row * D + col];
    const bc = blockTransposeTimes(B, n, O, column);
    for (let row = 0; row < D; row++) S.data[row * D + col] = bc[row];
  }
  for (let i = 0; i < D; i++)
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (S.data[i * D + j] + S.data[j * D + i]);
      S.data[i * D + j] = v;
      S.data[j * D + i] = v;
    }
  for (let i = 0; i < D; i++) S.data[i * D + i] += lam;
  return cholesky(S).L;
}

/**
 * Backtracking on Φ from α along δ (halving the step up to 40 times); on acceptance α and f hold the new point.
 * Returns the new Φ, or null when no step decreased it.
 */
function backtrack(
  alpha: Float64Array,
  f: Float64Array,
  delta: Float64Array,
  phi: number,
  objective: (a: Float64Array, fOut: Float64Array) => number,
): number | null {
  const D = alpha.length;
  let step = 1;
  const trial = new Float64Array(D);
  const fTrial = new Float64Array(D);
  for (let ls = 0; ls < 40; ls++) {
    for (let i = 0; i < D; i++) trial[i] = alpha[i] + step * delta[i];
    const v = objective(trial, fTrial);
    if (v <= phi + 1e-14 * Math.abs(phi)) {
      alpha.set(trial);
      f.set(fTrial);
      return v;
    }
    step *= 0.5;
  }
  return null;
}

/**
 * Regularized kernel regression with Θ₀ in function space (kernel logistic regression for ce / soft-ce, kernel
 * ridge for mse), by damped Newton (module comment, part 2).
 */
export function linearizedFixedPoint(p: FixedPointProblem): FixedPoint {
  const fn = 'linearizedFixedPoint';
  const { n, O, N, loss } = p;
  const D = n * O;
  if (!(p.lambda > 0 && Number.isFinite(p.lambda)))
    throw new InvalidArgumentError(fn, 'lambda', 'a positive finite number (the fixed point needs λ > 0)', p.lambda);
  if (p.ntk.rows !== D || p.ntk.cols !== D) throw new InvalidArgumentError(fn, 'ntk', `${D}×${D}`, p.ntk.rows);
  const K = p.ntk.data;
  const tol = p.tol ?? 1e-12;
  const maxIter = p.maxIter ?? 100;
  const lam = p.lambda;
  const alpha = new Float64Array(D);
  const f = p.offset.slice();
  const g = new Float64Array(D);
  const Ka = new Float64Array(D);
  const matvec = (x: Float64Array, out: Float64Array): void => {
    backendMatvec(K, D, x, out);
  };
  const objective = (a: Float64Array, fOut: Float64Array): number => {
    matvec(a, Ka);
    let q = 0;
    for (let i = 0; i < D; i++) {
      fOut[i] = p.offset[i] + Ka[i];
      q += a[i] * Ka[i];
    }
    return lossAndGrad(loss, fOut, p.y, n, O, N, null) + 0.5 * lam * q;
  };
  let phi = objective(alpha, f);
  let it = 0;
  let stat = Number.POSITIVE_INFINITY;
  const P = new Float64Array(D);
  for (; it <= maxIter; it++) {
    lossAndGrad(loss, f, p.y, n, O, N, g);
    const r = new Float64Array(D);
    let rn = 0;
    let gn = 0;
    for (let i = 0; i < D; i++) {
      r[i] = -(g[i] + lam * alpha[i]);
      rn += r[i] * r[i];
      gn += g[i] * g[i];
    }
    stat = Math.sqrt(rn);
    if (stat <= tol * Math.max(1, Math.sqrt(gn)) || it === maxIter) break;
    // Newton direction δ = λ⁻¹(r − B S⁻¹ BᵀΘ₀r), S = λI + BᵀΘ₀B (Woodbury).
    const B = hessianFactor(loss, f, n, O, N, P);
    const L = woodburyFactor(K, B, n, O, lam);
    const Kr = new Float64Array(D);
    matvec(r, Kr);
    const w = cholSolve(L, blockTransposeTimes(B, n, O, Kr));
    const Bw = blockTimes(B, n, O, w);
    const delta = new Float64Array(D);
    for (let i = 0; i < D; i++) delta[i] = (r[i] - Bw[i]) / lam;
    const next = backtrack(alpha, f, delta, phi, objective);
    if (next === null) break;
    phi = next;
  }
  if (!Number.isFinite(stat))
    throw new NumericalError('no_convergence', `${fn}: Newton iteration produced non-finite values`);
  let test: Float64Array | null = null;
  if (p.ntkTestTrain) {
    const T = p.ntkTestTrain;
    test = new Float64Array(T.rows);
    backendMatvecRect(T.data, T.rows, D, alpha, test);
    if (p.offsetTest) for (let i = 0; i < T.rows; i++) test[i] += p.offsetTest[i];
  }
  return { train: f, test, alpha, iterations: it, stationarity: stat, objective: phi };
}

function backendMatvec(K: Float64Array, D: number, x: Float64Array, out: Float64Array): void {
  backendMatvecRect(K, D, D, x, out);
}

function backendMatvecRect(A: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
  const r = matmul(new Matrix(rows, cols, A), new Matrix(cols, 1, x)).data;
  out.set(r);
}
