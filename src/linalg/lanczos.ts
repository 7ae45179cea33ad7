/**
 * Lanczos top-k eigensolver for a symmetric operator given only as a matrix–vector product.
 *
 * Method: Lanczos with full reorthogonalization (classical Gram–Schmidt applied twice) and thick restarts, i.e. a
 * Krylov–Schur iteration for symmetric operators. The projected matrix H = Qᵀ·A·Q is assembled from the
 * orthogonalization coefficients; its top eigenpairs (Ritz pairs) are tested with explicit residuals
 * ‖A·y − θ·y‖ computed from the stored products A·Q, so the reported residual is a true residual, not an estimate.
 * On a restart the `p` best Ritz vectors are kept and the iteration continues from the last residual direction.
 *
 * The start vector is drawn from a seeded Rng, so results are reproducible.
 */
import { InvalidArgumentError, NumericalError } from '../errors.js';
import { Rng } from '../util/random.js';
import { Matrix } from './matrix.js';
import { backend } from './registry.js';

/** out = A·v. Must not modify `v`; `out` has the same length and is overwritten. */
export type MatVec = (v: Float64Array, out: Float64Array) => void;

export interface LanczosOptions {
  /** Number of largest (algebraically) eigenpairs to compute. */
  readonly k: number;
  /** Seed for the start vector (default 0); or pass `rng`. */
  readonly seed?: number;
  readonly rng?: Rng;
  /** Convergence: every residual ‖A·y − θ·y‖ ≤ tol·max|θ|. Default 1e-10. */
  readonly tol?: number;
  /** Largest Krylov basis before a restart. Default min(n, max(2k + 1, k + 32)). */
  readonly maxBasis?: number;
  /** Restarts before giving up (then `converged` is false, or an error with `throwOnNoConvergence`). Default 200. */
  readonly maxRestarts?: number;
  /** Throw a NumericalError instead of returning `converged: false`. Default false. */
  readonly throwOnNoConvergence?: boolean;
}

export interface LanczosResult {
  /** The k largest eigenvalues, ascending (as in eigh). */
  readonly values: Float64Array;
  /** n×k matrix whose column j is the unit eigenvector of values[j]. */
  readonly vectors: Matrix;
  /** ‖A·v_j − values[j]·v_j‖ for each returned pair. */
  readonly residuals: Float64Array;
  readonly converged: boolean;
  /** Number of matrix–vector products. */
  readonly matvecs: number;
  readonly restarts: number;
}

function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[ao + i] * b[bo + i];
  return s;
}

/** w −= Σ_i (Q_i·w)·Q_i over rows 0..j−1 of Q (twice, for stability); returns the first-pass coefficients in h. */
function orthogonalize(Q: Float64Array, j: number, n: number, w: Float64Array, h: Float64Array | null): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < j; i++) {
      const c = dot(Q, i * n, w, 0, n);
      if (pass === 0 && h) h[i] = c;
      else if (h) h[i] += c;
      const o = i * n;
      for (let t = 0; t < n; t++) w[t] -= c * Q[o + t];
    }
  }
}

function norm(v: Float64Array): number {
  return Math.sqrt(dot(v, 0, v, 0, v.length));
}

/** Ascending eigenpairs of the symmetric m×m H (row-major, leading dimension ld): values, and S (m×m, columns). */
function smallEigh(H: Float64Array, ld: number, m: number): { theta: Float64Array; S: Float64Array } {
  const S = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      const v = 0.5 * (H[i * ld + j] + H[j * ld + i]);
      S[i * m + j] = v;
      S[j * m + i] = v;
    }
  }
  const theta = new Float64Array(m);
  const info = backend().syevd(m, S, theta, true);
  if (info !== 0) throw new NumericalError('no_convergence', `lanczos: projected eigenproblem failed (info ${info})`);
  return { theta, S };
}

interface CheckedOptions {
  readonly k: number;
  readonly tol: number;
  /** Largest basis (maxBasis). */
  readonly m: number;
  readonly maxRestarts: number;
}

function checkOptions(fn: string, matvec: MatVec, n: number, opts: LanczosOptions): CheckedOptions {
  if (typeof matvec !== 'function') throw new InvalidArgumentError(fn, 'matvec', 'a function (v, out) => void', matvec);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(fn, 'n', 'a positive integer', n);
  const k = opts.k;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new InvalidArgumentError(fn, 'k', `an integer in [1, n = ${n}]`, k);
  const tol = opts.tol ?? 1e-10;
  if (!(tol > 0 && tol < 1)) throw new InvalidArgumentError(fn, 'tol', 'a number in (0, 1)', tol);
  const maxBasis = opts.maxBasis ?? Math.min(n, Math.max(2 * k + 1, k + 32));
  if (!Number.isInteger(maxBasis) || maxBasis < Math.min(n, k + 1) || maxBasis > n) {
    throw new InvalidArgumentError(
      fn,
      'maxBasis',
      `an integer in [min(n, k + 1) = ${Math.min(n, k + 1)}, n = ${n}]`,
      maxBasis,
    );
  }
  const maxRestarts = opts.maxRestarts ?? 200;
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) {
    throw new InvalidArgumentError(fn, 'maxRestarts', 'a non-negative integer', maxRestarts);
  }
  return { k, tol, m: maxBasis, maxRestarts };
}

