import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classificationAccuracy,
  decomposeKernel,
  dotProductKernel,
  linearizedPredictions,
  nngpPosterior,
  ntkGpPosterior,
} from '../../src/analysis/index.js';
import { NumericalError } from '../../src/errors.js';
import { gram, Matrix, matmul, solve } from '../../src/linalg/index.js';
import { Rng } from '../../src/util/random.js';
import { expm, maxAbsDiff, spherePoints } from './helpers.js';

/** Kernel blocks for train (n) and test (m) points on the sphere. */
function blocks(kind: 'relu-ntk' | 'relu-nngp', Xtr: Matrix, Xte: Matrix) {
  const k = dotProductKernel({ kind, depth: 2 });
  const all = new Matrix(Xtr.rows + Xte.rows, Xtr.cols, Float64Array.from([...Xtr.data, ...Xte.data]));
  const G = gram(all);
  const N = all.rows;
  const n = Xtr.rows;
  const m = Xte.rows;
  const at = (i: number, j: number) => k(Math.max(-1, Math.min(1, G.data[i * N + j])));
  const tt = new Matrix(n, n);
  const st = new Matrix(m, n);
  const ss = new Matrix(m, m);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) tt.data[i * n + j] = at(i, j);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) st.data[i * n + j] = at(n + i, j);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) ss.data[i * m + j] = at(n + i, n + j);
  return { tt, st, ss };
}

