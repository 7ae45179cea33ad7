/**
 * The portable backend: the Backend interface in TypeScript (plus a small WebAssembly module for eigh), for
 * machines (and browsers) without the native addon. Same conventions as the native backend: row-major buffers, in place, lower triangles for syrk/potrf,
 * ascending eigenvalues with eigenvectors as columns.
 *
 * - gemm: packed, cache-blocked GEMM with a 4×4 register micro-kernel (accumulates in float64, also for Float32Array);
 *   products of 32³ multiply–adds and more run it as the WebAssembly SIMD kernel (portableWasmGemm.ts) where available.
 * - syrk: gemm on the blocks of the lower triangle (likewise on the WebAssembly kernel).
 * - syevd: blocked Householder tridiagonalization (dsytrd/dlatrd), divide and conquer on the tridiagonal
 *   (dstedc/dlaed*), compact-WY back-transformation (dormtr); its gemm and tridiagonalization panel run as
 *   WebAssembly SIMD kernels where available (wasmKernels.ts), else as the TypeScript loops.
 * - syevr: computes all pairs then slices.
 * - potrf: row-oriented (Cholesky–Crout) factorization; potrs/trsm: substitution with row (axpy/dot) loops.
 * Async forms resolve with the synchronous result (they do not leave the event loop).
 * The algorithms live in portableGemm.ts (+ portableWasmGemm.ts), portableEigh.ts and portableCholesky.ts; this file assembles the backend.
 */
import type { Backend } from './backend.js';
import { potrf, potrs, trsm } from './portableCholesky.js';
import { syevd, syevr } from './portableEigh.js';
import { gemm, syrk } from './portableWasmGemm.js';

export const portableBackend: Backend = {
  name: 'portable',
  info: () => ({
    name: 'portable',
    corename: 'none',
    threads: 1,
    details:
      'TypeScript (blocked GEMM; eigh: dsytrd + divide and conquer) with WebAssembly SIMD kernels (gemm, syrk, eigh)',
  }),
  gemm,
  gemmAsync: async (ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc) =>
    gemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc),
  syrk,
  syrkAsync: async (t, n, k, alpha, A, lda, beta, C, ldc) => syrk(t, n, k, alpha, A, lda, beta, C, ldc),
  syevd,
  syevdAsync: async (n, A, W, v) => syevd(n, A, W, v),
  syevr,
  potrf,
  potrfAsync: async (n, A) => potrf(n, A),
  potrs,
  trsm,
};
