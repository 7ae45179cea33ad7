/**
 * The kernel record: an immutable value holding, for a block of example pairs, the NNGP covariance, the NTK and the
 * diagonal variances of both sides, transformed layer by layer (neural-tangents' `Kernel` dataclass).
 *
 * Pairs: a cross record covers x1 rows i < n1 and x2 rows j < n2, pair index i·n2 + j; a `self` record covers the n1
 * pairs (i, i) of one set (used to build the variance chains). Per pair, `flat` stores 1 number, `diag` the P = h·w
 * equal-position covariances (p, p), `full` the P² covariances (p, p′) with p from x1's side (row-major).
 * var1 (n1 × P) and var2 (n2 × P) are the variances q(x)[p] = K(x, x)[p, p] of the same layer.
 */
import type { Spatial } from './program.js';

export interface KernelRecord {
  readonly n1: number;
  readonly n2: number;
  readonly self: boolean;
  readonly spatial: Spatial;
  readonly h: number;
  readonly w: number;
  readonly nngp: Float64Array;
  /** null when only the NNGP is requested */
  readonly ntk: Float64Array | null;
  readonly var1: Float64Array;
  readonly var2: Float64Array;
}

export const pairsOf = (k: Pick<KernelRecord, 'n1' | 'n2' | 'self'>): number => (k.self ? k.n1 : k.n1 * k.n2);
export const entriesPerPair = (spatial: Spatial, h: number, w: number): number =>
  spatial === 'flat' ? 1 : spatial === 'diag' ? h * w : (h * w) ** 2;

/** Diagonal variances of a self record (K(x, x)[p, p] per example): n1 × P. */
export function selfDiagonal(k: KernelRecord): Float64Array {
  const P = k.h * k.w;
  if (k.spatial !== 'full') return k.nngp.slice();
  const out = new Float64Array(k.n1 * P);
  for (let e = 0; e < k.n1; e++) {
    const base = e * P * P;
    for (let p = 0; p < P; p++) out[e * P + p] = k.nngp[base + p * P + p];
  }
  return out;
}
