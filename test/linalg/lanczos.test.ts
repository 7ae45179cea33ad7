import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { lanczos } from '../../src/linalg/lanczos.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { eigh, gram } from '../../src/linalg/ops.js';
import { type BackendName, setBackend } from '../../src/linalg/registry.js';
import { Rng } from '../../src/util/random.js';
import { maxAbs, randn, randomSymmetric, withSpectrum } from './helpers.js';

function denseMatvec(A: Matrix): (v: Float64Array, out: Float64Array) => void {
  const n = A.rows;
  return (v, out) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A.data[i * n + j] * v[j];
      out[i] = s;
    }
  };
}

for (const name of ['native', 'portable'] as BackendName[]) {
  describe(`lanczos (projected problems on the ${name} backend)`, () => {
    it('finds the top k eigenpairs of a kernel-like Gram matrix, matching eigh', () => {
      setBackend(name);
      const rng = new Rng(71);
      const n = 250;
      const A = gram(randn(rng, n, 120));
      const k = 8;
      const r = lanczos(denseMatvec(A), n, { k, seed: 1 });
      const full = eigh(A);
      setBackend('native');
      assert.ok(r.converged);
      const top = full.values[n - 1];
      for (let j = 0; j < k; j++) {
        assert.ok(Math.abs(r.values[j] - full.values[n - k + j]) < 1e-10 * top, `λ${j}`);
        let d = 0;
        for (let i = 0; i < n; i++) d += r.vectors.get(i, j) * full.vectors.get(i, n - k + j);
        assert.ok(Math.abs(Math.abs(d) - 1) < 1e-8, `vector ${j}: |v·u| = ${Math.abs(d)}`);
      }
      for (let j = 1; j < k; j++) assert.ok(r.values[j - 1] <= r.values[j]);
    });

    it('reports residuals equal to an explicit ‖Av−λv‖ and below tol·‖A‖', () => {
      setBackend(name);
      const rng = new Rng(72);
      const n = 150;
      const A = randomSymmetric(rng, n);
      const mv = denseMatvec(A);
      const r = lanczos(mv, n, { k: 4, seed: 2, tol: 1e-10 });
      setBackend('native');
      assert.ok(r.converged);
      const Av = new Float64Array(n);
      const scale = maxAbs(eigh(A).values);
      for (let j = 0; j < 4; j++) {
        const v = r.vectors.col(j);
        mv(v, Av);
        let s = 0;
        for (let i = 0; i < n; i++) s += (Av[i] - r.values[j] * v[i]) ** 2;
        const res = Math.sqrt(s);
        assert.ok(Math.abs(res - r.residuals[j]) < 1e-10 * scale, `${res} vs reported ${r.residuals[j]}`);
        assert.ok(r.residuals[j] <= 1e-10 * scale * 1.0001);
      }
    });
  });
}

describe('lanczos', () => {
  it('is reproducible for a seed', () => {
    const A = randomSymmetric(new Rng(73), 80);
    const a = lanczos(denseMatvec(A), 80, { k: 3, seed: 5 });
    const b = lanczos(denseMatvec(A), 80, { k: 3, seed: 5 });
    assert.deepEqual(a.values, b.values);
    assert.deepEqual(a.vectors.data, b.vectors.data);
  });

  it('handles k = n, n = 1 and a repeated top eigenvalue', () => {
    const A = randomSymmetric(new Rng(74), 12);
    const r = lanczos(denseMatvec(A), 12, { k: 12 });
    const e = eigh(A);
    assert.ok(maxAbs(r.values.map((v, i) => v - e.values[i])) < 1e-12 * maxAbs(e.values));
    const one = lanczos(
      (v, out) => {
        out[0] = 3 * v[0];
      },
      1,
      { k: 1 },
    );
    assert.ok(Math.abs(one.values[0] - 3) < 1e-15);
    // Top eigenvalue 5 with multiplicity 3. A single-vector Krylov method sees one copy in exact arithmetic and may
    // return fewer copies than exist (documented limitation, as in ARPACK); what it returns must still be eigenpairs.
    const spectrum = [5, 5, 5, 1, 0.5, 0.2, 0.1, 0.05, 0, 0, 0.3, 0.7, 0.9, 2, 3, 1.5, 0.01, 0.02, 0.03, 0.04];
    const B = withSpectrum(new Rng(75), spectrum);
    const rb = lanczos(denseMatvec(B), 20, { k: 4, maxBasis: 8 });
    assert.ok(rb.converged);
    assert.ok(Math.abs(rb.values[3] - 5) < 1e-12);
    for (const v of rb.values)
      assert.ok(
        spectrum.some((s) => Math.abs(s - v) < 1e-12),
        `${v} is an eigenvalue`,
      );
    for (const res of rb.residuals) assert.ok(res < 1e-9);
  });

  it('rejects bad arguments with typed errors', () => {
    const mv = (v: Float64Array, out: Float64Array) => out.set(v);
    assert.throws(
      () => lanczos(mv, 10, { k: 11 }),
      (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'k',
    );
    assert.throws(
      () => lanczos(mv, 0, { k: 1 }),
      (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'n',
    );
    assert.throws(() => lanczos(mv, 10, { k: 2, tol: 0 }), /`tol` must be/);
    assert.throws(() => lanczos(mv, 10, { k: 2, maxBasis: 2 }), /`maxBasis` must be/);
    assert.throws(
      () => lanczos((_v, out) => out.fill(Number.NaN), 10, { k: 2 }),
      (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'matvec',
    );
  });
});
