/**
 * The portable backend's GEMM: packed, cache-blocked, with a 4×4 register micro-kernel (accumulates in float64, also
 * for Float32Array); SYRK as GEMM on the blocks of the lower triangle.
 */
import type { FloatArray } from './backend.js';

const MC = 128;
const KC = 256;
const NC = 1024;

let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * (NC + 4));

/**
 * Pack op(X)[r0:r0+rows, p0:p0+kc] into 4-row panels of `dst`: panel r holds rows 4r..4r+3, k-major, zero-padded.
 * A's row panels are packed with op = A's own transpose flag; B's column panels are the row panels of op(B)ᵀ, i.e.
 * the same packing of B with the flag negated.
 */
function packPanels(
  dst: Float64Array,
  X: FloatArray,
  ld: number,
  trans: boolean,
  r0: number,
  rows: number,
  p0: number,
  kc: number,
): void {
  const panels = (rows + 3) >> 2;
  for (let r = 0; r < panels; r++) {
    const base = r * kc * 4;
    for (let ii = 0; ii < 4; ii++) {
      const i = 4 * r + ii;
      if (i >= rows) {
        for (let p = 0; p < kc; p++) dst[base + p * 4 + ii] = 0;
      } else if (trans) {
        // op(X)[i][p] = X[p][i]
        let src = p0 * ld + r0 + i;
        for (let p = 0; p < kc; p++, src += ld) dst[base + p * 4 + ii] = X[src];
      } else {
        const src = (r0 + i) * ld + p0;
        for (let p = 0; p < kc; p++) dst[base + p * 4 + ii] = X[src + p];
      }
    }
  }
}

const tile = new Float64Array(16);

/** tile = Apanel · Bpanel (4×4, over kc). */
function micro(ap: Float64Array, ai: number, bp: Float64Array, bj: number, kc: number): void {
  let c00 = 0,
    c01 = 0,
    c02 = 0,
    c03 = 0;
  let c10 = 0,
    c11 = 0,
    c12 = 0,
    c13 = 0;
  let c20 = 0,
    c21 = 0,
    c22 = 0,
    c23 = 0;
  let c30 = 0,
    c31 = 0,
    c32 = 0,
    c33 = 0;
  const end = ai + 4 * kc;
  for (; ai < end; ai += 4, bj += 4) {
    const a0 = ap[ai],
      a1 = ap[ai + 1],
      a2 = ap[ai + 2],
      a3 = ap[ai + 3];
    const b0 = bp[bj],
      b1 = bp[bj + 1],
      b2 = bp[bj + 2],
      b3 = bp[bj + 3];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c02 += a0 * b2;
    c03 += a0 * b3;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c12 += a1 * b2;
    c13 += a1 * b3;
    c20 += a2 * b0;
    c21 += a2 * b1;
    c22 += a2 * b2;
    c23 += a2 * b3;
    c30 += a3 * b0;
    c31 += a3 * b1;
    c32 += a3 * b2;
    c33 += a3 * b3;
  }
  const t = tile;
  t[0] = c00;
  t[1] = c01;
  t[2] = c02;
  t[3] = c03;
  t[4] = c10;
  t[5] = c11;
  t[6] = c12;
  t[7] = c13;
  t[8] = c20;
  t[9] = c21;
  t[10] = c22;
  t[11] = c23;
  t[12] = c30;
  t[13] = c31;
  t[14] = c32;
  t[15] = c33;
}

function addTile(C: FloatArray, ldc: number, i: number, j: number, rows: number, cols: number, alpha: number): void {
  const t = tile;
  for (let r = 0; r < rows; r++) {
    const o = (i + r) * ldc + j;
    for (let c = 0; c < cols; c++) C[o + c] += alpha * t[r * 4 + c];
  }
}

export function gemm(
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: FloatArray,
  lda: number,
  B: FloatArray,
  ldb: number,
  beta: number,
  C: FloatArray,
  ldc: number,
): void {
  if (m === 0 || n === 0) return;
  if (beta !== 1) {
    for (let i = 0; i < m; i++) {
      const o = i * ldc;
      if (beta === 0) C.fill(0, o, o + n);
      else for (let j = 0; j < n; j++) C[o + j] *= beta;
    }
  }
  if (k === 0 || alpha === 0) return;
  if (packA.length < MC * KC) packA = new Float64Array(MC * KC);
  if (packB.length < KC * (NC + 4)) packB = new Float64Array(KC * (NC + 4));
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      packPanels(packB, B, ldb, !tb, j0, nc, p0, kc);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packPanels(packA, A, lda, ta, i0, mc, p0, kc);
        for (let jr = 0; jr < nc; jr += 4) {
          const cols = Math.min(4, nc - jr);
          const bj = (jr >> 2) * kc * 4;
          for (let ir = 0; ir < mc; ir += 4) {
            micro(packA, (ir >> 2) * kc * 4, packB, bj, kc);
            addTile(C, ldc, i0 + ir, j0 + jr, Math.min(4, mc - ir), cols, alpha);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SYRK: lower triangle of C = alpha·op(A)·op(A)ᵀ + beta·C, op(A) = A (n×k) or Aᵀ (A k×n). `mul` runs the block
// products (the WebAssembly dispatch of portableWasmGemm.ts passes its gemm).

const SYRK_NB = 128;

export function syrk(
  trans: boolean,
  n: number,
  k: number,
  alpha: number,
  A: FloatArray,
  lda: number,
  beta: number,
  C: FloatArray,
  ldc: number,
  mul: typeof gemm = gemm,
): void {
  if (n === 0) return;
  const tmp = new Float64Array(SYRK_NB * SYRK_NB);
  // Row block I of op(A): trans ? columns of A starting at i0 : rows of A starting at i0.
  const block = (i0: number): FloatArray => (trans ? A.subarray(i0) : A.subarray(i0 * lda));
  for (let i0 = 0; i0 < n; i0 += SYRK_NB) {
    const ib = Math.min(SYRK_NB, n - i0);
    const Ai = block(i0);
    // Strictly-lower blocks: C[I, J] = alpha·op(A)_I·op(A)_Jᵀ + beta·C[I, J].
    for (let j0 = 0; j0 < i0; j0 += SYRK_NB) {
      const jb = Math.min(SYRK_NB, i0 - j0);
      mul(trans, !trans, ib, jb, k, alpha, Ai, lda, block(j0), lda, beta, C.subarray(i0 * ldc + j0), ldc);
    }
    // Diagonal block: compute fully, then update only its lower triangle.
    mul(trans, !trans, ib, ib, k, 1, Ai, lda, Ai, lda, 0, tmp, ib);
    for (let r = 0; r < ib; r++) {
      const o = (i0 + r) * ldc + i0;
      for (let c = 0; c <= r; c++) {
        const v = alpha * tmp[r * ib + c];
        C[o + c] = beta === 0 ? v : v + beta * C[o + c];
      }
    }
  }
}
