// The vectorized native kernels (src/linalg/simd.ts, native/simd_kernels.h) against the TypeScript loops they replace
// (NTK_SIMD=off), on every dispatch path this CPU runs: the same bits (relu on full records, its fused mean over
// positions, the first conv's patch Gram fused with relu + gap through kernelFn), and the vectorized arccos against
// Math.acos on 10⁷ arguments (endpoints, ±0, denormals, near ±1, outside [−1, 1]).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { activate, activateMeanAll, fastAcos, reluKernel } from '../../src/arch/layers/activations.js';
import type { KernelRecord } from '../../src/arch/record.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { resetSimd, simdKernels, simdPaths } from '../../src/linalg/simd.js';
import { Rng } from '../../src/util/random.js';

const paths = simdPaths();
const saved = process.env.NTK_SIMD;
function useSimd(mode: string): void {
  process.env.NTK_SIMD = mode;
  resetSimd();
}
after(() => {
  if (saved === undefined) delete process.env.NTK_SIMD;
  else process.env.NTK_SIMD = saved;
  resetSimd();
});

const sameBits = (a: Float64Array, b: Float64Array, what: string): void => {
  assert.equal(a.length, b.length, what);
  const ua = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const ub = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++)
    if (ua[i] !== ub[i]) assert.fail(`${what}: entry ${i} differs: ${a[i]} vs ${b[i]} (of ${a.length})`);
};

/**
 * A full cross record from random features: per (example, position) a vector in R^D with a random scale (so the
 * covariances are a Gram matrix, |ρ| ≤ 1), some positions and one example zero (zero variances), and x2's first
 * example a copy of x1's (ρ = 1 exactly on its equal rows).
 */
function record(rng: Rng, n1: number, n2: number, P: number, withNtk: boolean): KernelRecord {
  const D = 4;
  const feats = (n: number) =>
    Array.from({ length: n }, (_, e) =>
      Array.from({ length: P }, (_, p) =>
        e === n - 1 && n > 2
          ? new Float64Array(D)
          : p % 5 === 3
            ? new Float64Array(D)
            : rng.normals(D, Math.exp(rng.normal())),
      ),
    );
  const z1 = feats(n1);
  const z2 = feats(n2);
  z2[0] = z1[0];
  const t1 = feats(n1);
  const t2 = feats(n2);
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, k) => s + x * b[k], 0) / D;
  const S = P * P;
  const nngp = new Float64Array(n1 * n2 * S);
  const ntk = withNtk ? new Float64Array(nngp.length) : null;
  for (let i = 0; i < n1; i++)
    for (let j = 0; j < n2; j++)
      for (let p = 0; p < P; p++)
        for (let q = 0; q < P; q++) {
          const idx = (i * n2 + j) * S + p * P + q;
          nngp[idx] = dot(z1[i][p], z2[j][q]);
          if (ntk) ntk[idx] = dot(t1[i][p], t2[j][q]) - 0.1;
        }
  const vars = (z: Float64Array[][]) => Float64Array.from(z.flatMap((e) => e.map((v) => dot(v, v))));
  return { n1, n2, self: false, spatial: 'full', h: 1, w: P, nngp, ntk, var1: vars(z1), var2: vars(z2) };
}

