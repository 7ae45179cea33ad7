/**
 * Tabular datasets: the sklearn CSVs (iris, wine, breast cancer, digits 8×8, diabetes) from the project cache,
 * user CSV files, and `.npy` pairs.
 *
 * The sklearn files come from Debian `python3-sklearn` (sklearn/datasets/data/). `scripts/setup-data.sh` extracts
 * them into `<cache>/sklearn/`; on first use, if the cache lacks a file but an installed sklearn has it, it is copied
 * (after its SHA-256 check) into the cache. Otherwise the error says how to get it.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { FormatError, InvalidArgumentError } from '../errors.js';
import { parseCsv } from '../io/csv.js';
import { writeFileAtomic } from '../io/atomic.js';
import { type NpyArray, npyToFloat64, readNpy } from '../io/npy.js';
import { Matrix } from '../linalg/matrix.js';
import { firstNonFinite } from '../linalg/validate.js';
import { SKLEARN_SHA256, verifySha256 } from './checksums.js';
import { defaultLabelEncoding, encodeLabels } from './preprocess.js';
import { datasetCacheDir, legacyDatasetCacheDir } from './paths.js';
import type { RawData } from './raw.js';
import type { LoadOptions, Task } from './types.js';

/** Where an installed Debian python3-sklearn keeps its data files. */
export const SYSTEM_SKLEARN_DATA = '/usr/lib/python3/dist-packages/sklearn/datasets/data';

export type SklearnName = 'iris' | 'wine' | 'breast-cancer' | 'digits' | 'diabetes';

/** Bytes of a sklearn data file from the cache (verified), copying it from an installed sklearn on first use. */
export function sklearnFile(file: string, opts: LoadOptions = {}): { path: string; bytes: Uint8Array } {
  const dir = join(datasetCacheDir(opts.cacheDir), 'sklearn');
  const path = join(dir, file);
  const expected = SKLEARN_SHA256[file];
  if (!existsSync(path)) {
    // an explicit cache folder is the only place looked at besides the system copy; the default one also takes over
    // the pre-0.2 cache inside the package
    const legacy = opts.cacheDir === undefined ? join(legacyDatasetCacheDir(), 'sklearn', file) : null;
    const system = legacy !== null && existsSync(legacy) ? legacy : join(SYSTEM_SKLEARN_DATA, file);
    if (!existsSync(system)) {
      throw new FormatError(
        path,
        `sklearn data file not found. Run \`bash scripts/setup-data.sh\` (extracts Debian python3-sklearn's CSVs into ${dir}), install python3-sklearn, or pass a cache folder that has sklearn/${file} (the default one is $NTK_CACHE/datasets, docs/data.md).`,
      );
    }
    const bytes = readFileSync(system);
    if (!opts.skipChecksums && expected) verifySha256(system, bytes, expected);
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(path, bytes);
    return { path, bytes };
  }
  const bytes = readFileSync(path);
  if (!opts.skipChecksums && expected) verifySha256(path, bytes, expected);
  return { path, bytes };
}

