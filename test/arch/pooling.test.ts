// Pooling and conv variants (issue #14): avgpool(k, stride=, padding=, normalize_edges=), sumpool, gsp,
// conv(…, padding=circular), convtranspose, convlocal — forward maps against independent numpy references, VJP/JVP
// against finite differences, structured = Jacobian empirical NTK, closed forms of the analytic kernel, analytic vs
// Monte Carlo (error falling with width), and the typed errors of bad input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { formatArch, parseArch } from '../../src/arch/parse.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { Matrix } from '../../src/linalg/index.js';
import { apply, buildNetwork, init, layerParams } from '../../src/nn/index.js';
import { Rng } from '../../src/util/random.js';
import { assertFalls, gradCheck, mcErrors, ntkCheck, numpyRef, randMatrix, relFro } from './layerChecks.js';

const kfn = async (arch: string, shape: number[], X: Matrix, x2: Matrix | null = null) =>
  kernelFn(arch, { inputShape: shape, workers: 0 })(X, x2, 'both');

/** each network's output on random inputs and parameters vs the numpy reference of the same map (one Python run) */
function againstNumpy(cases: [string, number[], (p: ReturnType<typeof init>) => Record<string, unknown>][]) {
  const runs = cases.map(([arch, shape, job]) => {
    const net = buildNetwork(arch, shape);
    const params = init(net, new Rng(4));
    const X = randMatrix(2, net.inDim, 8);
    return { arch, net, y: apply(params, X), job: { x: Array.from(X.data), shape: [2, ...shape], ...job(params) } };
  });
  const refs = numpyRef(runs.map((r) => r.job));
  runs.forEach(({ arch, net, y }, c) => {
    const ref = refs[c];
    assert.deepEqual(ref.shape, [2, ...net.outputShape], `${arch}: output shape`);
    let m = 0;
    for (let i = 0; i < ref.y.length; i++) m = Math.max(m, Math.abs(y.data[i] - ref.y[i]));
    assert.ok(m < 1e-12, `${arch}: max |ours − numpy| = ${m}`);
  });
}

const affineJob = (op: string, k: number, stride: number, padding: string) => (params: ReturnType<typeof init>) => {
  const p = params.net.paramLayers[0];
  const { W, b } = layerParams(params, p);
  const wshape = op === 'convlocal' ? [p.out, p.positions, k, k, p.inChannels] : [p.out, k, k, p.inChannels];
  return { op, W: Array.from(W), wshape, b: b ? Array.from(b) : null, k, stride, padding, ws: p.wScale, bs: p.bScale };
};

describe('pooling and conv variants: parsing, formatting and bad input', () => {
  it('avgpool(k) keeps its spec; the new options round-trip; the others parse', () => {
    assert.deepEqual(parseArch('avgpool(2)'), [{ kind: 'avgpool', k: 2 }]);
    assert.deepEqual(parseArch('avgpool(2,stride=2,padding=valid,normalize_edges=false)'), [{ kind: 'avgpool', k: 2 }]);
    for (const a of [
      'conv(4,3),avgpool(3,stride=1,padding=same,normalize_edges=true),sumpool(2,padding=circular),gsp,dense(1)',
      'conv(4,3,padding=circular),convtranspose(3,2,stride=2,padding=valid,bstd=0.5),convlocal(2,3,stride=2,frozen),gap,dense(1)',
    ]) {
      assert.equal(formatArch(parseArch(a)), a);
      assert.deepEqual(parseArch(formatArch(parseArch(a))), parseArch(a));
    }
  });

  it('bad arguments and shapes are typed errors naming the layer', () => {
    const bad = (arch: string, shape: number[], re: RegExp) =>
      assert.throws(
        () => buildNetwork(arch, shape),
        (e: unknown) => e instanceof InvalidArgumentError && re.test(e.message),
        arch,
      );
    bad('conv(4,3),avgpool(7),gap,dense(1)', [6, 6, 1], /layer 1 `avgpool`.*at least 7×7 for padding=valid/);
    bad('conv(4,3),avgpool(2,stride=0),gap,dense(1)', [6, 6, 1], /layer `avgpool`.*`stride` an integer ≥ 1/);
    bad('conv(4,3),sumpool(2,normalize_edges=true),gap,dense(1)', [6, 6, 1], /layer `sumpool`.*`stride`, `padding`/);
    bad('conv(4,3),avgpool(2,padding=full),gap,dense(1)', [6, 6, 1], /`padding` same or valid or circular/);
    bad('dense(4),avgpool(2)', [5], /layer 1 `avgpool`.*an image input/);
    bad('dense(4),gsp', [5], /layer 1 `gsp`.*an image input.*gsp turns an image/);
    bad('convtranspose(4,3,padding=circular),gap,dense(1)', [6, 6, 1], /`convtranspose`.*circular transposed/);
    bad('dense(4),convtranspose(4,3)', [5], /layer 1 `convtranspose`.*an image input/);
    bad('convlocal(4,7,padding=valid),gap,dense(1)', [6, 6, 1], /layer 0 `convlocal`.*at least 7×7/);
    bad('conv(4,3,stride=0),gap,dense(1)', [6, 6, 1], /`stride` an integer ≥ 1/);
  });
});

