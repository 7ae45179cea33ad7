// The flatten fast path (program.ts: an image network that begins with `flatten` is compiled as the flat-row network)
// against the spatial engine: `avgpool(1)` before `flatten` is the identity on values but needs the full (p, p′)
// covariances, so `avgpool(1),flatten,…` runs the reference path (per-pixel products, then flatten's mean over
// equal positions) for the same kernel.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { compileProgram } from '../../src/analytic/program.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { Rng } from '../../src/util/random.js';

const SHAPE = [6, 5, 2];
const D = 6 * 5 * 2;

function images(seed: number, n: number): Matrix {
  const rng = new Rng(seed);
  const X = new Matrix(n, D);
  for (let i = 0; i < n; i++) {
    const s = Math.exp(rng.normal());
    for (let k = 0; k < D; k++) X.data[i * D + k] = s * rng.normal();
  }
  return X;
}

function worstRel(a: Matrix, b: Matrix): number {
  assert.equal(a.data.length, b.data.length);
  let scale = 0;
  for (const v of b.data) scale = Math.max(scale, Math.abs(v));
  let w = 0;
  for (let i = 0; i < a.data.length; i++) w = Math.max(w, Math.abs(a.data[i] - b.data[i]) / scale);
  return w;
}

const TAILS = [
  'dense(16),relu,dense(1)',
  'dense(8,wstd=1.3,bstd=0.2),erf,dense(8),gelu,dense(3)',
  'dense(8),residual(relu,dense(8)),tanh,dense(1)',
];

describe('kernelFn: flatten fast path = the spatial engine (avgpool(1),flatten,…)', () => {
  for (const tail of TAILS)
    for (const param of ['ntk', 'standard'] as const)
      test(`flatten,${tail} (${param})`, async () => {
        const X1 = images(1, 7);
        const X2 = images(2, 5);
        const opts = { inputShape: SHAPE, param };
        const fast = kernelFn(`flatten,${tail}`, opts);
        const ref = kernelFn(`avgpool(1),flatten,${tail}`, opts);
        for (const x2 of [null, X2]) {
          const a = await fast(X1, x2, 'both');
          const b = await ref(X1, x2, 'both');
          assert.ok(worstRel(a.ntk, b.ntk) < 1e-13, `NTK ${worstRel(a.ntk, b.ntk)}`);
          assert.ok(worstRel(a.nngp, b.nngp) < 1e-13, `NNGP ${worstRel(a.nngp, b.nngp)}`);
        }
      });

  test('identity layers before flatten collapse too; the result is the flat-row kernel of the NHWC rows', async () => {
    const X = images(3, 6);
    const arch = 'identity,flatten,dense(16),relu,dense(1)';
    assert.equal(compileProgram(arch, SHAPE).input, 'flat');
    const a = await kernelFn(arch, { inputShape: SHAPE })(X, null, 'ntk');
    const flat = await kernelFn('dense(16),relu,dense(1)', { inputShape: [D] })(X, null, 'ntk');
    assert.deepEqual(a.data, flat.data);
    const ref = await kernelFn(`avgpool(1),${arch}`, { inputShape: SHAPE })(X, null, 'ntk');
    assert.ok(worstRel(a, ref) < 1e-13);
  });

  test('layers that need the spatial structure keep the spatial engine', () => {
    assert.equal(compileProgram('flatten,dense(4),relu,dense(1)', SHAPE).input, 'flat');
    assert.equal(compileProgram('conv(4,3),relu,flatten,dense(1)', SHAPE).input, 'diag');
    assert.equal(compileProgram('avgpool(1),flatten,dense(1)', SHAPE).input, 'full');
  });

  test('the checks of skipped layers still run (an activation after flatten at the input is not Gaussian)', () => {
    assert.throws(() => compileProgram('flatten,relu,dense(1)', SHAPE), /Gaussian|gaussian/);
  });

  test('workers: the fast path gives the same bytes in-process and on worker threads', async () => {
    const X = images(4, 40);
    const arch = 'flatten,dense(16),relu,dense(1)';
    const a = await kernelFn(arch, { inputShape: SHAPE, workers: 0, tile: 8 })(X, null, 'ntk');
    const b = await kernelFn(arch, { inputShape: SHAPE, workers: 2, tile: 8 })(X, null, 'ntk');
    assert.deepEqual(a.data, b.data);
  });
});
