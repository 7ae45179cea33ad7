/**
 * The dense solve of `ntk predict` (predictDense, NNGP posterior mean: K + ρI, Cholesky, two triangular solves,
 * K_*·α, with its input checks) against scipy.linalg.cho_factor + cho_solve + K_* @ α on the same kernel.
 *
 *   npx tsx bench/predict/run.ts [--n 10000] [--m 1000] [--reps 3]
 *
 * K: a depth-2 ReLU NTK on n random unit vectors in ℝ^50 (PSD), ρ = 1e-6·mean(diag K); K_*: m×n; Y: n×10 one-hot.
 * ntk-lab and scipy alternate, rep by rep, in one process tree (scipy in a child process per rep that loads the same
 * .npy files before its clock starts; check_finite=True, scipy's default, as ntk-lab checks its inputs too).
 * Wall and CPU (user+sys) seconds; target ratio ≤ 1.0.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dotProductKernelMatrix } from '../../src/analysis/index.js';
import { writeMatrixNpy } from '../../src/io/index.js';
import { backend, Matrix } from '../../src/linalg/index.js';
import { predictDense } from '../../src/predict/index.js';
import { Rng } from '../../src/util/random.js';
import { median } from '../../src/util/stats.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    m: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '3' },
  },
});
const n = Number(values.n);
const m = Number(values.m);
const reps = Number(values.reps);
const O = 10;

const dir = mkdtempSync(join(tmpdir(), 'ntk-bench-predict-'));
try {
  const rng = new Rng(2026);
  const d = 50;
  const X = new Matrix(n, d, rng.normals(n * d));
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X.data[i * d + j] ** 2;
    for (let j = 0; j < d; j++) X.data[i * d + j] /= Math.sqrt(s);
  }
  const K = dotProductKernelMatrix(X, { kind: 'relu-ntk', depth: 2 });
  let md = 0;
  for (let i = 0; i < n; i++) md += K.data[i * n + i] / n;
  const ridge = 1e-6 * md;
  const Ks = new Matrix(m, n);
  for (let i = 0; i < m; i++) Ks.data.set(K.data.subarray(i * n, (i + 1) * n), i * n); // first m rows as "test"
  const Y = new Matrix(n, O);
  for (let i = 0; i < n; i++) Y.data[i * O + rng.int(O)] = 1;
  for (const [name, M] of [
    ['K', K],
    ['Ks', Ks],
    ['Y', Y],
  ] as const)
    writeMatrixNpy(join(dir, `${name}.npy`), M);
  const py = `import numpy as np, time, json
from scipy.linalg import cho_factor, cho_solve
K = np.load('${dir}/K.npy'); Ks = np.load('${dir}/Ks.npy'); Y = np.load('${dir}/Y.npy')
t = time.perf_counter(); c = time.process_time()
A = K + ${ridge} * np.eye(K.shape[0])
f = Ks @ cho_solve(cho_factor(A, lower=True), Y)
print(json.dumps([time.perf_counter() - t, time.process_time() - c, float(np.abs(f).sum())]))`;
  const ours: number[] = [];
  const oursCpu: number[] = [];
  const peer: number[] = [];
  const peerCpu: number[] = [];
  let agree = 0;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t = performance.now();
    const res = predictDense({ nngp: { train: K, testTrain: Ks } }, Y, { get: 'nngp', ridge });
    ours.push((performance.now() - t) / 1000);
    const c1 = process.cpuUsage(c0);
    oursCpu.push((c1.user + c1.system) / 1e6);
    const p = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (p.status !== 0) throw new Error(p.stderr);
    const [w, c, sum] = JSON.parse(p.stdout) as number[];
    peer.push(w);
    peerCpu.push(c);
    let s = 0;
    for (const v of res.nngp?.prediction.mean.data ?? []) s += Math.abs(v);
    agree = Math.abs(s - sum) / sum;
    process.stderr.write(`rep ${r + 1}/${reps}: ntk-lab ${ours[r].toFixed(2)} s, scipy ${w.toFixed(2)} s\n`);
  }
  const info = backend().info();
  const load = loadavg()[0];
  const ow = median(ours);
  const pw = median(peer);
  const oc = median(oursCpu);
  const pc = median(peerCpu);
  const lines = [
    '# ntk predict dense solve vs scipy cho_solve',
    '',
    `n = ${n} train, m = ${m} test, ${O} outputs; K a depth-2 ReLU NTK on unit vectors in ℝ^50, ρ = 1e-6·mean(diag K); ` +
      `medians of ${reps} alternating runs; backend ${info.name} (${info.corename}, ${info.threads} threads); ` +
      `1-min load average at the end ${load.toFixed(1)}${load > 3 ? ' (the machine was loaded: other jobs shared the 2 cores; CPU seconds are the fairer comparison)' : ''}.`,
    `Reproduce: \`npx tsx bench/predict/run.ts --n ${n} --m ${m} --reps ${reps}\`. ` +
      `Sum |f| agrees with scipy to ${agree.toExponential(1)} (relative).`,
    '',
    '| case | median wall s | runs (wall s) | median CPU s (user+sys) |',
    '|---|---|---|---|',
    `| predictDense (nngp mean: checks, K + ρI, potrf, 2 trsm, K_*·α) | ${ow.toFixed(2)} | ${ours.map((x) => x.toFixed(2)).join(', ')} | ${oc.toFixed(2)} |`,
    `| scipy cho_factor + cho_solve + K_* @ α | ${pw.toFixed(2)} | ${peer.map((x) => x.toFixed(2)).join(', ')} | ${pc.toFixed(2)} |`,
    '',
    `Ratio ntk-lab / scipy, wall: **${(ow / pw).toFixed(3)}**; CPU: **${(oc / pc).toFixed(3)}** (target ≤ 1.0).`,
    '',
  ];
  writeFileSync(new URL('./RESULTS.md', import.meta.url), lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