function text(path: string, bytes: Uint8Array): string {
  if (path.endsWith('.gz')) {
    try {
      return gunzipSync(bytes).toString('utf8');
    } catch (e) {
      throw new FormatError(path, `corrupt gzip data: ${(e as Error).message}`);
    }
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** sklearn's layout for iris/wine/breast cancer: first row `n,d,name0,name1,…`, then rows of d features + class. */
function loadHeaderedClassification(file: string, opts: LoadOptions): RawData {
  const { path, bytes } = sklearnFile(file, opts);
  const all = text(path, bytes);
  const nl = all.indexOf('\n');
  const head = all.slice(0, nl).trim().split(',');
  const n = Number(head[0]);
  const d = Number(head[1]);
  const names = head.slice(2).map((s) => s.trim());
  const t = parseCsv(all.slice(nl + 1), path, { header: false });
  if (t.matrix.rows !== n || t.matrix.cols !== d + 1) {
    throw new FormatError(
      path,
      `expected ${n} rows of ${d + 1} columns (header says n=${n}, d=${d}), found ${t.matrix.rows}×${t.matrix.cols}`,
    );
  }
  return splitLabelColumn(t.matrix, d, names, path);
}

function splitLabelColumn(M: Matrix, labelCol: number, names: readonly string[], path: string): RawData {
  const n = M.rows;
  const d = M.cols - 1;
  const X = new Matrix(n, d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let k = 0;
    for (let j = 0; j < M.cols; j++) {
      const v = M.data[i * M.cols + j];
      if (j === labelCol) {
        if (!Number.isInteger(v) || v < 0 || v >= names.length) {
          throw new FormatError(path, `row ${i + 1}: label ${v} is not a class index in [0, ${names.length})`);
        }
        y[i] = v;
      } else X.data[i * d + k++] = v;
    }
  }
  return { task: 'classification', features: { kind: 'matrix', X }, y, classes: names };
}

/** One of the sklearn toy datasets (all rows; sklearn has no train/test split for them). */
export function loadSklearnRaw(name: SklearnName, opts: LoadOptions = {}): RawData {
  switch (name) {
    case 'iris':
      return loadHeaderedClassification('iris.csv', opts);
    case 'wine':
      return loadHeaderedClassification('wine_data.csv', opts);
    case 'breast-cancer':
      return loadHeaderedClassification('breast_cancer.csv', opts);
    case 'digits': {
      const { path, bytes } = sklearnFile('digits.csv.gz', opts);
      const t = parseCsv(text(path, bytes), path, { header: false });
      if (t.matrix.cols !== 65)
        throw new FormatError(path, `expected 65 columns (64 pixels + label), found ${t.matrix.cols}`);
      const raw = splitLabelColumn(t.matrix, 64, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], path);
      const X = (raw.features as { kind: 'matrix'; X: Matrix }).X;
      // 8×8 images with pixel values 0..16: keep them as bytes so that scale=unit divides by 16, like /255 for MNIST.
      return {
        ...raw,
        features: { kind: 'bytes', data: Uint8Array.from(X.data), n: X.rows, d: 64, max: 16 },
        imageShape: [8, 8, 1],
      };
    }
    case 'diabetes': {
      const xf = sklearnFile('diabetes_data_raw.csv.gz', opts);
      const yf = sklearnFile('diabetes_target.csv.gz', opts);
      const X = parseCsv(text(xf.path, xf.bytes), xf.path, { header: false, delimiter: ' ' }).matrix;
      const Y = parseCsv(text(yf.path, yf.bytes), yf.path, { header: false }).matrix;
      if (Y.rows !== X.rows || Y.cols !== 1) {
        throw new FormatError(
          yf.path,
          `expected ${X.rows} targets in one column (one per row of ${xf.path}), found ${Y.rows}×${Y.cols}`,
        );
      }
      return { task: 'regression', features: { kind: 'matrix', X }, y: Y.data.slice() };
    }
  }
}

/** Labels → classification (integer values mapped to 0..K−1 in ascending order, named by value) or regression. */
function labelsToRaw(
  X: Matrix,
  values: Float64Array,
  task: Task | undefined,
  path: string,
  extra: { imageShape?: readonly [number, number, number] } = {},
): RawData {
  const integral = values.every((v) => Number.isInteger(v));
  const t = task ?? (integral ? 'classification' : 'regression');
  if (t === 'regression') return { task: 'regression', features: { kind: 'matrix', X }, y: values.slice(), ...extra };
  if (!integral) throw new FormatError(path, 'task=classification needs integer labels, found a non-integer value');
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  const index = new Map(distinct.map((v, i) => [v, i]));
  return {
    task: 'classification',
    features: { kind: 'matrix', X },
    y: Int32Array.from(values, (v) => index.get(v) ?? -1),
    classes: distinct.map(String),
    ...extra,
  };
}

/** A CSV file with one label column (`label`: index, negative from the end, or header name; default last). */
export function loadCsvRaw(
  path: string,
  opts: { label?: string; header?: 'auto' | 'yes' | 'no'; task?: Task },
): RawData {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FormatError(path, `cannot read CSV file: ${(e as Error).message}`);
  }
  return csvRaw(raw, path, opts);
}