describe('forward maps against numpy references (NT / JAX definitions)', () => {
  type Case = Parameters<typeof againstNumpy>[0][number];
  it('conv(…, padding=circular): np.pad(wrap) then a valid correlation', () =>
    againstNumpy(
      [
        [3, 1],
        [3, 2],
        [2, 1],
        [4, 3],
      ].map(([k, s]): Case => [
        `conv(3,${k},stride=${s},padding=circular,bstd=0.4)`,
        [5, 4, 2],
        affineJob('conv', k, s, 'circular'),
      ]),
    ));
  it('convtranspose: dilation by the stride, JAX padding, correlation (same and valid, k ≶ s)', () =>
    againstNumpy(
      [
        [3, 1],
        [3, 2],
        [2, 2],
        [2, 3],
        [4, 2],
        [1, 2],
      ].flatMap(([k, s]) =>
        ['same', 'valid'].map((padding): Case => [
          `convtranspose(3,${k},stride=${s},padding=${padding},bstd=0.3)`,
          [3, 4, 2],
          affineJob('convtranspose', k, s, padding),
        ]),
      ),
    ));
  it('convlocal: one filter and one bias per output position', () =>
    againstNumpy(
      (
        [
          [3, 1, 'same'],
          [2, 2, 'valid'],
          [3, 2, 'circular'],
        ] as const
      ).map(([k, s, padding]): Case => [
        `convlocal(3,${k},stride=${s},padding=${padding},bstd=0.7)`,
        [5, 4, 2],
        affineJob('convlocal', k, s, padding),
      ]),
    ));
  it('avgpool / sumpool (stride, padding, normalize_edges) and gsp', () => {
    const pool = (kind: 'avg' | 'sum', k: number, s: number, padding: string, ne: boolean): Case => [
      kind === 'avg'
        ? `avgpool(${k},stride=${s},padding=${padding},normalize_edges=${ne})`
        : `sumpool(${k},stride=${s},padding=${padding})`,
      [5, 4, 2],
      () => ({ op: 'pool', k, stride: s, padding, kind, normalize_edges: ne }),
    ];
    againstNumpy([
      ...(
        [
          [2, 2, 'valid'],
          [3, 1, 'same'],
          [3, 2, 'same'],
          [2, 1, 'circular'],
          [3, 2, 'valid'],
        ] as const
      ).flatMap(([k, s, padding]) => [
        pool('avg', k, s, padding, false),
        pool('avg', k, s, padding, true),
        pool('sum', k, s, padding, false),
      ]),
      ['gsp', [3, 4, 2], () => ({ op: 'gsp' })],
    ]);
  });
});

const FINITE: [string, string, number[]][] = [
  [
    'circular conv',
    'conv(3,3,padding=circular,bstd=0.2),relu,conv(2,2,stride=2,padding=circular),flatten,dense(2)',
    [4, 5, 2],
  ],
  [
    'avgpool stride 1 same normalize_edges',
    'conv(3,3),tanh,avgpool(3,stride=1,padding=same,normalize_edges=true),flatten,dense(2)',
    [4, 4, 1],
  ],
  ['sumpool circular + gsp', 'conv(3,2,bstd=0.3),erf,sumpool(2,stride=1,padding=circular),gsp,dense(2)', [4, 3, 2]],
  ['convtranspose', 'conv(3,2,stride=2),relu,convtranspose(2,3,stride=2,bstd=0.2),tanh,gap,dense(2)', [4, 4, 1]],
  [
    'convtranspose valid, frozen',
    'convtranspose(3,2,stride=2,padding=valid,frozen),relu,convtranspose(2,3,wvar=2),gap,dense(2)',
    [3, 2, 2],
  ],
  ['convlocal', 'convlocal(3,3,bstd=0.5),relu,convlocal(2,2,stride=2,padding=valid),flatten,dense(2)', [5, 4, 1]],
  [
    'convlocal circular, frozen',
    'conv(2,3),erf,convlocal(3,2,padding=circular,frozen,bvar=0.2),gap,dense(2)',
    [3, 4, 2],
  ],
];

describe('finite networks: VJP = central finite differences, JVP its adjoint', () => {
  for (const param of ['ntk', 'standard'] as const)
    for (const [name, arch, shape] of FINITE) it(`${name} [${param}]`, () => gradCheck(arch, shape, param));
});

describe('empirical NTK: structured = Jacobian contraction (and = brute-force VJPs)', () => {
  for (const param of ['ntk', 'standard'] as const)
    for (const [name, arch, shape] of FINITE) it(`${name} [${param}]`, () => ntkCheck(arch, shape, param));
});