/** The iteration's state: basis Q, products A·Q, projected H, and the latest Ritz decomposition of H. */
interface Krylov {
  readonly n: number;
  readonly m: number;
  readonly k: number;
  readonly rng: Rng;
  readonly Q: Float64Array; // rows: orthonormal basis
  readonly AQ: Float64Array; // rows: A·Q_i
  readonly H: Float64Array; // projected matrix Qᵀ·A·Q (row-major)
  readonly h: Float64Array;
  readonly w: Float64Array;
  /** Next basis vector. */
  q: Float64Array;
  /** Basis size. */
  j: number;
  matvecs: number;
  result: { theta: Float64Array; S: Float64Array } | undefined;
  residuals: Float64Array;
  converged: boolean;
}

/** A random unit vector orthogonal to the first j rows of Q. */
function fresh(Q: Float64Array, j: number, n: number, rng: Rng): Float64Array {
  for (let attempt = 0; attempt < 10; attempt++) {
    const v = rng.normals(n);
    orthogonalize(Q, j, n, v, null);
    const nv = norm(v);
    if (nv > 1e-8) {
      for (let t = 0; t < n; t++) v[t] /= nv;
      return v;
    }
  }
  throw new NumericalError('no_convergence', 'lanczos: could not draw a start vector orthogonal to the basis');
}

/** ‖A·y − θ·y‖ for the k largest Ritz pairs (columns size−k.. of S) of the basis of `size` rows. */
function ritzResiduals(
  Q: Float64Array,
  AQ: Float64Array,
  n: number,
  k: number,
  theta: Float64Array,
  S: Float64Array,
  size: number,
): Float64Array {
  const r = new Float64Array(k);
  const y = new Float64Array(n);
  const ay = new Float64Array(n);
  for (let c = 0; c < k; c++) {
    const col = size - k + c;
    y.fill(0);
    ay.fill(0);
    for (let i = 0; i < size; i++) {
      const s = S[i * size + col];
      if (s === 0) continue;
      const o = i * n;
      for (let t = 0; t < n; t++) {
        y[t] += s * Q[o + t];
        ay[t] += s * AQ[o + t];
      }
    }
    let acc = 0;
    for (let t = 0; t < n; t++) {
      const d = ay[t] - theta[col] * y[t];
      acc += d * d;
    }
    r[c] = Math.sqrt(acc);
  }
  return r;
}

/**
 * Expands the basis to m vectors, testing the Ritz pairs every `checkEvery` steps. Returns true when the iteration
 * is over: every residual within tolerance, or the basis spans the whole space.
 */
function expand(st: Krylov, matvec: MatVec, tol: number, checkEvery: number): boolean {
  const fn = 'lanczos';
  const { n, m, k, Q, AQ, H, h, w } = st;
  let q = st.q;
  let j = st.j;
  let exhausted = false;
  while (j < m) {
    Q.set(q, j * n);
    const out = AQ.subarray(j * n, (j + 1) * n);
    out.fill(0);
    matvec(q, out);
    st.matvecs++;
    for (let t = 0; t < n; t++) {
      if (!Number.isFinite(out[t])) {
        throw new InvalidArgumentError(fn, 'matvec', 'a function returning finite values', `out[${t}] = ${out[t]}`);
      }
    }
    w.set(out);
    orthogonalize(Q, j + 1, n, w, h);
    for (let i = 0; i <= j; i++) {
      H[i * m + j] = h[i];
      H[j * m + i] = h[i];
    }
    j++;
    const beta = norm(w);
    let scale = 0;
    for (let i = 0; i < j; i++) scale = Math.max(scale, Math.abs(H[i * m + i]));
    const invariant = beta <= 1e-12 * Math.max(scale, Number.MIN_VALUE);
    if (j >= k && (j % checkEvery === 0 || j === m || invariant || j === n)) {
      const { theta, S } = smallEigh(H, m, j);
      const r = ritzResiduals(Q, AQ, n, k, theta, S, j);
      let big = 0;
      for (let i = 0; i < j; i++) big = Math.max(big, Math.abs(theta[i]));
      st.result = { theta, S };
      st.residuals = r;
      if (r.every((x) => x <= tol * Math.max(big, Number.MIN_VALUE)) || j === n) {
        st.converged = r.every((x) => x <= tol * Math.max(big, Number.MIN_VALUE));
        exhausted = true;
        break;
      }
    }
    if (j === n) {
      exhausted = true;
      break;
    }
    if (invariant) q = fresh(Q, j, n, st.rng);
    else for (let t = 0; t < n; t++) q[t] = w[t] / beta;
  }
  st.q = q;
  st.j = j;
  return exhausted;
}

