/**
 * The typed BLAS layer (src/linalg/blas.ts) on both backends: bit-for-bit equal to the raw positional backend calls
 * on random shapes (both transposes, strided ld, α/β, Float32), the zero-size rules, and the typed error for every bad
 * argument.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import type { Backend, FloatArray } from '../../src/linalg/backend.js';
import { gemm, gemmAsync, type GemmArgs, syrk, syrkAsync, type SyrkArgs } from '../../src/linalg/blas.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { gram, matmul } from '../../src/linalg/ops.js';
import { type BackendName, setBackend } from '../../src/linalg/registry.js';
import { Rng } from '../../src/util/random.js';

const BACKENDS: BackendName[] = ['native', 'portable'];

after(() => {
  setBackend('native');
});

function sameBits(x: FloatArray, y: FloatArray, label: string): void {
  assert.equal(x.constructor, y.constructor, label);
  assert.ok(
    Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength)),
    label,
  );
}

function fill(rng: Rng, len: number, f32: boolean): FloatArray {
  const v = rng.normals(len);
  return f32 ? Float32Array.from(v) : v;
}

/** A buffer for a rows×cols matrix with row stride ld, padding included (and one spare entry after it). */
function stored(rng: Rng, rows: number, _cols: number, ld: number, f32: boolean): FloatArray {
  return fill(rng, rows * ld + 1, f32);
}

/** Runs `body` with the backend's gemm/syrk (sync and async) replaced by ones that fail the test if reached. */
async function withoutBlas(be: Backend, body: () => Promise<void>): Promise<void> {
  const saved = { gemm: be.gemm, gemmAsync: be.gemmAsync, syrk: be.syrk, syrkAsync: be.syrkAsync };
  const reached = (what: string) => () => assert.fail(`the backend's ${what} was called`);
  Object.assign(be, {
    gemm: reached('gemm'),
    gemmAsync: reached('gemmAsync'),
    syrk: reached('syrk'),
    syrkAsync: reached('syrkAsync'),
  });
  try {
    await body();
  } finally {
    Object.assign(be, saved);
  }
}

function expectInvalid(call: () => unknown, fn: string, argument: string, value: unknown): void {
  assert.throws(call, (e: unknown) => {
    assert.ok(e instanceof InvalidArgumentError, `${fn}/${argument}: ${String(e)}`);
    assert.equal(e.fn, fn);
    assert.equal(e.argument, argument);
    assert.equal(e.value, value);
    assert.ok(e.message.startsWith(`${fn}: invalid argument. \`${argument}\` must be`), e.message);
    return true;
  });
}

