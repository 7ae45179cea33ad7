/**
 * Convergence of gradient descent on the squared loss in the linearized (kernel) regime.
 *
 * With loss ‖f − y‖²/(2N) (N = 1 for `'sum'`, N = n for `'mean'`) and step η, the linearized discrete dynamics are
 * r_{k+1} = (I − aK) r_k with a = η/N and r = f − y, so in the eigenbasis of K (λᵢ, vᵢ):
 *   exact:      ‖r_k‖ = √Σᵢ (1 − aλᵢ)^{2k} (vᵢᵀr₀)²                         (e.g. Arora et al. 2019, Thm 4.1)
 *   classical:  ‖r_k‖ ≤ (1 − aλ_min)^k ‖r₀‖            (Du et al. 2019; valid while aλ_max ≤ 2 − aλ_min)
 *   alignment:  ‖r_k‖ ≤ √(C Σ_{i∈S} λᵢ^γ (1 − aλᵢ)^{2k} + Σ_{i∉S} pᵢ(1 − aλᵢ)^{2k}) ‖r₀‖
 * where pᵢ = (vᵢᵀr₀)²/‖r₀‖², S = {i : λᵢ > floor} and C = max_{i∈S} pᵢ/λᵢ^γ, so pᵢ ≤ Cλᵢ^γ on S and the bound
 * holds term by term (the few eigenvalues at or below the floor, where λ^γ is meaningless, are kept exactly).
 * Gradient flow (continuous time t, same units: t = k ↔ k steps of size η) replaces (1 − aλ)^k by e^{−aλt}.
 * The curves multiply each mode's (1 − aλᵢ)² (or e^{−2aλᵢ}) step by step rather than square predictions.ts's
 * per-mode decay (`decayAndGain`): that agrees to ~1e-14 relative, not bit for bit, and these numbers are recorded
 * (convergence-bounds, `ntk analyze`).
 */
import { InvalidArgumentError } from '../errors.js';
import type { Eigh, Matrix } from '../linalg/index.js';
import { labelAlignment } from './alignment.js';
import {
  asTargets,
  checkEigh,
  checkNormalization,
  descendingValues,
  type LossNormalization,
  lossDivisor,
  positiveFinite,
  squaredProjections,
  type Targets,
} from './common.js';

export interface ConvergenceOptions {
  /** Step size η. */
  readonly eta: number;
  /** Curves are evaluated at k = 0..steps (and t = 0..steps for gradient flow). */
  readonly steps: number;
  /** Default `'sum'` (½‖f − y‖²). */
  readonly normalization?: LossNormalization;
  /** Report the steps (and flow time) each curve needs to bring the loss to this value. */
  readonly targetLoss?: number;
  /** γ for the alignment bound; default: fitted on r₀ (labelAlignment). */
  readonly gamma?: number;
  /** Eigenvalue floor for the alignment fit and envelope (default 100·n·ε·λ_max). */
  readonly eigenvalueFloor?: number;
}

export interface ConvergenceCurves<T> {
  readonly exact: T;
  readonly classical: T;
  readonly alignment: T;
}

export interface Convergence {
  readonly normalization: LossNormalization;
  readonly eta: number;
  /** The effective rate a = η/N that multiplies K. */
  readonly rate: number;
  readonly steps: number;
  readonly lambdaMax: number;
  readonly lambdaMin: number;
  /** Largest stable step: GD on the linearized model converges iff η < 2N/λ_max. */
  readonly maxStableEta: number;
  /** True when η ≥ 2N/λ_max: some component of the residual does not shrink (grows if η > 2N/λ_max). */
  readonly diverges: boolean;
  /** True when (1 − aλ_min)^k bounds every |1 − aλᵢ|^k, i.e. aλ_max ≤ 2 − aλ_min. */
  readonly classicalValid: boolean;
  readonly residualNorm0: number;
  readonly gamma: number | null;
  readonly envelope: number | null;
  /** Residual norms ‖r_k‖ (Frobenius), index k = 0..steps. */
  readonly discrete: ConvergenceCurves<Float64Array>;
  /** Gradient-flow residual norms ‖r(t)‖ at t = 0..steps. */
  readonly continuous: ConvergenceCurves<Float64Array>;
  /** Steps (discrete) / time (continuous) at which each curve first reaches targetLoss; null = never. */
  readonly toTarget: {
    readonly targetLoss: number;
    readonly discrete: ConvergenceCurves<number | null>;
    readonly continuous: ConvergenceCurves<number | null>;
  } | null;
  /** Human-readable warnings (divergent step, invalid classical bound, λ_min ≤ 0, …). */
  readonly warnings: readonly string[];
}

