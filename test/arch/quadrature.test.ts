// Accuracy of the numerical activation kernels (issue #14): tanh by its erf scale mixture, gelu's closed form and the
// adaptive Gauss–Kronrod quadrature (user-defined and `method: 'quadrature'`), against an independent reference rule
// (test/arch/helpers.ts: composite Gauss–Legendre with geometric grading, in the test) on a grid of (q, q′, ρ) with
// ρ → ±1 and q from 1e-3 to 1e4, and against scipy's QUADPACK at a few points; the quadrature's error estimate;
// user-defined activations through kernelFn and the finite network.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { defineActivation } from '../../src/arch/layers/custom.js';
import {
  TANH_MIXTURE,
  activation,
  fastAsin,
  geluKernel,
  quadratureKernel,
  tanhKernel,
} from '../../src/arch/layers/activations.js';
import { formatArch, parseArch } from '../../src/arch/parse.js';
import { LAYER_NAMES } from '../../src/arch/registry.js';
import { Matrix } from '../../src/linalg/index.js';
import { apply, buildNetwork, init } from '../../src/nn/network.js';
import { Rng } from '../../src/util/random.js';
import { erf } from '../../src/util/special.js';
import { gradCheck, referencePair } from './activationChecks.js';

const tanh = Math.tanh;
const dtanh = (x: number) => 1 - Math.tanh(x) ** 2;

describe('tanh as a scale mixture of erfs', () => {
  it('Σ aᵢ erf(bᵢx) = tanh x to 1e-15 and its derivative = tanh′ to 3e-15 on the real line; fastAsin = Math.asin', () => {
    const { a, b } = TANH_MIXTURE;
    assert.equal(a.length, 27);
    let e0 = 0;
    let e1 = 0;
    for (let x = 0; x <= 40; x += 0.00377) {
      let f = 0;
      let d = 0;
      for (let i = 0; i < a.length; i++) {
        f += a[i] * erf(b[i] * x);
        d += a[i] * b[i] * (2 / Math.sqrt(Math.PI)) * Math.exp(-b[i] * b[i] * x * x);
      }
      e0 = Math.max(e0, Math.abs(f - tanh(x)));
      e1 = Math.max(e1, Math.abs(d - dtanh(x)));
    }
    assert.ok(e0 < 1e-15 && e1 < 3e-15, `sup errors ${e0}, ${e1}`);
    for (let x = -1; x <= 1; x += 1 / 4096) assert.ok(Math.abs(fastAsin(x) - Math.asin(x)) <= 4.5e-16, `asin ${x}`);
    assert.equal(fastAsin(1), Math.PI / 2);
    assert.equal(fastAsin(-1), -Math.PI / 2);
  });
});

// (q, q′ = f·q, ρ) from tiny to very large variances, with ρ → ±1; a smaller one for the secondary checks
const GRID: [number, number, number][] = [];
for (const q of [1e-3, 0.3, 1, 3, 10, 100, 1e4])
  for (const f of [1, 0.3]) for (const rho of [-1, -0.999, 0, 0.6, 0.999, 1]) GRID.push([q, f * q, rho]);
const SMALL: [number, number, number][] = [];
for (const q of [0.3, 3, 30])
  for (const f of [1, 0.3]) for (const rho of [-1, -0.999, 0, 0.999]) SMALL.push([q, f * q, rho]);

/** the Cauchy–Schwarz scales √(E φ(u)² E φ(v)²), √(E φ′(u)² E φ′(v)²) by the reference (ρ = 1: one-dimensional) */
function scales(f: (x: number) => number, df: (x: number) => number, q1: number, q2: number, breaks?: number[]) {
  const a = referencePair(f, df, q1, q1, q1, breaks);
  const b = referencePair(f, df, q2, q2, q2, breaks);
  return [Math.sqrt(a[0] * b[0]), Math.sqrt(a[1] * b[1])];
}

