/**
 * Issue #17's analytic CNN measurements in one run (medians and ratios interleaved, each ntk-lab run in its own
 * child process so that NTK_SIMD and the CPU time are per run):
 *
 *   npx tsx bench/analytic/cnn.ts [--n 200] [--numpy-n 200] [--reps 3] [--numpy-reps 1] [--n-rows 40]
 *                                 [--n-mlp 1000] [--n-check 40] [--skip-numpy] [--skip-rows] [--skip-mlp]
 *
 * Rows:
 *   fused    conv(64,3),relu,gap,dense(1) NTK on n MNIST images against numpy (bench/analytic/numpy_peer.py cnn, the
 *            same recursion vectorized). numpy runs at --numpy-n (it takes minutes at 200); below n its time is
 *            scaled to n by the pair count n(n+1)/2 (each pair costs the same: one 784 × 784 patch Gram and the
 *            relu kernel on it) and the row says so. numpy gets the first --numpy-n of the n images; the results are
 *            compared on that block.
 *   limit    the flop limit of that kernel (bench/analytic/flops.ts: operation count over one core's peak FMA rate
 *            per CPU second) against the run's CPU seconds; and the wall limit (the count over both cores' rate).
 *   scalar   the worst relative difference of the vectorized kernel from the TypeScript loops (NTK_SIMD=off) at
 *            --n-check images, and the bits compared between the SIMD paths this CPU runs.
 *   flatten  conv(32,3,stride=2),relu,conv(32,3,stride=2),relu,flatten,dense(1) and
 *   avgpool  conv(16,3),relu,avgpool(2),conv(16,3),relu,gap,dense(1) NTK at --n-rows: vectorized vs TypeScript loops.
 *   mlp      flatten,dense(512),relu,dense(512),relu,dense(10) on images vs the same MLP on the flat rows at --n-mlp
 *            (the flatten fast path: must stay within 10 %), alternating which runs first.
 * Times: wall seconds of the kernel call inside the child (after a warm-up call on half the images, at most 40, which
 * starts the worker pool and compiles the tile code in both threads) and
 * the child's CPU seconds (all threads); numpy is timed inside python. The load average is printed with each run:
 * on a shared machine the ratios measured in one run are the measurement.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { loadDataset } from '../../src/data/index.js';
import { readMatrixNpy, writeMatrixNpy } from '../../src/io/npy.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { backend } from '../../src/linalg/registry.js';
import { simdKernels, simdPaths } from '../../src/linalg/simd.js';
import { FLOPS_PER_ENTRY, OLD_FLOPS_PER_ENTRY, fusedEntries, peakFma } from './flops.js';
import { median } from '../../src/util/stats.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    'numpy-n': { type: 'string', default: '200' },
    reps: { type: 'string', default: '3' },
    'numpy-reps': { type: 'string', default: '1' },
    'n-rows': { type: 'string', default: '40' },
    'n-mlp': { type: 'string', default: '1000' },
    'n-check': { type: 'string', default: '40' },
    'skip-numpy': { type: 'boolean', default: false },
    'skip-rows': { type: 'boolean', default: false },
    'skip-mlp': { type: 'boolean', default: false },
    child: { type: 'string' },
    shape: { type: 'string' },
    out: { type: 'string' },
  },
});
const ARCH: Record<string, { arch: string; shape: number[] }> = {
  fused: { arch: 'conv(64,3),relu,gap,dense(1)', shape: [28, 28, 1] },
  flatten: { arch: 'conv(32,3,stride=2),relu,conv(32,3,stride=2),relu,flatten,dense(1)', shape: [28, 28, 1] },
  avgpool: { arch: 'conv(16,3),relu,avgpool(2),conv(16,3),relu,gap,dense(1)', shape: [28, 28, 1] },
  'mlp-img': { arch: 'flatten,dense(512),relu,dense(512),relu,dense(10)', shape: [28, 28, 1] },
  'mlp-flat': { arch: 'dense(512),relu,dense(512),relu,dense(10)', shape: [784] },
};
const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
const load = () => loadavg()[0].toFixed(1);

// ---- child: one kernel on the first n MNIST images, timed after a warm-up call, written as .npy
if (values.child) {
  const { arch, shape } = ARCH[values.child];
  const nc = Number(values.n);
  const X = loadDataset(`mnist:train:n=${nc}`).X;
  const f = kernelFn(arch, { inputShape: shape });
  // warm-up on half the images (at most 40): several tiles, so that both pool threads have started and compiled the code
  const w = Math.max(2, Math.min(40, Math.ceil(nc / 2)));
  await f(new Matrix(w, 784, X.data.slice(0, w * 784)), null, 'ntk');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const K = await f(X, null, 'ntk');
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(process.cpuUsage(c0));
  if (values.out) writeMatrixNpy(values.out, K);
  console.log(JSON.stringify({ wall, cpu, path: simdKernels()?.path ?? 'TypeScript' }));
  process.exit(0);
}

const n = Number(values.n);
const nPy = Math.min(n, Number(values['numpy-n']));
const reps = Number(values.reps);
const pyReps = Number(values['numpy-reps']);
const nRows = Number(values['n-rows']);
const nMlp = Number(values['n-mlp']);
const nCheck = Number(values['n-check']);
const dir = mkdtempSync(join(tmpdir(), 'ntk-bench-cnn-'));

interface Run {
  wall: number;
  cpu: number;
  path: string;
  load: string;
}
/** One kernel in a child process (NTK_SIMD = simd); out: where to write K. */
function child(name: string, nImg: number, simd: string, out?: string): Run {
  const l0 = load();
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--child', name, '--n', `${nImg}`, ...(out ? ['--out', out] : [])],
    { encoding: 'utf8', env: { ...process.env, NTK_SIMD: simd }, maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`child ${name} (NTK_SIMD=${simd}) failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Omit<Run, 'load'>;
  const run = { ...j, load: `${l0}→${load()}` };
  console.log(
    `  ${name} n=${nImg} NTK_SIMD=${simd} [${run.path}]: ${run.wall.toFixed(2)} s wall, ${run.cpu.toFixed(2)} CPU s (load ${run.load})`,
  );
  return run;
}
/** numpy on the first nImg of the n images the fused rows use (mnist:train:n=N is a sample that depends on N) */
function numpy(nImg: number, out?: string): number {
  const X = loadDataset(`mnist:train:n=${n}`).X;
  const xPath = join(dir, `x${nImg}.npy`);
  writeMatrixNpy(xPath, new Matrix(nImg, X.cols, X.data.slice(0, nImg * X.cols)));
  const l0 = load();
  const r = spawnSync(
    '/usr/bin/python3',
    [join(import.meta.dirname, 'numpy_peer.py'), 'cnn', xPath, '28', '28', '1', '64', '3', ...(out ? [out] : [])],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) throw new Error(`numpy peer failed: ${r.stderr}`);
  const s = (JSON.parse(r.stdout.trim().split('\n').pop() as string) as { seconds: number }).seconds;
  console.log(`  numpy cnn n=${nImg}: ${s.toFixed(2)} s (load ${l0}→${load()})`);
  return s;
}
/** max |a − b| / |b| over the entries (b's nonzero ones), on a's top-left block of b's size */
function worstRel(a: Matrix, b: Matrix): number {
  let w = 0;
  for (let i = 0; i < b.rows; i++)
    for (let j = 0; j < b.cols; j++) {
      const x = a.data[i * a.cols + j];
      const y = b.data[i * b.cols + j];
      if (y !== 0) w = Math.max(w, Math.abs(x - y) / Math.abs(y));
      else if (x !== 0) w = Infinity;
    }
  return w;
}
const sameBits = (a: Matrix, b: Matrix) =>
  a.data.length === b.data.length && a.data.every((v, i) => Object.is(v, b.data[i]));

const table: string[] = [];
const row = (cells: string[]) => {
  table.push(`| ${cells.join(' | ')} |`);
  console.log(`row: ${table[table.length - 1]}`);
};
try {
  const info = backend().info();
  console.log(
    `backend ${info.name} (${info.corename}, ${info.threads} threads); SIMD paths ${simdPaths().join(', ') || 'none'}; load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  // ---- fused conv + relu + gap vs numpy, interleaved
  const ours: Run[] = [];
  const theirs: number[] = [];
  const kOurs = join(dir, 'k_ours.npy');
  const kPy = join(dir, 'k_py.npy');
  for (let r = 0; r < Math.max(reps, values['skip-numpy'] ? 0 : pyReps); r++) {
    if (r < reps) ours.push(child('fused', n, 'auto', r === 0 ? kOurs : undefined));
    if (!values['skip-numpy'] && r < pyReps) theirs.push(numpy(nPy, r === 0 ? kPy : undefined));
  }
  const wall = median(ours.map((o) => o.wall));
  const cpu = median(ours.map((o) => o.cpu));
  const pairs = (m: number) => (m * (m + 1)) / 2;
  if (theirs.length) {
    const py = median(theirs) * (pairs(n) / pairs(nPy));
    const agree = worstRel(readMatrixNpy(kOurs), readMatrixNpy(kPy));
    row([
      `conv(64,3),relu,gap,dense(1) NTK, n = ${n} MNIST`,
      `${wall.toFixed(2)} s (CPU ${cpu.toFixed(1)} s) [${ours[0].path}]`,
      nPy === n
        ? `${py.toFixed(1)} s`
        : `${py.toFixed(1)} s (measured ${median(theirs).toFixed(1)} s at n = ${nPy}, × ${(pairs(n) / pairs(nPy)).toFixed(1)} pairs)`,
      `**${(wall / py).toFixed(3)}×** numpy's time`,
      `${reps} / ${theirs.length} runs; worst relative difference from numpy ${agree.toExponential(1)}`,
    ]);
  } else
    row([
      `conv(64,3),relu,gap,dense(1) NTK, n = ${n} MNIST`,
      `${wall.toFixed(2)} s (CPU ${cpu.toFixed(1)} s)`,
      '—',
      '—',
      `${reps} runs`,
    ]);
  // ---- the flop limit
  const peak = peakFma(dir);
  if (peak) {
    const entries = fusedEntries(n);
    const flops = entries * FLOPS_PER_ENTRY;
    const cpuLimit = flops / (peak.perCore * 1e9);
    const wallLimit = flops / (peak.wallAll * 1e9);
    row([
      `↳ flop limit: ${entries.toExponential(3)} entries × ${FLOPS_PER_ENTRY} = ${flops.toExponential(3)} flops; peak FMA ${peak.perCore.toFixed(1)} GFlop per CPU s per core (${peak.wallAll.toFixed(0)} GFlop/s on ${peak.threads} cores)`,
      `CPU ${cpu.toFixed(2)} s vs ${cpuLimit.toFixed(2)} CPU s`,
      `wall ${wall.toFixed(2)} s vs ${wallLimit.toFixed(2)} s`,
      `**${(cpu / cpuLimit).toFixed(2)}×** the limit (CPU); ${(wall / wallLimit).toFixed(2)}× (wall); against the previous kernel's count (${OLD_FLOPS_PER_ENTRY} per entry) ${((cpu / cpuLimit) * (FLOPS_PER_ENTRY / OLD_FLOPS_PER_ENTRY)).toFixed(2)}× (CPU)`,
      `peak_fma.cc ${JSON.stringify(peak.raw)}`,
    ]);
  } else console.log('(flop limit skipped: g++ is needed for bench/analytic/peak_fma.cc)');
  // ---- identical numbers: vectorized vs the TypeScript loops, and across the SIMD paths
  const kRef = join(dir, 'k_ref.npy');
  child('fused', nCheck, 'off', kRef);
  const ref = readMatrixNpy(kRef);
  const notes: string[] = [];
  let worst = 0;
  for (const path of simdPaths()) {
    const out = join(dir, `k_${path}.npy`);
    child('fused', nCheck, path, out);
    const k = readMatrixNpy(out);
    worst = Math.max(worst, worstRel(k, ref));
    notes.push(`${path}: ${sameBits(k, ref) ? 'same bits' : `worst ${worstRel(k, ref).toExponential(1)}`}`);
  }
  row([
    `↳ vectorized vs TypeScript loops (NTK_SIMD=off), n = ${nCheck}`,
    notes.join(', '),
    '',
    `worst relative difference ${worst.toExponential(1)}`,
    '',
  ]);
  // ---- CNN + flatten, CNN + avgpool + gap: vectorized vs the TypeScript loops
  if (!values['skip-rows'])
    for (const c of ['flatten', 'avgpool']) {
      const fast: Run[] = [];
      const slow: Run[] = [];
      const a = join(dir, `${c}_fast.npy`);
      const b = join(dir, `${c}_slow.npy`);
      for (let r = 0; r < reps; r++) {
        fast.push(child(c, nRows, 'auto', r === 0 ? a : undefined));
        slow.push(child(c, nRows, 'off', r === 0 ? b : undefined));
      }
      const w = worstRel(readMatrixNpy(a), readMatrixNpy(b));
      const f = median(fast.map((x) => x.wall));
      const s = median(slow.map((x) => x.wall));
      row([
        `${ARCH[c].arch} NTK, n = ${nRows}`,
        `${f.toFixed(2)} s (CPU ${median(fast.map((x) => x.cpu)).toFixed(1)} s) [${fast[0].path}]`,
        `TypeScript loops ${s.toFixed(2)} s (CPU ${median(slow.map((x) => x.cpu)).toFixed(1)} s)`,
        `${(s / f).toFixed(2)}× faster`,
        `${reps} runs each; worst relative difference ${w.toExponential(1)}`,
      ]);
    }
  // ---- the flatten fast path: the MLP on images vs on the flat rows
  if (!values['skip-mlp']) {
    const img: Run[] = [];
    const flat: Run[] = [];
    const a = join(dir, 'mlp_img.npy');
    const b = join(dir, 'mlp_flat.npy');
    for (let r = 0; r < reps; r++) {
      const order = r % 2 === 0 ? ['mlp-img', 'mlp-flat'] : ['mlp-flat', 'mlp-img'];
      for (const c of order)
        (c === 'mlp-img' ? img : flat).push(child(c, nMlp, 'auto', r === 0 ? (c === 'mlp-img' ? a : b) : undefined));
    }
    const same = sameBits(readMatrixNpy(a), readMatrixNpy(b));
    const fi = median(img.map((x) => x.wall));
    const ff = median(flat.map((x) => x.wall));
    row([
      `${ARCH['mlp-img'].arch} NTK, n = ${nMlp} MNIST 28×28×1`,
      `${fi.toFixed(3)} s`,
      `flat rows ${ff.toFixed(3)} s`,
      `**${(fi / ff).toFixed(3)}×** the flat-row time`,
      `${reps} runs each, alternating; ${same ? 'same bytes' : 'DIFFERENT bytes'}`,
    ]);
  }
  console.log('\n| case | ntk-lab | peer / reference | ratio | notes |\n|---|---|---|---|---|');
  for (const r of table) console.log(r);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
