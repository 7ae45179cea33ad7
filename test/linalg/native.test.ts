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
    assert.throws(() => nb.syevd(2, new Float32Array(4) as unknown as Float64Array, new Float64Array(2), true), /Float64Array/);
  });

  it('runs gemm off the event loop', async () => {
    const A = Float64Array.from([1, 2, 3, 4]);
    const C = new Float64Array(4);
    await nb.gemmAsync(false, true, 2, 2, 2, 1, A, 2, A, 2, 0, C, 2);
    assert.deepEqual([...C], [5, 11, 11, 25]);
  });
});
