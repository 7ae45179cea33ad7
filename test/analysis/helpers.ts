/** Test helpers: kernels with known spectra, explicit simulations, references independent of src/analysis. */
import { eigh, Matrix, matmul } from '../../src/linalg/index.js';
import { Rng } from '../../src/util/random.js';

/** A random orthogonal n×n matrix (eigenvectors of a random symmetric matrix). */
export function randomOrthogonal(n: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const A = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      A.data[i * n + j] = v;
      A.data[j * n + i] = v;
    }
  }
  return eigh(A).vectors;
}

/** K = Q diag(λ) Qᵀ, exactly symmetric. */
export function kernelWithSpectrum(Q: Matrix, lambda: ArrayLike<number>): Matrix {
  const n = Q.rows;
  const QL = Q.clone();
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) QL.data[i * n + j] *= lambda[j];
  const K = matmul(QL, Q, { transB: true });
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (K.data[i * n + j] + K.data[j * n + i]);
      K.data[i * n + j] = v;
      K.data[j * n + i] = v;
    }
  }
  return K;
}

/** y = Σᵢ cᵢ·qᵢ (qᵢ = column i of Q). */
export function combineColumns(Q: Matrix, coef: ArrayLike<number>): Float64Array {
  const n = Q.rows;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < coef.length; j++) s += Q.data[i * n + j] * coef[j];
    y[i] = s;
  }
  return y;
}

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Explicit GD on the linearized model: f ← f − a·K(f − y), returning ‖f_k − y‖ for k = 0..steps and the final f. */
export function simulateGd(
  K: Matrix,
  y: Matrix,
  f0: Matrix,
  a: number,
  steps: number,
): { norms: Float64Array; f: Matrix[] } {
  const norms = new Float64Array(steps + 1);
  const fs: Matrix[] = [];
  let f = f0.clone();
  for (let k = 0; ; k++) {
    const r = f.clone();
    for (let i = 0; i < r.data.length; i++) r.data[i] -= y.data[i];
    norms[k] = norm(r.data);
    fs.push(f);
    if (k === steps) break;
    const Kr = matmul(K, r);
    const next = f.clone();
    for (let i = 0; i < next.data.length; i++) next.data[i] -= a * Kr.data[i];
    f = next;
  }
  return { norms, f: fs };
}

/** e^{A} for symmetric A by scaling and squaring with a degree-20 Taylor polynomial (no eigendecomposition). */
export function expm(A: Matrix): Matrix {
  const n = A.rows;
  let nrm = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.abs(A.data[i * n + j]);
    nrm = Math.max(nrm, s);
  }
  const s = Math.max(0, Math.ceil(Math.log2(nrm + 1e-300)) + 1);
  const B = A.clone();
  for (let i = 0; i < B.data.length; i++) B.data[i] /= 2 ** s;
  let term = Matrix.identity(n);
  let E = Matrix.identity(n);
  for (let k = 1; k <= 20; k++) {
    term = matmul(term, B, { alpha: 1 / k });
    for (let i = 0; i < E.data.length; i++) E.data[i] += term.data[i];
  }
  for (let i = 0; i < s; i++) E = matmul(E, E);
  return E;
}

export function randomMatrix(rows: number, cols: number, rng: Rng): Matrix {
  return new Matrix(rows, cols, rng.normals(rows * cols));
}

/** n random points on the unit sphere S^{d−1} (rows). */
export function spherePoints(n: number, d: number, rng: Rng): Matrix {
  const X = randomMatrix(n, d, rng);
  for (let i = 0; i < n; i++) {
    const r = norm(X.data.subarray(i * d, (i + 1) * d));
    for (let j = 0; j < d; j++) X.data[i * d + j] /= r;
  }
  return X;
}
