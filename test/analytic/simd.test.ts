// The vectorized native kernels (src/linalg/simd.ts, native/simd_kernels.h) against the TypeScript loops they replace
// (NTK_SIMD=off), on every dispatch path this CPU runs: the same bits (relu on full records, its fused mean over
// positions, the first conv's patch Gram fused with relu + gap through kernelFn), and the vectorized arccos against
// Math.acos on 10⁷ arguments (endpoints, ±0, denormals, near ±1, outside [−1, 1]); the division-free relu formula
// on full records (acosPoly, ρ = (c·r1)·r2, lane-wise sums) against the exact one (Math.acos, c/√(q1q2), in-order
// sums) on CNN kernels.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { defineActivation } from '../../src/arch/index.js';
import { acosPoly, activate, activateMeanAll, fastAcos, reluKernel } from '../../src/arch/layers/activations.js';
import type { KernelRecord } from '../../src/arch/record.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { simdKernels } from '../../src/linalg/simd.js';
import { Rng } from '../../src/util/random.js';
import { paths, restoreSimdAfter, sameBits, unitArguments, useSimd } from './simdChecks.js';

restoreSimdAfter();

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

/** max error in ulps of Math.acos and where, over o[i] ≈ acos(clamp(x[i])) */
function acosUlps(x: Float64Array, o: Float64Array): { maxUlp: number; worst: number; maxRel: number } {
  let maxUlp = 0;
  let maxRel = 0;
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    const c = Math.max(-1, Math.min(1, x[i]));
    const want = Math.acos(c);
    const err = Math.abs(o[i] - want);
    if (err === 0) continue;
    const ulp = 2 ** (Math.floor(Math.log2(want)) - 52);
    if (err / ulp > maxUlp) {
      maxUlp = err / ulp;
      worst = c;
    }
    maxRel = Math.max(maxRel, err / want);
  }
  return { maxUlp, worst, maxRel };
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

    test('conv + relu + gap: the memory estimate counts what the fused path holds, not 784² entries per pair', async () => {
      // 12 MNIST-sized images, 16 × 16 tiles: the general path's records (784² per pair) would need ≈ 5 GB, the
      // fused one keeps flat records, n × P variances and the patches (TileMemo's budget)
      const rng = new Rng(3);
      const x = new Matrix(12, 784);
      for (let i = 0; i < x.data.length; i++) x.data[i] = i % 3 === 0 ? 0 : rng.normal();
      const saved = process.env.NTK_MEMORY_LIMIT;
      process.env.NTK_MEMORY_LIMIT = '1GB';
      try {
        const f = () => kernelFn('conv(8,3),relu,gap,dense(1)', { inputShape: [28, 28, 1], workers: 0, tile: 16 });
        useSimd(paths[0]);
        const k = await f()(x, null, 'ntk');
        assert.ok(k.data.every(Number.isFinite));
        useSimd('off');
        await assert.rejects(f()(x, null, 'ntk'), /needs a 12×12 float64 kernel/);
      } finally {
        if (saved === undefined) delete process.env.NTK_MEMORY_LIMIT;
        else process.env.NTK_MEMORY_LIMIT = saved;
        useSimd(paths[0]);
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
      const x = unitArguments(new Rng(3), 10_000_000);
      const n = x.length;
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

    test('division-free arccos (acosPoly): within 2 ulp of Math.acos on 10⁷ arguments, the same bits on every path', () => {
      const x = unitArguments(new Rng(3), 10_000_000);
      const n = x.length;
      const ts = new Float64Array(n);
      for (let i = 0; i < n; i++) ts[i] = acosPoly(Math.max(-1, Math.min(1, x[i])));
      for (const path of paths) {
        useSimd(path);
        const o = new Float64Array(n);
        (simdKernels() as NonNullable<ReturnType<typeof simdKernels>>).vecAcos(x, o, true);
        sameBits(o, ts, `acosPoly ${path} vs TypeScript`);
      }
      const { maxUlp, worst, maxRel } = acosUlps(x, ts);
      assert.equal(ts[0], 0);
      assert.equal(ts[1], Math.PI);
      assert.equal(ts[2], Math.PI / 2);
      console.log(`acosPoly: max error ${maxUlp} ulp at x = ${worst}, relative ${maxRel}`);
      assert.ok(maxUlp <= 2, `max error ${maxUlp} ulp at x = ${worst} (relative ${maxRel})`);
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

// The relu kernels on full records compute ρ = (c·r1)·r2 (r = 1/√q per position), arccos by acosPoly and the
// means in lane-wise partial sums. Against user-defined activations computed by the generic loops (Math.acos,
// in-order sums), with ρ rounded alike or as c/√(q1q2) (exact division): the NNGP within 1e-13 relative, and the
// NTK of one relu layer with ρ rounded alike. Not the NTK otherwise: Σ̇ = (π − θ)/2π has an infinite slope at ρ = 1,
// so an ulp of difference in ρ (its rounding, or any earlier layer's last bit) moves θ by ~√(2 ulp) ≈ 2e-8 on the
// entries with ρ ≈ 1 (a position against itself, or against a copy): ≈ 1e-10 of the NTK here, which the old code
// ((c·r1)/s2, fastAcos, in-order sums) differed from the exact-division reference by as well (1.05e-10).
describe('relu on full records: the division-free formula against Math.acos', () => {
  const relu = (x: number) => (x > 0 ? x : 0);
  const drelu = (x: number) => (x > 0 ? 1 : 0);
  const J = (s: number, rho: number) =>
    (s * (Math.sqrt((1 - rho) * (1 + rho)) + (Math.PI - Math.acos(rho)) * rho)) / (2 * Math.PI);
  const clamp = (r: number) => Math.max(-1, Math.min(1, r));
  // ρ rounded as the kernels do
  const rhoSame = (c: number, q1: number, q2: number) => clamp(c * (1 / Math.sqrt(q1)) * (1 / Math.sqrt(q2)));
  const rhoDiv = (c: number, q1: number, q2: number) => clamp(c / Math.sqrt(q1 * q2));
  for (const [name, rho] of [
    ['relu_ref_same_rho', rhoSame],
    ['relu_ref_exact_div', rhoDiv],
  ] as const)
    defineActivation({
      name,
      f: relu,
      df: drelu,
      kernel: (c, q1, q2) => (q1 > 0 && q2 > 0 ? J(Math.sqrt(q1) * Math.sqrt(q2), rho(c, q1, q2)) : 0),
      dkernel: (c, q1, q2) => (q1 > 0 && q2 > 0 ? (Math.PI - Math.acos(rho(c, q1, q2))) / (2 * Math.PI) : 0),
    });

  test('CNN kernels (conv + relu + gap, + bias, + avgpool) on every path: NNGP within 1e-13 relative', async () => {
    const rng = new Rng(21);
    const img = (n: number) => {
      const m = new Matrix(n, 12 * 12);
      for (let i = 0; i < m.data.length; i++) m.data[i] = i % 5 < 2 ? 0 : Math.abs(rng.normal());
      return m;
    };
    const x1 = img(3);
    const x2 = img(4);
    x2.data.set(x1.data.subarray(0, 144), 144);
    const archs = [
      'conv(4,3),ACT,gap,dense(1)',
      'conv(4,3,bstd=0.2),ACT,gap,dense(1)',
      'conv(4,3),ACT,avgpool(2),conv(4,3),ACT,gap,dense(1)',
    ];
    const worst = { nngp: 0, ntk1: 0, ntkSame: 0, ntkDiv: 0 };
    const where = { nngp: '', ntk1: '', ntkSame: '', ntkDiv: '' };
    const note = (key: keyof typeof worst, g: Float64Array, w: Float64Array, what: string) => {
      for (let i = 0; i < g.length; i++) {
        const rel = Math.abs(g[i] - w[i]) / Math.abs(w[i]);
        if (!(rel <= worst[key])) {
          worst[key] = rel;
          where[key] = `${what} entry ${i}: ${g[i]} vs ${w[i]}`;
        }
      }
    };
    for (const mode of ['off', ...paths]) {
      useSimd(mode);
      for (const arch of archs)
        for (const param of ['ntk', 'standard'] as const) {
          const run = async (act: string) => {
            const f = kernelFn(arch.replaceAll('ACT', act), { inputShape: [12, 12, 1], workers: 0, param });
            const both = await f(x1, x2, 'both');
            const self = await f(x1, null, 'both');
            return { nngp: [both.nngp.data, self.nngp.data], ntk: [both.ntk.data, self.ntk.data] };
          };
          const got = await run('relu');
          const same = await run('relu_ref_same_rho');
          const div = await run('relu_ref_exact_div');
          for (const o of [0, 1]) {
            const what = `${arch} ${param} ${mode} ${o ? 'K(x1, x1)' : 'K(x1, x2)'}`;
            note('nngp', got.nngp[o], same.nngp[o], `${what} nngp, ρ alike`);
            note('nngp', got.nngp[o], div.nngp[o], `${what} nngp, exact division`);
            note(arch.includes('avgpool') ? 'ntkSame' : 'ntk1', got.ntk[o], same.ntk[o], `${what} ntk, ρ alike`);
            note('ntkDiv', got.ntk[o], div.ntk[o], `${what} ntk, exact division`);
          }
        }
    }
    const fmt = (k: keyof typeof worst) => `${worst[k].toExponential(2)} (${where[k]})`;
    console.log(
      `relu on full records vs Math.acos, worst relative difference: NNGP ${fmt('nngp')}; NTK of one relu layer, ρ alike ${fmt('ntk1')}; ` +
        `NTK of two relu layers, ρ alike ${fmt('ntkSame')}; NTK, exact division ${fmt('ntkDiv')}`,
    );
    assert.ok(worst.nngp <= 1e-13, `NNGP: ${fmt('nngp')}`);
    assert.ok(worst.ntk1 <= 1e-13, `NTK of one relu layer: ${fmt('ntk1')}`);
    // (the √ulp conditioning of Σ̇ at ρ = 1, with margin)
    assert.ok(worst.ntkSame <= 1e-9 && worst.ntkDiv <= 1e-9, `NTK: ${fmt('ntkSame')}; ${fmt('ntkDiv')}`);
  });
});
