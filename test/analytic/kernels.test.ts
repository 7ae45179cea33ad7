import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { monteCarloNtk } from '../../src/empirical/montecarlo.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { apply, buildNetwork, init } from '../../src/nn/network.js';
import { Rng } from '../../src/util/random.js';
import { erfKernel, fastAcos, reluKernel, quadratureKernel } from '../../src/arch/layers/activations.js';
import { checkPd } from '../../src/analytic/pd.js';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { activation } from '../../src/arch/layers/activations.js';
import { relErr } from '../arch/helpers.js';

function randn(rows: number, cols: number, seed: number, unit = false): Matrix {
  const r = new Rng(seed);
  const m = new Matrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = r.normal();
  if (unit)
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += m.data[i * cols + j] ** 2;
      for (let j = 0; j < cols; j++) m.data[i * cols + j] /= Math.sqrt(s);
    }
  return m;
}
const dot = (x: Matrix, i: number, y: Matrix, j: number) => {
  let s = 0;
  for (let k = 0; k < x.cols; k++) s += x.data[i * x.cols + k] * y.data[j * y.cols + k];
  return s;
};

/** Monte-Carlo NNGP of the finite network: mean over seeds of the output products, averaged over logits. */
function mcNngp(arch: string, shape: number[], X: Matrix, samples: number, param: 'ntk' | 'standard' = 'ntk'): Matrix {
  const net = buildNetwork(arch, shape, param);
  const n = X.rows;
  const K = new Matrix(n, n);
  for (let s = 0; s < samples; s++) {
    const Y = apply(init(net, new Rng(1000 + s)), X);
    const o = Y.cols;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let v = 0;
        for (let c = 0; c < o; c++) v += Y.data[i * o + c] * Y.data[j * o + c];
        K.data[i * n + j] += v / o / samples;
      }
  }
  return K;
}

describe('closed forms', () => {
  test('fastAcos agrees with Math.acos to a few ulps on [-1, 1]', () => {
    let e = 0;
    for (let i = 0; i <= 200000; i++) {
      const x = -1 + i / 100000;
      e = Math.max(e, Math.abs(fastAcos(x) - Math.acos(x)));
    }
    assert.ok(e < 1e-15, `max error ${e}`);
  });

  test('two-layer H∞ (Du et al. 2019): dense(m,wstd=√d),relu,dense(1,frozen) gives xᵢᵀxⱼ(π − arccos xᵢᵀxⱼ)/(2π)', async () => {
    const d = 6;
    const X = randn(7, d, 3, true);
    const K = await kernelFn(`dense(100,wstd=${Math.sqrt(d)}),relu,dense(1,frozen)`)(X, null, 'ntk');
    for (let i = 0; i < 7; i++)
      for (let j = 0; j < 7; j++) {
        const c = Math.max(-1, Math.min(1, dot(X, i, X, j)));
        const h = (c * (Math.PI - Math.acos(c))) / (2 * Math.PI);
        // diagonal: arccos is ill-conditioned at 1 (1e-16 in c → 1e-8 in arccos)
        assert.ok(Math.abs(K.get(i, j) - h) < (i === j ? 1e-7 : 1e-12), `(${i},${j}) ${K.get(i, j)} vs ${h}`);
      }
  });

  test('ReLU NNGP diagonal follows q ← σ_w²·q/2 + σ_b² layer by layer', async () => {
    const d = 5;
    const X = randn(4, d, 4);
    const K = await kernelFn(
      'dense(10,wstd=1.5,bstd=0.3),relu,dense(10,wstd=1.2,bstd=0.1),relu,dense(1,wstd=0.9,bstd=0.2)',
    )(X, null, 'nngp');
    for (let i = 0; i < 4; i++) {
      let q = (1.5 ** 2 * dot(X, i, X, i)) / d + 0.09;
      q = (1.2 ** 2 * q) / 2 + 0.01;
      q = (0.9 ** 2 * q) / 2 + 0.04;
      assert.ok(Math.abs(K.get(i, i) - q) < 1e-13 * q);
    }
  });

  test('erf NNGP equals (2/π)·arcsin(2c/√((1+2q)(1+2q′))) of the dense pre-activations', async () => {
    const d = 3;
    const X = randn(5, d, 5);
    const K = await kernelFn('dense(7,wstd=1.3,bstd=0.2),erf')(X, null, 'nngp');
    const pre = (i: number, j: number) => (1.69 * dot(X, i, X, j)) / d + 0.04;
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) {
        const e = (2 / Math.PI) * Math.asin((2 * pre(i, j)) / Math.sqrt((1 + 2 * pre(i, i)) * (1 + 2 * pre(j, j))));
        assert.ok(Math.abs(K.get(i, j) - e) < 1e-14);
      }
  });

  test('Gauss–Hermite quadrature reproduces the erf (tightly) and relu (kink: loosely) closed forms', () => {
    const o = new Float64Array(2);
    const erfQ = quadratureKernel(activation({ kind: 'erf' }).f, activation({ kind: 'erf' }).df);
    const reluQ = quadratureKernel(activation({ kind: 'relu' }).f, activation({ kind: 'relu' }).df);
    for (const q1 of [0.2, 0.7, 1]) {
      for (const q2 of [0.3, 1]) {
        for (const rho of [-0.8, -0.3, 0, 0.4, 0.8]) {
          const c = rho * Math.sqrt(q1 * q2);
          erfKernel(c, q1, q2, o);
          const [e0, e1] = o;
          erfQ(c, q1, q2, o);
          assert.ok(Math.abs(o[0] - e0) < 1e-7 && Math.abs(o[1] - e1) < 1e-4 * e1, `erf q=${q1},${q2} ρ=${rho}`);
          reluKernel(c, q1, q2, o);
          const [r0, r1] = o;
          reluQ(c, q1, q2, o);
          const scale = Math.sqrt(q1 * q2);
          assert.ok(
            Math.abs(o[0] - r0) < 3e-3 * scale && Math.abs(o[1] - r1) < 0.03,
            `relu q=${q1},${q2} ρ=${rho}: ${o[0]} vs ${r0}, ${o[1]} vs ${r1}`,
          );
        }
      }
    }
  });

  test("method='quadrature' kernels of a ReLU/erf MLP agree with the exact ones", async () => {
    const X = randn(4, 3, 6);
    const arch = 'dense(8,bstd=0.1),erf,dense(8),relu,dense(1)';
    const a = await kernelFn(arch)(X, null, 'both');
    const b = await kernelFn(arch, { method: 'quadrature' })(X, null, 'both');
    assert.ok(relErr(b.nngp, a.nngp) < 2e-2, `${relErr(b.nngp, a.nngp)}`);
    assert.ok(relErr(b.ntk, a.ntk) < 2e-2, `${relErr(b.ntk, a.ntk)}`);
  });
});

