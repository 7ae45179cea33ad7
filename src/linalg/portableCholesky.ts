/** The portable backend's Cholesky factorization (row-oriented Cholesky–Crout) and triangular solves (potrs, trsm). */

/** Cholesky–Crout on the row-major lower triangle; the strict upper triangle is not touched. */
export function potrf(n: number, A: Float64Array): number {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = A[ri + j];
      for (let k = 0; k < j; k++) s -= A[ri + k] * A[rj + k];
      if (j === i) {
        if (!(s > 0)) return i + 1;
        A[ri + i] = Math.sqrt(s);
      } else {
        A[ri + j] = s / A[rj + j];
      }
    }
  }
  return 0;
}

/** B = alpha·op(A)⁻¹·B (left) or alpha·B·op(A)⁻¹ (right), A triangular and row-major; B is m×n. */
export function trsm(
  right: boolean,
  lower: boolean,
  transA: boolean,
  unitDiag: boolean,
  m: number,
  n: number,
  alpha: number,
  A: Float64Array,
  lda: number,
  B: Float64Array,
  ldb: number,
): void {
  if (m === 0 || n === 0) return;
  if (alpha !== 1) {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) B[i * ldb + j] *= alpha;
  }
  // op(A) is lower-triangular iff (lower XOR transA).
  const opLower = lower !== transA;
  // op(A)[i][j] for the row-major A
  const at = (i: number, j: number): number => (transA ? A[j * lda + i] : A[i * lda + j]);
  if (!right) {
    // Solve op(A)·X = B, A m×m, rows of B updated as a whole (axpy on contiguous rows).
    const start = opLower ? 0 : m - 1;
    const step = opLower ? 1 : -1;
    for (let t = 0, i = start; t < m; t++, i += step) {
      const bi = i * ldb;
      // B_i -= Σ_k op(A)[i][k]·X_k over solved k.
      for (let s = 0, k = start; s < t; s++, k += step) {
        const aik = at(i, k);
        if (aik === 0) continue;
        const bk = k * ldb;
        for (let j = 0; j < n; j++) B[bi + j] -= aik * B[bk + j];
      }
      if (!unitDiag) {
        const inv = 1 / at(i, i);
        for (let j = 0; j < n; j++) B[bi + j] *= inv;
      }
    }
    return;
  }
  // Solve X·op(A) = B row by row: x_j = (b_j − Σ_k x_k·op(A)[k][j]) / op(A)[j][j]. op(A) upper → forward in j.
  const forward = !opLower;
  for (let i = 0; i < m; i++) {
    const bi = i * ldb;
    for (let t = 0, j = forward ? 0 : n - 1; t < n; t++, j += forward ? 1 : -1) {
      if (!unitDiag) B[bi + j] /= at(j, j);
      const xj = B[bi + j];
      if (xj === 0) continue;
      // Scatter into the unsolved entries: b_j' -= x_j·op(A)[j][j'].
      if (forward) for (let jj = j + 1; jj < n; jj++) B[bi + jj] -= xj * at(j, jj);
      else for (let jj = 0; jj < j; jj++) B[bi + jj] -= xj * at(j, jj);
    }
  }
}

export function potrs(n: number, nrhs: number, L: Float64Array, B: Float64Array): void {
  if (n === 0 || nrhs === 0) return;
  trsm(false, true, false, false, n, nrhs, 1, L, n, B, nrhs);
  trsm(false, true, true, false, n, nrhs, 1, L, n, B, nrhs);
}
