/** Test helpers for linalg: naive reference products and norms, independent of either backend. */
import { Matrix } from '../../src/linalg/matrix.js';
import { Rng } from '../../src/util/random.js';

/** Naive C = op(A)·op(B) in plain loops (the reference every backend's gemm is checked against). */
export function naiveMul(A: Matrix, B: Matrix, transA = false, transB = false): Matrix {
  const m = transA ? A.cols : A.rows;
  const k = transA ? A.rows : A.cols;
  const n = transB ? B.rows : B.cols;
  const C = new Matrix(m, n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? A.get(p, i) : A.get(i, p)) * (transB ? B.get(j, p) : B.get(p, j));
      C.data[i * n + j] = s;
    }
  }
  return C;
}

export function frob(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

export function diffFrob(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function randn(rng: Rng, rows: number, cols: number): Matrix {
  return new Matrix(rows, cols, rng.normals(rows * cols));
}

/** A random symmetric matrix with N(0,1) entries. */
export function randomSymmetric(rng: Rng, n: number): Matrix {
  const A = randn(rng, n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A.data[j * n + i] = A.data[i * n + j];
  return A;
}

/** A random orthogonal matrix (modified Gram–Schmidt on a Gaussian matrix, in plain loops). */
export function randomOrthogonal(rng: Rng, n: number): Matrix {
  const Q = randn(rng, n, n);
  const q = Q.data;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < j; i++) {
      let d = 0;
      for (let r = 0; r < n; r++) d += q[r * n + i] * q[r * n + j];
      for (let r = 0; r < n; r++) q[r * n + j] -= d * q[r * n + i];
    }
    let nr = 0;
    for (let r = 0; r < n; r++) nr += q[r * n + j] ** 2;
    nr = Math.sqrt(nr);
    for (let r = 0; r < n; r++) q[r * n + j] /= nr;
  }
  return Q;
}

/** Q·diag(values)·Qᵀ for a random orthogonal Q, exactly symmetrized. */
export function withSpectrum(rng: Rng, values: readonly number[]): Matrix {
  const n = values.length;
  const Q = randomOrthogonal(rng, n);
  const QD = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) QD.data[i * n + j] = Q.data[i * n + j] * values[j];
  const A = naiveMul(QD, Q, false, true);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A.data[j * n + i] = A.data[i * n + j];
  return A;
}

/** ‖A·V − V·diag(w)‖_F / ‖A‖_F and ‖VᵀV − I‖_F (V n×m). */
export function eigResiduals(A: Matrix, w: Float64Array, V: Matrix): { residual: number; orth: number } {
  const AV = naiveMul(A, V);
  const m = V.cols;
  for (let i = 0; i < AV.rows; i++) for (let j = 0; j < m; j++) AV.data[i * m + j] -= V.data[i * m + j] * w[j];
  const VtV = naiveMul(V, V, true, false);
  for (let j = 0; j < m; j++) VtV.data[j * m + j] -= 1;
  const nA = frob(A.data);
  return { residual: nA === 0 ? frob(AV.data) : frob(AV.data) / nA, orth: frob(VtV.data) };
}
