/**
 * Issue #17's fast paths side by side with numpy, in one run:
 *
 *   npx tsx bench/fast/run.ts [--n 1000] [--reps 3] [--n-pd 10000] [--pd-eigh] [--skip-pd] [--skip-numpy-pd]
 *
 * Rows:
 *   flatten  `flatten,dense(512),relu,dense(512),relu,dense(10)` NTK on n MNIST images (inputShape 28,28,1) — the
 *            README's MLP on images — against the same MLP on the flattened rows (no flatten; what a user exporting
 *            X.npy runs) and numpy's vectorized recursion (bench/analytic/numpy_peer.py mlp, depth 2); bytes compared.
 *   pool     five kernelFn calls in a row on worker threads (n = 600, workers 2): the first starts the pool's
 *            threads, the others reuse them (the pool's thread count is printed).
 *   pd       --check-pd at n-pd: the kernel's own time (the flat-row MLP, n-pd MNIST rows), checkPd by Cholesky +
 *            Lanczos, and (with --pd-eigh) by the full eigendecomposition; numpy's eigvalsh and cholesky on the
 *            same K. The verdicts are printed.
 * Times are medians of --reps runs (pd: one run) of the wall time of the call; numpy is timed inside python. The
 * load average is printed before and after: on a shared machine the ratios are the measurement, not the seconds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { checkPd } from '../../src/analytic/pd.js';
import { loadDataset } from '../../src/data/index.js';
import { readMatrixNpy, writeMatrixNpy } from '../../src/io/npy.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { backend } from '../../src/linalg/registry.js';
import { poolStarted } from '../../src/util/workerPool.js';
import { median } from '../../src/util/stats.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '3' },
    'n-pd': { type: 'string', default: '10000' },
    'pd-eigh': { type: 'boolean', default: false },
    'skip-pd': { type: 'boolean', default: false },
    'skip-numpy-pd': { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const reps = Number(values.reps);
const nPd = Number(values['n-pd']);

const load = () =>
  loadavg()
    .map((v) => v.toFixed(1))
    .join(' ');
const secs = async (f: () => unknown): Promise<number> => {
  const t = performance.now();
  await f();
  return (performance.now() - t) / 1000;
};
const maxRel = (a: Matrix, b: Matrix) => {
  let m = 0;
  let s = 0;
  for (let i = 0; i < a.data.length; i++) {
    m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
    s = Math.max(s, Math.abs(b.data[i]));
  }
  return m / s;
};
const sameBytes = (a: Matrix, b: Matrix) => a.data.every((v, i) => Object.is(v, b.data[i]));

const dir = mkdtempSync(join(tmpdir(), 'ntk-bench-fast-'));
const PEER = join(import.meta.dirname, '../analytic/numpy_peer.py');
const py = (args: string[]): { seconds: number } => {
  const r = spawnSync('/usr/bin/python3', [PEER, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`numpy peer failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
};
const pyInline = (code: string, arg: string): number => {
  const r = spawnSync('/usr/bin/python3', ['-c', code, arg], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`numpy failed: ${r.stderr}`);
  return Number(r.stdout.trim().split('\n').pop());
};

const rows: string[] = [];
const row = (name: string, ours: number, peer: number | null, note: string) => {
  rows.push(
    `| ${name} | ${ours.toFixed(3)} s | ${peer === null ? '—' : `${peer.toFixed(3)} s`} | ${peer === null ? '—' : `${(ours / peer).toFixed(2)}`} | ${note} |`,
  );
  // each row as soon as it is measured (a long run cut short keeps what it measured)
  console.log(`row: ${rows[rows.length - 1]}`);
};

try {
  const info = backend().info();
  console.log(`backend ${info.name} (${info.corename}, ${info.threads} threads); load average ${load()}`);
  // ---- flatten fast path
  const X = loadDataset(`mnist:train:n=${n}`).X;
  const xPath = join(dir, 'x.npy');
  writeMatrixNpy(xPath, X);
  const tail = 'dense(512),relu,dense(512),relu,dense(10)';
  const img = kernelFn(`flatten,${tail}`, { inputShape: [28, 28, 1] });
  const flat = kernelFn(tail, { inputShape: [784] });
  const tImg: number[] = [];
  const tFlat: number[] = [];
  const tPy: number[] = [];
  let same = true;
  let rel = 0;
  for (let r = 0; r < reps; r++) {
    let A: Matrix | null = null;
    let B: Matrix | null = null;
    // alternate which goes first, so that both see the same drift of the machine's load
    const runImg = async () => tImg.push(await secs(async () => (A = await img(X, null, 'ntk'))));
    const runFlat = async () => tFlat.push(await secs(async () => (B = await flat(X, null, 'ntk'))));
    if (r % 2 === 0) {
      await runImg();
      await runFlat();
    } else {
      await runFlat();
      await runImg();
    }
    const kPath = join(dir, 'k.npy');
    tPy.push(py(['mlp', xPath, '2', '1', '0', ...(r === 0 ? [kPath] : [])]).seconds);
    if (r === 0 && A && B) {
      same = sameBytes(A, B);
      rel = maxRel(A, readMatrixNpy(kPath));
    }
  }
  console.log(
    `flatten: identical bytes to the flat-row MLP: ${same}; max |ntk-lab − numpy| / max|K| = ${rel.toExponential(2)}`,
  );
  row(
    `flatten,${tail} NTK, n = ${n} MNIST 28×28×1`,
    median(tImg),
    median(tPy),
    `${reps} runs; = flat rows: ${same ? 'same bytes' : 'DIFFERENT'}`,
  );
  row(
    `${tail} NTK on the flattened rows, n = ${n}`,
    median(tFlat),
    median(tPy),
    `flatten / flat rows = ${(median(tImg) / median(tFlat)).toFixed(3)}`,
  );
  // ---- the persistent pool
  const Xp = new Matrix(Math.min(600, n), 784, X.data.slice(0, Math.min(600, n) * 784));
  const pfn = kernelFn('dense(512),relu,dense(1)', { inputShape: [784], workers: 2 });
  const calls: number[] = [];
  const before = poolStarted();
  for (let r = 0; r < 5; r++) calls.push(await secs(() => pfn(Xp, null, 'ntk')));
  console.log(`pool: calls ${calls.map((c) => c.toFixed(3)).join(', ')} s; threads started ${poolStarted() - before}`);
  row(`dense(512),relu,dense(1) NTK, n = ${Xp.rows}, workers 2: first call`, calls[0], null, 'starts the pool threads');
  row(
    '… the next four calls (median)',
    median(calls.slice(1)),
    null,
    `reuse them (${poolStarted() - before} threads in all)`,
  );
  // ---- --check-pd
  if (!values['skip-pd']) {
    const Xd = nPd <= n ? new Matrix(nPd, 784, X.data.slice(0, nPd * 784)) : loadDataset(`mnist:train:n=${nPd}`).X;
    const kfn = kernelFn('dense(512),relu,dense(512),relu,dense(1)', { inputShape: [784] });
    let K: Matrix = new Matrix(1, 1);
    const tK = await secs(async () => (K = await kfn(Xd, null, 'ntk')));
    let pd = checkPd(new Matrix(1, 1, new Float64Array([1])));
    const tChol = await secs(() => (pd = checkPd(K, { method: 'cholesky' })));
    console.log(`check-pd cholesky+lanczos: ${JSON.stringify(pd)}`);
    const skipNp = values['skip-numpy-pd'];
    const kPath = join(dir, 'kpd.npy');
    if (!skipNp) writeMatrixNpy(kPath, K);
    const EIG = `import sys, time, numpy as np
K = np.load(sys.argv[1]); t = time.perf_counter(); w = np.linalg.eigvalsh(K); t = time.perf_counter() - t
print('numpy eigvalsh', w[0], w[-1], file=sys.stderr); print(t)`;
    const CHOL = `import sys, time, numpy as np
K = np.load(sys.argv[1]); t = time.perf_counter()
try: np.linalg.cholesky(K)
except np.linalg.LinAlgError: pass
print(time.perf_counter() - t)`;
    row(`dense(512),relu,dense(512),relu,dense(1) NTK, n = ${nPd} (the kernel itself)`, tK, null, '');
    const tNpEig = skipNp ? null : pyInline(EIG, kPath);
    const tNpChol = skipNp ? 0 : pyInline(CHOL, kPath);
    row(
      `checkPd by Cholesky + Lanczos, n = ${nPd}`,
      tChol,
      tNpEig,
      `vs numpy eigvalsh; / kernel time = ${(tChol / tK).toFixed(2)}; strictlyPd ${pd.strictlyPd}, cond ${pd.condition.toExponential(3)}`,
    );
    if (!skipNp) row(`numpy cholesky alone, n = ${nPd}`, tNpChol, null, '');
    if (values['pd-eigh']) {
      let ref = pd;
      const tEig = await secs(() => (ref = checkPd(K, { method: 'eigh' })));
      console.log(`check-pd eigh: ${JSON.stringify(ref)}`);
      row(
        `checkPd by the full eigendecomposition, n = ${nPd}`,
        tEig,
        tNpEig,
        `vs numpy eigvalsh; strictlyPd ${ref.strictlyPd} (same verdict: ${ref.strictlyPd === pd.strictlyPd})`,
      );
    }
  }
  console.log(`load average after: ${load()}`);
  console.log('\n| case | ntk-lab | numpy | ratio ntk/numpy | notes |\n|---|---|---|---|---|');
  for (const r of rows) console.log(r);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
