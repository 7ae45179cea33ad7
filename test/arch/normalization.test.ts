// Normalization, noise and paper variances (issue #14): layernorm(axis=channel|all, eps=), dropout(rate) (NT's
// train-mode kernel, seeded masks), and wvar=/bvar= beside wstd=/bstd= — forward maps against numpy, VJP/JVP against
// finite differences, structured = Jacobian empirical NTK, closed forms, analytic vs Monte Carlo, typed errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { formatArch, parseArch } from '../../src/arch/parse.js';
import { empiricalNtk } from '../../src/empirical/ntk.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { Matrix } from '../../src/linalg/index.js';
import { apply, buildNetwork, init } from '../../src/nn/index.js';
import { Rng } from '../../src/util/random.js';
import { assertFalls, gradCheck, mcErrors, ntkCheck, numpyRef, randMatrix, relFro } from './layerChecks.js';

const kfn = async (arch: string, shape: number[], X: Matrix, x2: Matrix | null = null) =>
  kernelFn(arch, { inputShape: shape, workers: 0 })(X, x2, 'both');
const typed = (re: RegExp) => (e: unknown) => e instanceof InvalidArgumentError && re.test(e.message);

describe('parsing, formatting and bad input', () => {
  it('layernorm, dropout and wvar/bvar round-trip; formatArch writes what was given', () => {
    assert.deepEqual(parseArch('layernorm'), [{ kind: 'layernorm', axis: 'channel', eps: 1e-12 }]);
    assert.deepEqual(parseArch('dense(512,wvar=1.45,bvar=0.28)'), [
      { kind: 'dense', out: 512, wstd: Math.sqrt(1.45), bstd: Math.sqrt(0.28), wvar: 1.45, bvar: 0.28, frozen: false },
    ]);
    assert.deepEqual(parseArch('dense(8,wstd=1.5)'), [{ kind: 'dense', out: 8, wstd: 1.5, bstd: 0, frozen: false }]);
    for (const a of [
      'dense(512,wvar=1.45,bvar=0.28),layernorm,relu,dropout(0.9),dense(1,wstd=2,bvar=0.1,frozen)',
      'conv(4,3,wvar=2),layernorm(axis=all,eps=0.001),erf,convtranspose(2,2,bvar=0.5),convlocal(2,2,wvar=0.5),gap,dense(1)',
    ]) {
      assert.equal(formatArch(parseArch(a)), a);
      assert.deepEqual(parseArch(formatArch(parseArch(a))), parseArch(a));
    }
  });

  it('typed errors: both std and variance, bad rates and axes, layernorm/dropout where their kernels are undefined', async () => {
    assert.throws(() => parseArch('dense(8,wstd=1,wvar=1)'), typed(/layer `dense`.*`wstd` or as `wvar`.*not both/));
    assert.throws(() => parseArch('conv(8,3,bstd=1,bvar=1)'), typed(/layer `conv`.*`bstd` or as `bvar`/));
    assert.throws(() => parseArch('dense(8,wvar=-1)'), typed(/`wvar` a number ≥ 0/));
    for (const r of ['0', '1.5', '-0.2'])
      assert.throws(() => parseArch(`dense(8),dropout(${r})`), typed(/layer `dropout`.*keep probability.*\(0, 1\]/), r);
    assert.throws(() => parseArch('layernorm(axis=spatial)'), typed(/layer `layernorm`.*no infinite-width kernel/));
    assert.throws(() => parseArch('layernorm(axis=batch)'), typed(/`axis` channel or all/));
    const X = randMatrix(2, 5, 1);
    await assert.rejects(
      kfn('layernorm,dense(4),dense(1)', [5], X),
      typed(/layer 0 `layernorm`.*Gaussian input.*network input/),
    );
    await assert.rejects(kfn('dense(4),relu,layernorm,dense(1)', [5], X), typed(/layer 2 `layernorm`.*non-Gaussian/));
    await assert.rejects(
      kfn('dropout(0.5),dense(4),dense(1)', [5], X),
      typed(/layer 0 `dropout`.*not to the network input/),
    );
    await assert.rejects(kfn('dense(4),dropout(0.5),relu,dense(1)', [5], X), typed(/layer 2 `relu`.*non-Gaussian/));
  });
});

