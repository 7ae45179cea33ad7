/**
 * `ntk predict --solver ooc` in-process (the command's run; src/cli/predictDist.ts → predictOoc): its outputs, the
 * summary's metrics against an independent count from predictions.npy and the test labels, and bad input as typed
 * errors before any work. The solver itself (against numpy, resume after kill -9) is test/predict/outOfCore.test.ts;
 * the equality with the dense path's predictions is in test/predict/predict.test.ts.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { predict } from '../../src/cli/predict.js';
import { loadDataset } from '../../src/data/index.js';
import { ConfigError } from '../../src/errors.js';
import { readMatrixNpy } from '../../src/io/npy.js';
import { tempDir } from '../io/helpers.js';

const ARCH = 'dense(1,wvar=2,bvar=0.1),relu,dense(1,wvar=2,bvar=0.1)';
const TEST = 'mnist:test:n=100:labels=centered';

test('predict --solver ooc: MNIST subset, outputs and summary', async () => {
  const d = tempDir('ntk-ooc-cli-');
  const args = ['--solver', 'ooc', '--get', 'nngp', '--arch', ARCH, '--train', 'mnist:train:n=300:labels=centered'];
  const code = await predict.run([
    ...args,
    '--test',
    TEST,
    '--ridge',
    '1e-6',
    '--kernels',
    join(d, 'k'),
    '--out',
    join(d, 'o'),
    '--tile',
    '128',
    '--workers',
    '0',
  ]);
  assert.equal(code, 0);
  const s = JSON.parse(readFileSync(join(d, 'o', 'summary.json'), 'utf8'));
  assert.equal(s.n, 300);
  assert.ok(s.accuracy > 0.6 && s.accuracy <= 1, `accuracy ${s.accuracy}`);
  assert.ok(s.residuals.at(-1) < 1e-12);
  const P = readMatrixNpy(join(d, 'o', 'predictions.npy'));
  assert.deepEqual([P.rows, P.cols], [100, 10]);
  assert.ok(existsSync(join(d, 'o', 'alpha.npy')));
  // the metrics, counted here from the predictions and the test labels (argmax of the 10 outputs)
  const t = loadDataset(TEST);
  const hit = new Array<number>(10).fill(0);
  const count = new Array<number>(10).fill(0);
  let sse = 0;
  for (let i = 0; i < P.rows; i++) {
    const row = Array.from(P.data.subarray(i * 10, i * 10 + 10));
    const best = row.indexOf(Math.max(...row));
    count[t.y[i]]++;
    if (best === t.y[i]) hit[t.y[i]]++;
    for (let c = 0; c < 10; c++) sse += (row[c] - t.targets.data[i * 10 + c]) ** 2;
  }
  assert.equal(s.accuracy, hit.reduce((a, b) => a + b, 0) / 100);
  assert.ok(Math.abs(s.mse - sse / 1000) <= 1e-12 * s.mse, `mse ${s.mse} vs ${sse / 1000}`);
  // per class: the dense path's layout, [{ class, n, accuracy }] in class order
  assert.equal(s.perClass.length, 10);
  s.perClass.forEach((p: { class: string; n: number; accuracy: number | null }, c: number) => {
    assert.equal(p.class, t.classes[c]);
    assert.equal(p.n, count[c]);
    assert.equal(p.accuracy, count[c] ? hit[c] / count[c] : null);
  });
});

test('predict --solver ooc: bad input is a typed error, before any work', async () => {
  const d = tempDir('ntk-ooc-cli-');
  const base = ['--solver', 'ooc', '--get', 'nngp', '--arch', ARCH, '--out', join(d, 'o'), '--kernels', join(d, 'k')];
  const sets = ['--train', 'mnist:train:n=50:classes=0,1', '--test', 'mnist:test:n=20:classes=0,1'];
  const rejects = (args: string[], re: RegExp) =>
    assert.rejects(predict.run(args), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  await rejects([...base, ...sets, '--get', 'both'], /--get.*nngp or ntk with --solver ooc/);
  await rejects([...base.slice(0, -2), ...sets], /--kernels.*required with --solver ooc/);
  await rejects([...base, ...sets.slice(0, 2)], /--test.*required/);
  await rejects(['--ridge=-1', ...base, ...sets], /--ridge.*≥ 0/);
  await rejects(
    [...base, '--train', 'mnist:train:n=50:classes=0,1', '--test', 'mnist:test:n=20:classes=2,3'],
    /--test.*among the training classes/,
  );
  await rejects(
    [...base, '--train', 'mnist:train:n=50:classes=0,1', '--test', 'mnist:test:n=20:classes=0,1:labels=onehot'],
    /--test.*target column/,
  );
  assert.ok(!existsSync(join(d, 'k')) && !existsSync(join(d, 'o')), 'nothing written');
});