describe('tiling and workers', () => {
  test('worker threads, odd tiles and x1 ≠ x2 all give the in-process kernel', async () => {
    const X = randn(9, 4, 7);
    const arch = 'dense(16,bstd=0.2),residual(dense(16),erf,dense(16)),relu,dense(2)';
    const ref = await kernelFn(arch, { workers: 0 })(X, null, 'both');
    const w = await kernelFn(arch, { workers: 2, tile: 2 })(X, null, 'both');
    // equal up to rounding: a pair may be evaluated as (i, j) or (j, i) depending on the tiling (for quadrature
    // activations such as gelu/tanh the two orders differ by the quadrature error, ≈1e-9)
    assert.ok(relErr(w.ntk, ref.ntk) < 1e-12 && relErr(w.nngp, ref.nngp) < 1e-12);
    const X2 = new Matrix(4, 4, X.data.slice(5 * 4));
    const cross = await kernelFn(arch, { tile: 3 })(X, X2, 'ntk');
    for (let i = 0; i < 9; i++)
      for (let j = 0; j < 4; j++) assert.ok(Math.abs(cross.get(i, j) - ref.ntk.get(i, 5 + j)) < 1e-12);
  });

  test('image kernels: tiles on workers equal in-process, symmetric', async () => {
    const X = randn(3, 5 * 5 * 2, 8);
    const arch = 'conv(4,3),relu,avgpool(2),conv(4,2,padding=valid),erf,flatten,dense(1)';
    const kfn = (workers: number) => kernelFn(arch, { inputShape: [5, 5, 2], workers, tile: 1 });
    const a = await kfn(0)(X, null, 'ntk');
    const b = await kfn(2)(X, null, 'ntk');
    assert.deepEqual(Array.from(a.data), Array.from(b.data));
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(a.get(i, j) - a.get(j, i)) < 1e-14);
  });
});

/** Relative errors of the analytic kernels against Monte-Carlo means of the finite network at two widths. */
async function convergence(
  archAt: (w: number) => string,
  shape: number[],
  X: Matrix,
  widths: [number, number],
  samples: number,
  param: 'ntk' | 'standard' = 'ntk',
) {
  const out: { nngp: number; ntk: number }[] = [];
  for (const w of widths) {
    const arch = archAt(w);
    const an = await kernelFn(arch, { inputShape: shape, param })(X, null, 'both');
    const mc = monteCarloNtk(buildNetwork(arch, shape, param), X, null, { samples, seed: 11 });
    // the NNGP is the same for every logit: a wide readout averages out the readout layer's noise
    const wide = arch.replace(/dense\(\d+([^)]*)\)$/, 'dense(256$1)');
    const ng = mcNngp(wide, shape, X, samples, param);
    out.push({ nngp: relErr(ng, an.nngp), ntk: relErr(mc.mean, an.ntk) });
  }
  return out;
}

