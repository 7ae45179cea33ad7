// The `sin` activation (neural-tangents' Sin(a, b, c) = a·sin(b·x + c)), added as one module: its closed-form
// kernels against Gauss–Hermite quadrature and NT's special cases, σ′ against finite differences, and the analytic
// NNGP/NTK against Monte-Carlo means of finite networks (error falling with width).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { formatArch, parseArch } from '../../src/arch/parse.js';
import { layerModule } from '../../src/arch/registry.js';
import { monteCarloNtk } from '../../src/empirical/montecarlo.js';
import { Matrix } from '../../src/linalg/index.js';
import { apply, buildNetwork, forward, init, vjp } from '../../src/nn/network.js';
import { Rng } from '../../src/util/random.js';
import { pairKernel } from './activationChecks.js';

// one flat record holding a single pair through the activation step: its K̃ and Σ̇ (Θ_in = 1)
const kernels = (a: number, b: number, c: number, method: 'exact' | 'quadrature', q1: number, q2: number, k: number) =>
  pairKernel(`sin(${a},${b},${c})`, method, q1, q2, k);

describe('sin(a, b, c)', () => {
  it('parses with NT defaults (1, 1, 0) and formats back', () => {
    assert.deepEqual(parseArch('sin'), [{ kind: 'sin', a: 1, b: 1, c: 0 }]);
    assert.deepEqual(parseArch('sin(2)'), [{ kind: 'sin', a: 2, b: 1, c: 0 }]);
    const a = parseArch('dense(8),sin(0.5,2,-1),dense(1)');
    assert.equal(formatArch(a), 'dense(8),sin(0.5,2,-1),dense(1)');
    assert.deepEqual(parseArch(formatArch(a)), a);
    assert.throws(() => parseArch('sin(1,2,3,4)'), /layer `sin`.*0–3 positional/);
    assert.throws(() => parseArch('sin(x)'), /`a` a number/);
    assert.ok(layerModule('sin'));
  });

  it('closed forms equal the adaptive 2-D quadrature to 1e-10, including c → ±√(q₁q₂)', () => {
    for (const [a, b, c] of [
      [1, 1, 0],
      [0.7, 1.8, 0.4],
      [1.5, 0.5, -1.2],
    ]) {
      for (const [q1, q2] of [
        [0.3, 0.8],
        [1, 1],
        [1.4, 0.6],
      ]) {
        const s = Math.sqrt(q1 * q2);
        for (const rho of [-1, -0.6, 0, 0.35, 0.9, 1]) {
          const ex = kernels(a, b, c, 'exact', q1, q2, rho * s);
          const qu = kernels(a, b, c, 'quadrature', q1, q2, rho * s);
          const scale = Math.max(1, Math.abs(ex[0]), Math.abs(ex[1]));
          assert.ok(
            Math.abs(ex[0] - qu[0]) < 1e-10 * scale,
            `K̃ (${a},${b},${c}) q=${q1},${q2} ρ=${rho}: ${ex[0]} vs ${qu[0]}`,
          );
          assert.ok(
            Math.abs(ex[1] - qu[1]) < 1e-10 * scale,
            `Σ̇ (${a},${b},${c}) q=${q1},${q2} ρ=${rho}: ${ex[1]} vs ${qu[1]}`,
          );
        }
      }
    }
  });

  it("NT's special cases: b = 0 is the constant a·sin c; small b is linear (K̃ ≈ a²b²k, Σ̇ ≈ a²b²)", () => {
    const [k0, d0] = kernels(2, 0, 0.7, 'exact', 0.8, 1.3, 0.4);
    assert.ok(Math.abs(k0 - 4 * Math.sin(0.7) ** 2) < 1e-15);
    assert.equal(d0, 0);
    const b = 1e-4;
    const [k1, d1] = kernels(1.5, b, 0, 'exact', 0.8, 1.3, 0.4);
    assert.ok(Math.abs(k1 / (1.5 ** 2 * b * b * 0.4) - 1) < 1e-7);
    assert.ok(Math.abs(d1 / (1.5 ** 2 * b * b) - 1) < 1e-7);
  });

  it("σ′ equals central finite differences of σ (the finite network's backward and forward mode)", () => {
    const net = buildNetwork('sin(0.7,1.8,0.4)', [5]);
    const params = init(net, new Rng(0));
    const X = new Matrix(1, 5, Float64Array.of(-2, -0.5, 0, 0.3, 1.7));
    const h = 1e-6;
    const f = (x: number) => 0.7 * Math.sin(1.8 * x + 0.4);
    const y = apply(params, X);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(y.data[i] - f(X.data[i])) < 1e-15);
    // backward: the input cotangent of Σ f(x) is σ′(x); forward mode: the tangent of x ↦ f(x) along 1
    const { dx } = vjp(forward(params, X).tape, new Matrix(1, 5, new Float64Array(5).fill(1)));
    const r = net.nodes[0].finite.jvp(X.data, new Float64Array(5).fill(1), 1, {
      theta: params.theta,
      tangent: params.theta,
      run: () => ({ y: X.data, dy: X.data }),
    });
    for (let i = 0; i < 5; i++) {
      const fd = (f(X.data[i] + h) - f(X.data[i] - h)) / (2 * h);
      assert.ok(Math.abs(r.dy[i] - fd) < 1e-8, `x=${X.data[i]}: jvp ${r.dy[i]} vs ${fd}`);
      assert.ok(Math.abs((dx as Matrix).data[i] - fd) < 1e-8, `x=${X.data[i]}: vjp ${(dx as Matrix).data[i]} vs ${fd}`);
    }
  });

  it('analytic NNGP and NTK = Monte-Carlo means of finite networks, error falling with width', async () => {
    const X = new Matrix(4, 3, new Rng(5).normals(12));
    const arch = (w: number) => `dense(${w},bstd=0.2),sin(1,1.5,0.3),dense(1)`;
    const errs: number[][] = [];
    for (const w of [16, 1024]) {
      const an = await kernelFn(arch(w), { inputShape: [3] })(X, null, 'both');
      const mc = monteCarloNtk(buildNetwork(arch(w), [3]), X, null, { samples: 24, seed: 3 });
      // NNGP: mean over seeds of f(x)f(x′) with a wide readout
      const net = buildNetwork(`dense(${w},bstd=0.2),sin(1,1.5,0.3),dense(256)`, [3]);
      const K = new Float64Array(16);
      for (let s = 0; s < 24; s++) {
        const Y = apply(init(net, new Rng(100 + s)), X);
        for (let i = 0; i < 4; i++)
          for (let j = 0; j < 4; j++) {
            let v = 0;
            for (let o = 0; o < 256; o++) v += Y.data[i * 256 + o] * Y.data[j * 256 + o];
            K[i * 4 + j] += v / 256 / 24;
          }
      }
      const rel = (a: Float64Array, b: Float64Array) => {
        let num = 0;
        let den = 0;
        for (let i = 0; i < a.length; i++) {
          num += (a[i] - b[i]) ** 2;
          den += b[i] ** 2;
        }
        return Math.sqrt(num / den);
      };
      errs.push([rel(K, an.nngp.data), rel(mc.mean.data, an.ntk.data)]);
    }
    const [small, large] = errs;
    assert.ok(large[0] < 0.05 && large[1] < 0.05, `width 1024: NNGP ${large[0]}, NTK ${large[1]}`);
    assert.ok(large[1] < small[1], `NTK error ${small[1]} → ${large[1]}`);
  });
});
