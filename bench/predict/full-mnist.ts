/**
 * NNGP kernel regression on MNIST (Lee et al. 2018, ICLR, "Deep Neural Networks as Gaussian Processes"), out of core.
 *
 *   node --import tsx bench/predict/full-mnist.ts --n 60000 --dir /work/ooc-run [--ntest 10000] [--depth 3]
 *        [--wvar 2] [--bvar 0.1] [--ridge 1e-6] [--tile 5000] [--dense] [--out result.json]
 *
 * Targets: one-hot minus 1/10 (0.9 / −0.1, Lee et al.'s encoding: `labels=centered`); accuracy = argmax of the
 * predicted 10 outputs. Ridge: relative, ρ = ridge · mean(diag K). `--dense` also solves the same problem in memory
 * (kernelFn + cholesky + cholSolve; n ≤ 10 000) and prints the relative difference of α and of the predictions.
 * Rerunning the same command resumes from `--dir` (nothing finished is recomputed).
 */
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { loadDataset } from '../../src/data/index.js';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { cholesky, cholSolve } from '../../src/linalg/ops.js';
import { matmul } from '../../src/linalg/ops.js';
import type { Matrix } from '../../src/linalg/matrix.js';
import { outOfCoreRegression } from '../../src/predict/outOfCore.js';

const { values: a } = parseArgs({
  options: {
    n: { type: 'string', default: '60000' },
    ntest: { type: 'string', default: '10000' },
    depth: { type: 'string', default: '3' },
    wvar: { type: 'string', default: '2' },
    bvar: { type: 'string', default: '0.1' },
    ridge: { type: 'string', default: '1e-6' },
    tile: { type: 'string' },
    dir: { type: 'string' },
    dense: { type: 'boolean', default: false },
    'dense-only': { type: 'boolean', default: false },
    out: { type: 'string' },
    normalize: { type: 'string' },
  },
});
const n = Number(a.n);
const m = Number(a.ntest);
const L = Number(a.depth);
const layer = `dense(1,wvar=${a.wvar},bvar=${a.bvar})`;
const arch = [...Array.from({ length: L }, () => `${layer},relu`), layer].join(',');
const norm = a.normalize ? `:normalize=${a.normalize}` : '';
const train = loadDataset(`mnist:train${n < 60000 ? `:n=${n}` : ''}:labels=centered${norm}`);
const testSet = loadDataset(`mnist:test${m < 10000 ? `:n=${m}` : ''}:labels=centered${norm}`);
const ridge = Number(a.ridge);
console.error(`arch ${arch}; n = ${train.X.rows}, m = ${testSet.X.rows}, ridge ${ridge}·mean(diag K)`);

function accuracy(P: Matrix, y: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < P.rows; i++) {
    let best = 0;
    for (let c = 1; c < P.cols; c++) if (P.data[i * P.cols + c] > P.data[i * P.cols + best]) best = c;
    if (best === y[i]) ok++;
  }
  return ok / P.rows;
}

const out: Record<string, unknown> = { arch, n: train.X.rows, m: testSet.X.rows, ridgeRelative: ridge };
const t0 = performance.now();
let oocP: Matrix | null = null;
let oocA: Matrix | null = null;
if (!a['dense-only']) {
  if (!a.dir) throw new Error('--dir is required');
  const r = await outOfCoreRegression({
    arch,
    inputShape: [784],
    xTrain: train.X,
    yTrain: train.targets,
    xTest: testSet.X,
    ridge,
    ridgeRelative: true,
    dir: a.dir,
    ...(a.tile ? { tile: Number(a.tile) } : {}),
    onProgress: (p) =>
      console.error(
        `[${new Date().toISOString().slice(11, 19)}] ${p.phase} ${p.done}/${p.total} (${((100 * p.done) / p.total).toFixed(1)}%) ` +
          `${p.elapsed.toFixed(0)} s, ETA ${p.eta === null ? '?' : `${p.eta.toFixed(0)} s`}${p.message ? `  ${p.message}` : ''}`,
      ),
  });
  oocP = r.predictions;
  oocA = r.alpha;
  Object.assign(out, {
    accuracy: accuracy(r.predictions, testSet.y as Int32Array),
    seconds: r.seconds,
    totalSeconds: (performance.now() - t0) / 1000,
    residuals: r.residuals,
    ridge: r.ridge,
    meanDiag: r.meanDiag,
    tile: r.tile,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  });
}
if (a.dense || a['dense-only']) {
  const t1 = performance.now();
  const kfn = kernelFn(arch, { inputShape: [784] });
  const K = await kfn(train.X, null, 'nngp');
  const Ks = await kfn(testSet.X, train.X, 'nngp');
  const tk = (performance.now() - t1) / 1000;
  const ts = performance.now();
  const { L: Lf } = cholesky(K, { jitter: ridge });
  const alpha = cholSolve(Lf, train.targets);
  const P = matmul(Ks, alpha);
  const dense: Record<string, unknown> = {
    accuracy: accuracy(P, testSet.y as Int32Array),
    kernelSeconds: tk,
    solveSeconds: (performance.now() - ts) / 1000,
  };
  if (oocP && oocA) {
    const rel = (x: Float64Array, y: Float64Array) => {
      let s = 0;
      let d = 0;
      for (let i = 0; i < x.length; i++) {
        s += (x[i] - y[i]) ** 2;
        d += y[i] ** 2;
      }
      return Math.sqrt(s / d);
    };
    dense.alphaRelDiff = rel(oocA.data, alpha.data);
    dense.predictionRelDiff = rel(oocP.data, P.data);
  }
  out.dense = dense;
}
out.maxRssBytes = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify(out, null, 2));
if (a.out) writeFileSync(a.out, `${JSON.stringify(out, null, 2)}\n`);
