import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  corruptTargets,
  decomposeKernel,
  dotProductKernelMatrix,
  generalizationBound,
  generalizationBoundFromEigh,
} from '../../src/analysis/index.js';
import { NumericalError } from '../../src/errors.js';
import { Matrix, matmul } from '../../src/linalg/index.js';
import { Rng } from '../../src/util/random.js';
import { kernelWithSpectrum, randomOrthogonal, spherePoints } from './helpers.js';

describe('generalization quantity √(2yᵀK⁻¹y/n) (Arora et al. 2019)', () => {
  const n = 40;
  const Q = randomOrthogonal(n, 31);
  const lambda = Array.from({ length: n }, (_, j) => 1 / (j + 1) + 1e-3);
  const K = kernelWithSpectrum(Q, lambda);
  const y = new Rng(32).normals(n);

  it('Cholesky value equals yᵀK⁻¹y = Σ (qᵢᵀy)²/λᵢ from the constructed eigendecomposition', () => {
    const g = generalizationBound(K, y);
    const P = matmul(Q, new Matrix(n, 1, y), { transA: true });
    let ref = 0;
    for (let j = 0; j < n; j++) ref += P.data[j] ** 2 / lambda[j];
    assert.ok(Math.abs(g.quadraticForm / ref - 1) < 1e-10, `${g.quadraticForm} vs ${ref}`);
    assert.ok(Math.abs(g.value - Math.sqrt((2 * ref) / n)) < 1e-10 * g.value);
    const e = generalizationBoundFromEigh(decomposeKernel(K), y);
    assert.ok(Math.abs(e.quadraticForm / ref - 1) < 1e-10);
  });

  it('with a ridge ρ it is yᵀ(K + ρI)⁻¹y, both ways', () => {
    const rho = 0.05;
    const P = matmul(Q, new Matrix(n, 1, y), { transA: true });
    let ref = 0;
    for (let j = 0; j < n; j++) ref += P.data[j] ** 2 / (lambda[j] + rho);
    assert.ok(Math.abs(generalizationBound(K, y, { ridge: rho }).quadraticForm / ref - 1) < 1e-12);
    assert.ok(
      Math.abs(generalizationBoundFromEigh(decomposeKernel(K), y, { ridge: rho }).quadraticForm / ref - 1) < 1e-12,
    );
  });

  it('a singular kernel is reported as such, suggesting a ridge; the ridge fixes it', () => {
    const sing = kernelWithSpectrum(
      Q,
      lambda.map((l, j) => (j >= n - 3 ? 0 : l)),
    );
    const isSingular = (e: unknown) =>
      e instanceof NumericalError && /singular/.test(e.message) && /ridge/.test(e.message);
    assert.throws(() => generalizationBound(sing, y), isSingular);
    assert.throws(() => generalizationBoundFromEigh(decomposeKernel(sing), y), isSingular);
    assert.ok(Number.isFinite(generalizationBound(sing, y, { ridge: 1e-3 }).value));
  });

  it('is larger for corrupted labels than for true labels of a structured task (H∞ on two clusters)', () => {
    const rng = new Rng(33);
    const m = 60;
    const d = 10;
    const X = spherePoints(m, d, rng);
    const labels = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      labels[i] = i < m / 2 ? 1 : -1;
      X.data[i * d] += 3 * labels[i];
      let s = 0;
      for (let j = 0; j < d; j++) s += X.data[i * d + j] ** 2;
      for (let j = 0; j < d; j++) X.data[i * d + j] /= Math.sqrt(s);
    }
    const H = dotProductKernelMatrix(X, { kind: 'hinf' });
    const clean = generalizationBound(H, labels).value;
    const noisy = generalizationBound(H, corruptTargets(labels, 0.5, new Rng(34))).value;
    assert.ok(noisy > 1.5 * clean, `clean ${clean}, corrupted ${noisy}`);
  });

  it('corruptTargets replaces exactly round(fraction·n) one-hot rows by random classes', () => {
    const Y = new Matrix(100, 4);
    for (let i = 0; i < 100; i++) Y.data[i * 4 + (i % 4)] = 1;
    const Z = corruptTargets(Y, 0.3, new Rng(5));
    let changedOrKept = 0;
    for (let i = 0; i < 100; i++) {
      const row = Array.from(Z.data.subarray(i * 4, i * 4 + 4));
      assert.equal(
        row.reduce((a, b) => a + b, 0),
        1,
      );
      if (row[i % 4] !== 1) changedOrKept++;
    }
    assert.ok(changedOrKept <= 30 && changedOrKept >= 15, `${changedOrKept}`);
    assert.throws(() => corruptTargets(Y, 1.5, new Rng(1)), /fraction/);
  });

  it('corruptTargets on a ±1 column draws uniform random labels, not the label of a random example', () => {
    // 90 % +1: "a random example's label" would make 90 % of the 2000 redrawn rows +1; random labels make 50 %
    const n = 2000;
    const y = Float64Array.from({ length: n }, (_, i) => (i % 10 === 0 ? -1 : 1));
    const Z = corruptTargets(y, 1, new Rng(8));
    let plus = 0;
    for (const v of Z.data) {
      assert.ok(v === 1 || v === -1);
      if (v === 1) plus++;
    }
    assert.ok(Math.abs(plus - n / 2) < 4 * Math.sqrt(n / 4), `${plus} of ${n} are +1`);
    // centered one-hot rows keep their encoding
    const C = new Matrix(3, 3, Float64Array.from([2, -1, -1, -1, 2, -1, -1, -1, 2].map((v) => v / 3)));
    const W = corruptTargets(C, 1, new Rng(2));
    for (let i = 0; i < 3; i++) {
      const row = Array.from(W.data.subarray(3 * i, 3 * i + 3)).sort();
      assert.deepEqual(row, [-1 / 3, -1 / 3, 2 / 3]);
    }
  });
});
