/**
 * The alignment bounds on linearized GD (formulas: bounds.ts): decay bounds from projections, the curves from a
 * complete decomposition, and the finite-width correction from the measured kernel drift.
 */
import { InvalidArgumentError } from '../errors.js';
import type { Eigh } from '../linalg/index.js';
import { labelAlignment } from './alignment.js';
import {
  asTargets,
  checkEigh,
  checkNormalization,
  defaultFloor,
  descendingValues,
  type LossNormalization,
  lossDivisor,
  nonNegativeFinite,
  positiveFinite,
  squaredProjections,
  type Targets,
} from './common.js';
import { projectionFit } from './fitStats.js';
import { type AlignmentBoundOptions, bandStats, spectralBands, sums } from './spectralBands.js';

export interface DecayBounds {
  /** Bounds on ‖r_k‖²/‖r₀‖² at each requested horizon (same order), and the exact value. */
  readonly exact: Float64Array;
  readonly alignment: Float64Array;
  readonly piecewise: Float64Array;
  readonly bandMass: Float64Array;
  readonly banded: Float64Array;
  readonly gamma: number;
  readonly envelope: number;
  readonly bands: number;
}

/**
 * The decay bounds of the module comment from projections alone: λ (descending), p (pᵢ on the same eigenvectors,
 * Σpᵢ = 1 for a complete basis), rate a = η/N and horizons k (steps, or flow times with `flow`). γ: given, or the
 * least-squares slope over S with pᵢ > projectionFloor (1e-20). This is what the residual-alignment (restart) bound
 * evaluates at each recorded step with the measured residual's projections.
 */
export function decayBounds(
  lambda: Float64Array,
  p: Float64Array,
  rate: number,
  horizons: readonly number[],
  opts: AlignmentBoundOptions & { readonly flow?: boolean } = {},
): DecayBounds {
  const fn = 'decayBounds';
  const m = lambda.length;
  if (p.length !== m) throw new InvalidArgumentError(fn, 'p', `length ${m} like lambda`, p.length);
  positiveFinite(fn, 'rate', rate);
  for (const k of horizons)
    if (!(k >= 0 && Number.isFinite(k))) throw new InvalidArgumentError(fn, 'horizons', 'finite numbers ≥ 0', k);
  const floor =
    opts.eigenvalueFloor === undefined
      ? defaultFloor(m, lambda[0])
      : nonNegativeFinite(fn, 'eigenvalueFloor', opts.eigenvalueFloor);
  let gamma = opts.gamma;
  if (gamma === undefined) {
    const fit = projectionFit(lambda, p, floor);
    if (!fit) throw new InvalidArgumentError(fn, 'p', 'at least 2 projections above the floors to fit γ', 'too few');
    gamma = fit.slope;
  }
  const band = spectralBands(lambda, floor, opts.bands ?? 8);
  const st = bandStats(lambda, p, band, gamma);
  let C = 0;
  for (const b of st.ids) C = Math.max(C, st.C.get(b) as number);
  const base = new Float64Array(m);
  for (let i = 0; i < m; i++)
    base[i] = opts.flow ? -2 * rate * lambda[i] : 2 * Math.log(Math.abs(1 - rate * lambda[i]));
  const out = { exact: [] as number[], alignment: [] as number[], piecewise: [] as number[], bandMass: [] as number[] };
  const banded: number[] = [];
  for (const k of horizons) {
    const h = (i: number): number => (k === 0 ? 1 : Math.exp(base[i] * k));
    const hMax = new Map<number, number>();
    for (let i = 0; i < m; i++) if (band[i] >= 0) hMax.set(band[i], Math.max(hMax.get(band[i]) ?? 0, h(i)));
    const f = sums(lambda, p, band, gamma, C, st, h, hMax);
    out.exact.push(f.exact);
    out.alignment.push(f.alignment);
    out.piecewise.push(f.piecewise);
    out.bandMass.push(f.bandMass);
    banded.push(f.banded);
  }
  return {
    exact: Float64Array.from(out.exact),
    alignment: Float64Array.from(out.alignment),
    piecewise: Float64Array.from(out.piecewise),
    bandMass: Float64Array.from(out.bandMass),
    banded: Float64Array.from(banded),
    gamma,
    envelope: C,
    bands: st.ids.length,
  };
}

export interface AlignedConvergence extends DecayBounds {
  readonly rate: number;
  readonly residualNorm0: number;
  /** Residual-norm curves ‖r_k‖ for k = 0..steps (√ of the ratios times ‖r₀‖). */
  readonly curves: {
    readonly exact: Float64Array;
    readonly alignment: Float64Array;
    readonly piecewise: Float64Array;
    readonly bandMass: Float64Array;
    readonly banded: Float64Array;
  };
}

/**
 * Linearized GD from r₀ with a complete decomposition: the exact curve and the alignment, piecewise-envelope,
 * band-mass and banded bounds, k = 0..steps (discrete; `flow` for gradient flow). The alignment curve equals
 * linearizedConvergence's (same S, γ and C).
 */
