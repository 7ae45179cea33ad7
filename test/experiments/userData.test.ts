// Every preset takes the user's own data (`--set data=SPEC`, a config's `data:`), npy or CSV, in quick mode with
// tiny sizes — or refuses it before any work with a ConfigError naming the preset, the constraint and the spec.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { listPresets } from '../../src/experiments/index.js';
import { resolveExperiment, runExperiment } from '../../src/experiments/runner.js';
import { writeNpy } from '../../src/io/index.js';
import { Rng } from '../../src/util/random.js';
import { tempDir } from './helpers.js';

const dir = tempDir('ntk-userdata-');
const n = 40;
const rng = new Rng(11);
const X = rng.normals(n * 5);
const yBin = Array.from({ length: n }, (_, i) => (X[5 * i] + 0.3 * X[5 * i + 1] > 0 ? 1 : 0));
writeNpy(join(dir, 'X.npy'), X, [n, 5]);
writeNpy(join(dir, 'y.npy'), yBin, [n], 'int32');
writeNpy(
  join(dir, 'y3.npy'),
  Array.from({ length: n }, (_, i) => i % 3),
  [n],
  'int32',
);
writeNpy(
  join(dir, 'yr.npy'),
  Array.from({ length: n }, (_, i) => Math.sin(X[5 * i]) + 0.1 * X[5 * i + 2]),
  [n],
);
const csvRows = Array.from({ length: n }, (_, i) => `${X[5 * i]},${X[5 * i + 1]},${X[5 * i + 2]},${yBin[i]}`);
writeFileSync(join(dir, 'd.csv'), `a,b,c,label\n${csvRows.join('\n')}\n`);

const NPY = `npy:x=${join(dir, 'X.npy')}:y=${join(dir, 'y.npy')}`;
const NPY3 = `npy:x=${join(dir, 'X.npy')}:y=${join(dir, 'y3.npy')}`;
const REG = `npy:x=${join(dir, 'X.npy')}:y=${join(dir, 'yr.npy')}`;
const CSV = `csv:path=${join(dir, 'd.csv')}`;

/** Per preset: a user data spec it takes and the --set overrides that keep the run to a second or two. */
const RUNS: Record<string, { data: string; sets: string[] }> = {
  'spectrum-demo': { data: CSV, sets: ['sweep.n=[20,30]', 'sweep.seeds=[0]', 'params.fitTo=10', 'params.topK=5'] },
  'label-alignment': {
    data: NPY3,
    sets: ['params.models=["mlp","analytic-mlp"]', 'params.mlpArch="dense(32),relu,dense(1)"', 'params.topK=5'],
  },
  'convergence-bounds': {
    data: CSV,
    sets: ['params.models=[{"name":"MLP","arch":"dense(32),relu,dense(1)"}]', 'params.steps=10', 'params.seeds=[0]'],
  },
  'generalization-bound': {
    data: NPY,
    sets: [
      'params.n=20',
      'params.nTest=20',
      'params.fractions=[0,1]',
      'params.seeds=[0]',
      'params.trainN=20',
      'params.trainSteps=50',
      'params.width=16',
    ],
  },
  'min-eigenvalue': { data: CSV, sets: ['params.ns=[10,20,200]', 'params.seeds=[0]'] },
  'ce-divergence': {
    data: NPY3,
    sets: ['params.widths=[16]', 'params.archs=["fcn"]', 'params.steps=20', 'params.points=4'],
  },
  'ce-lazy-regime': { data: CSV, sets: ['params.widths=[16]', 'params.steps=20', 'params.points=4'] },
  'ensemble-vs-gp': {
    data: REG,
    sets: ['params.widths=[16]', 'params.members=2', 'params.steps=10', 'params.n=10', 'params.nTest=10'],
  },
};

