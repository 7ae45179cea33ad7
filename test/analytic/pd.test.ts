// checkPd by Cholesky + Lanczos against the full eigendecomposition (LAPACK dsyevd through eigvalsh) on 20 matrices
// with known spectra: well conditioned, ill conditioned, near-singular on both sides of the tolerance n·ε·λ_max,
// exactly singular (duplicate points, a low-rank Gram), indefinite and negative definite; on both backends.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { checkPd } from '../../src/analytic/pd.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { eigh } from '../../src/linalg/ops.js';
import { backend, setBackend } from '../../src/linalg/registry.js';
import { Rng } from '../../src/util/random.js';

/** Q·diag(λ)·Qᵀ, exactly symmetric, Q orthogonal (eigenvectors of a random symmetric matrix). */
function withSpectrum(lambda: number[], seed: number): Matrix {
  const n = lambda.length;
  const rng = new Rng(seed);
  const G = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) G.data[i * n + j] = G.data[j * n + i] = rng.normal();
  const Q = eigh(G).vectors.data;
  const K = new Matrix(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q[i * n + k] * lambda[k] * Q[j * n + k];
      K.data[i * n + j] = K.data[j * n + i] = s;
    }
  return K;
}

const N = 70;
/** λ_max = 1, the rest spread log-uniformly down to `min` (then `min` itself); `neg` more below zero. */
function spectrum(min: number, neg: number[] = []): number[] {
  const out = [1];
  const rest = N - 2 - neg.length;
  const lo = Math.max(Math.abs(min), 1e-3);
  for (let i = 1; i <= rest; i++) out.push(Math.pow(lo, i / rest));
  out.push(min, ...neg);
  return out;
}

async function kernels(): Promise<[string, Matrix][]> {
  const rng = new Rng(9);
  const X = new Matrix(N, 5);
  for (let i = 0; i < X.data.length; i++) X.data[i] = rng.normal();
  const Xd = X.clone();
  Xd.data.set(X.data.subarray(0, 5), 5 * 7); // row 7 = row 0: K singular
  const Xn = X.clone();
  for (let k = 0; k < 5; k++) Xn.data[5 * 7 + k] = X.data[k] * (1 + 1e-7); // nearly the same point
  const ntk = kernelFn('dense(16),relu,dense(1)');
  const lin = kernelFn('dense(4),dense(1)'); // rank ≤ d + … : the linear NTK is a Gram of 5 features + bias
  return [
    ['relu NTK', await ntk(X, null, 'ntk')],
    ['relu NTK, duplicate point', await ntk(Xd, null, 'ntk')],
    ['relu NTK, near-duplicate point', await ntk(Xn, null, 'ntk')],
    ['linear NTK (low rank)', await lin(X, null, 'ntk')],
    ['relu NNGP', await ntk(X, null, 'nngp')],
  ];
}

const CASES: [string, number[]][] = [
  ['well conditioned', spectrum(0.1)],
  ['condition 1e6', spectrum(1e-6)],
  ['condition 1e10', spectrum(1e-10)],
  ['condition 1e12', spectrum(1e-12)],
  ['λ_min = 1e-13 (above tol ≈ 1.6e-14)', spectrum(1e-13)],
  ['λ_min = 1e-16 (below tol)', spectrum(1e-16)],
  ['λ_min = 0', spectrum(0)],
  ['λ_min = −1e-13', spectrum(-1e-13)],
  ['λ_min = −1e-9', spectrum(-1e-9)],
  ['λ_min = −1e-3, indefinite', spectrum(0.01, [-1e-3, -0.5])],
  ['clustered at the bottom', [1, ...Array.from({ length: N - 1 }, (_, i) => 1e-4 * (1 + i * 1e-3))]],
  ['two equal smallest', [...spectrum(1e-8).slice(0, N - 1), 1e-8]],
  ['scaled by 1e6', spectrum(1e-5).map((v) => 1e6 * v)],
  ['scaled by 1e-6, singular', spectrum(0).map((v) => 1e-6 * v)],
  ['negative definite', spectrum(0.1).map((v) => -v)],
];

