/**
 * The same linear-algebra suite on both backends (native OpenBLAS/LAPACKE and portable TypeScript). Every check is
 * against an independent reference: naive loops, algebraic identities (A·V = V·Λ, VᵀV = I, L·Lᵀ = A), or matrices
 * built with a known spectrum.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { InvalidArgumentError, NumericalError } from '../../src/errors.js';
import type { Backend } from '../../src/linalg/backend.js';
import {
  cholSolve,
  cholesky,
  eigh,
  eighAsync,
  eigvalsh,
  gram,
  matmul,
  solve,
  symmetrize,
  triSolve,
} from '../../src/linalg/ops.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { backend, type BackendName, setBackend } from '../../src/linalg/registry.js';
import { Rng } from '../../src/util/random.js';
import { diffFrob, eigResiduals, frob, maxAbs, naiveMul, randn, randomSymmetric, withSpectrum } from './helpers.js';

const BACKENDS: BackendName[] = ['native', 'portable'];

after(() => {
  setBackend('native');
});

for (const name of BACKENDS) {
  describe(`linalg on the ${name} backend`, () => {
    const use = (): Backend => setBackend(name);

    describe('eigh', () => {
      it('satisfies ‖AV−VΛ‖/‖A‖ < 1e-12 and ‖VᵀV−I‖ < 1e-12 with ascending values for n = 1…300', () => {
        use();
        const rng = new Rng(11);
        for (const n of [1, 2, 3, 4, 5, 7, 16, 33, 64, 100, 150, 300]) {
          const A = randomSymmetric(rng, n);
          const before = A.data.slice();
          const { values, vectors } = eigh(A);
          assert.deepEqual(A.data, before, 'eigh must not modify A');
          assert.equal(values.length, n);
          assert.deepEqual([vectors.rows, vectors.cols], [n, n]);
          for (let i = 1; i < n; i++) assert.ok(values[i - 1] <= values[i], `ascending at ${i} (n = ${n})`);
          const { residual, orth } = eigResiduals(A, values, vectors);
          assert.ok(residual < 1e-12, `n=${n}: residual ${residual}`);
          assert.ok(orth < 1e-12, `n=${n}: orthogonality ${orth}`);
        }
      });

      it('handles n = 1 exactly', () => {
        use();
        const { values, vectors } = eigh(Matrix.from([[-3.5]]));
        assert.deepEqual([...values], [-3.5]);
        assert.equal(Math.abs(vectors.data[0]), 1);
      });

      it('recovers repeated eigenvalues with an orthonormal basis of each eigenspace', () => {
        use();
        const rng = new Rng(12);
        const spectrum = [2, 2, 2, -1, -1, 5, 0.5, 0.5, 0.5, 0.5, 7, 2];
        const A = withSpectrum(rng, spectrum);
        const { values, vectors } = eigh(A);
        const sorted = [...spectrum].sort((a, b) => a - b);
        for (let i = 0; i < sorted.length; i++) assert.ok(Math.abs(values[i] - sorted[i]) < 1e-13 * 7, `λ${i}`);
        const { residual, orth } = eigResiduals(A, values, vectors);
        assert.ok(residual < 1e-12 && orth < 1e-12, `${residual} ${orth}`);
        // The identity and the zero matrix: every eigenvalue repeated.
        for (const M of [Matrix.identity(40), Matrix.zeros(17, 17)]) {
          const r = eigh(M);
          assert.ok(maxAbs(r.values.map((v) => v - M.data[0])) < 1e-15);
          assert.ok(eigResiduals(M, r.values, r.vectors).orth < 1e-12);
        }
      });

      it('resolves near-zero eigenvalues to absolute accuracy ~ eps·‖A‖', () => {
        use();
        const rng = new Rng(13);
        const spectrum = [1e-14, -1e-15, 0, 3e-13, 1, 2, 10, 1e-10];
        const A = withSpectrum(rng, spectrum);
        const { values, vectors } = eigh(A);
        const sorted = [...spectrum].sort((a, b) => a - b);
        for (let i = 0; i < sorted.length; i++) assert.ok(Math.abs(values[i] - sorted[i]) < 1e-14 * 10 * 8);
        const { residual, orth } = eigResiduals(A, values, vectors);
        assert.ok(residual < 1e-12 && orth < 1e-12);
      });

      it('finds the null space of a rank-deficient Gram matrix', () => {
        use();
        const rng = new Rng(14);
        const n = 120;
        const r = 30;
        const G = gram(randn(rng, n, r));
        const { values, vectors } = eigh(G);
        const top = values[n - 1];
        for (let i = 0; i < n - r; i++) assert.ok(Math.abs(values[i]) < 1e-12 * top, `λ${i} = ${values[i]}`);
        for (let i = n - r; i < n; i++) assert.ok(values[i] > 1e-3 * top, `λ${i} = ${values[i]}`);
        const res = eigResiduals(G, values, vectors);
        assert.ok(res.residual < 1e-12 && res.orth < 1e-12);
      });

      it('returns the top k (syevr) equal to the last k of the full decomposition', () => {
        use();
        const rng = new Rng(15);
        for (const [n, k] of [
          [1, 1],
          [10, 3],
          [80, 7],
          [200, 20],
          [50, 50],
        ]) {
          const A = randomSymmetric(rng, n);
          const full = eigh(A);
          const top = eigh(A, { k });
          assert.deepEqual([top.vectors.rows, top.vectors.cols], [n, k]);
          for (let j = 0; j < k; j++) {
            assert.ok(Math.abs(top.values[j] - full.values[n - k + j]) < 1e-12 * Math.abs(full.values[n - 1]));
            // Same vector up to sign (random matrices have simple eigenvalues).
            let d = 0;
            for (let i = 0; i < n; i++) d += top.vectors.get(i, j) * full.vectors.get(i, n - k + j);
            assert.ok(Math.abs(Math.abs(d) - 1) < 1e-9, `n=${n} k=${k} j=${j}: |v·u| = ${Math.abs(d)}`);
          }
          const res = eigResiduals(A, top.values, top.vectors);
          assert.ok(res.residual < 1e-12 && res.orth < 1e-12);
        }
      });

      it('eigvalsh and eighAsync agree with eigh', async () => {
        use();
        const A = randomSymmetric(new Rng(16), 90);
        const ref = eigh(A);
        const w = eigvalsh(A);
        const asy = await eighAsync(A);
        const scale = maxAbs(ref.values);
        assert.ok(maxAbs(w.map((v, i) => v - ref.values[i])) < 1e-12 * scale);
        assert.ok(maxAbs(asy.values.map((v, i) => v - ref.values[i])) < 1e-12 * scale);
        assert.ok(eigResiduals(A, asy.values, asy.vectors).residual < 1e-12);
      });

      it('backend syevd returns a non-zero info or throws nothing for n = 0', () => {
        const b = use();
        assert.equal(b.syevd(0, new Float64Array(0), new Float64Array(0), true), 0);
      });
    });

    describe('cholesky and solves', () => {
      it('factors an SPD matrix with ‖LLᵀ−A‖/‖A‖ < 1e-14 and a zero upper triangle', () => {
        use();
        const rng = new Rng(21);
        for (const n of [1, 2, 9, 64, 257]) {
          const X = randn(rng, n, n + 5);
          const A = gram(X);
          const { L, jitter } = cholesky(A);
          assert.equal(jitter, 0);
          for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(L.get(i, j), 0);
          const LLt = naiveMul(L, L, false, true);
          assert.ok(diffFrob(LLt.data, A.data) / frob(A.data) < 1e-14, `n=${n}`);
        }
      });

      it('solve and cholSolve give small residuals for matrix and vector right-hand sides', () => {
        use();
        const rng = new Rng(22);
        const n = 120;
        const A = gram(randn(rng, n, n + 10));
        const B = randn(rng, n, 7);
        const X = solve(A, B);
        const R = naiveMul(A, X);
        assert.ok(diffFrob(R.data, B.data) / (frob(A.data) * frob(X.data)) < 1e-14);
        const b = rng.normals(n);
        const x = cholSolve(cholesky(A).L, b);
        assert.ok(x instanceof Float64Array && x.length === n);
        const Ax = naiveMul(A, new Matrix(n, 1, x));
        assert.ok(diffFrob(Ax.data, b) / (frob(A.data) * frob(x)) < 1e-14);
      });

      it('triSolve handles lower/upper and transposed systems', () => {
        use();
        const rng = new Rng(23);
        const n = 40;
        const { L } = cholesky(gram(randn(rng, n, n + 3)));
        const U = L.transpose();
        const B = randn(rng, n, 3);
        for (const [T, upper] of [
          [L, false],
          [U, true],
        ] as const) {
          for (const trans of [false, true]) {
            const X = triSolve(T, B, { upper, trans });
            const R = naiveMul(T, X, trans, false);
            assert.ok(diffFrob(R.data, B.data) / frob(B.data) < 1e-12, `upper=${upper} trans=${trans}`);
          }
        }
      });

      it("uses jitter 'auto' on a semi-definite matrix and reports how much", () => {
        use();
        const G = gram(randn(new Rng(24), 30, 5));
        assert.throws(() => cholesky(G), NumericalError);
        const { L, jitter } = cholesky(G, { jitter: 'auto' });
        assert.ok(jitter > 0);
        const Gj = G.clone();
        for (let i = 0; i < 30; i++) Gj.data[i * 30 + i] += jitter;
        assert.ok(diffFrob(naiveMul(L, L, false, true).data, Gj.data) / frob(Gj.data) < 1e-13);
      });

      it('potrf reports the order of the first non-positive leading minor', () => {
        const b = use();
        const A = Float64Array.from([4, 0, 0, 2, 1, 0, 1, 3, -5]); // leading minors: 4, 4−4 = 0 → order 2
        assert.equal(b.potrf(3, A), 2);
      });
    });

    describe('gemm', () => {
      it('matches naive loops for all transpose combinations, alpha/beta, and ld > cols (Float64)', () => {
        const b = use();
        const rng = new Rng(31);
        // Sizes cross the portable blocking (MC = 128, KC = 256, NC = 1024) and are not multiples of 4.
        for (const [m, n, k] of [
          [1, 1, 1],
          [3, 5, 7],
          [130, 1030, 261],
        ]) {
          for (const ta of [false, true]) {
            for (const tb of [false, true]) {
              const pad = 3;
              const aRows = ta ? k : m;
              const aCols = ta ? m : k;
              const bRows = tb ? n : k;
              const bCols = tb ? k : n;
              const A = randn(rng, aRows, aCols);
              const B = randn(rng, bRows, bCols);
              const C0 = randn(rng, m, n);
              const lda = aCols + pad;
              const ldb = bCols + pad;
              const ldc = n + pad;
              const Ap = new Float64Array(aRows * lda).fill(Number.NaN);
              const Bp = new Float64Array(bRows * ldb).fill(Number.NaN);
              const Cp = new Float64Array(m * ldc).fill(Number.NaN);
              for (let i = 0; i < aRows; i++) Ap.set(A.row(i), i * lda);
              for (let i = 0; i < bRows; i++) Bp.set(B.row(i), i * ldb);
              for (let i = 0; i < m; i++) Cp.set(C0.row(i), i * ldc);
              const alpha = -1.5;
              const beta = 0.25;
              b.gemm(ta, tb, m, n, k, alpha, Ap, lda, Bp, ldb, beta, Cp, ldc);
              const ref = naiveMul(A, B, ta, tb);
              let err = 0;
              let scale = 0;
              for (let i = 0; i < m; i++) {
                for (let j = 0; j < n; j++) {
                  const want = alpha * ref.get(i, j) + beta * C0.get(i, j);
                  err = Math.max(err, Math.abs(Cp[i * ldc + j] - want));
                  scale = Math.max(scale, Math.abs(want));
                }
                for (let j = n; j < ldc && i < m - 1; j++)
                  assert.ok(Number.isNaN(Cp[i * ldc + j]), 'padding untouched');
              }
              assert.ok(err <= 1e-13 * Math.max(1, scale) * Math.sqrt(k), `${m}×${n}×${k} ta=${ta} tb=${tb}: ${err}`);
            }
          }
        }
      });

      it('beta = 0 ignores NaN in C (BLAS semantics) and alpha = 0 only scales C', () => {
        const b = use();
        const A = Float64Array.from([1, 2, 3, 4]);
        const C = new Float64Array(4).fill(Number.NaN);
        b.gemm(false, false, 2, 2, 2, 1, A, 2, A, 2, 0, C, 2);
        assert.deepEqual([...C], [7, 10, 15, 22]);
        b.gemm(false, false, 2, 2, 2, 0, A, 2, A, 2, 2, C, 2);
        assert.deepEqual([...C], [14, 20, 30, 44]);
      });

      it('works on Float32Array with float32 accuracy', () => {
        const b = use();
        const rng = new Rng(32);
        const m = 37;
        const n = 65;
        const k = 300;
        for (const [ta, tb] of [
          [false, false],
          [true, true],
          [false, true],
          [true, false],
        ] as const) {
          const A = randn(rng, ta ? k : m, ta ? m : k);
          const B = randn(rng, tb ? n : k, tb ? k : n);
          const A32 = Float32Array.from(A.data);
          const B32 = Float32Array.from(B.data);
          const C32 = new Float32Array(m * n);
          b.gemm(ta, tb, m, n, k, 1, A32, A.cols, B32, B.cols, 0, C32, n);
          // Reference from the float32-rounded inputs, in float64.
          const ref = naiveMul(
            new Matrix(A.rows, A.cols, Float64Array.from(A32)),
            new Matrix(B.rows, B.cols, Float64Array.from(B32)),
            ta,
            tb,
          );
          const err = maxAbs(ref.data.map((v, i) => v - C32[i]));
          assert.ok(err < 1e-5 * Math.sqrt(k) * 4, `ta=${ta} tb=${tb}: ${err}`);
        }
      });

      it('matmul validates and computes op(A)·op(B)', () => {
        use();
        const rng = new Rng(33);
        const A = randn(rng, 20, 30);
        const B = randn(rng, 20, 40);
        const C = matmul(A, B, { transA: true, alpha: 2 });
        const ref = naiveMul(A, B, true, false);
        assert.ok(
          diffFrob(
            C.data,
            ref.data.map((v) => 2 * v),
          ) <
            1e-12 * frob(ref.data),
        );
      });
    });

    describe('syrk', () => {
      it('writes alpha·A·Aᵀ + beta·C (or AᵀA) into the lower triangle only', () => {
        const b = use();
        const rng = new Rng(41);
        for (const trans of [false, true]) {
          for (const [n, k] of [
            [1, 3],
            [5, 1],
            [150, 70],
            [300, 2],
          ]) {
            const A = trans ? randn(rng, k, n) : randn(rng, n, k);
            const C0 = randn(rng, n, n);
            const ldc = n + 2;
            const C = new Float64Array(n * ldc).fill(-7);
            for (let i = 0; i < n; i++) C.set(C0.row(i), i * ldc);
            b.syrk(trans, n, k, 0.5, A.data, A.cols, 2, C, ldc);
            const ref = trans ? naiveMul(A, A, true, false) : naiveMul(A, A, false, true);
            for (let i = 0; i < n; i++) {
              for (let j = 0; j < n; j++) {
                const got = C[i * ldc + j];
                if (j <= i) {
                  const want = 0.5 * ref.get(i, j) + 2 * C0.get(i, j);
                  assert.ok(Math.abs(got - want) < 1e-12 * (1 + Math.abs(want)), `trans=${trans} (${i},${j})`);
                } else {
                  assert.equal(got, C0.get(i, j), 'upper triangle untouched');
                }
              }
            }
          }
        }
      });

      it('gram fills both triangles', () => {
        use();
        const X = randn(new Rng(42), 33, 12);
        const G = gram(X);
        assert.ok(diffFrob(G.data, naiveMul(X, X, false, true).data) < 1e-12 * frob(G.data));
      });
    });

    describe('trsm', () => {
      it('solves all 16 side/uplo/trans/diag combinations with alpha and ld > cols', () => {
        const b = use();
        const rng = new Rng(51);
        const m = 23;
        const n = 17;
        for (const right of [false, true]) {
          for (const lower of [false, true]) {
            for (const trans of [false, true]) {
              for (const unit of [false, true]) {
                const ka = right ? n : m;
                const lda = ka + 2;
                // Well-conditioned triangular A (diag 2..3, small off-diagonals); garbage in the other triangle.
                const A = new Float64Array(ka * lda).fill(Number.NaN);
                const T = new Matrix(ka, ka);
                for (let i = 0; i < ka; i++) {
                  for (let j = 0; j < ka; j++) {
                    const inTri = lower ? j < i : j > i;
                    const v = i === j ? 2 + rng.uniform() : inTri ? 0.3 * rng.normal() : 1e3;
                    A[i * lda + j] = v;
                    T.data[i * ka + j] = i === j ? (unit ? 1 : v) : inTri ? v : 0;
                  }
                }
                const ldb = n + 1;
                const B0 = randn(rng, m, n);
                const B = new Float64Array(m * ldb);
                for (let i = 0; i < m; i++) B.set(B0.row(i), i * ldb);
                const alpha = 1.5;
                b.trsm(right, lower, trans, unit, m, n, alpha, A, lda, B, ldb);
                const X = new Matrix(m, n);
                for (let i = 0; i < m; i++) X.data.set(B.subarray(i * ldb, i * ldb + n), i * n);
                const R = right ? naiveMul(X, T, false, trans) : naiveMul(T, X, trans, false);
                const err =
                  diffFrob(
                    R.data,
                    B0.data.map((v) => alpha * v),
                  ) / frob(B0.data);
                assert.ok(err < 1e-13, `right=${right} lower=${lower} trans=${trans} unit=${unit}: ${err}`);
              }
            }
          }
        }
      });
    });

    describe('bad input', () => {
      it('eigh rejects non-square, non-symmetric and non-finite matrices with typed errors', () => {
        use();
        assert.throws(
          () => eigh(new Matrix(2, 3)),
          (e: unknown) => {
            assert.ok(e instanceof InvalidArgumentError);
            assert.equal(e.fn, 'eigh');
            assert.equal(e.argument, 'A');
            assert.match(e.message, /square/);
            assert.match(e.message, /2×3/);
            return true;
          },
        );
        assert.throws(
          () =>
            eigh(
              Matrix.from([
                [1, 2],
                [2.1, 1],
              ]),
            ),
          (e: unknown) => {
            assert.ok(e instanceof InvalidArgumentError);
            assert.match(e.message, /symmetric/);
            assert.match(e.message, /asymmetry/);
            return true;
          },
        );
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
          assert.throws(
            () =>
              eigh(
                Matrix.from([
                  [1, 0],
                  [0, bad],
                ]),
              ),
            (e: unknown) => {
              assert.ok(e instanceof InvalidArgumentError);
              assert.match(e.message, /finite/);
              assert.match(e.message, /A\[1, 1\]/);
              return true;
            },
          );
        }
        assert.throws(() => eigh(Matrix.identity(3), { k: 4 }), /`k` must be an integer in \[1, n = 3\]/);
        // Asymmetry below the tolerance is accepted (lower triangle read).
        assert.doesNotThrow(() =>
          eigh(
            Matrix.from([
              [1, 2],
              [2 + 1e-12, 1],
            ]),
          ),
        );
        assert.doesNotThrow(() =>
          eigh(
            symmetrize(
              Matrix.from([
                [1, 2],
                [2.1, 1],
              ]),
            ),
          ),
        );
      });

      it('cholesky says a non-PD matrix is not positive definite and suggests jitter', () => {
        use();
        assert.throws(
          () =>
            cholesky(
              Matrix.from([
                [1, 2],
                [2, 1],
              ]),
            ),
          (e: unknown) => {
            assert.ok(e instanceof NumericalError);
            assert.equal(e.code, 'not_positive_definite');
            assert.match(e.message, /not positive definite/);
            assert.match(e.message, /jitter/);
            return true;
          },
        );
        assert.throws(() => cholesky(Matrix.identity(2), { jitter: -1 }), /`jitter` must be/);
      });

      it('matmul and solve reject shape mismatches naming the argument', () => {
        use();
        assert.throws(
          () => matmul(new Matrix(2, 3), new Matrix(4, 2)),
          (e: unknown) => {
            assert.ok(e instanceof InvalidArgumentError);
            assert.equal(e.argument, 'B');
            assert.match(e.message, /inner dimension 3/);
            assert.match(e.message, /4×2/);
            return true;
          },
        );
        assert.throws(
          () => solve(Matrix.identity(3), new Float64Array(4)),
          (e: unknown) => {
            assert.ok(e instanceof InvalidArgumentError);
            assert.equal(e.fn, 'solve');
            assert.equal(e.argument, 'B');
            assert.match(e.message, /3 rows/);
            return true;
          },
        );
        assert.throws(() => solve(Matrix.identity(2), Float64Array.from([1, Number.NaN])), /finite/);
      });
    });
  });
}

describe('native and portable backends agree', () => {
  it('on eigenvalues, eigenvectors (up to sign), Cholesky factors and products', () => {
    const rng = new Rng(61);
    const A = randomSymmetric(rng, 120);
    const S = gram(randn(rng, 60, 80));
    const X = randn(rng, 70, 50);
    const run = (name: BackendName) => {
      setBackend(name);
      return { e: eigh(A), L: cholesky(S).L, P: matmul(X, X, { transA: true }) };
    };
    const nat = run('native');
    const por = run('portable');
    setBackend('native');
    const scale = maxAbs(nat.e.values);
    assert.ok(maxAbs(nat.e.values.map((v, i) => v - por.e.values[i])) < 1e-13 * scale);
    for (let j = 0; j < 120; j++) {
      let d = 0;
      for (let i = 0; i < 120; i++) d += nat.e.vectors.get(i, j) * por.e.vectors.get(i, j);
      assert.ok(Math.abs(Math.abs(d) - 1) < 1e-9, `vector ${j}`);
    }
    assert.ok(diffFrob(nat.L.data, por.L.data) < 1e-12 * frob(nat.L.data));
    assert.ok(diffFrob(nat.P.data, por.P.data) < 1e-13 * frob(nat.P.data));
    assert.equal(backend().name, 'native');
  });
});
