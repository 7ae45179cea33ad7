/** The alignment bounds on the generalization quantity G = √(2yᵀ(K + ρI)⁻¹y/n) (formulas: bounds.ts). */
import { InvalidArgumentError } from '../errors.js';
import type { Eigh } from '../linalg/index.js';
import { labelAlignment } from './alignment.js';
import { asTargets, checkEigh, defaultFloor, descendingValues, nonNegativeFinite, type Targets } from './common.js';
import { generalizationBoundFromEigh } from './generalization.js';
import { type AlignmentBoundOptions, bandStats, spectralBands, sums } from './spectralBands.js';

export interface GeneralizationBounds {
  readonly n: number;
  readonly ridge: number;
  readonly gamma: number;
  /** Global envelope C = max_{i∈S} pᵢ/λᵢ^γ. */
  readonly envelope: number;
  readonly bands: number;
  /** |S| and the number of directions outside S. */
  readonly inS: number;
  readonly outsideS: number;
  readonly lambdaMin: number;
  /** Each value is √(2‖y‖²g/n) for its g; `exact` is G (= generalizationBoundFromEigh). */
  readonly exact: number;
  readonly classical: number;
  readonly alignment: number;
  readonly piecewise: number;
  readonly bandMass: number;
  readonly banded: number;
  /** The γ-only estimate (not a bound). */
  readonly gammaOnly: number;
}

/**
 * G = √(2yᵀ(K + ρI)⁻¹y/n) with the classical, alignment, piecewise, band-mass and banded upper bounds and the γ-only
 * estimate (module comment). Needs a complete decomposition; a singular K + ρI throws NumericalError as
 * generalizationBoundFromEigh does. O(n·O) after one projection GEMM.
 */
export function generalizationAlignmentBounds(
  e: Eigh,
  y: Targets,
  opts: AlignmentBoundOptions & { readonly ridge?: number } = {},
): GeneralizationBounds {
  const fn = 'generalizationAlignmentBounds';
  checkEigh(fn, e);
  const n = e.vectors.rows;
  const Y = asTargets(fn, 'y', y, n);
  const ridge = nonNegativeFinite(fn, 'ridge', opts.ridge ?? 0);
  const G = generalizationBoundFromEigh(e, Y, { ridge }); // checks completeness and singularity
  const { al, lambda, band, gamma, st } = prepareAlignment(fn, e, Y, opts);
  const p = al.projections;
  const C = al.envelope as number;
  const inv = (i: number): number => 1 / (lambda[i] + ridge);
  const hMax = new Map<number, number>();
  for (let i = 0; i < n; i++) if (band[i] >= 0) hMax.set(band[i], Math.max(hMax.get(band[i]) ?? 0, inv(i)));
  const f = sums(lambda, p, band, gamma, C, st, inv, hMax);
  const total = al.norm ** 2;
  const val = (g: number): number => Math.sqrt((2 * total * g) / n);
  let num = 0;
  let den = 0;
  let inS = 0;
  for (let i = 0; i < n; i++) {
    if (band[i] < 0) continue;
    inS++;
    num += lambda[i] ** gamma * inv(i);
    den += lambda[i] ** gamma;
  }
  return {
    n,
    ridge,
    gamma,
    envelope: C,
    bands: st.ids.length,
    inS,
    outsideS: n - inS,
    lambdaMin: lambda[n - 1],
    exact: G.value,
    classical: val(1 / (lambda[n - 1] + ridge)),
    alignment: val(f.alignment),
    piecewise: val(f.piecewise),
    bandMass: val(f.bandMass),
    banded: val(f.banded),
    gammaOnly: den > 0 ? val(num / den) : Number.NaN,
  };
}

function prepareAlignment(fn: string, e: Eigh, Y: Targets, opts: AlignmentBoundOptions) {
  const n = e.vectors.rows;
  const lambda = descendingValues(e);
  const floor =
    opts.eigenvalueFloor === undefined
      ? defaultFloor(n, lambda[0])
      : nonNegativeFinite(fn, 'eigenvalueFloor', opts.eigenvalueFloor);
  const al = labelAlignment(e, Y, { gamma: opts.gamma, eigenvalueFloor: floor });
  if (al.gamma === null || al.envelope === null)
    throw new InvalidArgumentError(
      fn,
      'y',
      'projections on at least 2 eigenvectors above the floor (to fit γ), or opts.gamma',
      'too few',
    );
  const band = spectralBands(lambda, floor, opts.bands ?? 8);
  const st = bandStats(lambda, al.projections, band, al.gamma);
  return { al, lambda, floor, band, gamma: al.gamma, st };
}
