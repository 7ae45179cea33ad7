/**
 * The portable backend's gemm and syrk on the WebAssembly SIMD gemm kernel (src/linalg/wasm/eigh.c, loaded by
 * wasmKernels.ts): the operands are copied into the module's memory (Float32Array operands are widened to float64
 * there and C rounded back once at the end), multiplied there, and the result copied back. Products too large for
 * one arena of ARENA_DOUBLES are tiled over rows and columns of C and over k (C stays in the arena across the k
 * blocks). Products under MIN_FLOPS multiply–adds, or where the kernels are unavailable (no WebAssembly SIMD,
 * NTK_PORTABLE_WASM=0, a refused synchronous compile), run the TypeScript kernels of portableGemm.ts, which remain
 * the reference. The results may differ from the TypeScript ones in the last bits (order of the k sums).
 */
import type { FloatArray } from './backend.js';
import { gemm as gemmTs, syrk as syrkTs } from './portableGemm.js';
import { arena, releaseArena } from './wasmKernels.js';

/** m·n·k below which the TypeScript gemm is as fast (copies and call overhead dominate): see BENCHMARKS.md. */
const DEFAULT_MIN_FLOPS = 512;
/** Doubles of wasm memory one product may use (32 MiB; under wasmKernels' KEEP_BYTES, so the memory is kept). */
const DEFAULT_ARENA_DOUBLES = 4 * 2 ** 20;
let MIN_FLOPS = DEFAULT_MIN_FLOPS;
let ARENA_DOUBLES = DEFAULT_ARENA_DOUBLES;
/** The largest C tile side when a product is tiled. */
const TILE = 1024;

/**
 * Sets the size threshold and the arena size (tests and benchmarks: minFlops 0 sends every product to the
 * WebAssembly kernel, a small arenaDoubles forces the tiling); no argument restores the defaults.
 */
export function setWasmGemmLimits(limits: { minFlops?: number; arenaDoubles?: number } = {}): void {
  MIN_FLOPS = limits.minFlops ?? DEFAULT_MIN_FLOPS;
  ARENA_DOUBLES = Math.max(limits.arenaDoubles ?? DEFAULT_ARENA_DOUBLES, 3);
}

/** dst[0:rows·cols] = X[r0:r0+rows, c0:c0+cols] (row-major, leading dimension ld), compact. */
function copyIn(
  dst: Float64Array,
  X: FloatArray,
  ld: number,
  r0: number,
  c0: number,
  rows: number,
  cols: number,
): void {
  if (ld === cols && c0 === 0) {
    dst.set(X.subarray(r0 * ld, (r0 + rows) * ld));
    return;
  }
  for (let r = 0, o = r0 * ld + c0; r < rows; r++, o += ld) dst.set(X.subarray(o, o + cols), r * cols);
}

/** X[r0:r0+rows, c0:c0+cols] = src (compact rows·cols). */
function copyOut(
  X: FloatArray,
  ld: number,
  r0: number,
  c0: number,
  src: Float64Array,
  rows: number,
  cols: number,
): void {
  if (ld === cols && c0 === 0) {
    X.set(src.subarray(0, rows * cols), r0 * ld);
    return;
  }
  for (let r = 0, o = r0 * ld + c0; r < rows; r++, o += ld) X.set(src.subarray(r * cols, (r + 1) * cols), o);
}

/** C = alpha·op(A)·op(B) + beta·C (the portable backend's gemm; same contract as portableGemm.gemm). */
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
  if (m === 0 || n === 0 || k === 0 || alpha === 0 || m * n * k < MIN_FLOPS)
    return gemmTs(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
  let mb = m,
    nb = n,
    kb = k;
  if (m * k + k * n + m * n > ARENA_DOUBLES) {
    const t = Math.min(TILE, Math.floor(Math.sqrt(ARENA_DOUBLES / 3)));
    mb = Math.min(m, t);
    nb = Math.min(n, t);
    kb = Math.min(k, Math.floor((ARENA_DOUBLES - mb * nb) / (mb + nb)));
  }
  const ar = arena(mb * kb + kb * nb + mb * nb);
  if (!ar) return gemmTs(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
  const Aw = ar.f64(mb * kb, false);
  const Bw = ar.f64(kb * nb, false);
  const Cw = ar.f64(mb * nb, false);
  for (let i0 = 0; i0 < m; i0 += mb) {
    const mc = Math.min(mb, m - i0);
    for (let j0 = 0; j0 < n; j0 += nb) {
      const nc = Math.min(nb, n - j0);
      if (beta !== 0) copyIn(Cw, C, ldc, i0, j0, mc, nc);
      for (let p0 = 0; p0 < k; p0 += kb) {
        const kc = Math.min(kb, k - p0);
        // op(A)[i0:, p0:] and op(B)[p0:, j0:] in their stored orientation, compact; skipped where the arena
        // already holds that block (A's depends on i0 and p0, B's on j0 and p0).
        if (kb < k || j0 === 0) {
          if (ta) copyIn(Aw, A, lda, p0, i0, kc, mc);
          else copyIn(Aw, A, lda, i0, p0, mc, kc);
        }
        if (kb < k || nb < n || i0 === 0) {
          if (tb) copyIn(Bw, B, ldb, j0, p0, nc, kc);
          else copyIn(Bw, B, ldb, p0, j0, kc, nc);
        }
        ar.gemm(ta, tb, mc, nc, kc, alpha, Aw, ta ? mc : kc, Bw, tb ? kc : nc, p0 === 0 ? beta : 1, Cw, nc);
      }
      copyOut(C, ldc, i0, j0, Cw, mc, nc);
    }
  }
  releaseArena();
}

/**
 * Lower triangle of C = alpha·op(A)·op(A)ᵀ + beta·C (the portable backend's syrk). op(A) is copied once; each block
 * row of C's lower triangle is one gemm (the upper part of its diagonal block is computed and discarded). Too large
 * for one arena: portableGemm's blocked syrk with this file's gemm.
 */
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
): void {
  if (n === 0 || k === 0 || alpha === 0 || n * n * k < 2 * MIN_FLOPS)
    return syrkTs(trans, n, k, alpha, A, lda, beta, C, ldc);
  if (n * k + n * n > ARENA_DOUBLES) return syrkTs(trans, n, k, alpha, A, lda, beta, C, ldc, gemm);
  const ar = arena(n * k + n * n);
  if (!ar) return syrkTs(trans, n, k, alpha, A, lda, beta, C, ldc);
  const Aw = ar.f64(n * k, false);
  const Cw = ar.f64(n * n, false);
  // Stored orientation: trans ? A is k×n : n×k; compact leading dimension ld.
  const ld = trans ? n : k;
  if (trans) copyIn(Aw, A, lda, 0, 0, k, n);
  else copyIn(Aw, A, lda, 0, 0, n, k);
  if (beta !== 0) for (let r = 0; r < n; r++) Cw.set(C.subarray(r * ldc, r * ldc + r + 1), r * n);
  const NB = 128;
  for (let i0 = 0; i0 < n; i0 += NB) {
    const ib = Math.min(NB, n - i0);
    const Ai = trans ? Aw.subarray(i0) : Aw.subarray(i0 * ld);
    // C[i0:i0+ib, 0:i0+ib] = alpha·op(A)_I·op(A)[0:i0+ib]ᵀ + beta·C
    ar.gemm(trans, !trans, ib, i0 + ib, k, alpha, Ai, ld, Aw, ld, beta, Cw.subarray(i0 * n), n);
  }
  for (let r = 0; r < n; r++) C.set(Cw.subarray(r * n, r * n + r + 1), r * ldc);
  releaseArena();
}
