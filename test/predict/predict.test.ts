/**
 * `ntk predict` and src/predict against an independent numpy/scipy implementation (test/predict/reference.py:
 * scipy cho_solve for the NNGP, numpy eigh with neural-tangents' formulas for the NTK-GP, brute-force leave-one-out).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { readMatrixNpy, readNpy, writeMatrixNpy, writeNpy } from '../../src/io/npy.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { eigh, eigvalsh } from '../../src/linalg/ops.js';
import { leaveOneOutCurve, predictDense } from '../../src/predict/index.js';
import { relativeResidual, solveResidual } from '../../src/predict/residual.js';
import { Rng } from '../../src/util/random.js';

const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch, functorch'], { encoding: 'utf8' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'ntk-predict-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ntk = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'predict', ...args], { encoding: 'utf8' });

const n = 30;
const m = 10;
const ARCH = 'dense(8,bstd=0.1),relu,dense(8),erf,dense(1)';
const X = new Matrix(n, 4, new Rng(1).normals(n * 4));
const Xs = new Matrix(m, 4, new Rng(2).normals(m * 4));
const Y = new Matrix(n, 3, new Rng(3).normals(n * 3));
const y1 = new Matrix(
  n,
  1,
  Y.data.filter((_, i) => i % 3 === 0),
);
const RIDGE = 1e-3;
const TIMES = [0.5, 5, Number.POSITIVE_INFINITY];
const ETA = 2;
const A = ETA / n; // --normalization mean: a = η/n

let K: Matrix, Ks: Matrix, Kss: Matrix, T: Matrix, Ts: Matrix;

function reference(sub: string, Yr: Matrix, looRidges: number[]): string {
  const d = join(dir, sub);
  spawnSync('mkdir', ['-p', d]);
  for (const [name, M] of Object.entries({ K, Ks, Kss, T, Ts, Y: Yr })) writeMatrixNpy(join(d, `${name}.npy`), M);
  const r = spawnSync(
    '/usr/bin/python3',
    [
      'test/predict/reference.py',
      d,
      String(RIDGE),
      String(RIDGE),
      String(A),
      TIMES.map((t) => (t === Number.POSITIVE_INFINITY ? 'inf' : String(t))).join(','),
      looRidges.join(','),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return d;
}

/** max |a − b| / max |b| */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let e = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    e = Math.max(e, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return e / s;
}

function assertSymmetricPsd(C: Matrix, what: string): void {
  for (let i = 0; i < C.rows; i++)
    for (let j = 0; j < i; j++) assert.equal(C.data[i * C.cols + j], C.data[j * C.cols + i], `${what} symmetric`);
  const w = eigvalsh(C);
  assert.ok(w[0] >= -1e-10 * w[w.length - 1], `${what}: λ_min ${w[0]} vs λ_max ${w[w.length - 1]}`);
}

before(async () => {
  const kfn = kernelFn(ARCH);
  ({ nngp: K, ntk: T } = await kfn(X, null, 'both'));
  ({ nngp: Ks, ntk: Ts } = await kfn(Xs, X, 'both'));
  Kss = await kfn(Xs, null, 'nngp');
});