describe('layernorm', () => {
  it('forward = numpy (x − mean)/√(eps + var) over the features / channels per position / the whole example', () => {
    const cases = [
      ['layernorm', [7], 'channel', 1e-12],
      ['layernorm(eps=0.5)', [3, 4, 5], 'channel', 0.5],
      ['layernorm(axis=all)', [3, 4, 5], 'all', 1e-12],
      ['layernorm(axis=all)', [7], 'all', 1e-12],
    ] as const;
    const runs = cases.map(([arch, shape, axis, eps]) => {
      const net = buildNetwork(arch, [...shape]);
      const X = randMatrix(3, net.inDim, 2);
      const job = { op: 'layernorm', x: Array.from(X.data), shape: [3, ...shape], axis, eps };
      return { arch, y: apply(init(net, new Rng(0)), X).data, job };
    });
    const refs = numpyRef(runs.map((r) => r.job));
    runs.forEach(({ arch, y }, c) => {
      for (let i = 0; i < y.length; i++)
        assert.ok(Math.abs(y[i] - refs[c].y[i]) < 1e-12, `${arch}: ${y[i]} vs ${refs[c].y[i]}`);
    });
  });

  const FINITE: [string, string, number[]][] = [
    ['flat', 'dense(5,bstd=0.3),layernorm,tanh,dense(2)', [3]],
    ['image, per position', 'conv(4,3),layernorm(eps=0.01),relu,gap,dense(2)', [3, 3, 2]],
    ['image, axis=all', 'conv(3,2,wvar=2),layernorm(axis=all),erf,flatten,dense(2,frozen)', [3, 4, 1]],
  ];
  for (const param of ['ntk', 'standard'] as const)
    for (const [name, arch, shape] of FINITE) {
      it(`VJP/JVP against finite differences: ${name} [${param}]`, () => gradCheck(arch, shape, param));
      it(`structured = Jacobian empirical NTK: ${name} [${param}]`, () => ntkCheck(arch, shape, param));
    }

  it('closed form: after dense, the NNGP is the cosine of the inputs, K(x, x) = q/(eps + q) ≈ 1', async () => {
    const X = randMatrix(4, 6, 3);
    const { nngp } = await kfn('dense(8,wvar=2),layernorm,dense(1,wvar=1.5,bvar=0.2)', [6], X);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let xy = 0;
        let xx = 0;
        let yy = 0;
        for (let c = 0; c < 6; c++) {
          xy += X.get(i, c) * X.get(j, c);
          xx += X.get(i, c) ** 2;
          yy += X.get(j, c) ** 2;
        }
        assert.ok(Math.abs(nngp.get(i, j) - ((1.5 * xy) / Math.sqrt(xx * yy) + 0.2)) < 1e-10, `(${i}, ${j})`);
      }
  });

  const img = randMatrix(4, 32, 7);
  const CASES: [string, (w: number) => string, number[], Matrix][] = [
    ['flat', (w) => `dense(${w},bstd=0.3),relu,dense(${w},wvar=2),layernorm,erf,dense(1)`, [5], randMatrix(4, 5, 9)],
    ['image, per position', (w) => `conv(${w},3,bstd=0.2),layernorm,relu,gap,dense(1)`, [4, 4, 2], img],
    [
      'image, axis=all',
      (w) => `conv(${w},3),layernorm(axis=all),relu,flatten,dense(1)`,
      [3, 3, 2],
      randMatrix(4, 18, 8),
    ],
  ];
  for (const [name, arch, shape, X] of CASES)
    it(`analytic = Monte Carlo, error falling with width: ${name}`, async () =>
      assertFalls(name, await mcErrors(arch, shape, X, [16, 256], 12)));
});