describe('numerical kernels against the reference rule: ≤ 1e-10 relative on the (q, q′, ρ) grid', () => {
  it('tanh (mixture closed form) at every q; adaptive quadrature of tanh for q ≤ 100, its estimate covering the error', () => {
    const o = new Float64Array(4);
    const q = quadratureKernel(tanh, dtanh);
    let worst = 0;
    let worstQ = 0;
    for (const [q1, q2, rho] of GRID) {
      const c = rho * Math.sqrt(q1 * q2);
      const ref = referencePair(tanh, dtanh, c, q1, q2);
      const [s0, s1] = scales(tanh, dtanh, q1, q2);
      tanhKernel(c, q1, q2, o);
      const e = Math.max(Math.abs(o[0] - ref[0]) / s0, Math.abs(o[1] - ref[1]) / s1);
      worst = Math.max(worst, e);
      assert.ok(e < 1e-10, `tanh mixture q=${q1},${q2} ρ=${rho}: ${o[0]}, ${o[1]} vs ${ref}`);
      if (q1 > 100) continue;
      q(c, q1, q2, o);
      const d0 = Math.abs(o[0] - ref[0]);
      const d1 = Math.abs(o[1] - ref[1]);
      worstQ = Math.max(worstQ, d0 / s0, d1 / s1);
      assert.ok(d0 < 1e-10 * s0 && d1 < 1e-10 * s1, `quadrature q=${q1},${q2} ρ=${rho}: ${o[0]}, ${o[1]} vs ${ref}`);
      // the estimate covers the actual error (up to the reference's own accuracy, ≈1e-14) and meets the tolerance
      assert.ok(
        d0 <= o[2] + 1e-14 * s0 && d1 <= o[3] + 1e-14 * s1,
        `estimate q=${q1},${q2} ρ=${rho}: errors ${d0}, ${d1}, estimates ${o[2]}, ${o[3]}`,
      );
      assert.ok(o[2] <= 1e-11 * s0 && o[3] <= 1e-11 * s1, `estimate ≤ tolerance: ${o[2] / s0}, ${o[3] / s1}`);
    }
    assert.ok(worst < 1e-12 && worstQ < 1e-12, `worst relative errors: mixture ${worst}, quadrature ${worstQ}`);
  });

  it('tanh kernels are symmetric in the two sides; gelu closed form = reference', () => {
    const o = new Float64Array(2);
    const p = new Float64Array(2);
    const g = activation({ kind: 'gelu' });
    for (const [q1, q2, rho] of GRID) {
      const c = rho * Math.sqrt(q1 * q2);
      tanhKernel(c, q1, q2, o);
      tanhKernel(c, q2, q1, p);
      assert.ok(Math.abs(o[0] - p[0]) <= 1e-15 && Math.abs(o[1] - p[1]) <= 1e-15);
    }
    for (const [q1, q2, rho] of SMALL) {
      if (q2 !== q1 && rho !== 0.999) continue;
      const c = rho * Math.sqrt(q1 * q2);
      const ref = referencePair(g.f, g.df, c, q1, q2);
      const [s0, s1] = scales(g.f, g.df, q1, q2);
      geluKernel(c, q1, q2, o);
      assert.ok(
        Math.abs(o[0] - ref[0]) < 1e-12 * s0 && Math.abs(o[1] - ref[1]) < 1e-12 * s1,
        `gelu q=${q1},${q2} ρ=${rho}: ${o[0]}, ${o[1]} vs ${ref}`,
      );
    }
  });

  it('a discontinuous φ with a jump away from 0 (breaks given) and a kinked one; zero variances', () => {
    const step = (x: number) => (x > 0.5 ? 1 : 0);
    const zero = () => 0;
    const softplus = (x: number) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0);
    const dsoftplus = (x: number) => 1 / (1 + Math.exp(-x));
    const o = new Float64Array(4);
    const qs = quadratureKernel(step, zero, { breaks: [0.5] });
    const qk = quadratureKernel(softplus, dsoftplus, { breaks: [] });
    for (const [q1, q2, rho] of SMALL) {
      const c = rho * Math.sqrt(q1 * q2);
      const ref = referencePair(step, zero, c, q1, q2, [0.5]);
      const [s0] = scales(step, zero, q1, q2, [0.5]);
      qs(c, q1, q2, o);
      assert.ok(Math.abs(o[0] - ref[0]) <= 1e-10 * s0, `step at ½ q=${q1},${q2} ρ=${rho}: ${o[0]} vs ${ref[0]}`);
      const r2 = referencePair(softplus, dsoftplus, c, q1, q2, []);
      const [t0, t1] = scales(softplus, dsoftplus, q1, q2, []);
      qk(c, q1, q2, o);
      assert.ok(Math.abs(o[0] - r2[0]) < 1e-10 * t0 && Math.abs(o[1] - r2[1]) < 1e-10 * t1, `softplus q=${q1},${q2}`);
    }
    // a zero variance: that pre-activation is 0, K̃ = φ(0)·E[φ(v)]
    qk(0, 0, 0.7, o);
    const mean = referencePair(softplus, () => 1, 0, 0.7, 0.7, []); // at ρ = 0: (E φ(v))²
    assert.ok(Math.abs(o[0] - Math.log(2) * Math.sqrt(mean[0])) < 1e-12, `${o[0]}`);
    assert.ok(Math.abs(o[1] - 0.5 * 0.5) < 1e-12, `${o[1]}`);
  });

  it("tanh agrees with scipy's QUADPACK (finite bounds, split points, epsrel 1e-13) at four points", (t) => {
    const py = `
import json, sys
import numpy as np
from scipy import integrate
N = lambda z: np.exp(-z*z/2)/np.sqrt(2*np.pi)
o = dict(epsabs=0, epsrel=1e-13, limit=400)
def pair(phi, q1, q2, c, L=9.0):
    s1, s2 = np.sqrt(q1), np.sqrt(q2)
    rho = max(-1.0, min(1.0, c/(s1*s2))); rb = np.sqrt((1-rho)*(1+rho))
    def h(z1):
        zs = min(max(-rho*z1/rb, -L), L)
        f = lambda w: phi(s2*(rho*z1+rb*w))*N(w)
        return integrate.quad(f, -L, zs, **o)[0] + integrate.quad(f, zs, L, **o)[0]
    g = lambda z: phi(s1*z)*N(z)*h(z)
    return integrate.quad(g, -L, 0, **o)[0] + integrate.quad(g, 0, L, **o)[0]
pts = json.load(sys.stdin)
print(json.dumps([pair(np.tanh if d == 0 else (lambda x: 1/np.cosh(x)**2), q1, q2, c) for q1, q2, c, d in pts]))
`;
    const pts = [
      [1, 1, 0.5, 0],
      [10, 3, 0.9 * Math.sqrt(30), 0],
      [100, 100, 99, 0],
      [3, 1, -0.999 * Math.sqrt(3), 1],
    ];
    const r = spawnSync('/usr/bin/python3', ['-c', py], { input: JSON.stringify(pts), encoding: 'utf8' });
    if (r.status !== 0 && /No module named/.test(r.stderr)) {
      t.skip('scipy not installed');
      return;
    }
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as number[];
    const o = new Float64Array(2);
    pts.forEach(([q1, q2, c, d], i) => {
      tanhKernel(c, q1, q2, o);
      assert.ok(Math.abs(o[d] - ref[i]) < 1e-12 * Math.abs(ref[i]), `(${q1}, ${q2}, ${c}): ${o[d]} vs scipy ${ref[i]}`);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('user-defined activations (defineActivation)', () => {
  const swish = (x: number) => x / (1 + Math.exp(-x));
  const dswish = (x: number) => {
    const s = 1 / (1 + Math.exp(-x));
    return s + x * s * (1 - s);
  };
  defineActivation({ name: 'swish', f: swish, breaks: [] });
  defineActivation({ name: 'swish_fd', f: swish }); // σ′ by finite differences, breaks at 0
  // erf given with its closed form NNGP only (Σ̇ by quadrature) and with both
  defineActivation({
    name: 'myerf',
    f: erf,
    df: (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x),
    kernel: (c, q1, q2) => (2 / Math.PI) * Math.asin((2 * c) / Math.sqrt((1 + 2 * q1) * (1 + 2 * q2))),
  });

  it('registers names in the architecture language, refuses built-in ones and bad definitions', () => {
    assert.ok(LAYER_NAMES.includes('swish'));
    assert.equal(formatArch(parseArch('dense(3),swish,dense(1)')), 'dense(3),swish,dense(1)');
    assert.throws(() => parseArch('swish(2)'), /`swish`.*0 positional/);
    assert.throws(() => defineActivation({ name: 'relu', f: Math.abs }), /registerLayer.*name.*not a built-in.*relu/);
    assert.throws(() => defineActivation({ name: 'Bad-Name', f: Math.abs }), /lower-case/);
    assert.throws(() => defineActivation({ name: 'x1', f: 3 as never }), /defineActivation.*`f`|f.*a function/);
    assert.throws(() => defineActivation({ name: 'x1', f: Math.abs, breaks: [Number.NaN] }), /breaks/);
    assert.throws(() => defineActivation({ name: 'x1', f: Math.abs, tol: 0 }), /tol/);
  });

  it('finite network: σ′ (given or by finite differences) through VJP and JVP', () => {
    gradCheck('dense(4,bstd=0.3),swish,dense(2)', [3]);
    gradCheck('dense(4,bstd=0.3),swish_fd,dense(2)', [3]);
    const net = buildNetwork('swish_fd', [5]);
    const X = new Matrix(1, 5, Float64Array.of(-3, -0.4, 0, 0.7, 2.5));
    const y = apply(init(net, new Rng(0)), X);
    for (let i = 0; i < 5; i++) assert.equal(y.data[i], swish(X.data[i]));
  });

  it('kernelFn: quadrature kernels equal the reference; closed-form NNGP equals built-in erf; in-process despite workers', async () => {
    const X = new Matrix(4, 3, new Rng(5).normals(12));
    const arch = (act: string) => `dense(16,wstd=1.5,bstd=0.2),${act},dense(16),${act},dense(1)`;
    // workers requested: the user layer exists only here, so the kernel is computed in-process (and is right)
    const a = await kernelFn(arch('myerf'), { workers: 2, tile: 1 })(X, null, 'both');
    const b = await kernelFn(arch('erf'))(X, null, 'both');
    for (let i = 0; i < 16; i++) {
      assert.ok(Math.abs(a.nngp.data[i] - b.nngp.data[i]) < 1e-14 * Math.abs(b.nngp.data[0]));
      assert.ok(Math.abs(a.ntk.data[i] - b.ntk.data[i]) < 1e-11 * Math.abs(b.ntk.data[0]), `ntk ${i}`);
    }
    // swish: the first activation's kernel against the reference rule
    const s = await kernelFn('dense(16,wstd=1.5,bstd=0.2),swish', { workers: 2 })(X, null, 'both');
    const g = (i: number, j: number) => {
      let v = 0;
      for (let k = 0; k < 3; k++) v += X.data[i * 3 + k] * X.data[j * 3 + k];
      return (2.25 * v) / 3 + 0.04;
    };
    for (const [i, j] of [
      [0, 0],
      [0, 1],
      [2, 3],
    ]) {
      const ref = referencePair(swish, dswish, g(i, j), g(i, i), g(j, j), []);
      assert.ok(Math.abs(s.nngp.data[i * 4 + j] - ref[0]) < 1e-12 * Math.abs(ref[0]), `swish (${i},${j})`);
      // Θ = Θ_dense ⊙ Σ̇ with Θ_dense = Σ_dense (one dense layer)
      assert.ok(Math.abs(s.ntk.data[i * 4 + j] - g(i, j) * ref[1]) < 1e-12 * Math.abs(g(i, j) * ref[1]));
    }
  });
});