for (const name of BACKENDS) {
  describe(`typed BLAS calls on the ${name} backend`, () => {
    const use = () => setBackend(name);

    it('gemm equals the raw backend gemm bit for bit (transposes, strides, α/β, Float32, default ld)', async () => {
      const be = use();
      const rng = new Rng(7);
      for (let trial = 0; trial < 120; trial++) {
        const m = 1 + rng.int(37);
        const n = 1 + rng.int(37);
        const k = 1 + rng.int(37);
        const transA = rng.int(2) === 1;
        const transB = rng.int(2) === 1;
        const f32 = trial % 4 === 3;
        const strided = trial % 3 !== 0;
        const alpha = trial % 5 === 0 ? 1 : rng.normal();
        const beta = [0, 1, rng.normal()][trial % 3];
        const [ar, ac] = transA ? [k, m] : [m, k];
        const [br, bc] = transB ? [n, k] : [k, n];
        const lda = strided ? ac + rng.int(4) : ac;
        const ldb = strided ? bc + rng.int(4) : bc;
        const ldc = strided ? n + rng.int(4) : n;
        const a = stored(rng, ar, ac, lda, f32);
        const b = stored(rng, br, bc, ldb, f32);
        const c0 = stored(rng, m, n, ldc, f32);
        const label = `trial ${trial}: ${m}×${n}×${k} tA=${transA} tB=${transB} f32=${f32} ld=${lda},${ldb},${ldc}`;
        const raw = c0.slice();
        be.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, raw, ldc);
        const args: GemmArgs = strided
          ? { m, n, k, a, b, c: c0.slice(), transA, transB, alpha, beta, lda, ldb, ldc }
          : { m, n, k, a, b, c: c0.slice(), transA, transB, alpha, beta };
        gemm(args);
        sameBits(args.c, raw, label);
        const asyncArgs = { ...args, c: c0.slice() };
        await gemmAsync(asyncArgs);
        sameBits(asyncArgs.c, raw, `${label} (async)`);
      }
    });

    it('gemm defaults are transA = transB = false, alpha = 1, beta = 0 (NaN in C ignored)', () => {
      const be = use();
      const a = Float64Array.from([1, 2, 3, 4, 5, 6]); // 2×3
      const b = Float64Array.from([1, 0, -1, 2, 0.5, 3]); // 3×2
      const c = new Float64Array(4).fill(NaN);
      gemm({ m: 2, n: 2, k: 3, a, b, c });
      const raw = new Float64Array(4);
      be.gemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, raw, 2);
      sameBits(c, raw, 'defaults');
      assert.deepEqual([...c], [0.5, 13, 2, 28]);
    });

    it('syrk equals the raw backend syrk bit for bit (both trans, strides, α/β, Float32), upper triangle untouched', async () => {
      const be = use();
      const rng = new Rng(8);
      for (let trial = 0; trial < 80; trial++) {
        const n = 1 + rng.int(41);
        const k = 1 + rng.int(41);
        const trans = rng.int(2) === 1;
        const f32 = trial % 4 === 3;
        const strided = trial % 3 !== 0;
        const alpha = trial % 5 === 0 ? 1 : rng.normal();
        const beta = [0, 1, rng.normal()][trial % 3];
        const [ar, ac] = trans ? [k, n] : [n, k];
        const lda = strided ? ac + rng.int(4) : ac;
        const ldc = strided ? n + rng.int(4) : n;
        const a = stored(rng, ar, ac, lda, f32);
        const c0 = stored(rng, n, n, ldc, f32);
        const label = `trial ${trial}: n=${n} k=${k} trans=${trans} f32=${f32} ld=${lda},${ldc}`;
        const raw = c0.slice();
        be.syrk(trans, n, k, alpha, a, lda, beta, raw, ldc);
        const args: SyrkArgs = strided
          ? { n, k, a, c: c0.slice(), trans, alpha, beta, lda, ldc }
          : { n, k, a, c: c0.slice(), trans, alpha, beta };
        syrk(args);
        sameBits(args.c, raw, label);
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(args.c[i * ldc + j], c0[i * ldc + j]);
        const asyncArgs = { ...args, c: c0.slice() };
        await syrkAsync(asyncArgs);
        sameBits(asyncArgs.c, raw, `${label} (async)`);
      }
    });

    it('m = 0 or n = 0 does nothing and never reaches the backend (empty buffers, default ld)', async () => {
      await withoutBlas(use(), async () => {
        const rng = new Rng(9);
        const c = fill(rng, 12, false);
        const before = c.slice();
        gemm({ m: 0, n: 3, k: 4, a: new Float64Array(0), b: fill(rng, 12, false), c });
        gemm({ m: 3, n: 0, k: 4, a: fill(rng, 12, false), b: new Float64Array(0), c });
        gemm({ m: 0, n: 0, k: 0, a: new Float64Array(0), b: new Float64Array(0), c: new Float64Array(0) });
        await gemmAsync({ m: 0, n: 3, k: 4, a: new Float64Array(0), b: fill(rng, 12, false), c, beta: 2 });
        syrk({ n: 0, k: 5, a: new Float64Array(0), c });
        await syrkAsync({ n: 0, k: 5, a: new Float64Array(0), c, trans: true });
        sameBits(c, before, 'C untouched');
      });
    });

    it('k = 0 gives beta·C on the m×n block only (0 when beta = 0, NaN included), without reaching BLAS', async () => {
      await withoutBlas(use(), async () => {
        const m = 3;
        const n = 2;
        const ldc = 4;
        const c0 = Float64Array.from([1, NaN, 7, 8, -2, 3, 9, 10, 4, -5, 11, 12]);
        for (const f32 of [false, true]) {
          const mk = (x: Float64Array): FloatArray => (f32 ? Float32Array.from(x) : x.slice());
          const e = f32 ? new Float32Array(0) : new Float64Array(0);
          const c = mk(c0);
          gemm({ m, n, k: 0, a: e, b: e, c, ldc });
          sameBits(c, mk(Float64Array.from([0, 0, 7, 8, 0, 0, 9, 10, 0, 0, 11, 12])), `beta 0, f32=${f32}`);
          const c2 = mk(c0);
          gemm({ m, n, k: 0, a: e, b: e, c: c2, ldc, beta: 2.5, alpha: 3, transA: true, transB: true });
          sameBits(
            c2,
            mk(Float64Array.from([2.5, NaN, 7, 8, -5, 7.5, 9, 10, 10, -12.5, 11, 12])),
            `beta 2.5, f32=${f32}`,
          );
          const c3 = mk(c0);
          await gemmAsync({ m, n, k: 0, a: e, b: e, c: c3, ldc, beta: 1 });
          sameBits(c3, mk(c0), `beta 1, f32=${f32}`);
        }
        // syrk: the lower triangle only
        const s0 = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        const s = s0.slice();
        syrk({ n: 3, k: 0, a: new Float64Array(0), c: s });
        assert.deepEqual([...s], [0, 2, 3, 0, 0, 6, 0, 0, 0]);
        const s2 = s0.slice();
        await syrkAsync({ n: 3, k: 0, a: new Float64Array(0), c: s2, beta: -1, trans: true });
        assert.deepEqual([...s2], [-1, 2, 3, -4, -5, 6, -7, -8, -9]);
      });
    });

    it('matmul and gram of matrices with an empty inner dimension give zeros', async () => {
      await withoutBlas(use(), async () => {
        const P = matmul(new Matrix(2, 0), new Matrix(0, 3));
        assert.deepEqual([P.rows, P.cols, ...P.data], [2, 3, 0, 0, 0, 0, 0, 0]);
        const G = gram(new Matrix(2, 0));
        assert.deepEqual([...G.data], [0, 0, 0, 0]);
      });
    });
  });
}

