import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { empirical } from '../../src/cli/empirical.js';
import { empiricalNtk } from '../../src/empirical/index.js';
import { NtkError } from '../../src/errors.js';
import { readMatrixNpy, readNpy, writeNpy } from '../../src/io/index.js';
import { Matrix } from '../../src/linalg/index.js';
import { buildNetwork, init, layerParams } from '../../src/nn/index.js';
import { Rng } from '../../src/util/random.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-cli-emp-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const xImg = join(dir, 'ximg.npy');
const xFlat = join(dir, 'xflat.npy');
writeNpy(xImg, new Rng(1).normals(4 * 5 * 5 * 2), [4, 5, 5, 2]);
writeNpy(xFlat, new Rng(2).normals(4 * 50), [4, 50]);
const x3d = join(dir, 'x3d.npy');
writeNpy(x3d, new Rng(4).normals(4 * 5 * 10), [4, 5, 10]);
const xNarrow = join(dir, 'xnarrow.npy');
writeNpy(xNarrow, new Rng(5).normals(3 * 49), [3, 49]);

describe('ntk empirical', () => {
  it('writes the same kernel as the library, and the parameters with a manifest', async () => {
    const arch = 'conv(3,3,bstd=0.5),relu,flatten,dense(2)';
    const out = join(dir, 'k.npy');
    const pdir = join(dir, 'params');
    assert.equal(
      await empirical.run([
        '--arch',
        arch,
        '--x',
        xImg,
        '--out',
        out,
        '--seed',
        '4',
        '--params-out',
        pdir,
        '--outputs',
        'full',
      ]),
      0,
    );
    const params = init(buildNetwork(arch, [5, 5, 2]), new Rng(4));
    const X = new Matrix(4, 50, new Rng(1).normals(200));
    assert.deepEqual(readMatrixNpy(out).data, empiricalNtk(params, X, null, { outputs: 'full' }).data);
    const man = JSON.parse(readFileSync(join(pdir, 'manifest.json'), 'utf8'));
    assert.equal(man.layers.length, 2);
    assert.deepEqual(man.layers[0].W.shape, [3, 2, 3, 3]);
    assert.deepEqual(man.layers[0].b.shape, [3]);
    assert.deepEqual(man.layers[1].W.shape, [2, 75]);
    assert.equal(man.param, 'ntk');
    // conv weights are exported (out, in, kh, kw) from the internal (out, kh, kw, in)
    const W = readNpy(join(pdir, man.layers[0].W.file));
    const { W: Wi } = layerParams(params, params.net.paramLayers[0]);
    assert.equal(W.data[((1 * 2 + 1) * 3 + 2) * 3 + 0], Wi[((1 * 3 + 2) * 3 + 0) * 2 + 1]);
  });

  it('--input-shape turns flat rows into images; --x2 gives the cross kernel', async () => {
    const out = join(dir, 'k2.npy');
    assert.equal(
      await empirical.run([
        '--arch',
        'conv(2,3),gap,dense(1)',
        '--x',
        xFlat,
        '--x2',
        xFlat,
        '--input-shape',
        '5,5,2',
        '--out',
        out,
      ]),
      0,
    );
    assert.deepEqual([readMatrixNpy(out).rows, readMatrixNpy(out).cols], [4, 4]);
  });

  it('Monte Carlo over seeds writes the mean and its standard error', async () => {
    const out = join(dir, 'mc.npy');
    const se = join(dir, 'se.npy');
    assert.equal(
      await empirical.run([
        '--arch',
        'dense(8),relu,dense(1)',
        '--x',
        xFlat,
        '--samples',
        '3',
        '--out',
        out,
        '--stderr-out',
        se,
      ]),
      0,
    );
    assert.ok(existsSync(se));
    assert.ok(readMatrixNpy(se).data.some((v) => v > 0));
  });

  const bad: [string, string[], RegExp][] = [
    ['no --arch', ['--x', xFlat, '--out', 'k.npy'], /--arch/],
    ['both --data and --x', ['--arch', 'dense(1)', '--x', xFlat, '--data', 'iris', '--out', 'k.npy'], /exactly one/],
    ['an unknown layer', ['--arch', 'dense(3),softmax', '--x', xFlat, '--out', 'k.npy'], /softmax/],
    [
      'conv on flat rows',
      ['--arch', 'conv(2,3),gap,dense(1)', '--x', xFlat, '--out', 'k.npy'],
      /layer 0 `conv`.*--input-shape/,
    ],
    [
      'dense after conv without flatten',
      ['--arch', 'conv(2,3),dense(1)', '--x', xImg, '--out', 'k.npy'],
      /layer 1 `dense`.*flatten/,
    ],
    [
      'an input shape that does not multiply out',
      ['--arch', 'dense(1)', '--x', xFlat, '--input-shape', '4,4,2', '--out', 'k.npy'],
      /--input-shape.*50/,
    ],
    [
      'a malformed input shape',
      ['--arch', 'dense(1)', '--x', xFlat, '--input-shape', '5,x,2', '--out', 'k.npy'],
      /--input-shape.*H,W,C.*5,x,2/,
    ],
    ['a 3-D input array', ['--arch', 'dense(1)', '--x', x3d, '--out', 'k.npy'], /--x.*2-D.*4-D.*\(4, 5, 10\)/],
    [
      'an --x2 with another feature count',
      ['--arch', 'dense(1)', '--x', xFlat, '--x2', xNarrow, '--out', 'k.npy'],
      /--x2.*50 features.*49/,
    ],
    [
      'an unknown implementation',
      ['--arch', 'dense(1)', '--x', xFlat, '--implementation', 'magic', '--out', 'k.npy'],
      /--implementation/,
    ],
    [
      '--stderr-out without samples',
      ['--arch', 'dense(1)', '--x', xFlat, '--out', join(dir, 'z.npy'), '--stderr-out', join(dir, 's.npy')],
      /--samples/,
    ],
  ];
  for (const [name, argv, re] of bad) {
    it(`rejects ${name} with a typed error`, async () => {
      await assert.rejects(empirical.run(argv), (e: unknown) => e instanceof NtkError && re.test(e.message));
    });
  }
  it('rejects NaN inputs, naming the entry', async () => {
    const p = join(dir, 'nan.npy');
    const v = new Rng(3).normals(20);
    v[7] = Number.NaN;
    writeNpy(p, v, [2, 10]);
    await assert.rejects(
      empirical.run(['--arch', 'dense(2)', '--x', p, '--out', join(dir, 'n.npy')]),
      /--x: .*nan\.npy has a non-finite entry NaN at \(row 0, col 7\)/,
    );
  });
});
