/**
 * Empirical-NTK benchmark: ntk-lab structured vs ntk-lab jacobian vs PyTorch functorch vmap(jacrev) + einsum (torch
 * float64, same machine, same run). Each measurement runs in its own process so its RSS high-water mark is its own.
 *   npx tsx bench/empirical/run.ts [--repeats 3] [--quick] [--skip-large-jacobian]
 * Cases: MLP 784-512-512-10 (trace outputs) on MNIST: n = 100 for all three, n = 2000 for structured and PyTorch
 * (the Jacobian peers hold O·P doubles per example, 53 MB here, and contract 2.7·10¹³ flops at n = 2000, so PyTorch
 * runs once there, ≈ 20 min; --skip-large-jacobian leaves it out; ntk-lab's own `jacobian` reference recomputes tiles
 * and would take hours at n = 2000), structured also with cacheBytes = 256 MiB (every tile's factors cached: faster, more memory); CNN conv(16,3),relu,conv(16,3,stride=2),relu,gap,dense(10) on n = 500 MNIST images (28×28×1).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../../src/data/index.js';
import { writeNpy } from '../../src/io/index.js';
import { Rng } from '../../src/util/random.js';
import { median } from '../../src/util/stats.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const repeats = args.includes('--repeats') ? Number(args[args.indexOf('--repeats') + 1]) : 3;
const quick = args.includes('--quick');
const dir = mkdtempSync(join(tmpdir(), 'ntk-bench-'));
const xPath = join(dir, 'x.npy');
let source: string;
try {
  const ds = loadDataset('mnist:train:n=2000');
  writeNpy(xPath, ds.X.data, [ds.X.rows, ds.X.cols]);
  source = `MNIST (${ds.spec}, pixels scaled to [0,1])`;
} catch (e) {
  writeNpy(xPath, new Rng(0).normals(2000 * 784), [2000, 784]);
  source = `random N(0,1) inputs of MNIST shape (MNIST unavailable: ${(e as Error).message})`;
}

interface Result {
  impl: string;
  n: number;
  times: number[];
  rssBeforeMB: number;
  peakRssMB: number;
  trace: number;
}

function ours(
  impl: 'structured' | 'jacobian',
  arch: string,
  shape: string,
  n: number,
  reps: number,
  tileBytes?: number,
  cacheBytes?: number,
): Result {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(here, 'worker.ts'),
      impl,
      arch,
      shape,
      xPath,
      String(n),
      String(reps),
      String(tileBytes ?? 96 * 2 ** 20),
      ...(cacheBytes !== undefined ? [String(cacheBytes)] : []),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Result;
}
function torch(kind: 'mlp' | 'cnn', n: number, reps: number, tile: number): Result | string {
  const r = spawnSync(
    '/usr/bin/python3',
    [join(here, 'torch_worker.py'), kind, xPath, String(n), String(reps), String(tile)],
    // progress lines on stderr pass through (the n = 2000 run takes tens of minutes)
    { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (r.status !== 0) return `torch failed with exit status ${r.status} (see its stderr above)`;
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Result;
}

const MLP = 'dense(512),relu,dense(512),relu,dense(10)';
const CNN = 'conv(16,3),relu,conv(16,3,stride=2),relu,gap,dense(10)';
const rows: string[] = [];
const line = (name: string, r: Result | string, base?: Result) => {
  if (typeof r === 'string') {
    rows.push(`| ${name} | — | — | — | ${r} |`);
    process.stderr.write(`${rows[rows.length - 1]}\n`);
    return;
  }
  const t = median(r.times);
  const ratio = base ? (t / median(base.times)).toFixed(1) : '1.0';
  rows.push(
    `| ${name} | n=${r.n} | ${t.toFixed(3)} s (${r.times.map((x) => x.toFixed(2)).join(', ')}) | ${r.peakRssMB.toFixed(0)} MB (before: ${r.rssBeforeMB.toFixed(0)} MB) | ×${ratio} vs structured (same n) |`,
  );
  process.stderr.write(`${rows[rows.length - 1]}\n`);
};

// The Jacobian peers materialize O·P = 6.7 M doubles per MLP example, so they run once, at a small n.
const nSmall = quick ? 50 : 100;
const nCnn = quick ? 100 : 500;
const sS = ours('structured', MLP, '784', nSmall, repeats);
line('MLP structured', sS);
line('MLP torch vmap(jacrev)+einsum', torch('mlp', nSmall, 1, 50), sS);
line('MLP jacobian (ntk-lab)', ours('jacobian', MLP, '784', nSmall, 1, 1 << 30), sS);
const s2000 = ours('structured', MLP, '784', 2000, repeats);
line('MLP structured', s2000);
line(
  'MLP structured, cacheBytes: 256 MiB (every tile cached)',
  ours('structured', MLP, '784', 2000, repeats, undefined, 256 * 2 ** 20),
  s2000,
);
if (!quick && !args.includes('--skip-large-jacobian')) {
  // tiles of 100 examples: two 5.3 GB Jacobian tiles alive (≈ 11 GB peak), fewer Jacobian recomputations than 50
  line('MLP torch vmap(jacrev)+einsum', torch('mlp', 2000, 1, 100), s2000);
}
const c500 = ours('structured', CNN, '28,28,1', nCnn, repeats);
line('CNN structured', c500);
line('CNN torch vmap(jacrev)+einsum', torch('cnn', nCnn, repeats, 100), c500);
line('CNN jacobian (ntk-lab)', ours('jacobian', CNN, '28,28,1', nCnn, 1), c500);
rmSync(dir, { recursive: true, force: true });

process.stdout.write(
  [
    `inputs: ${source}`,
    `kernel output bytes at n=2000: ${((2000 * 2000 * 8) / 2 ** 20).toFixed(1)} MB`,
    '',
    '| case | n | median time (runs) | peak RSS | ratio |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n'),
);
