/**
 * The band machinery shared by the alignment bounds (bounds.ts has the formulas): bands of log λ over S, the
 * per-band envelope constants and masses, and the five sums (exact, alignment, piecewise, band mass, banded) for one
 * per-direction weight function.
 */
import { InvalidArgumentError } from '../errors.js';

/** Band index of each eigenvalue (descending order): 0..bands−1 on S (0 = largest λ), −1 outside S. */
export function spectralBands(lambda: Float64Array, floor: number, bands: number): Int32Array {
  const fn = 'spectralBands';
  if (!Number.isInteger(bands) || bands < 1 || bands > 10_000)
    throw new InvalidArgumentError(fn, 'bands', 'an integer in [1, 10000]', bands);
  const m = lambda.length;
  const idx = new Int32Array(m).fill(-1);
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (let i = 0; i < m; i++) {
    if (lambda[i] > floor && lambda[i] > 0) {
      lo = Math.min(lo, lambda[i]);
      hi = Math.max(hi, lambda[i]);
    }
  }
  if (!(hi > 0)) return idx;
  const span = Math.log(hi) - Math.log(lo);
  for (let i = 0; i < m; i++) {
    if (!(lambda[i] > floor && lambda[i] > 0)) continue;
    const u = span > 0 ? (Math.log(hi) - Math.log(lambda[i])) / span : 0;
    idx[i] = Math.min(bands - 1, Math.floor(u * bands));
  }
  return idx;
}

export interface BandStats {
  /** Distinct band ids present, ascending. */
  readonly ids: number[];
  /** C_B = max_{i∈B} pᵢ/λᵢ^γ, P_B = Σ_{i∈B} pᵢ, per id. */
  readonly C: Map<number, number>;
  readonly P: Map<number, number>;
}

export function bandStats(lambda: Float64Array, p: Float64Array, band: Int32Array, gamma: number): BandStats {
  const C = new Map<number, number>();
  const P = new Map<number, number>();
  for (let i = 0; i < lambda.length; i++) {
    const b = band[i];
    if (b < 0) continue;
    const r = p[i] / lambda[i] ** gamma;
    C.set(b, Math.max(C.get(b) ?? 0, r));
    P.set(b, (P.get(b) ?? 0) + p[i]);
  }
  return { ids: [...C.keys()].sort((x, y) => x - y), C, P };
}

/** Σᵢ wᵢ·hᵢ over the forms, for per-direction weights h (1/(λ + ρ), or a decay factor). */
export interface Forms {
  readonly exact: number;
  readonly alignment: number;
  readonly piecewise: number;
  readonly bandMass: number;
  readonly banded: number;
}

/**
 * The five sums of the module comment for one weight function: h(i) per direction (1/(λᵢ + ρ) or φᵢ(k)) and hMax(B)
 * = max_{i∈B} h(i) (the band-mass weight). p: projections (descending order), C: the global envelope constant.
 */
export function sums(
  lambda: Float64Array,
  p: Float64Array,
  band: Int32Array,
  gamma: number,
  C: number,
  st: BandStats,
  h: (i: number) => number,
  hMax: Map<number, number>,
): Forms {
  let exact = 0;
  let outside = 0;
  let align = 0;
  const pw = new Map<number, number>();
  for (let i = 0; i < lambda.length; i++) {
    const hi = h(i);
    const t = p[i] * hi;
    exact += t;
    if (band[i] < 0) {
      outside += t;
      continue;
    }
    const lg = lambda[i] ** gamma * hi;
    align += lg;
    pw.set(band[i], (pw.get(band[i]) ?? 0) + lg);
  }
  let piecewise = 0;
  let bandMass = 0;
  let banded = 0;
  for (const b of st.ids) {
    const a = (st.C.get(b) as number) * (pw.get(b) as number);
    const m = (st.P.get(b) as number) * (hMax.get(b) as number);
    piecewise += a;
    bandMass += m;
    banded += Math.min(a, m);
  }
  return {
    exact,
    alignment: C * align + outside,
    piecewise: piecewise + outside,
    bandMass: bandMass + outside,
    banded: banded + outside,
  };
}

export interface AlignmentBoundOptions {
  /** γ for every envelope; default: fitted on the target's projections (labelAlignment). */
  readonly gamma?: number;
  /** Eigenvalues ≤ floor are outside S (default 100·n·ε·λ_max). */
  readonly eigenvalueFloor?: number;
  /** Number of log-spaced bands over S for the piecewise and band-mass forms (default 8). */
  readonly bands?: number;
}