describe('typed BLAS argument checks', () => {
  const f64 = (n: number) => new Float64Array(n);
  const f32 = (n: number) => new Float32Array(n);
  // A valid 2×3·3×4 product; each case breaks one argument.
  const ok: GemmArgs = { m: 2, n: 4, k: 3, a: f64(6), b: f64(12), c: f64(8) };
  const plain = [1, 2, 3, 4, 5, 6] as unknown as Float64Array;

  it('gemm and gemmAsync reject each bad argument with an InvalidArgumentError naming it, synchronously', () => {
    const cases: Array<[Partial<Record<keyof GemmArgs, unknown>>, string, (args: GemmArgs) => unknown]> = [
      [{ m: -1 }, 'm', (x) => x.m],
      [{ m: 1.5 }, 'm', (x) => x.m],
      [{ n: NaN }, 'n', (x) => x.n],
      [{ n: Infinity }, 'n', (x) => x.n],
      [{ k: -3 }, 'k', (x) => x.k],
      [{ a: plain }, 'a', (x) => x.a],
      [{ a: f32(6) }, 'b', (x) => x.b],
      [{ c: f32(8) }, 'c', (x) => x.c],
      [{ a: f32(6), b: f32(12) }, 'c', (x) => x.c],
      [{ b: f32(12), c: f32(8) }, 'b', (x) => x.b],
      [{ lda: 2 }, 'lda', (x) => x.lda],
      [{ lda: 3.5 }, 'lda', (x) => x.lda],
      [{ transA: true, a: f64(6), lda: 1 }, 'lda', (x) => x.lda], // A stored 3×2
      [{ ldb: 3 }, 'ldb', (x) => x.ldb],
      [{ transB: true, ldb: 2 }, 'ldb', (x) => x.ldb], // B stored 4×3
      [{ ldc: 3 }, 'ldc', (x) => x.ldc],
      [{ k: 0, lda: 0 }, 'lda', (x) => x.lda],
      [{ m: 0, ldc: 0 }, 'ldc', (x) => x.ldc],
      [{ a: f64(5) }, 'a', (x) => x.a],
      [{ lda: 4, a: f64(6) }, 'a', (x) => x.a], // needs (2 − 1)·4 + 3 = 7
      [{ b: f64(11) }, 'b', (x) => x.b],
      [{ transB: true, b: f64(11) }, 'b', (x) => x.b],
      [{ c: f64(7) }, 'c', (x) => x.c],
      [{ ldc: 5, c: f64(8) }, 'c', (x) => x.c],
      [{ k: 0, c: f64(7) }, 'c', (x) => x.c],
    ];
    for (const [patch, argument, value] of cases) {
      const args = { ...ok, ...patch } as GemmArgs;
      const c = args.c.slice();
      expectInvalid(() => gemm(args), 'gemm', argument, value(args));
      expectInvalid(() => gemmAsync(args), 'gemmAsync', argument, value(args));
      sameBits(args.c, c, `C untouched (${argument})`);
    }
  });

  it('the buffer-length message gives the needed length and the value gives the buffer', () => {
    assert.throws(
      () => gemm({ ...ok, lda: 4 }),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        e.message ===
          'gemm: invalid argument. `a` must be at least (2 − 1)·4 + 3 = 7 entries long (stored 2×3, lda = 4). ' +
            'Value: `Float64Array(6)`.',
    );
    assert.throws(
      () => gemm({ ...ok, lda: 2 }),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        e.message ===
          'gemm: invalid argument. `lda` must be an integer ≥ max(1, 3), the row length of `a` stored 2×3. Value: `2`.',
    );
  });

  it('syrk and syrkAsync reject each bad argument with an InvalidArgumentError naming it, synchronously', () => {
    const sok: SyrkArgs = { n: 3, k: 2, a: f64(6), c: f64(9) };
    const cases: Array<[Partial<Record<keyof SyrkArgs, unknown>>, string, (args: SyrkArgs) => unknown]> = [
      [{ n: -1 }, 'n', (x) => x.n],
      [{ k: 0.5 }, 'k', (x) => x.k],
      [{ a: plain }, 'a', (x) => x.a],
      [{ a: f32(6) }, 'c', (x) => x.c],
      [{ c: f32(9) }, 'c', (x) => x.c],
      [{ lda: 1 }, 'lda', (x) => x.lda],
      [{ trans: true, lda: 2 }, 'lda', (x) => x.lda], // A stored 2×3
      [{ ldc: 2 }, 'ldc', (x) => x.ldc],
      [{ k: 0, lda: 0 }, 'lda', (x) => x.lda],
      [{ a: f64(5) }, 'a', (x) => x.a],
      [{ trans: true, a: f64(5) }, 'a', (x) => x.a],
      [{ lda: 3, a: f64(7) }, 'a', (x) => x.a], // needs (3 − 1)·3 + 2 = 8
      [{ c: f64(8) }, 'c', (x) => x.c],
      [{ ldc: 4, c: f64(10) }, 'c', (x) => x.c], // needs (3 − 1)·4 + 3 = 11
    ];
    for (const [patch, argument, value] of cases) {
      const args = { ...sok, ...patch } as SyrkArgs;
      expectInvalid(() => syrk(args), 'syrk', argument, value(args));
      expectInvalid(() => syrkAsync(args), 'syrkAsync', argument, value(args));
    }
  });

  it('accepts buffers longer than needed and exactly (rows − 1)·ld + cols long', () => {
    gemm({ m: 2, n: 2, k: 3, a: f64(7), lda: 4, b: f64(6), c: f64(100) });
    syrk({ n: 3, k: 2, a: f64(8), lda: 3, c: f64(11), ldc: 4 });
  });
});