describe('analytic kernels: closed forms and special cases', () => {
  const X = randMatrix(3, 36 * 2, 21);
  const X2 = randMatrix(2, 36 * 2, 22);
  const shape = [6, 6, 2];

  it('convlocal keeps the conv kernel on equal positions (flatten) and zeros elsewhere (NT)', async () => {
    const a = await kfn('convlocal(4,3,bstd=0.3),relu,flatten,dense(1)', shape, X, X2);
    const b = await kfn('conv(4,3,bstd=0.3),relu,flatten,dense(1)', shape, X, X2);
    assert.ok(
      relFro(a.ntk.data, b.ntk.data) < 1e-12 && relFro(a.nngp.data, b.nngp.data) < 1e-12,
      'convlocal ≠ conv on equal positions',
    );
    // off-diagonal positions: independent weights, so relu(u), relu(v) are independent: E = √(q q′)/(2π); a
    // trailing gap sees them — different from the shared conv
    const c = await kfn('convlocal(4,3),gap,dense(1)', shape, X);
    const d = await kfn('conv(4,3),flatten,dense(1)', shape, X);
    // gap of a kernel that is zero off the diagonal = (1/P)·(flatten's mean of the diagonal)
    for (let i = 0; i < 9; i++)
      assert.ok(Math.abs(c.nngp.data[i] - d.nngp.data[i] / 36) < 1e-14 * Math.abs(d.nngp.data[i]), `entry ${i}`);
  });

  it('sumpool = k²·avgpool (kernel ×k⁴); gsp = P²·gap; normalize_edges changes nothing without `same` padding', async () => {
    const a = await kfn('conv(4,3),relu,sumpool(2),flatten,dense(1)', shape, X);
    const b = await kfn('conv(4,3),relu,avgpool(2),flatten,dense(1)', shape, X);
    for (let i = 0; i < 9; i++)
      assert.ok(Math.abs(a.ntk.data[i] / 16 - b.ntk.data[i]) < 1e-13 * b.ntk.data[i], `sumpool entry ${i}`);
    const c = await kfn('conv(4,3),erf,gsp,dense(1)', shape, X);
    const d = await kfn('conv(4,3),erf,gap,dense(1)', shape, X);
    for (let i = 0; i < 9; i++)
      assert.ok(Math.abs(c.nngp.data[i] / 36 ** 2 - d.nngp.data[i]) < 1e-13 * d.nngp.data[i], `gsp entry ${i}`);
    const e = await kfn('conv(4,3),relu,avgpool(2,padding=circular,normalize_edges=true),gap,dense(1)', shape, X);
    const f = await kfn('conv(4,3),relu,avgpool(2,padding=circular),gap,dense(1)', shape, X);
    assert.deepEqual(e.ntk.data, f.ntk.data);
  });

  it('circular conv: every output reads k² image pixels (a torus); same padding loses the edges', async () => {
    // on an image that is the same at every position, circular padding reads the image everywhere, so every output
    // position has the variance of an interior one; zero padding lowers the edge variances
    const x = new Matrix(
      1,
      36 * 2,
      Float64Array.from({ length: 72 }, (_, i) => (i % 2 === 0 ? 1 : -0.5)),
    );
    const circ = await kfn('conv(4,3,padding=circular),flatten,dense(1)', shape, x);
    const same = await kfn('conv(4,3),flatten,dense(1)', shape, x);
    assert.ok(Math.abs(circ.nngp.data[0] - 0.625) < 1e-15, `${circ.nngp.data[0]}`); // (1 + 0.25)/2
    assert.ok(same.nngp.data[0] < 0.625 - 0.05, `same: ${same.nngp.data[0]}`);
  });
});

describe('analytic NNGP/NTK = Monte-Carlo means of finite networks, error falling with width', () => {
  const img = (seed: number) => randMatrix(4, 4 * 4 * 2, seed);
  const CASES: [string, (w: number) => string, number[], Matrix, 'ntk' | 'standard'][] = [
    [
      'avgpool stride 1 same normalize_edges',
      (w) => `conv(${w},3,bstd=0.2),relu,avgpool(3,stride=1,padding=same,normalize_edges=true),gap,dense(1)`,
      [4, 4, 2],
      img(1),
      'ntk',
    ],
    [
      'circular conv + sumpool + gsp',
      (w) => `conv(${w},3,padding=circular),relu,sumpool(2,stride=1,padding=circular),gsp,dense(1)`,
      [4, 4, 2],
      img(2),
      'ntk',
    ],
    [
      'convtranspose',
      (w) => `convtranspose(${w},3,stride=2,bstd=0.1),relu,gap,dense(1)`,
      [3, 3, 2],
      randMatrix(4, 18, 3),
      'ntk',
    ],
    ['convlocal', (w) => `convlocal(${w},3,bstd=0.3),relu,gap,dense(1)`, [4, 4, 2], img(4), 'ntk'],
    [
      'convlocal + convtranspose [standard]',
      (w) => `convlocal(${w},2,stride=2,bstd=0.5),erf,convtranspose(${w},2,stride=2,padding=valid),relu,gap,dense(1)`,
      [4, 4, 2],
      img(5),
      'standard',
    ],
  ];
  for (const [name, arch, shape, X, param] of CASES)
    it(name, async () => assertFalls(name, await mcErrors(arch, shape, X, [16, 256], 12, param)));
});
