// Branches (branching.ts, repeat.ts, identity.ts): sum / concat / prod (neural-tangents' FanInSum, FanInConcat,
// FanInProd), repeat(n, X), identity, and residual(X) as sum(X | identity). Checked against direct computations of
// what each combinator means, closed forms, and Monte-Carlo means of finite networks (error falling with width);
// finite differences of the VJP/JVP and structured = Jacobian NTK are in test/nn/grad.test.ts and
// test/empirical/ntk.test.ts (their CASES / NETS lists).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { formatArch, parseArch } from '../../src/arch/parse.js';
import { empiricalNtk } from '../../src/empirical/ntk.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { apply, buildNetwork, init, jvp } from '../../src/nn/network.js';
import { Rng } from '../../src/util/random.js';
import { convergence, randn } from './helpers.js';

describe('parsing', () => {
  it('round-trips sum, concat, prod, repeat, identity (nested too)', () => {
    for (const a of [
      'dense(8),sum(relu,dense(8)|identity|dense(8,bstd=0.1)),dense(1)',
      'conv(4,3),concat(identity|relu,conv(4,3)),conv(3,1),gap,dense(1)',
      'dense(4),prod(dense(4)|identity),dense(1)',
      'dense(4),repeat(3,relu,dense(4)),dense(1)',
      'dense(4),repeat(2,sum(relu,dense(4)|identity)),sum(repeat(2,dense(4))|dense(4)),dense(1)',
    ]) {
      const p = parseArch(a);
      assert.equal(formatArch(p), a);
      assert.deepEqual(parseArch(formatArch(p)), p);
    }
    assert.deepEqual(parseArch('repeat( 2 , dense(3) )'), [
      { kind: 'repeat', n: 2, block: [{ kind: 'dense', out: 3, wstd: 1, bstd: 0, frozen: false }] },
    ]);
  });

  it('rejects bad arguments with the layer and its position', () => {
    assert.throws(() => parseArch('sum(dense(3))'), /layer `sum` at character 1.*at least two layer lists.*1 branch/);
    assert.throws(() => parseArch('dense(3),concat(dense(3))'), /layer `concat` at character 10/);
    assert.throws(() => parseArch('prod(|dense(3))'), /expected a name/);
    assert.throws(() => parseArch('repeat(0,dense(3))'), /layer `repeat`.*`n` an integer ≥ 1.*Value: `0`/);
    assert.throws(() => parseArch('repeat(2.5,dense(3))'), /`n` an integer ≥ 1/);
    assert.throws(() => parseArch('repeat(dense(3))'), /expected `,` and a layer list after the count/);
    assert.throws(() => parseArch('identity(2)'), /layer `identity`.*0 positional/);
    assert.throws(() => parseArch('sum(dense(2),relu)'), InvalidArgumentError);
  });
});

