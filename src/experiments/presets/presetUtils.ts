/**
 * Small helpers shared by the issue-#8 presets (label-alignment, convergence-bounds, generalization-bound,
 * min-eigenvalue, ce-divergence, ce-lazy-regime, ensemble-vs-gp): reading cached JSON units back without casts,
 * mean ± std formatting, and number formatting for report text.
 */
import { Matrix } from '../../linalg/index.js';
import { formatPm, formatSig } from '../../report/scale.js';
import type { JsonValue } from '../config.js';

export type JsonRecord = { [key: string]: JsonValue };

/** A cached JSON value as an object (throws with the preset's name if the entry has another shape). */
export function asRecord(v: JsonValue, what: string): JsonRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new Error(`${what}: cache entry has an unexpected shape (expected an object)`);
  }
  return v;
}

/** A number field (non-finite values are stored as numbers by the cache's JSON encoding; anything else → NaN). */
export function num(v: JsonValue | undefined): number {
  return typeof v === 'number' ? v : Number.NaN;
}

/** A number or null. */
export function numOrNull(v: JsonValue | undefined): number | null {
  return typeof v === 'number' ? v : null;
}

/** A list of numbers (non-numbers → NaN). */
export function nums(v: JsonValue | undefined): number[] {
  return Array.isArray(v) ? v.map((e) => (typeof e === 'number' ? e : Number.NaN)) : [];
}

/** A list of objects. */
export function records(v: JsonValue | undefined, what: string): JsonRecord[] {
  return Array.isArray(v) ? v.map((e) => asRecord(e, what)) : [];
}

/** A number in report text and tables: `d` significant figures (at least 2), the reports' one rule (formatSig). */
export const fmt = (v: number, d = 3): string => formatSig(v, Math.max(2, d));

export interface MeanStd {
  readonly mu: number;
  readonly sd: number;
  readonly text: string;
}

/** Mean ± sample std of a list; `text` by the reports' rule (formatPm: the std to 2 figures, the mean to match). */
export function pm(xs: readonly number[], d = 3): MeanStd {
  const mu = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mu) ** 2, 0) / (xs.length - 1)) : 0;
  return { mu, sd, text: formatPm(mu, sd, '', Math.max(2, d)) };
}

/** Prefix sums. */
export function cumulative(p: ArrayLike<number>): number[] {
  const out: number[] = [];
  let s = 0;
  for (let i = 0; i < p.length; i++) out.push((s += p[i]));
  return out;
}

/** Rows of X (and of the targets Y) in a new order. */
export function permuteRows(M: Matrix, perm: ArrayLike<number>): Matrix {
  const c = M.cols;
  const out = new Matrix(perm.length, c);
  for (let i = 0; i < perm.length; i++) out.data.set(M.data.subarray(perm[i] * c, perm[i] * c + c), i * c);
  return out;
}

/** Split rows [0, a) and [a, n) of a matrix. */
export function splitRows(M: Matrix, a: number): [Matrix, Matrix] {
  const c = M.cols;
  return [new Matrix(a, c, M.data.slice(0, a * c)), new Matrix(M.rows - a, c, M.data.slice(a * c))];
}

/**
 * Least squares y ≈ slope·x + intercept from centered sums, means as (Σx)/n; r2 = S_xy²/(S_xx·S_yy) (1 when every y
 * is equal); NaN fit below 2 points. The presets' fit (spectrum-demo's decay exponent, the CE presets' late slopes).
 * src/analysis's `linearFit` is the same least squares with means summed as Σ(x/n) and r2 = 1 − SS_res/S_yy: the two
 * agree to ~1e-15 relative, not bit for bit, and each feeds recorded results, so both are kept.
 */
export function lineFit(
  x: readonly number[],
  y: readonly number[],
): { slope: number; intercept: number; r2: number; count: number } {
  const k = x.length;
  if (k < 2) return { slope: Number.NaN, intercept: Number.NaN, r2: Number.NaN, count: k };
  const mx = x.reduce((a, b) => a + b, 0) / k;
  const my = y.reduce((a, b) => a + b, 0) / k;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < k; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy), count: k };
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Least-squares slope of log λᵢ against log i over i ∈ [from, to] (1-based), positive λ only. */
export function decayFit(
  values: readonly number[],
  from: number,
  to: number,
): { alpha: number; logC: number; r2: number; count: number } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = from; i <= Math.min(to, values.length); i++) {
    const v = values[i - 1];
    if (v > 0 && Number.isFinite(v)) {
      xs.push(Math.log(i));
      ys.push(Math.log(v));
    }
  }
  const f = lineFit(xs, ys);
  return { alpha: -f.slope, logC: f.intercept, r2: f.r2, count: f.count };
}
