/**
 * The portable backend's symmetric eigensolver, in the style of LAPACK dsyevd:
 * 1. blocked Householder tridiagonalization (dsytrd with a dlatrd panel): the panel's symmetric matrix–vector
 *    products walk the lower triangle row by row; the rank-2k update of the trailing matrix goes through gemm;
 * 2. divide and conquer on the tridiagonal (dstedc/dlaed0–4): Cuppen's tearing, deflation of tiny z components and
 *    of close pole pairs (Givens), the secular equation solved per root with the origin at the nearer pole (so that
 *    d_j − λ_i is computed without cancellation), and Gu–Eisenstat's Löwner recomputation of z so that the
 *    eigenvectors are orthogonal to working precision; the merge products respect the block structure (gemm);
 *    small blocks use implicit QL (tqli) with the rotations applied to rows of the identity;
 * 3. back-transformation V = Q·Z with the reflectors in compact WY form (dormtr), three gemms per block.
 * Without vectors: 1 and 2 (the same values as with vectors). syevr computes all pairs then slices.
 */
import { gemm } from './portableGemm.js';
import { arena, releaseArena } from './wasmKernels.js';

/**
 * Where the buffers live and which kernels run on them: the WebAssembly SIMD kernels on views of their memory
 * (wasmKernels.ts), or the TypeScript ones on ordinary arrays. Buffers that a kernel touches come from f64();
 * mark/reset free everything allocated since the mark.
 */
interface Work {
  f64(len: number): Float64Array;
  mark(): number;
  reset(mark: number): void;
  gemm(
    ta: boolean,
    tb: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: Float64Array,
    lda: number,
    B: Float64Array,
    ldb: number,
    beta: number,
    C: Float64Array,
    ldc: number,
  ): void;
  /** One dlatrd panel (see latrdTs). */
  latrd: typeof latrdTs;
}

const tsWork: Work = {
  f64: (len) => new Float64Array(len),
  mark: () => 0,
  reset: () => undefined,
  gemm,
  latrd: latrdTs,
};

const EPS = 2.220446049250313e-16;
/** Panel width of the tridiagonalization and block size of the back-transformation. */
const TRD_NB = 32;
const ORM_NB = 64;
/** Row-block height of the trailing rank-2k update (gemm on blocks of the lower triangle). */
const UPD_RB = 96;
/** Tridiagonal blocks of at most this size are solved by QL instead of being split further. */
const DC_LEAF = 32;

/**
 * Reduces the symmetric n×n row-major `a` (lower triangle read; the strict upper triangle is used as scratch) to
 * tridiagonal form Qᵀ·A·Q = T. d gets T's diagonal, e[j] (j < n−1) the entry coupling j and j+1. Q = H_0·H_1⋯H_{n−2}
 * with H_j = I − tau[j]·v·vᵀ, v = (0…0, 1, a[j+2][j], …, a[n−1][j]) (the 1 at position j+1).
 */
function sytrd(wk: Work, n: number, a: Float64Array, d: Float64Array, e: Float64Array, tau: Float64Array): void {
  const nb = TRD_NB;
  const mark = wk.mark();
  const V = wk.f64(n * nb); // panel reflectors, row i = (v_0[i], …, v_{nb−1}[i])
  const W = wk.f64(n * nb);
  const y = wk.f64(n);
  const vc = wk.f64(n); // the current reflector, contiguous
  const tpan = wk.f64(2 * nb);
  const X = wk.f64(n * 2 * nb);
  const Y = wk.f64(n * 2 * nb);
  for (let j0 = 0; j0 < n; j0 += nb) {
    const jb = Math.min(nb, n - j0);
    V.fill(0);
    W.fill(0);
    wk.latrd(n, a, j0, jb, nb, V, W, vc, y, tpan, d, e, tau);
    // Trailing update A22 −= V·Wᵀ + W·Vᵀ = [V W]·[W V]ᵀ on the lower triangle, by row blocks.
    const t = j0 + jb;
    if (t >= n) break;
    const k2 = 2 * jb;
    for (let i = t; i < n; i++) {
      const s = i * nb;
      const o = i * k2;
      for (let q = 0; q < jb; q++) {
        X[o + q] = V[s + q];
        X[o + jb + q] = W[s + q];
        Y[o + q] = W[s + q];
        Y[o + jb + q] = V[s + q];
      }
    }
    for (let r0 = t; r0 < n; r0 += UPD_RB) {
      const r1 = Math.min(n, r0 + UPD_RB);
      wk.gemm(
        false,
        true,
        r1 - r0,
        r1 - t,
        k2,
        -1,
        X.subarray(r0 * k2),
        k2,
        Y.subarray(t * k2),
        k2,
        1,
        a.subarray(r0 * n + t),
        n,
      );
    }
  }
  wk.reset(mark);
}

