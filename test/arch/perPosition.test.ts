// Outputs with positions, one rule in every path (src/arch/compile.ts requireFlatOutput): a network whose output
// still has positions is refused with the same text by kernelFn, empiricalNtk, monteCarloNtk, ntkvp, training and
// the CLI, unless it contains `aggregate` (node-level graph kernels: test/arch/aggregate.test.ts) or the caller asks
// (`perPosition: true`, `--per-position`); then it has one output per position and channel, position-major, i.e. the
// outputs of the same network ending in `flatten` (the finite network's NHWC order), which is the reference here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { monteCarloNtk } from '../../src/empirical/montecarlo.js';
import { empiricalNtk } from '../../src/empirical/ntk.js';
import { ntkvp } from '../../src/empirical/ntkvp.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { readMatrixNpy, writeMatrixNpy } from '../../src/io/npy.js';
import { Matrix } from '../../src/linalg/index.js';
import { buildNetwork, init } from '../../src/nn/index.js';
import { resolveConfig, train, type TrainConfig } from '../../src/train/index.js';
import { Rng } from '../../src/util/random.js';
import { randn, relErr } from './helpers.js';

const SHAPE = [2, 2, 1];
const A = 'conv(3,1,bstd=0.1),relu,dense(2)';
const FLAT = `${A},flatten`;
const X = randn(3, 4, 1);

