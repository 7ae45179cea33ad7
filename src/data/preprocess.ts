/**
 * Preprocessing: sampling, feature scaling/normalization, label encodings and label corruption. All functions are
 * pure (they return new arrays) except where named `…InPlace`, and every random choice takes an explicit Rng.
 */
import { InvalidArgumentError, NumericalError } from '../errors.js';
import { Matrix } from '../linalg/matrix.js';
import type { Rng } from '../util/random.js';
import { type LabelEncoding, NORMALIZE_STEPS, type NormalizeStep } from './types.js';

/**
 * Pick `n` of the rows whose labels are `y` (class indices 0..K−1), keeping class proportions: each class gets
 * floor(n·count/total) rows, and the remaining rows go to the classes with the largest fractional parts (ties →
 * lower class index). Within a class rows are chosen uniformly at random. The result is in random order.
 */
export function stratifiedSample(y: Int32Array, numClasses: number, n: number, rng: Rng): Int32Array {
  const total = y.length;
  if (!Number.isInteger(n) || n < 0 || n > total) {
    throw new InvalidArgumentError(
      'stratifiedSample',
      'n',
      `an integer in [0, ${total}] (the number of rows available)`,
      n,
    );
  }
  const members: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < total; i++) members[y[i]].push(i);
  const quota = members.map((m) => Math.floor((n * m.length) / total));
  let left = n - quota.reduce((a, b) => a + b, 0);
  const order = members
    .map((m, c) => ({ c, frac: (n * m.length) / total - quota[c] }))
    .sort((a, b) => b.frac - a.frac || a.c - b.c);
  for (const { c } of order) {
    if (left === 0) break;
    if (quota[c] < members[c].length) {
      quota[c]++;
      left--;
    }
  }
  const out = new Int32Array(n);
  let k = 0;
  for (let c = 0; c < numClasses; c++) {
    const m = Int32Array.from(members[c]);
    const r = rng.split(c);
    // partial Fisher–Yates: the first quota[c] entries become a uniform random subset
    for (let i = 0; i < quota[c]; i++) {
      const j = i + r.int(m.length - i);
      const t = m[i];
      m[i] = m[j];
      m[j] = t;
      out[k++] = m[i];
    }
  }
  return rng.split('order').shuffle(out);
}

/** `n` distinct indices of [0, total) chosen uniformly, in random order. */
export function randomSample(total: number, n: number, rng: Rng): Int32Array {
  if (!Number.isInteger(n) || n < 0 || n > total) {
    throw new InvalidArgumentError(
      'randomSample',
      'n',
      `an integer in [0, ${total}] (the number of rows available)`,
      n,
    );
  }
  const p = new Int32Array(total);
  for (let i = 0; i < total; i++) p[i] = i;
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(total - i);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p.slice(0, n);
}

/** Per-feature min–max scaling to [0, 1] in place (constant features become 0). */
export function minMaxScaleInPlace(X: Matrix): void {
  const { rows, cols, data } = X;
  for (let j = 0; j < cols; j++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < rows; i++) {
      const v = data[i * cols + j];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo;
    for (let i = 0; i < rows; i++) data[i * cols + j] = span > 0 ? (data[i * cols + j] - lo) / span : 0;
  }
}

/** Per-feature means and (population) standard deviations. */
export function featureMoments(X: Matrix): { mean: Float64Array; std: Float64Array } {
  const { rows, cols, data } = X;
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += data[i * cols + j];
  for (let j = 0; j < cols; j++) mean[j] /= Math.max(rows, 1);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const dv = data[i * cols + j] - mean[j];
      std[j] += dv * dv;
    }
  }
  for (let j = 0; j < cols; j++) std[j] = Math.sqrt(std[j] / Math.max(rows, 1));
  return { mean, std };
}

/** Subtract the per-feature mean, in place. */
export function centerInPlace(X: Matrix): void {
  const { mean } = featureMoments(X);
  const { rows, cols, data } = X;
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) data[i * cols + j] -= mean[j];
}

/** Zero mean and unit (population) variance per feature, in place; constant features become 0. */
export function standardizeInPlace(X: Matrix): void {
  const { mean, std } = featureMoments(X);
  const { rows, cols, data } = X;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      data[i * cols + j] = std[j] > 0 ? (data[i * cols + j] - mean[j]) / std[j] : 0;
    }
  }
}

/** The ε of `rowStandardizeInPlace`: Lee et al. 2018's input layer normalization adds it to the variance. */
export const ROW_STANDARDIZE_EPS = 1e-15;

/**
 * Each row to (x − mean(x))/√(var(x) + eps), mean and variance over its d features (variance divided by d), in
 * place: Lee et al. 2018's input layer normalization (eps = 1e-15), so that ‖x‖²/d ≈ 1 for every row.
 */
export function rowStandardizeInPlace(X: Matrix, eps = ROW_STANDARDIZE_EPS): void {
  const { rows, cols, data } = X;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let m = 0;
    for (let j = 0; j < cols; j++) m += data[o + j];
    m /= cols;
    let v = 0;
    for (let j = 0; j < cols; j++) v += (data[o + j] - m) ** 2;
    const s = 1 / Math.sqrt(v / cols + eps);
    for (let j = 0; j < cols; j++) data[o + j] = (data[o + j] - m) * s;
  }
}