function compare(name: string, K: Matrix): void {
  const ref = checkPd(K, { method: 'eigh' });
  const r = checkPd(K, { method: 'cholesky' });
  assert.equal(r.strictlyPd, ref.strictlyPd, `${name}: verdict (λ_min ${r.lambdaMin} vs ${ref.lambdaMin})`);
  const scale = Math.max(Math.abs(ref.lambdaMax), Math.abs(ref.lambdaMin));
  assert.ok(Math.abs(r.lambdaMax - ref.lambdaMax) <= 1e-9 * scale, `${name}: λ_max ${r.lambdaMax} vs ${ref.lambdaMax}`);
  // both are backward stable: λ_min agrees to a few ε·‖K‖ (and relatively when it is well above that)
  const err = Math.abs(r.lambdaMin - ref.lambdaMin);
  assert.ok(
    err <= 50 * N * Number.EPSILON * scale + 1e-7 * Math.abs(ref.lambdaMin),
    `${name}: λ_min ${r.lambdaMin} vs ${ref.lambdaMin}`,
  );
  if (ref.strictlyPd) assert.ok(Math.abs(r.condition - ref.condition) <= 1e-3 * ref.condition, `${name}: condition`);
  else assert.ok(r.lambdaMin < r.tolerance);
}

for (const be of ['native', 'portable'] as const) {
  describe(`checkPd: Cholesky + Lanczos = the eigendecomposition's verdict (${be} backend)`, () => {
    const before = backend().name;
    after(() => void setBackend(before));
    test('20 matrices: 15 with known spectra, 5 kernel matrices', async () => {
      setBackend(be);
      let count = 0;
      for (const [name, lam] of CASES) {
        compare(name, withSpectrum(lam, count + 1));
        count++;
      }
      for (const [name, K] of await kernels()) {
        compare(name, K);
        count++;
      }
      assert.equal(count, 20);
    });
  });
}

for (const be of ['native', 'portable'] as const) {
  describe(`checkPd: in K's storage and on a K symmetric only to rounding (${be} backend)`, () => {
    const before = backend().name;
    after(() => void setBackend(before));
    test('inPlace: the same report as with a copy on the 20 matrices (refactorizations and all)', async () => {
      setBackend(be);
      const all: [string, Matrix][] = CASES.map(([name, lam], i) => [name, withSpectrum(lam, i + 1)]);
      all.push(...(await kernels()));
      for (const [name, K] of all) {
        const copy = checkPd(K, { method: 'cholesky' });
        assert.deepEqual(checkPd(K.clone(), { method: 'cholesky', inPlace: true }), copy, name);
      }
    });
    test('an upper triangle off by rounding: the report of the symmetric matrix of the lower one, both ways', () => {
      setBackend(be);
      for (const [name, lam] of [CASES[1], CASES[5], CASES[8], CASES[9]]) {
        const K = withSpectrum(lam, 7);
        const off = K.clone();
        const rng = new Rng(3);
        for (let i = 0; i < N; i++) for (let j = i + 1; j < N; j++) off.data[i * N + j] *= 1 + 1e-10 * rng.normal();
        const ref = checkPd(K, { method: 'cholesky' }); // exactly symmetric: K's lower triangle mirrored
        assert.deepEqual(checkPd(off, { method: 'cholesky' }), ref, `${name}: copy`);
        assert.deepEqual(checkPd(off.clone(), { method: 'cholesky', inPlace: true }), ref, `${name}: in place`);
        assert.equal(ref.strictlyPd, checkPd(K, { method: 'eigh' }).strictlyPd, `${name}: verdict`);
      }
    });
  });
}

describe('checkPd: arguments', () => {
  test('an unknown method is an InvalidArgumentError naming it', () => {
    assert.throws(() => checkPd(withSpectrum([1, 2, 3], 1), { method: 'svd' as 'eigh' }), /method.*svd/s);
  });
});
