/**
 * Convergence of the Monte-Carlo mean of finite-width kernels (src/nn + src/empirical) to the analytic ones
 * (src/kernels) as width grows. Relative Frobenius error ‖K_mc − K_∞‖/‖K_∞‖ on n = 4 fixed inputs, `samples`
 * initializations per width; the NNGP uses a 256-wide readout (same kernel for every logit) to average its noise.
 *
 *   npx tsx bench/analytic/sweep.ts [--widths 64,256,1024,4096] [--cnn-widths 64,256,1024,4096] [--samples 16]
 *   npx tsx bench/analytic/sweep.ts --set elementwise [--widths …] [--samples 8]
 *
 * `--set elementwise`: every elementwise activation in `dense(w,bstd=0.2),ACT,dense(1)` on 4 inputs in d = 3, one
 * row per layer (NTK and NNGP errors per width; docs/kernels.md "Width sweep: elementwise activations").
 */
import { parseArgs } from 'node:util';
import { monteCarloNtk } from '../../src/empirical/montecarlo.js';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { apply, buildNetwork, init } from '../../src/nn/network.js';
import { Rng } from '../../src/util/random.js';

const { values } = parseArgs({
  options: {
    widths: { type: 'string', default: '64,256,1024,4096' },
    'cnn-widths': { type: 'string', default: '64,256,1024,4096' },
    samples: { type: 'string', default: '16' },
    set: { type: 'string', default: 'default' },
  },
});
const widths = values.widths.split(',').map(Number);
const cnnWidths = values['cnn-widths'].split(',').map(Number);
const samples = Number(values.samples);

const randn = (rows: number, cols: number, seed: number) => new Matrix(rows, cols, new Rng(seed).normals(rows * cols));
const relErr = (a: Matrix, b: Matrix) => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.data.length; i++) {
    num += (a.data[i] - b.data[i]) ** 2;
    den += b.data[i] ** 2;
  }
  return Math.sqrt(num / den);
};
function mcNngp(arch: string, shape: number[], X: Matrix): Matrix {
  const net = buildNetwork(arch, shape, 'ntk');
  const n = X.rows;
  const K = new Matrix(n, n);
  for (let s = 0; s < samples; s++) {
    const Y = apply(init(net, new Rng(1000 + s)), X);
    const o = Y.cols;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let v = 0;
        for (let c = 0; c < o; c++) v += Y.data[i * o + c] * Y.data[j * o + c];
        K.data[i * n + j] += v / o / samples;
      }
  }
  return K;
}

const cases: { name: string; arch: (w: number) => string; shape: number[]; X: Matrix; widths: number[] }[] = [
  {
    name: 'ReLU MLP',
    arch: (w) => `dense(${w},bstd=0.3),relu,dense(${w},wstd=1.4),relu,dense(1,bstd=0.2)`,
    shape: [5],
    X: randn(4, 5, 9),
    widths,
  },
  { name: 'erf MLP', arch: (w) => `dense(${w},wstd=1.5,bstd=0.2),erf,dense(1)`, shape: [5], X: randn(4, 5, 9), widths },
  {
    name: 'ResNet block',
    arch: (w) => `dense(${w}),residual(dense(${w},bstd=0.1),relu,dense(${w})),relu,dense(1)`,
    shape: [5],
    X: randn(4, 5, 9),
    widths,
  },
  {
    name: 'CNN + flatten',
    arch: (w) => `conv(${w},3,bstd=0.1),relu,conv(${w},2,stride=2),relu,flatten,dense(1)`,
    shape: [4, 4, 2],
    X: randn(4, 32, 10),
    widths: cnnWidths,
  },
  {
    name: 'CNN + avgpool + gap',
    arch: (w) => `conv(${w},3),relu,avgpool(2),conv(${w},2,padding=valid),erf,gap,dense(1)`,
    shape: [4, 4, 2],
    X: randn(4, 32, 10),
    widths: cnnWidths,
  },
];
if (values.set === 'elementwise') {
  const acts = [
    'relu',
    'leaky_relu(0.2)',
    'abs',
    'sign',
    'monomial(2)',
    'monomial(3)',
    'rectified_monomial(0)',
    'rectified_monomial(2)',
    'polynomial(0.1,1,0.3)',
    'hermite(2)',
    'hermite(3)',
    'erf(0.8,1.2,0.1)',
    'sigmoid_like',
    'tanh',
    'gelu',
    'sin(1,1.5,0.3)',
    'cos(1,1.5,0.3)',
    'rbf(0.5)',
    'exp(0.5,0.3)',
    'gaussian',
    'gabor',
    'expnormalized(0.7,-0.5)',
  ];
  const X = randn(4, 3, 9);
  const t0 = Date.now();
  const ws = widths.map((w) => `NTK ${w}`).join(' | ');
  const wn = widths.map((w) => `NNGP ${w}`).join(' | ');
  console.log(
    `| layer | ${ws} | ${wn} |\n|---|${widths.map(() => '---|').join('')}${widths.map(() => '---|').join('')}`,
  );
  for (const act of acts) {
    const ntk: string[] = [];
    const nngp: string[] = [];
    for (const w of widths) {
      const arch = `dense(${w},bstd=0.2),${act},dense(1)`;
      const an = await kernelFn(arch, { inputShape: [3], workers: 0 })(X, null, 'both');
      const mc = monteCarloNtk(buildNetwork(arch, [3], 'ntk'), X, null, { samples, seed: 11 });
      ntk.push(relErr(mc.mean, an.ntk).toExponential(2));
      nngp.push(relErr(mcNngp(`dense(${w},bstd=0.2),${act},dense(256)`, [3], X), an.nngp).toExponential(2));
    }
    console.log(`| \`${act}\` | ${ntk.join(' | ')} | ${nngp.join(' | ')} |`);
  }
  console.log(`\n(${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  process.exit(0);
}
console.log(
  `| architecture | width | NTK rel. error | NNGP rel. error | √64/√width × err(64) |\n|---|---|---|---|---|`,
);
for (const c of cases) {
  let first = 0;
  for (const w of c.widths) {
    const arch = c.arch(w);
    const an = await kernelFn(arch, { inputShape: c.shape, workers: 0 })(c.X, null, 'both');
    const mc = monteCarloNtk(buildNetwork(arch, c.shape, 'ntk'), c.X, null, { samples, seed: 11 });
    const ng = mcNngp(arch.replace(/dense\(\d+([^)]*)\)$/, 'dense(256$1)'), c.shape, c.X);
    const e = relErr(mc.mean, an.ntk);
    if (w === c.widths[0]) first = e;
    console.log(
      `| ${c.name} | ${w} | ${e.toExponential(2)} | ${relErr(ng, an.nngp).toExponential(2)} | ${(first * Math.sqrt(c.widths[0] / w)).toExponential(2)} |`,
    );
  }
}
