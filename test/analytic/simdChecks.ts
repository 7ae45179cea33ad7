// What simd.test.ts and simdAct.test.ts share: the dispatch paths this CPU runs, switching NTK_SIMD between calls,
// the bit-for-bit comparison, and the 10⁷ arguments the vectorized elementary functions are checked on.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { resetSimd, simdPaths } from '../../src/linalg/simd.js';
import type { Rng } from '../../src/util/random.js';

export const paths = simdPaths();

export function useSimd(mode: string): void {
  process.env.NTK_SIMD = mode;
  resetSimd();
}

/** Puts NTK_SIMD back as it was when the calling test file ends. */
export function restoreSimdAfter(): void {
  const saved = process.env.NTK_SIMD;
  after(() => {
    if (saved === undefined) delete process.env.NTK_SIMD;
    else process.env.NTK_SIMD = saved;
    resetSimd();
  });
}

export const sameBits = (a: Float64Array, b: Float64Array, what: string): void => {
  assert.equal(a.length, b.length, what);
  const ua = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const ub = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++)
    if (ua[i] !== ub[i]) assert.fail(`${what}: entry ${i} differs: ${a[i]} vs ${b[i]} (of ${a.length})`);
};

/** n arguments in [−1, 1] and beyond: ±1, ±0, ±½ and neighbours, denormals, near ±1 at every scale, uniform, outside. */
export function unitArguments(rng: Rng, n: number): Float64Array {
  const x = new Float64Array(n);
  const special = [1, -1, 0, -0, 0.5, -0.5, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-310, -1e-310, 1e-300];
  special.forEach((v, i) => (x[i] = v));
  let k = special.length;
  // neighbours of ±1, ±½ and ±0.975, then near ±1 at every scale, then denormals and tiny numbers, then uniform
  for (let u = 1; u <= 1000; u++) {
    const d = u * 2 ** -53;
    for (const v of [1 - d, -1 + d, 0.5 + d, 0.5 - d, -0.5 + d, -0.5 - d, 0.975 + d, -0.975 - d]) x[k++] = v;
  }
  for (; k < 1_000_000; k++) x[k] = (rng.uniform() < 0.5 ? -1 : 1) * (1 - 2 ** (-53 * rng.uniform()));
  for (; k < 1_500_000; k++) x[k] = (rng.uniform() < 0.5 ? -1 : 1) * 2 ** (-1074 * rng.uniform());
  for (; k < n - 1000; k++) x[k] = 2 * rng.uniform() - 1;
  // outside [−1, 1]: clamped
  for (; k < n; k++) x[k] = (k % 2 ? 1 : -1) * (1 + rng.uniform());
  return x;
}
