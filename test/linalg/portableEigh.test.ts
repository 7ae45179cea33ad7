/**
 * The portable backend's eigensolver (blocked tridiagonalization, divide and conquer, compact-WY back-transformation)
 * on the matrices that break eigensolvers: graded, clustered and repeated spectra, Wilkinson and glued Wilkinson
 * matrices, identity, rank-1 + identity, zero, tiny sizes and sizes around the block sizes. Both kernel paths (the
 * WebAssembly SIMD kernels and the TypeScript fallback, NTK_PORTABLE_WASM=0) are checked against the invariants
 * (‖AV − VΛ‖/‖A‖ and ‖VᵀV − I‖ < 1e-12) and the eigenvalues against numpy.linalg.eigvalsh (LAPACK dsyevd).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { Matrix } from '../../src/linalg/matrix.js';
import { eigh, eigvalsh } from '../../src/linalg/ops.js';
import { setBackend } from '../../src/linalg/registry.js';
import { prepareWasmKernels, wasmKernelsAvailable } from '../../src/linalg/wasmKernels.js';
import { Rng } from '../../src/util/random.js';
import { PYTHON } from '../io/helpers.js';
import { eigResiduals, randomOrthogonal, randomSymmetric, withSpectrum } from './helpers.js';

function symmetric(n: number, f: (i: number, j: number) => number): Matrix {
  const A = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = f(i, j);
      A.data[i * n + j] = v;
      A.data[j * n + i] = v;
    }
  }
  return A;
}

/** Wilkinson's W_{2m+1}: diagonal |m − i|, off-diagonal 1 (eigenvalues in pairs agreeing to ~1e-15 at the top). */
function wilkinson(size: number): Matrix {
  const m = (size - 1) / 2;
  return symmetric(size, (i, j) => (i === j ? Math.abs(m - i) : i - j === 1 ? 1 : 0));
}

/** `copies` W21 blocks glued by `glue` on the off-diagonal between them. */
function gluedWilkinson(copies: number, glue: number): Matrix {
  const n = 21 * copies;
  return symmetric(n, (i, j) => (i === j ? Math.abs(10 - (i % 21)) : i - j === 1 ? (i % 21 === 0 ? glue : 1) : 0));
}

const rng = new Rng(2026);
const cases: [string, Matrix][] = [];
for (const n of [1, 2, 3, 4, 31, 32, 33, 63, 64, 65, 96, 97, 129, 200])
  cases.push([`random n=${n}`, randomSymmetric(rng, n)]);
cases.push([
  'graded 10^0…10^-12',
  withSpectrum(
    rng,
    Array.from({ length: 80 }, (_, i) => 10 ** (-(i * 12) / 79)),
  ),
]);
{
  // Graded entries: a_ij = g_i·g_j·r_ij with g_i = 10^(−i/8).
  const g = Array.from({ length: 70 }, (_, i) => 10 ** (-i / 8));
  const R = randomSymmetric(rng, 70);
  cases.push(['graded entries', symmetric(70, (i, j) => g[i] * g[j] * R.data[i * 70 + j])]);
}
cases.push([
  'clusters (1 ± 1e-10·k, 5 ± 1e-14·k)',
  withSpectrum(
    rng,
    Array.from({ length: 90 }, (_, i) => (i < 45 ? 1 + 1e-10 * i : 5 + 1e-14 * (i - 45))),
  ),
]);
cases.push([
  'repeated (three values)',
  withSpectrum(
    rng,
    Array.from({ length: 75 }, (_, i) => [-2, 0.5, 3][i % 3]),
  ),
]);
cases.push(['Wilkinson W21', wilkinson(21)]);
cases.push(['Wilkinson W101', wilkinson(101)]);
cases.push(['glued Wilkinson 6×W21, glue 1e-7', gluedWilkinson(6, 1e-7)]);
cases.push(['glued Wilkinson 5×W21, glue 1e-14', gluedWilkinson(5, 1e-14)]);
cases.push(['identity 50', Matrix.identity(50)]);
{
  const u = rng.normals(120);
  cases.push(['rank-1 + identity', symmetric(120, (i, j) => u[i] * u[j] + (i === j ? 1 : 0))]);
}
cases.push(['zero 40', Matrix.zeros(40, 40)]);
for (const f of [1e150, 1e-200]) {
  const B = randomSymmetric(rng, 45);
  cases.push([
    `random scaled by ${f}`,
    new Matrix(
      45,
      45,
      B.data.map((v) => v * f),
    ),
  ]);
}
{
  // A rotated tridiagonal with a zero coupling in the middle (the divide step meets an exact split).
  const Q = randomOrthogonal(rng, 66);
  const T = symmetric(66, (i, j) => (i === j ? Math.cos(i) : i - j === 1 ? (i === 33 ? 0 : 0.5) : 0));
  const QT = new Matrix(66, 66);
  for (let i = 0; i < 66; i++)
    for (let j = 0; j < 66; j++) {
      let s = 0;
      for (let k = 0; k < 66; k++) s += Q.data[i * 66 + k] * T.data[k * 66 + j];
      QT.data[i * 66 + j] = s;
    }
  cases.push([
    'rotated split tridiagonal',
    symmetric(66, (i, j) => {
      let s = 0;
      for (let k = 0; k < 66; k++) s += QT.data[i * 66 + k] * Q.data[j * 66 + k];
      return s;
    }),
  ]);
}

