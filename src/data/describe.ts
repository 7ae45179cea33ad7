/** Summary statistics of a dataset: sizes, class balance, norms and the coherence ρ = max_{i≠j} |x̂ᵢᵀx̂ⱼ|. */
import { InvalidArgumentError } from '../errors.js';
import { Matrix } from '../linalg/matrix.js';
import { gram, matmul } from '../linalg/ops.js';
import { Rng } from '../util/random.js';
import { projectToSphereInPlace, randomSample, rowNorms } from './preprocess.js';
import { classCounts } from './registry.js';
import type { Dataset } from './types.js';

export interface Coherence {
  /** max over i ≠ j of |x̂ᵢᵀx̂ⱼ| with x̂ = x/‖x‖ (rows projected to the unit sphere). */
  readonly rho: number;
  /** A pair attaining it (row indices in the dataset). */
  readonly i: number;
  readonly j: number;
  /** Rows it was computed on: all n, or a seeded random subset when n exceeds the limit. */
  readonly rowsUsed: number;
}

/**
 * ρ = max_{i≠j} |x̂ᵢᵀx̂ⱼ| after unit-sphere projection, from Gram tiles (gram on diagonal tiles, matmul off it), so
 * memory stays O(tile²). When n > maxRows, ρ is computed on `maxRows` rows chosen with `seed` (reported).
 */
export function coherence(X: Matrix, opts: { maxRows?: number; seed?: number; tile?: number } = {}): Coherence {
  const maxRows = opts.maxRows ?? Number.POSITIVE_INFINITY;
  const tile = opts.tile ?? 2048;
  if (X.rows < 2)
    throw new InvalidArgumentError('coherence', 'X', 'a matrix with at least 2 rows', `${X.rows}×${X.cols}`);
  let rows: Int32Array | null = null;
  if (X.rows > maxRows) rows = randomSample(X.rows, maxRows, new Rng(opts.seed ?? 0).split('coherence')).sort();
  const m = rows ? rows.length : X.rows;
  const d = X.cols;
  const U = new Matrix(m, d);
  if (rows) for (let i = 0; i < m; i++) U.data.set(X.data.subarray(rows[i] * d, (rows[i] + 1) * d), i * d);
  else U.data.set(X.data);
  projectToSphereInPlace(U, 1);
  let best = -1;
  let bi = 0;
  let bj = 1;
  for (let a = 0; a < m; a += tile) {
    const A = U.rowSlice(a, Math.min(a + tile, m));
    for (let b = a; b < m; b += tile) {
      const G = b === a ? gram(A) : matmul(A, U.rowSlice(b, Math.min(b + tile, m)), { transB: true });
      const gc = G.cols;
      for (let i = 0; i < G.rows; i++) {
        for (let j = b === a ? i + 1 : 0; j < gc; j++) {
          const v = Math.abs(G.data[i * gc + j]);
          if (v > best) {
            best = v;
            bi = a + i;
            bj = b + j;
          }
        }
      }
    }
  }
  const i = rows ? rows[bi] : bi;
  const j = rows ? rows[bj] : bj;
  return { rho: best, i, j, rowsUsed: m };
}

export interface DatasetSummary {
  readonly spec: string;
  readonly task: Dataset['task'];
  readonly n: number;
  readonly d: number;
  readonly imageShape?: readonly [number, number, number];
  /** Classification: name and count of each class. */
  readonly classBalance?: readonly { readonly name: string; readonly count: number }[];
  /** Regression: min, mean, max of the targets. */
  readonly targetRange?: { readonly min: number; readonly mean: number; readonly max: number };
  readonly norms: { readonly min: number; readonly mean: number; readonly max: number };
  /** null with fewer than 2 rows (there is no pair i ≠ j) */
  readonly coherence: Coherence | null;
  readonly corrupted?: number;
}

export function describeDataset(ds: Dataset, opts: { maxRows?: number; seed?: number } = {}): DatasetSummary {
  const norms = rowNorms(ds.X);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (const v of norms) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    sum += v;
  }
  const base = {
    spec: ds.spec,
    task: ds.task,
    n: ds.X.rows,
    d: ds.X.cols,
    ...(ds.imageShape ? { imageShape: ds.imageShape } : {}),
    norms: { min: lo, mean: sum / norms.length, max: hi },
    coherence: ds.X.rows >= 2 ? coherence(ds.X, opts) : null,
  };
  if (ds.task === 'classification') {
    const counts = classCounts(ds);
    return {
      ...base,
      classBalance: ds.classes.map((name, c) => ({ name, count: counts[c] })),
      ...(ds.corruption ? { corrupted: ds.corruption.rows.length } : {}),
    };
  }
  let tmin = Number.POSITIVE_INFINITY;
  let tmax = Number.NEGATIVE_INFINITY;
  let tsum = 0;
  for (const v of ds.y) {
    tmin = Math.min(tmin, v);
    tmax = Math.max(tmax, v);
    tsum += v;
  }
  return { ...base, targetRange: { min: tmin, mean: tsum / ds.y.length, max: tmax } };
}
