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
import { buildNetwork } from '../arch/compile.js';
import { apply } from '../nn/network.js';
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

/**
 * Forward pass of a random teacher network (NTK parameterization) on the rows of X; returns n × out. The network is
 * src/nn's (any layer of the architecture language that takes flat inputs); its parameters are the teacher's own
 * draws: parametrized layer l's weights from rng.split(`W${l}`) (fan_in × out order, as the teacher always drew them),
 * its bias from rng.split(`b${l}`).
 */
export function teacherForward(X: Matrix, arch: string, rng: Rng): Matrix {
  let net;
  try {
    net = buildNetwork(arch, [X.cols], 'ntk');
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    throw new InvalidArgumentError(
      'teacher',
      'arch',
      'an MLP of dense and activation layers on flat inputs',
      arch,
      e.message,
    );
  }
  if (net.paramLayers.length === 0)
    throw new InvalidArgumentError('teacher', 'arch', 'an MLP with at least one dense layer', arch);
  const theta = new Float64Array(net.numParams);
  for (const p of net.paramLayers) {
    const W = rng.split(`W${p.index}`).normals(p.fanIn * p.out);
    for (let i = 0; i < p.fanIn; i++)
      for (let o = 0; o < p.out; o++) theta[p.wOffset + o * p.fanIn + i] = W[i * p.out + o];
    if (p.bOffset >= 0) theta.set(rng.split(`b${p.index}`).normals(p.out), p.bOffset);
  }
  return apply({ net, theta }, X);
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
