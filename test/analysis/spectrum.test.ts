import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decomposeKernel, decomposeKernelAsync, spectrum } from '../../src/analysis/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { Matrix } from '../../src/linalg/index.js';
import { kernelWithSpectrum, randomOrthogonal } from './helpers.js';

describe('spectrum of a kernel with a constructed spectrum QΛQᵀ', () => {
  const n = 80;
  const Q = randomOrthogonal(n, 1);
  const alpha = 1.5;
  const lambda = Array.from({ length: n }, (_, i) => 3 * (i + 1) ** -alpha); // descending
  const K = kernelWithSpectrum(Q, lambda);
  const dec = decomposeKernel(K);
  const s = spectrum(dec, { ridges: [1e-3, 0.1] });

  it('recovers the eigenvalues in descending order to 1e-12 relative', () => {
    for (let i = 0; i < n; i++) assert.ok(Math.abs(s.values[i] - lambda[i]) <= 1e-12 * lambda[0], `λ_${i + 1}`);
    assert.equal(s.complete, true);
    assert.ok(Math.abs(s.lambdaMax - 3) < 1e-12);
    assert.ok(Math.abs((s.lambdaMin ?? 0) - lambda[n - 1]) < 1e-13);
  });

  it('gives the condition number, tr/λ_max, effective ranks and entropy of the known spectrum', () => {
    const tr = lambda.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs((s.conditionNumber ?? 0) - lambda[0] / lambda[n - 1]) < 1e-6 * (lambda[0] / lambda[n - 1]));
    assert.ok(Math.abs(s.trace - tr) < 1e-12);
    assert.ok(Math.abs(s.traceOverMax - tr / 3) < 1e-12);
    for (const { ridge, value } of s.effectiveRank ?? []) {
      const ref = lambda.reduce((a, l) => a + l / (l + ridge), 0);
      assert.ok(Math.abs(value - ref) < 1e-10, `ridge ${ridge}`);
    }
    const h = -lambda.reduce((a, l) => a + (l / tr) * Math.log(l / tr), 0);
    assert.ok(Math.abs((s.spectralEntropy?.entropy ?? 0) - h) < 1e-10);
    assert.ok(Math.abs((s.spectralEntropy?.effectiveRank ?? 0) - Math.exp(h)) < 1e-9);
  });

  it('fits the decay exponent α of λᵢ = 3·i^(−α) exactly (R² = 1)', () => {
    assert.ok(s.decay);
    assert.ok(Math.abs(s.decay.exponent - alpha) < 1e-9, `${s.decay.exponent}`);
    assert.ok(Math.abs(s.decay.intercept - Math.log(3)) < 1e-9);
    assert.ok(s.decay.r2 > 1 - 1e-12);
    assert.equal(s.decay.count, n);
  });

  it('reports no negative mass for a PSD kernel and the symmetrization error of the input', () => {
    assert.equal(s.psd.significantNegativeCount, 0);
    assert.ok(s.psd.negativeMass < 1e-12);
    assert.ok(s.psd.symmetrizationError !== null && s.psd.symmetrizationError < 1e-15);
  });

  it('async decomposition agrees with the synchronous one', async () => {
    const a = await decomposeKernelAsync(K);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(a.values[i] - dec.values[i]) < 1e-13);
  });

  it('top-k decomposition gives the k largest eigenvalues, exact trace, and no λ_min', () => {
    const t = spectrum(decomposeKernel(K, { topK: 10 }));
    assert.equal(t.computed, 10);
    assert.equal(t.complete, false);
    assert.equal(t.lambdaMin, null);
    assert.equal(t.effectiveRank, null);
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(t.values[i] - lambda[i]) < 1e-12);
    assert.ok(Math.abs(t.trace - lambda.reduce((a, b) => a + b, 0)) < 1e-12);
  });
});

describe('top-k by Lanczos', () => {
  it('gives the same top eigenvalues and eigenvectors (up to sign) as the full decomposition', () => {
    const n = 120;
    const Q = randomOrthogonal(n, 5);
    const lambda = Array.from({ length: n }, (_, i) => 1 / (i + 1));
    const K = kernelWithSpectrum(Q, lambda);
    const d = decomposeKernel(K, { topK: 6, topKMethod: 'lanczos' });
    assert.equal(d.values.length, 6);
    for (let j = 0; j < 6; j++) {
      // ascending: values[5] is λ₁
      assert.ok(Math.abs(d.values[5 - j] - lambda[j]) < 1e-10, `λ_${j + 1}`);
      let dot = 0;
      for (let i = 0; i < n; i++) dot += d.vectors.data[i * 6 + (5 - j)] * Q.data[i * n + j];
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-8, `v_${j + 1}: |⟨v, q⟩| = ${Math.abs(dot)}`);
    }
    assert.throws(() => decomposeKernel(K, { topK: 6, topKMethod: 'power' as 'lanczos' }), /topKMethod/);
  });
});

describe('PSD diagnostics on an indefinite kernel', () => {
  const n = 30;
  const Q = randomOrthogonal(n, 2);
  const lambda = Array.from({ length: n }, (_, i) => (i < 27 ? 1 / (i + 1) : -0.01 * (i - 26)));
  const K = kernelWithSpectrum(Q, lambda);
  // Add a small asymmetry so the symmetrization error is non-zero.
  K.data[1] += 1e-9;
  const s = spectrum(decomposeKernel(K));

  it('counts the negative eigenvalues and their mass', () => {
    assert.equal(s.psd.negativeCount, 3);
    assert.equal(s.psd.significantNegativeCount, 3);
    assert.ok(Math.abs(s.psd.negativeMass - 0.06) < 1e-8);
    const abs = lambda.reduce((a, l) => a + Math.abs(l), 0);
    assert.ok(Math.abs(s.psd.negativeMassFraction - 0.06 / abs) < 1e-8);
    assert.ok(Math.abs(s.psd.mostNegative + 0.03) < 1e-8);
    assert.equal(s.conditionNumber, Number.POSITIVE_INFINITY);
  });

  it('measures the symmetrization error max|K − Kᵀ|/max|K|', () => {
    let maxAbs = 0;
    for (const v of K.data) maxAbs = Math.max(maxAbs, Math.abs(v));
    assert.ok(Math.abs((s.psd.symmetrizationError ?? 0) - 1e-9 / maxAbs) < 1e-12);
  });
});

describe('bad kernels', () => {
  it('rejects a non-symmetric kernel, naming the asymmetry', () => {
    const K = Matrix.from([
      [1, 0.5],
      [0.2, 1],
    ]);
    assert.throws(
      () => decomposeKernel(K),
      (e: unknown) =>
        e instanceof InvalidArgumentError && /symmetric/.test(e.message) && /asymmetry 3\.000e-1/.test(e.message),
    );
  });
  it('rejects a non-finite kernel, naming the entry', () => {
    const K = Matrix.from([
      [1, Number.NaN],
      [Number.NaN, 1],
    ]);
    assert.throws(() => decomposeKernel(K), /finite.*K\[0, 1\] = NaN/);
  });
  it('rejects a non-square kernel and a bad topK', () => {
    assert.throws(() => decomposeKernel(new Matrix(2, 3)), /square/);
    assert.throws(() => decomposeKernel(Matrix.identity(3), { topK: 4 }), /topK/);
  });
});