type CurveFn = (x: number) => number;

/** The linearized dynamics in the eigenbasis: rate a = η/N, eigenvalues λᵢ (descending), step factors (1 − aλᵢ)². */
interface Modes {
  readonly n: number;
  readonly a: number;
  readonly lambda: Float64Array;
  readonly factor: Float64Array;
}

/** Stability of the step: the largest stable η, divergence, validity of the classical bound, and their warnings. */
function stepChecks(
  eta: number,
  N: number,
  a: number,
  lambdaMax: number,
  lambdaMin: number,
): { maxStableEta: number; diverges: boolean; classicalValid: boolean; warnings: string[] } {
  const warnings: string[] = [];
  const maxStableEta = lambdaMax > 0 ? (2 * N) / lambdaMax : Number.POSITIVE_INFINITY;
  const diverges = a * lambdaMax >= 2;
  if (diverges) {
    warnings.push(
      `eta = ${eta} ≥ 2N/λ_max = ${maxStableEta.toPrecision(6)} (N = ${N}, λ_max = ${lambdaMax.toPrecision(6)}): the linearized discrete dynamics diverge ` +
        `(|1 − ηλ_max/N| ≥ 1). Use eta < ${maxStableEta.toPrecision(6)}.`,
    );
  }
  if (lambdaMin <= 0) {
    warnings.push(
      `λ_min = ${lambdaMin.toPrecision(6)} ≤ 0: the classical bound does not decay and components in the null space are never fitted.`,
    );
  }
  const classicalValid = a * lambdaMax <= 2 - a * lambdaMin;
  if (!classicalValid && !diverges) {
    warnings.push(
      'ηλ_max/N > 2 − ηλ_min/N: the classical bound (1 − ηλ_min/N)^k is not an upper bound for this step size.',
    );
  }
  return { maxStableEta, diverges, classicalValid, warnings };
}

/**
 * Alignment envelope fitted on r₀ itself (so it is a valid bound by construction), and the per-eigen weights of the
 * alignment curve: C λ^γ ‖r₀‖² on S, q elsewhere.
 */
function alignmentWeights(
  e: Eigh,
  R0: Matrix,
  modes: Modes,
  q: Float64Array,
  total: number,
  opts: ConvergenceOptions,
): { gamma: number | null; C: number | null; wAlign: Float64Array } {
  const { n, lambda } = modes;
  let gamma: number | null = null;
  let C: number | null = null;
  let floor = 0;
  if (total > 0) {
    const al = labelAlignment(e, R0, { gamma: opts.gamma, eigenvalueFloor: opts.eigenvalueFloor });
    gamma = al.gamma;
    C = al.envelope;
    floor = al.eigenvalueFloor;
  }
  const wAlign = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    wAlign[i] =
      gamma !== null && C !== null && lambda[i] > floor && lambda[i] > 0 ? C * lambda[i] ** gamma * total : q[i];
  }
  return { gamma, C, wAlign };
}

/** ‖r_k‖ = √Σᵢ wᵢ (1 − aλᵢ)^{2k}, evaluated directly (for firstReach). */
function discreteCurve(modes: Modes, w: Float64Array): CurveFn {
  const { n, factor } = modes;
  return (k) => {
    let s = 0;
    for (let i = 0; i < n; i++) if (w[i] !== 0) s += w[i] * factor[i] ** k;
    return Math.sqrt(s);
  };
}

