/**
 * The portable backend's gemm/syrk on the WebAssembly SIMD kernel (portableWasmGemm.ts) against the TypeScript
 * kernels (portableGemm.ts) and the native backend (OpenBLAS): odd shapes around the 4×4 micro-kernel and the
 * MC/KC blocks, all four transposes, strides, α/β, Float32 operands, and the tiled path (a small arena forces tiles
 * over rows, columns and k). Every entry agrees to 1e-13 relative to the largest |C|.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FloatArray } from '../../src/linalg/backend.js';
import { loadNativeBackend } from '../../src/linalg/native.js';
import { gemm as gemmTs, syrk as syrkTs } from '../../src/linalg/portableGemm.js';
import { gemm as gemmWasm, setWasmGemmLimits, syrk as syrkWasm } from '../../src/linalg/portableWasmGemm.js';
import { wasmKernelsAvailable } from '../../src/linalg/wasmKernels.js';
import { Rng } from '../../src/util/random.js';

const native = loadNativeBackend();

function fill(rng: Rng, len: number, f32 = false): FloatArray {
  const a = f32 ? new Float32Array(len) : new Float64Array(len);
  for (let i = 0; i < len; i++) a[i] = rng.normal();
  return a;
}

function relDiff(a: FloatArray, b: FloatArray): number {
  let d = 0,
    s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / (s || 1);
}

type Shape = [m: number, n: number, k: number];
const SHAPES: Shape[] = [
  [1, 1, 1],
  [1, 7, 3],
  [5, 1, 9],
  [3, 5, 1],
  [7, 9, 13],
  [13, 4, 257],
  [129, 6, 5],
  [33, 130, 31],
  [130, 129, 259],
];

function checkGemm(rng: Rng, [m, n, k]: Shape, ta: boolean, tb: boolean, f32: boolean, pad: number): void {
  const lda = (ta ? m : k) + pad,
    ldb = (tb ? k : n) + pad,
    ldc = n + pad;
  const A = fill(rng, (ta ? k : m) * lda, f32);
  const B = fill(rng, (tb ? n : k) * ldb, f32);
  const C0 = fill(rng, m * ldc);
  const alpha = 0.75,
    beta = pad ? -1.5 : 0;
  const out = [gemmWasm, gemmTs, native.gemm].map((g) => {
    const C = C0.slice();
    // OpenBLAS wants one element type: the float32 operands widened (exactly) to float64 for it.
    const wide = g === native.gemm;
    g(ta, tb, m, n, k, alpha, wide ? Float64Array.from(A) : A, lda, wide ? Float64Array.from(B) : B, ldb, beta, C, ldc);
    return C;
  });
  const what = `${m}×${n}×${k} ta=${ta} tb=${tb} f32=${f32} pad=${pad}`;
  assert.ok(relDiff(out[0], out[1]) <= 1e-13, `wasm vs TS ${what}: ${relDiff(out[0], out[1])}`);
  assert.ok(relDiff(out[0], out[2]) <= 1e-13, `wasm vs native ${what}: ${relDiff(out[0], out[2])}`);
  for (let i = 0; i < m; i++)
    for (let j = n; j < ldc; j++) assert.equal(out[0][i * ldc + j], C0[i * ldc + j], `padding touched (${what})`);
}

function checkSyrk(rng: Rng, n: number, k: number, trans: boolean, pad: number): void {
  const lda = (trans ? n : k) + pad,
    ldc = n + pad;
  const A = fill(rng, (trans ? k : n) * lda);
  const C0 = fill(rng, n * ldc);
  const beta = pad ? 0.5 : 0;
  const out = [syrkWasm, syrkTs, native.syrk].map((s) => {
    const C = C0.slice();
    s(trans, n, k, -1.25, A, lda, beta, C, ldc);
    return C;
  });
  const what = `syrk n=${n} k=${k} trans=${trans} pad=${pad}`;
  assert.ok(relDiff(out[0], out[1]) <= 1e-13, `wasm vs TS ${what}: ${relDiff(out[0], out[1])}`);
  assert.ok(relDiff(out[0], out[2]) <= 1e-13, `wasm vs native ${what}: ${relDiff(out[0], out[2])}`);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < ldc; j++) assert.equal(out[0][i * ldc + j], C0[i * ldc + j], `upper touched (${what})`);
}

describe('portable gemm/syrk on the WebAssembly kernel', () => {
  before(() => setWasmGemmLimits({ minFlops: 0 }));
  after(() => setWasmGemmLimits());

  it('the kernels are available here (Node has WebAssembly SIMD)', () => {
    assert.equal(wasmKernelsAvailable(), process.env.NTK_PORTABLE_WASM !== '0');
  });

  it('gemm = TS gemm = native gemm to 1e-13 on odd shapes, all transposes, strides, α/β, Float32 operands', () => {
    const rng = new Rng(5);
    for (const shape of SHAPES)
      for (const ta of [false, true])
        for (const tb of [false, true])
          for (const [f32, pad] of [
            [false, 0],
            [false, 3],
            [true, 1],
          ] as const)
            checkGemm(rng, shape, ta, tb, f32, pad);
  });

  it('gemm tiles over rows, columns and k when the arena is small, with the same results', () => {
    setWasmGemmLimits({ minFlops: 0, arenaDoubles: 700 });
    try {
      const rng = new Rng(6);
      for (const shape of [
        [40, 37, 90],
        [3, 70, 400],
        [61, 2, 5],
        [40, 50, 4],
      ] as Shape[])
        for (const ta of [false, true])
          for (const tb of [false, true]) for (const pad of [0, 2]) checkGemm(rng, shape, ta, tb, false, pad);
    } finally {
      setWasmGemmLimits({ minFlops: 0 });
    }
  });

  it('syrk = TS syrk = native syrk to 1e-13 (both trans, strides, α/β), upper triangle untouched; tiled too', () => {
    const rng = new Rng(7);
    for (const [n, k] of [
      [1, 1],
      [5, 3],
      [129, 7],
      [260, 33],
    ])
      for (const trans of [false, true]) for (const pad of [0, 2]) checkSyrk(rng, n, k, trans, pad);
    setWasmGemmLimits({ minFlops: 0, arenaDoubles: 900 });
    try {
      for (const trans of [false, true]) for (const pad of [0, 2]) checkSyrk(rng, 150, 20, trans, pad);
    } finally {
      setWasmGemmLimits({ minFlops: 0 });
    }
  });
});