/** `loadCsvRaw` on a CSV file's text already read (a dropped file); `path` names it in the errors. */
export function csvRaw(
  raw: string,
  path: string,
  opts: { label?: string; header?: 'auto' | 'yes' | 'no'; task?: Task } = {},
): RawData {
  const header = opts.header === 'yes' ? true : opts.header === 'no' ? false : 'auto';
  const t = parseCsv(raw, path, { header, finite: true });
  const M = t.matrix;
  if (M.cols < 2)
    throw new FormatError(path, `a dataset CSV needs at least 2 columns (features and a label), found ${M.cols}`);
  const spec = opts.label ?? '-1';
  let col: number;
  if (/^-?\d+$/.test(spec)) {
    col = Number(spec);
    if (col < 0) col += M.cols;
  } else col = t.header ? t.header.indexOf(spec) : -1;
  if (!(col >= 0 && col < M.cols)) {
    const valid = t.header
      ? `a column index in [-${M.cols}, ${M.cols}) or one of ${t.header.join(', ')}`
      : `a column index in [-${M.cols}, ${M.cols})`;
    throw new InvalidArgumentError('loadDataset', 'label', valid, spec);
  }
  const X = new Matrix(M.rows, M.cols - 1);
  const values = new Float64Array(M.rows);
  for (let i = 0; i < M.rows; i++) {
    let k = 0;
    for (let j = 0; j < M.cols; j++) {
      if (j === col) values[i] = M.data[i * M.cols + j];
      else X.data[i * X.cols + k++] = M.data[i * M.cols + j];
    }
  }
  return labelsToRaw(X, values, opts.task, path);
}

/** X.npy (n×d, or n×h×w / n×h×w×c images, flattened) and y.npy (n labels or targets). */
export function loadNpyPairRaw(xPath: string, yPath: string, task?: Task): RawData {
  return npyPairRaw(readNpy(xPath), readNpy(yPath), task, xPath, yPath);
}

/** `loadNpyPairRaw` on arrays already decoded (decodeNpy of a dropped file's bytes); the names go in the errors. */
export function npyPairRaw(xa: NpyArray, ya: NpyArray, task?: Task, xPath = 'X.npy', yPath = 'y.npy'): RawData {
  if (xa.shape.length < 2 || xa.shape.length > 4) {
    throw new FormatError(
      xPath,
      `features must have 2 (n×d), 3 (n×h×w) or 4 (n×h×w×c) dimensions, found shape (${xa.shape.join(', ')})`,
    );
  }
  const n = xa.shape[0];
  const d = xa.shape.slice(1).reduce((a, b) => a * b, 1);
  if (!(ya.shape.length === 1 || (ya.shape.length === 2 && ya.shape[1] === 1)) || ya.shape[0] !== n) {
    throw new FormatError(yPath, `labels must have shape (${n},) to match ${xPath}, found (${ya.shape.join(', ')})`);
  }
  const X = new Matrix(n, d, npyToFloat64(xa).slice());
  const yv = npyToFloat64(ya);
  for (const [file, a, cols] of [
    [xPath, X.data, d],
    [yPath, yv, 1],
  ] as const) {
    const bad = firstNonFinite(a);
    if (bad >= 0)
      throw new FormatError(
        file,
        `non-finite value ${a[bad]} at (row ${Math.floor(bad / cols)}, col ${bad % cols}); a dataset needs finite numbers`,
      );
  }
  const imageShape: readonly [number, number, number] | undefined =
    xa.shape.length === 3
      ? [xa.shape[1], xa.shape[2], 1]
      : xa.shape.length === 4
        ? [xa.shape[1], xa.shape[2], xa.shape[3]]
        : undefined;
  return labelsToRaw(X, yv, task ?? npyLabelTask(ya), yPath, imageShape ? { imageShape } : {});
}

/** The task of a `.npy` label array when not given: float dtypes are regression targets, other dtypes classes. */
function npyLabelTask(a: NpyArray): Task {
  return a.dtype === 'float32' || a.dtype === 'float64' ? 'regression' : 'classification';
}

/**
 * Targets from a label file (`ntk analyze --labels`), encoded as `npy:x=…:y=FILE` encodes them: an (n,) or (n, 1)
 * array of integer or bool dtype is classes (sorted distinct values → 0..K−1) in the registry's default encoding (pm1
 * for 2 classes, one-hot otherwise); a float array, or an n×O array with O > 1, is taken as the targets themselves.
 */
export function readLabelTargets(path: string): Matrix {
  const a = readNpy(path);
  if (a.shape.length !== 1 && a.shape.length !== 2)
    throw new FormatError(path, `labels must be an (n,) or (n, O) array, found shape (${a.shape.join(', ')})`);
  const n = a.shape[0];
  const cols = a.shape.length === 2 ? a.shape[1] : 1;
  const v = npyToFloat64(a);
  if (cols !== 1 || npyLabelTask(a) === 'regression') return new Matrix(n, cols, v.slice());
  const raw = labelsToRaw(new Matrix(n, 0), v, 'classification', path);
  if (raw.task !== 'classification') throw new Error('unreachable');
  return encodeLabels(raw.y, raw.classes.length, defaultLabelEncoding(raw.classes.length));
}
