// Issue #14's transformer block, `dense(w),sum(layernorm,attention(heads=4) | identity),sum(layernorm,dense(2w),relu,
// dense(w) | identity),gap,dense(10)`, on sequences (T tokens × D features, the image T×1×D) and on images: it builds,
// its analytic NNGP and NTK match Monte-Carlo means of the finite networks with the error falling with width, the CLI
// computes it (`ntk kernel`, `ntk empirical`: the same kernels as the library), and attention on a flat input is a
// typed error naming the layer path. (Central finite differences of its VJP and JVP: test/nn/grad.test.ts; structured
// = Jacobian-contraction empirical NTK: test/empirical/ntk.test.ts; both run the block among their cases.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { empiricalNtk } from '../../src/empirical/ntk.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { readMatrixNpy, writeMatrixNpy } from '../../src/io/npy.js';
import { buildNetwork, init } from '../../src/nn/index.js';
import { Rng } from '../../src/util/random.js';
import { convergence, randn, relErr } from './helpers.js';

export const transformer = (w: number, out = 10): string =>
  `dense(${w}),sum(layernorm,attention(heads=4) | identity),sum(layernorm,dense(${2 * w}),relu,dense(${w}) | identity),gap,dense(${out})`;

const SEQ = [3, 1, 4];
const IMG = [2, 2, 3];

describe('transformer block (issue #14)', () => {
  it('builds on a sequence and on an image: 10 outputs, attention and MLP sub-blocks with residual sums', () => {
    for (const shape of [SEQ, IMG]) {
      const net = buildNetwork(transformer(64), shape);
      assert.deepEqual(net.outputShape, [10]);
      // dense(64) | attention's keys, values, output (tied queries) | dense(128), dense(64) | dense(10)
      assert.deepEqual(
        net.paramLayers.map((p) => p.path),
        ['0', '1.1', '1.1', '1.1', '2.1', '2.3', '4'],
      );
      const D = shape[2];
      const C = 64;
      // (no biases: dense's default bstd is 0, as attention's)
      assert.equal(net.numParams, D * C + 3 * (C * C) + C * 2 * C + 2 * C * C + C * 10);
    }
  });

  it('on a flat input, attention is a typed error naming its path inside the sum', () => {
    assert.throws(
      () => buildNetwork(transformer(8), [12]),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        /layer 1\.1 `attention`.*input with positions.*flat \(8\).*--input-shape T,D/.test(e.message),
    );
  });

  const cases: [string, number[], number[]][] = [
    ['sequence 3 tokens × 4 features', SEQ, [16, 64, 256]],
    ['image 2×2×3', IMG, [16, 256]],
  ];
  for (const [name, shape, widths] of cases) {
    it(`${name}: analytic NNGP and NTK = Monte-Carlo means (8 seeds), error falling with width`, async () => {
      const X = randn(3, 12, name.length);
      const errs = await convergence((w) => transformer(w), shape, X, widths, 8);
      const [small, large] = [errs[0], errs[errs.length - 1]];
      const msg = errs.map((e, i) => `${widths[i]}: NNGP ${e.nngp.toExponential(2)} NTK ${e.ntk.toExponential(2)}`);
      assert.ok(large.nngp < small.nngp && large.ntk < small.ntk, msg.join('; '));
      assert.ok(large.nngp < 0.08 && large.ntk < 0.05, msg.join('; '));
    });
  }

  const dir = mkdtempSync(join(tmpdir(), 'ntk-transformer-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const ntk = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  it('CLI: ntk kernel (--input-shape T,D) and ntk empirical (image) compute the library kernels', async () => {
    const X = randn(4, 12, 5);
    const x = join(dir, 'x.npy');
    writeMatrixNpy(x, X);
    const arch = transformer(8);
    const k = ntk(
      'kernel',
      '--arch',
      arch,
      '--x',
      x,
      '--input-shape',
      '3,4',
      '--workers',
      '0',
      '--out',
      join(dir, 'k.npy'),
    );
    assert.equal(k.status, 0, k.stderr);
    const ref = await kernelFn(arch, { inputShape: SEQ, workers: 0 })(X, null, 'ntk');
    assert.ok(relErr(readMatrixNpy(join(dir, 'k.npy')), ref) < 1e-14);
    const e = ntk(
      'empirical',
      '--arch',
      arch,
      '--x',
      x,
      '--input-shape',
      '2,2,3',
      '--seed',
      '3',
      '--out',
      join(dir, 'e.npy'),
    );
    assert.equal(e.status, 0, e.stderr);
    const emp = empiricalNtk(init(buildNetwork(arch, IMG), new Rng(3)), X);
    assert.ok(relErr(readMatrixNpy(join(dir, 'e.npy')), emp) < 1e-14);
  });
});
