import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { empiricalNtk, monteCarloNtk, ntkvp } from '../../src/empirical/index.js';
import { Matrix, matmul } from '../../src/linalg/index.js';
import { buildNetwork, init } from '../../src/nn/index.js';
import { Rng } from '../../src/util/random.js';

const randX = (n: number, d: number, seed: number) => new Matrix(n, d, new Rng(seed).normals(n * d));
function relErr(a: Matrix, b: Matrix): number {
  let m = 0;
  let s = 0;
  for (let i = 0; i < a.data.length; i++) {
    m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
    s = Math.max(s, Math.abs(b.data[i]));
  }
  return m / s;
}

describe('NTK-vector products', () => {
  for (const [name, arch, shape] of [
    ['MLP', 'dense(10,bstd=0.3),relu,dense(3,frozen),tanh,dense(4,bstd=1)', [5]],
    ['ResNet CNN', 'conv(3,3),residual(relu,conv(3,3,bstd=0.2)),avgpool(2),flatten,dense(2)', [4, 4, 2]],
  ] as const) {
    it(`${name}: ntkvp equals Θ·v (full and trace), any tile size`, () => {
      const params = init(buildNetwork(arch, [...shape], 'ntk'), new Rng(1));
      const n = 9;
      const O = params.net.outDim;
      const X = randX(n, params.net.inDim, 2);
      const V = randX(n, O, 3);
      const Kf = empiricalNtk(params, X, null, { outputs: 'full' });
      const ref = matmul(Kf, new Matrix(n * O, 1, V.data));
      for (const tileSize of [4, 256]) {
        const got = ntkvp(params, X, V, { outputs: 'full', tileSize });
        assert.ok(relErr(new Matrix(n * O, 1, got.data), ref) < 1e-10);
      }
      const v = randX(n, 1, 4);
      const gotT = ntkvp(params, X, v, { tileSize: 4 });
      assert.ok(relErr(gotT, matmul(empiricalNtk(params, X), v)) < 1e-10);
    });
  }
  it('rejects a V of the wrong shape', () => {
    const params = init(buildNetwork('dense(4),relu,dense(2)', [3]), new Rng(0));
    assert.throws(() => ntkvp(params, randX(3, 3, 0), randX(3, 2, 0)), /`V` must be a Matrix 3 × 1/);
  });
});

describe('Monte-Carlo NTK', () => {
  it('is the mean of per-seed kernels with the right running standard error', () => {
    const net = buildNetwork('dense(6),erf,dense(1)', [3], 'ntk');
    const X = randX(4, 3, 5);
    const seen: number[] = [];
    const est = monteCarloNtk(net, X, null, { samples: 4, seed: 7, onSample: (e) => seen.push(e.samples) });
    assert.deepEqual(seen, [1, 2, 3, 4]);
    const Ks = [0, 1, 2, 3].map((k) => empiricalNtk(init(net, new Rng(7).split(k)), X));
    for (let i = 0; i < 16; i++) {
      const xs = Ks.map((K) => K.data[i]);
      const mu = xs.reduce((a, b) => a + b, 0) / 4;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mu) ** 2, 0) / 3);
      assert.ok(Math.abs(est.mean.data[i] - mu) < 1e-12 * Math.abs(mu) + 1e-15);
      assert.ok(Math.abs(est.stderr.data[i] - sd / 2) < 1e-9 * (sd + 1e-300));
    }
  });

  it('concentrates at large width: a 2048-wide ReLU MLP kernel agrees with the arc-cosine closed form', () => {
    // One hidden ReLU layer, NTK param., no bias, infinite width: Θ = Σ₁·Σ̇ + Σ₂ with Σ₁ = x·x'/d, Σ₂ = ‖x‖‖x'‖/d·(sinθ + (π−θ)cosθ)/(2π), Σ̇ = (π−θ)/(2π).
    const d = 5;
    const net = buildNetwork('dense(2048),relu,dense(1)', [d], 'ntk');
    const X = randX(3, d, 11);
    const est = monteCarloNtk(net, X, null, { samples: 2, seed: 1 });
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let xy = 0;
        let xx = 0;
        let yy = 0;
        for (let k = 0; k < d; k++) {
          xy += X.get(i, k) * X.get(j, k);
          xx += X.get(i, k) ** 2;
          yy += X.get(j, k) ** 2;
        }
        const c = Math.max(-1, Math.min(1, xy / Math.sqrt(xx * yy)));
        const th = Math.acos(c);
        const k1 = xy / d;
        const s2 = ((Math.sqrt(xx * yy) / d) * (Math.sin(th) + (Math.PI - th) * c)) / (2 * Math.PI);
        const theta = k1 * ((Math.PI - th) / (2 * Math.PI)) + s2;
        const tol = 5 * est.stderr.get(i, j) + 0.05 * Math.abs(theta);
        assert.ok(
          Math.abs(est.mean.get(i, j) - theta) < tol,
          `(${i},${j}): MC ${est.mean.get(i, j)} vs analytic ${theta}`,
        );
      }
    }
  });
});
