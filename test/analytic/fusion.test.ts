// The fused activation + gap step (activateMeanAll, used by an activation's `fuse` when the next layer is gap on the
// full representation of a cross block) against the unfused steps: activate, then the mean over all position pairs.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import {
  type PairKernel,
  activate,
  activateMeanAll,
  activationKernel,
  reluKernel,
} from '../../src/arch/layers/activations.js';
import { type KernelRecord, meanOverPositions, pairsOf } from '../../src/arch/record.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { Rng } from '../../src/util/random.js';

const D = 5;

/**
 * Feature vectors z[e][p] ∈ R^D of n examples at P positions, with random scales per (e, p); K[(i, p), (j, p′)] =
 * z1[i][p]·z2[j][p′]/D is then a valid covariance over all (example, position) pairs (a Gram matrix). `zero` lists
 * (example, position) entries set to 0 (p = -1: the whole example), giving zero variances and zero rows/columns.
 */
function features(rng: Rng, n: number, P: number, zero: [number, number][]): Float64Array[][] {
  const z: Float64Array[][] = [];
  for (let e = 0; e < n; e++) {
    z.push([]);
    for (let p = 0; p < P; p++) {
      const s = Math.exp(rng.normal());
      z[e].push(rng.normals(D, s));
    }
  }
  for (const [e, p] of zero) for (let q = 0; q < P; q++) if (p === q || p === -1) z[e][q].fill(0);
  return z;
}

const dotD = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let k = 0; k < D; k++) s += a[k] * b[k];
  return s / D;
};

/** A full cross record (self: false) from feature vectors: NNGP from z1, z2, NTK (or null) from t1, t2. */
function record(
  h: number,
  w: number,
  z1: Float64Array[][],
  z2: Float64Array[][],
  t: [Float64Array[][], Float64Array[][]] | null,
): KernelRecord {
  const n1 = z1.length;
  const n2 = z2.length;
  const P = h * w;
  const nngp = new Float64Array(n1 * n2 * P * P);
  const ntk = t ? new Float64Array(nngp.length) : null;
  for (let i = 0; i < n1; i++)
    for (let j = 0; j < n2; j++)
      for (let p = 0; p < P; p++)
        for (let q = 0; q < P; q++) {
          const idx = (i * n2 + j) * P * P + p * P + q;
          nngp[idx] = dotD(z1[i][p], z2[j][q]);
          if (ntk && t) ntk[idx] = dotD(t[0][i][p], t[1][j][q]);
        }
  const variances = (z: Float64Array[][]) => {
    const v = new Float64Array(z.length * P);
    for (let e = 0; e < z.length; e++) for (let p = 0; p < P; p++) v[e * P + p] = dotD(z[e][p], z[e][p]);
    return v;
  };
  return { n1, n2, self: false, spatial: 'full', h, w, nngp, ntk, var1: variances(z1), var2: variances(z2) };
}

/** Random cross records: 3 × 4 examples on a 2×3 image, with zero positions, a zero example and correlations ±1. */
function records(seed: number): KernelRecord[] {
  const rng = new Rng(seed);
  const [h, w] = [2, 3];
  const P = h * w;
  const z1 = features(rng, 3, P, [
    [0, 2],
    [2, 5],
  ]);
  const z2 = features(rng, 4, P, [
    [1, -1],
    [2, 0],
    [0, 3],
  ]);
  // correlation exactly +1 and −1 between positions of x1[1] and x2[3] (the clamped ends of arccos)
  z2[3][1] = z1[1][4].slice();
  z2[3][2] = z1[1][0].map((v) => -2 * v);
  const t1 = features(rng, 3, P, [[1, 1]]);
  const t2 = features(rng, 4, P, []);
  return [record(h, w, z1, z2, [t1, t2]), record(h, w, z1, z2, null)];
}

/** |a − b| ≤ 1e-12 · (mean over the pair's positions of |activated entry|): relative to the terms that are summed. */
function assertMeans(fused: Float64Array, act: Float64Array, k: KernelRecord, what: string): void {
  const pairs = pairsOf(k);
  const P = k.h * k.w;
  const ref = meanOverPositions(act, pairs, 'full', P, 'all');
  const scale = meanOverPositions(act.map(Math.abs), pairs, 'full', P, 'all');
  assert.equal(fused.length, pairs);
  for (let e = 0; e < pairs; e++) {
    const err = Math.abs(fused[e] - ref[e]);
    assert.ok(err <= 1e-12 * scale[e], `${what} pair ${e}: fused ${fused[e]} vs unfused ${ref[e]} (scale ${scale[e]})`);
  }
}

