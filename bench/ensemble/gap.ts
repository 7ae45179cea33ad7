/**
 * The ensemble-vs-NTK-GP gap, split over the same inits (src/predict/ensemble.ts): for each width, K members of a
 * depth-`depth` ReLU MLP on the preset's circle data, trained with their linearizations, at several step counts.
 *   npx tsx bench/ensemble/gap.ts --widths 64,256,1024 --members 16 --steps 10,100,1000 [--n 24] [--m 60] [--lr-fraction 0.5]
 * Prints one line per (width, step): the raw gap with its noise, χ²/dof, variance ratio, and the decomposition.
 */
import { parseArgs } from 'node:util';
import { ntkGpPosterior } from '../../src/analysis/predictions.js';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { circleData } from '../../src/experiments/presets/ensembleVsGp.js';
import { eigh } from '../../src/linalg/index.js';
import { ensembleGap, trainEnsemble } from '../../src/predict/ensemble.js';

const { values: o } = parseArgs({
  options: {
    widths: { type: 'string', default: '64,256,1024' },
    members: { type: 'string', default: '16' },
    steps: { type: 'string', default: '10,100,1000' },
    n: { type: 'string', default: '24' },
    m: { type: 'string', default: '60' },
    depth: { type: 'string', default: '2' },
    seed: { type: 'string', default: '0' },
    'lr-fraction': { type: 'string', default: '0.5' },
    'data-seed': { type: 'string', default: '1' },
    'no-lin': { type: 'boolean', default: false },
  },
});
const widths = o.widths.split(',').map(Number);
const steps = o.steps.split(',').map(Number);
const K = Number(o.members);
const depth = Number(o.depth);
const data = circleData(Number(o.n), Number(o.m), Number(o['data-seed']));
const archOf = (w: number) => [...Array.from({ length: depth }, () => `dense(${w}),relu`), 'dense(1)'].join(',');
const kf = kernelFn(archOf(1), { inputShape: [2] });
const tr = await kf(data.X, null, 'both');
const te = await kf(data.Xt, data.X, 'both');
const tt = await kf(data.Xt, null, 'nngp');
const e = eigh(tr.ntk);
const n = data.X.rows;
const eta = (Number(o['lr-fraction']) * 2) / e.values[n - 1];
console.log(
  `n = ${n}, m = ${data.Xt.rows}, depth ${depth}, K = ${K}, η = ${eta.toPrecision(4)}, λ_min/λ_max = ${(e.values[0] / e.values[n - 1]).toExponential(2)}, a·λ_min·k_max = ${(eta * e.values[0] * Math.max(...steps)).toPrecision(3)}`,
);
const gps = steps.map((t) =>
  ntkGpPosterior({
    ntk: e,
    ntkTestTrain: te.ntk,
    nngpTrainTrain: tr.nngp,
    nngpTestTrain: te.nngp,
    nngpTestTest: tt,
    yTrain: data.y,
    time: t,
    eta,
  }),
);
const f = (x: number) => x.toFixed(3);
for (const w of widths) {
  const t0 = performance.now();
  const ens = await trainEnsemble(
    { arch: archOf(w), inputShape: [2], members: K, seed: Number(o.seed), steps, eta, linearized: !o['no-lin'] },
    { X: data.X, Y: data.y, Xtest: data.Xt },
  );
  const s = ((performance.now() - t0) / 1000).toFixed(0);
  ens.atSteps.forEach((at, i) => {
    const g = ensembleGap(
      ens,
      at,
      { mean: gps[i].mean, covariance: gps[i].covariance! },
      {
        ntk: e,
        ntkTestTrain: te.ntk,
        yTrain: data.y,
      },
    );
    const d = g.decomposition!;
    const split = d.nonlinear
      ? ` nonlinear ${f(d.nonlinear.rms)}±${f(d.nonlinear.noise)} kernel ${f(d.kernel!.rms)}±${f(d.kernel!.noise)}`
      : '';
    const linPart = d.linMeanGap !== null ? ` | lin gap ${f(d.linMeanGap)} lin var ${f(d.linVarianceRatio!)}` : '';
    console.log(
      `width ${w} k ${at.step}: GP σ ${g.gpSigma.toExponential(2)} gap ${f(g.meanGap)} (noise ${f(g.meanNoise)}) χ²/dof ${f(g.chi2.statistic / g.chi2.dof)} (dof ${g.chi2.dof}) var ${f(g.varianceRatio)}±${f(g.varianceRatioSpread)} | finite ${f(d.finite.rms)}±${f(d.finite.noise)}${split} init ${f(d.init.rms)}±${f(d.init.noise)} discr ${d.discretization.toExponential(1)}${linPart}  [${s} s loaded]`,
    );
  });
}
