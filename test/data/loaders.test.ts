import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FormatError } from '../../src/errors.js';
import { CIFAR10_CLASSES, loadCifarRaw, loadMnistRaw } from '../../src/data/images.js';
import { decodeIdx, encodeIdxU8, readIdx, readIdxImageLabels } from '../../src/data/idx.js';
import { loadDataset } from '../../src/data/registry.js';
import { python, tempDir } from '../io/helpers.js';

const dir = tempDir('ntk-loaders-');

describe('IDX files', () => {
  const pixels = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 11) % 256);
  const images = encodeIdxU8([3, 2, 4], pixels);
  const labels = encodeIdxU8([3], Uint8Array.from([7, 0, 9]));

  it('reads plain and gzipped files with big-endian dimensions', () => {
    writeFileSync(join(dir, 'img'), images);
    writeFileSync(join(dir, 'img.gz'), gzipSync(images));
    writeFileSync(join(dir, 'lbl.gz'), gzipSync(labels));
    for (const p of ['img', 'img.gz']) {
      const a = readIdx(join(dir, p));
      assert.equal(a.type, 'uint8');
      assert.deepEqual([...a.dims], [3, 2, 4]);
      assert.deepEqual([...a.data], [...pixels]);
    }
    const set = readIdxImageLabels(join(dir, 'img.gz'), join(dir, 'lbl.gz'));
    assert.deepEqual([set.n, set.rows, set.cols], [3, 2, 4]);
    assert.deepEqual([...set.labels], [7, 0, 9]);
  });

  it('decodes non-byte types as numpy does (big-endian int32 and float64)', () => {
    const p = join(dir, 'np.idx');
    python(`
import numpy as np
a = np.array([[1, -2, 300000], [4, 5, -6]], dtype='>i4')
f = np.array([1.5, -2.25, 1e300], dtype='>f8')
open(${JSON.stringify(p)}, 'wb').write(bytes([0, 0, 0x0c, 2]) + np.array([2, 3], dtype='>u4').tobytes() + a.tobytes())
open(${JSON.stringify(`${p}.f8`)}, 'wb').write(bytes([0, 0, 0x0e, 1]) + np.array([3], dtype='>u4').tobytes() + f.tobytes())
`);
    const a = readIdx(p);
    assert.equal(a.type, 'int32');
    assert.deepEqual([...a.data], [1, -2, 300000, 4, 5, -6]);
    assert.deepEqual([...readIdx(`${p}.f8`).data], [1.5, -2.25, 1e300]);
  });

  it('rejects a wrong magic number', () => {
    const b = images.slice();
    b[0] = 1;
    assert.throws(
      () => decodeIdx(b, 'x.idx'),
      (e: unknown) =>
        e instanceof FormatError && /x\.idx: not an IDX file: bad magic number 0x01000803/.test(e.message),
    );
    const c = images.slice();
    c[2] = 0x07;
    assert.throws(() => decodeIdx(c, 'y.idx'), /bad magic/);
  });

  it('rejects truncated headers, truncated data and trailing bytes', () => {
    assert.throws(() => decodeIdx(images.subarray(0, 3), 't'), /truncated IDX file/);
    assert.throws(() => decodeIdx(images.subarray(0, 10), 't'), /truncated IDX header/);
    assert.throws(
      () => decodeIdx(images.subarray(0, images.length - 1), 't'),
      /expected 24 bytes, found 23 \(truncated file\)/,
    );
    const longer = new Uint8Array(images.length + 2);
    longer.set(images);
    assert.throws(() => decodeIdx(longer, 't'), /expected 24 bytes, found 26/);
    writeFileSync(join(dir, 'cut.gz'), gzipSync(images).subarray(0, 20));
    assert.throws(() => readIdx(join(dir, 'cut.gz')), /corrupt or truncated gzip/);
  });

  it('rejects a label/image count mismatch and swapped files', () => {
    writeFileSync(join(dir, 'lbl4'), encodeIdxU8([4], new Uint8Array(4)));
    writeFileSync(join(dir, 'lbl'), labels);
    assert.throws(
      () => readIdxImageLabels(join(dir, 'img'), join(dir, 'lbl4')),
      /label count 4 does not match the image count 3/,
    );
    assert.throws(() => readIdxImageLabels(join(dir, 'lbl'), join(dir, 'img')), /1 dimensions, expected 3/);
  });

  it('refuses split=all when the train and test images differ in size (test/fuzz/idx.test.ts)', () => {
    // before: a RangeError when the test images were larger, misaligned pixels when smaller
    const m = join(dir, 'mnist-sizes');
    mkdirSync(m);
    writeFileSync(join(m, 'train-images-idx3-ubyte'), encodeIdxU8([1, 2, 2], new Uint8Array(4)));
    writeFileSync(join(m, 'train-labels-idx1-ubyte'), encodeIdxU8([1], new Uint8Array(1)));
    writeFileSync(join(m, 't10k-images-idx3-ubyte'), encodeIdxU8([1, 3, 3], new Uint8Array(9)));
    writeFileSync(join(m, 't10k-labels-idx1-ubyte'), encodeIdxU8([1], new Uint8Array(1)));
    assert.throws(
      () => loadMnistRaw('all', { mnistDir: m, skipChecksums: true }),
      (e: unknown) => e instanceof FormatError && /train images are 2×2 but the test images 3×3/.test(e.message),
    );
  });
});

