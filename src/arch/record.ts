/**
 * The kernel record: an immutable value holding, for a block of example pairs, the NNGP covariance, the NTK and the
 * diagonal variances of both sides, transformed layer by layer (neural-tangents' `Kernel` dataclass).
 *
 * Pairs: a cross record covers x1 rows i < n1 and x2 rows j < n2, pair index i·n2 + j; a `self` record covers the n1
 * pairs (i, i) of one set (used to build the variance chains). Per pair, `flat` stores 1 number, `diag` the P = h·w
 * equal-position covariances (p, p), `full` the P² covariances (p, p′) with p from x1's side (row-major).
 * var1 (n1 × P) and var2 (n2 × P) are the variances q(x)[p] = K(x, x)[p, p] of the same layer.
 *
 * Spatial representations (neural-tangents' `diagonal_spatial`, Novak et al. 2019, "Bayesian deep CNNs with many
 * channels are GPs", §3):
 *   flat  — one number per pair of examples;
 *   diag  — per pair, the covariance of equal positions (p, p) only: enough when the image part ends in a layer that
 *           keeps only equal positions (cost ∝ pixels);
 *   full  — per pair, the whole pixel–pixel covariance (p, p′): needed by pooling layers (cost ∝ pixels²).
 */
export type Spatial = 'flat' | 'diag' | 'full';

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
  /** per-example full self-covariances K(x, x)[p, p′] of the same layer (n1 × P², n2 × P²); present only when the next
   * layer needs them (AnalyticOps.needsSelfFull), kept along the variance chains by the engine */
  readonly full1?: Float64Array;
  readonly full2?: Float64Array;
}

/** The raw inputs of a block of pairs (NHWC images h × w × c), for a first layer that builds its own input record. */
export interface InputBlock {
  readonly x1: Float64Array;
  readonly n1: number;
  readonly x2: Float64Array;
  readonly n2: number;
  readonly self: boolean;
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly var1: Float64Array;
  readonly var2: Float64Array;
  readonly wantNtk: boolean;
  /** a block of K(x, x): x2 row i + same is x1 row i (engine.ts Block.same) */
  readonly same?: number;
  /** arrays derived from the job's inputs, kept across its tiles: x1/x2 are its rows i0…, j0… */
  readonly memo?: BlockMemo;
}

export interface BlockMemo {
  readonly memo: TileMemo;
  readonly i0: number;
  readonly j0: number;
}

/**
 * Arrays a layer derives from one kernel job's inputs (a conv's patches of a block of x1 or x2), kept across the
 * job's tiles in one thread so that each block's are made once, up to `budget` bytes (then made per tile). Keys
 * name the side and the rows: within a job x1 and x2 are fixed, and the memo lives as long as the job.
 */
export const TILE_MEMO_BYTES = 128 * 2 ** 20;

export class TileMemo {
  private readonly map = new Map<string, Float64Array>();
  private bytes = 0;
  constructor(private readonly budget = TILE_MEMO_BYTES) {}
  get(key: string, make: () => Float64Array): Float64Array {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const a = make();
    if (this.bytes + a.byteLength <= this.budget) {
      this.map.set(key, a);
      this.bytes += a.byteLength;
    }
    return a;
  }
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

/** The equal-position entries of the full representation. */
export function toDiag(src: Float64Array, pairs: number, P: number): Float64Array {
  const out = new Float64Array(pairs * P);
  for (let e = 0; e < pairs; e++) for (let p = 0; p < P; p++) out[e * P + p] = src[e * P * P + p * P + p];
  return out;
}

/** The flat record after a layer that maps an image to a vector: the mean over `which` positions of Σ and Θ. */
export function flattenRecord(r: KernelRecord, which: 'all' | 'diagonal'): KernelRecord {
  const pairs = pairsOf(r);
  const P = r.h * r.w;
  return {
    ...r,
    spatial: 'flat',
    h: 1,
    w: 1,
    nngp: meanOverPositions(r.nngp, pairs, r.spatial, P, which),
    ntk: r.ntk ? meanOverPositions(r.ntk, pairs, r.spatial, P, which) : null,
  };
}

/** Mean over positions of one array → one value per pair: over all (p, p′) (`all`) or over equal positions (`diagonal`). */
export function meanOverPositions(
  src: Float64Array,
  pairs: number,
  spatial: Spatial,
  P: number,
  which: 'all' | 'diagonal',
): Float64Array {
  const out = new Float64Array(pairs);
  for (let e = 0; e < pairs; e++) {
    let s = 0;
    if (spatial === 'diag') {
      const b = e * P;
      for (let p = 0; p < P; p++) s += src[b + p];
      out[e] = s / P;
    } else if (which === 'diagonal') {
      const b = e * P * P;
      for (let p = 0; p < P; p++) s += src[b + p * P + p];
      out[e] = s / P;
    } else {
      const b = e * P * P;
      for (let p = 0; p < P * P; p++) s += src[b + p];
      out[e] = s / (P * P);
    }
  }
  return out;
}