describe('presets on user data (--set data=SPEC)', () => {
  it('covers every preset', () => {
    assert.deepEqual(
      Object.keys(RUNS).sort(),
      listPresets()
        .map((p) => p.name)
        .sort(),
    );
  });

  for (const [preset, { data, sets }] of Object.entries(RUNS)) {
    it(`${preset} runs quick on ${data.split(':')[0]} data and says so in the report`, async () => {
      const out = join(dir, preset);
      const s = await runExperiment(preset, {
        quick: true,
        outDir: out,
        sets: [`data=${data}`, ...sets],
        stderr: () => {},
      });
      assert.equal(s.status, 'complete');
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      const text = html.replace(/<[^>]+>/g, '').replace(/&#39;/g, "'");
      assert.match(text, /Data: the user's data set/, 'the report says which data were used');
      const paper = text.slice(text.indexOf('Paper versus here'));
      assert.match(paper, /not the paper's \(/, 'the paper-vs-here block says the data differ from the paper’s');
      const report = readFileSync(join(out, 'report.json'), 'utf8');
      assert.ok(!/NaN/.test(report.replace(/"NaN"/g, '')), 'no NaN in the report');
      assert.ok(report.includes(data.includes('csv:') ? 'd.csv' : 'X.npy'), 'the spec is recorded');
    });
  }

  it('caps n by the preset size: min-eigenvalue keeps the sweep sizes the 40 rows have', () => {
    const units = JSON.parse(readFileSync(join(dir, 'min-eigenvalue', 'results', 'units.json'), 'utf8')) as {
      units: { n: number; d: number }[];
    };
    assert.deepEqual(
      [...new Set(units.units.map((u) => u.n))].sort((a, b) => a - b),
      [10, 20],
    );
    assert.deepEqual([...new Set(units.units.map((u) => u.d))], [3]);
    // the quick setting line says what ran: n up to 20 of the data's 40 rows (the full run's sweep, capped: n = 40)
    const report = readFileSync(join(dir, 'min-eigenvalue', 'report.json'), 'utf8');
    assert.match(report, /the user's data, a subsample of n rows per seed\), n ∈ \{10, 20\}, d ∈ \{3\}/);
    assert.match(report, /n up to 20 vs 40 in this preset’s full run/);
    assert.ok(
      !report.includes('n up to 200') && !report.includes('points uniform on S^{d−1}'),
      'no sphere sizes in the line',
    );
  });

  it("a config's data: is the same (one spec, or a list of one), checked when the config resolves", () => {
    for (const data of [REG, [REG]]) {
      const exp = resolveExperiment({ preset: 'ensemble-vs-gp', data }, { quick: true });
      assert.deepEqual(exp.bound.config.data, [REG]);
    }
    assert.throws(
      () => resolveExperiment({ preset: 'ensemble-vs-gp', data: [REG, NPY] }),
      (e: unknown) => e instanceof ConfigError && /takes one data spec; got 2/.test(e.message),
    );
    assert.throws(
      () => resolveExperiment({ preset: 'ensemble-vs-gp', data: NPY }),
      (e: unknown) => e instanceof ConfigError && e.path === 'data' && /needs regression data/.test(e.message),
    );
    // the key `user` without user data is refused with the config; the defaults are the paper's data sets only
    const userKeys: [string, Record<string, string[]>][] = [
      ['generalization-bound', { trainDatasets: ['user'] }],
      ['ce-divergence', { datasets: ['user'] }],
      ['ce-lazy-regime', { datasets: ['user'] }],
      ['label-alignment', { datasets: ['user'] }],
    ];
    for (const [preset, params] of userKeys)
      assert.throws(
        () => resolveExperiment({ preset, params }, { quick: true }),
        (e: unknown) => e instanceof ConfigError && /contains 'user' but no user data was given/.test(e.message),
        preset,
      );
    const gb = resolveExperiment('generalization-bound').json.params as { datasets: string[]; trainDatasets: string[] };
    assert.ok(!gb.datasets.includes('user') && !gb.trainDatasets.includes('user'));
  });

  const refusals: [string, string, string[], RegExp][] = [
    [
      'label-alignment',
      REG,
      [],
      /preset label-alignment needs classification data .*: classification data, not regression/,
    ],
    ['ensemble-vs-gp', NPY, [], /preset ensemble-vs-gp needs regression data .*: regression data, not classification/],
    [
      'convergence-bounds',
      NPY3,
      [],
      /preset convergence-bounds needs binary classification .*: at most 2 classes, not 3/,
    ],
    ['spectrum-demo', NPY3, [], /preset spectrum-demo needs binary classification .*: at most 2 classes, not 3/],
    ['label-alignment', NPY, [], /models cnn, analytic-cnn, transformer need image inputs .* flat rows of 5/],
    ['min-eigenvalue', `${CSV}:normalize=standardize`, [], /inputs on the unit sphere \(keep normalize=sphere\)/],
    [
      'ce-divergence',
      'npy:x=missing.npy:y=missing.npy',
      [],
      /preset ce-divergence needs data that load .*missing\.npy/,
    ],
    ['generalization-bound', `${NPY}:colour=red`, [], /parseDatasetSpec: .*got 'colour'/],
  ];
  for (const [preset, data, sets, re] of refusals) {
    it(`${preset} refuses ${data.replaceAll(dir, '…')} before any work (ConfigError naming data)`, async () => {
      const out = join(dir, `refused-${preset}-${refusals.findIndex((r) => r[1] === data)}`);
      await assert.rejects(
        runExperiment(preset, { quick: true, outDir: out, sets: [`data=${data}`, ...sets], stderr: () => {} }),
        (e: unknown) => e instanceof ConfigError && e.path === 'data' && re.test(e.message),
      );
      assert.ok(!existsSync(out), 'no run folder');
    });
  }
});
