/**
 * Convergence of the Monte-Carlo mean of finite-width kernels (src/nn + src/empirical) to the analytic ones
 * (src/kernels) as width grows. Relative Frobenius error ‖K_mc − K_∞‖/‖K_∞‖ on n = 4 fixed inputs, `samples`
 * initializations per width; the NNGP uses a 256-wide readout (same kernel for every logit) to average its noise,
 * or with `--nngp features` the readout integrated out exactly: per seed E_W[f(x)f(x′) | φ] = φ(x)·φ(x′)/fan_in for
 * the features φ entering the final dense(1), from the same networks as the NTK (the mean over seeds then carries
 * only the finite-width error, no readout noise). `--only a,b` runs the cases whose names contain a or b.
 *
 *   npx tsx bench/analytic/sweep.ts [--widths 64,256,1024,4096] [--cnn-widths 64,256,1024,4096] [--samples 16]
 *                                   [--nngp readout|features] [--only NAME,…]
 *   npx tsx bench/analytic/sweep.ts --set pool --samples 8   (normalization, pooling and conv variants, issue #14:
 *     6×6×2 images and 5-dim flat inputs, n = 4; docs/kernels.md "Width sweep: normalization, pooling and conv variants")
 *   npx tsx bench/analytic/sweep.ts --set elementwise [--widths …] [--samples 8]
 *
 * `--set elementwise`: every elementwise activation in `dense(w,bstd=0.2),ACT,dense(1)` on 4 inputs in d = 3, one
 * row per layer (NTK and NNGP errors per width; docs/kernels.md "Width sweep: elementwise activations").
 *   npx tsx bench/analytic/sweep.ts --only attention [--attn-widths 64,256,1024,4096]   (attention cases)
 *   npx tsx bench/analytic/sweep.ts --only transformer [--attn-widths …]   (issue #14's transformer block)
 */
import { parseArgs } from 'node:util';
import { parseArch } from '../../src/arch/parse.js';
import type { BuildOptions } from '../../src/arch/types.js';
import { monteCarloNtk } from '../../src/empirical/montecarlo.js';
import { empiricalNtk } from '../../src/empirical/ntk.js';
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
    nngp: { type: 'string', default: 'readout' },
    only: { type: 'string' },
    set: { type: 'string', default: 'base' },
  },
});
const nngpMode = values.nngp;
if (nngpMode !== 'readout' && nngpMode !== 'features') throw new Error(`--nngp readout|features, not ${nngpMode}`);
const only = values.only?.split(',');
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
function mcNngp(arch: string, shape: number[], X: Matrix, opts: BuildOptions): Matrix {
  const net = buildNetwork(arch, shape, 'ntk', opts);
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

/** NTK and readout-free NNGP means over the same seeded networks (`--nngp features`); the arch ends in a dense. */
function mcBoth(arch: string, shape: number[], X: Matrix, opts: BuildOptions): { ntk: Matrix; nngp: Matrix } {
  const layers = parseArch(arch);
  const last = layers[layers.length - 1] as { kind: string; wstd?: number; bstd?: number };
  if (last.kind !== 'dense') throw new Error(`--nngp features: ${arch} must end in a dense layer`);
  const [sw2, sb2] = [(last.wstd ?? 1) ** 2, (last.bstd ?? 0) ** 2];
  const net = buildNetwork(layers, shape, 'ntk', opts);
  // the readout is the last parametrized layer: the features' network is a prefix of θ
  const feats = buildNetwork(layers.slice(0, -1), shape, 'ntk', opts);
  const n = X.rows;
  const ntk = new Matrix(n, n);
  const nngp = new Matrix(n, n);
  const base = new Rng(11);
  for (let s = 0; s < samples; s++) {
    const params = init(net, base.split(s));
    const K = empiricalNtk(params, X);
    const Y = apply({ net: feats, theta: params.theta.subarray(0, feats.numParams) }, X);
    const d = Y.cols;
    for (let i = 0; i < n * n; i++) ntk.data[i] += K.data[i] / samples;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let v = 0;
        for (let c = 0; c < d; c++) v += Y.data[i * d + c] * Y.data[j * d + c];
        nngp.data[i * n + j] += (sw2 * (v / d) + sb2) / samples;
      }
  }
  return { ntk, nngp };
}

// a graph on 6 nodes for the graph network (ring, one chord, self-loops; A[i][j]: edge i → j)
const V = 6;
const graph = new Matrix(V, V);
for (let i = 0; i < V; i++) {
  graph.data[i * V + i] = 1;
  graph.data[i * V + ((i + 1) % V)] = 1;
  graph.data[((i + 1) % V) * V + i] = 1;
}
graph.data[0 * V + 3] = graph.data[3 * V + 0] = 1;

