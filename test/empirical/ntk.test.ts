import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { empiricalNtk } from '../../src/empirical/ntk.js';
import { eigh, Matrix } from '../../src/linalg/index.js';
import { type BuildOptions, buildNetwork, forward, init, type Params, vjp } from '../../src/nn/index.js';
import { Rng } from '../../src/util/random.js';

function randX(n: number, d: number, seed: number): Matrix {
  return new Matrix(n, d, new Rng(seed).normals(n * d));
}
function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}
function relErr(a: Matrix, b: Matrix): number {
  assert.deepEqual([a.rows, a.cols], [b.rows, b.cols]);
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m / maxAbs(b.data);
}

/** Θ_full by brute force: one single-example VJP per (example, logit), Jacobian rows dotted. */
function bruteForceFull(params: Params, X: Matrix, X2: Matrix): Matrix {
  const { net } = params;
  const O = net.outDim;
  const rows = (Y: Matrix) => {
    const J: Float64Array[] = [];
    for (let i = 0; i < Y.rows; i++) {
      const { tape } = forward(params, Y.rowSlice(i, i + 1));
      for (let o = 0; o < O; o++) {
        const e = new Matrix(1, O);
        e.data[o] = 1;
        J.push(vjp(tape, e, { inputGrad: false }).grad);
      }
    }
    return J;
  };
  const J1 = rows(X);
  const J2 = rows(X2);
  const K = new Matrix(J1.length, J2.length);
  for (let a = 0; a < J1.length; a++) {
    for (let b = 0; b < J2.length; b++) {
      let s = 0;
      for (let k = 0; k < J1[a].length; k++) s += J1[a][k] * J2[b][k];
      K.data[a * J2.length + b] = s;
    }
  }
  return K;
}

// a directed, weighted 4-node graph (A[i][j]: edge i → j), for `aggregate`
const GRAPH = new Matrix(4, 4, Float64Array.of(0, 0.5, 0, 1, 0, 1, 2, 0, 0.7, 0, 0, 1, 0, 1, 0.3, 1));

const NETS: [string, string, number[], BuildOptions?][] = [
  ['MLP with biases', 'dense(16,bstd=0.5),relu,dense(12,wstd=1.4),erf,dense(3,bstd=0.2)', [5]],
  ['CNN same padding + flatten', 'conv(4,3,bstd=0.3),relu,conv(3,3),tanh,flatten,dense(2)', [5, 5, 2]],
  [
    'CNN valid + stride 2 + gap',
    'conv(4,3,padding=valid),relu,conv(5,3,stride=2,bstd=0.1),gelu,gap,dense(3)',
    [8, 7, 2],
  ],
  ['CNN avgpool', 'conv(3,3),relu,avgpool(2),conv(4,2,padding=valid),relu,flatten,dense(2,bstd=1)', [6, 6, 1]],
  [
    'ResNet',
    'conv(4,3),residual(relu,conv(4,3,bstd=0.2),relu,conv(4,3)),avgpool(2),residual(relu,conv(4,3)),gap,dense(3)',
    [6, 6, 2],
  ],
  ['dense ResNet', 'dense(8),residual(relu,dense(8,bstd=0.3),relu,dense(8)),relu,dense(2)', [4]],
  [
    'WideResNet block (projection shortcut)',
    'conv(3,3),sum(relu,conv(4,3,bstd=0.2),relu,conv(4,3)|conv(4,1)),relu,gap,dense(3)',
    [5, 5, 2],
  ],
  ['DenseNet-style concat', 'conv(3,3),concat(identity|relu,conv(2,3)),conv(3,1),relu,flatten,dense(2)', [4, 4, 1]],
  ['prod and repeat', 'dense(6),prod(dense(6,bstd=0.2)|identity),repeat(2,relu,dense(6)),dense(2)', [4]],
  [
    'aggregate, graph- and node-level',
    'conv(3,1,bstd=0.1),relu,aggregate,conv(4,1),relu,aggregate,conv(2,1)',
    [4, 1, 2],
    { adjacency: GRAPH },
  ],
  [
    'attention on a sequence',
    'dense(6),attention(heads=2,bstd=0.2,pos_emb=concat,pos_emb_chan=3),gap,dense(2)',
    [3, 1, 2],
  ],
  [
    'conv + attention',
    'conv(4,2),relu,attention(heads=2,linear_scaling=false,mechanism=identity,pos_emb=sum,val_pos_emb=true),gap,dense(2)',
    [3, 2, 1],
  ],
  [
    // issue #14's transformer block at width 8 (test/arch/transformer.test.ts), on a sequence and on an image
    'transformer block (sequence)',
    'dense(8),sum(layernorm,attention(heads=4) | identity),sum(layernorm,dense(16),relu,dense(8) | identity),gap,dense(10)',
    [3, 1, 4],
  ],
  [
    'transformer block (image)',
    'dense(8,bstd=0.2),sum(layernorm,attention(heads=4) | identity),sum(layernorm,dense(16),relu,dense(8) | identity),gap,dense(10)',
    [2, 2, 3],
  ],
];

