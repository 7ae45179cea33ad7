import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decomposeKernel, linearizedConvergence, maxStableStep } from '../../src/analysis/index.js';
import { Matrix, matmul } from '../../src/linalg/index.js';
import { Rng } from '../../src/util/random.js';
import { combineColumns, expm, kernelWithSpectrum, norm, randomOrthogonal, simulateGd } from './helpers.js';

describe('linearized GD convergence on a kernel with known spectrum', () => {
  const n = 50;
  const Q = randomOrthogonal(n, 21);
  const lambda = Array.from({ length: n }, (_, j) => 1 / (j + 1) ** 1.2 + 0.01);
  const K = kernelWithSpectrum(Q, lambda);
  const dec = decomposeKernel(K);
  const rng = new Rng(22);
  const y = new Matrix(n, 1, rng.normals(n));
  const f0 = new Matrix(n, 1, rng.normals(n, 0.1));
  const r0 = f0.data.map((v, i) => v - y.data[i]);
  const steps = 300;

  for (const normalization of ['sum', 'mean'] as const) {
    it(`exact curve equals the simulation f ← f − ηK(f − y)/N to 1e-10 (${normalization})`, () => {
      const eta = normalization === 'sum' ? 0.9 : 0.9 * n;
      const c = linearizedConvergence(dec, r0, { eta, steps, normalization });
      const sim = simulateGd(K, y, f0, normalization === 'sum' ? eta : eta / n, steps);
      for (let k = 0; k <= steps; k++) assert.ok(Math.abs(c.discrete.exact[k] - sim.norms[k]) < 1e-10, `k = ${k}`);
      assert.equal(c.rate, 0.9);
      assert.equal(c.diverges, false);
    });
  }

  it('alignment bound ≥ exact at every step and time; classical ≥ exact', () => {
    const c = linearizedConvergence(dec, r0, { eta: 0.9, steps });
    assert.equal(c.classicalValid, true);
    for (let k = 0; k <= steps; k++) {
      const tol = 1e-12 * c.residualNorm0;
      assert.ok(c.discrete.alignment[k] >= c.discrete.exact[k] - tol, `alignment k = ${k}`);
      assert.ok(c.discrete.classical[k] >= c.discrete.exact[k] - tol, `classical k = ${k}`);
      assert.ok(c.continuous.alignment[k] >= c.continuous.exact[k] - tol, `alignment t = ${k}`);
      assert.ok(c.continuous.classical[k] >= c.continuous.exact[k] - tol, `classical t = ${k}`);
    }
  });

  it('with projections exactly on a power law, the alignment bound equals the exact curve and the classical bound is ≥ both', () => {
    const p = lambda.map((l) => l ** 2);
    const yy = combineColumns(Q, p.map(Math.sqrt));
    const c = linearizedConvergence(dec, yy, { eta: 0.9, steps });
    assert.ok(c.gamma !== null && Math.abs(c.gamma - 2) < 1e-8);
    for (let k = 0; k <= steps; k++) {
      assert.ok(Math.abs(c.discrete.alignment[k] - c.discrete.exact[k]) < 1e-10 * c.residualNorm0, `k = ${k}`);
      assert.ok(c.discrete.classical[k] >= c.discrete.alignment[k] - 1e-12, `k = ${k}`);
      assert.ok(c.discrete.classical[k] >= c.discrete.exact[k] - 1e-12);
    }
  });

  it('gradient-flow curve equals ‖e^{−ηKt} r₀‖ computed by a Taylor matrix exponential', () => {
    const c = linearizedConvergence(dec, r0, { eta: 0.5, steps: 40 });
    for (const t of [0, 1, 7, 40]) {
      const E = expm(
        new Matrix(
          n,
          n,
          K.data.map((v) => -0.5 * t * v),
        ),
      );
      const ref = norm(matmul(E, new Matrix(n, 1, r0)).data);
      assert.ok(Math.abs(c.continuous.exact[t] - ref) < 1e-10, `t = ${t}: ${c.continuous.exact[t]} vs ${ref}`);
    }
  });

  it('the step counts to a target loss are the first crossing of each curve', () => {
    const target = 1e-3; // loss ½‖r‖²
    const c = linearizedConvergence(dec, r0, { eta: 0.9, steps: 2000, targetLoss: target });
    const tn = Math.sqrt(2 * target);
    assert.ok(c.toTarget);
    const kE = c.toTarget.discrete.exact;
    assert.ok(kE !== null && kE > 0 && kE <= 2000);
    assert.ok(c.discrete.exact[kE] <= tn && c.discrete.exact[kE - 1] > tn);
    const kA = c.toTarget.discrete.alignment;
    assert.ok(kA !== null && kA >= kE && c.discrete.alignment[kA] <= tn && c.discrete.alignment[kA - 1] > tn);
    const kC = c.toTarget.discrete.classical;
    const lmin = lambda[n - 1];
    assert.equal(kC, Math.ceil(Math.log(tn / c.residualNorm0) / Math.log(1 - 0.9 * lmin)));
    const tC = c.toTarget.continuous.classical;
    assert.ok(tC !== null && Math.abs(tC - Math.log(c.residualNorm0 / tn) / (0.9 * lmin)) < 1e-9 * tC);
    const tE = c.toTarget.continuous.exact;
    assert.ok(tE !== null && tE <= tC + 1e-9);
  });

  it('η ≥ 2/λ_max: warns that the dynamics diverge, and the simulation indeed grows', () => {
    const lmax = lambda[0];
    assert.ok(Math.abs(maxStableStep(lmax) - 2 / lmax) < 1e-15);
    assert.ok(Math.abs(maxStableStep(lmax, 'mean', n) - (2 * n) / lmax) < 1e-12);
    const eta = 2.2 / lmax;
    const c = linearizedConvergence(dec, r0, { eta, steps: 30, targetLoss: 1e-3 });
    assert.equal(c.diverges, true);
    assert.ok(
      c.warnings.some((w) => /diverge/.test(w) && /2N\/λ_max/.test(w)),
      c.warnings.join('\n'),
    );
    assert.equal(c.toTarget?.discrete.exact, null);
    const sim = simulateGd(K, y, f0, eta, 30);
    assert.ok(sim.norms[30] > sim.norms[0]);
    assert.ok(Math.abs(c.discrete.exact[30] - sim.norms[30]) < 1e-9 * sim.norms[30]);
  });
});
