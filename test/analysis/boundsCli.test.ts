import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decomposeKernel, generalizationAlignmentBounds } from '../../src/analysis/index.js';
import { writeMatrixNpy } from '../../src/io/index.js';
import { Matrix } from '../../src/linalg/index.js';
import { Rng } from '../../src/util/random.js';
import { kernelWithSpectrum, randomOrthogonal } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-analyze-bounds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('ntk analyze --bounds', () => {
  it('adds the alignment bounds (equal to the library) and leaves the other sections unchanged', () => {
    const n = 30;
    const K = kernelWithSpectrum(
      randomOrthogonal(n, 61),
      Array.from({ length: n }, (_, j) => 1 / (j + 1) + 0.01),
    );
    const Y = new Matrix(n, 1, new Rng(62).normals(n));
    writeMatrixNpy(join(dir, 'K.npy'), K);
    writeMatrixNpy(join(dir, 'y.npy'), Y);
    const run = (...extra: string[]) => {
      const out = join(dir, `r${extra.length}.json`);
      const args = ['--kernel', join(dir, 'K.npy'), '--labels', join(dir, 'y.npy'), '--out', out, '--steps', '20'];
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'analyze', ...args, ...extra], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(readFileSync(out, 'utf8'));
    };
    const plain = run();
    const withB = run('--bounds', '4');
    assert.equal(plain.bounds, undefined);
    assert.deepEqual(withB.convergence, plain.convergence);
    assert.deepEqual(withB.generalization, plain.generalization);
    const ref = generalizationAlignmentBounds(decomposeKernel(K), Y, { bands: 4 });
    for (const k of ['exact', 'classical', 'alignment', 'piecewise', 'bandMass', 'banded', 'gammaOnly'] as const)
      assert.ok(Math.abs(withB.bounds.generalization[k] - ref[k]) < 1e-12 * ref[k], k);
    assert.ok(Math.abs(withB.bounds.generalization.exact - plain.generalization.value) < 1e-12);
    const c = withB.bounds.convergence;
    assert.equal(c.banded.length, 21);
    for (let k = 0; k <= 20; k++) {
      assert.ok(Math.abs(c.alignment[k] - plain.convergence.discrete.alignment[k]) < 1e-10, `k = ${k}`);
      assert.ok(c.banded[k] >= plain.convergence.discrete.exact[k] - 1e-12);
    }
    const bad = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'analyze',
        '--kernel',
        join(dir, 'K.npy'),
        '--out',
        join(dir, 'x.json'),
        '--bounds',
        '0',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--bounds/);
  });
});