describe('empirical NTK: structured equals the Jacobian reference', () => {
  for (const param of ['ntk', 'standard'] as const) {
    for (const [name, arch, shape, opts] of NETS) {
      it(`${name} [${param}]: trace and full, every conv contraction order, tiled and untiled`, () => {
        const net = buildNetwork(arch, shape, param, opts);
        const params = init(net, new Rng(3));
        const X = randX(7, net.inDim, 5);
        const X2 = randX(4, net.inDim, 6);
        for (const outputs of ['trace', 'full'] as const) {
          const ref = empiricalNtk(params, X, X2, { implementation: 'jacobian', outputs });
          for (const convStrategy of ['auto', 'pairs', 'jacobian'] as const) {
            for (const tileSize of [undefined, 3]) {
              const got = empiricalNtk(params, X, X2, { outputs, convStrategy, tileSize });
              assert.ok(
                relErr(got, ref) < 1e-10,
                `${outputs}/${convStrategy}/${tileSize}: rel err ${relErr(got, ref)}`,
              );
            }
          }
          const symRef = empiricalNtk(params, X, null, { implementation: 'jacobian', outputs, tileSize: 2 });
          const sym = empiricalNtk(params, X, null, { outputs, tileSize: 3 });
          assert.ok(relErr(sym, symRef) < 1e-10);
          // recomputing column tiles (no factor cache) gives the same kernel
          assert.ok(relErr(empiricalNtk(params, X, null, { outputs, tileSize: 3, cacheBytes: 0 }), symRef) < 1e-10);
          assert.ok(relErr(empiricalNtk(params, X, X2, { outputs, tileSize: 2, cacheBytes: 0 }), ref) < 1e-10);
        }
      });
    }
  }

  it('the Jacobian reference equals brute-force single-example VJPs (full outputs, cross kernel)', () => {
    for (const [, arch, shape] of [NETS[0], NETS[2], NETS[4]]) {
      const net = buildNetwork(arch, shape, 'ntk');
      const params = init(net, new Rng(9));
      const X = randX(3, net.inDim, 1);
      const X2 = randX(2, net.inDim, 2);
      const ref = bruteForceFull(params, X, X2);
      assert.ok(relErr(empiricalNtk(params, X, X2, { implementation: 'jacobian', outputs: 'full' }), ref) < 1e-12);
      assert.ok(relErr(empiricalNtk(params, X, X2, { outputs: 'full' }), ref) < 1e-10);
    }
  });

  it('trace outputs are the mean of the full kernel diagonal logit blocks', () => {
    const net = buildNetwork(NETS[0][1], NETS[0][2], 'ntk');
    const params = init(net, new Rng(4));
    const X = randX(5, net.inDim, 8);
    const full = empiricalNtk(params, X, null, { outputs: 'full' });
    const tr = empiricalNtk(params, X);
    const O = net.outDim;
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let o = 0; o < O; o++) s += full.get(i * O + o, j * O + o);
        assert.ok(Math.abs(s / O - tr.get(i, j)) < 1e-12 * maxAbs(tr.data));
      }
    }
  });
});

