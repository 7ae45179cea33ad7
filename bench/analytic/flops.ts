/**
 * The flop limit of conv(·,3),relu,gap,dense(1) (bench/analytic/cnn.ts, simd.ts): the fused kernel's operation
 * count on n MNIST images and the machine's peak FMA rate (bench/analytic/peak_fma.cc).
 *
 * Count: the fused kernel (native/simd_kernels.h convReluMean; on AVX-512 convReluGroup512) computes only the
 * entries whose two variances are positive (the scalar code skips the others too): rows p of x_i with q > 0 ×
 * positions p2 of x_j with q > 0, over the pairs i ≤ j. Arithmetic operations per entry as implemented, an FMA = 2,
 * an add, subtract, multiply, division or square root = 1 (compares, min/max, |x| and selects are not counted):
 * the patch Gram's 9 FMA = 18; affine (α·acc, sw2·g + sb2) 3 and Θ̃ = 0 + Σ 1; ρ = (Σ·r1)·r2 2; x², ½(1 − |x|) 3;
 * asinPoly (Estrin, degree 12) 26; √z 1; √((1 − ρ)(1 + ρ)) 4; the arccos's branches and π − θ 6 (y + y·r, q + q,
 * π − 2q, π/2 − q, π − θ); J = √… + (π − θ)ρ 2; the terms (sq1·s2)·J and Θ̃·(π − θ) 3; the two lane sums 2: 71.
 * (The count of the previous kernel — two divisions and fdlibm's rational arccos — was 67: OLD_FLOPS_PER_ENTRY.)
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadDataset } from '../../src/data/index.js';

export const FLOPS_PER_ENTRY = 71;
/** the count of the kernel before the division-free relu step (2 divisions, fdlibm's rational arccos, 2 square roots) */
export const OLD_FLOPS_PER_ENTRY = 67;

/** Entries the fused conv(·,3),relu,gap kernel computes on the first n MNIST training images (bstd = 0). */
export function fusedEntries(nImg: number): number {
  const X = loadDataset(`mnist:train:n=${nImg}`).X.data;
  // conv(·,3,same) with bstd = 0: q(p) > 0 iff the 3 × 3 patch at p has a nonzero pixel
  const active = new Float64Array(nImg);
  for (let e = 0; e < nImg; e++)
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        let nz = false;
        for (let dy = -1; dy <= 1 && !nz; dy++)
          for (let dx = -1; dx <= 1 && !nz; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy >= 0 && yy < 28 && xx >= 0 && xx < 28 && X[e * 784 + yy * 28 + xx] !== 0) nz = true;
          }
        if (nz) active[e]++;
      }
  let s = 0;
  for (let i = 0; i < nImg; i++) for (let j = i; j < nImg; j++) s += active[i] * active[j];
  return s;
}

export interface Peak {
  /** GFlop per CPU second of one core (the best instruction set): the rate a CPU-time measurement compares to */
  perCore: number;
  /** GFlop per wall second with `threads` threads at once (all cores busy with FMAs only) */
  wallAll: number;
  threads: number;
  raw: unknown;
}

/** Peak FMA rates (bench/analytic/peak_fma.cc built with g++ into dir); null without a compiler. */
export function peakFma(dir: string, threads = 2): Peak | null {
  try {
    const exe = join(dir, 'peak_fma');
    execFileSync('g++', ['-O2', '-pthread', '-o', exe, join(import.meta.dirname, 'peak_fma.cc')], { stdio: 'pipe' });
    const raw = JSON.parse(execFileSync(exe, [`${threads}`]).toString()) as {
      threads: number;
      avx2: { cpu1: number; cpuT: number; wallT: number };
      avx512: { cpu1: number; cpuT: number; wallT: number };
    };
    return {
      perCore: Math.max(raw.avx2.cpu1, raw.avx512.cpu1),
      // cpuT sums each thread's flops per its own CPU second: the wall rate of all threads when each has a core
      wallAll: Math.max(raw.avx2.cpuT, raw.avx512.cpuT),
      threads: raw.threads,
      raw,
    };
  } catch {
    return null;
  }
}