describe(
  'vectorized kernels',
  { skip: paths.length === 0 ? 'no native SIMD kernels (portable backend)' : false },
  () => {
    test('relu on full records and its fused mean: the same bits as the TypeScript loops, every path', () => {
      const rng = new Rng(11);
      // P = 37: vector tails on every width; P = 48: whole chunks
      for (const [n1, n2, P, withNtk] of [
        [3, 4, 37, true],
        [2, 3, 48, false],
        [1, 1, 5, true],
      ] as const) {
        const k = record(rng, n1, n2, P, withNtk);
        const self: KernelRecord = {
          ...k,
          self: true,
          n2: n1,
          var2: k.var1,
          nngp: k.nngp.subarray(0, n1 * P * P),
          ntk: k.ntk ? k.ntk.subarray(0, n1 * P * P) : null,
        };
        useSimd('off');
        const ref = activate(k, reluKernel);
        const refSelf = activate(self, reluKernel);
        const refMean = activateMeanAll(k, reluKernel);
        for (const path of paths) {
          useSimd(path);
          assert.equal(simdKernels()?.path, path);
          const what = `${path} n1=${n1} n2=${n2} P=${P}`;
          const a = activate(k, reluKernel);
          sameBits(a.nngp, ref.nngp, `activate nngp ${what}`);
          if (withNtk) sameBits(a.ntk as Float64Array, ref.ntk as Float64Array, `activate ntk ${what}`);
          sameBits(activate(self, reluKernel).nngp, refSelf.nngp, `activate self ${what}`);
          const m = activateMeanAll(k, reluKernel);
          sameBits(m.nngp, refMean.nngp, `mean nngp ${what}`);
          if (withNtk) sameBits(m.ntk as Float64Array, refMean.ntk as Float64Array, `mean ntk ${what}`);
        }
      }
    });

    test('conv first layer + relu + gap through kernelFn: the same bits as the TypeScript path, every path', async () => {
      const rng = new Rng(5);
      // 9×9×2 images with zero pixels (zero patches: zero variances) and negative values; x2 repeats an x1 image
      const img = (n: number) => {
        const m = new Matrix(n, 9 * 9 * 2);
        for (let i = 0; i < m.data.length; i++) m.data[i] = i % 7 < 3 ? 0 : rng.normal();
        return m;
      };
      const x1 = img(3);
      const x2 = img(4);
      x2.data.set(x1.data.subarray(0, 162), 162);
      const archs = [
        'conv(4,3),relu,gap,dense(1)',
        'conv(4,3,stride=2,padding=valid,bstd=0.3),relu,gap,dense(2,bstd=0.1)',
        'conv(4,3,padding=circular,wstd=1.3),relu,gap,dense(1,frozen)',
        'conv(4,2,bstd=0.2,frozen),relu,gap,dense(3),relu,dense(1)',
      ];
      for (const arch of archs)
        for (const param of ['ntk', 'standard'] as const) {
          // the reference in 1 × 1 tiles (its default for 28 × 28 images; larger tiles of K(x, x) compute the pairs
          // below the diagonal the other way round, which may differ in the last bits); the fused kernel is
          // tile-independent: default tiles and 2 × 2
          const run = async (tile?: number) => {
            const f = kernelFn(arch, { inputShape: [9, 9, 2], workers: 0, param, ...(tile ? { tile } : {}) });
            const both = await f(x1, x2, 'both');
            const self = await f(x1, null, 'ntk');
            const nngp = await f(x1, x2, 'nngp');
            return [both.nngp.data, both.ntk.data, self.data, nngp.data];
          };
          useSimd('off');
          const ref = await run(1);
          for (const path of paths) {
            useSimd(path);
            for (const tile of [undefined, 2]) {
              const got = await run(tile);
              got.forEach((g, i) => sameBits(g, ref[i], `${arch} ${param} ${path} tile ${tile} output ${i}`));
            }
          }
        }
    });

    test('relu + avgpool on full records through kernelFn: the same bits as the TypeScript path, every path', async () => {
      const rng = new Rng(9);
      const x1 = new Matrix(2, 8 * 8 * 2);
      const x2 = new Matrix(3, 8 * 8 * 2);
      for (const m of [x1, x2]) for (let i = 0; i < m.data.length; i++) m.data[i] = i % 5 === 0 ? 0 : rng.normal();
      const archs = [
        'conv(4,3),relu,avgpool(2),gap,dense(1)',
        'conv(4,3,bstd=0.1),relu,avgpool(3,stride=2),conv(4,2),relu,gap,dense(2)',
        'conv(4,3),relu,conv(4,3),relu,avgpool(2,padding=same),conv(4,3),erf,gap,dense(1)',
      ];
      for (const arch of archs)
        for (const tile of [1, 2]) {
          const run = async () => {
            const f = kernelFn(arch, { inputShape: [8, 8, 2], workers: 0, tile });
            const both = await f(x1, x2, 'both');
            return [both.nngp.data, both.ntk.data, (await f(x2, null, 'ntk')).data];
          };
          useSimd('off');
          const ref = await run();
          for (const path of paths) {
            useSimd(path);
            (await run()).forEach((g, i) => sameBits(g, ref[i], `${arch} tile ${tile} ${path} output ${i}`));
          }
        }
    });

    test('vectorized arccos: within 1 ulp of Math.acos on 10⁷ arguments, fastAcos bit for bit, all paths equal', () => {
      const n = 10_000_000;
      const x = new Float64Array(n);
      const rng = new Rng(3);
      const special = [1, -1, 0, -0, 0.5, -0.5, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-310, -1e-310, 1e-300];
      special.forEach((v, i) => (x[i] = v));
      let k = special.length;
      // neighbours of ±1 and ±½, then near ±1 at every scale, then denormals and tiny numbers, then uniform
      for (let u = 1; u <= 1000; u++) {
        const d = u * 2 ** -53;
        for (const v of [1 - d, -1 + d, 0.5 + d, 0.5 - d, -0.5 + d, -0.5 - d]) x[k++] = v;
      }
      for (; k < 1_000_000; k++) x[k] = (rng.uniform() < 0.5 ? -1 : 1) * (1 - 2 ** (-53 * rng.uniform()));
      for (; k < 1_500_000; k++) x[k] = (rng.uniform() < 0.5 ? -1 : 1) * 2 ** (-1074 * rng.uniform());
      for (; k < n - 1000; k++) x[k] = 2 * rng.uniform() - 1;
      // outside [−1, 1]: clamped (arccos of the clamp)
      for (; k < n; k++) x[k] = (k % 2 ? 1 : -1) * (1 + rng.uniform());
      const outs = paths.map((path) => {
        useSimd(path);
        const o = new Float64Array(n);
        (simdKernels() as NonNullable<ReturnType<typeof simdKernels>>).vecAcos(x, o);
        return o;
      });
      for (let p = 1; p < outs.length; p++) sameBits(outs[p], outs[0], `${paths[p]} vs ${paths[0]}`);
      const o = outs[0];
      let maxUlp = 0;
      let maxRel = 0;
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const c = Math.max(-1, Math.min(1, x[i]));
        const want = Math.acos(c);
        if (i % 10 === 0 && o[i] !== fastAcos(c)) assert.fail(`fastAcos(${c}) = ${fastAcos(c)}, vectorized ${o[i]}`);
        const err = Math.abs(o[i] - want);
        if (err === 0) continue;
        const ulp = 2 ** (Math.floor(Math.log2(want)) - 52);
        if (err / ulp > maxUlp) {
          maxUlp = err / ulp;
          worst = c;
        }
        maxRel = Math.max(maxRel, err / want);
      }
      assert.equal(o[0], 0);
      assert.equal(o[1], Math.PI);
      assert.equal(o[2], Math.PI / 2);
      console.log(`vectorized arccos: max error ${maxUlp} ulp at x = ${worst}, relative ${maxRel}`);
      assert.ok(maxUlp <= 1, `max error ${maxUlp} ulp at x = ${worst} (relative ${maxRel})`);
    });

    test('NTK_SIMD: unknown values are refused, off gives the TypeScript loops', () => {
      useSimd('sse9');
      assert.throws(() => simdKernels(), /NTK_SIMD: must be auto, off, avx512, avx2 or baseline\. Value: sse9/);
      useSimd('off');
      assert.equal(simdKernels(), null);
      useSimd('auto');
      assert.equal(simdKernels()?.path, paths[0]);
    });
  },
);