describe('empirical NTK: properties', () => {
  it('Θ(x, x) is exactly symmetric and PSD (λ_min ≥ −1e-10·λ_max) for MLP, CNN and ResNet', () => {
    for (const [name, arch, shape, opts] of NETS) {
      const net = buildNetwork(arch, shape, 'ntk', opts);
      const params = init(net, new Rng(12));
      const X = randX(20, net.inDim, 13);
      for (const outputs of ['trace', 'full'] as const) {
        const K = empiricalNtk(params, X, null, { outputs, tileSize: 6 });
        for (let i = 0; i < K.rows; i++) for (let j = 0; j < i; j++) assert.equal(K.get(i, j), K.get(j, i));
        const { values } = eigh(K);
        const lmax = values[values.length - 1];
        assert.ok(lmax > 0);
        assert.ok(values[0] >= -1e-10 * lmax, `${name} ${outputs}: λ_min ${values[0]} vs λ_max ${lmax}`);
      }
    }
  });

  it('frozen layers drop out: Θ equals the sum over trained layers only', () => {
    const X = randX(6, 4, 21);
    const full = init(buildNetwork('dense(8,bstd=0.5),relu,dense(8),relu,dense(2,bstd=1)', [4], 'ntk'), new Rng(2));
    const frozen = init(
      buildNetwork('dense(8,bstd=0.5,frozen),relu,dense(8),relu,dense(2,bstd=1,frozen)', [4], 'ntk'),
      new Rng(2),
    );
    assert.deepEqual(full.theta, frozen.theta);
    const Kf = empiricalNtk(frozen, X);
    // Θ of the frozen net = Θ_all − (contributions of layers 0 and 4), computed from the Jacobian restricted to layer 2
    const mid = full.net.paramLayers[1];
    const { tape } = forward(full, X);
    const O = full.net.outDim;
    const rows: Float64Array[][] = [];
    for (let i = 0; i < 6; i++) {
      rows.push([]);
      const { tape: t1 } = forward(full, X.rowSlice(i, i + 1));
      for (let o = 0; o < O; o++) {
        const e = new Matrix(1, O);
        e.data[o] = 1;
        rows[i].push(vjp(t1, e).grad.slice(mid.wOffset, mid.wOffset + mid.wSize));
      }
    }
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) {
        let s = 0;
        for (let o = 0; o < O; o++) for (let k = 0; k < mid.wSize; k++) s += rows[i][o][k] * rows[j][o][k];
        assert.ok(Math.abs(s / O - Kf.get(i, j)) < 1e-10 * maxAbs(Kf.data));
      }
    }
    // Θ_all − (contributions of layers 0 and 4) = Θ_frozen: the frozen layers' Jacobian rows (weights and biases),
    // one per (example, logit), from the batch tape with a one-hot cotangent
    const Ka = empiricalNtk(full, X);
    const [first, last] = [full.net.paramLayers[0], full.net.paramLayers[2]];
    assert.ok(first.bSize > 0 && last.bSize > 0 && mid.bSize === 0);
    const frozenRows: Float64Array[][] = [];
    for (let i = 0; i < 6; i++) {
      frozenRows.push([]);
      for (let o = 0; o < O; o++) {
        const e = new Matrix(6, O);
        e.data[i * O + o] = 1;
        const g = vjp(tape, e, { inputGrad: false }).grad;
        const parts = [first, last].flatMap((p) => [
          g.subarray(p.wOffset, p.wOffset + p.wSize),
          g.subarray(p.bOffset, p.bOffset + p.bSize),
        ]);
        frozenRows[i].push(Float64Array.from(parts.flatMap((a) => Array.from(a))));
      }
    }
    let minFrozenShare = Infinity;
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) {
        let s = 0;
        for (let o = 0; o < O; o++) for (const [k, v] of frozenRows[i][o].entries()) s += v * frozenRows[j][o][k];
        const c = s / O;
        assert.ok(Math.abs(Ka.get(i, j) - c - Kf.get(i, j)) < 1e-10 * maxAbs(Ka.data), `(${i},${j})`);
        if (i === j) minFrozenShare = Math.min(minFrozenShare, c / Ka.get(i, i));
      }
    }
    // (the frozen layers' share is not negligible, so a kernel that kept them would fail the check above)
    assert.ok(minFrozenShare > 0.01, `${minFrozenShare}`);
    // and the frozen kernel is strictly smaller on the diagonal than the all-trained one
    for (let i = 0; i < 6; i++) assert.ok(Ka.get(i, i) > Kf.get(i, i));
  });

  it('rejects bad options and inputs with typed errors', () => {
    const params = init(buildNetwork('dense(4),relu,dense(1)', [3]), new Rng(0));
    assert.throws(() => empiricalNtk(params, randX(2, 4, 0)), /x1.*3 columns/);
    assert.throws(() => empiricalNtk(params, randX(2, 3, 0), randX(2, 5, 0)), /x2/);
    // @ts-expect-error invalid literal on purpose
    assert.throws(() => empiricalNtk(params, randX(2, 3, 0), null, { implementation: 'magic' }), /implementation/);
    assert.throws(() => empiricalNtk(params, randX(2, 3, 0), null, { tileSize: 0 }), /tileSize/);
    const X = randX(2, 3, 0);
    X.data[4] = Number.NaN;
    assert.throws(() => empiricalNtk(params, X), /finite.*x1\[1, 1\] = NaN/);
  });
});

