import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readNpy } from '../../src/io/npy.js';
import { python, tempDir } from '../io/helpers.js';

const dir = tempDir('ntk-cli-data-');

function ntk(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
}

describe('ntk data', () => {
  it('describe prints n, d, class balance, norms and ρ, and exports X and y as .npy numpy reads', () => {
    const x = join(dir, 'X.npy');
    const y = join(dir, 'y.npy');
    const r = ntk('data', 'describe', 'iris:normalize=sphere', '--export-x', x, '--export-y', y);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /n {9}150/);
    assert.match(r.stdout, /setosa +50 +33\.33%/);
    assert.match(r.stdout, /‖x‖ +min 1(\.00000)? +mean 1(\.00000)? +max 1/);
    const rho = Number(/ρ +([0-9.]+)/.exec(r.stdout)?.[1]);
    const out = python(`
import numpy as np
X = np.load(${JSON.stringify(x)}); y = np.load(${JSON.stringify(y)})
G = np.abs(X @ X.T); np.fill_diagonal(G, -1)
print(X.shape[0], X.shape[1], str(y.dtype), np.bincount(y).tolist() == [50, 50, 50], G.max())
`)
      .trim()
      .split(' ');
    assert.deepEqual(out.slice(0, 4), ['150', '4', 'int32', 'True']);
    assert.ok(Math.abs(rho - Number(out[4])) < 1e-5);
    assert.equal(readNpy(x).dtype, 'float64');
  });

  it('describe --json gives the summary object', () => {
    const r = ntk('data', 'describe', 'sphere:n=50:d=3:seed=2', '--json');
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { n: number; d: number; task: string; coherence: { rho: number } };
    assert.deepEqual([s.n, s.d, s.task], [50, 3, 'regression']);
    assert.ok(s.coherence.rho > 0.9 && s.coherence.rho <= 1);
  });

  it('exits 2 with a message listing valid names for an unknown dataset, and writes nothing', () => {
    const x = join(dir, 'never.npy');
    const r = ntk('data', 'describe', 'imagenet:n=5', '--export-x', x);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /one of mnist, fashion-mnist, cifar10/);
    assert.equal(existsSync(x), false);
    const l = ntk('data', 'list');
    assert.equal(l.status, 0);
    assert.match(l.stdout, /^teacher +sphere of radius/m);
  });
});
