/**
 * Small helpers shared by the issue-#8 presets (label-alignment, convergence-bounds, generalization-bound,
 * min-eigenvalue, ce-divergence, ce-lazy-regime, ensemble-vs-gp): reading cached JSON units back without casts,
 * mean ± std formatting, and number formatting for report text.
 */
import { Matrix } from '../../linalg/index.js';
import { formatNumber } from '../../report/scale.js';
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

export const fmt = (v: number, d = 3): string => formatNumber(v, d);

export interface MeanStd {
  readonly mu: number;
  readonly sd: number;
  readonly text: string;
}

/** Mean ± sample std of a list. */
export function pm(xs: readonly number[], d = 3): MeanStd {
  const mu = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mu) ** 2, 0) / (xs.length - 1)) : 0;
  return { mu, sd, text: xs.length > 1 ? `${fmt(mu, d)} ± ${fmt(sd, 2)}` : fmt(mu, d) };
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

/** Least-squares slope and intercept of y on x (finite pairs only). */
export function lineFit(x: readonly number[], y: readonly number[]): { slope: number; intercept: number } {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) continue;
    n++;
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return { slope, intercept: (sy - slope * sx) / n };
}

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