/**
 * One dlatrd panel: columns j0..j0+jb−1 of a (lower triangle). Column j gets the panel's earlier updates
 * (a[:, j] −= V·W[j, :]ᵀ + W·V[j, :]ᵀ; read once into vc: it is strided), then its Householder reflector (dlarfg; v
 * back into a[j+2.., j], d[j], e[j], tau[j]), then W's column w = τ·(A22·v − V·(Wᵀv) − W·(Vᵀv)) − ½τ²·(wᵀv)·v with
 * A22 the not yet updated trailing matrix. V, W: n×nb, zero on entry; vc, y: n; t: 2·nb. The WebAssembly kernel
 * `latrd` (wasm/eigh.c) is the same loop.
 */
function latrdTs(
  n: number,
  a: Float64Array,
  j0: number,
  jb: number,
  nb: number,
  V: Float64Array,
  W: Float64Array,
  vc: Float64Array,
  y: Float64Array,
  t: Float64Array,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
): void {
  const t1 = t.subarray(0, nb);
  const t2 = t.subarray(nb, 2 * nb);
  for (let c = 0; c < jb; c++) {
    const j = j0 + c;
    // Column j, rows j..n−1 (read once into vc: it is strided), gets the panel's earlier updates:
    // a[:, j] −= V·W[j, :]ᵀ + W·V[j, :]ᵀ.
    for (let i = j; i < n; i++) vc[i] = a[i * n + j];
    if (c > 0) {
      const rj = j * nb;
      for (let i = j; i < n; i++) {
        const ri = i * nb;
        let s = 0;
        for (let q = 0; q < c; q++) s += V[ri + q] * W[rj + q] + W[ri + q] * V[rj + q];
        vc[i] -= s;
      }
    }
    d[j] = vc[j];
    if (j === n - 1) break;
    // Householder reflector (dlarfg) annihilating column j below the subdiagonal; v goes back into a[j+2.., j].
    const j1 = j + 1;
    const alpha = vc[j1];
    let xn = 0;
    for (let i = j + 2; i < n; i++) xn += vc[i] * vc[i];
    V[j1 * nb + c] = 1;
    if (xn === 0) {
      // H_j = I (tau = 0): W's column stays zero.
      tau[j] = 0;
      e[j] = alpha;
      continue;
    }
    const beta = alpha >= 0 ? -Math.sqrt(alpha * alpha + xn) : Math.sqrt(alpha * alpha + xn);
    const tj = (beta - alpha) / beta;
    const sc = 1 / (alpha - beta);
    tau[j] = tj;
    e[j] = beta;
    vc[j1] = 1;
    for (let i = j + 2; i < n; i++) {
      const v = vc[i] * sc;
      vc[i] = v;
      a[i * n + j] = v;
      V[i * nb + c] = v;
    }
    // y = A22·v over rows/cols j+1..n−1 (lower triangle).
    symvLowerTs(n, a, j1, vc, y);
    // y −= V·(Wᵀv) + W·(Vᵀv) over the panel's earlier columns, then y = tau·y − ½·tau²·(yᵀv)·v.
    if (c > 0) {
      t1.fill(0);
      t2.fill(0);
      for (let i = j1; i < n; i++) {
        const vi = vc[i];
        const ri = i * nb;
        for (let q = 0; q < c; q++) {
          t1[q] += W[ri + q] * vi;
          t2[q] += V[ri + q] * vi;
        }
      }
      for (let i = j1; i < n; i++) {
        const ri = i * nb;
        let s = 0;
        for (let q = 0; q < c; q++) s += V[ri + q] * t1[q] + W[ri + q] * t2[q];
        y[i] -= s;
      }
    }
    let yv = 0;
    for (let i = j1; i < n; i++) {
      y[i] *= tj;
      yv += y[i] * vc[i];
    }
    const al = -0.5 * tj * yv;
    for (let i = j1; i < n; i++) W[i * nb + c] = y[i] + al * vc[i];
  }
}

