/**
 * Synthetic datasets, all seeded:
 *
 * - `sphere`: x uniform on the unit sphere S^{d−1} (normalized Gaussians).
 * - `gaussian`: x ~ N(0, I_d); with k ≥ 2, a mixture: class c = i mod k (balanced, then shuffled),
 *   x = 2·u_c + N(0, I_d) with u_c a random unit vector per class.
 * - `teacher`: x uniform on the sphere of radius √d (so xᵀx/d = 1, the neural-tangents input convention), labels
 *   from a random MLP in NTK parameterization h = (σ_w/√fan_in)·W·a + σ_b·b, W, b ~ N(0, 1).
 *
 * Targets for sphere/gaussian (k = 0) and single-output teachers: `linear` (regression; sphere/gaussian use
 * y = √d·βᵀx resp. βᵀx with a random unit β, so y has unit variance; teacher: the network output), or `sign`
 * (binary classification, class 1 when the linear/network output is > 0, named '-' and '+'). A teacher with k > 1
 * outputs is a k-class classification by argmax. `noise` adds N(0, noise²) to regression targets.
 */
import { InvalidArgumentError } from '../errors.js';
import { Matrix } from '../linalg/matrix.js';
import { matmul } from '../linalg/ops.js';
import type { AbReluSpec } from '../arch/layers/activations.js';
import type { DenseSpec } from '../arch/layers/dense.js';
import { parseArch } from '../arch/parse.js';
import type { LayerSpec } from '../arch/types.js';

const isDense = (l: LayerSpec): l is DenseSpec => l.kind === 'dense';
const isAbRelu = (l: LayerSpec): l is AbReluSpec => l.kind === 'abrelu';
import { Rng } from '../util/random.js';
import { projectToSphereInPlace } from './preprocess.js';
import type { RawData } from './raw.js';
import type { SyntheticTarget } from './types.js';

export interface SyntheticOptions {
  readonly n: number;
  readonly d: number;
  readonly seed: number;
  readonly target?: SyntheticTarget;
  readonly noise?: number;
}

function gaussianMatrix(rng: Rng, rows: number, cols: number): Matrix {
  return new Matrix(rows, cols, rng.normals(rows * cols));
}

function unitVector(rng: Rng, d: number): Float64Array {
  const v = rng.normals(d);
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < d; i++) v[i] *= inv;
  return v;
}

/** Turn one output column into regression targets or a binary sign task. */
function finishScalar(X: Matrix, out: Float64Array, opts: SyntheticOptions, rng: Rng): RawData {
  if ((opts.target ?? 'linear') === 'sign') {
    return {
      task: 'classification',
      features: { kind: 'matrix', X },
      y: Int32Array.from(out, (v) => (v > 0 ? 1 : 0)),
      classes: ['-', '+'],
    };
  }
  const noise = opts.noise ?? 0;
  if (noise > 0) {
    const r = rng.split('noise');
    for (let i = 0; i < out.length; i++) out[i] += noise * r.normal();
  }
  return { task: 'regression', features: { kind: 'matrix', X }, y: out };
}

function linearTarget(X: Matrix, scale: number, rng: Rng): Float64Array {
  const beta = unitVector(rng.split('beta'), X.cols);
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let j = 0; j < X.cols; j++) s += X.data[i * X.cols + j] * beta[j];
    out[i] = scale * s;
  }
  return out;
}

/** n points uniform on the unit sphere in R^d. */
export function sphereRaw(opts: SyntheticOptions): RawData {
  const rng = new Rng(opts.seed).split('sphere');
  const X = gaussianMatrix(rng.split('x'), opts.n, opts.d);
  projectToSphereInPlace(X, 1);
  return finishScalar(X, linearTarget(X, Math.sqrt(opts.d), rng), opts, rng);
}

/** n points from N(0, I_d), or a k-component mixture (classification) when k ≥ 2. */
export function gaussianRaw(opts: SyntheticOptions & { k?: number }): RawData {
  const rng = new Rng(opts.seed).split('gaussian');
  const X = gaussianMatrix(rng.split('x'), opts.n, opts.d);
  const k = opts.k ?? 0;
  if (k === 1) throw new InvalidArgumentError('loadDataset', 'k', '0 (one Gaussian) or ≥ 2 (mixture classes)', k);
  if (k >= 2) {
    const y = rng.split('order').shuffle(Int32Array.from({ length: opts.n }, (_, i) => i % k));
    const means = Array.from({ length: k }, (_, c) => unitVector(rng.split(`mean${c}`), opts.d));
    for (let i = 0; i < opts.n; i++) {
      const mu = means[y[i]];
      for (let j = 0; j < opts.d; j++) X.data[i * opts.d + j] += 2 * mu[j];
    }
    return {
      task: 'classification',
      features: { kind: 'matrix', X },
      y,
      classes: Array.from({ length: k }, (_, c) => String(c)),
    };
  }
  return finishScalar(X, linearTarget(X, 1, rng), opts, rng);
}