describe('outputs with positions: one rule in every path', () => {
  it('refused without the opt-in, with the same text in every library path', async () => {
    const net = buildNetwork(A, SHAPE);
    const params = init(net, new Rng(1));
    const cfg: TrainConfig = { arch: A, inputShape: SHAPE, seed: 0, loss: 'mse', lr: { absolute: 0.1 }, steps: 1 };
    const data = { X, Y: randn(3, 8, 2) };
    const calls: [string, () => unknown][] = [
      ['kernelFn', () => kernelFn(A, { inputShape: SHAPE })],
      ['empiricalNtk', () => empiricalNtk(params, X)],
      ['monteCarloNtk', () => monteCarloNtk(net, X, null, { samples: 1 })],
      ['ntkvp', () => ntkvp(params, X, randn(3, 1, 3))],
      ['train', () => resolveConfig(cfg, data)],
    ];
    const texts = calls.map(([fn, f]) => {
      let text = '';
      assert.throws(f, (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentError, `${fn}: ${String(e)}`);
        assert.ok(e.message.startsWith(`${fn}: `), e.message);
        text = e.message.slice(fn.length + 2);
        return true;
      });
      return text;
    });
    assert.match(
      texts[0],
      /output is image 2×2×2 \(h×w×c\), after layer 2 `dense`.*`flatten` or `gap`.*2·2·2 = 8 outputs.*--per-position.*perPosition: true/,
    );
    for (const t of texts) assert.equal(t, texts[0]);
  });

  it('perPosition: the kernels of the same network ending in flatten (empirical, Monte Carlo, ntkvp, analytic trace)', async () => {
    const pa = init(buildNetwork(A, SHAPE), new Rng(2));
    const pb = init(buildNetwork(FLAT, SHAPE), new Rng(2));
    assert.deepEqual(pa.theta, pb.theta);
    const X2 = randn(2, 4, 4);
    for (const outputs of ['trace', 'full'] as const) {
      const ref = empiricalNtk(pb, X, X2, { outputs });
      assert.ok(relErr(empiricalNtk(pa, X, X2, { outputs, perPosition: true }), ref) < 1e-13);
      const mcA = monteCarloNtk(buildNetwork(A, SHAPE), X, null, { samples: 2, outputs, perPosition: true });
      const mcB = monteCarloNtk(buildNetwork(FLAT, SHAPE), X, null, { samples: 2, outputs });
      assert.ok(relErr(mcA.mean, mcB.mean) < 1e-13);
      const V = randn(3, outputs === 'full' ? 8 : 1, 5);
      assert.ok(relErr(ntkvp(pa, X, V, { outputs, perPosition: true }), ntkvp(pb, X, V, { outputs })) < 1e-13);
    }
    const ka = await kernelFn(A, { inputShape: SHAPE, perPosition: true, workers: 0 })(X, X2, 'both');
    const kb = await kernelFn(FLAT, { inputShape: SHAPE, workers: 0 })(X, X2, 'both');
    assert.ok(relErr(ka.ntk, kb.ntk) < 1e-13 && relErr(ka.nngp, kb.nngp) < 1e-13);
  });

  it('perPosition, outputs full: the analytic per-(position, channel) NTK = Monte-Carlo means (width 512)', async () => {
    const wide = 'conv(512,1,bstd=0.1),relu,dense(2)';
    const an = await kernelFn(wide, { inputShape: SHAPE, outputs: 'full', perPosition: true, workers: 0 })(
      X,
      null,
      'ntk',
    );
    const mc = monteCarloNtk(buildNetwork(wide, SHAPE), X, null, { samples: 8, outputs: 'full', perPosition: true });
    assert.equal(an.rows, 3 * 8);
    assert.ok(relErr(mc.mean, an) < 0.03, `${relErr(mc.mean, an)}`);
    // the same network ending in `flatten` (no readout): its P·C outputs are the per-position ones, correlated
    // across positions of one channel, so outputs 'full' is the same kernel (it was δ between different outputs)
    const flat = await kernelFn(`${wide},flatten`, { inputShape: SHAPE, outputs: 'full', workers: 0 })(X, null, 'ntk');
    assert.ok(relErr(flat, an) < 1e-13, `${relErr(flat, an)}`);
    const mcFlat = monteCarloNtk(buildNetwork(`${wide},flatten`, SHAPE), X, null, { samples: 8, outputs: 'full' });
    assert.ok(relErr(mcFlat.mean, flat) < 0.03, `${relErr(mcFlat.mean, flat)}`);
    // a non-affine layer between that flatten and the end: refused for outputs 'full' (the trace is unaffected)
    assert.throws(
      () => kernelFn(`${wide},flatten,relu`, { inputShape: SHAPE, outputs: 'full' }),
      /kernelFn: .*`outputs` must be .*ends it\. Value: `full`.*layer 4 `relu` follows the `flatten` at layer 3/,
    );
  });

  it('training with perPosition fits the P·C outputs (Y: n × 8), λ_max(Θ₀) and the NTK trackers included', async () => {
    const Y = randn(3, 8, 6);
    const cfg: TrainConfig = {
      arch: A,
      inputShape: SHAPE,
      seed: 0,
      loss: 'mse',
      lr: { fraction: 0.5 },
      steps: 20,
      perPosition: true,
    };
    assert.equal(resolveConfig(cfg, { X, Y }).O, 8);
    const r = await train(cfg, { X, Y });
    assert.equal(r.status, 'completed');
    assert.ok(r.lambdaMax !== null && r.lambdaMax > 0);
  });

  const dir = mkdtempSync(join(tmpdir(), 'ntk-per-position-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const ntk = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  it('CLI: --per-position gives the flatten network’s kernel (ntk kernel, ntk empirical)', async () => {
    const x = join(dir, 'x.npy');
    writeMatrixNpy(x, X);
    const common = ['--arch', A, '--x', x, '--input-shape', '2,2,1'];
    const k = ntk('kernel', ...common, '--per-position', '--workers', '0', '--out', join(dir, 'k.npy'));
    assert.equal(k.status, 0, k.stderr);
    const ref = await kernelFn(FLAT, { inputShape: SHAPE, workers: 0 })(X, null, 'ntk');
    assert.ok(relErr(readMatrixNpy(join(dir, 'k.npy')), ref) < 1e-14);
    const e = ntk('empirical', ...common, '--per-position', '--outputs', 'full', '--out', join(dir, 'e.npy'));
    assert.equal(e.status, 0, e.stderr);
    const emp: Matrix = empiricalNtk(init(buildNetwork(FLAT, SHAPE), new Rng(0)), X, null, { outputs: 'full' });
    assert.ok(relErr(readMatrixNpy(join(dir, 'e.npy')), emp) < 1e-14);
  });
});