describe('tiling from the memory budget', () => {
  for (const [name, arch, shape] of [
    ['MLP', 'dense(16),relu,dense(16),relu,dense(3)', [6]],
    ['CNN', 'conv(4,3),relu,conv(4,3,stride=2),relu,gap,dense(3)', [6, 6, 1]],
  ] as const) {
    it(`${name}: budgets small enough to force many streamed (uncached) tiles give the same Θ`, () => {
      const params = init(buildNetwork(arch, [...shape], 'ntk'), new Rng(3));
      const d = shape.reduce((a: number, b: number) => a * b, 1);
      const X = new Matrix(23, d, new Rng(4).normals(23 * d));
      const X2 = new Matrix(9, d, new Rng(5).normals(9 * d));
      const ref = empiricalNtk(params, X, null, { tileSize: 23 });
      const refX = empiricalNtk(params, X, X2, { tileSize: 23 });
      const pairs: number[] = [];
      for (const tileBytes of [4 * 1024, 16 * 1024, 512 * 1024]) {
        let total = 0;
        const K = empiricalNtk(params, X, null, { tileBytes, onProgress: (_, t) => (total = t) });
        pairs.push(total);
        assert.ok(relErr(K, ref) < 1e-12, `${tileBytes}`);
        assert.ok(relErr(empiricalNtk(params, X, X2, { tileBytes }), refX) < 1e-12, `${tileBytes} cross`);
        assert.ok(relErr(empiricalNtk(params, X, null, { tileBytes, cacheBytes: 1 << 30 }), ref) < 1e-12);
      }
      assert.ok(pairs[0] > 3 && pairs[0] >= pairs[2], `tile pairs per budget: ${pairs.join(', ')}`);
    });
  }
  it('rejects a non-positive tileBytes and a non-integer tileSize', () => {
    const params = init(buildNetwork('dense(4),relu,dense(1)', [3], 'ntk'), new Rng(1));
    const X = new Matrix(5, 3, new Rng(2).normals(15));
    assert.throws(() => empiricalNtk(params, X, null, { tileBytes: 0 }), /tileBytes/);
    assert.throws(() => empiricalNtk(params, X, null, { tileSize: 1.5 }), /tileSize/);
  });
});