function activate(layer: LayerSpec, H: Matrix): void {
  const a = H.data;
  switch (layer.kind) {
    case 'relu':
      for (let i = 0; i < a.length; i++) a[i] = a[i] > 0 ? a[i] : 0;
      return;
    case 'abrelu': {
      if (!isAbRelu(layer)) break;
      for (let i = 0; i < a.length; i++) a[i] = a[i] > 0 ? layer.b * a[i] : layer.a * a[i];
      return;
    }
    case 'tanh':
      for (let i = 0; i < a.length; i++) a[i] = Math.tanh(a[i]);
      return;
    case 'erf':
      for (let i = 0; i < a.length; i++) a[i] = erf(a[i]);
      return;
    case 'gelu':
      for (let i = 0; i < a.length; i++) a[i] = 0.5 * a[i] * (1 + erf(a[i] / Math.SQRT2));
      return;
  }
  throw new InvalidArgumentError(
    'teacher',
    'arch',
    'an MLP of dense, relu, abrelu, erf, tanh and gelu layers',
    layer.kind,
  );
}

/** erf: Maclaurin series for |x| < 2, continued fraction for erfc beyond (relative error ≈ 1e-15). */
export function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  if (ax < 2) {
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let k = 1; k < 80; k++) {
      term *= -x2 / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (s * 2 * sum) / Math.sqrt(Math.PI);
  }
  if (ax > 6) return s;
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail.
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  return s * (1 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f));
}

/**
 * Forward pass of a random MLP teacher (NTK parameterization) on the rows of X; returns n × out. Kept apart from the
 * finite network of src/nn (buildNetwork/apply with these weights loaded into θ) because the data would change: its
 * erf (and gelu = x·Φ(x)) differ from this erf in the last bits, and its dense layers multiply by the transposed
 * weights (A·Wᵀ), which OpenBLAS rounds differently for some shapes (several outputs); measured: up to 5e-12 relative
 * on erf/gelu teachers and 4e-13 on dense(64),relu,dense(5).
 */
export function teacherForward(X: Matrix, arch: string, rng: Rng): Matrix {
  const layers = parseArch(arch);
  let H = X;
  let li = 0;
  for (const layer of layers) {
    if (isDense(layer)) {
      const fanIn = H.cols;
      const W = gaussianMatrix(rng.split(`W${li}`), fanIn, layer.out);
      const next = matmul(H, W, { alpha: layer.wstd / Math.sqrt(fanIn) });
      if (layer.bstd > 0) {
        const b = rng.split(`b${li}`).normals(layer.out, layer.bstd);
        for (let i = 0; i < next.rows; i++) for (let j = 0; j < next.cols; j++) next.data[i * next.cols + j] += b[j];
      }
      H = next;
      li++;
    } else {
      if (H === X) H = X.clone();
      activate(layer, H);
    }
  }
  if (li === 0) throw new InvalidArgumentError('teacher', 'arch', 'an MLP with at least one dense layer', arch);
  return H;
}

/** Inputs on the sphere of radius √d, labels from a random MLP teacher. */
export function teacherRaw(opts: SyntheticOptions & { arch: string }): RawData {
  const rng = new Rng(opts.seed).split('teacher');
  const X = gaussianMatrix(rng.split('x'), opts.n, opts.d);
  projectToSphereInPlace(X, Math.sqrt(opts.d));
  const F = teacherForward(X, opts.arch, rng.split('net'));
  if (F.cols === 1) return finishScalar(X, F.data.slice(), opts, rng);
  if (opts.target === 'linear') {
    throw new InvalidArgumentError(
      'loadDataset',
      'target',
      'sign or unset for a teacher with several outputs (classification by argmax); use dense(1) last for regression',
      opts.target,
    );
  }
  const y = new Int32Array(F.rows);
  for (let i = 0; i < F.rows; i++) {
    let best = 0;
    for (let j = 1; j < F.cols; j++) if (F.data[i * F.cols + j] > F.data[i * F.cols + best]) best = j;
    y[i] = best;
  }
  return {
    task: 'classification',
    features: { kind: 'matrix', X },
    y,
    classes: Array.from({ length: F.cols }, (_, c) => String(c)),
  };
}