/** Euclidean norm of each row. */
export function rowNorms(X: Matrix): Float64Array {
  const { rows, cols, data } = X;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += data[i * cols + j] * data[i * cols + j];
    out[i] = Math.sqrt(s);
  }
  return out;
}

/** Scale each row to Euclidean norm `radius` in place (1: the unit sphere; √d: ‖x‖² = d). A zero row is an error. */
export function projectToSphereInPlace(X: Matrix, radius = 1): void {
  const norms = rowNorms(X);
  const { rows, cols, data } = X;
  for (let i = 0; i < rows; i++) {
    if (!(norms[i] > 0) || !Number.isFinite(norms[i])) {
      throw new NumericalError(
        'zero_row',
        `projectToSphere: row ${i} has norm ${norms[i]}; it cannot be projected to the sphere`,
      );
    }
    const s = radius / norms[i];
    for (let j = 0; j < cols; j++) data[i * cols + j] *= s;
  }
}

/** Apply normalization steps in order, in place. */
export function normalizeInPlace(X: Matrix, steps: readonly NormalizeStep[]): void {
  for (const s of steps) {
    if (s === 'center') centerInPlace(X);
    else if (s === 'standardize') standardizeInPlace(X);
    else if (s === 'sphere') projectToSphereInPlace(X, 1);
    else if (s === 'sphere-d') projectToSphereInPlace(X, Math.sqrt(X.cols));
    else if (s === 'row-standardize') rowStandardizeInPlace(X);
    else throw new InvalidArgumentError('normalizeInPlace', 'steps', NORMALIZE_STEPS.join(', '), s);
  }
}

/**
 * Encode class indices as a target matrix. `pm1` (binary only): class 0 → −1, class 1 → +1, n×1; `onehot` n×C;
 * `centered`: one-hot − 1/C; `soft`: (1−ε)·onehot + ε/C (rows sum to 1); `index`: the class index, n×1.
 */
export function encodeLabels(y: Int32Array, numClasses: number, encoding: LabelEncoding, eps = 0.1): Matrix {
  const n = y.length;
  for (let i = 0; i < n; i++) {
    if (!(y[i] >= 0 && y[i] < numClasses)) {
      throw new InvalidArgumentError('encodeLabels', `y[${i}]`, `a class index in [0, ${numClasses})`, y[i]);
    }
  }
  if (encoding === 'pm1') {
    if (numClasses !== 2) {
      throw new InvalidArgumentError(
        'encodeLabels',
        'encoding',
        'pm1 only for exactly 2 classes (use classes=a,b)',
        `${numClasses} classes`,
      );
    }
    return new Matrix(
      n,
      1,
      Float64Array.from(y, (c) => (c === 1 ? 1 : -1)),
    );
  }
  if (encoding === 'index') return new Matrix(n, 1, Float64Array.from(y));
  if (encoding === 'soft' && !(eps >= 0 && eps <= 1)) {
    throw new InvalidArgumentError('encodeLabels', 'eps', 'a number in [0, 1]', eps);
  }
  const C = numClasses;
  const off = encoding === 'centered' ? -1 / C : encoding === 'soft' ? eps / C : 0;
  const on = encoding === 'centered' ? 1 - 1 / C : encoding === 'soft' ? 1 - eps + eps / C : 1;
  if (encoding !== 'onehot' && encoding !== 'centered' && encoding !== 'soft') {
    throw new InvalidArgumentError('encodeLabels', 'encoding', 'one of pm1, onehot, centered, soft, index', encoding);
  }
  const T = new Matrix(n, C);
  T.data.fill(off);
  for (let i = 0; i < n; i++) T.data[i * C + y[i]] = on;
  return T;
}

export interface Corruption {
  /** Labels after corruption. */
  readonly y: Int32Array;
  /** The rows that got a random label (exactly round(fraction·n) of them), ascending; some may keep their class. */
  readonly rows: Int32Array;
  /** Their labels before corruption. */
  readonly originalY: Int32Array;
}

/**
 * Random labels (Zhang et al. 2017 §2; Arora et al. 2019 §5), the one meaning of `corrupt=` everywhere: exactly
 * m = round(fraction·n) rows, chosen uniformly without replacement, each get a label drawn uniformly from all K
 * classes, independently of their old one (so about m/K of them keep their class: at fraction 1 the labels are pure
 * noise, independent of the inputs). docs/data.md says why this and not "a different class".
 */
export function corruptLabels(y: Int32Array, numClasses: number, fraction: number, rng: Rng): Corruption {
  if (!(fraction >= 0 && fraction <= 1))
    throw new InvalidArgumentError('corruptLabels', 'fraction', 'a number in [0, 1]', fraction);
  if (!(Number.isInteger(numClasses) && numClasses >= 2))
    throw new InvalidArgumentError('corruptLabels', 'numClasses', 'an integer ≥ 2', numClasses);
  const n = y.length;
  const m = Math.round(fraction * n);
  const rows = randomSample(n, m, rng.split('rows')).sort();
  const pick = rng.split('labels');
  const out = y.slice();
  const originalY = new Int32Array(m);
  for (let k = 0; k < m; k++) {
    const i = rows[k];
    originalY[k] = y[i];
    out[i] = pick.int(numClasses);
  }
  return { y: out, rows, originalY };
}

/** The registry's default label encoding for K classes: pm1 for two, one-hot otherwise (`labels=` overrides it). */
export function defaultLabelEncoding(numClasses: number): LabelEncoding {
  return numClasses === 2 ? 'pm1' : 'onehot';
}