describe('finite network: what each combinator computes', () => {
  const X = randn(3, 2 * 2 * 3, 1);
  it('identity branches: sum = 3x, concat = [x, x] per position (channel axis), prod = x ⊙ x', () => {
    const run = (arch: string) => apply(init(buildNetwork(arch, [2, 2, 3]), new Rng(0)), X).data;
    const s = run('sum(identity|identity|identity)');
    const c = run('concat(identity|identity)');
    const p = run('prod(identity|identity)');
    for (let i = 0; i < X.data.length; i++) {
      assert.equal(s[i], X.data[i] + X.data[i] + X.data[i]);
      assert.equal(p[i], X.data[i] * X.data[i]);
    }
    for (let r = 0; r < 3 * 4; r++)
      for (let ch = 0; ch < 3; ch++) {
        assert.equal(c[r * 6 + ch], X.data[r * 3 + ch]);
        assert.equal(c[r * 6 + 3 + ch], X.data[r * 3 + ch]);
      }
  });

  it('branches compute their own layers: concat(A|B) = [A(x), B(x)] and repeat = the copies in series', () => {
    // the same θ entries drive the stand-alone branch networks (paths i.j are numbered through the branches)
    const net = buildNetwork('concat(dense(2,bstd=0.5)|relu,dense(3))', [4]);
    assert.deepEqual(
      net.paramLayers.map((p) => p.path),
      ['0.0', '0.2'],
    );
    const params = init(net, new Rng(2));
    const Xf = randn(2, 4, 3);
    const y = apply(params, Xf).data;
    const a = buildNetwork('dense(2,bstd=0.5)', [4]);
    const b = buildNetwork('relu,dense(3)', [4]);
    const pa = params.theta.subarray(0, a.numParams);
    const pb = params.theta.subarray(a.numParams);
    const ya = apply({ net: a, theta: pa.slice() }, Xf).data;
    const yb = apply({ net: b, theta: pb.slice() }, Xf).data;
    for (let e = 0; e < 2; e++) {
      for (let c = 0; c < 2; c++) assert.equal(y[e * 5 + c], ya[e * 2 + c]);
      for (let c = 0; c < 3; c++) assert.equal(y[e * 5 + 2 + c], yb[e * 3 + c]);
    }
    const rep = buildNetwork('repeat(3,dense(4),tanh)', [4]);
    const ser = buildNetwork('dense(4),tanh,dense(4),tanh,dense(4),tanh', [4]);
    assert.equal(rep.numParams, ser.numParams);
    assert.deepEqual(
      rep.paramLayers.map((p) => p.path),
      ['0.0', '0.2', '0.4'],
    );
    const pr = init(rep, new Rng(4));
    assert.deepEqual(apply(pr, Xf).data, apply({ net: ser, theta: pr.theta }, Xf).data);
  });

  it('residual(X) is sum(X | identity) bit for bit: θ layout, outputs, JVP, empirical NTK, analytic kernel', async () => {
    const X2 = randn(4, 5, 7);
    for (const [block, shape, Xs] of [
      ['relu,dense(5,bstd=0.3),tanh,dense(5)', [5], X2],
      ['relu,conv(3,3),erf,conv(3,3,bstd=0.2)', [2, 2, 3], X],
    ] as const) {
      const pre = shape.length === 1 ? 'dense(5)' : 'conv(3,3)';
      const post = shape.length === 1 ? 'relu,dense(2)' : 'relu,gap,dense(2)';
      for (const param of ['ntk', 'standard'] as const) {
        const a = buildNetwork(`${pre},residual(${block}),${post}`, [...shape], param);
        const b = buildNetwork(`${pre},sum(${block}|identity),${post}`, [...shape], param);
        assert.deepEqual(
          a.paramLayers.map((p) => [p.path, p.wOffset, p.wSize, p.bOffset]),
          b.paramLayers.map((p) => [p.path, p.wOffset, p.wSize, p.bOffset]),
        );
        const pa = init(a, new Rng(5));
        const pb = { net: b, theta: pa.theta };
        assert.deepEqual(apply(pa, Xs).data, apply(pb, Xs).data);
        const u = new Rng(6).normals(a.numParams);
        assert.deepEqual(jvp(pa, Xs, u).tangentOut.data, jvp(pb, Xs, u).tangentOut.data);
        assert.deepEqual(empiricalNtk(pa, Xs).data, empiricalNtk(pb, Xs).data);
        const opts = { inputShape: [...shape], param, workers: 0 };
        const ka = await kernelFn(a.arch, opts)(Xs, null, 'both');
        const kb = await kernelFn(b.arch, opts)(Xs, null, 'both');
        assert.deepEqual(ka.ntk.data, kb.ntk.data);
        assert.deepEqual(ka.nngp.data, kb.nngp.data);
      }
    }
  });
});

