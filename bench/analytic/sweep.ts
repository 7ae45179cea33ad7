/**
 * Convergence of the Monte-Carlo mean of finite-width kernels (src/nn + src/empirical) to the analytic ones
 * (src/kernels) as width grows. Relative Frobenius error ‖K_mc − K_∞‖/‖K_∞‖ on n = 4 fixed inputs, `samples`
 * initializations per width; the NNGP uses a 256-wide readout (same kernel for every logit) to average its noise.
 *
 *   npx tsx bench/analytic/sweep.ts [--widths 64,256,1024,4096] [--cnn-widths 64,256,1024,4096]
 *     [--attn-widths 64,256,1024,4096] [--samples 16] [--only attention]   (--only: names containing the text)
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
    'attn-widths': { type: 'string', default: '64,256,1024,4096' },
    samples: { type: 'string', default: '16' },
    only: { type: 'string', default: '' },
  },
});
const widths = values.widths.split(',').map(Number);
const cnnWidths = values['cnn-widths'].split(',').map(Number);
const attnWidths = values['attn-widths'].split(',').map(Number);
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
  // attention (neural-tangents' GlobalSelfAttention conventions); sequences of 3 tokens × 2 features are 3×1×2 images
  {
    name: 'attention, softmax (sequence)',
    arch: (w) => `dense(${w},bstd=0.2),attention(heads=4,bstd=0.3),gap,dense(1)`,
    shape: [3, 1, 2],
    X: randn(4, 6, 7),
    widths: attnWidths,
  },
  {
    name: 'residual attention block (sequence)',
    arch: (w) => `dense(${w}),residual(relu,attention(heads=4,key_std=1.5)),relu,gap,dense(1)`,
    shape: [3, 1, 2],
    X: randn(4, 6, 7),
    widths: attnWidths,
  },
  {
    name: 'conv + attention, concat pos. emb. (image)',
    arch: (w) =>
      `conv(${w},2),relu,attention(heads=4,key_std=2,pos_emb=concat,pos_emb_std=1.5,val_pos_emb=true),flatten,dense(1)`,
    shape: [3, 3, 1],
    X: randn(4, 9, 8),
    widths: attnWidths,
  },
  {
    // 1/√d_k logits stay random at any d_k: the output averages over heads, so heads grow with the width (d_k = 8)
    name: 'attention, identity, 1/√d_k, heads = width/8 (sequence)',
    arch: (w) =>
      `dense(${w}),attention(heads=${w / 8},key=8,val=8,linear_scaling=false,mechanism=identity,pos_emb=sum,pos_emb_std=0.5),gap,dense(1)`,
    shape: [3, 1, 2],
    X: randn(4, 6, 7),
    widths: attnWidths,
  },
];
console.log(
  `| architecture | width | NTK rel. error | NNGP rel. error | √64/√width × err(64) | NTK rel. std. error of the mean |\n|---|---|---|---|---|---|`,
);
for (const c of cases.filter((x) => x.name.includes(values.only))) {
  let first = 0;
  for (const w of c.widths) {
    const arch = c.arch(w);
    const an = await kernelFn(arch, { inputShape: c.shape, workers: 0 })(c.X, null, 'both');
    const mc = monteCarloNtk(buildNetwork(arch, c.shape, 'ntk'), c.X, null, { samples, seed: 11 });
    const ng = mcNngp(arch.replace(/dense\(\d+([^)]*)\)$/, 'dense(256$1)'), c.shape, c.X);
    const e = relErr(mc.mean, an.ntk);
    // the Monte-Carlo noise of the mean itself, ‖stderr‖/‖K_∞‖: errors at or below it are not resolved
    const se = Math.sqrt(mc.stderr.data.reduce((a, v) => a + v * v, 0) / an.ntk.data.reduce((a, v) => a + v * v, 0));
    if (w === c.widths[0]) first = e;
    console.log(
      `| ${c.name} | ${w} | ${e.toExponential(2)} | ${relErr(ng, an.nngp).toExponential(2)} | ${(first * Math.sqrt(c.widths[0] / w)).toExponential(2)} | ${se.toExponential(2)} |`,
    );
  }
}