/** ‖r(t)‖ = √Σᵢ wᵢ e^{−2aλᵢt}, evaluated directly (for firstReach). */
function flowCurve(modes: Modes, w: Float64Array): CurveFn {
  const { n, a, lambda } = modes;
  return (t) => {
    let s = 0;
    for (let i = 0; i < n; i++) if (w[i] !== 0) s += w[i] * Math.exp(-2 * a * lambda[i] * t);
    return Math.sqrt(s);
  };
}

/** The curve at k (or t) = 0..steps, each mode's weight multiplied by its step factor step by step. */
function sample(modes: Modes, w: Float64Array, continuous: boolean, steps: number): Float64Array {
  const { n, a, lambda, factor } = modes;
  const out = new Float64Array(steps + 1);
  const cur = Float64Array.from(w);
  const mult = new Float64Array(n);
  for (let i = 0; i < n; i++) mult[i] = continuous ? Math.exp(-2 * a * lambda[i]) : factor[i];
  for (let k = 0; k <= steps; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += cur[i];
    out[k] = Math.sqrt(s);
    for (let i = 0; i < n; i++) cur[i] *= mult[i];
  }
  return out;
}

/** What the first-reach times need besides the modes and weights. */
interface TargetEnv {
  readonly N: number;
  readonly norm0: number;
  readonly lambdaMin: number;
  readonly diverges: boolean;
  readonly classicalValid: boolean;
}

/** Steps / flow time at which each curve first brings the loss ‖r‖²/(2N) to `target`; null where never. */
function timesToTarget(
  target: number,
  modes: Modes,
  q: Float64Array,
  wAlign: Float64Array,
  env: TargetEnv,
): NonNullable<Convergence['toTarget']> {
  const { n, a, lambda, factor } = modes;
  const { N, norm0, lambdaMin, diverges, classicalValid } = env;
  const rc = 1 - a * lambdaMin;
  const targetNorm = Math.sqrt(2 * N * target);
  const clD: CurveFn = (k) => Math.abs(rc) ** k * norm0;
  const clC: CurveFn = (t) => Math.exp(-a * lambdaMin * t) * norm0;
  // Limits as k, t → ∞: components with |1 − aλ| = 1 (resp. λ = 0) persist.
  const limD = (w: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) if (factor[i] >= 1) s += factor[i] > 1 ? Number.POSITIVE_INFINITY : w[i];
    return Math.sqrt(s);
  };
  const limC = (w: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) if (lambda[i] <= 0) s += lambda[i] < 0 && w[i] > 0 ? Number.POSITIVE_INFINITY : w[i];
    return Math.sqrt(s);
  };
  const clLimD = Math.abs(rc) < 1 ? 0 : Math.abs(rc) === 1 ? norm0 : Number.POSITIVE_INFINITY;
  const clLimC = lambdaMin > 0 ? 0 : lambdaMin === 0 ? norm0 : Number.POSITIVE_INFINITY;
  return {
    targetLoss: target,
    discrete: {
      exact: diverges ? null : firstReach(discreteCurve(modes, q), targetNorm, limD(q), true),
      classical: classicalValid ? firstReach(clD, targetNorm, clLimD, true) : null,
      alignment: diverges ? null : firstReach(discreteCurve(modes, wAlign), targetNorm, limD(wAlign), true),
    },
    continuous: {
      exact: lambdaMin < 0 ? null : firstReach(flowCurve(modes, q), targetNorm, limC(q), false),
      classical: firstReach(clC, targetNorm, clLimC, false),
      alignment: lambdaMin < 0 ? null : firstReach(flowCurve(modes, wAlign), targetNorm, limC(wAlign), false),
    },
  };
}

/**
 * Linearized convergence curves of GD from residual r₀ = f₀ − y (n-vector or n×O) given the kernel's complete
 * eigendecomposition. O(n·steps) after one projection GEMM.
 */
