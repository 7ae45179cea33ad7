/**
 * Shared by `convergence-bounds` and `generalization-bound`: every convergence bound of src/analysis/bounds.ts along
 * a recorded training trajectory (trainer records with all residual projections on Θ₀'s eigenvectors), as losses and
 * as tightness ratios bound/real, plus the residual exponent γ_t with its confidence interval.
 */
import { decayBounds, driftCorrection, projectionFit } from '../../analysis/bounds.js';
import { defaultFloor } from '../../analysis/common.js';
import type { Eigh } from '../../linalg/index.js';
import type { TrainRecord } from '../../train/index.js';
import type { JsonRecord } from './presetUtils.js';

/** The bounds reported along a trajectory, in plotting/table order. */
export const BOUND_KEYS = [
  'classical',
  'alignment',
  'piecewise',
  'bandMass',
  'banded',
  'restart',
  'driftCorrected',
] as const;
export type BoundKey = (typeof BOUND_KEYS)[number];

export const BOUND_LABELS: Record<BoundKey | 'exact', string> = {
  exact: 'exact linearized',
  classical: 'classical (1 − ηλ_min)²ᵏ',
  alignment: 'alignment (one envelope C)',
  piecewise: 'piecewise envelope (C per band)',
  bandMass: 'band mass (P_B, slowest λ of band)',
  banded: 'banded (min of the two per band)',
  restart: 'residual alignment (re-fit on r_k)',
  driftCorrected: 'banded + drift correction',
};

export interface TrajectoryPoint {
  readonly step: number;
  readonly loss: number;
  readonly exact: number;
  readonly classical: number;
  readonly alignment: number;
  readonly piecewise: number;
  readonly bandMass: number;
  readonly banded: number;
  /** Banded bound from the previous record's measured residual (its projections re-fitted), to this step. */
  readonly restart: number;
  /** banded + a·Σ‖Θ_t − Θ₀‖_F‖r‖ (driftCorrection); NaN without the drift tracker. */
  readonly driftCorrected: number;
  /** γ_t of the residual projections at this step, with its 95% interval (NaN when it cannot be fitted). */
  readonly gamma: number;
  readonly gammaLo: number;
  readonly gammaHi: number;
}

export interface Trajectory {
  readonly points: TrajectoryPoint[];
  readonly gamma0: number;
  readonly envelope: number;
  /** The direction that sets the single envelope C (1-based, descending λ), its λ, and C/e^{intercept}. */
  readonly worstIndex: number;
  readonly worstLambda: number;
  readonly envelopeExcess: number;
  /** Whether drift rose and the residual fell between every pair of records (driftCorrection's assumption). */
  readonly driftMonotone: boolean | null;
}

/**
 * Bounds along `history` (records with residualProjections over all D = n·O eigenvectors of Θ₀, residualNorm, and
 * ntkDrift when `ntk0FrobNorm` is given). Losses are L₀·(bound on ‖r_k‖²/‖r₀‖²), so any loss normalization works.
 */