describe('bad input: typed errors naming the layer path', () => {
  const flat = (arch: string) => () => buildNetwork(arch, [4]);
  const kern =
    (arch: string, shape = [4]) =>
    () =>
      kernelFn(arch, { inputShape: shape });
  it('branches with mismatched shapes', () => {
    assert.throws(
      flat('dense(4),sum(dense(8)|relu,dense(16)),dense(1)'),
      /layer 1 `sum`.*branches whose outputs have one shape.*branch 1 \(layer 1\.0\) gives flat \(8\), branch 2 \(layers 1\.1–1\.2\) gives flat \(16\)/,
    );
    assert.throws(
      () => buildNetwork('conv(4,3),concat(identity|conv(4,3,padding=valid)),gap,dense(1)', [5, 5, 1]),
      /layer 1 `concat`.*equal shapes except the last axis.*image 5×5×4.*image 3×3×4/,
    );
    assert.throws(flat('prod(dense(3)|dense(4))'), /layer 0 `prod`.*one shape/);
    assert.throws(flat('dense(3),repeat(2,dense(5))'), /layer 1 `repeat`.*output shape equals its input shape/);
    assert.throws(flat('residual(dense(3))'), /layer 0 `residual`.*output shape equals its input shape/);
    // a layer inside a branch is named by its own path
    assert.throws(flat('sum(dense(2)|relu,conv(3,3))'), /layer 0\.2 `conv`/);
    assert.throws(flat('repeat(2,dense(4),relu),sum(identity|relu,dense(4),conv(3,3))'), /layer 1\.3 `conv`/);
  });

  it('sum / prod whose branches are not independent; prod of a non-Gaussian branch', () => {
    assert.throws(
      kern('dense(4),sum(relu|identity),dense(1)'),
      /layer 1 `sum`.*all but at most one end in a dense or conv or convtranspose or convlocal layer.*branch 1 \(layer 1\.0\) ends in `relu`, branch 2 \(layer 1\.1\) ends in `identity`/,
    );
    assert.throws(kern('dense(4),prod(identity|identity),dense(1)'), /layer 1 `prod`.*all but at most one end/);
    assert.throws(
      kern('dense(4),prod(relu|dense(4)),dense(1)'),
      /layer 1 `prod`.*product of Gaussian branches.*branch 1 \(layer 1\.0\) is not Gaussian.*FanInProd/,
    );
    // the raw input is not Gaussian either
    assert.throws(kern('prod(dense(4)|identity),dense(1)'), /layer 0 `prod`.*branch 2 \(layer 0\.1\) is not Gaussian/);
    // the finite network is defined all the same
    assert.ok(buildNetwork('dense(4),sum(relu|identity),dense(1)', [4]));
  });

  it('an activation right after concat (its channels have different kernels, as neural-tangents refuses)', () => {
    assert.throws(kern('dense(4),concat(identity|dense(6)),relu,dense(1)'), /layer 2 `relu`.*Gaussian/);
    // an affine layer after concat makes it Gaussian again; linear layers in between are fine
    assert.ok(kern('conv(4,3),concat(identity|relu,conv(4,3)),gap,dense(4),relu,dense(1)', [3, 3, 2])());
  });
});

/** Equal kernels: 1e-12 relative off the diagonal; on it relu's arccos at ρ = 1 turns a last-bit difference of ρ
 * into ≈1e-8 (as in test/analytic/kernels.test.ts), so 1e-7 there. */
function sameKernel(a: Matrix, b: Matrix): void {
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) {
      const [x, y] = [a.get(i, j), b.get(i, j)];
      const tol = (i === j ? 1e-7 : 1e-12) * Math.abs(y) + 1e-15;
      assert.ok(Math.abs(x - y) <= tol, `(${i}, ${j}): ${x} vs ${y}`);
    }
}

