import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'ntk-train-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function ntk(args: string[]): { status: number | null; stderr: string } {
  const p = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'train', ...args], { encoding: 'utf8' });
  return { status: p.status, stderr: p.stderr };
}
const base = [
  '--arch',
  'dense(32),relu,dense(2)',
  '--data',
  'gaussian:n=12:d=5:k=2:seed=1',
  '--steps',
  '60',
  '--quiet',
];
const records = (out: string): Record<string, unknown>[] =>
  readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('ntk train', () => {
  it('writes config.json, metrics.jsonl, summary.json and a checkpoint; regularized CE reports the KLR fixed point', () => {
    const out = join(dir, 'ce');
    const r = ntk([
      ...base,
      '--test-data',
      'gaussian:n=6:d=5:k=2:seed=2',
      '--loss',
      'ce',
      '--reg',
      '0.1',
      '--lr',
      'frac:0.9',
      '--track',
      'every:20',
      '--out',
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    for (const f of ['config.json', 'metrics.jsonl', 'summary.json', 'checkpoint.bin'])
      assert.ok(existsSync(join(out, f)), f);
    const recs = records(out);
    assert.deepEqual(
      recs.map((x) => x.step),
      [0, 20, 40, 60],
    );
    assert.equal(typeof recs[3].ntkDrift, 'number');
    assert.equal(typeof recs[3].linGapTest, 'number');
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      status: string;
      reference: { kind: string; stationarity: number };
    };
    assert.equal(s.status, 'completed');
    assert.match(s.reference.kind, /kernel logistic regression/);
    assert.ok(s.reference.stationarity < 1e-8, `Newton stationarity ${s.reference.stationarity}`);
  });
  it('--params continues from --params-out: 30 + 30 steps give the bytes of 60 uninterrupted steps', () => {
    const run = (name: string, steps: string, extra: string[]) => {
      const r = ntk([
        '--arch',
        'dense(16),relu,dense(2)',
        '--data',
        'gaussian:n=12:d=5:k=2:seed=1:labels=onehot',
        '--loss',
        'mse',
        '--lr',
        '0.2',
        '--steps',
        steps,
        '--track',
        'every:10',
        '--trackers',
        'loss',
        '--no-linearized',
        '--quiet',
        '--params-out',
        join(dir, `p-${name}`),
        '--out',
        join(dir, `t-${name}`),
        ...extra,
      ]);
      assert.equal(r.status, 0, r.stderr);
      return join(dir, `p-${name}`);
    };
    const a = run('a', '30', []);
    const b = run('b', '30', ['--params', a]);
    const c = run('c', '60', []);
    const files = readdirSync(c).sort();
    assert.ok(files.includes('manifest.json') && files.length >= 3, files.join(' '));
    for (const f of files.filter((x) => x.endsWith('.npy')))
      assert.ok(readFileSync(join(b, f)).equals(readFileSync(join(c, f))), `${f}: 30 + 30 steps ≠ 60 steps`);
    assert.ok(!readFileSync(join(a, files[1])).equals(readFileSync(join(c, files[1]))), 'the first 30 steps moved θ');
    // the continued run's step-0 loss is the first run's last one, and its records are the 60-step run's from 30 on
    const [ra, rb, rc] = ['a', 'b', 'c'].map((x) => records(join(dir, `t-${x}`)));
    assert.equal(rb[0].loss, ra.at(-1)?.loss);
    assert.deepEqual(
      rb.map((x) => x.loss),
      rc.slice(3).map((x) => x.loss),
    );
    // a manifest of another network is refused before training (exit 2, naming the field)
    const bad = ntk([
      ...base,
      '--arch',
      'dense(8),relu,dense(2)',
      '--params',
      a,
      '--loss',
      'mse',
      '--lr',
      '0.1',
      '--out',
      join(dir, 't-bad'),
    ]);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /manifest\.json.*arch must be 'dense\(8\),relu,dense\(2\)'/);
    assert.ok(!existsSync(join(dir, 't-bad')), 'nothing written');
  });
  it('refuses soft-ce without smoothing and CE on regression data (exit 2), before training', () => {
    const a = ntk([...base, '--loss', 'soft-ce', '--lr', '0.1', '--out', join(dir, 'bad1')]);
    assert.equal(a.status, 2);
    assert.match(a.stderr, /--smoothing/);
    const b = ntk([
      ...base.slice(0, 2),
      '--data',
      'sphere:n=12:d=5:seed=1',
      '--steps',
      '5',
      '--loss',
      'ce',
      '--lr',
      '0.1',
      '--out',
      join(dir, 'bad2'),
    ]);
    assert.equal(b.status, 2);
    assert.match(b.stderr, /classification dataset/);
    assert.ok(!existsSync(join(dir, 'bad2', 'metrics.jsonl')));
    // targets the network contradicts (3 outputs, one target column): refused before the run folder exists
    const c = ntk([
      '--arch',
      'dense(16),relu,dense(3)',
      '--data',
      'sphere:n=20:d=3',
      '--loss',
      'mse',
      '--lr',
      '0.1',
      '--steps',
      '5',
      '--out',
      join(dir, 'bad3'),
    ]);
    assert.equal(c.status, 2, c.stderr);
    assert.match(c.stderr, /`Y` must be n × 3/);
    assert.ok(!existsSync(join(dir, 'bad3')), 'no run folder');
  });
  it('a diverging run exits 3 with the message and keeps its metrics', () => {
    const out = join(dir, 'div');
    const r = ntk([
      '--arch',
      'dense(32),relu,dense(1)',
      '--data',
      'gaussian:n=12:d=5:k=2:seed=1',
      '--steps',
      '2000',
      '--quiet',
      '--loss',
      'mse',
      '--lr',
      'frac:50',
      '--track',
      'every:1',
      '--trackers',
      'loss',
      '--out',
      out,
    ]);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /diverged at step/);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { status: string; step: number };
    assert.equal(s.status, 'diverged');
    assert.equal(records(out).length, s.step + 1);
  });
  it('maps test labels to the training classes by name: --test-data classes=1,0 against classes=0,1', () => {
    // issue #13: class index 0 is digit 1 in the test set and digit 0 in the training set; accuracy was ≈ 1 − acc
    const accuracyWith = (classes: string): number => {
      const out = join(dir, `order-${classes.replace(',', '')}`);
      const r = ntk([
        '--arch',
        'flatten,dense(64),relu,dense(1)',
        '--data',
        'mnist:train:n=60:classes=0,1:seed=1:normalize=sphere',
        '--test-data',
        `mnist:test:classes=${classes}:normalize=sphere`,
        '--loss',
        'mse',
        '--lr',
        'frac:0.1',
        '--steps',
        '30',
        '--track',
        '0,30',
        '--trackers',
        'loss,accuracy,test',
        '--no-linearized',
        '--quiet',
        '--out',
        out,
      ]);
      assert.equal(r.status, 0, r.stderr);
      return records(out).at(-1)?.testAccuracy as number;
    };
    const same = accuracyWith('0,1');
    assert.ok(same > 0.9, `0 vs 1 is easy: test accuracy ${same}`);
    assert.equal(accuracyWith('1,0'), same, 'the same test rows with their labels: the same accuracy');
    const bad = ntk([
      ...base,
      '--test-data',
      'iris:classes=setosa',
      '--loss',
      'mse',
      '--lr',
      '0.1',
      '--out',
      join(dir, 'bad3'),
    ]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--test-data: .*among the training classes/);
  });
});