describe('dropout', () => {
  it('masks are seeded: same seed same function, independent of the batch; other seeds other masks; keep rate ≈ rate', () => {
    const net = buildNetwork('dense(400),dropout(0.7)', [3]);
    const X = randMatrix(5, 3, 4);
    const a = apply(init(net, new Rng(1)), X).data;
    assert.deepEqual(apply(init(net, new Rng(1)), X).data, a);
    // each example alone, and the batch reversed: the same rows
    for (let i = 0; i < 5; i++) {
      const one = apply(init(net, new Rng(1)), X.rowSlice(i, i + 1)).data;
      assert.deepEqual(one, a.subarray(i * 400, (i + 1) * 400));
    }
    const b = apply(init(net, new Rng(2)), X).data;
    assert.notDeepEqual(b, a);
    // the surviving entries are x/rate, and about 70 % of them survive (2000 Bernoulli(0.7): ±4σ ≈ ±0.041)
    const plain = apply(init(buildNetwork('dense(400)', [3]), new Rng(1)), X).data;
    let kept = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== 0) {
        kept++;
        assert.ok(Math.abs(a[i] - plain[i] / 0.7) < 1e-15 * Math.abs(plain[i]), `entry ${i}`);
      }
    }
    assert.ok(Math.abs(kept / a.length - 0.7) < 0.041, `kept ${kept / a.length}`);
  });

  it('dropout(1) is the identity in both paths', async () => {
    const X = randMatrix(3, 4, 5);
    const a = await kfn('dense(8,bstd=0.2),relu,dropout(1),dense(1)', [4], X);
    const b = await kfn('dense(8,bstd=0.2),relu,dense(1)', [4], X);
    assert.deepEqual(a.ntk.data, b.ntk.data);
    const p = init(buildNetwork('dense(8),relu,dropout(1),dense(2)', [4]), new Rng(3));
    const q = init(buildNetwork('dense(8),relu,dense(2)', [4]), new Rng(3));
    assert.deepEqual(apply(p, X).data, apply(q, X).data);
  });

  it("NT's train-mode kernel: ×1/rate on K(x, x)'s diagonal (same example, same position), unchanged elsewhere", async () => {
    const X = randMatrix(5, 4, 6);
    const X2 = randMatrix(3, 4, 8);
    const arch = (d: string) => `dense(8,bstd=0.2),relu${d},dense(1,bvar=0.1)`;
    const a = await kfn(arch(',dropout(0.6)'), [4], X);
    const b = await kfn(arch(''), [4], X);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 5; j++) {
        const f = i === j ? 1 / 0.6 : 1;
        assert.ok(
          Math.abs(a.nngp.get(i, j) - 0.1 - f * (b.nngp.get(i, j) - 0.1)) < 1e-13 * a.nngp.get(i, j),
          `NNGP (${i}, ${j})`,
        );
        assert.ok(
          Math.abs(a.ntk.get(i, j) - 0.1 - f * (b.ntk.get(i, j) - 0.1)) < 1e-13 * a.ntk.get(i, j),
          `NTK (${i}, ${j})`,
        );
      }
    // K(x1, x2) of two sets: no pair is one example (NT: x1_is_x2 false)
    const c = await kfn(arch(',dropout(0.6)'), [4], X, X2);
    const d = await kfn(arch(''), [4], X, X2);
    assert.deepEqual(c.ntk.data, d.ntk.data);
    // tiles and workers: the diagonal found in every tile
    const t = await kernelFn(arch(',dropout(0.6)'), { inputShape: [4], workers: 0, tile: 2 })(X, null, 'ntk');
    assert.ok(relFro(t.data, a.ntk.data) < 1e-15, 'tiled kernel differs');
    // images: only equal positions of one example
    const I = randMatrix(3, 18, 2);
    const e = await kfn('conv(4,3),relu,dropout(0.5),conv(2,2),flatten,dense(1)', [3, 3, 2], I);
    const g = await kfn('conv(4,3),relu,conv(2,2),flatten,dense(1)', [3, 3, 2], I);
    assert.ok(
      e.nngp.get(0, 0) > 1.3 * g.nngp.get(0, 0) && Math.abs(e.nngp.get(0, 1) / g.nngp.get(0, 1) - 1) < 1e-12,
      'image dropout kernel',
    );
  });

  const FINITE: [string, string, number[]][] = [
    ['MLP', 'dense(6,bstd=0.2),relu,dropout(0.6),dense(4),tanh,dropout(0.8),dense(2)', [3]],
    ['CNN', 'conv(3,3),relu,dropout(0.7),conv(2,2,stride=2),gap,dense(2)', [4, 4, 1]],
    ['in a residual', 'dense(4),residual(relu,dropout(0.5),dense(4)),dense(2)', [3]],
  ];
  for (const param of ['ntk', 'standard'] as const)
    for (const [name, arch, shape] of FINITE) {
      // the mask depends on the example, so x ↦ f(x) is piecewise: parameters only (the input VJP is the JVP's adjoint)
      it(`VJP/JVP against finite differences in θ: ${name} [${param}]`, () => gradCheck(arch, shape, param, false));
      it(`structured = Jacobian empirical NTK: ${name} [${param}]`, () => ntkCheck(arch, shape, param));
    }

  it('the empirical NTK is the same whatever the tiling (the masks follow the examples)', () => {
    const params = init(buildNetwork('dense(16),relu,dropout(0.5),dense(3)', [4]), new Rng(2));
    const X = randMatrix(7, 4, 3);
    const a = empiricalNtk(params, X, null, { tileSize: 7 });
    for (const tileSize of [1, 3])
      assert.ok(relFro(empiricalNtk(params, X, null, { tileSize }).data, a.data) < 1e-14, `tile ${tileSize}`);
  });

  const CASES: [string, (w: number) => string, number[], Matrix][] = [
    ['MLP', (w) => `dense(${w},bstd=0.2),relu,dropout(0.7),dense(${w}),relu,dense(1)`, [5], randMatrix(4, 5, 9)],
    [
      'CNN',
      (w) => `conv(${w},3),relu,dropout(0.6),conv(${w},2,stride=2),relu,gap,dense(1)`,
      [4, 4, 2],
      randMatrix(4, 32, 5),
    ],
  ];
  for (const [name, arch, shape, X] of CASES)
    it(`analytic = Monte Carlo, error falling with width: ${name}`, async () =>
      assertFalls(name, await mcErrors(arch, shape, X, [16, 256], 12), 0.08));
});