/** y[j1..n) = A[j1.., j1..]·v from the lower triangle of a, row by row: a dot and an axpy per row. */
function symvLowerTs(n: number, a: Float64Array, j1: number, v: Float64Array, y: Float64Array): void {
  y.fill(0, j1, n);
  for (let i = j1; i < n; i++) {
    const ri = i * n;
    const vi = v[i];
    let s = 0;
    for (let k = j1; k < i; k++) {
      const aik = a[ri + k];
      s += aik * v[k];
      y[k] += aik * vi;
    }
    y[i] += s + a[ri + i] * vi;
  }
}

/**
 * Z (n×n row-major) ← Q·Z with Q = H_0⋯H_{n−2} from sytrd (reflectors in the strict lower triangle of a), applied
 * in blocks of ORM_NB reflectors from the last block to the first: Z[j0+1.., :] −= Vb·(T·(Vbᵀ·Z[j0+1.., :])).
 */
function ormtr(wk: Work, n: number, a: Float64Array, tau: Float64Array, Z: Float64Array): void {
  const nr = n - 1; // reflectors 0..n−2
  if (nr <= 0) return;
  const nb = ORM_NB;
  const mark = wk.mark();
  const Vb = wk.f64(n * nb);
  const T = wk.f64(nb * nb);
  const G = wk.f64(nb * n);
  const G2 = wk.f64(nb * n);
  const S = wk.f64(nb * nb);
  const last = Math.floor((nr - 1) / nb) * nb;
  for (let j0 = last; j0 >= 0; j0 -= nb) {
    const kb = Math.min(nb, nr - j0);
    const r0 = j0 + 1; // first row touched
    const m = n - r0;
    // Vb (m×kb): column c = reflector j0+c on rows r0.., unit at row j0+c+1.
    for (let r = 0; r < m; r++) {
      const g = r0 + r;
      const o = r * kb;
      for (let c = 0; c < kb; c++) {
        const j = j0 + c;
        Vb[o + c] = g === j + 1 ? 1 : g > j + 1 ? a[g * n + j] : 0;
      }
    }
    // T (kb×kb upper triangular): T_cc = τ_c, T[0:c, c] = −τ_c·T[0:c, 0:c]·(Vbᵀ·Vb)[0:c, c] (dlarft).
    wk.gemm(true, false, kb, kb, m, 1, Vb, kb, Vb, kb, 0, S, kb);
    T.fill(0);
    for (let c = 0; c < kb; c++) {
      const tc = tau[j0 + c];
      for (let q = 0; q < c; q++) {
        let s = 0;
        for (let p = q; p < c; p++) s += T[q * kb + p] * S[p * kb + c];
        T[q * kb + c] = -tc * s;
      }
      T[c * kb + c] = tc;
    }
    const Zs = Z.subarray(r0 * n);
    wk.gemm(true, false, kb, n, m, 1, Vb, kb, Zs, n, 0, G, n);
    wk.gemm(false, false, kb, n, kb, 1, T, kb, G, n, 0, G2, n);
    wk.gemm(false, false, m, n, kb, -1, Vb, kb, G2, n, 1, Zs, n);
  }
  wk.reset(mark);
}