describe('predictDense against numpy/scipy on the same kernels', () => {
  test('NNGP posterior (cho_solve) and NTK-GP at t = 0.5, 5, ∞ (eigenbasis formula) to 1e-8; t = ∞ is kernel regression with Θ; covariances symmetric PSD', () => {
    const d = reference('lib', Y, []);
    const r = predictDense({ nngp: { train: K, testTrain: Ks, testTest: Kss }, ntk: { train: T, testTrain: Ts } }, Y, {
      get: 'both',
      times: TIMES,
      ridge: RIDGE,
      eta: ETA,
      normalization: 'mean',
      covariance: true,
    });
    const nngp = r.nngp?.prediction;
    assert.ok(nngp?.covariance);
    assert.ok(relErr(nngp.mean.data, readMatrixNpy(join(d, 'ref.nngp.mean.npy')).data) < 1e-8);
    assert.ok(relErr(nngp.covariance.data, readMatrixNpy(join(d, 'ref.nngp.cov.npy')).data) < 1e-8);
    assertSymmetricPsd(nngp.covariance, 'NNGP covariance');
    const means = readNpy(join(d, 'ref.ntk.mean.npy')).data as Float64Array;
    const covs = readNpy(join(d, 'ref.ntk.cov.npy')).data as Float64Array;
    const ps = r.ntk?.predictions ?? [];
    assert.equal(ps.length, 3);
    ps.forEach((p, i) => {
      const e = relErr(p.mean.data, means.subarray(i * m * 3, (i + 1) * m * 3));
      assert.ok(e < 1e-8, `NTK-GP mean at t = ${p.time}: ${e}`);
      const c = p.covariance as Matrix;
      const ec = relErr(c.data, covs.subarray(i * m * m, (i + 1) * m * m));
      assert.ok(ec < 1e-8, `NTK-GP covariance at t = ${p.time}: ${ec}`);
      // symmetrize the rounding of M K Mᵀ before the PSD check (the formula is symmetric, its GEMMs are not exactly)
      const S = new Matrix(m, m);
      for (let a = 0; a < m; a++)
        for (let b = 0; b < m; b++) S.data[a * m + b] = (c.data[a * m + b] + c.data[b * m + a]) / 2;
      assert.ok(relErr(S.data, c.data) < 1e-12, 'NTK-GP covariance symmetric to rounding');
      assertSymmetricPsd(S, `NTK-GP covariance at t = ${p.time}`);
    });
    assert.ok(relErr(ps[2].mean.data, readMatrixNpy(join(d, 'ref.ntk.krr.npy')).data) < 1e-8, 't = ∞: Θ_*(Θ + ρI)⁻¹Y');
    // the solves' relative residuals ‖(K + ρI)α − Y‖/‖Y‖: rounding level (without ρ in the system they are ≥ 1e-6)
    for (const [name, res] of [
      ['nngp', r.nngp?.residual],
      ['ntk', r.ntk?.residual],
    ] as const) {
      assert.ok(typeof res === 'number' && res >= 0 && res < 1e-10, `${name} residual ${res}`);
    }
    const finite = predictDense({ ntk: { train: T, testTrain: Ts } }, Y, { get: 'ntk', times: [0.5], ridge: RIDGE });
    assert.equal(finite.ntk?.residual, null, 'no solve, no residual, without t = ∞');
  });

  test('relative residual ‖Y − (K + ρI)α‖_F/‖Y‖_F against closed forms', () => {
    // K = diag(2, 3), ρ = 0.5, α = (0.5, 0.25), Y = (1, 2): (K + ρI)α = (1.25, 0.875), R = (−0.25, 1.125)
    const R = solveResidual(
      new Matrix(2, 2, Float64Array.from([2, 0, 0, 3])),
      0.5,
      new Matrix(2, 1, Float64Array.from([0.5, 0.25])),
      new Matrix(2, 1, Float64Array.from([1, 2])),
    );
    assert.deepEqual(Array.from(R), [-0.25, 1.125]);
    assert.equal(relativeResidual(R, new Float64Array([1, 2])), Math.sqrt(0.0625 + 1.265625) / Math.sqrt(5));
    // K = [[2, 1], [1, 3]], ρ = 0, two outputs: α = [[1, 0], [0, 1]], Y = [[2, 2], [1, 1]] → R = [[0, 1], [0, −2]]
    const R2 = solveResidual(
      new Matrix(2, 2, Float64Array.from([2, 1, 1, 3])),
      0,
      new Matrix(2, 2, Float64Array.from([1, 0, 0, 1])),
      new Matrix(2, 2, Float64Array.from([2, 2, 1, 1])),
    );
    assert.deepEqual(Array.from(R2), [0, 1, 0, -2]);
    assert.equal(relativeResidual(R2, new Float64Array([2, 2, 1, 1])), Math.sqrt(5) / Math.sqrt(10));
    assert.equal(relativeResidual(new Float64Array([3, 4]), new Float64Array(2)), 5, 'Y = 0 divides by 1');
  });

  test('leave-one-out MSE from one eigendecomposition equals n brute-force solves of n − 1 points', () => {
    const ridges = [1e-3, 1e-1, 1];
    const d = reference('loo', Y, ridges);
    const ref = readNpy(join(d, 'ref.loo.npy')).data as Float64Array;
    const c = leaveOneOutCurve(eigh(K), Y, ridges);
    c.points.forEach((p, i) => assert.ok(Math.abs((p.looMse as number) - ref[i]) < 1e-8 * ref[i], `ρ = ${p.ridge}`));
    const best = ref.indexOf(Math.min(...ref));
    assert.equal(c.best, ridges[best]);
  });

  test('bad input is refused before any work: NaN kernel, negative time, singular kernel without a ridge', () => {
    const bad = K.clone();
    bad.data[7] = Number.NaN;
    assert.throws(
      () => predictDense({ nngp: { train: bad, testTrain: Ks } }, Y, { get: 'nngp' }),
      /nngp\.train.*finite.*NaN/,
    );
    assert.throws(
      () => predictDense({ ntk: { train: T, testTrain: Ts } }, Y, { get: 'ntk', times: [-1] }),
      /times\[0\].*non-negative/,
    );
    // a kernel of rank 1: singular without a ridge, fine with one (and at finite t)
    const v = new Matrix(n, 1, new Rng(4).normals(n));
    const R = new Matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) R.data[i * n + j] = v.data[i] * v.data[j];
    assert.throws(() => predictDense({ nngp: { train: R, testTrain: Ks } }, Y, { get: 'nngp' }), /singular.*--ridge/);
    assert.throws(() => predictDense({ ntk: { train: R, testTrain: Ts } }, Y, { get: 'ntk' }), /singular.*--ridge/);
    assert.doesNotThrow(() => predictDense({ ntk: { train: R, testTrain: Ts } }, Y, { get: 'ntk', times: [3] }));
    assert.doesNotThrow(() => predictDense({ nngp: { train: R, testTrain: Ks } }, Y, { get: 'nngp', ridge: 1e-3 }));
  });
});