/** numpy.linalg.eigvalsh of every case, one Python process (the matrices on stdin). */
const reference = ((): number[][] => {
  const script =
    'import sys, json, numpy as np\nd = json.load(sys.stdin)\n' +
    'print(json.dumps([np.linalg.eigvalsh(np.array(c["a"], dtype=np.float64).reshape(c["n"], c["n"])).tolist() for c in d]))';
  const r = spawnSync(PYTHON, ['-c', script], {
    input: JSON.stringify(cases.map(([, A]) => ({ n: A.rows, a: Array.from(A.data) }))),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as number[][];
})();

for (const path of ['wasm', 'typescript'] as const) {
  describe(`portable eigh, ${path} kernels`, () => {
    const saved = process.env.NTK_PORTABLE_WASM;
    before(() => {
      setBackend('portable');
      if (path === 'typescript') process.env.NTK_PORTABLE_WASM = '0';
    });
    after(() => {
      if (saved === undefined) delete process.env.NTK_PORTABLE_WASM;
      else process.env.NTK_PORTABLE_WASM = saved;
      setBackend('native');
    });

    for (const [k, [name, A]] of cases.entries()) {
      it(`${name}: residual and orthogonality < 1e-12, eigenvalues = numpy's to 1e-13·‖A‖`, () => {
        const { values, vectors } = eigh(A);
        const ref = reference[k];
        const scale = Math.max(...ref.map(Math.abs)) || 1;
        for (let i = 0; i < ref.length; i++)
          assert.ok(Math.abs(values[i] - ref[i]) <= 1e-13 * scale, `λ${i}: ${values[i]} vs numpy ${ref[i]}`);
        const { residual, orth } = eigResiduals(A, values, vectors);
        assert.ok(residual < 1e-12, `residual ${residual}`);
        assert.ok(orth < 1e-12, `orthogonality ${orth}`);
        const w = eigvalsh(A);
        for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(w[i] - ref[i]) <= 1e-13 * scale, `eigvalsh λ${i}`);
      });
    }
  });
}

describe('portable eigh kernels', () => {
  it('the WebAssembly SIMD kernels load on this Node (so the suite above checks both paths)', () => {
    assert.equal(wasmKernelsAvailable(), true);
  });
  it('the committed eighWasm.ts is what src/linalg/wasm/eigh.c builds to (where clang and wasm-ld are installed)', (t) => {
    const have = spawnSync('bash', ['-c', 'command -v clang-14 || command -v clang'], { encoding: 'utf8' });
    if (have.status !== 0) {
      t.skip('no clang');
      return;
    }
    const r = spawnSync('bash', ['scripts/build-wasm.sh', '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });
  it('prepareWasmKernels (the asynchronous compile for browsers) resolves true', async () => {
    assert.equal(await prepareWasmKernels(), true);
  });
});