/** Thick restart: keep the `keep` largest Ritz vectors; q (the last residual direction) stays the next vector. */
function thickRestart(st: Krylov, keep: number): void {
  const { n, m, Q, AQ, H } = st;
  const { theta, S } = st.result ?? smallEigh(H, m, st.j);
  const size = st.j;
  const Y = new Float64Array(keep * n);
  const AY = new Float64Array(keep * n);
  for (let c = 0; c < keep; c++) {
    const col = size - keep + c;
    for (let i = 0; i < size; i++) {
      const s = S[i * size + col];
      if (s === 0) continue;
      const o = i * n;
      const yo = c * n;
      for (let t = 0; t < n; t++) {
        Y[yo + t] += s * Q[o + t];
        AY[yo + t] += s * AQ[o + t];
      }
    }
  }
  Q.fill(0);
  AQ.fill(0);
  Q.set(Y);
  AQ.set(AY);
  H.fill(0);
  for (let c = 0; c < keep; c++) H[c * m + c] = theta[size - keep + c];
  st.j = keep;
  // Re-orthogonalize the continuation vector against the kept basis (it is orthogonal in exact arithmetic).
  const q = st.q;
  orthogonalize(Q, keep, n, q, null);
  const nq = norm(q);
  if (nq > 1e-8) for (let t = 0; t < n; t++) q[t] /= nq;
  else st.q = fresh(Q, keep, n, st.rng);
  st.result = undefined;
}

/** The k largest Ritz pairs of the last decomposition: values ascending, unit vectors as the columns of an n×k matrix. */
function ritzPairs(st: Krylov): { values: Float64Array; vectors: Matrix } {
  if (!st.result) throw new NumericalError('no_convergence', 'lanczos: no Ritz values were computed');
  const { n, k, Q } = st;
  const { theta, S } = st.result;
  const size = st.j;
  const values = new Float64Array(k);
  const V = new Matrix(n, k);
  for (let c = 0; c < k; c++) {
    const col = size - k + c;
    values[c] = theta[col];
    for (let i = 0; i < size; i++) {
      const s = S[i * size + col];
      if (s === 0) continue;
      const o = i * n;
      for (let t = 0; t < n; t++) V.data[t * k + c] += s * Q[o + t];
    }
  }
  return { values, vectors: V };
}

/**
 * The k largest eigenpairs of the symmetric n×n operator `matvec`. Values ascending, vectors as columns, like eigh.
 */
export function lanczos(matvec: MatVec, n: number, opts: LanczosOptions): LanczosResult {
  const { k, tol, m, maxRestarts } = checkOptions('lanczos', matvec, n, opts);
  const rng = opts.rng ?? new Rng(opts.seed ?? 0);
  // Kept after a restart: k wanted pairs plus a few more, leaving room to grow.
  const keep = Math.min(m - 1, Math.max(k, Math.min(k + Math.floor((m - k) / 2), m - 1)));
  const Q = new Float64Array(m * n);
  const st: Krylov = {
    n,
    m,
    k,
    rng,
    Q,
    AQ: new Float64Array(m * n),
    H: new Float64Array(m * m),
    h: new Float64Array(m),
    w: new Float64Array(n),
    q: fresh(Q, 0, n, rng),
    j: 0,
    matvecs: 0,
    result: undefined,
    residuals: new Float64Array(k),
    converged: false,
  };
  const checkEvery = Math.max(1, Math.min(5, Math.floor(k / 2) + 1));
  let restarts = 0;
  for (;;) {
    const exhausted = expand(st, matvec, tol, checkEvery);
    if (exhausted || restarts >= maxRestarts) break;
    thickRestart(st, keep);
    restarts++;
  }
  const { values, vectors } = ritzPairs(st);
  const { residuals, converged, matvecs } = st;
  if (!converged && opts.throwOnNoConvergence) {
    throw new NumericalError(
      'no_convergence',
      `lanczos: ${k} eigenpairs did not converge to tol ${tol} after ${restarts} restarts (${matvecs} matvecs); ` +
        `largest residual ${Math.max(...residuals).toExponential(3)}. Increase maxBasis or maxRestarts.`,
    );
  }
  return { values, vectors, residuals, converged, matvecs, restarts };
}
