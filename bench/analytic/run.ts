/**
 * Analytic kernels: ntk-lab (src/kernels, worker threads) against a vectorized numpy implementation of the same
 * recursion (bench/analytic/numpy_peer.py), in one process tree, same inputs, results cross-checked.
 *
 *   npx tsx bench/analytic/run.ts [--n-mlp 10000] [--n-cnn 200] [--reps 3] [--cnn-reps 1]
 *
 * Cases:
 *   mlp  depth-3 ReLU NTK, dense(512,wstd=1.4,bstd=0.1)×3 + dense(1): K(X, X) on n MNIST training images (784-d,
 *        pixels/255; loadDataset('mnist:train:n=N')). numpy: X@X.T then the elementwise recursion.
 *   cnn  conv(64,3),relu,gap,dense(1) NTK on n MNIST 28×28×1 images: full pixel–pixel covariance (784² per pair).
 *        numpy: per pair (i ≤ j) a patch Gram P@P.T then the ReLU kernel and means.
 * --skip-mlp runs only the CNN case. Reported: medians of --reps runs (wall time of the kernel computation; numpy timed inside python, excluding its
 * start-up and the .npy load) and the ratio numpy / ntk-lab.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset } from '../../src/data/index.js';
import { readMatrixNpy, writeMatrixNpy } from '../../src/io/npy.js';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { backend } from '../../src/linalg/registry.js';
import { median } from '../../src/util/stats.js';

const { values } = parseArgs({
  options: {
    'n-mlp': { type: 'string', default: '10000' },
    'n-cnn': { type: 'string', default: '200' },
    reps: { type: 'string', default: '3' },
    'cnn-reps': { type: 'string', default: '1' },
    'skip-mlp': { type: 'boolean', default: false },
  },
});
const nMlp = Number(values['n-mlp']);
const nCnn = Number(values['n-cnn']);
const reps = Number(values.reps);
const cnnReps = Number(values['cnn-reps']);

const dir = mkdtempSync(join(tmpdir(), 'ntk-bench-analytic-'));
const py = (args: string[]): { seconds: number; checksum: number } => {
  const r = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'numpy_peer.py'), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`numpy peer failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
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

const rows: string[] = [];
try {
  const info = backend().info();
  console.log(`backend ${info.name} (${info.corename}, ${info.threads} threads), ${availableParallelism()} cores`);
  // ---- MLP
  const mn = loadDataset(`mnist:train:n=${nMlp}`);
  const X = mn.X;
  const xPath = join(dir, 'x_mlp.npy');
  writeMatrixNpy(xPath, X);
  const arch =
    'dense(512,wstd=1.4,bstd=0.1),relu,dense(512,wstd=1.4,bstd=0.1),relu,dense(512,wstd=1.4,bstd=0.1),relu,dense(1,wstd=1.4,bstd=0.1)';
  const kfn = kernelFn(arch, { inputShape: [X.cols] });
  const ours: number[] = [];
  const theirs: number[] = [];
  let K: Matrix | null = null;
  for (let r = 0; r < (values['skip-mlp'] ? 0 : reps); r++) {
    K = null;
    const t = performance.now();
    K = await kfn(X, null, 'ntk');
    ours.push((performance.now() - t) / 1000);
    const kPath = join(dir, 'k_mlp.npy');
    theirs.push(py(['mlp', xPath, '3', '1.4', '0.1', ...(r === 0 ? [kPath] : [])]).seconds);
    if (r === 0)
      console.log(
        `mlp n=${X.rows}: max |ntk-lab − numpy| / max|K| = ${maxRel(K, readMatrixNpy(kPath)).toExponential(2)}`,
      );
    console.log(`mlp rep ${r}: ntk-lab ${ours[r].toFixed(2)} s, numpy ${theirs[r].toFixed(2)} s`);
  }
  if (!values['skip-mlp'])
    rows.push(
      `| depth-3 ReLU MLP NTK, n = ${X.rows} MNIST (784-d) | ${median(ours).toFixed(2)} s | ${median(theirs).toFixed(2)} s | ${(median(theirs) / median(ours)).toFixed(2)}× | ${reps} |`,
    );
  K = null;
  // ---- CNN with gap
  const Xc = new Matrix(nCnn, 784, X.data.slice(0, nCnn * 784));
  const xcPath = join(dir, 'x_cnn.npy');
  writeMatrixNpy(xcPath, Xc);
  const cfn = kernelFn('conv(64,3),relu,gap,dense(1)', { inputShape: [28, 28, 1] });
  const oc: number[] = [];
  const tc: number[] = [];
  for (let r = 0; r < cnnReps; r++) {
    const t = performance.now();
    const Kc = await cfn(Xc, null, 'ntk');
    oc.push((performance.now() - t) / 1000);
    const kPath = join(dir, 'k_cnn.npy');
    tc.push(py(['cnn', xcPath, '28', '28', '1', '64', '3', ...(r === 0 ? [kPath] : [])]).seconds);
    if (r === 0)
      console.log(
        `cnn n=${nCnn}: max |ntk-lab − numpy| / max|K| = ${maxRel(Kc, readMatrixNpy(kPath)).toExponential(2)}`,
      );
    console.log(`cnn rep ${r}: ntk-lab ${oc[r].toFixed(2)} s, numpy ${tc[r].toFixed(2)} s`);
  }
  rows.push(
    `| conv(64,3),relu,gap,dense(1) NTK, n = ${nCnn} MNIST 28×28 | ${median(oc).toFixed(2)} s | ${median(tc).toFixed(2)} s | ${(median(tc) / median(oc)).toFixed(2)}× | ${cnnReps} |`,
  );
  console.log('\n| case | ntk-lab | numpy | numpy / ntk-lab | runs |\n|---|---|---|---|---|');
  for (const r of rows) console.log(r);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