export function linearizedConvergence(e: Eigh, r0: Targets, opts: ConvergenceOptions): Convergence {
  const fn = 'linearizedConvergence';
  checkEigh(fn, e);
  const n = e.vectors.rows;
  if (e.values.length !== n) {
    throw new InvalidArgumentError(
      fn,
      'e',
      'a complete eigendecomposition (the dynamics involve every eigenvalue)',
      `${e.values.length} of ${n} eigenpairs`,
    );
  }
  const R0 = asTargets(fn, 'r0', r0, n);
  const eta = positiveFinite(fn, 'eta', opts.eta);
  const steps = opts.steps;
  if (!Number.isInteger(steps) || steps < 0 || steps > 1e7)
    throw new InvalidArgumentError(fn, 'steps', 'an integer in [0, 1e7]', steps);
  const normalization = checkNormalization(fn, opts.normalization ?? 'sum');
  const N = lossDivisor(normalization, n);
  const a = eta / N;
  const lambda = descendingValues(e);
  const lambdaMax = lambda[0];
  const lambdaMin = lambda[n - 1];
  const { q, total } = squaredProjections(e, R0);
  const norm0 = Math.sqrt(total);
  const { maxStableEta, diverges, classicalValid, warnings } = stepChecks(eta, N, a, lambdaMax, lambdaMin);
  const factor = new Float64Array(n);
  for (let i = 0; i < n; i++) factor[i] = (1 - a * lambda[i]) ** 2;
  const modes: Modes = { n, a, lambda, factor };
  const { gamma, C, wAlign } = alignmentWeights(e, R0, modes, q, total, opts);
  const classicalD = new Float64Array(steps + 1);
  const classicalC = new Float64Array(steps + 1);
  const rc = 1 - a * lambdaMin;
  for (let k = 0; k <= steps; k++) {
    classicalD[k] = Math.abs(rc) ** k * norm0;
    classicalC[k] = Math.exp(-a * lambdaMin * k) * norm0;
  }
  const discrete = {
    exact: sample(modes, q, false, steps),
    classical: classicalD,
    alignment: sample(modes, wAlign, false, steps),
  };
  const continuous = {
    exact: sample(modes, q, true, steps),
    classical: classicalC,
    alignment: sample(modes, wAlign, true, steps),
  };
  let toTarget: Convergence['toTarget'] = null;
  if (opts.targetLoss !== undefined) {
    const target = opts.targetLoss;
    if (!Number.isFinite(target) || target < 0)
      throw new InvalidArgumentError(fn, 'targetLoss', 'a non-negative finite loss', target);
    toTarget = timesToTarget(target, modes, q, wAlign, { N, norm0, lambdaMin, diverges, classicalValid });
  }
  return {
    normalization,
    eta,
    rate: a,
    steps,
    lambdaMax,
    lambdaMin,
    maxStableEta,
    diverges,
    classicalValid,
    residualNorm0: norm0,
    gamma,
    envelope: C,
    discrete,
    continuous,
    toTarget,
    warnings,
  };
}

/**
 * First x ≥ 0 with curve(x) ≤ target for a non-increasing curve: an integer for discrete curves, a real (relative
 * accuracy 1e-12) for flows; null when the limit stays above target or more than 2^53 steps are needed.
 */
function firstReach(curve: CurveFn, target: number, limit: number, integer: boolean): number | null {
  if (curve(0) <= target) return 0;
  if (!(limit < target)) return null;
  let hi = 1;
  while (curve(hi) > target) {
    hi *= 2;
    if (hi > 2 ** 53) return null;
  }
  let lo = hi / 2 < 1 ? 0 : hi / 2;
  if (integer) {
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (curve(mid) <= target) hi = mid;
      else lo = mid;
    }
    return hi;
  }
  for (let it = 0; it < 200 && hi - lo > 1e-12 * hi; it++) {
    const mid = 0.5 * (lo + hi);
    if (curve(mid) <= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The largest stable step of GD on the loss ‖f − y‖²/(2N): η < 2N/λ_max. */
export function maxStableStep(lambdaMax: number, normalization: LossNormalization = 'sum', n = 1): number {
  positiveFinite('maxStableStep', 'lambdaMax', lambdaMax);
  return (2 * lossDivisor(checkNormalization('maxStableStep', normalization), n)) / lambdaMax;
}