/**
 * The roots of the secular equation 1 + ρ·Σ z_j²/(dl_j − λ) = 0 (dl strictly ascending, z_j ≠ 0, ρ > 0), one per
 * interval (dl_i, dl_{i+1}) and the last in (dl_{k−1}, dl_{k−1} + ρ·zᵀz]. For each root the origin is the nearer
 * pole, so delta[j·k + i] = dl_j − λ_i = (dl_j − dl_origin) − τ carries no cancellation (dlaed4's device). Each root:
 * the two-pole fixed-weight rational step (Bunch–Nielsen–Sorensen / dlaed4), safeguarded by bisection.
 */
function secular(
  k: number,
  dl: Float64Array,
  z: Float64Array,
  rho: number,
  lam: Float64Array,
  delta: Float64Array,
): void {
  const del = new Float64Array(k);
  let zz = 0;
  for (let j = 0; j < k; j++) zz += z[j] * z[j];
  for (let i = 0; i < k; i++) {
    let org: number;
    let lo: number;
    let hi: number;
    if (i < k - 1) {
      const half = 0.5 * (dl[i + 1] - dl[i]);
      // f at the midpoint decides which pole is nearer.
      let f = 1;
      for (let j = 0; j < k; j++) f += (rho * z[j] * z[j]) / (dl[j] - dl[i] - half);
      if (f >= 0) {
        org = i;
        lo = 0;
        hi = half;
      } else {
        org = i + 1;
        lo = dl[i] - dl[i + 1];
        lo = Math.max(lo, -half);
        hi = 0;
      }
    } else {
      org = k - 1;
      lo = 0;
      hi = rho * zz;
    }
    const dorg = dl[org];
    for (let j = 0; j < k; j++) del[j] = dl[j] - dorg;
    let tau = org === i ? hi : lo; // start at the bracket's far end (f has a known sign there)
    if (i === k - 1) tau = hi;
    for (let it = 0; it < 200; it++) {
      let psi = 0;
      let dpsi = 0;
      let phi = 0;
      let dphi = 0;
      let err = 0;
      for (let j = 0; j <= i; j++) {
        const t = z[j] / (del[j] - tau);
        const u = rho * z[j] * t;
        psi += u;
        dpsi += rho * t * t;
        err -= u;
      }
      for (let j = i + 1; j < k; j++) {
        const t = z[j] / (del[j] - tau);
        const u = rho * z[j] * t;
        phi += u;
        dphi += rho * t * t;
        err += u;
      }
      const w = 1 + psi + phi;
      if (Math.abs(w) <= EPS * (8 * (1 + err) + Math.abs(tau) * (dpsi + dphi))) break;
      if (w < 0) lo = tau;
      else hi = tau;
      if (w === 0) break;
      let eta: number;
      const Di = del[i] - tau;
      if (i < k - 1) {
        const Dn = del[i + 1] - tau;
        const c = w - Di * dpsi - Dn * dphi;
        const aa = (Di + Dn) * w - Di * Dn * (dpsi + dphi);
        const b = Di * Dn * w;
        const disc = Math.sqrt(Math.abs(aa * aa - 4 * b * c));
        if (c === 0) eta = b / aa;
        else if (aa <= 0) eta = (aa - disc) / (2 * c);
        else eta = (2 * b) / (aa + disc);
      } else {
        const c = w - Di * (dpsi + dphi);
        eta = (Di * w) / c;
      }
      let tn = tau + eta;
      if (!(tn > lo && tn < hi)) tn = 0.5 * (lo + hi);
      if (tn === tau || hi - lo <= 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) {
        tau = tn;
        break;
      }
      tau = tn;
    }
    lam[i] = dorg + tau;
    for (let j = 0; j < k; j++) delta[j * k + i] = del[j] - tau;
  }
}

