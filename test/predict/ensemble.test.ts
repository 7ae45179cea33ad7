/**
 * `ntk predict --ensemble K` and src/predict/ensemble.ts against independent references:
 *   - the gap statistics on exact draws from a Gaussian N(μ, Σ) (Monte Carlo, this file's own Cholesky sampler): the
 *     χ² has mean dof, the mean gap has mean square 1/K, the variance ratio mean 1 and the stated spread;
 *   - wide networks trained by the command (one hidden layer, width 1024, K = 40) and their linearizations: χ² against
 *     the NTK-GP at the same time, recomputed here from the written .npy files, is consistent with sampling noise,
 *     while the same ensembles against the NTK-GP at the other time are rejected (the test can fail);
 *   - the paired finite-width error shrinks with width (32 → 1024);
 *   - bad input exits 2 before any file is written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { npyToFloat64, readNpy } from '../../src/io/npy.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { eigh } from '../../src/linalg/ops.js';
import { ntkGpPosterior } from '../../src/analysis/predictions.js';
import { type Ensemble, type EnsembleAtStep, ensembleGap } from '../../src/predict/ensemble.js';
import { ensembleMoments } from '../../src/train/sweep.js';
import { Rng } from '../../src/util/random.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-ensemble-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ntk = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'predict', ...args], { encoding: 'utf8' });

/** χ² of K·(mean − μ) in Σ's eigen-directions with λ > 1e-3·λ_max (this file's own formula). */
function chi2(mean: Float64Array, mu: Float64Array, cov: Matrix, K: number): { chi: number; dof: number } {
  const m = cov.rows;
  const e = eigh(cov);
  let chi = 0;
  let dof = 0;
  for (let r = 0; r < m; r++) {
    if (!(e.values[r] > 1e-3 * e.values[m - 1])) continue;
    let p = 0;
    for (let i = 0; i < m; i++) p += e.vectors.get(i, r) * (mean[i] - mu[i]);
    chi += (K * p * p) / e.values[r];
    dof++;
  }
  return { chi, dof };
}

const read = (p: string) => {
  const a = readNpy(p);
  return { shape: a.shape, data: npyToFloat64(a) };
};

describe('ensembleGap statistics on exact Gaussian draws', () => {
  test('χ², mean gap and variance ratio have the stated null distribution', () => {
    const m = 6;
    const K = 20;
    const reps = 60;
    // Σ: an NNGP kernel on random points (smooth, correlated), μ arbitrary
    const X = new Matrix(m, 3, new Rng(5).normals(m * 3));
    const S = new Matrix(m, m);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        let d = 0;
        for (let c = 0; c < 3; c++) d += (X.get(i, c) - X.get(j, c)) ** 2;
        S.set(i, j, Math.exp(-d / 4) + (i === j ? 0.05 : 0));
      }
    const mu = new Float64Array(m).map((_, i) => Math.sin(i));
    // Cholesky by hand (independent of src/linalg's)
    const L = new Float64Array(m * m);
    for (let j = 0; j < m; j++) {
      let s = S.get(j, j);
      for (let k = 0; k < j; k++) s -= L[j * m + k] ** 2;
      L[j * m + j] = Math.sqrt(s);
      for (let i = j + 1; i < m; i++) {
        let t = S.get(i, j);
        for (let k = 0; k < j; k++) t -= L[i * m + k] * L[j * m + k];
        L[i * m + j] = t / L[j * m + j];
      }
    }
    const rng = new Rng(11);
    let chiSum = 0;
    let gap2 = 0;
    const ratios: number[] = [];
    let spread = 0;
    let dof = 0;
    for (let r = 0; r < reps; r++) {
      const outs = Array.from({ length: K }, () => {
        const z = rng.normals(m);
        const f = new Float64Array(m);
        for (let i = 0; i < m; i++) {
          f[i] = mu[i];
          for (let k = 0; k <= i; k++) f[i] += L[i * m + k] * z[k];
        }
        return f;
      });
      const mom = ensembleMoments(outs, m, 1);
      const at: EnsembleAtStep = {
        step: 0,
        mean: mom.mean,
        covariance: mom.cov,
        outputs: outs,
        linOutputs: null,
        linMean: null,
        linCovariance: null,
      };
      const g = ensembleGap({} as Ensemble, at, { mean: new Matrix(m, 1, mu), covariance: S });
      // the library's χ² equals this file's formula
      const own = chi2(mom.mean.data, mu, S, K);
      assert.ok(Math.abs(own.chi - g.chi2.statistic) <= 1e-9 * own.chi);
      assert.equal(g.chi2.dof, own.dof);
      chiSum += g.chi2.statistic;
      gap2 += g.meanGap ** 2;
      ratios.push(g.varianceRatio);
      spread = g.varianceRatioSpread;
      dof = g.chi2.dof;
      assert.equal(g.meanNoise, 1 / Math.sqrt(K));
    }
    assert.equal(dof, m);
    // E χ² = dof (sd of the average √(2 dof / reps))
    assert.ok(Math.abs(chiSum / reps - dof) < 4 * Math.sqrt((2 * dof) / reps), `mean χ² ${chiSum / reps}`);
    // E gap² = 1/K
    assert.ok(Math.abs((gap2 / reps) * K - 1) < 0.35, `mean gap² · K = ${(gap2 / reps) * K}`);
    const mr = ratios.reduce((a, b) => a + b, 0) / reps;
    const sr = Math.sqrt(ratios.reduce((a, b) => a + (b - mr) ** 2, 0) / (reps - 1));
    assert.ok(Math.abs(mr - 1) < 4 * (spread / Math.sqrt(reps)), `mean variance ratio ${mr}`);
    assert.ok(sr / spread > 0.7 && sr / spread < 1.3, `spread ${sr} vs stated ${spread}`);
  });
});

