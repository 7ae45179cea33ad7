// Before/after timing of a refactor, in ONE process: two builds' kernelFn / empiricalNtk / train on the same inputs,
// alternated rep by rep (separate CLI processes were too noisy: ±15 % between identical runs), medians reported.
//   git archive BASE src tsconfig*.json package.json | tar -x -C /tmp/b && ln -s $PWD/node_modules /tmp/b/ \
//     && (cd /tmp/b && npx tsc -p tsconfig.build.json --outDir $PWD/dist-base)       # dist-base/ beside build/
//   npm run build && node bench/refactor/compare.mjs > bench/refactor/RESULTS.md
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const load = async (dist) => {
  const m = (p) => import(join(root, dist, p));
  return {
    k: await m('analytic/kernelFn.js').catch(() => m('kernels/kernelFn.js')),
    nn: await m('nn/index.js'),
    emp: await m('empirical/ntk.js'),
    tr: await m('train/index.js'),
    data: await m('data/index.js'),
    rng: await m('util/random.js'),
    la: await m('linalg/index.js'),
  };
};
const builds = [
  ['base', await load('dist-base')],
  ['head', await load('dist')],
];
const X = (n) => builds[1][1].data.loadDataset(`mnist:train:n=${n}:seed=1`).X;
const mlp3 =
  'dense(512,wstd=1.4,bstd=0.1),relu,dense(512,wstd=1.4,bstd=0.1),relu,dense(512,wstd=1.4,bstd=0.1),relu,dense(1)';
const img = [28, 28, 1];
const cases = [
  ['analytic MLP depth 3, n = 4000', 9, (m, x) => m.k.kernelFn(mlp3, { inputShape: [784] })(x, null, 'ntk'), X(4000)],
  [
    'analytic conv+relu+gap, n = 24',
    5,
    (m, x) => m.k.kernelFn('conv(64,3),relu,gap,dense(1)', { inputShape: img })(x, null, 'ntk'),
    X(24),
  ],
  [
    'analytic CNN+flatten, n = 200',
    9,
    (m, x) => m.k.kernelFn('conv(32,3),relu,conv(32,3),relu,flatten,dense(1)', { inputShape: img })(x, null, 'ntk'),
    X(200),
  ],
  [
    'analytic CNN+avgpool+gap, n = 24',
    5,
    (m, x) =>
      m.k.kernelFn('conv(16,3),relu,avgpool(2),conv(16,3),relu,gap,dense(1)', { inputShape: img })(x, null, 'ntk'),
    X(24),
  ],
  [
    'empirical MLP 784-512-512-10, n = 1000',
    7,
    (m, x) =>
      m.emp.empiricalNtk(
        m.nn.init(m.nn.buildNetwork('flatten,dense(512),relu,dense(512),relu,dense(10)', img), new m.rng.Rng(0)),
        x,
      ),
    X(1000),
  ],
  [
    'empirical CNN (2 conv, gap), n = 200',
    7,
    (m, x) =>
      m.emp.empiricalNtk(
        m.nn.init(m.nn.buildNetwork('conv(16,3),relu,conv(16,3,stride=2),relu,gap,dense(10)', img), new m.rng.Rng(0)),
        x,
      ),
    X(200),
  ],
  [
    'train 784-1024-10 + linearization, CE, 50 steps, n = 1000',
    5,
    (m, x) => {
      const Y = new m.la.Matrix(x.rows, 10);
      for (let i = 0; i < x.rows; i++) Y.data[i * 10 + (i % 10)] = 1;
      return m.tr.train(
        {
          arch: 'flatten,dense(1024),relu,dense(10)',
          inputShape: img,
          loss: 'ce',
          lr: { absolute: 0.5 },
          steps: 50,
          trackers: ['loss'],
          seed: 0,
        },
        { X: x, Y },
      );
    },
    X(1000),
  ],
];
const med = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log('| case | reps | base (ms) | HEAD (ms) | HEAD / base |\n|---|---|---|---|---|');
for (const [name, reps, run, x] of cases) {
  const t = { base: [], head: [] };
  for (let r = 0; r < reps; r++)
    for (const [b, m] of builds) {
      const xb = new m.la.Matrix(x.rows, x.cols, x.data.slice());
      const t0 = performance.now();
      await run(m, xb);
      t[b].push(performance.now() - t0);
    }
  const [b, h] = [med(t.base), med(t.head)];
  console.log(`| ${name} | ${reps} | ${b.toFixed(0)} | ${h.toFixed(0)} | ${(h / b).toFixed(3)} |`);
}
