import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadNativeBackend } from '../../src/linalg/native.js';

describe('native addon', () => {
  const nb = loadNativeBackend();

  it('reports the OpenBLAS core it runs on', () => {
    const info = nb.info();
    assert.equal(info.name, 'native');
    assert.ok(info.corename.length > 0);
    assert.ok(info.threads >= 1);
  });

  it('rejects a too-short buffer with a JavaScript error instead of reading past it', () => {
    const A = new Float64Array(3);
    const C = new Float64Array(4);
    assert.throws(() => nb.gemm(false, false, 2, 2, 2, 1, A, 2, A, 2, 0, C, 2), /`A` is too short/);
  });

  it('rejects a Float32Array where a Float64Array is required', () => {
    assert.throws(
      () => nb.syevd(2, new Float32Array(4) as unknown as Float64Array, new Float64Array(2), true),
      /Float64Array/,
    );
  });

  it('runs gemm off the event loop', async () => {
    const A = Float64Array.from([1, 2, 3, 4]);
    const C = new Float64Array(4);
    await nb.gemmAsync(false, true, 2, 2, 2, 1, A, 2, A, 2, 0, C, 2);
    assert.deepEqual([...C], [5, 11, 11, 25]);
  });

  it('rejects wrong-type and too-short buffers in every routine with a JavaScript error (process survives)', () => {
    const f64 = (n: number) => new Float64Array(n);
    const f32 = (n: number) => new Float32Array(n) as unknown as Float64Array;
    const plain = [1, 2, 3, 4] as unknown as Float64Array;
    const cases: Array<[string, () => unknown, RegExp]> = [
      ['gemm short C', () => nb.gemm(false, false, 2, 2, 2, 1, f64(4), 2, f64(4), 2, 0, f64(3), 2), /`C` is too short/],
      [
        'gemm mixed types',
        () => nb.gemm(false, false, 2, 2, 2, 1, new Float32Array(4), 2, f64(4), 2, 0, f64(4), 2),
        /`B` must be a Float32Array/,
      ],
      [
        'gemm plain array',
        () => nb.gemm(false, false, 2, 2, 2, 1, plain, 2, f64(4), 2, 0, f64(4), 2),
        /`A` must be a Float64Array/,
      ],
      [
        'gemm small lda',
        () => nb.gemm(false, false, 2, 2, 2, 1, f64(4), 1, f64(4), 2, 0, f64(4), 2),
        /leading dimension/,
      ],
      [
        'gemm negative m',
        () => nb.gemm(false, false, -1, 2, 2, 1, f64(4), 2, f64(4), 2, 0, f64(4), 2),
        /`m` must be an integer/,
      ],
      [
        'gemm fractional k',
        () => nb.gemm(false, false, 2, 2, 1.5, 1, f64(4), 2, f64(4), 2, 0, f64(4), 2),
        /`k` must be an integer/,
      ],
      ['gemm missing args', () => (nb.gemm as unknown as (...a: unknown[]) => void)(false, false, 2), /must be/],
      ['syrk short A', () => nb.syrk(false, 3, 3, 1, f64(8), 3, 0, f64(9), 3), /`A` is too short/],
      ['syrk short C', () => nb.syrk(true, 3, 3, 1, f64(9), 3, 0, f64(5), 3), /`C` is too short/],
      ['syevd short W', () => nb.syevd(3, f64(9), f64(2), true), /`W` is too short/],
      ['syevd short A', () => nb.syevd(3, f64(8), f64(3), true), /`A` is too short/],
      ['syevr il > iu', () => nb.syevr(3, f64(9), 3, 2, f64(3), f64(9)), /il <= iu/],
      ['syevr short Z', () => nb.syevr(3, f64(9), 1, 3, f64(3), f64(8)), /`Z` is too short/],
      ['potrf float32', () => nb.potrf(2, f32(4)), /Float64Array/],
      ['potrf short', () => nb.potrf(3, f64(8)), /`A` is too short/],
      ['potrs short B', () => nb.potrs(3, 2, f64(9), f64(5)), /`B` is too short/],
      ['trsm short A', () => nb.trsm(false, true, false, false, 3, 2, 1, f64(8), 3, f64(6), 2), /`A` is too short/],
      ['trsm short B', () => nb.trsm(true, true, false, false, 3, 2, 1, f64(4), 2, f64(5), 2), /`B` is too short/],
    ];
    for (const [label, call, msg] of cases) assert.throws(call, msg, label);
  });

  it('rejects bad buffers in async forms synchronously, before any work is queued', () => {
    assert.throws(() => nb.syevdAsync(3, new Float64Array(8), new Float64Array(3), true), /`A` is too short/);
    assert.throws(() => nb.potrfAsync(3, new Float64Array(2)), /`A` is too short/);
  });

  it('computes eigenpairs off the event loop', async () => {
    const A = Float64Array.from([2, 1, 1, 2]);
    const W = new Float64Array(2);
    assert.equal(await nb.syevdAsync(2, A, W, true), 0);
    assert.ok(Math.abs(W[0] - 1) < 1e-15 && Math.abs(W[1] - 3) < 1e-15);
  });
});

describe('native addon and SharedArrayBuffer', () => {
  it('works in place on Float64Arrays backed by a SharedArrayBuffer (as used by worker threads)', () => {
    const nb = loadNativeBackend();
    const shared = (n: number) => new Float64Array(new SharedArrayBuffer(8 * n));
    const A = shared(4);
    A.set([2, 1, 1, 3]);
    const C = shared(4);
    nb.gemm(false, false, 2, 2, 2, 1, A, 2, A, 2, 0, C, 2);
    assert.deepEqual([...C], [5, 5, 5, 10]);
    const W = shared(2);
    const V = shared(4);
    V.set(A);
    assert.equal(nb.syevd(2, V, W, true), 0);
    assert.ok(Math.abs(W[0] + W[1] - 5) < 1e-12 && Math.abs(W[0] * W[1] - 5) < 1e-12);
  });
});