export function alignedConvergence(
  e: Eigh,
  r0: Targets,
  opts: AlignmentBoundOptions & {
    readonly eta: number;
    readonly steps: number;
    readonly normalization?: LossNormalization;
    readonly flow?: boolean;
  },
): AlignedConvergence {
  const fn = 'alignedConvergence';
  checkEigh(fn, e);
  const n = e.vectors.rows;
  if (e.values.length !== n)
    throw new InvalidArgumentError(fn, 'e', 'a complete eigendecomposition', `${e.values.length} of ${n} eigenpairs`);
  const R0 = asTargets(fn, 'r0', r0, n);
  const eta = positiveFinite(fn, 'eta', opts.eta);
  if (!Number.isInteger(opts.steps) || opts.steps < 0 || opts.steps > 1e6)
    throw new InvalidArgumentError(fn, 'steps', 'an integer in [0, 1e6]', opts.steps);
  const rate = eta / lossDivisor(checkNormalization(fn, opts.normalization ?? 'sum'), n);
  const { q, total } = squaredProjections(e, R0);
  if (total === 0) throw new InvalidArgumentError(fn, 'r0', 'non-zero', 'all zeros');
  const lambda = descendingValues(e);
  const p = q.map((v) => v / total);
  let gamma = opts.gamma;
  if (gamma === undefined) {
    const al = labelAlignment(e, R0, { eigenvalueFloor: opts.eigenvalueFloor });
    if (al.gamma === null) throw new InvalidArgumentError(fn, 'r0', 'enough projections to fit γ', 'too few');
    gamma = al.gamma;
  }
  const ks = Array.from({ length: opts.steps + 1 }, (_, k) => k);
  const d = decayBounds(lambda, p, rate, ks, { ...opts, gamma });
  const norm0 = Math.sqrt(total);
  const c = (a: Float64Array): Float64Array => a.map((v) => Math.sqrt(v) * norm0);
  return {
    ...d,
    rate,
    residualNorm0: norm0,
    curves: {
      exact: c(d.exact),
      alignment: c(d.alignment),
      piecewise: c(d.piecewise),
      bandMass: c(d.bandMass),
      banded: c(d.banded),
    },
  };
}

/**
 * Finite-width correction of a linearized bound from the measured kernel drift (Arora et al. 2019, proof of Thm 4.1,
 * here with measured quantities). GD on the network: r_{j+1} = (I − aΘ̃_j)r_j with Θ̃_j the kernel of step j, so with
 * A = I − aΘ₀ (‖A‖₂ ≤ 1 when 0 ≤ aλ ≤ 2), r_k = A^k r₀ + a Σ_{j<k} A^{k−1−j}(Θ₀ − Θ̃_j)r_j and
 *   ‖r_k‖ ≤ ‖A^k r₀‖ + a Σ_{j<k} ‖Θ̃_j − Θ₀‖₂ ‖r_j‖.
 * Only recorded steps k_0 < k_1 < … are measured: the sum over [k_m, k_{m+1}) is bounded by
 * (k_{m+1} − k_m)·D_{m+1}·R_m, which holds when the drift D (here ‖Θ_t − Θ₀‖_F ≥ ‖·‖₂) does not decrease and the
 * residual norm R does not increase between records (checked at the records: `monotone`), and with the kernel of the
 * recorded step in place of the segment kernel Θ̃_j (equal to first order in η).
 * linear: bounds on ‖A^{k_m} r₀‖ at the records (any of the linearized bounds). Returns the corrected norms.
 */
export function driftCorrection(
  steps: readonly number[],
  linear: readonly number[],
  residualNorms: readonly number[],
  drifts: readonly number[],
  rate: number,
): { readonly bound: Float64Array; readonly correction: Float64Array; readonly monotone: boolean } {
  const fn = 'driftCorrection';
  const m = steps.length;
  for (const [name, a] of [
    ['linear', linear],
    ['residualNorms', residualNorms],
    ['drifts', drifts],
  ] as const)
    if (a.length !== m) throw new InvalidArgumentError(fn, name, `length ${m} like steps`, a.length);
  positiveFinite(fn, 'rate', rate);
  const bound = new Float64Array(m);
  const correction = new Float64Array(m);
  let acc = 0;
  let monotone = true;
  for (let j = 0; j < m; j++) {
    if (j > 0) {
      if (!(steps[j] > steps[j - 1])) throw new InvalidArgumentError(fn, 'steps', 'strictly increasing', steps);
      acc += rate * (steps[j] - steps[j - 1]) * drifts[j] * residualNorms[j - 1];
      if (drifts[j] < drifts[j - 1] || residualNorms[j] > residualNorms[j - 1]) monotone = false;
    }
    correction[j] = acc;
    bound[j] = linear[j] + acc;
  }
  return { bound, correction, monotone };
}
