// The vectorized activation steps (native/act_kernels.h: relu, abrelu, erf, scaled erf, sigmoid_like, gelu, tanh on
// flat, diag and full records, and fused with the mean over positions) against the TypeScript pair kernels they
// replace (NTK_SIMD=off), on every dispatch path this CPU runs: the same bits. And the vectorized elementary functions against Math.* on 10⁷ arguments each:
// V8's Math.asin and Math.atan2 (fdlibm) ported branch-free give the same bits; fastAsin (the tanh mixture's) the
// same bits as the TypeScript fastAsin, at most 2 ulp from Math.asin (at x = 0.5000000000000006).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { activate, activateMeanAll, activationKernel, fastAsin } from '../../src/arch/layers/activations.js';
import type { KernelRecord, Spatial } from '../../src/arch/record.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { simdKernels } from '../../src/linalg/simd.js';
import { Rng } from '../../src/util/random.js';
import { paths, restoreSimdAfter, sameBits, unitArguments, useSimd } from './simdChecks.js';

restoreSimdAfter();

/**
 * A record from random features per (example, position) with random scales over 12 orders of magnitude (variances
 * from 1e-12 to 1e12: every branch of asin/atan2 in the kernels), zero positions and a zero example (zero variances),
 * and x2's first example a copy of x1's (ρ = ±1 exactly).
 */
function record(rng: Rng, n1: number, n2: number, P: number, spatial: Spatial, self: boolean): KernelRecord {
  const D = 3;
  const feats = (n: number) =>
    Array.from({ length: n }, (_, e) =>
      Array.from({ length: P }, (_, p) =>
        (e === n - 1 && n > 2) || p % 5 === 3
          ? new Float64Array(D)
          : rng.normals(D, 10 ** (6 * (2 * rng.uniform() - 1))),
      ),
    );
  const z1 = feats(n1);
  const z2 = self ? z1 : feats(n2);
  if (!self) z2[0] = z1[0].map((v, p) => (p % 2 ? v : v.map((x) => -x)));
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, k) => s + x * b[k], 0) / D;
  const S = spatial === 'full' ? P * P : P;
  const pairs = self ? n1 : n1 * n2;
  const nngp = new Float64Array(pairs * S);
  const ntk = new Float64Array(nngp.length);
  for (let e = 0; e < pairs; e++) {
    const i = self ? e : Math.floor(e / n2);
    const j = self ? e : e % n2;
    for (let s = 0; s < S; s++) {
      const p = spatial === 'full' ? Math.floor(s / P) : s;
      const q = spatial === 'full' ? s % P : s;
      nngp[e * S + s] = dot(z1[i][p], z2[j][q]);
      ntk[e * S + s] = rng.normal();
    }
  }
  const vars = (z: Float64Array[][]) => Float64Array.from(z.flatMap((e) => e.map((v) => dot(v, v))));
  const h = spatial === 'flat' ? 1 : P;
  return { n1, n2: self ? n1 : n2, self, spatial, h, w: 1, nngp, ntk, var1: vars(z1), var2: vars(z2) };
}

const SPECS = [
  { kind: 'relu' },
  { kind: 'abrelu', a: -0.3, b: 1.7 },
  { kind: 'erf' },
  { kind: 'erf', a: 0.7, b: 1.9, c: -0.2 },
  { kind: 'sigmoid_like' },
  { kind: 'gelu' },
  { kind: 'tanh' },
] as const;

