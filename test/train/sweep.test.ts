import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../../src/linalg/index.js';
import { ensembleVsGp, sweep } from '../../src/train/sweep.js';
import { Rng } from '../../src/util/random.js';

function unitRows(n: number, d: number, r: Rng): Matrix {
  const X = new Matrix(n, d, r.normals(n * d));
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += X.data[i * d + j] ** 2;
    for (let j = 0; j < d; j++) X.data[i * d + j] /= Math.sqrt(s);
  }
  return X;
}

describe('sweeps and ensembles', () => {
  const r = new Rng(3);
  const X = unitRows(5, 16, r);
  const Xtest = unitRows(3, 16, r);
  const Y = new Matrix(5, 1, r.normals(5));
  const Ytest = new Matrix(3, 1, r.normals(3));

  it('a width × seed sweep runs every pair; the NTK drift shrinks with width', async () => {
    const runs = await sweep(
      {
        archTemplate: 'dense({w}),relu,dense(1)',
        widths: [16, 1024],
        seeds: [0, 1],
        loss: 'mse',
        lr: { fraction: 0.5 },
        steps: 40,
        schedule: { kind: 'log', points: 4 },
      },
      { X, Y },
    );
    assert.deepEqual(
      runs.map((x) => [x.width, x.seed]),
      [
        [16, 0],
        [16, 1],
        [1024, 0],
        [1024, 1],
      ],
    );
    const drift = (w: number): number =>
      runs.filter((x) => x.width === w).reduce((s, x) => s + (x.final?.ntkDrift as number), 0) / 2;
    assert.ok(drift(1024) < 0.25 * drift(16), `drift width 16: ${drift(16)}, width 1024: ${drift(1024)}`);
  });

  it('the ensemble of wide networks trained on MSE matches the NTK-GP mean and variance within Monte-Carlo error', async () => {
    const S = 24;
    const c = await ensembleVsGp(
      {
        arch: 'dense(1024),relu,dense(1)',
        seeds: Array.from({ length: S }, (_, i) => i),
        loss: 'mse',
        lr: { fraction: 0.9 },
        steps: 100,
      },
      { X, Y, Xtest, Ytest },
    );
    for (let i = 0; i < 3; i++) {
      const v = c.ntkGpCov.data[i * 3 + i];
      const z = (c.ensembleMean.data[i] - c.ntkGpMean.data[i]) / Math.sqrt(v / S);
      assert.ok(
        Math.abs(z) < 4,
        `test point ${i}: ensemble mean ${c.ensembleMean.data[i]} vs NTK-GP ${c.ntkGpMean.data[i]} (z = ${z})`,
      );
      // sample variance over 24 seeds: (S−1)s²/σ² ~ χ²₂₃, whose 0.1%–99.9% range is about [0.35, 2.1]·(S−1)
      const ratio = c.ensembleCov.data[i * 3 + i] / v;
      assert.ok(ratio > 0.3 && ratio < 2.2, `test point ${i}: variance ratio ensemble / NTK-GP = ${ratio}`);
    }
    // The NNGP posterior is a different predictor: its mean interpolates the training targets exactly.
    assert.equal(c.nngpMean.rows, 3);
  });
});
