import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  type DotProductKernelSpec,
  dotProductKernel,
  dotProductKernelMatrix,
  dotProductSeries,
  lambdaMinBounds,
  seriesEval,
} from '../../src/analysis/index.js';
import { kernelFn } from '../../src/analytic/index.js';
import { Matrix } from '../../src/linalg/index.js';
import { Rng } from '../../src/util/random.js';
import { spherePoints } from './helpers.js';

const specs: DotProductKernelSpec[] = [
  { kind: 'hinf' },
  { kind: 'relu-ntk', depth: 1 },
  { kind: 'relu-ntk', depth: 3, biasVariance: 0.1 },
  { kind: 'relu-nngp', depth: 2, weightVariance: 1.5, inputScale: 0.3 },
];

describe('Taylor coefficients of dot-product kernels', () => {
  it('H∞ coefficients match the arcsin series: c₁ = ¼, c_{2m+2} = (2m)!/(4^m (m!)² (2m+1))/(2π), others 0', () => {
    const c = dotProductSeries({ kind: 'hinf' }, 40);
    assert.equal(c[0], 0);
    assert.ok(Math.abs(c[1] - 0.25) < 1e-16);
    let a = 1; // (2m)!/(4^m (m!)²)
    for (let m = 0; 2 * m + 2 <= 40; m++) {
      if (m > 0) a *= (2 * m - 1) / (2 * m);
      assert.ok(Math.abs(c[2 * m + 2] - a / (2 * m + 1) / (2 * Math.PI)) < 1e-16, `c_${2 * m + 2}`);
      if (2 * m + 3 <= 40) assert.equal(c[2 * m + 3], 0);
    }
  });

  for (const spec of specs) {
    it(`${JSON.stringify(spec)}: coefficients are ≥ 0 and Σ c_r t^r matches direct κ(t) on [−0.9, 0.9]`, () => {
      const c = dotProductSeries(spec, 300);
      const k = dotProductKernel(spec);
      for (const v of c) assert.ok(v >= 0);
      for (let t = -0.9; t <= 0.9001; t += 0.05)
        assert.ok(Math.abs(seriesEval(c, t) - k(t)) < 1e-11 * Math.max(1, k(1)), `t = ${t}`);
      // At t = 1 the tail converges slowly; the truncated sum is below κ(1) (all dropped terms are ≥ 0).
      assert.ok(seriesEval(c, 1) <= k(1) + 1e-12);
    });
  }

  it('coefficients agree with an independent contour-integral (FFT) oracle in numpy with complex arc-cosines', () => {
    const py = `
import numpy as np, json
def a0(r): return (np.pi - np.arccos(r))/(2*np.pi)
def a1(r): return (np.sqrt(1-r*r) + (np.pi - np.arccos(r))*r)/(2*np.pi)
def ntk(t, L, sw, sb, q0):
    q = sw*q0+sb; s = sw*q0*t+sb; th = s
    for _ in range(L):
        r = s/q; sn = sw*q*a1(r)+sb; th = sn + sw*a0(r)*th; s = sn; q = sw*q/2+sb
    return th
N = 256; rad = 0.5
z = rad*np.exp(2j*np.pi*np.arange(N)/N)
out = {}
for name, f in [('hinf', lambda t: t*a0(t)), ('ntk3', lambda t: ntk(t, 3, 2.0, 0.1, 1.0))]:
    c = np.fft.fft(f(z.astype(complex)))/N
    out[name] = [float((c[r]/rad**r).real) for r in range(12)]
print(json.dumps(out))`;
    const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as { hinf: number[]; ntk3: number[] };
    const h = dotProductSeries({ kind: 'hinf' }, 20);
    const t = dotProductSeries({ kind: 'relu-ntk', depth: 3, biasVariance: 0.1 }, 20);
    for (let i = 0; i < 12; i++) {
      assert.ok(Math.abs(h[i] - ref.hinf[i]) < 1e-12, `hinf c_${i}: ${h[i]} vs ${ref.hinf[i]}`);
      assert.ok(Math.abs(t[i] - ref.ntk3[i]) < 1e-11, `ntk c_${i}: ${t[i]} vs ${ref.ntk3[i]}`);
    }
  });
});

