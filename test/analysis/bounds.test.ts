import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  alignedConvergence,
  decayBounds,
  driftCorrection,
  generalizationAlignmentBounds,
  projectionFit,
  slopeInterval,
  spectralBands,
  studentTQuantile,
} from '../../src/analysis/bounds.js';
import { decomposeKernel, generalizationBound, linearizedConvergence } from '../../src/analysis/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { Matrix } from '../../src/linalg/index.js';
import { Rng } from '../../src/util/random.js';
import { combineColumns, kernelWithSpectrum, randomOrthogonal, simulateGd } from './helpers.js';

/** K = QΛQᵀ with prescribed λ and y = Σ √pᵢ·qᵢ (so (qᵢᵀy)² = pᵢ exactly, ‖y‖² = Σpᵢ). */
function constructed(n: number, seed: number, lambda: number[], p: number[]) {
  const Q = randomOrthogonal(n, seed);
  const K = kernelWithSpectrum(Q, lambda);
  const y = combineColumns(
    Q,
    p.map((v) => Math.sqrt(v)),
  );
  return { K, y, dec: decomposeKernel(K) };
}

const n = 40;
const lambda = Array.from({ length: n }, (_, j) => 2 / (j + 1) ** 1.5 + 1e-3);

describe('generalization bounds on constructed kernels QΛQᵀ', () => {
  it('exact power law pᵢ = λᵢ^γ/Σλ^γ: the γ-only form and the envelope forms equal G; classical ≥ G', () => {
    const gamma = 1.3;
    const s = lambda.reduce((a, l) => a + l ** gamma, 0);
    const p = lambda.map((l) => l ** gamma / s);
    const { K, y, dec } = constructed(n, 3, lambda, p);
    const b = generalizationAlignmentBounds(dec, y);
    assert.ok(Math.abs(b.gamma - gamma) < 1e-8, `γ = ${b.gamma}`);
    // Closed form: yᵀK⁻¹y = Σpᵢ/λᵢ = Σλ^{γ−1}/Σλ^γ (‖y‖ = 1).
    const ref = Math.sqrt((2 * lambda.reduce((a, l) => a + l ** (gamma - 1), 0)) / s / n);
    assert.ok(Math.abs(b.exact - ref) < 1e-10 * ref, `${b.exact} vs ${ref}`);
    assert.ok(Math.abs(generalizationBound(K, y).value - ref) < 1e-9 * ref, 'Cholesky agrees');
    for (const v of [b.gammaOnly, b.alignment, b.piecewise])
      assert.ok(Math.abs(v - ref) < 1e-8 * ref, `${v} vs ${ref}`);
    assert.ok(b.classical >= b.exact);
    assert.ok(Math.abs(b.classical - Math.sqrt(2 / (n * lambda[n - 1]))) < 1e-10 * b.classical);
    assert.ok(b.banded >= b.exact * (1 - 1e-12) && b.banded <= b.piecewise * (1 + 1e-12));
  });

  it('noisy projections: alignment ≥ piecewise ≥ banded ≥ G, band mass ≥ banded ≥ G, classical ≥ G (many draws)', () => {
    const rng = new Rng(7);
    for (let t = 0; t < 20; t++) {
      const gamma = 0.5 + rng.uniform() * 1.5;
      const raw = lambda.map((l) => l ** gamma * rng.normal() ** 2 + 1e-12);
      const s = raw.reduce((a, v) => a + v, 0);
      const { y, dec } = constructed(n, 100 + t, lambda, raw);
      for (const ridge of [0, 0.01]) {
        for (const bands of [1, 3, 8]) {
          const b = generalizationAlignmentBounds(dec, y, { bands, ridge });
          // Independent closed forms from the prescribed λ and p (not from the decomposition).
          const G = Math.sqrt((2 * raw.reduce((a, v, i) => a + v / (lambda[i] + ridge), 0)) / n);
          assert.ok(Math.abs(b.exact - G) < 1e-9 * G);
          const C = Math.max(...raw.map((v, i) => v / s / lambda[i] ** b.gamma));
          const align = Math.sqrt((2 * s * C * lambda.reduce((a, l) => a + l ** b.gamma / (l + ridge), 0)) / n);
          assert.ok(Math.abs(b.alignment - align) < 1e-9 * align, `alignment ${b.alignment} vs ${align}`);
          const tol = 1 + 1e-12;
          assert.ok(b.alignment * tol >= b.piecewise, `t=${t} bands=${bands}`);
          assert.ok(b.piecewise * tol >= b.banded && b.bandMass * tol >= b.banded);
          assert.ok(b.banded * tol >= b.exact, `banded ${b.banded} < G ${b.exact}`);
          assert.ok(b.classical * tol >= b.exact);
          if (bands === 1) assert.ok(Math.abs(b.piecewise - b.alignment) < 1e-12 * b.alignment);
        }
      }
    }
  });

  it('numpy reference: every form from the spectrum and projections', () => {
    const rng = new Rng(12);
    const raw = lambda.map((l) => l ** 0.9 * rng.normal() ** 2 + 1e-9);
    const { y, dec } = constructed(n, 13, lambda, raw);
    const b = generalizationAlignmentBounds(dec, y, { bands: 4 });
    const py = `
import json, sys, numpy as np
d = json.loads(sys.stdin.read())
lam = np.array(d['lam']); p = np.array(d['p']); g = d['gamma']; B = 4
p = p / p.sum(); y2 = d['y2']; n = len(lam)
u = (np.log(lam.max()) - np.log(lam)) / (np.log(lam.max()) - np.log(lam.min()))
band = np.minimum(B - 1, np.floor(u * B)).astype(int)
C = (p / lam**g).max()
pw = sum((p[band == b] / lam[band == b]**g).max() * (lam[band == b]**(g - 1)).sum() for b in set(band))
bm = sum(p[band == b].sum() / lam[band == b].min() for b in set(band))
bd = sum(min((p[band == b] / lam[band == b]**g).max() * (lam[band == b]**(g - 1)).sum(), p[band == b].sum() / lam[band == b].min()) for b in set(band))
f = lambda v: float(np.sqrt(2 * y2 * v / n))
print(json.dumps({'exact': f((p / lam).sum()), 'classical': f(1 / lam.min()), 'alignment': f(C * (lam**(g - 1)).sum()),
  'piecewise': f(pw), 'bandMass': f(bm), 'banded': f(bd), 'gammaOnly': f((lam**(g - 1)).sum() / (lam**g).sum())}))`;
    const r = spawnSync('/usr/bin/python3', ['-c', py], {
      encoding: 'utf8',
      input: JSON.stringify({ lam: lambda, p: raw, gamma: b.gamma, y2: raw.reduce((a, v) => a + v, 0) }),
    });
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as Record<string, number>;
    for (const k of ['exact', 'classical', 'alignment', 'piecewise', 'bandMass', 'banded', 'gammaOnly'] as const)
      assert.ok(Math.abs(b[k] - ref[k]) < 1e-8 * ref[k], `${k}: ${b[k]} vs ${ref[k]}`);
  });

  it('singular kernels and bad options throw', () => {
    const { y, dec } = constructed(n, 5, [...lambda.slice(0, n - 1), 0], lambda);
    assert.throws(() => generalizationAlignmentBounds(dec, y), /singular/);
    const ok = constructed(n, 5, lambda, lambda);
    assert.throws(() => generalizationAlignmentBounds(ok.dec, ok.y, { bands: 0 }), InvalidArgumentError);
    assert.throws(() => spectralBands(Float64Array.from(lambda), 0, 1.5), /bands/);
  });
});

