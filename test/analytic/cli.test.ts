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
  test('--get nngp,ntk writes both kernels of one pass, equal to two single runs', async () => {
    const out = join(dir, 'kb.npy');
    const arch = 'dense(8,bstd=0.2),relu,dense(8),erf,dense(1)';
    const r = ntk('--arch', arch, '--x', xPath, '--x2', x2Path, '--get', 'nngp,ntk', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /nngp 5×2 in .* \(both, one pass\) → .*kb\.nngp\.npy\nntk 5×2 → .*kb\.ntk\.npy/);
    const kfn = kernelFn(arch);
    for (const get of ['nngp', 'ntk'] as const) {
      const K = readMatrixNpy(join(dir, `kb.${get}.npy`));
      const ref = await kfn(X, X2, get);
      assert.deepEqual([K.rows, K.cols], [5, 2]);
      for (let i = 0; i < 10; i++) assert.equal(K.data[i], ref.data[i], `${get}[${i}]`);
    }
    const bad = ntk('--arch', arch, '--x', xPath, '--get', 'nngp,ntk', '--out', '-');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--out.*two arrays/);
    const bad2 = ntk('--arch', arch, '--x', xPath, '--get', 'nngp,nngp', '--out', out);
    assert.equal(bad2.status, 2);
    assert.match(bad2.stderr, /--get.*nngp,ntk/);
  });
  test('--data2 SPEC: the cross kernel between two dataset specs; feature counts must agree', async () => {
    const out = join(dir, 'kd.npy');
    const r = ntk(
      '--arch',
      'dense(8),relu,dense(1)',
      '--data',
      'gaussian:n=4:d=3:seed=1',
      '--data2',
      'gaussian:n=6:d=3:seed=2',
      '--get',
      'nngp',
      '--out',
      out,
    );
    assert.equal(r.status, 0, r.stderr);
    const { loadDataset } = await import('../../src/data/index.js');
    const ref = await kernelFn('dense(8),relu,dense(1)')(
      loadDataset('gaussian:n=4:d=3:seed=1').X,
      loadDataset('gaussian:n=6:d=3:seed=2').X,
      'nngp',
    );
    const K = readMatrixNpy(out);
    assert.deepEqual([K.rows, K.cols], [4, 6]);
    for (let i = 0; i < 24; i++) assert.equal(K.data[i], ref.data[i]);
    const bad = ntk(
      '--arch',
      'dense(8),relu,dense(1)',
      '--data',
      'gaussian:n=4:d=3',
      '--data2',
      'gaussian:n=4:d=5',
      '--out',
      out,
    );
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--data2.*3 features.*has 5/);
    const pd = ntk(
      '--arch',
      'dense(8),relu,dense(1)',
      '--data',
      'gaussian:n=4:d=3',
      '--data2',
      'gaussian:n=4:d=3',
      '--check-pd',
    );
    assert.equal(pd.status, 2);
    assert.match(pd.stderr, /--check-pd.*symmetric/);
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