/**
 * Divide and conquer on the tridiagonal block [lo, hi) of (d, e): on return d[lo..hi) holds its eigenvalues in
 * ascending order and Z[lo.., lo..] (ld n) the eigenvectors as columns. Returns 0 or > 0 if QL failed on a leaf.
 */
function dcSolve(
  wk: Work,
  n: number,
  d: Float64Array,
  e: Float64Array,
  Z: Float64Array,
  lo: number,
  hi: number,
): number {
  const m = hi - lo;
  if (m <= DC_LEAF) return leafSolve(n, d, e, Z, lo, hi);
  const mid = lo + (m >> 1);
  const beta = e[mid - 1];
  const ab = Math.abs(beta);
  d[mid - 1] -= ab;
  d[mid] -= ab;
  const info = dcSolve(wk, n, d, e, Z, lo, mid) || dcSolve(wk, n, d, e, Z, mid, hi);
  if (info !== 0) return info;
  merge(wk, n, d, Z, lo, mid, hi, beta);
  return 0;
}

function leafSolve(n: number, d: Float64Array, e: Float64Array, Z: Float64Array, lo: number, hi: number): number {
  const m = hi - lo;
  const dl = d.slice(lo, hi);
  const el = new Float64Array(m);
  for (let i = 1; i < m; i++) el[i] = e[lo + i - 1];
  const rots = new Rotations();
  const info = tqli(m, dl, el, rots);
  if (info !== 0) return info + lo;
  const zt = new Float64Array(m * m);
  for (let i = 0; i < m; i++) zt[i * m + i] = 1;
  applyRotations(m, zt, rots);
  const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => dl[x] - dl[y]);
  for (let c = 0; c < m; c++) {
    const src = order[c] * m;
    d[lo + c] = dl[order[c]];
    for (let r = 0; r < m; r++) Z[(lo + r) * n + lo + c] = zt[src + r];
  }
  return 0;
}

/**
 * Merges the solved halves [lo, mid) and [mid, hi) coupled by beta (dlaed1–3): the eigenproblem of
 * diag(D) + ρ·z·zᵀ with z = (last row of Q1, sign(β)·first row of Q2)/√2 and ρ = 2|β|.
 */
