/**
 * The portable backend's symmetric eigensolver: Householder tridiagonalization (tred2, Numerical Recipes / EISPACK)
 * with row-contiguous loops, then the implicit QL algorithm with Wilkinson-type shifts (tqli); rotations are applied
 * to rows of Qᵀ so that every inner loop walks contiguous memory. syevr computes all pairs then slices.
 */
import { gemm } from './portableGemm.js';

/**
 * Householder reduction of the symmetric n×n row-major matrix `a` (lower triangle read) to tridiagonal form.
 * d receives the diagonal, e the subdiagonal (e[i] couples i−1 and i; e[0] = 0). With `vectors`, `a` is overwritten
 * by the orthogonal Q (row-major) with A = Q·T·Qᵀ.
 */
function tred2(n: number, a: Float64Array, d: Float64Array, e: Float64Array, vectors: boolean): void {
  const p = new Float64Array(n);
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    const ri = i * n;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(a[ri + k]);
      if (scale === 0) {
        e[i] = a[ri + l];
      } else {
        const inv = 1 / scale;
        for (let k = 0; k <= l; k++) {
          const x = a[ri + k] * inv;
          a[ri + k] = x;
          h += x * x;
        }
        const f = a[ri + l];
        const g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        a[ri + l] = f - g;
        // p = A[0..l, 0..l]·u / h from the lower triangle, row by row.
        p.fill(0, 0, l + 1);
        for (let j = 0; j <= l; j++) {
          const rj = j * n;
          const uj = a[ri + j];
          let s = 0;
          for (let k = 0; k < j; k++) {
            const ajk = a[rj + k];
            s += ajk * a[ri + k];
            p[k] += ajk * uj;
          }
          p[j] += s + a[rj + j] * uj;
        }
        const invh = 1 / h;
        let f2 = 0;
        for (let j = 0; j <= l; j++) {
          p[j] *= invh;
          f2 += p[j] * a[ri + j];
        }
        const hh = f2 / (h + h);
        for (let j = 0; j <= l; j++) p[j] -= hh * a[ri + j];
        // A -= u·qᵀ + q·uᵀ on the lower triangle.
        for (let j = 0; j <= l; j++) {
          const rj = j * n;
          const fj = a[ri + j];
          const gj = p[j];
          for (let k = 0; k <= j; k++) a[rj + k] -= fj * p[k] + gj * a[ri + k];
        }
      }
    } else {
      e[i] = a[ri + l];
    }
    d[i] = h;
  }
  d[0] = 0;
  e[0] = 0;
  if (!vectors) {
    for (let i = 0; i < n; i++) d[i] = a[i * n + i];
    return;
  }
  // Accumulate Q = P_{n−1}···P_2·P_1 (P_i = I − u_i·u_iᵀ/h_i acting on coordinates < i; u_i is row i's lower part)
  // in groups of ACC_NB reflectors using the compact WY form P_{i1−1}···P_{i0} = I − V·T·Vᵀ and two GEMMs per group.
  const h = d.slice(); // phase 1 left h_i in d[i]
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  accumulateQ(n, a, h);
}

const ACC_NB = 48;

/** Overwrites a (holding the Householder vectors in its lower triangle) with Q. `h[i]` = h of reflector i (0: none). */
function accumulateQ(n: number, a: Float64Array, h: Float64Array): void {
  const V = new Float64Array(n * ACC_NB);
  const T = new Float64Array(ACC_NB * ACC_NB);
  const G = new Float64Array(ACC_NB * n);
  const G2 = new Float64Array(ACC_NB * n);
  const w = new Float64Array(ACC_NB);
  let done = 0; // a's leading done×done block holds Q so far (identity beyond)
  while (done < n) {
    const i0 = done;
    const i1 = Math.min(n, i0 + ACC_NB);
    const m = i1; // this group touches the leading m×m block
    // Columns of V: u_{i1−1}, …, u_{i0} (those with h ≠ 0), padded with zeros to length m.
    let kb = 0;
    const taus: number[] = [];
    for (let i = i1 - 1; i >= i0; i--) {
      if (h[i] === 0) continue;
      for (let r = 0; r < m; r++) V[r * ACC_NB + kb] = r < i ? a[i * n + r] : 0;
      taus.push(1 / h[i]);
      kb++;
    }
    // Extend Q by the identity on rows/cols i0..m−1.
    for (let r = 0; r < i0; r++) a.fill(0, r * n + i0, r * n + m);
    for (let r = i0; r < m; r++) {
      a.fill(0, r * n, r * n + m);
      a[r * n + r] = 1;
    }
    if (kb > 0) {
      // T (kb×kb upper triangular, ld ACC_NB): T_jj = τ_j, T[0:j, j] = −τ_j·T[0:j, 0:j]·(V[:, 0:j]ᵀ·v_j).
      T.fill(0);
      for (let j = 0; j < kb; j++) {
        for (let r = 0; r < j; r++) {
          let s = 0;
          for (let q = 0; q < m; q++) s += V[q * ACC_NB + r] * V[q * ACC_NB + j];
          w[r] = s;
        }
        for (let r = 0; r < j; r++) {
          let s = 0;
          for (let q = r; q < j; q++) s += T[r * ACC_NB + q] * w[q];
          T[r * ACC_NB + j] = -taus[j] * s;
        }
        T[j * ACC_NB + j] = taus[j];
      }
      // G = Vᵀ·Q (kb×m), G2 = T·G, Q −= V·G2.
      gemm(true, false, kb, m, m, 1, V, ACC_NB, a, n, 0, G, m);
      gemm(false, false, kb, m, kb, 1, T, ACC_NB, G, m, 0, G2, m);
      gemm(false, false, m, m, kb, -1, V, ACC_NB, G2, m, 1, a, n);
    }
    done = i1;
  }
}

