/**
 * The kernel part of the ensemble-vs-NTK-GP gap without training: K linearized networks (each trained by gradient
 * flow in closed form from its own θ₀ with its empirical NTK Θ̂₀, `linearizedNetwork`) on the ensemble-vs-gp
 * preset's circle data, against the NTK-GP at the same flow times, for several widths.
 *   npx tsx bench/ensemble/linearized.ts --widths 64,256,1024 --members 32 --times 10,100,1000 [--n 24] [--m 60]
 * Per (width, time): the linearized ensemble's mean gap (noise 1/√K), variance ratio, the paired kernel term
 * mean(f_lin − f_pair) (f_pair: the NTK-GP's map applied to the member's own f₀) with its standard error, and
 * ‖Θ̂₀ − Θ‖₂/λ_min(Θ) and ‖Θ̂₀ − Θ‖₂·a·t (the kernel error against the slowest mode trained by time t).
 */
import { parseArgs } from 'node:util';
import { linearizedPredictions, ntkGpPosterior } from '../../src/analysis/predictions.js';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { empiricalNtk } from '../../src/empirical/ntk.js';
import { circleData } from '../../src/experiments/presets/ensembleVsGp.js';
import { eigh, eigvalsh, Matrix } from '../../src/linalg/index.js';
import { init } from '../../src/nn/network.js';
import { ensembleGap } from '../../src/predict/ensemble.js';
import { ensembleMoments } from '../../src/train/sweep.js';
import { linearizedNetwork } from '../../src/predict/linearized.js';
import { Rng } from '../../src/util/random.js';

const { values: o } = parseArgs({
  options: {
    widths: { type: 'string', default: '64,256,1024' },
    members: { type: 'string', default: '32' },
    times: { type: 'string', default: '10,100,1000' },
    n: { type: 'string', default: '24' },
    m: { type: 'string', default: '60' },
    depth: { type: 'string', default: '2' },
    'lr-fraction': { type: 'string', default: '0.5' },
    'data-seed': { type: 'string', default: '1' },
  },
});
const widths = o.widths.split(',').map(Number);
const times = o.times.split(',').map(Number);
const K = Number(o.members);
const depth = Number(o.depth);
const data = circleData(Number(o.n), Number(o.m), Number(o['data-seed']));
const n = data.X.rows;
const m = data.Xt.rows;
const archOf = (w: number) => [...Array.from({ length: depth }, () => `dense(${w}),relu`), 'dense(1)'].join(',');
const kf = kernelFn(archOf(1), { inputShape: [2] });
const tr = await kf(data.X, null, 'both');
const te = await kf(data.Xt, data.X, 'both');
const tt = await kf(data.Xt, null, 'nngp');
const e = eigh(tr.ntk);
const eta = (Number(o['lr-fraction']) * 2) / e.values[n - 1];
console.log(
  `n = ${n}, m = ${m}, depth ${depth}, K = ${K}, η = a = ${eta.toPrecision(4)}, λ_min = ${e.values[0].toExponential(3)}, λ_max = ${e.values[n - 1].toPrecision(4)}`,
);
const gps = times.map((t) =>
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
  const lins = times.map(() => [] as Float64Array[]);
  const pairs = times.map(() => [] as Float64Array[]);
  const dTheta: number[] = [];
  for (let s = 0; s < K; s++) {
    const p0 = init(archOf(w), [2], 'ntk', new Rng(s));
    const net = linearizedNetwork(p0, data.X, data.Xt);
    const r = net.predict(
      data.y,
      times.map((time) => ({ time })),
      { eta },
    );
    r.predictions.forEach((p, i) => lins[i].push(p.mean.data));
    const f0 = linearizedNetwork(p0, data.X, data.X).test0;
    const pr = linearizedPredictions(
      { ntk: e, yTrain: data.y, ntkTestTrain: te.ntk, fTrain0: f0, fTest0: net.test0, eta },
      times.map((time) => ({ time })),
    );
    pr.forEach((p, i) => pairs[i].push((p.test as Matrix).data));
    if (s < 4) {
      const d = empiricalNtk(p0, data.X);
      for (let i = 0; i < d.data.length; i++) d.data[i] -= tr.ntk.data[i];
      const ev = eigvalsh(d);
      dTheta.push(Math.max(Math.abs(ev[0]), Math.abs(ev[n - 1])));
    }
  }
  const dT = dTheta.reduce((a, b) => a + b, 0) / dTheta.length;
  const s = ((performance.now() - t0) / 1000).toFixed(0);
  times.forEach((t, i) => {
    const mom = ensembleMoments(lins[i], m, 1);
    const at = {
      step: t,
      mean: mom.mean,
      covariance: mom.cov,
      outputs: lins[i],
      linOutputs: null,
      linMean: null,
      linCovariance: null,
    };
    const g = ensembleGap(null as never, at, { mean: gps[i].mean, covariance: gps[i].covariance as Matrix });
    let b2 = 0;
    let v2 = 0;
    for (let j = 0; j < m; j++) {
      let mu = 0;
      for (let k = 0; k < K; k++) mu += (lins[i][k][j] - pairs[i][k][j]) / K;
      let v = 0;
      for (let k = 0; k < K; k++) v += (lins[i][k][j] - pairs[i][k][j] - mu) ** 2 / (K - 1);
      b2 += mu * mu;
      v2 += v / K;
    }
    console.log(
      `width ${w} t ${t}: lin gap ${f(g.meanGap)} (noise ${f(g.meanNoise)}) χ²/dof ${f(g.chi2.statistic / g.chi2.dof)} var ${f(g.varianceRatio)}±${f(g.varianceRatioSpread)} | kernel ${f(Math.sqrt(b2 / m) / g.gpSigma)}±${f(Math.sqrt(v2 / m) / g.gpSigma)} | GP σ ${g.gpSigma.toExponential(2)} ‖ΔΘ‖/λ_min ${(dT / e.values[0]).toFixed(1)} ‖ΔΘ‖·a·t ${(dT * eta * t).toFixed(2)}  [${s} s loaded]`,
    );
  });
}