describe('fused activation + gap (activateMeanAll) = activate, then the mean over all position pairs', () => {
  const relu = activationKernel({ kind: 'relu' });
  const cases: [string, PairKernel][] = [
    ['relu (inlined arc-cosine branch)', relu],
    // the same closed form through the generic branch (a different function object)
    ['relu via the generic branch', (c, q1, q2, o) => reluKernel(c, q1, q2, o)],
    ['erf (generic branch, closed form)', activationKernel({ kind: 'erf' })],
    ['tanh (generic branch, quadrature)', activationKernel({ kind: 'tanh' })],
    ['abrelu(0.2, 1.5) (generic branch)', activationKernel({ kind: 'abrelu', a: 0.2, b: 1.5 })],
  ];
  test('the module hands the relu fast path its own reluKernel', () => assert.equal(relu, reluKernel));
  for (const [name, fn] of cases) {
    test(name, () => {
      for (const seed of [1, 2]) {
        for (const k of records(seed)) {
          const fused = activateMeanAll(k, fn);
          const act = activate(k, fn);
          assert.equal(fused.spatial, 'flat');
          assert.deepEqual([fused.h, fused.w, fused.n1, fused.n2, fused.self], [1, 1, k.n1, k.n2, false]);
          assertMeans(fused.nngp, act.nngp, k, `${name} seed ${seed} nngp`);
          if (k.ntk === null) assert.equal(fused.ntk, null);
          else assertMeans(fused.ntk as Float64Array, act.ntk as Float64Array, k, `${name} seed ${seed} ntk`);
        }
      }
    });
  }
});

// End to end. For an h×h image, avgpool(h) gives a 1×1 image whose kernel is (1/h⁴)·Σ_{p,p′} Σ[p, p′], the mean over
// all P² = h⁴ position pairs — what gap computes; flatten of a 1×1 image keeps its one (equal-position) entry; the
// dense layer after sees c features in both (fan-in c). So `…,act,avgpool(h),flatten,dense` is the same kernel as
// `…,act,gap,dense`, but its activation is followed by avgpool, not gap, so it is never fused.
describe('kernelFn: …,act,gap,dense (fused) = …,act,avgpool(h),flatten,dense (unfused) on h×h images', () => {
  const h = 4;
  const c = 2;
  const rng = new Rng(7);
  const X1 = new Matrix(4, h * h * c, rng.normals(4 * h * h * c));
  const X2 = new Matrix(3, h * h * c, rng.normals(3 * h * h * c));
  // zero pixels: the top two rows of x1[0] (a bias-free 3×3 conv has zero variance on row 0 there) and all of x2[2]
  X1.data.fill(0, 0, 2 * h * c);
  X2.data.fill(0, 2 * h * h * c, 3 * h * h * c);
  for (const [head, tail] of [
    ['conv(4,3),relu', 'dense(1)'],
    ['conv(4,3,bstd=0.3),relu,conv(3,3,wstd=1.3),relu', 'dense(2,bstd=0.1)'],
    ['conv(4,3,bstd=0.2),erf', 'dense(1)'],
  ]) {
    test(`${head},gap,${tail}`, async () => {
      const opts = { inputShape: [h, h, c], workers: 0 };
      const fused = kernelFn(`${head},gap,${tail}`, opts);
      const plain = kernelFn(`${head},avgpool(${h}),flatten,${tail}`, opts);
      for (const x2 of [null, X2]) {
        const a = await fused(X1, x2, 'both');
        const b = await plain(X1, x2, 'both');
        for (const get of ['nngp', 'ntk'] as const) {
          const [A, B] = [a[get].data, b[get].data];
          let m = 0;
          for (const v of B) m = Math.max(m, Math.abs(v));
          assert.ok(m > 0);
          for (let i = 0; i < A.length; i++)
            assert.ok(Math.abs(A[i] - B[i]) <= 1e-12 * m, `${get} x2=${x2 ? 'X2' : 'null'} [${i}]: ${A[i]} vs ${B[i]}`);
        }
      }
    });
  }
});