describe('ntk predict --ensemble', () => {
  const train = 'sphere:n=6:d=3:seed=1';
  const testSpec = 'sphere:n=5:d=3:seed=2';
  const common = ['--train', train, '--test', testSpec, '--get', 'ntk', '--lr', '1', '--normalization', 'mean'];
  const run = (width: number, K: number, out: string) => {
    const r = ntk(
      '--arch',
      `dense(${width}),relu,dense(1)`,
      ...common,
      '--time',
      '15,60',
      '--ensemble',
      String(K),
      '--seed',
      '3',
      '--decompose',
      '--quiet',
      '--out',
      out,
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const wide = join(dir, 'wide');
  const narrow = join(dir, 'narrow');

  test('wide networks and their linearizations are NTK-GP draws up to sampling noise; the wrong time is rejected', () => {
    const K = 40;
    const stdout = run(1024, K, wide);
    assert.match(stdout, /ensemble t = 15/);
    assert.match(stdout, /vs NTK-GP: mean gap .* χ² .* variance ratio/);
    const s = JSON.parse(readFileSync(join(wide, 'summary.json'), 'utf8'));
    assert.equal(s.ensemble.members, K);
    assert.deepEqual(s.ensemble.seeds, [3, 42]);
    const gp = read(join(wide, 'ntk.mean.npy'));
    const gpCov = read(join(wide, 'ntk.cov.npy'));
    const ens = read(join(wide, 'ensemble.mean.npy'));
    const ensCov = read(join(wide, 'ensemble.cov.npy'));
    const lin = read(join(wide, 'ensemble.lin.mean.npy'));
    assert.deepEqual(ens.shape, [2, 5, 1]);
    assert.deepEqual(ensCov.shape, [2, 5, 5]);
    const m = 5;
    const slice = (a: Float64Array, t: number, size: number) => a.subarray(t * size, (t + 1) * size);
    for (let t = 0; t < 2; t++) {
      const cov = new Matrix(m, m, slice(gpCov.data, t, m * m).slice());
      for (const [name, mean] of [
        ['network', ens],
        ['linearized', lin],
      ] as const) {
        const own = chi2(slice(mean.data, t, m), slice(gp.data, t, m), cov, K);
        const z = (own.chi - own.dof) / Math.sqrt(2 * own.dof);
        assert.ok(z < 3.5, `${name} t = ${t}: χ² ${own.chi} / ${own.dof}`);
        if (name === 'network') {
          assert.ok(Math.abs(s.ensemble.gaps[t].chi2.statistic - own.chi) <= 1e-9 * own.chi);
          // the paired finite-width error is far below the sampling noise
          assert.ok(s.ensemble.gaps[t].decomposition.finite.rms < 0.3 / Math.sqrt(K));
        }
        // the same ensemble against the NTK-GP at the other time: far outside the noise
        const wrong = chi2(slice(mean.data, t, m), slice(gp.data, 1 - t, m), cov, K);
        assert.ok((wrong.chi - wrong.dof) / Math.sqrt(2 * wrong.dof) > 8, `${name} wrong time: χ² ${wrong.chi}`);
      }
      // the ensemble covariance: symmetric, PSD, its trace within 4 spreads of the GP's
      const C = new Matrix(m, m, slice(ensCov.data, t, m * m).slice());
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) assert.equal(C.get(i, j), C.get(j, i));
      assert.ok(eigh(C).values[0] > -1e-12);
      const g = s.ensemble.gaps[t];
      assert.ok(Math.abs(g.varianceRatio - 1) < 4 * g.varianceRatioSpread, `variance ratio ${g.varianceRatio}`);
    }
  });

  test('the NTK-GP the command compares with is the analytic one at flow time t = k steps (a = η/n)', async () => {
    // independent of the command: kernels and the posterior from the library at a = 1/6, t = 15 and 60
    const { loadDataset } = await import('../../src/data/index.js');
    const tr = loadDataset(train);
    const te = loadDataset(testSpec);
    const kf = kernelFn('dense(1024),relu,dense(1)', { inputShape: [3] });
    const a = await kf(tr.X, null, 'both');
    const b = await kf(te.X, tr.X, 'both');
    const c = await kf(te.X, null, 'nngp');
    const gp = read(join(wide, 'ntk.mean.npy'));
    [15, 60].forEach((t, i) => {
      const p = ntkGpPosterior({
        ntk: eigh(a.ntk),
        ntkTestTrain: b.ntk,
        nngpTrainTrain: a.nngp,
        nngpTestTrain: b.nngp,
        nngpTestTest: c,
        yTrain: tr.targets,
        time: t,
        eta: 1 / 6,
      });
      for (let j = 0; j < 5; j++) assert.ok(Math.abs(p.mean.data[j] - gp.data[i * 5 + j]) < 1e-10);
    });
  });

  test('the paired finite-width error shrinks with width', () => {
    run(32, 40, narrow);
    const sw = JSON.parse(readFileSync(join(wide, 'summary.json'), 'utf8'));
    const sn = JSON.parse(readFileSync(join(narrow, 'summary.json'), 'utf8'));
    for (let t = 0; t < 2; t++) {
      const w = sw.ensemble.gaps[t].decomposition;
      const nn = sn.ensemble.gaps[t].decomposition;
      assert.ok(w.finite.rms < nn.finite.rms / 5, `t ${t}: ${w.finite.rms} vs ${nn.finite.rms}`);
      assert.ok(w.finite.noise < nn.finite.noise / 3, `t ${t}: ${w.finite.noise} vs ${nn.finite.noise}`);
    }
  });

  test('bad input: exit 2 before anything is written', () => {
    const out = join(dir, 'never');
    const base = ['--arch', 'dense(16),relu,dense(1)', ...common, '--out', out];
    const cases: [string[], RegExp][] = [
      [['--time', '10', '--ensemble', '1'], /--ensemble.*K ≥ 2.*'1'/],
      [['--time', '10,inf', '--ensemble', '4'], /--time.*integers with --ensemble/],
      [['--time', '10', '--ensemble', '4', '--ridge', '1e-3'], /--ridge.*0 with --ensemble/],
      [['--time', '10', '--seed', '3'], /--seed.*--ensemble/],
      [['--time', '10', '--ensemble', '4', '--lr', '1000'], /--lr.*below 2N\/λ_max/],
    ];
    for (const [args, re] of cases) {
      const r = ntk(...base, ...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.ok(!existsSync(out), `${args.join(' ')} wrote ${out}`);
    }
    const two = ntk('--arch', 'dense(16),relu,dense(2)', ...common, '--time', '10', '--ensemble', '4', '--out', out);
    assert.equal(two.status, 2, two.stderr);
    assert.match(two.stderr, /--arch.*1 output/);
    const files = ntk(
      ...common,
      '--ktrain',
      'K.npy',
      '--ktest',
      'Ks.npy',
      '--time',
      '10',
      '--ensemble',
      '4',
      '--out',
      out,
    );
    assert.equal(files.status, 2, files.stderr);
    assert.match(files.stderr, /--arch.*required with --ensemble/);
    assert.ok(!existsSync(out));
  });
});
