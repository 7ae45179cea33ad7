import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