function merge(
  wk: Work,
  n: number,
  d: Float64Array,
  Z: Float64Array,
  lo: number,
  mid: number,
  hi: number,
  beta: number,
): void {
  const m = hi - lo;
  const m1 = mid - lo;
  const rho = 2 * Math.abs(beta);
  const sg = beta < 0 ? -1 : 1;
  const D = d.slice(lo, hi);
  const z = new Float64Array(m);
  const s2 = Math.SQRT1_2;
  for (let c = 0; c < m1; c++) z[c] = Z[(mid - 1) * n + lo + c] * s2;
  for (let c = m1; c < m; c++) z[c] = sg * Z[mid * n + lo + c] * s2;
  const type = new Uint8Array(m); // 1: rows of Q1 only, 2: rows of Q2 only, 3: dense
  type.fill(1, 0, m1);
  type.fill(2, m1, m);
  // Ascending order of D (both halves are sorted: merge them).
  const perm = new Int32Array(m);
  for (let p = 0, a1 = 0, a2 = m1; p < m; p++) {
    if (a2 >= m || (a1 < m1 && D[a1] <= D[a2])) perm[p] = a1++;
    else perm[p] = a2++;
  }
  let dmax = 0;
  let zmax = 0;
  for (let c = 0; c < m; c++) {
    dmax = Math.max(dmax, Math.abs(D[c]));
    zmax = Math.max(zmax, Math.abs(z[c]));
  }
  const tol = 8 * EPS * Math.max(dmax, zmax);
  const nd: number[] = [];
  const df: number[] = [];
  let prev = -1;
  for (let p = 0; p < m; p++) {
    const j = perm[p];
    if (rho * Math.abs(z[j]) <= tol) {
      df.push(j);
      continue;
    }
    if (prev < 0) {
      prev = j;
      continue;
    }
    const zs = z[prev];
    const zc = z[j];
    const tau = Math.hypot(zc, zs);
    const t = D[j] - D[prev];
    const c = zc / tau;
    const s = -zs / tau;
    if (Math.abs(t * c * s) <= tol) {
      // Close poles: rotate columns prev and j so that z[prev] = 0; prev deflates.
      z[j] = tau;
      z[prev] = 0;
      for (let r = 0; r < m; r++) {
        const o = (lo + r) * n + lo;
        const x = Z[o + prev];
        const yv = Z[o + j];
        Z[o + prev] = c * x + s * yv;
        Z[o + j] = c * yv - s * x;
      }
      if (type[prev] !== type[j]) {
        type[prev] = 3;
        type[j] = 3;
      }
      const dp = D[prev] * c * c + D[j] * s * s;
      D[j] = D[prev] * s * s + D[j] * c * c;
      D[prev] = dp;
      df.push(prev);
      prev = j;
    } else {
      nd.push(prev);
      prev = j;
    }
  }
  if (prev >= 0) nd.push(prev);
  const k = nd.length;
  // Secular equation and Löwner's z on the k non-deflated poles.
  const lam = new Float64Array(k);
  const mark = wk.mark();
  let R: Float64Array = new Float64Array(0); // m×k: new eigenvector columns
  if (k > 0) {
    const dl = new Float64Array(k);
    const zl = new Float64Array(k);
    for (let p = 0; p < k; p++) {
      dl[p] = D[nd[p]];
      zl[p] = z[nd[p]];
    }
    const delta = new Float64Array(k * k);
    secular(k, dl, zl, rho, lam, delta);
    const zh = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      const o = j * k;
      let w = delta[o + j];
      for (let i = 0; i < k; i++) if (i !== j) w *= delta[o + i] / (dl[j] - dl[i]);
      zh[j] = Math.sqrt(Math.max(-w, 0)) * (zl[j] >= 0 ? 1 : -1);
    }
    // U[j][i] = ẑ_j/(dl_j − λ_i), columns normalized; rows grouped as type 1, 3, 2 for the two structured gemms.
    const groups: number[] = [];
    for (const want of [1, 3, 2]) for (let p = 0; p < k; p++) if (type[nd[p]] === want) groups.push(p);
    let n1 = 0;
    let n3 = 0;
    for (let p = 0; p < k; p++) {
      if (type[nd[p]] === 1) n1++;
      else if (type[nd[p]] === 3) n3++;
    }
    const U = wk.f64(k * k);
    const nrm = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      const o = j * k;
      const zj = zh[j];
      for (let i = 0; i < k; i++) {
        const u = zj / delta[o + i];
        delta[o + i] = u;
        nrm[i] += u * u;
      }
    }
    for (let i = 0; i < k; i++) nrm[i] = 1 / Math.sqrt(nrm[i]);
    for (let g = 0; g < k; g++) {
      const src = groups[g] * k;
      const o = g * k;
      for (let i = 0; i < k; i++) U[o + i] = delta[src + i] * nrm[i];
    }
    const m2 = m - m1;
    R = wk.f64(m * k);
    const ntop = n1 + n3;
    if (ntop > 0 && m1 > 0) {
      const At = wk.f64(m1 * ntop);
      for (let r = 0; r < m1; r++) {
        const o = (lo + r) * n + lo;
        for (let g = 0; g < ntop; g++) At[r * ntop + g] = Z[o + nd[groups[g]]];
      }
      wk.gemm(false, false, m1, k, ntop, 1, At, ntop, U, k, 0, R, k);
    }
    const nbot = k - n1;
    if (nbot > 0 && m2 > 0) {
      const Ab = wk.f64(m2 * nbot);
      for (let r = 0; r < m2; r++) {
        const o = (lo + m1 + r) * n + lo;
        for (let g = 0; g < nbot; g++) Ab[r * nbot + g] = Z[o + nd[groups[n1 + g]]];
      }
      wk.gemm(false, false, m2, k, nbot, 1, Ab, nbot, U.subarray(n1 * k), k, 0, R.subarray(m1 * k), k);
    }
  }
  // Final order: the k new pairs and the deflated ones, ascending.
  const nf = df.length;
  const Dc = new Float64Array(m * nf);
  for (let r = 0; r < m; r++) {
    const o = (lo + r) * n + lo;
    for (let q = 0; q < nf; q++) Dc[r * nf + q] = Z[o + df[q]];
  }
  const vals = new Float64Array(m);
  for (let i = 0; i < k; i++) vals[i] = lam[i];
  for (let q = 0; q < nf; q++) vals[k + q] = D[df[q]];
  const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => vals[x] - vals[y] || x - y);
  for (let c = 0; c < m; c++) d[lo + c] = vals[order[c]];
  for (let r = 0; r < m; r++) {
    const o = (lo + r) * n + lo;
    for (let c = 0; c < m; c++) {
      const s = order[c];
      Z[o + c] = s < k ? R[r * k + s] : Dc[r * nf + s - k];
    }
  }
  wk.reset(mark);
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
 * Implicit QL with shifts on a tridiagonal (d, e) (a divide-and-conquer leaf; e[i] couples i−1 and i, e[0] unused).
 * With `rots`, every plane rotation is recorded (to be applied to the rows of Qᵀ afterwards, see applyRotations).
 * Returns 0 or the 1-based index of an eigenvalue that did not converge.
 */