describe('linearized-model predictions (neural-tangents gradient_descent_mse semantics)', () => {
  const rng = new Rng(41);
  const n = 30;
  const m = 12;
  const d = 8;
  const Xtr = spherePoints(n, d, rng);
  const Xte = spherePoints(m, d, rng);
  const ntk = blocks('relu-ntk', Xtr, Xte);
  const nngp = blocks('relu-nngp', Xtr, Xte);
  const dec = decomposeKernel(ntk.tt);
  const Y = new Matrix(n, 2, rng.normals(n * 2));
  const f0 = new Matrix(n, 2, rng.normals(n * 2, 0.3));
  const f0t = new Matrix(m, 2, rng.normals(m * 2, 0.3));

  it('discrete steps equal the explicit recursion f ← f − aΘ(f − y), f_* ← f_* − aΘ_*(f − y) to 1e-10', () => {
    for (const normalization of ['sum', 'mean'] as const) {
      const a = 1 / dec.values[n - 1];
      const eta = normalization === 'sum' ? a : a * n;
      const steps = [0, 1, 5, 40];
      const preds = linearizedPredictions(
        { ntk: dec, yTrain: Y, ntkTestTrain: ntk.st, fTrain0: f0, fTest0: f0t, eta, normalization },
        steps.map((step) => ({ step })),
      );
      let f = f0.clone();
      let ft = f0t.clone();
      for (let k = 0, s = 0; k <= 40; k++) {
        if (k === steps[s]) {
          assert.ok(maxAbsDiff(preds[s].train.data, f.data) < 1e-10, `${normalization} train k = ${k}`);
          assert.ok(maxAbsDiff(preds[s].test?.data ?? [], ft.data) < 1e-10, `${normalization} test k = ${k}`);
          s++;
        }
        const R = new Matrix(
          n,
          2,
          f.data.map((v, i) => v - Y.data[i]),
        );
        const dF = matmul(ntk.tt, R, { alpha: a });
        const dT = matmul(ntk.st, R, { alpha: a });
        f = new Matrix(
          n,
          2,
          f.data.map((v, i) => v - dF.data[i]),
        );
        ft = new Matrix(
          m,
          2,
          ft.data.map((v, i) => v - dT.data[i]),
        );
      }
    }
  });

  it('gradient-flow train outputs equal y + e^{−ηΘt}(f₀ − y) (Taylor matrix exponential)', () => {
    const t = 3.5;
    const [p] = linearizedPredictions({ ntk: dec, yTrain: Y, fTrain0: f0, eta: 0.2 }, [{ time: t }]);
    const E = expm(
      new Matrix(
        n,
        n,
        ntk.tt.data.map((v) => -0.2 * t * v),
      ),
    );
    const R0 = new Matrix(
      n,
      2,
      f0.data.map((v, i) => v - Y.data[i]),
    );
    const ref = matmul(E, R0).data.map((v, i) => v + Y.data[i]);
    assert.ok(maxAbsDiff(p.train.data, ref) < 1e-10);
    assert.equal(p.test, null);
  });

  it('at t = ∞ the train outputs interpolate y and the test outputs are f_*0 + Θ_*Θ⁻¹(y − f₀)', () => {
    const [p] = linearizedPredictions({ ntk: dec, yTrain: Y, ntkTestTrain: ntk.st, fTrain0: f0, fTest0: f0t, eta: 1 }, [
      { time: Number.POSITIVE_INFINITY },
    ]);
    assert.ok(maxAbsDiff(p.train.data, Y.data) < 1e-9);
    const alpha = solve(
      ntk.tt,
      new Matrix(
        n,
        2,
        Y.data.map((v, i) => v - f0.data[i]),
      ),
    );
    const ref = matmul(ntk.st, alpha).data.map((v, i) => v + f0t.data[i]);
    assert.ok(maxAbsDiff(p.test?.data ?? [], ref) < 1e-9);
  });

  it('kernel-regression accuracy is the argmax agreement of the t = ∞ test predictions', () => {
    const P = Matrix.from([
      [0.9, 0.1],
      [0.2, 0.3],
      [0.5, -1],
    ]);
    const T = Matrix.from([
      [1, 0],
      [1, 0],
      [1, 0],
    ]);
    assert.equal(classificationAccuracy(P, T), 2 / 3);
    assert.equal(
      classificationAccuracy(new Matrix(2, 1, Float64Array.from([0.3, -2])), Float64Array.from([1, 1])),
      0.5,
    );
  });

  it('NNGP posterior equals K_*K⁻¹y and K_** − K_*K⁻¹K_*ᵀ (explicit solves)', () => {
    const post = nngpPosterior({ kTrainTrain: nngp.tt, kTestTrain: nngp.st, kTestTest: nngp.ss, yTrain: Y });
    const meanRef = matmul(nngp.st, solve(nngp.tt, Y));
    assert.ok(maxAbsDiff(post.mean.data, meanRef.data) < 1e-9);
    const S = matmul(nngp.st, solve(nngp.tt, nngp.st.transpose()));
    assert.ok(
      maxAbsDiff(
        post.covariance?.data ?? [],
        nngp.ss.data.map((v, i) => v - S.data[i]),
      ) < 1e-9,
    );
  });

  it('NTK-GP at t = ∞ equals K_** + Θ_*Θ⁻¹KΘ⁻¹Θ_*ᵀ − (Θ_*Θ⁻¹K_*ᵀ + h.c.) (Lee et al. 2019)', () => {
    const post = ntkGpPosterior({
      ntk: dec,
      ntkTestTrain: ntk.st,
      nngpTrainTrain: nngp.tt,
      nngpTestTrain: nngp.st,
      nngpTestTest: nngp.ss,
      yTrain: Y,
    });
    const A = solve(ntk.tt, ntk.st.transpose()).transpose(); // Θ_*Θ⁻¹ (m×n)
    assert.ok(maxAbsDiff(post.mean.data, matmul(A, Y).data) < 1e-9);
    const AKA = matmul(matmul(A, nngp.tt), A, { transB: true });
    const AKs = matmul(A, nngp.st, { transB: true });
    const ref = nngp.ss.data.map((v, idx) => {
      const i = Math.floor(idx / m);
      const j = idx % m;
      return v + AKA.data[idx] - AKs.data[i * m + j] - AKs.data[j * m + i];
    });
    assert.ok(maxAbsDiff(post.covariance?.data ?? [], ref) < 1e-8);
  });

  it('NTK-GP with Θ = K reduces to the NNGP posterior; at t = 0 it is the prior', () => {
    const decK = decomposeKernel(nngp.tt);
    const q = {
      ntk: decK,
      ntkTestTrain: nngp.st,
      nngpTrainTrain: nngp.tt,
      nngpTestTrain: nngp.st,
      nngpTestTest: nngp.ss,
      yTrain: Y,
    };
    const a = ntkGpPosterior(q);
    const b = nngpPosterior({ kTrainTrain: nngp.tt, kTestTrain: nngp.st, kTestTest: nngp.ss, yTrain: Y });
    assert.ok(maxAbsDiff(a.mean.data, b.mean.data) < 1e-9);
    assert.ok(maxAbsDiff(a.covariance?.data ?? [], b.covariance?.data ?? []) < 1e-9);
    const z = ntkGpPosterior({ ...q, time: 0 });
    assert.ok(maxAbsDiff(z.mean.data, new Float64Array(m * 2)) < 1e-15);
    assert.ok(maxAbsDiff(z.covariance?.data ?? [], nngp.ss.data) < 1e-15);
  });

  it('a singular NNGP kernel is reported with a ridge suggestion', () => {
    const X = spherePoints(3, 2, new Rng(1));
    const Xd = new Matrix(4, 2, Float64Array.from([...X.data, ...X.data.subarray(0, 2)])); // a duplicate point
    const b = blocks('relu-nngp', Xd, X);
    assert.throws(
      () => nngpPosterior({ kTrainTrain: b.tt, kTestTrain: b.st, yTrain: new Float64Array(4) }),
      (e: unknown) => e instanceof NumericalError && /ridge/.test(e.message),
    );
  });
});