describe('analytic kernels', () => {
  it('closed form: sum(dense | dense) = dense(wstd=√2), concat(identity | identity) = identity', async () => {
    const X = randn(5, 3, 8);
    const k = (arch: string) => kernelFn(arch, { inputShape: [3], workers: 0 })(X, null, 'both');
    const a = await k('dense(6,bstd=0.2),relu,sum(dense(6)|dense(6)),relu,dense(1)');
    const b = await k(`dense(6,bstd=0.2),relu,dense(6,wstd=${Math.SQRT2}),relu,dense(1)`);
    const c = await k('dense(6,bstd=0.2),relu,concat(identity|identity,identity),dense(6),relu,dense(1)');
    const d = await k('dense(6,bstd=0.2),relu,dense(6),relu,dense(1)');
    sameKernel(a.ntk, b.ntk);
    sameKernel(a.nngp, b.nngp);
    sameKernel(c.ntk, d.ntk);
  });

  it('branches that end flat on an image input: sum(gap,dense | gap,dense) = gap,dense(wstd=√2)', async () => {
    // the record after the sum has the branches' (flat) layout, and the activation after it reads its variances
    const X = randn(3, 4 * 4 * 2, 8);
    const k = (arch: string) => kernelFn(arch, { inputShape: [4, 4, 2], workers: 0 })(X, null, 'both');
    const a = await k('conv(3,3),relu,sum(gap,dense(4)|gap,dense(4)),relu,dense(1)');
    const b = await k(`conv(3,3),relu,gap,dense(4,wstd=${Math.SQRT2}),relu,dense(1)`);
    sameKernel(a.ntk, b.ntk);
    sameKernel(a.nngp, b.nngp);
    const c = await k('conv(3,3),relu,concat(gap,dense(4)|flatten,dense(2)),dense(3),relu,dense(1)');
    assert.ok(c.ntk.data.every((v) => Number.isFinite(v) && v > 0));
  });

  // Monte Carlo: error at the larger width small and below the error at the smaller width
  const XF = randn(4, 5, 9);
  const XI = randn(3, 3 * 3 * 2, 10);
  const expectConverges = (r: { nngp: number; ntk: number }[], tol: number) => {
    const [small, large] = r;
    assert.ok(large.nngp < tol && large.ntk < tol, JSON.stringify(r));
    assert.ok(large.ntk < small.ntk && large.nngp < small.nngp, JSON.stringify(r));
  };
  it('WideResNet block with a projection shortcut: sum(conv,relu,conv | conv(·,1))', async () => {
    const r = await convergence(
      (w) => `conv(${w},3),sum(relu,conv(${w},3,bstd=0.1),relu,conv(${w},3)|conv(${w},1)),relu,gap,dense(1)`,
      [3, 3, 2],
      XI,
      [8, 128],
      8,
    );
    expectConverges(r, 0.08);
  });
  it('DenseNet-style concat: two dense layers (the second with a 1×1 bottleneck), a 1×1 transition conv', async () => {
    // the channels of a concat have different kernels: each branch starts with a conv before its activation
    const r = await convergence(
      (w) =>
        `conv(${w},3),concat(identity|relu,conv(${w},3)),concat(identity|conv(${w},1),relu,conv(${w >> 1},3)),conv(${w},1),relu,gap,dense(1)`,
      [3, 3, 2],
      XI,
      [8, 128],
      8,
    );
    expectConverges(r, 0.08);
  });
  for (const [name, archAt] of [
    [
      'sum of three branches (one the identity, one ending in a frozen layer)',
      (w: number) =>
        `dense(${w},bstd=0.2),sum(relu,dense(${w})|identity|erf,dense(${w},bstd=0.3,frozen)),relu,dense(1)`,
    ],
    ['prod of two independent Gaussians', (w: number) => `dense(${w}),prod(dense(${w})|dense(${w},bstd=0.5)),dense(1)`],
    [
      'prod of a Gaussian input with an independent branch',
      (w: number) => `dense(${w}),prod(identity|relu,dense(${w})),dense(1)`,
    ],
    ['repeat(2, relu, dense)', (w: number) => `dense(${w}),repeat(2,relu,dense(${w})),relu,dense(1)`],
  ] as const) {
    it(name, async () => expectConverges(await convergence(archAt, [5], XF, [16, 256], 32), 0.06));
  }
});
