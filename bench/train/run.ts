/**
 * Full-batch gradient descent: ntk-lab's trainer against the same loop in PyTorch (Debian's torch, /usr/bin/python3),
 * in one process tree, float64 on both sides, identical initial weights.
 *
 *   npx tsx bench/train/run.ts [--steps 1000] [--n 2000] [--width 1024] [--loss ce|mse] [--reps 1] [--block 100]
 *
 * Task: MLP 784-W-10 (`dense(W),relu,dense(10)`, NTK parameterization, no biases) on the first n of
 * loadDataset('mnist:train:n=N') (pixels ÷ 255), loss softmax cross-entropy averaged over n (`--loss ce`, default) or
 * ½‖f − y‖²/n on one-hot targets (`--loss mse`), learning rate 0.5, no linearized model, loss recorded every
 * `block` steps. ntk-lab runs `train()` from src/train (forward with tape, loss gradient, VJP, update); torch runs
 * forward, loss, backward, in-place update. Both use 2 BLAS threads. Reported: median seconds per block of `block`
 * steps (×steps/block = time for `steps` steps), total wall time, and the loss after the last step on both sides (the
 * same computation, so they agree to rounding).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset } from '../../src/data/index.js';
import { writeNpy } from '../../src/io/index.js';
import { backend } from '../../src/linalg/index.js';
import { buildNetwork, init } from '../../src/nn/index.js';
import { smoothLabels } from '../../src/train/losses.js';
import { train } from '../../src/train/trainer.js';
import { Rng } from '../../src/util/random.js';
import { median } from '../../src/util/stats.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '1000' },
    n: { type: 'string', default: '2000' },
    width: { type: 'string', default: '1024' },
    loss: { type: 'string', default: 'ce' },
    reps: { type: 'string', default: '1' },
    block: { type: 'string', default: '100' },
    out: { type: 'string', default: 'bench/train/RESULTS.md' },
  },
});
const steps = Number(values.steps);
const n = Number(values.n);
const width = Number(values.width);
const reps = Number(values.reps);
const block = Number(values.block);
const loss = values.loss === 'mse' ? 'mse' : 'ce';
const lr = 0.5;

const ds = loadDataset(`mnist:train:n=${n}`);
if (ds.task !== 'classification') throw new Error('mnist should be a classification set');
const Y = smoothLabels(ds.y, 10, 0);
const arch = `dense(${width}),relu,dense(10)`;
const net = buildNetwork(arch, [784]);
const p0 = init(net, new Rng(0));
const [l1, l2] = net.paramLayers;
const dir = mkdtempSync(join(tmpdir(), 'ntk-bench-train-'));
const info = backend().info();
const load0 = loadavg()[0];
try {
  const paths = { x: join(dir, 'x.npy'), y: join(dir, 'y.npy'), w1: join(dir, 'w1.npy'), w2: join(dir, 'w2.npy') };
  writeNpy(paths.x, ds.X.data, [n, 784]);
  writeNpy(paths.y, Float64Array.from(ds.y), [n]);
  writeNpy(paths.w1, p0.theta.slice(l1.wOffset, l1.wOffset + l1.wSize), [width, 784]);
  writeNpy(paths.w2, p0.theta.slice(l2.wOffset, l2.wOffset + l2.wSize), [10, width]);
  const ours: { blocks: number[]; total: number; last: number }[] = [];
  const torch: { blocks: number[]; total: number; last: number }[] = [];
  let torchVersion = '';
  for (let r = 0; r < reps; r++) {
    const marks: number[] = [];
    const t0 = performance.now();
    const res = await train(
      {
        arch,
        seed: 0,
        loss,
        normalization: 'mean',
        lr: { absolute: lr },
        steps,
        linearized: false,
        trackers: ['loss'],
        schedule: { kind: 'every', every: block },
      },
      { X: ds.X, Y },
      { onRecord: () => marks.push(performance.now()) },
    );
    const total = (performance.now() - t0) / 1000;
    const blocks = marks.slice(1).map((m, i) => (m - marks[i]) / 1000);
    ours.push({ blocks, total, last: res.history.at(-1)?.loss ?? Number.NaN });
    process.stderr.write(`ntk-lab rep ${r}: ${total.toFixed(1)} s, final loss ${ours.at(-1)?.last}\n`);
    const args = { ...paths, steps, block, lr, loss, threads: info.threads };
    const p = spawnSync('/usr/bin/python3', [join('bench', 'train', 'torch_train.py'), JSON.stringify(args)], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: String(info.threads) },
    });
    if (p.status !== 0) throw new Error(`torch peer failed: ${p.stderr}`);
    const t = JSON.parse(p.stdout) as { blocks: number[]; total: number; losses: number[]; torch: string };
    torchVersion = t.torch;
    torch.push({ blocks: t.blocks, total: t.total, last: t.losses.at(-1) ?? Number.NaN });
    process.stderr.write(`torch rep ${r}: ${t.total.toFixed(1)} s, final loss ${t.losses.at(-1)}\n`);
  }
  const ob = median(ours.flatMap((o) => o.blocks));
  const tb = median(torch.flatMap((o) => o.blocks));
  const fmt = (x: number): string => x.toFixed(3);
  const lines = [
    '# Full-batch GD: ntk-lab trainer vs PyTorch',
    '',
    `MLP 784-${width}-10 (NTK parameterization, no biases, ReLU), n = ${n} MNIST training images (pixels ÷ 255), ` +
      `${steps} full-batch steps, loss ${loss === 'ce' ? 'softmax cross-entropy, mean over n' : '½‖f − y‖²/n on one-hot targets'}, ` +
      `η = ${lr}, float64 on both sides, identical initial weights; ${reps} run(s) each, interleaved. ` +
      `Backend: ${info.name} (OpenBLAS core ${info.corename}, ${info.threads} threads); torch ${torchVersion} (${info.threads} threads). ` +
      `Load average at start: ${load0.toFixed(1)} on this ${info.threads}-core machine.`,
    '',
    `Reproduce: \`npx tsx bench/train/run.ts --steps ${steps} --n ${n} --width ${width} --loss ${loss} --reps ${reps} --block ${block}\``,
    '',
    `| side | median s per ${block} steps | ⇒ s per ${steps} steps | total wall s (runs) | loss after ${steps} steps |`,
    '| --- | --- | --- | --- | --- |',
    `| ntk-lab \`train()\` | ${fmt(ob)} | ${fmt((ob * steps) / block)} | ${ours.map((o) => o.total.toFixed(1)).join(', ')} | ${ours.map((o) => o.last.toPrecision(10)).join(', ')} |`,
    `| PyTorch (same loop) | ${fmt(tb)} | ${fmt((tb * steps) / block)} | ${torch.map((o) => o.total.toFixed(1)).join(', ')} | ${torch.map((o) => o.last.toPrecision(10)).join(', ')} |`,
    '',
    `Ratio ntk-lab / PyTorch (median block time): **${(ob / tb).toFixed(3)}** (goal ≤ 1).`,
    '',
  ];
  writeFileSync(values.out, lines.join('\n'));
  process.stdout.write(lines.join('\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
