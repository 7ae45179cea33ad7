import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readMatrixNpy, writeMatrixNpy } from '../../src/io/npy.js';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { Rng } from '../../src/util/random.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-kernel-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ntk = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'kernel', ...args], { encoding: 'utf8' });

describe('ntk kernel', () => {
  const X = new Matrix(5, 3, new Rng(1).normals(15));
  const X2 = new Matrix(2, 3, new Rng(2).normals(6));
  const xPath = join(dir, 'x.npy');
  const x2Path = join(dir, 'x2.npy');
  writeMatrixNpy(xPath, X);
  writeMatrixNpy(x2Path, X2);
  test('writes the same NNGP as kernelFn, for x against x2', async () => {
    const out = join(dir, 'k.npy');
    const r = ntk(
      '--arch',
      'dense(8,bstd=0.2),erf,dense(1)',
      '--x',
      xPath,
      '--x2',
      x2Path,
      '--get',
      'nngp',
      '--out',
      out,
    );
    assert.equal(r.status, 0, r.stderr);
    const K = readMatrixNpy(out);
    const ref = await kernelFn('dense(8,bstd=0.2),erf,dense(1)')(X, X2, 'nngp');
    assert.deepEqual([K.rows, K.cols], [5, 2]);
    for (let i = 0; i < 10; i++) assert.ok(Math.abs(K.data[i] - ref.data[i]) < 1e-15);
  });
  test('--check-pd reports λ_min, the condition number and strict PD', () => {
    const r = ntk('--arch', 'dense(8),relu,dense(1)', '--x', xPath, '--check-pd');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /λ_min = [0-9.]+e[-+]\d+ .*condition = /);
    assert.match(r.stdout, /strictly positive definite on these 5 points/);
  });
  test('bad input exits 2 with a message naming the problem', () => {
    const r1 = ntk('--arch', 'dense(4),gap,dense(1)', '--x', xPath, '--out', join(dir, 'bad.npy'));
    assert.equal(r1.status, 2);
    assert.match(r1.stderr, /gap/);
    const r2 = ntk('--arch', 'dense(4),relu,dense(1)', '--x', xPath, '--param', 'mup', '--out', join(dir, 'bad.npy'));
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /--param/);
  });
});