describe('readParams', () => {
  test('reads back what writeParams wrote, θ bit for bit (conv layouts inverted)', async () => {
    const { buildNetwork } = await import('../../src/arch/compile.js');
    const { init } = await import('../../src/nn/network.js');
    const { readParams, writeParams } = await import('../../src/empirical/export.js');
    const net = buildNetwork(
      'conv(3,3,bstd=0.2),relu,conv(2,2,stride=2),flatten,dense(4),relu,dense(2)',
      [6, 5, 2],
      'standard',
    );
    const p0 = init(net, new Rng(9));
    writeParams(p0, join(dir, 'rp'), 9);
    const { params, manifest } = readParams(join(dir, 'rp'));
    assert.equal(manifest.seed, 9);
    assert.equal(params.net.param, 'standard');
    assert.deepEqual(Array.from(params.theta), Array.from(p0.theta));
  });
});

describe('ntk predict', () => {
  const files = () => {
    const d = join(dir, 'cli');
    spawnSync('mkdir', ['-p', d]);
    writeMatrixNpy(join(d, 'K.nngp.npy'), K);
    writeMatrixNpy(join(d, 'K.ntk.npy'), T);
    writeMatrixNpy(join(d, 'Ks.nngp.npy'), Ks);
    writeMatrixNpy(join(d, 'Ks.ntk.npy'), Ts);
    writeMatrixNpy(join(d, 'Kss.npy'), Kss);
    writeMatrixNpy(join(d, 'X.npy'), X);
    writeMatrixNpy(join(d, 'Xs.npy'), Xs);
    writeNpy(join(d, 'y.npy'), y1.data, [n]);
    writeNpy(join(d, 'ys.npy'), new Rng(5).normals(m), [m]);
    return d;
  };
  test('predictions from kernel files equal the numpy solve on the same kernels to 1e-8; summary.json', () => {
    const d = files();
    const ref = reference('cli-ref', y1, []);
    const out = join(d, 'out');
    const r = ntk(
      ...['--train', `npy:x=${join(d, 'X.npy')}:y=${join(d, 'y.npy')}:task=regression`],
      ...['--test', `npy:x=${join(d, 'Xs.npy')}:y=${join(d, 'ys.npy')}:task=regression`],
      ...['--ktrain', join(d, 'K.npy'), '--ktest', join(d, 'Ks.npy'), '--ktest-test', join(d, 'Kss.npy')],
      ...['--time', '0.5,5,inf', '--lr', String(ETA), '--normalization', 'mean', '--ridge', String(RIDGE)],
      ...['--out', out],
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /n = 30 train, m = 10 test, 1 output, regression/);
    assert.ok(
      relErr(readMatrixNpy(join(out, 'nngp.mean.npy')).data, readMatrixNpy(join(ref, 'ref.nngp.mean.npy')).data) < 1e-8,
    );
    assert.ok(
      relErr(readMatrixNpy(join(out, 'nngp.cov.npy')).data, readMatrixNpy(join(ref, 'ref.nngp.cov.npy')).data) < 1e-8,
    );
    const mean = readNpy(join(out, 'ntk.mean.npy'));
    assert.deepEqual(mean.shape, [3, m, 1]);
    assert.ok(relErr(mean.data as Float64Array, readNpy(join(ref, 'ref.ntk.mean.npy')).data as Float64Array) < 1e-8);
    assert.ok(
      relErr(
        readNpy(join(out, 'ntk.cov.npy')).data as Float64Array,
        readNpy(join(ref, 'ref.ntk.cov.npy')).data as Float64Array,
      ) < 1e-8,
    );
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.deepEqual(s.times, ['0.5', '5', 'inf']);
    assert.equal(s.kernels, 'files');
    assert.equal(s.metrics.ntk.length, 3);
    assert.ok(s.residual.nngp >= 0 && s.residual.nngp < 1e-10, `nngp residual ${s.residual.nngp}`);
    assert.ok(s.residual.ntk >= 0 && s.residual.ntk < 1e-10, `ntk residual ${s.residual.ntk}`);
    // test MSE against the .npy targets, recomputed here
    const ys = readNpy(join(d, 'ys.npy')).data as Float64Array;
    const f = readMatrixNpy(join(out, 'nngp.mean.npy')).data;
    let sse = 0;
    for (let i = 0; i < m; i++) sse += (f[i] - ys[i]) ** 2;
    assert.ok(Math.abs(s.metrics.nngp.mse - sse / m) < 1e-12 * (sse / m));
  });

  test('classification from data specs: accuracy overall and per class, --ridge auto prints its curve', () => {
    const out = join(dir, 'cls');
    const r = ntk(
      ...['--arch', 'dense(16),relu,dense(1)', '--train', 'gaussian:n=40:d=5:k=3:seed=1:labels=centered'],
      ...['--test', 'gaussian:n=20:d=5:k=3:seed=2:labels=centered', '--ridge', 'auto', '--cov', 'none'],
      ...['--out', out, '--kernels', join(dir, 'cache')],
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /3 classes \(centered\)/);
    assert.match(r.stdout, /leave-one-out curve \(nngp\):[\s\S]*← chosen[\s\S]*leave-one-out curve \(ntk\)/);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const pc = s.metrics.nngp.perClass as { n: number; accuracy: number }[];
    assert.equal(pc.length, 3);
    assert.equal(
      pc.reduce((a, c) => a + c.n, 0),
      20,
    );
    const overall = pc.reduce((a, c) => a + c.n * c.accuracy, 0) / 20;
    assert.ok(Math.abs(overall - s.metrics.nngp.accuracy) < 1e-12);
    assert.equal(s.leaveOneOut.nngp.points.length, 18);
    assert.equal(s.ridge.nngp, s.leaveOneOut.nngp.best);
    assert.ok(!existsSync(join(out, 'nngp.cov.npy')));
    // a second run reads the kernel cache
    const r2 = ntk(
      ...['--arch', 'dense(16),relu,dense(1)', '--train', 'gaussian:n=40:d=5:k=3:seed=1:labels=centered'],
      ...['--test', 'gaussian:n=20:d=5:k=3:seed=2:labels=centered', '--ridge', 'auto', '--cov', 'none'],
      ...['--out', out, '--kernels', join(dir, 'cache')],
    );
    assert.equal(r2.status, 0, r2.stderr);
    const s2 = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.match(s2.kernels, /^cache /);
    assert.deepEqual(s2.metrics, s.metrics);
  });

  test(
    '--params (ntk empirical --params-out): linearized network predictions equal PyTorch jacrev + numpy to 1e-8',
    {
      skip: hasTorch ? false : '/usr/bin/python3 has no torch/functorch',
    },
    () => {
      const d = join(dir, 'lin');
      spawnSync('mkdir', ['-p', d]);
      const arch = 'dense(16,bstd=0.2),relu,dense(12),erf,dense(3)';
      writeMatrixNpy(join(d, 'X.npy'), X);
      writeMatrixNpy(join(d, 'Xs.npy'), Xs);
      const labels = (k: number, seed: number) =>
        Float64Array.from(new Rng(seed).normals(k), (v) => (v < -0.4 ? 0 : v < 0.4 ? 1 : 2));
      writeNpy(join(d, 'l.npy'), labels(n, 6), [n]);
      writeNpy(join(d, 'ls.npy'), labels(m, 7), [m]);
      const e = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli/main.ts',
          'empirical',
          '--arch',
          arch,
          '--x',
          join(d, 'X.npy'),
          '--params-out',
          join(d, 'P'),
          '--seed',
          '3',
          '--out',
          join(d, 'E.npy'),
        ],
        { encoding: 'utf8' },
      );
      assert.equal(e.status, 0, e.stderr);
      const out = join(d, 'out');
      const r = ntk(
        ...['--arch', arch, '--get', 'ntk', '--params', join(d, 'P'), '--time', '1,10,inf', '--lr', '0.5'],
        ...['--normalization', 'mean', '--cov', 'none', '--ridge', '1e-6', '--out', out],
        ...['--train', `npy:x=${join(d, 'X.npy')}:y=${join(d, 'l.npy')}:task=classification:labels=onehot`],
        ...['--test', `npy:x=${join(d, 'Xs.npy')}:y=${join(d, 'ls.npy')}:task=classification:labels=onehot`],
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /lin t = 10 /);
      const py = spawnSync(
        '/usr/bin/python3',
        [
          'test/predict/linearized_ref.py',
          join(d, 'P'),
          join(d, 'X.npy'),
          join(d, 'Xs.npy'),
          join(d, 'l.npy'),
          String(0.5 / n),
          '1,10,inf',
          join(d, 'ref.npy'),
        ],
        { encoding: 'utf8' },
      );
      assert.equal(py.status, 0, py.stderr);
      const got = readNpy(join(out, 'lin.mean.npy'));
      assert.deepEqual(got.shape, [3, m, 3]);
      const e8 = relErr(got.data as Float64Array, readNpy(join(d, 'ref.npy')).data as Float64Array);
      assert.ok(e8 < 1e-8, `relative error ${e8}`);
      const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      assert.equal(s.metrics.lin.length, 3);
      assert.equal(s.params.seed, 3);
    },
  );

  test("--solver ooc (tiles on disk) gives the dense path's NNGP predictions at t = ∞ (same absolute ridge)", () => {
    const common = ['--arch', ARCH, '--train', 'gaussian:n=40:d=3:k=2', '--test', 'gaussian:n=12:d=3:k=2:seed=5'];
    const dense = join(dir, 'ooc-dense');
    const ooc = join(dir, 'ooc-out');
    let r = ntk(...common, '--get', 'nngp', '--ridge', '1e-3', '--cov', 'none', '--out', dense);
    assert.equal(r.status, 0, r.stderr);
    r = ntk(
      ...common,
      '--get',
      'nngp',
      '--ridge',
      '1e-3',
      '--solver',
      'ooc',
      '--kernels',
      join(dir, 'ooc-k'),
      '--out',
      ooc,
    );
    assert.equal(r.status, 0, r.stderr);
    const a = readMatrixNpy(join(dense, 'nngp.mean.npy')).data;
    const b = readMatrixNpy(join(ooc, 'predictions.npy')).data;
    assert.equal(a.length, b.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++)
      worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1e-300, Math.abs(a[i])));
    assert.ok(worst < 1e-9, `worst relative difference ${worst}`);
  });

  test('bad input: exit 2, typed messages, nothing written', () => {
    const d = files();
    const out = join(dir, 'never');
    const base = ['--arch', 'dense(8),relu,dense(1)', '--out', out];
    const cases: [string[], RegExp][] = [
      [['--train', 'gaussian:n=10:d=3', '--test', 'gaussian:n=5:d=4'], /--test.*3 features.*has 4/],
      [['--train', 'gaussian:n=10:d=3:k=2', '--test', 'gaussian:n=5:d=3:k=3'], /--test.*among the training classes/],
      [['--train', 'gaussian:n=10:d=3', '--test', 'gaussian:n=5:d=3', '--time', '1,-2'], /--time.*≥ 0.*'-2'/],
      [
        ['--train', 'gaussian:n=10:d=3', '--test', 'gaussian:n=5:d=3', '--solver', 'ooc'],
        /--kernels.*required with --solver ooc/,
      ],
      [['--train', 'gaussian:n=10:d=3', '--test', 'gaussian:n=5:d=3', '--ridge', '-1'], /--ridge/],
    ];
    for (const [args, re] of cases) {
      const r = ntk(...base, ...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
    // beyond memory: refused before any kernel, pointing at the out-of-core solver
    const big = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'predict',
        ...base,
        '--train',
        'gaussian:n=30:d=3',
        '--test',
        'gaussian:n=5:d=3',
      ],
      { encoding: 'utf8', env: { ...process.env, NTK_MEMORY_LIMIT: '10000' } },
    );
    assert.equal(big.status, 2, big.stderr);
    assert.match(big.stderr, /--train: n = 30, m = 5 \(--solver dense\) needs .*--solver ooc/);
    // NaN in a kernel file, named with its entry
    const nan = K.clone();
    nan.data[n + 2] = Number.NaN;
    writeMatrixNpy(join(d, 'Knan.nngp.npy'), nan);
    const specs = [
      ...['--train', `npy:x=${join(d, 'X.npy')}:y=${join(d, 'y.npy')}:task=regression`],
      ...['--test', `npy:x=${join(d, 'Xs.npy')}:y=${join(d, 'ys.npy')}:task=regression`],
    ];
    const rn = ntk(
      ...specs,
      '--get',
      'nngp',
      '--ktrain',
      join(d, 'Knan.nngp.npy'),
      '--ktest',
      join(d, 'Ks.nngp.npy'),
      '--cov',
      'none',
      '--out',
      out,
    );
    assert.equal(rn.status, 2, rn.stderr);
    assert.match(rn.stderr, /--ktrain.*non-finite entry NaN at \(row 1, col 2\)/);
    // a singular kernel without a ridge: says so and suggests --ridge
    const v = new Rng(4).normals(n);
    const R = new Matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) R.data[i * n + j] = v[i] * v[j];
    writeMatrixNpy(join(d, 'R.npy'), R);
    const rs = ntk(
      ...specs,
      '--get',
      'nngp',
      '--ktrain',
      join(d, 'R.npy'),
      '--ktest',
      join(d, 'Ks.nngp.npy'),
      '--cov',
      'none',
      '--out',
      out,
    );
    assert.equal(rs.status, 2, rs.stderr);
    assert.match(rs.stderr, /singular.*--ridge ρ/);
    assert.ok(!existsSync(out), 'no output folder');
  });
});