describe('convergence bounds from projections', () => {
  const Q = randomOrthogonal(n, 21);
  const K = kernelWithSpectrum(Q, lambda);
  const dec = decomposeKernel(K);
  const rng = new Rng(22);
  const y = new Matrix(n, 1, rng.normals(n));
  const f0 = new Matrix(n, 1, rng.normals(n, 0.1));
  const r0 = f0.data.map((v, i) => v - y.data[i]);
  const eta = 0.8 / lambda[0];

  it('the exact curve equals the simulated GD, alignment equals linearizedConvergence, and every form bounds it', () => {
    const steps = 200;
    const c = alignedConvergence(dec, r0, { eta, steps, bands: 6 });
    const lc = linearizedConvergence(dec, r0, { eta, steps });
    const sim = simulateGd(K, y, f0, eta, steps);
    for (let k = 0; k <= steps; k++) {
      const tol = 1e-10 * c.residualNorm0;
      assert.ok(Math.abs(c.curves.exact[k] - sim.norms[k]) < tol, `k = ${k}`);
      assert.ok(Math.abs(c.curves.alignment[k] - lc.discrete.alignment[k]) < tol, `alignment k = ${k}`);
      for (const key of ['alignment', 'piecewise', 'bandMass', 'banded'] as const)
        assert.ok(c.curves[key][k] >= sim.norms[k] - tol, `${key} k = ${k}`);
      assert.ok(c.curves.banded[k] <= Math.min(c.curves.piecewise[k], c.curves.bandMass[k]) + tol);
    }
    assert.ok(
      Math.abs(c.curves.bandMass[0] - c.residualNorm0) < 1e-12 * c.residualNorm0,
      'band mass is exact at k = 0',
    );
  });

  it('exact power law: piecewise = alignment = exact for every k; gradient flow too', () => {
    const p = lambda.map((l) => l ** 2);
    const yy = combineColumns(Q, p.map(Math.sqrt));
    for (const flow of [false, true]) {
      const c = alignedConvergence(dec, yy, { eta, steps: 100, bands: 5, flow });
      for (let k = 0; k <= 100; k++) {
        const e = c.curves.exact[k];
        assert.ok(Math.abs(c.curves.alignment[k] - e) < 1e-9 * c.residualNorm0, `flow=${flow} k=${k}`);
        assert.ok(Math.abs(c.curves.piecewise[k] - e) < 1e-9 * c.residualNorm0);
      }
      if (flow) {
        const lam = Float64Array.from(lambda);
        const pn = Float64Array.from(p.map((v) => v / p.reduce((a, b) => a + b, 0)));
        const d = decayBounds(lam, pn, eta, [7.5], { flow: true, gamma: 2 });
        const ref = lambda.reduce((a, l, i) => a + pn[i] * Math.exp(-2 * eta * l * 7.5), 0);
        assert.ok(Math.abs(d.exact[0] - ref) < 1e-12);
      }
    }
  });

  it('driftCorrection: closed form on a hand example, and the monotonicity flag', () => {
    const d = driftCorrection([0, 2, 5], [1, 0.5, 0.2], [1, 0.6, 0.3], [0, 0.1, 0.2], 0.5);
    // acc₁ = 0.5·2·0.1·1 = 0.1; acc₂ = 0.1 + 0.5·3·0.2·0.6 = 0.28
    assert.deepEqual(
      Array.from(d.correction).map((v) => +v.toFixed(12)),
      [0, 0.1, 0.28],
    );
    assert.deepEqual(
      Array.from(d.bound).map((v) => +v.toFixed(12)),
      [1, 0.6, 0.48],
    );
    assert.equal(d.monotone, true);
    assert.equal(driftCorrection([0, 1], [1, 1], [1, 2], [0, 0], 1).monotone, false);
    assert.throws(() => driftCorrection([0, 0], [1, 1], [1, 1], [0, 0], 1), /strictly increasing/);
  });
});

