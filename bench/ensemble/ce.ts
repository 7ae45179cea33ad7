/**
 * Regularized cross-entropy: the distribution over initializations of finite-width trained predictors against that
 * of their linearized models trained alongside from the same θ₀ (the trainer's linearized model: same loss, penalty,
 * η, steps). For each width, K members on a 2-class Gaussian mixture (the ce-lazy-regime preset's synthetic data),
 * loss ce + (λ/2)‖θ − θ₀‖² (`--variant ce-reg`) or soft-ce with label smoothing ε (`--variant soft-ce`).
 *   npx tsx bench/ensemble/ce.ts --widths 64,256,1024,4096 --members 32 --steps 300 [--variant ce-reg] [--depth 1]
 * Per width: the paired mean gap RMS(mean(f − f_lin))/σ_lin with its standard error (σ_lin: RMS standard deviation of
 * the linearized ensemble's test logits), the unpaired noise level √(2/K), the per-member distance RMS(f − f_lin)/σ_lin,
 * and the variance ratio tr S/tr S_lin with its spread √(2/(O(K − 1))).
 */
import { parseArgs } from 'node:util';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { loadDataset } from '../../src/data/index.js';
import { eigvalsh } from '../../src/linalg/index.js';
import { ensembleMoments } from '../../src/train/sweep.js';
import { train } from '../../src/train/trainer.js';

const { values: o } = parseArgs({
  options: {
    widths: { type: 'string', default: '64,256,1024,4096' },
    members: { type: 'string', default: '32' },
    steps: { type: 'string', default: '300' },
    n: { type: 'string', default: '24' },
    m: { type: 'string', default: '20' },
    depth: { type: 'string', default: '1' },
    variant: { type: 'string', default: 'ce-reg' },
    lambda: { type: 'string', default: '0.01' },
    eps: { type: 'string', default: '0.1' },
    'lr-fraction': { type: 'string', default: '0.5' },
  },
});
const soft = o.variant === 'soft-ce';
const labels = soft ? `labels=soft:eps=${o.eps}` : 'labels=onehot';
const tr = loadDataset(`gaussian:n=${o.n}:d=20:k=2:seed=1:normalize=sphere:${labels}`);
const te = loadDataset(`gaussian:n=${o.m}:d=20:k=2:seed=2:normalize=sphere:${labels}`);
const K = Number(o.members);
const depth = Number(o.depth);
const lambda = soft ? 0 : Number(o.lambda);
const archOf = (w: number) => [...Array.from({ length: depth }, () => `dense(${w}),relu`), 'dense(2)'].join(',');
const n = tr.X.rows;
const m = te.X.rows;
const O = 2;
// one η for every member and width: a fraction of 2/(λ_max(Θ∞)/N + λ) with the analytic NTK (N = n: 'mean')
const lmax = eigvalsh(await kernelFn(archOf(1), { inputShape: [20] })(tr.X, null, 'ntk'))[n - 1];
const eta = (Number(o['lr-fraction']) * 2) / (lmax / n + lambda);
console.log(
  `${o.variant}: n = ${n}, m = ${m}, depth ${depth}, K = ${K}, λ = ${lambda}, η = ${eta.toPrecision(4)}, ${o.steps} steps`,
);
const f = (x: number) => x.toFixed(3);
for (const w of o.widths.split(',').map(Number)) {
  const t0 = performance.now();
  const nets: Float64Array[] = [];
  const lins: Float64Array[] = [];
  for (let s = 0; s < K; s++) {
    const r = await train(
      {
        arch: archOf(w),
        seed: s,
        loss: soft ? 'soft-ce' : 'ce',
        normalization: 'mean',
        ...(lambda > 0 ? { reg: { lambda, center: 'init' as const } } : {}),
        lr: { absolute: eta },
        steps: Number(o.steps),
        linearized: true,
        trackers: ['loss'],
        schedule: { kind: 'list', steps: [] },
      },
      { X: tr.X, Y: tr.targets, Xtest: te.X, Ytest: te.targets },
    );
    if (r.status !== 'completed') throw new Error(r.message);
    nets.push(r.fTest as Float64Array);
    lins.push(r.fLinTest as Float64Array);
  }
  const a = ensembleMoments(nets, m, O);
  const b = ensembleMoments(lins, m, O);
  let trA = 0;
  let trB = 0;
  let trB2 = 0;
  for (let i = 0; i < m; i++) {
    trA += a.cov.data[i * m + i];
    trB += b.cov.data[i * m + i];
  }
  for (const v of b.cov.data) trB2 += v * v;
  const sigma = Math.sqrt(trB / m);
  let mean2 = 0;
  let se2 = 0;
  let dist2 = 0;
  for (let i = 0; i < m * O; i++) {
    let mu = 0;
    for (let s = 0; s < K; s++) mu += (nets[s][i] - lins[s][i]) / K;
    let v = 0;
    for (let s = 0; s < K; s++) {
      v += (nets[s][i] - lins[s][i] - mu) ** 2 / (K - 1);
      dist2 += (nets[s][i] - lins[s][i]) ** 2 / K;
    }
    mean2 += mu * mu;
    se2 += v / K;
  }
  const D = m * O;
  console.log(
    `width ${w}: σ_lin ${sigma.toExponential(2)} | paired mean gap ${f(Math.sqrt(mean2 / D) / sigma)} ± ${f(Math.sqrt(se2 / D) / sigma)} (unpaired noise √(2/K) = ${f(Math.sqrt(2 / K))}) | per-member RMS(f − f_lin)/σ_lin ${f(Math.sqrt(dist2 / D) / sigma)} | variance ratio ${f(trA / trB)} ± ${f(Math.sqrt((2 * trB2) / (O * (K - 1))) / trB)}  [${((performance.now() - t0) / 1000).toFixed(0)} s loaded]`,
  );
}