function tqli(n: number, d: Float64Array, e: Float64Array, rots: Rotations | null): number {
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
        // Wilkinson-type shift from the leading 2×2.
        const shift = d[l] - e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
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

export function syevd(n: number, A: Float64Array, W: Float64Array, vectors: boolean): number {
  if (n === 0) return 0;
  const wk = arena(5 * n * n + 256 * n + 8192) ?? tsWork;
  try {
    return syevdOn(wk, n, A, W, vectors);
  } finally {
    releaseArena();
  }
}

function syevdOn(wk: Work, n: number, A: Float64Array, W: Float64Array, vectors: boolean): number {
  const a = wk === tsWork ? A : wk.f64(n * n);
  if (a !== A) a.set(A);
  // Far from 1 in scale, squares in the reflectors and the secular equation would overflow or underflow: work on
  // A/max|a_ij| then (as dsyevd does).
  let amax = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) amax = Math.max(amax, Math.abs(a[i * n + j]));
  const scale = amax > 2 ** 400 || (amax > 0 && amax < 2 ** -400) ? amax : 1;
  if (scale !== 1) for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] /= scale;
  const d = wk.f64(n);
  const e = wk.f64(n);
  const tau = wk.f64(n);
  sytrd(wk, n, a, d, e, tau);
  // Negligible couplings become exact zeros (the merge then deflates everything there).
  for (let i = 0; i + 1 < n; i++) {
    if (Math.abs(e[i]) <= EPS * Math.sqrt(Math.abs(d[i])) * Math.sqrt(Math.abs(d[i + 1]))) e[i] = 0;
  }
  // Divide and conquer also without vectors (its merges need the tridiagonal's eigenvectors), so that eigvalsh gives
  // exactly eigh's values: checkPd compares condition numbers, i.e. λ_min, at the 1e-16 level, where QL's differed.
  const Z = wk.f64(n * n);
  const info = dcSolve(wk, n, d, e, Z, 0, n);
  if (info !== 0) return info;
  for (let i = 0; i < n; i++) W[i] = d[i] * scale;
  if (!vectors) return 0;
  ormtr(wk, n, a, tau, Z);
  A.set(Z);
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