describe(
  'vectorized activation steps',
  { skip: paths.length === 0 ? 'no native SIMD kernels (portable backend)' : false },
  () => {
    test('every closed form on flat, diag and full records: the same bits as the TypeScript loops, every path', () => {
      const rng = new Rng(17);
      const layouts: [number, number, number, Spatial, boolean][] = [
        [7, 9, 1, 'flat', false],
        [11, 11, 1, 'flat', true],
        [3, 4, 13, 'diag', false],
        [3, 3, 6, 'diag', true],
        [2, 3, 5, 'full', false],
        [3, 3, 7, 'full', true],
      ];
      for (const [n1, n2, P, spatial, self] of layouts) {
        const k = record(rng, n1, n2, P, spatial, self);
        const noNtk = { ...k, ntk: null };
        for (const spec of SPECS) {
          // (relu on full records is simd.test.ts's reluFull)
          if (spec.kind === 'relu' && spatial === 'full') continue;
          const fn = activationKernel(spec);
          useSimd('off');
          const ref = activate(k, fn);
          const refK = activate(noNtk, fn);
          for (const path of paths) {
            useSimd(path);
            assert.equal(typeof simdKernels()?.activate, 'function', 'the addon has the activation kernels');
            const what = `${JSON.stringify(spec)} ${spatial} self=${self} ${path}`;
            const got = activate(k, fn);
            sameBits(got.nngp, ref.nngp, `nngp ${what}`);
            sameBits(got.ntk as Float64Array, ref.ntk as Float64Array, `ntk ${what}`);
            sameBits(activate(noNtk, fn).nngp, refK.nngp, `nngp only ${what}`);
            assert.equal(activate(noNtk, fn).ntk, null);
          }
          // activation fused with the mean over all positions (gap) on full records; relu: simd.test.ts
          if (spatial !== 'full' || spec.kind === 'relu') continue;
          useSimd('off');
          const refMean = activateMeanAll(k, fn);
          const refMeanK = activateMeanAll(noNtk, fn);
          for (const path of paths) {
            useSimd(path);
            const what = `mean ${JSON.stringify(spec)} self=${self} ${path}`;
            const got = activateMeanAll(k, fn);
            sameBits(got.nngp, refMean.nngp, `nngp ${what}`);
            sameBits(got.ntk as Float64Array, refMean.ntk as Float64Array, `ntk ${what}`);
            sameBits(activateMeanAll(noNtk, fn).nngp, refMeanK.nngp, `nngp only ${what}`);
          }
        }
      }
    });

    test('MLP kernels through kernelFn (flat records): the same bits as NTK_SIMD=off, every path', async () => {
      const rng = new Rng(4);
      const x1 = Matrix.from(Array.from({ length: 6 }, () => Array.from(rng.normals(5, 2))));
      const x2 = Matrix.from(Array.from({ length: 4 }, () => Array.from(rng.normals(5, 0.5))));
      for (const arch of [
        'dense(16),tanh,dense(16),gelu,dense(1)',
        'dense(8,bstd=0.2),erf,dense(8),sigmoid_like,dense(8),abrelu(0.1,1),dense(1)',
        'dense(8),erf(1.2,0.8,0.1),dense(8),relu,dense(2)',
      ]) {
        const run = async () => {
          const f = kernelFn(arch, { workers: 0 });
          const both = await f(x1, x2, 'both');
          return [both.nngp.data, both.ntk.data, (await f(x1, null, 'ntk')).data];
        };
        useSimd('off');
        const ref = await run();
        for (const path of paths) {
          useSimd(path);
          (await run()).forEach((g, i) => sameBits(g, ref[i], `${arch} ${path} output ${i}`));
        }
      }
    });

    test('CNN kernels through kernelFn (full records, fused with gap; flatten): the same bits, every path', async () => {
      const rng = new Rng(6);
      const img = (n: number) => {
        const m = new Matrix(n, 6 * 6);
        for (let i = 0; i < m.data.length; i++) m.data[i] = i % 4 === 0 ? 0 : rng.normal();
        return m;
      };
      const x1 = img(2);
      const x2 = img(3);
      for (const arch of [
        'conv(4,3),erf,gap,dense(1)',
        'conv(4,3,bstd=0.1),gelu,conv(4,3),tanh,gap,dense(1)',
        'conv(4,3),sigmoid_like,conv(4,3,stride=2),abrelu(0.1,1),flatten,dense(1)',
      ]) {
        const run = async () => {
          const f = kernelFn(arch, { inputShape: [6, 6, 1], workers: 0 });
          const both = await f(x1, x2, 'both');
          return [both.nngp.data, both.ntk.data, (await f(x2, null, 'ntk')).data];
        };
        useSimd('off');
        const ref = await run();
        for (const path of paths) {
          useSimd(path);
          (await run()).forEach((g, i) => sameBits(g, ref[i], `${arch} ${path} output ${i}`));
        }
      }
    });

    const ulpOf = (v: number) => 2 ** (Math.max(Math.floor(Math.log2(Math.abs(v))), -1022) - 52);
    const kernels = () => simdKernels() as NonNullable<ReturnType<typeof simdKernels>>;
    const vec = (fn: 0 | 1 | 2, x: Float64Array, y: Float64Array | null) =>
      paths.map((path) => {
        useSimd(path);
        const o = new Float64Array(x.length);
        kernels().vecMath?.(fn, x, y, o);
        return o;
      });

    test('vectorized asin: Math.asin bit for bit on 10⁷ arguments, every path', () => {
      const n = 10_000_000;
      const x = unitArguments(new Rng(8), n);
      const outs = vec(0, x, null);
      for (let p = 1; p < outs.length; p++) sameBits(outs[p], outs[0], `${paths[p]} vs ${paths[0]}`);
      const want = new Float64Array(n);
      for (let i = 0; i < n; i++) want[i] = Math.asin(Math.max(-1, Math.min(1, x[i])));
      sameBits(outs[0], want, 'vectorized asin vs Math.asin');
      assert.ok(Object.is(outs[0][3], -0) && outs[0][6] === 5e-324);
    });

    test('vectorized fastAsin (the tanh mixture): fastAsin bit for bit, within 2 ulp of Math.asin, every path', () => {
      const n = 10_000_000;
      const x = unitArguments(new Rng(9), n);
      const outs = vec(2, x, null);
      for (let p = 1; p < outs.length; p++) sameBits(outs[p], outs[0], `${paths[p]} vs ${paths[0]}`);
      const o = outs[0];
      let maxUlp = 0;
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const c = Math.max(-1, Math.min(1, x[i]));
        if (!Object.is(o[i], fastAsin(c))) assert.fail(`fastAsin(${c}) = ${fastAsin(c)}, vectorized ${o[i]}`);
        const want = Math.asin(c);
        const err = Math.abs(o[i] - want) / ulpOf(want);
        if (err > maxUlp) {
          maxUlp = err;
          worst = c;
        }
      }
      console.log(`vectorized fastAsin: max error ${maxUlp} ulp against Math.asin at x = ${worst}`);
      assert.ok(maxUlp <= 2, `max error ${maxUlp} ulp at x = ${worst}`);
    });

    test('vectorized atan2: Math.atan2 bit for bit on 10⁷ argument pairs (all quadrants, zeros, infinities, NaN)', () => {
      const n = 10_000_000;
      const rng = new Rng(10);
      const y = new Float64Array(n);
      const x = new Float64Array(n);
      const special = [
        0,
        -0,
        1,
        -1,
        5e-324,
        -5e-324,
        1e-310,
        2 ** 60,
        2 ** 66,
        1e300,
        -1e300,
        Infinity,
        -Infinity,
        NaN,
      ];
      let k = 0;
      for (const a of special)
        for (const b of special) {
          y[k] = a;
          x[k++] = b;
        }
      const sign = () => (rng.uniform() < 0.5 ? -1 : 1);
      for (; k < n; k++) {
        const r = k % 8;
        if (r === 0) {
          // the argument reduction's boundaries 7/16, 11/16, 19/16, 39/16 and their neighbours (x = 1 exactly)
          const t =
            [7 / 16, 11 / 16, 19 / 16, 39 / 16, 2 ** -27, 2 ** 66][k % 6] * (1 + (rng.uniform() - 0.5) * 2 ** -40);
          y[k] = sign() * t;
          x[k] = 1;
        } else if (r === 1) {
          // ratios across the whole exponent range (k > 60 and k < −60 included)
          y[k] = sign() * 2 ** (2000 * rng.uniform() - 1000);
          x[k] = sign() * 2 ** (2000 * rng.uniform() - 1000);
        } else if (r === 2) {
          y[k] = sign() * 2 ** (-1074 * rng.uniform());
          x[k] = sign() * 2 ** (-1074 * rng.uniform());
        } else if (r === 3) {
          // the gelu kernel's arguments: x = √(P₁ − c²) ≥ 0
          const c = sign() * 10 ** (8 * rng.uniform() - 4);
          y[k] = c;
          x[k] = Math.sqrt(Math.max(c * c * (1 + 1e-3 * rng.uniform()) - c * c, 0));
        } else {
          y[k] = sign() * rng.uniform() * 10;
          x[k] = sign() * rng.uniform() * 10;
        }
      }
      const outs = vec(1, y, x);
      for (let p = 1; p < outs.length; p++) sameBits(outs[p], outs[0], `${paths[p]} vs ${paths[0]}`);
      const want = new Float64Array(n);
      for (let i = 0; i < n; i++) want[i] = Math.atan2(y[i], x[i]);
      // NaN payloads aside (both NaN), bit for bit
      for (let i = 0; i < n; i++) if (Number.isNaN(want[i]) && Number.isNaN(outs[0][i])) outs[0][i] = want[i];
      sameBits(outs[0], want, 'vectorized atan2 vs Math.atan2');
    });
  },
);
