import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeMatrixNpy, writeNpy } from '../../src/io/index.js';
import { Matrix } from '../../src/linalg/index.js';
import { Rng } from '../../src/util/random.js';
import { kernelWithSpectrum, randomOrthogonal } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-analyze-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function ntk(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'analyze', ...args], {
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ntk analyze', () => {
  const n = 40;
  const Q = randomOrthogonal(n, 51);
  const lambda = Array.from({ length: n }, (_, j) => 2 / (j + 1));
  const K = kernelWithSpectrum(Q, lambda);
  const kPath = join(dir, 'K.npy');
  const yPath = join(dir, 'y.npy');
  writeMatrixNpy(kPath, K);
  writeMatrixNpy(yPath, new Matrix(n, 2, new Rng(52).normals(2 * n)));

  it('writes spectrum, alignment, convergence and generalization for a valid kernel', () => {
    const out = join(dir, 'r.json');
    const r = ntk('--kernel', kPath, '--labels', yPath, '--out', out, '--steps', '50', '--target-loss', '0.01');
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(res.n, n);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(res.spectrum.values[i] - lambda[i]) < 1e-12);
    assert.equal(res.alignment.projections.length, n);
    assert.equal(res.convergence.discrete.exact.length, 51);
    assert.ok(Math.abs(res.convergence.eta - 1 / lambda[0]) < 1e-15);
    assert.ok(res.generalization.value > 0);
    assert.ok(typeof res.kernelTargetAlignment.centered === 'number');
  });

  it('--labels y.npy and --data npy:…:y=y.npy encode integer and bool labels the same way (±1, one-hot)', () => {
    const X = join(dir, 'X.npy');
    writeMatrixNpy(X, new Matrix(n, 3, new Rng(53).normals(3 * n)));
    const cases: [string, number[], 'int32' | 'uint8' | 'bool', number][] = [
      ['bin', Array.from({ length: n }, (_, i) => (i * 7) % 2), 'int32', 1],
      ['bool', Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0)), 'bool', 1],
      ['three', Array.from({ length: n }, (_, i) => [4, 7, 9][(i * 5) % 3]), 'uint8', 3],
    ];
    for (const [name, y, dtype, outputs] of cases) {
      const yp = join(dir, `${name}.npy`);
      writeNpy(yp, y, [n], dtype === 'bool' ? 'uint8' : dtype);
      if (dtype === 'bool') {
        // numpy's bool dtype '|b1' has the header length of '|u1'
        const bytes = readFileSync(yp);
        writeFileSync(yp, Buffer.from(bytes.toString('latin1').replace("'|u1'", "'|b1'"), 'latin1'));
      }
      const a = join(dir, `${name}-labels.json`);
      const b = join(dir, `${name}-data.json`);
      const ra = ntk('--kernel', kPath, '--labels', yp, '--out', a, '--steps', '5');
      assert.equal(ra.code, 0, ra.stderr);
      const rb = ntk('--kernel', kPath, '--data', `npy:x=${X}:y=${yp}`, '--out', b, '--steps', '5');
      assert.equal(rb.code, 0, rb.stderr);
      // the results without the fields that name the inputs (command line, labels file, data spec) and the timings
      const strip = (f: string) => {
        const r = JSON.parse(readFileSync(f, 'utf8'));
        for (const k of ['command', 'labels', 'data', 'timings']) delete r[k];
        return r;
      };
      const A = strip(a);
      const B = strip(b);
      assert.equal(A.outputs, outputs, name);
      assert.deepEqual(A, B, name);
      // ‖Y‖_F² = n for ±1 and one-hot targets (0/1 or raw class values would give less or more)
      assert.ok(Math.abs(A.alignment.norm ** 2 - n) < 1e-9, `${name}: ‖Y‖² ${A.alignment.norm ** 2}`);
    }
  });

  it('warns that the dynamics diverge when η ≥ 2/λ_max, and still writes results', () => {
    const r = ntk('--kernel', kPath, '--labels', yPath, '--out', join(dir, 'd.json'), '--eta', '1.5');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: eta = 1\.5 ≥ 2N\/λ_max = 1\.0+ .*diverge/);
  });

  it('rejects a non-symmetric kernel (exit 2, names the asymmetry)', () => {
    const A = K.clone();
    A.data[1] += 0.1;
    const p = join(dir, 'A.npy');
    writeMatrixNpy(p, A);
    const r = ntk('--kernel', p, '--out', join(dir, 'x.json'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /`K` must be symmetric.*asymmetry/);
  });

  it('rejects a non-finite kernel (exit 2, names the entry)', () => {
    const A = K.clone();
    A.data[3 * n + 5] = Number.POSITIVE_INFINITY;
    const p = join(dir, 'inf.npy');
    writeMatrixNpy(p, A);
    const r = ntk('--kernel', p, '--out', join(dir, 'x.json'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /finite.*K\[3, 5\] = Infinity/);
  });

  it('rejects labels whose count differs from the kernel size before decomposing (exit 2)', () => {
    const p = join(dir, 'y39.npy');
    writeMatrixNpy(p, new Matrix(n - 1, 1));
    const r = ntk('--kernel', kPath, '--labels', p, '--out', join(dir, 'x.json'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--labels: must have one row per kernel point: the kernel is 40×40 but .* has 39 rows/);
  });

  it('says a singular kernel makes the generalization quantity undefined and suggests --ridge', () => {
    const S = kernelWithSpectrum(
      Q,
      lambda.map((l, j) => (j >= n - 2 ? 0 : l)),
    );
    const p = join(dir, 'S.npy');
    writeMatrixNpy(p, S);
    const out = join(dir, 's.json');
    const r = ntk('--kernel', p, '--labels', yPath, '--out', out);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /singular.*--ridge/);
    assert.match(JSON.parse(readFileSync(out, 'utf8')).generalization.error, /singular/);
    const r2 = ntk('--kernel', p, '--labels', yPath, '--out', out, '--ridge', '1e-3');
    assert.equal(r2.code, 0);
    assert.ok(JSON.parse(readFileSync(out, 'utf8')).generalization.value > 0);
  });

  it('takes labels from a dataset spec (--data) and checks their count', () => {
    const out = join(dir, 'data.json');
    const r = ntk('--kernel', kPath, '--data', 'gaussian:n=40:d=8:seed=3', '--out', out, '--steps', '10');
    assert.equal(r.code, 0, r.stderr);
    const res = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(res.alignment.projections.length, n);
    const bad = ntk('--kernel', kPath, '--data', 'gaussian:n=30:d=8:seed=3', '--out', out);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--data: must have one row per kernel point.*30 rows/);
    assert.equal(ntk('--kernel', kPath, '--data', 'gaussian:n=40:d=8', '--labels', yPath, '--out', out).code, 2);
  });

  it('rejects bad option values (exit 2)', () => {
    const r = ntk('--kernel', kPath, '--out', join(dir, 'x.json'), '--normalization', 'avg');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--normalization: must be 'sum'/);
    assert.equal(ntk('--kernel', kPath, '--out', join(dir, 'x.json'), '--eta', '-1').code, 2);
  });
});