/** The element of the ascending array `xs` nearest to x. */
function nearest(xs: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? xs[lo] : xs[hi];
}

function pythag(a: number, b: number): number {
  const x = Math.abs(a);
  const y = Math.abs(b);
  if (x > y) {
    const r = y / x;
    return x * Math.sqrt(1 + r * r);
  }
  if (y === 0) return 0;
  const r = x / y;
  return y * Math.sqrt(1 + r * r);
}

const EPS = 2.220446049250313e-16;
const MAX_ITER = 60;

/** A growing list of plane rotations (row index i, s, c), applied later in column chunks. */
class Rotations {
  idx = new Int32Array(1024);
  cs = new Float64Array(2048);
  count = 0;
  push(i: number, s: number, c: number): void {
    if (this.count === this.idx.length) {
      const idx = new Int32Array(this.idx.length * 2);
      idx.set(this.idx);
      this.idx = idx;
      const cs = new Float64Array(this.cs.length * 2);
      cs.set(this.cs);
      this.cs = cs;
    }
    this.idx[this.count] = i;
    this.cs[2 * this.count] = s;
    this.cs[2 * this.count + 1] = c;
    this.count++;
  }
}

/**
 * Applies the recorded rotations, in order, to the rows of the n×n row-major zt: rotation (i, s, c) maps rows
 * (z_i, z_{i+1}) to (c·z_i − s·z_{i+1}, s·z_i + c·z_{i+1}). Done in chunks of columns so the working set (n rows ×
 * chunk) stays in cache instead of streaming the whole matrix once per QL sweep.
 */
function applyRotations(n: number, zt: Float64Array, rots: Rotations): void {
  const { idx, cs, count } = rots;
  // Split the list into runs of rotations on rows i, i−1, i−2, … (one QL sweep is one run). Along a run, the new
  // row i value is carried in a register, so each rotation costs one load and one store per column.
  const runStart: number[] = [];
  for (let q = 0; q < count; q++) if (q === 0 || idx[q] !== idx[q - 1] - 1) runStart.push(q);
  runStart.push(count);
  const CH = 32;
  for (let k0 = 0; k0 < n; k0 += CH) {
    const k1 = Math.min(k0 + CH, n);
    const k4 = k0 + ((k1 - k0) & ~7);
    for (let ri = 0; ri + 1 < runStart.length; ri++) {
      const q0 = runStart[ri];
      const q1 = runStart[ri + 1];
      const top = (idx[q0] + 1) * n; // row i+1 of the first rotation
      const bottom = idx[q1 - 1] * n; // row reached by the last rotation
      for (let k = k0; k < k4; k += 8) {
        let c0 = zt[top + k];
        let c1 = zt[top + k + 1];
        let c2 = zt[top + k + 2];
        let c3 = zt[top + k + 3];
        let c4 = zt[top + k + 4];
        let c5 = zt[top + k + 5];
        let c6 = zt[top + k + 6];
        let c7 = zt[top + k + 7];
        let above = top;
        for (let q = q0; q < q1; q++) {
          const s = cs[2 * q];
          const c = cs[2 * q + 1];
          const row = above - n;
          const z0 = zt[row + k];
          const z1 = zt[row + k + 1];
          const z2 = zt[row + k + 2];
          const z3 = zt[row + k + 3];
          const z4 = zt[row + k + 4];
          const z5 = zt[row + k + 5];
          const z6 = zt[row + k + 6];
          const z7 = zt[row + k + 7];
          zt[above + k] = s * z0 + c * c0;
          zt[above + k + 1] = s * z1 + c * c1;
          zt[above + k + 2] = s * z2 + c * c2;
          zt[above + k + 3] = s * z3 + c * c3;
          zt[above + k + 4] = s * z4 + c * c4;
          zt[above + k + 5] = s * z5 + c * c5;
          zt[above + k + 6] = s * z6 + c * c6;
          zt[above + k + 7] = s * z7 + c * c7;
          c0 = c * z0 - s * c0;
          c1 = c * z1 - s * c1;
          c2 = c * z2 - s * c2;
          c3 = c * z3 - s * c3;
          c4 = c * z4 - s * c4;
          c5 = c * z5 - s * c5;
          c6 = c * z6 - s * c6;
          c7 = c * z7 - s * c7;
          above = row;
        }
        zt[bottom + k] = c0;
        zt[bottom + k + 1] = c1;
        zt[bottom + k + 2] = c2;
        zt[bottom + k + 3] = c3;
        zt[bottom + k + 4] = c4;
        zt[bottom + k + 5] = c5;
        zt[bottom + k + 6] = c6;
        zt[bottom + k + 7] = c7;
      }
      for (let k = k4; k < k1; k++) {
        let c0 = zt[top + k];
        let above = top;
        for (let q = q0; q < q1; q++) {
          const s = cs[2 * q];
          const c = cs[2 * q + 1];
          const row = above - n;
          const z0 = zt[row + k];
          zt[above + k] = s * z0 + c * c0;
          c0 = c * z0 - s * c0;
          above = row;
        }
        zt[bottom + k] = c0;
      }
    }
  }
}