export function trajectoryBounds(
  eig: Eigh,
  history: readonly TrainRecord[],
  eta: number,
  N: number,
  bands: number,
  ntk0FrobNorm: number | null,
): Trajectory {
  const D = eig.values.length;
  const lam = new Float64Array(D);
  for (let i = 0; i < D; i++) lam[i] = eig.values[D - 1 - i];
  const floor = defaultFloor(D, lam[0]);
  const a = eta / N;
  const proj = (r: TrainRecord): Float64Array => {
    const p = r.residualProjections;
    if (!p || p.length !== D) throw new Error(`trajectoryBounds: record ${r.step} lacks ${D} residual projections`);
    return Float64Array.from(p);
  };
  const p0 = proj(history[0]);
  const L0 = history[0].loss;
  const ks = history.map((r) => r.step);
  const d = decayBounds(lam, p0, a, ks, { bands, eigenvalueFloor: floor });
  const fit0 = projectionFit(lam, p0, floor);
  let worst = 0;
  let best = -1;
  for (let i = 0; i < D; i++) {
    if (!(lam[i] > floor)) continue;
    const r = p0[i] / lam[i] ** d.gamma;
    if (r > best) {
      best = r;
      worst = i;
    }
  }
  const rc = Math.abs(1 - a * lam[D - 1]);
  const restart: number[] = [L0];
  for (let j = 1; j < history.length; j++) {
    const prev = history[j - 1];
    const pj = proj(prev);
    const fit = projectionFit(lam, pj, floor);
    if (!fit || prev.loss === 0) {
      restart.push(Number.NaN);
      continue;
    }
    const dj = decayBounds(lam, pj, a, [ks[j] - ks[j - 1]], { bands, eigenvalueFloor: floor, gamma: fit.slope });
    restart.push(prev.loss * dj.banded[0]);
  }
  let drift: ReturnType<typeof driftCorrection> | null = null;
  if (ntk0FrobNorm !== null && history.every((r) => r.ntkDrift !== null && r.residualNorm !== null)) {
    const R0 = Math.sqrt(d.exact[0]);
    drift = driftCorrection(
      ks,
      Array.from(d.banded, (v) => Math.sqrt(v) / R0),
      history.map((r) => (r.residualNorm as number) / (history[0].residualNorm as number)),
      history.map((r) => (r.ntkDrift as number) * ntk0FrobNorm),
      a,
    );
  }
  const points = history.map((r, j): TrajectoryPoint => {
    const g = projectionFit(lam, proj(r), floor);
    return {
      step: r.step,
      loss: r.loss,
      exact: L0 * d.exact[j],
      classical: L0 * rc ** (2 * r.step),
      alignment: L0 * d.alignment[j],
      piecewise: L0 * d.piecewise[j],
      bandMass: L0 * d.bandMass[j],
      banded: L0 * d.banded[j],
      restart: restart[j],
      driftCorrected: drift ? L0 * drift.bound[j] ** 2 : Number.NaN,
      gamma: g ? g.slope : Number.NaN,
      gammaLo: g ? g.lo : Number.NaN,
      gammaHi: g ? g.hi : Number.NaN,
    };
  });
  return {
    points,
    gamma0: d.gamma,
    envelope: d.envelope,
    worstIndex: worst + 1,
    worstLambda: lam[worst],
    envelopeExcess: fit0 ? d.envelope / Math.exp(fit0.intercept) : Number.NaN,
    driftMonotone: drift ? drift.monotone : null,
  };
}

/** Tightness ratio bound/real at one point (NaN where the real loss is 0). */
export function ratio(p: TrajectoryPoint, key: BoundKey | 'exact'): number {
  return p.loss > 0 ? p[key] / p.loss : Number.NaN;
}

/** min and max of the tightness ratio over the trajectory, skipping step 0 for `restart` (it is the loss itself). */
export function ratioRange(points: readonly TrajectoryPoint[], key: BoundKey | 'exact'): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    const r = ratio(p, key);
    if (!Number.isFinite(r)) continue;
    min = Math.min(min, r);
    max = Math.max(max, r);
  }
  return { min, max };
}

export function pointToJson(p: TrajectoryPoint): JsonRecord {
  return { ...p };
}

export function pointFromJson(r: JsonRecord, num: (v: JsonRecord[string] | undefined) => number): TrajectoryPoint {
  return {
    step: num(r.step),
    loss: num(r.loss),
    exact: num(r.exact),
    classical: num(r.classical),
    alignment: num(r.alignment),
    piecewise: num(r.piecewise),
    bandMass: num(r.bandMass),
    banded: num(r.banded),
    restart: num(r.restart),
    driftCorrected: num(r.driftCorrected),
    gamma: num(r.gamma),
    gammaLo: num(r.gammaLo),
    gammaHi: num(r.gammaHi),
  };
}
