import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coherence, describeDataset } from '../../src/data/describe.js';
import {
  corruptLabels,
  encodeLabels,
  projectToSphereInPlace,
  randomSample,
  stratifiedSample,
} from '../../src/data/preprocess.js';
import { loadDataset } from '../../src/data/registry.js';
import { erf } from '../../src/util/special.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { Rng } from '../../src/util/random.js';
import { python } from '../io/helpers.js';

describe('sampling', () => {
  it('stratifiedSample keeps proportions (largest remainder) and picks distinct rows of each class', () => {
    const y = Int32Array.from({ length: 103 }, (_, i) => (i < 60 ? 0 : i < 95 ? 1 : 2)); // 60 / 35 / 8
    const s = stratifiedSample(y, 3, 20, new Rng(5));
    const counts = [0, 0, 0];
    for (const i of s) counts[y[i]]++;
    // exact shares 11.65 / 6.80 / 1.55 → floors 11/6/1, remainders go to .80 then .65
    assert.deepEqual(counts, [12, 7, 1]);
    assert.equal(new Set(s).size, 20);
    assert.deepEqual(stratifiedSample(y, 3, 20, new Rng(5)), s);
    assert.throws(() => stratifiedSample(y, 3, 104, new Rng(1)), /\[0, 103\]/);
  });

  it('randomSample gives distinct indices, every index equally likely', () => {
    const hits = new Array<number>(10).fill(0);
    const rng = new Rng(9);
    for (let t = 0; t < 2000; t++) for (const i of randomSample(10, 3, rng)) hits[i]++;
    for (const h of hits) assert.ok(Math.abs(h - 600) < 120, `${h}`);
  });
});

describe('labels', () => {
  it('corruptLabels: exactly round(f·n) chosen rows get a label uniform over all K classes (random labels)', () => {
    const y = Int32Array.from({ length: 1000 }, (_, i) => i % 4);
    const c = corruptLabels(y, 4, 0.3, new Rng(3));
    assert.equal(c.rows.length, 300);
    assert.equal(new Set(c.rows).size, 300);
    for (let k = 1; k < 300; k++) assert.ok(c.rows[k] > c.rows[k - 1]);
    const chosen = new Set(c.rows);
    for (let i = 0; i < 1000; i++) if (!chosen.has(i)) assert.equal(c.y[i], y[i]);
    c.rows.forEach((r, k) => assert.equal(c.originalY[k], y[r]));
    // Monte Carlo over many draws: the new label is independent of the old one and uniform over all 4 classes, so a
    // chosen row keeps its class with probability 1/4 (a "different class" rule would give 0)
    const table = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
    for (let t = 0; t < 40; t++) {
      const d = corruptLabels(y, 4, 0.3, new Rng(100 + t));
      d.rows.forEach((r, k) => table[d.originalY[k]][d.y[r]]++);
    }
    const cell = (40 * 300) / 16; // 750 expected per (old, new) pair; std ≈ 24
    for (const row of table) for (const v of row) assert.ok(Math.abs(v - cell) < 120, JSON.stringify(table));
    assert.equal(corruptLabels(y, 4, 0, new Rng(3)).rows.length, 0);
    assert.equal(corruptLabels(y, 4, 1, new Rng(3)).rows.length, 1000);
    assert.throws(() => corruptLabels(y, 1, 0.5, new Rng(3)), /numClasses/);
  });

  it('encodeLabels rejects out-of-range classes', () => {
    assert.throws(
      () => encodeLabels(Int32Array.from([0, 3]), 3, 'onehot'),
      /`y\[1\]` must be a class index in \[0, 3\)/,
    );
    const s = encodeLabels(Int32Array.from([2]), 4, 'soft', 0.2);
    assert.ok(Math.abs(s.data.reduce((a, b) => a + b, 0) - 1) < 1e-15);
  });
});

describe('geometry', () => {
  it('projecting a zero row to the sphere is an error naming the row', () => {
    assert.throws(
      () =>
        projectToSphereInPlace(
          Matrix.from([
            [1, 0],
            [0, 0],
          ]),
        ),
      /row 1 has norm 0/,
    );
  });

  it('coherence ρ matches numpy on the normalized Gram matrix, and tiling does not change it', () => {
    const ds = loadDataset('gaussian:n=300:d=8:seed=3');
    const full = coherence(ds.X);
    const tiled = coherence(ds.X, { tile: 37 });
    assert.ok(Math.abs(tiled.rho - full.rho) < 1e-14); // syrk vs gemm rounding
    assert.deepEqual([tiled.i, tiled.j], [full.i, full.j]);
    const out = python(
      `
import numpy as np, json
X = np.array(json.loads(input())).reshape(300, 8)
U = X / np.linalg.norm(X, axis=1, keepdims=True)
G = np.abs(U @ U.T); np.fill_diagonal(G, -1)
print(G.max())
`.replace('input()', JSON.stringify(JSON.stringify([...ds.X.data]))),
    );
    assert.ok(Math.abs(full.rho - Number(out)) < 1e-14);
    const sub = coherence(ds.X, { maxRows: 100, seed: 1 });
    assert.equal(sub.rowsUsed, 100);
    assert.ok(sub.rho <= full.rho);
  });

  it('describeDataset reports sizes, balance, norms and ρ', () => {
    const s = describeDataset(loadDataset('iris:normalize=sphere'));
    assert.deepEqual([s.n, s.d], [150, 4]);
    assert.deepEqual(
      s.classBalance?.map((c) => c.count),
      [50, 50, 50],
    );
    assert.ok(Math.abs(s.norms.min - 1) < 1e-12 && Math.abs(s.norms.max - 1) < 1e-12);
    assert.equal(s.coherence !== null && s.coherence.rho <= 1 + 1e-12, true);
  });

  it('erf matches Python math.erf', () => {
    const xs = [-3, -1, -0.1, 0, 0.5, 1.9, 2.1, 4];
    const ref = JSON.parse(
      python(`import math, json; print(json.dumps([math.erf(x) for x in ${JSON.stringify(xs)}]))`),
    ) as number[];
    xs.forEach((x, i) => assert.ok(Math.abs(erf(x) - ref[i]) < 1e-15));
  });
});