describe('analytic = Monte-Carlo mean of the finite network at large width (src/nn + src/empirical)', () => {
  const X = randn(4, 5, 9);
  test('ReLU MLP (NTK param., biases): error small at width 1024 and smaller than at width 32', async () => {
    const [a, b] = await convergence(
      (w) => `dense(${w},bstd=0.3),relu,dense(${w},wstd=1.4),relu,dense(1,bstd=0.2)`,
      [5],
      X,
      [32, 1024],
      12,
    );
    assert.ok(b.nngp < 0.06 && b.ntk < 0.06, JSON.stringify(b));
    assert.ok(b.ntk < a.ntk && b.nngp < a.nngp, JSON.stringify([a, b]));
  });
  test('erf MLP', async () => {
    const [a, b] = await convergence((w) => `dense(${w},wstd=1.5,bstd=0.2),erf,dense(3)`, [5], X, [32, 1024], 12);
    assert.ok(b.nngp < 0.06 && b.ntk < 0.06, JSON.stringify(b));
    assert.ok(b.ntk < a.ntk, JSON.stringify([a, b]));
  });
  test('standard parameterization (NTK uses the finite widths, as neural-tangents)', async () => {
    const [, b] = await convergence(
      (w) => `dense(${w},bstd=0.5),relu,dense(1,bstd=0.1)`,
      [5],
      X,
      [32, 1024],
      12,
      'standard',
    );
    assert.ok(b.nngp < 0.06 && b.ntk < 0.06, JSON.stringify(b));
  });
  test('ResNet block with a frozen readout', async () => {
    const [a, b] = await convergence(
      (w) => `dense(${w}),residual(dense(${w},bstd=0.1),relu,dense(${w})),relu,dense(1,frozen)`,
      [5],
      X,
      [32, 512],
      8,
    );
    assert.ok(b.nngp < 0.08 && b.ntk < 0.08, JSON.stringify(b));
    assert.ok(b.ntk < a.ntk, JSON.stringify([a, b]));
  });
  const XI = randn(3, 4 * 4 * 2, 10);
  test('small CNN with flatten (diagonal spatial covariance)', async () => {
    const [, b] = await convergence(
      (w) => `conv(${w},3,bstd=0.1),relu,conv(${w},2,stride=2),relu,flatten,dense(1)`,
      [4, 4, 2],
      XI,
      [16, 256],
      6,
    );
    assert.ok(b.nngp < 0.08 && b.ntk < 0.08, JSON.stringify(b));
  });
  test('small CNN with gap (full pixel–pixel covariance) and avgpool', async () => {
    const [, b] = await convergence(
      (w) => `conv(${w},3),relu,avgpool(2),conv(${w},2,padding=valid),erf,gap,dense(1)`,
      [4, 4, 2],
      XI,
      [16, 256],
      6,
    );
    assert.ok(b.nngp < 0.08 && b.ntk < 0.08, JSON.stringify(b));
  });
});

describe('positive definiteness', () => {
  test('ReLU NTK on distinct unit vectors is strictly PD; duplicated points are not', async () => {
    const X = randn(6, 4, 12, true);
    const r = checkPd(await kernelFn('dense(8),relu,dense(1)')(X, null, 'ntk'));
    assert.ok(r.strictlyPd && r.lambdaMin > 0 && r.condition >= 1);
    const Xd = new Matrix(7, 4, new Float64Array([...X.data, ...X.data.slice(0, 4)]));
    const r2 = checkPd(await kernelFn('dense(8),relu,dense(1)')(Xd, null, 'ntk'));
    assert.equal(r2.strictlyPd, false);
  });
});

describe('bad input', () => {
  const X = randn(3, 4, 13);
  test('gap on flat inputs names the layer', () => {
    assert.throws(
      () => kernelFn('dense(4),gap,dense(1)', { inputShape: [4] }),
      (e: unknown) => e instanceof InvalidArgumentError && /gap/.test(e.message),
    );
  });
  test('x2 with other feature dimension', async () => {
    await assert.rejects(
      kernelFn('dense(4),relu,dense(1)')(X, randn(2, 5, 1), 'ntk'),
      (e: unknown) => e instanceof InvalidArgumentError && e.argument === 'x2',
    );
  });
  test('NaN in x1', async () => {
    const Y = X.clone();
    Y.data[5] = Number.NaN;
    await assert.rejects(
      kernelFn('dense(4),relu,dense(1)')(Y, null, 'ntk'),
      (e: unknown) => e instanceof InvalidArgumentError && /x1\[1\]\[1\] = NaN/.test(e.message),
    );
  });
  test('activation on a non-Gaussian input (raw data, another activation)', () => {
    assert.throws(
      () => kernelFn('relu,dense(1)', { inputShape: [4] }),
      /layer 0 `relu`` must be applied to a Gaussian/,
    );
    assert.throws(() => kernelFn('dense(4),relu,erf,dense(1)', { inputShape: [4] }), /layer 2 `erf`/);
  });
  test('residual block ending in an activation (cross-covariance not tracked)', () => {
    assert.throws(
      () => kernelFn('dense(4),residual(dense(4),relu),dense(1)', { inputShape: [4] }),
      /block ending in a dense or conv/,
    );
  });
  test('images given with the wrong column count', async () => {
    await assert.rejects(
      kernelFn('conv(2,3),relu,gap,dense(1)', { inputShape: [3, 3, 2] })(X, null, 'nngp'),
      /18 columns/,
    );
  });
  test('unknown get', async () => {
    // @ts-expect-error testing a bad literal
    await assert.rejects(kernelFn('dense(4)')(X, null, 'cov'), /`get` must be/);
  });
});