/** Write CIFAR-format batches: record r of batch b has label (r + b) % K and pixel value (r·7 + c·50 + k) % 256 at CHW (c, k). */
function writeCifar(folder: string, files: string[], perFile: number, labelBytes: 1 | 2, numClasses: number): void {
  mkdirSync(folder, { recursive: true });
  files.forEach((f, b) => {
    const rec = labelBytes + 3072;
    const buf = new Uint8Array(perFile * rec);
    for (let r = 0; r < perFile; r++) {
      const base = r * rec;
      if (labelBytes === 2) buf[base] = 19 - ((r + b) % 20); // coarse label, ignored
      buf[base + labelBytes - 1] = (r + b) % numClasses;
      for (let c = 0; c < 3; c++)
        for (let k = 0; k < 1024; k++) buf[base + labelBytes + c * 1024 + k] = (r * 7 + c * 50 + k) % 256;
    }
    writeFileSync(join(folder, f), buf);
  });
}

describe('CIFAR binary batches', () => {
  const c10 = join(dir, 'cifar-10-batches-bin');
  writeCifar(
    c10,
    ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
    6,
    1,
    10,
  );
  writeCifar(c10, ['test_batch.bin'], 4, 1, 10);

  it('reads CIFAR-10 records, converting CHW to HWC, with labels and default class names', () => {
    const raw = loadCifarRaw('cifar10', c10, 'train');
    assert.equal(raw.y.length, 30);
    assert.deepEqual(raw.imageShape, [32, 32, 3]);
    assert.deepEqual(raw.classes, [...CIFAR10_CLASSES]);
    assert.equal(raw.features.kind, 'bytes');
    if (raw.features.kind !== 'bytes') return;
    const px = raw.features.data;
    // row 8 = batch 2 (b = 1), record 2: label (2 + 1) % 10 = 3
    assert.equal(raw.y[8], 3);
    for (const [h, w, c] of [
      [0, 0, 0],
      [5, 17, 2],
      [31, 31, 1],
    ]) {
      const k = h * 32 + w;
      assert.equal(px[8 * 3072 + (h * 32 + w) * 3 + c], (2 * 7 + c * 50 + k) % 256);
    }
    assert.equal(loadCifarRaw('cifar10', c10, 'test').y.length, 4);
    assert.equal(loadCifarRaw('cifar10', c10, 'all').y.length, 34);
  });

  it('loads through the registry with scale to [0, 1] and names from batches.meta.txt', () => {
    writeFileSync(
      join(c10, 'batches.meta.txt'),
      `${['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].join('\n')}\n\n`,
    );
    const ds = loadDataset(`cifar10:path=${c10}:n=20:seed=1`);
    assert.equal(ds.X.rows, 20);
    assert.equal(ds.X.cols, 3072);
    assert.deepEqual(ds.classes, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    assert.ok(ds.X.data.every((v) => v >= 0 && v <= 1));
    const i = ds.indices[0];
    // X[0, (h=0, w=0, c=1)] is CHW pixel (c=1, k=0) of record i % 6 in its batch
    assert.equal(ds.X.data[1], (((i % 6) * 7 + 50) % 256) / 255);
  });

  it('reads CIFAR-100 fine labels (2 label bytes per record)', () => {
    const c100 = join(dir, 'cifar-100-binary');
    writeCifar(c100, ['train.bin'], 5, 2, 100);
    writeCifar(c100, ['test.bin'], 3, 2, 100);
    const raw = loadCifarRaw('cifar100', c100, 'train');
    assert.deepEqual([...raw.y], [0, 1, 2, 3, 4]);
    assert.equal(raw.classes.length, 100);
  });

  it('names a missing folder, missing batches and a truncated batch', () => {
    assert.throws(
      () => loadDataset('cifar10:path=/nonexistent/cifar'),
      (e: unknown) => e instanceof FormatError && /folder not found; it must contain data_batch_1\.bin/.test(e.message),
    );
    const partial = join(dir, 'partial');
    writeCifar(partial, ['data_batch_1.bin'], 2, 1, 10);
    assert.throws(() => loadCifarRaw('cifar10', partial, 'train'), /missing data_batch_2\.bin, data_batch_3\.bin/);
    const trunc = join(dir, 'trunc');
    writeCifar(trunc, ['test_batch.bin'], 2, 1, 10);
    writeFileSync(join(trunc, 'test_batch.bin'), new Uint8Array(3073 + 100));
    assert.throws(() => loadCifarRaw('cifar10', trunc, 'test'), /not a positive multiple of the 3073-byte record/);
    assert.throws(() => loadDataset('cifar10'), /`path` must be given for cifar10/);
  });

  it('names a batch or class-names file that cannot be read (a folder: EISDIR before)', () => {
    const odd = join(dir, 'odd');
    writeCifar(odd, ['test_batch.bin'], 1, 1, 10);
    mkdirSync(join(odd, 'batches.meta.txt'));
    assert.throws(
      () => loadCifarRaw('cifar10', odd, 'test'),
      (e: unknown) =>
        e instanceof FormatError && /batches\.meta\.txt: cannot read the class names file/.test(e.message),
    );
    mkdirSync(join(odd, 'train.bin'), { recursive: true });
    mkdirSync(join(odd, 'test.bin'));
    assert.throws(
      () => loadCifarRaw('cifar100', odd, 'test'),
      (e: unknown) => e instanceof FormatError && /test\.bin: cannot read the cifar100 batch/.test(e.message),
    );
  });
});
