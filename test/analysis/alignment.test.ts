import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decomposeKernel, kernelTargetAlignment, labelAlignment, residualAlignment } from '../../src/analysis/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { Matrix, matmul } from '../../src/linalg/index.js';
import { Rng } from '../../src/util/random.js';
import { combineColumns, kernelWithSpectrum, randomOrthogonal } from './helpers.js';

describe('label–NTK alignment with known projections', () => {
  const n = 64;
  const Q = randomOrthogonal(n, 3);
  // Q's columns are the eigenvectors; λ_j descending in j.
  const lambda = Array.from({ length: n }, (_, j) => 2 / (j + 1));
  const K = kernelWithSpectrum(Q, lambda);
  const dec = decomposeKernel(K);
  const gamma = 1.7;

  it('recovers γ and C exactly when pᵢ = C·λᵢ^γ', () => {
    const p = lambda.map((l) => l ** gamma);
    const total = p.reduce((a, b) => a + b, 0);
    const C = 1 / total;
    const signs = p.map((_, j) => (j % 3 === 0 ? -1 : 1));
    const y = combineColumns(
      Q,
      p.map((v, j) => signs[j] * Math.sqrt(v) * 5),
    ); // ‖y‖² = 25·total
    const al = labelAlignment(dec, y);
    assert.ok(al.fit);
    assert.ok(Math.abs(al.fit.gamma - gamma) < 1e-8, `γ = ${al.fit.gamma}`);
    assert.ok(Math.abs(al.fit.intercept - Math.log(C)) < 1e-7);
    assert.ok(al.fit.r2 > 1 - 1e-12);
    assert.ok(al.envelope !== null && Math.abs(al.envelope / C - 1) < 1e-7, `C = ${al.envelope} vs ${C}`);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(al.projections[i] - p[i] * C) < 1e-12);
    let acc = 0;
    for (let k = 0; k < n; k++) {
      acc += p[k] * C;
      assert.ok(Math.abs(al.cumulative[k] - acc) < 1e-12);
    }
    assert.ok(Math.abs(al.norm - 5 * Math.sqrt(total)) < 1e-10);
    assert.ok(al.unexplained < 1e-12);
  });

  it('with noisy projections, C = max pᵢ/λᵢ^γ is an envelope touching one point, and γ is close', () => {
    const rng = new Rng(7);
    const p = lambda.map((l) => l ** gamma * Math.exp(0.3 * rng.normal()));
    const y = combineColumns(Q, p.map(Math.sqrt));
    const al = labelAlignment(dec, y);
    assert.ok(al.fit && al.envelope !== null && al.gamma !== null && al.envelopeIndex !== null);
    assert.ok(Math.abs(al.fit.gamma - gamma) < 0.1, `γ = ${al.fit.gamma}`);
    for (let i = 0; i < n; i++)
      assert.ok(al.projections[i] <= al.envelope * al.eigenvalues[i] ** al.gamma * (1 + 1e-12));
    const i = al.envelopeIndex;
    assert.ok(Math.abs(al.projections[i] - al.envelope * al.eigenvalues[i] ** al.gamma) < 1e-14);
  });

  it('normalizes multi-output projections by ‖Y‖²_F', () => {
    const rng = new Rng(8);
    const Y = new Matrix(n, 3, rng.normals(n * 3));
    const al = labelAlignment(dec, Y);
    const P = matmul(Q, Y, { transA: true });
    let tot = 0;
    for (const v of Y.data) tot += v * v;
    for (let j = 0; j < n; j++) {
      const ref = (P.data[j * 3] ** 2 + P.data[j * 3 + 1] ** 2 + P.data[j * 3 + 2] ** 2) / tot;
      assert.ok(Math.abs(al.projections[j] - ref) < 1e-12);
    }
    assert.equal(al.outputs, 3);
  });

  it('residual alignment is label alignment of r = f − y', () => {
    const rng = new Rng(9);
    const f = rng.normals(n);
    const y = rng.normals(n);
    const r = f.map((v, i) => v - y[i]);
    const a = residualAlignment(dec, f, y);
    const b = labelAlignment(dec, r);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(a.projections[i] - b.projections[i]) < 1e-15);
  });

  it('rejects labels whose count differs from the kernel size', () => {
    assert.throws(
      () => labelAlignment(dec, new Float64Array(n - 1)),
      (e: unknown) => e instanceof InvalidArgumentError && /64 rows/.test(e.message) && /63 rows/.test(e.message),
    );
  });
});

describe('kernel–target alignment', () => {
  const rng = new Rng(11);
  const n = 25;
  const X = new Matrix(n, 4, rng.normals(n * 4));
  const K = matmul(X, X, { transB: true });
  for (let i = 0; i < n; i++) K.data[i * n + i] += 1;
  const Y = new Matrix(
    n,
    2,
    rng.normals(n * 2).map((v) => v + 0.5),
  );

  it('equals ⟨K, YYᵀ⟩/(‖K‖‖YYᵀ‖), raw and centered by H = I − 11ᵀ/n, computed with explicit matrices', () => {
    const YY = matmul(Y, Y, { transB: true });
    const H = Matrix.identity(n);
    for (let i = 0; i < n * n; i++) H.data[i] -= 1 / n;
    const c = (A: Matrix) => matmul(matmul(H, A), H);
    const al = (A: Matrix, B: Matrix) => {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < n * n; i++) {
        ab += A.data[i] * B.data[i];
        aa += A.data[i] ** 2;
        bb += B.data[i] ** 2;
      }
      return ab / Math.sqrt(aa * bb);
    };
    const r = kernelTargetAlignment(K, Y);
    assert.ok(Math.abs(r.raw - al(K, YY)) < 1e-12);
    assert.ok(Math.abs(r.centered - al(c(K), c(YY))) < 1e-12);
    assert.ok(r.raw > -1 && r.raw <= 1);
  });

  it('is 1 for K = yyᵀ', () => {
    const y = rng.normals(n);
    const Ky = new Matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Ky.data[i * n + j] = y[i] * y[j];
    const r = kernelTargetAlignment(Ky, y);
    assert.ok(Math.abs(r.raw - 1) < 1e-12);
    assert.ok(Math.abs(r.centered - 1) < 1e-12);
  });
});
