/** Eigenvalues against an independent implementation: Debian numpy's numpy.linalg.eigvalsh (LAPACK dsyevd). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { Matrix } from '../../src/linalg/matrix.js';
import { eigvalsh } from '../../src/linalg/ops.js';
import { type BackendName, setBackend } from '../../src/linalg/registry.js';

/** A fixed symmetric test matrix: a_ij = 1/(i+j+1) + cos(i·j)/(1+|i−j|) (Hilbert-like part + oscillating part). */
function fixedMatrix(n: number): Matrix {
  const A = new Matrix(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) A.data[i * n + j] = 1 / (i + j + 1) + Math.cos(i * j) / (1 + Math.abs(i - j));
  return A;
}

function numpyEigvalsh(A: Matrix): number[] {
  const script =
    'import sys, json, numpy as np\nd = json.load(sys.stdin)\nA = np.array(d["a"], dtype=np.float64).reshape(d["n"], d["n"])\nprint(json.dumps(np.linalg.eigvalsh(A).tolist()))';
  const r = spawnSync('/usr/bin/python3', ['-c', script], {
    input: JSON.stringify({ n: A.rows, a: Array.from(A.data) }),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as number[];
}

describe('eigenvalues match numpy.linalg.eigvalsh', () => {
  const A = fixedMatrix(60);
  const ref = numpyEigvalsh(A);
  const scale = Math.max(...ref.map(Math.abs));
  for (const name of ['native', 'portable'] as BackendName[]) {
    it(`on the ${name} backend, to 1e-13·‖A‖`, () => {
      setBackend(name);
      const w = eigvalsh(A);
      setBackend('native');
      assert.equal(w.length, ref.length);
      for (let i = 0; i < ref.length; i++)
        assert.ok(Math.abs(w[i] - ref[i]) < 1e-13 * scale, `λ${i}: ${w[i]} vs numpy ${ref[i]}`);
    });
  }
});
