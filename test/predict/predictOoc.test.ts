import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { predictOocCommand } from '../../src/cli/predictOoc.js';
import { ConfigError, InvalidArgumentError } from '../../src/errors.js';
import { readMatrixNpy } from '../../src/io/npy.js';
import { tempDir } from '../io/helpers.js';

const ARCH = 'dense(1,wvar=2,bvar=0.1),relu,dense(1,wvar=2,bvar=0.1)';

test('predict-ooc: MNIST subset, outputs and summary', async () => {
  const d = tempDir('ntk-ooc-cli-');
  const args = [
    '--arch',
    ARCH,
    '--train',
    'mnist:train:n=300:labels=centered',
    '--test',
    'mnist:test:n=100:labels=centered',
  ];
  const code = await predictOocCommand.run([
    ...args,
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
  assert.equal(Object.keys(s.perClassAccuracy).length, 10);
  assert.ok(s.residuals.at(-1) < 1e-12);
  const P = readMatrixNpy(join(d, 'o', 'predictions.npy'));
  assert.deepEqual([P.rows, P.cols], [100, 10]);
  assert.ok(existsSync(join(d, 'o', 'alpha.npy')));
});

test('predict-ooc: bad input is a typed error', async () => {
  const d = tempDir('ntk-ooc-cli-');
  const base = ['--arch', ARCH, '--kernels', join(d, 'k'), '--out', join(d, 'o'), '--ridge', '1e-6'];
  const sets = ['--train', 'mnist:train:n=50:classes=0,1', '--test', 'mnist:test:n=20:classes=0,1'];
  await assert.rejects(predictOocCommand.run([...base, ...sets, '--get', 'both']), ConfigError);
  await assert.rejects(predictOocCommand.run([...base.slice(0, -2), ...sets]), ConfigError);
  await assert.rejects(predictOocCommand.run([...base.slice(0, -2), '--ridge=-1', ...sets]), ConfigError);
  await assert.rejects(
    predictOocCommand.run([
      ...base,
      '--train',
      'mnist:train:n=50:classes=0,1',
      '--test',
      'mnist:test:n=20:classes=2,3',
    ]),
    InvalidArgumentError,
  );
});
