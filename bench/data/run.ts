/**
 * Loading all 70000 MNIST images: ntk-lab vs numpy reading the same IDX files, in one process tree.
 *
 *   npx tsx bench/data/run.ts [--reps 7]
 *
 * Cases (median of --reps runs each, after one warm-up that is reported separately as "first"):
 *   dataset   loadDataset('mnist:train') + loadDataset('mnist:test'): X as float64 in [0, 1] (what consumers get);
 *             numpy: np.frombuffer(…, offset=16).astype(np.float64) / 255 for both files + labels.
 *   raw       IDX bytes only (uint8 pixels + labels, header checks); numpy: np.frombuffer on the file bytes.
 * The first ntk-lab run in the process also verifies the SHA-256 of the four files (later runs skip it).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clearVerifiedChecksums } from '../../src/data/checksums.js';
import { loadMnistRaw } from '../../src/data/images.js';
import { defaultMnistDir } from '../../src/data/paths.js';
import { loadDataset } from '../../src/data/registry.js';
import { median } from '../../src/util/stats.js';

const { values } = parseArgs({
  options: { reps: { type: 'string', default: '7' }, child: { type: 'boolean', default: false } },
});
const reps = Number(values.reps);

function time(fn: () => unknown): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

let sink = 0;
function dataset(): void {
  const a = loadDataset('mnist:train');
  const b = loadDataset('mnist:test');
  sink += a.X.data[12345] + b.X.data[54321] + a.X.rows + b.X.rows;
}
function raw(): void {
  const r = loadMnistRaw('all');
  sink += r.y.length;
}

clearVerifiedChecksums();
const firstDataset = time(dataset); // includes SHA-256 verification of the 4 files
if (values.child) {
  // Child run under GLIBC_TUNABLES=glibc.malloc.hugetlb=1: only the warm dataset median.
  console.log(JSON.stringify({ dataset: median(Array.from({ length: reps }, () => time(dataset))) }));
  process.exit(0);
}
const ours = {
  dataset: median(Array.from({ length: reps }, () => time(dataset))),
  raw: median(Array.from({ length: reps }, () => time(raw))),
};

const dir = defaultMnistDir();
const py = `
import numpy as np, time, json, statistics
d = ${JSON.stringify(dir)}
def rd(name, off):
    with open(f"{d}/{name}", 'rb') as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=off)
def raw():
    xs = [rd('train-images-idx3-ubyte', 16).reshape(60000, 784), rd('t10k-images-idx3-ubyte', 16).reshape(10000, 784)]
    ys = [rd('train-labels-idx1-ubyte', 8), rd('t10k-labels-idx1-ubyte', 8)]
    return xs, ys
def dataset():
    xs, ys = raw()
    return [x.astype(np.float64) / 255 for x in xs], [y.astype(np.int32) for y in ys]
def med(f, n):
    ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append((time.perf_counter() - t) * 1000)
    return statistics.median(ts)
first = med(dataset, 1)
print(json.dumps({'first': first, 'dataset': med(dataset, ${reps}), 'raw': med(raw, ${reps})}))
`;
const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8', maxBuffer: 1 << 20 });
if (r.status !== 0) throw new Error(r.stderr);
const np = JSON.parse(r.stdout) as { first: number; dataset: number; raw: number };

// The same dataset case in a child process whose malloc asks for transparent huge pages (numpy does this itself).
const thpRun = spawnSync(process.execPath, ['--import', 'tsx', process.argv[1], '--child', '--reps', String(reps)], {
  encoding: 'utf8',
  env: { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' },
});
if (thpRun.status !== 0) throw new Error(thpRun.stderr);
const thp = JSON.parse(thpRun.stdout.trim().split('\n').pop() ?? '{}') as { dataset: number };

const rows = [
  ['case', 'ntk-lab ms', 'numpy ms', 'ntk-lab / numpy'],
  ['first dataset load (70k, float64; ours incl. SHA-256)', firstDataset, np.first],
  ['dataset (70k images → float64 [0,1] + labels)', ours.dataset, np.dataset],
  ['dataset, node under GLIBC_TUNABLES=glibc.malloc.hugetlb=1', thp.dataset, np.dataset],
  ['raw IDX (uint8 pixels + labels)', ours.raw, np.raw],
];
console.log(`MNIST load, median of ${reps} runs (files in ${join(dir)})`);
for (const row of rows) {
  if (typeof row[1] === 'number' && typeof row[2] === 'number') {
    console.log(`| ${row[0]} | ${row[1].toFixed(0)} | ${row[2].toFixed(0)} | ${(row[1] / row[2]).toFixed(2)} |`);
  } else console.log(`| ${row.join(' | ')} |`);
}
if (sink === 0) console.log('');