/**
 * Implicit QL with shifts on the tridiagonal (d, e) from tred2. With `rots`, every plane rotation is recorded (to be
 * applied to the rows of Qᵀ afterwards, see applyRotations). Returns 0 or the 1-based index of an eigenvalue that did
 * not converge.
 */
function tqli(n: number, d: Float64Array, e: Float64Array, rots: Rotations | null, known: Float64Array | null): number {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= EPS * dd) break;
      }
      if (m !== l) {
        if (iter++ === MAX_ITER) return l + 1;
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = pythag(g, 1);
        // Wilkinson-type shift from the leading 2×2; with known eigenvalues, snap it to the nearest one (a "perfect"
        // shift: the sweep then usually deflates at once, halving the rotations). Only the speed depends on this.
        let shift = d[l] - e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        if (known && iter <= 2) shift = nearest(known, shift);
        g = d[m] - shift;
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = m - 1; i >= l; i--) {
          let f = s * e[i];
          const b = c * e[i];
          r = pythag(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1] -= p;
            e[m] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          if (rots) rots.push(i, s, c);
        }
        if (r === 0 && i >= l) continue;
        d[l] -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
  return 0;
}

function transposeSquare(a: Float64Array, n: number): void {
  const B = 32;
  for (let i0 = 0; i0 < n; i0 += B) {
    for (let j0 = i0; j0 < n; j0 += B) {
      const iMax = Math.min(i0 + B, n);
      const jMax = Math.min(j0 + B, n);
      for (let i = i0; i < iMax; i++) {
        for (let j = Math.max(j0, i + 1); j < jMax; j++) {
          const t = a[i * n + j];
          a[i * n + j] = a[j * n + i];
          a[j * n + i] = t;
        }
      }
    }
  }
}

export function syevd(n: number, A: Float64Array, W: Float64Array, vectors: boolean): number {
  if (n === 0) return 0;
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(n, A, d, e, vectors);
  if (vectors) transposeSquare(A, n); // rows of A = columns of Q
  let known: Float64Array | null = null;
  if (vectors) {
    // Eigenvalues first (O(n²), no rotations recorded), used as shifts for the pass that records rotations.
    known = d.slice();
    if (tqli(n, known, e.slice(), null, null) !== 0) known = null;
    else known.sort();
  }
  const rots = vectors ? new Rotations() : null;
  const info = tqli(n, d, e, rots, known);
  if (info !== 0) return info;
  if (rots) applyRotations(n, A, rots);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x] - d[y]);
  for (let j = 0; j < n; j++) W[j] = d[order[j]];
  if (vectors) {
    // V[i][j] = Zt[order[j]][i]: gather rows in order, then transpose.
    const zt = A.slice();
    for (let j = 0; j < n; j++) {
      const src = order[j] * n;
      A.set(zt.subarray(src, src + n), j * n);
    }
    transposeSquare(A, n);
  }
  return 0;
}

export function syevr(n: number, A: Float64Array, il: number, iu: number, W: Float64Array, Z: Float64Array): number {
  const all = new Float64Array(n);
  const info = syevd(n, A, all, true);
  if (info !== 0) return info;
  const m = iu - il + 1;
  for (let j = 0; j < m; j++) W[j] = all[il - 1 + j];
  for (let i = 0; i < n; i++) {
    const src = i * n + il - 1;
    Z.set(A.subarray(src, src + m), i * m);
  }
  return 0;
}