const cases: {
  name: string;
  arch: (w: number) => string;
  shape: number[];
  X: Matrix;
  widths: number[];
  opts?: BuildOptions;
}[] = [
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
  {
    // WideResNet block with a 1×1 projection shortcut (2×2 kernels keep the 4096-wide conv at 67 M weights)
    name: 'WRN block (projection)',
    arch: (w) => `sum(conv(${w},2),relu,conv(${w},2,bstd=0.1)|conv(${w},1)),relu,gap,dense(1)`,
    shape: [3, 3, 2],
    X: randn(4, 18, 12),
    widths: cnnWidths,
  },
  {
    name: 'DenseNet-style concat',
    arch: (w) => `conv(${w},3),concat(identity|relu,conv(${w},1)),conv(${w},1),relu,gap,dense(1)`,
    shape: [3, 3, 2],
    X: randn(4, 18, 13),
    widths: cnnWidths,
  },
  {
    name: 'GNN (aggregate, gap)',
    arch: (w) => `conv(${w},1),relu,aggregate,conv(${w},1,bstd=0.1),relu,aggregate,gap,dense(1)`,
    shape: [V, 1, 3],
    X: randn(4, V * 3, 14),
    widths: cnnWidths,
    opts: { adjacency: graph },
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
  {
    // issue #14's transformer block (pre-layernorm attention and MLP sub-blocks, residual sums) at width w, 4 heads
    name: 'transformer block (sequence)',
    arch: (w) =>
      `dense(${w}),sum(layernorm,attention(heads=4) | identity),sum(layernorm,dense(${2 * w}),relu,dense(${w}) | identity),gap,dense(1)`,
    shape: [3, 1, 2],
    X: randn(4, 6, 7),
    widths: attnWidths,
  },
];
// issue #14's layers: normalization, noise, pooling and conv variants, paper variances
const img = randn(4, 72, 12);
const flat = randn(4, 5, 9);
const poolCases: typeof cases = [
  {
    name: 'layernorm (flat), wvar',
    arch: (w) => `dense(${w},bstd=0.3),relu,dense(${w},wvar=2),layernorm,erf,dense(1)`,
    shape: [5],
    X: flat,
    widths,
  },
  {
    name: 'layernorm(axis=all), CNN',
    arch: (w) => `conv(${w},3,bstd=0.2),layernorm(axis=all),relu,gap,dense(1)`,
    shape: [6, 6, 2],
    X: img,
    widths: cnnWidths,
  },
  {
    name: 'dropout(0.8) MLP',
    arch: (w) => `dense(${w},bstd=0.2),relu,dropout(0.8),dense(${w}),relu,dense(1)`,
    shape: [5],
    X: flat,
    widths,
  },
  {
    name: 'avgpool(3,stride=2,same,normalize_edges)',
    arch: (w) => `conv(${w},3,bvar=0.05),relu,avgpool(3,stride=2,padding=same,normalize_edges=true),flatten,dense(1)`,
    shape: [6, 6, 2],
    X: img,
    widths: cnnWidths,
  },
  {
    name: 'circular conv + sumpool + gsp',
    arch: (w) => `conv(${w},3,padding=circular),relu,sumpool(2,stride=1,padding=circular),gsp,dense(1)`,
    shape: [6, 6, 2],
    X: img,
    widths: cnnWidths,
  },
  {
    name: 'convtranspose(stride 2)',
    arch: (w) => `convtranspose(${w},3,stride=2,bstd=0.1),relu,gap,dense(1)`,
    shape: [6, 6, 2],
    X: img,
    widths: cnnWidths,
  },
  {
    name: 'convlocal + gap',
    arch: (w) => `convlocal(${w},3,bstd=0.2),relu,gap,dense(1)`,
    shape: [6, 6, 2],
    X: img,
    widths: cnnWidths,
  },
];
const chosen = values.set === 'pool' ? poolCases : values.set === 'all' ? [...cases, ...poolCases] : cases;
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
      nngp.push(relErr(mcNngp(`dense(${w},bstd=0.2),${act},dense(256)`, [3], X, {}), an.nngp).toExponential(2));
    }
    console.log(`| \`${act}\` | ${ntk.join(' | ')} | ${nngp.join(' | ')} |`);
  }
  console.log(`\n(${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  process.exit(0);
}
console.log(
  `| architecture | width | NTK rel. error | NNGP rel. error | √64/√width × err(64) | NTK rel. std. error of the mean |\n|---|---|---|---|---|---|`,
);
const started = Date.now();
for (const c of chosen) {
  if (only && !only.some((o) => c.name.includes(o))) continue;
  let first = 0;
  for (const w of c.widths) {
    const arch = c.arch(w);
    const opts = c.opts ?? {};
    const an = await kernelFn(arch, { inputShape: c.shape, workers: 0, ...opts })(c.X, null, 'both');
    let mcNtk: Matrix;
    let ng: Matrix;
    let se = Number.NaN;
    if (nngpMode === 'features') ({ ntk: mcNtk, nngp: ng } = mcBoth(arch, c.shape, c.X, opts));
    else {
      const mc = monteCarloNtk(buildNetwork(arch, c.shape, 'ntk', opts), c.X, null, { samples, seed: 11 });
      mcNtk = mc.mean;
      // the Monte-Carlo noise of the mean itself, ‖stderr‖/‖K_∞‖: errors at or below it are not resolved
      if (mc.stderr)
        se = Math.sqrt(mc.stderr.data.reduce((a, v) => a + v * v, 0) / an.ntk.data.reduce((a, v) => a + v * v, 0));
      ng = mcNngp(arch.replace(/dense\(\d+([^)]*)\)$/, 'dense(256$1)'), c.shape, c.X, opts);
    }
    const e = relErr(mcNtk, an.ntk);
    if (w === c.widths[0]) first = e;
    console.log(
      `| ${c.name} | ${w} | ${e.toExponential(2)} | ${relErr(ng, an.nngp).toExponential(2)} | ${(first * Math.sqrt(c.widths[0] / w)).toExponential(2)} | ${se.toExponential(2)} |`,
    );
  }
}
console.log(`\n${chosen.length} architectures, ${samples} seeds, ${((Date.now() - started) / 1000).toFixed(0)} s`);