describe('γ fits with confidence intervals', () => {
  it('slope interval and t quantiles agree with scipy', () => {
    const rng = new Rng(31);
    const x = Array.from({ length: 25 }, () => rng.normal());
    const yv = x.map((v) => 1.7 * v + 0.3 + 0.5 * rng.normal());
    const s = slopeInterval(x, yv);
    assert.ok(s);
    const py = `
import json, sys, numpy as np
from scipy import stats
d = json.loads(sys.stdin.read()); r = stats.linregress(d['x'], d['y'])
t = stats.t.ppf(0.975, len(d['x']) - 2)
print(json.dumps({'slope': r.slope, 'se': r.stderr, 'lo': r.slope - t * r.stderr, 'hi': r.slope + t * r.stderr,
  'q': [float(stats.t.ppf(u, nu)) for u, nu in [(0.975, 1), (0.975, 2), (0.975, 3), (0.995, 8), (0.9, 30), (0.025, 12)]]}))`;
    const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8', input: JSON.stringify({ x, y: yv }) });
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as { slope: number; se: number; lo: number; hi: number; q: number[] };
    assert.ok(Math.abs(s.slope - ref.slope) < 1e-12);
    assert.ok(Math.abs(s.se - ref.se) < 1e-12);
    assert.ok(Math.abs(s.lo - ref.lo) < 1e-4 && Math.abs(s.hi - ref.hi) < 1e-4, `${s.lo} ${ref.lo}`);
    const qs = [
      [0.975, 1],
      [0.975, 2],
      [0.975, 3],
      [0.995, 8],
      [0.9, 30],
      [0.025, 12],
    ];
    qs.forEach(([u, nu], i) => {
      const rel = nu === 3 ? 2e-3 : 1e-4;
      const q = studentTQuantile(u, nu);
      assert.ok(Math.abs(q - ref.q[i]) < rel * Math.abs(ref.q[i]), `t(${u}, ${nu}) = ${q} vs ${ref.q[i]}`);
    });
  });

  it('projectionFit recovers γ exactly on a power law and covers it under noise', () => {
    const lam = Float64Array.from(lambda);
    const exact = projectionFit(
      lam,
      lambda.map((l) => 0.2 * l ** 1.1),
      0,
    );
    assert.ok(exact && Math.abs(exact.slope - 1.1) < 1e-10 && exact.hi - exact.lo < 1e-8);
    const rng = new Rng(4);
    let covered = 0;
    for (let t = 0; t < 40; t++) {
      const f = projectionFit(
        lam,
        lambda.map((l) => l ** 1.1 * Math.exp(0.3 * rng.normal())),
        0,
      );
      if (f && f.lo <= 1.1 && 1.1 <= f.hi) covered++;
    }
    assert.ok(covered >= 34, `95% interval covered γ in ${covered} of 40 draws`);
  });
});