describe('wvar/bvar: σ² = std², in both paths', () => {
  it('the same network as wstd = √wvar, bstd = √bvar (finite outputs and analytic kernels)', async () => {
    const X = randMatrix(3, 32, 4);
    for (const [v, s] of [
      [
        'conv(4,3,wvar=2,bvar=0.3),erf,convtranspose(3,2,stride=2,wvar=1.5),erf,convlocal(2,3,bvar=0.4),gap,dense(1,wvar=3)',
        `conv(4,3,wstd=${Math.SQRT2},bstd=${Math.sqrt(0.3)}),erf,convtranspose(3,2,stride=2,wstd=${Math.sqrt(1.5)}),erf,convlocal(2,3,bstd=${Math.sqrt(0.4)}),gap,dense(1,wstd=${Math.sqrt(3)})`,
      ],
    ]) {
      const a = await kfn(v, [4, 4, 2], X);
      const b = await kfn(s, [4, 4, 2], X);
      assert.ok(relFro(a.ntk.data, b.ntk.data) < 1e-14 && relFro(a.nngp.data, b.nngp.data) < 1e-14, 'wvar ≠ wstd²');
      const pa = init(buildNetwork(v, [4, 4, 2]), new Rng(5));
      const pb = init(buildNetwork(s, [4, 4, 2]), new Rng(5));
      assert.deepEqual(pa.theta, pb.theta);
      assert.deepEqual(apply(pa, X).data, apply(pb, X).data);
    }
  });
});