describe('agreement with the analytic kernel module (src/kernels)', () => {
  it('relu-ntk / relu-nngp with inputScale = 1/d equal kernelFn of the same ReLU MLP to 1e-13', async () => {
    const n = 12;
    const d = 7;
    const X = spherePoints(n, d, new Rng(3));
    const b = 0.3;
    const layer = `wstd=${Math.SQRT2},bstd=${b}`;
    const arch = `dense(64,${layer}),relu,dense(64,${layer}),relu,dense(1,${layer})`;
    const { nngp, ntk } = await kernelFn(arch)(X, null, 'both');
    const opts = { depth: 2, weightVariance: 2, biasVariance: b * b, inputScale: 1 / d };
    const T = dotProductKernelMatrix(X, { kind: 'relu-ntk', ...opts });
    const S = dotProductKernelMatrix(X, { kind: 'relu-nngp', ...opts });
    for (let i = 0; i < n * n; i++) {
      assert.ok(Math.abs(T.data[i] - ntk.data[i]) < 1e-13, `ntk ${i}`);
      assert.ok(Math.abs(S.data[i] - nngp.data[i]) < 1e-13, `nngp ${i}`);
    }
  });
});

describe('λ_min lower bounds on random sphere data', () => {
  const cases: Array<[number, number]> = [
    [10, 50],
    [30, 100],
    [60, 400],
    [100, 1000],
    [40, 5],
  ];
  for (const spec of [{ kind: 'hinf' }, { kind: 'relu-ntk', depth: 2 }] as DotProductKernelSpec[]) {
    for (const [n, d] of cases) {
      it(`${spec.kind}, n = ${n}, d = ${d}: Gershgorin, ρ and power-series bounds are ≤ λ_min`, (t) => {
        const X = spherePoints(n, d, new Rng(100 * n + d));
        const b = lambdaMinBounds(X, spec);
        const tol = 1e-10 * Math.max(1, Math.abs(b.lambdaMin));
        assert.ok(b.gershgorin <= b.lambdaMin + tol);
        assert.ok(b.rhoBound <= b.lambdaMin + tol);
        assert.ok(b.powerSeries <= b.lambdaMin + tol);
        assert.ok(b.powerSeriesMax <= b.powerSeries + 1e-15);
        assert.ok(b.powerSeries >= 0);
        assert.ok(b.rhoBound <= b.gershgorin + tol, 'the ρ bound is a relaxation of Gershgorin');
        t.diagnostic(
          `ρ = ${b.rho.toFixed(3)}, λ_min = ${b.lambdaMin.toPrecision(5)}, gaps: Gershgorin ${(b.lambdaMin - b.gershgorin).toPrecision(3)}, ` +
            `ρ-bound ${(b.lambdaMin - b.rhoBound).toPrecision(3)}, series ${(b.lambdaMin - b.powerSeries).toPrecision(3)} ` +
            `(max-form ${(b.lambdaMin - b.powerSeriesMax).toPrecision(3)} at r = ${b.powerSeriesArgmax})`,
        );
      });
    }
  }

  it('H∞ ρ-bound is ½ − (n − 1)ρ(π − arccos ρ)/(2π)', () => {
    const X = spherePoints(20, 200, new Rng(3));
    const b = lambdaMinBounds(X, { kind: 'hinf' });
    assert.ok(Math.abs(b.rhoBound - (0.5 - (19 * b.rho * (Math.PI - Math.acos(b.rho))) / (2 * Math.PI))) < 1e-14);
  });

  it('rejects points that are not unit norm', () => {
    const X = new Matrix(3, 2, Float64Array.from([1, 0, 0, 1, 1, 1]));
    assert.throws(() => lambdaMinBounds(X, { kind: 'hinf' }), /X\[2\].*unit-norm/);
  });
});
