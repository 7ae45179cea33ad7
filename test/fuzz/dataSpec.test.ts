/**
 * Fuzz: dataset spec strings (src/data/spec.ts parseDatasetSpec / formatDatasetSpec / validateDatasetSpec) and
 * loading them (src/data/registry.ts loadDataset) for the sets that load in milliseconds (synthetic, sklearn iris
 * and wine when the cache has them, CSV and .npy files written here).
 *
 * Correct (spec) = the canonical string parses back to a deep-equal spec and formats to itself, and the parsed spec
 * passes validateDatasetSpec. Correct (load) = shapes agree (X rows = labels = targets = indices), `n` rows when
 * given, finite features, class indices in [0, K) with K distinct class names, targets in the encoding's shape,
 * exactly round(corrupt·n) corrupted rows, and the dataset's canonical spec loads the identical data again.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { datasetCacheDir } from '../../src/data/paths.js';
import { loadDataset } from '../../src/data/registry.js';
import { formatDatasetSpec, parseDatasetSpec, validateDatasetSpec } from '../../src/data/spec.js';
import { DATASET_NAMES, type Dataset, type DatasetSpec } from '../../src/data/types.js';
import { writeNpy } from '../../src/io/npy.js';
import type { Rng } from '../../src/util/random.js';
import { assertClean, fuzzCount, fuzzParser, fuzzSeed, listFiles } from './harness.js';
import { BOUNDARY_NUMBERS, chance, mutateText, mutateValue, pick } from './mutate.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-fuzz-spec-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const csvPath = join(dir, 'd.csv');
writeFileSync(csvPath, 'a,b,label\n1,2,0\n3,4,1\n5,6,1\n0,1,2\n2,2,0\n7,1,1\n');
const xPath = join(dir, 'X.npy');
const yPath = join(dir, 'y.npy');
writeNpy(
  xPath,
  Float64Array.from({ length: 24 }, (_, i) => Math.sin(i)),
  [8, 3],
);
writeNpy(yPath, Int32Array.from([3, 1, 3, 1, 2, 3, 1, 2]), [8]);
const before = listFiles(dir);
const HAVE_SKLEARN = existsSync(join(datasetCacheDir(), 'sklearn', 'iris.csv'));

const SMALL = ['1', '2', '3', '5', '8', '12', '20'];
const VALUES: Record<string, (rng: Rng) => string> = {
  split: (rng) => pick(rng, ['train', 'test', 'all', 'TRAIN', '']),
  n: (rng) => pick(rng, SMALL),
  d: (rng) => pick(rng, ['1', '2', '3', '4', '7']),
  seed: (rng) => pick(rng, ['0', '1', '42', '9007199254740991']),
  k: (rng) => pick(rng, ['0', '1', '2', '3', '5']),
  classes: (rng) =>
    pick(rng, ['0,1', '1,0', '0,2', '2,1,0', '0,0', '1,01', '-,+', '+', 'setosa,virginica', '3,1', '0, 1', '9', 'x']),
  stratify: (rng) => pick(rng, ['true', 'false', 'yes']),
  scale: (rng) => pick(rng, ['none', 'unit', 'x']),
  normalize: (rng) => pick(rng, ['none', 'center', 'standardize', 'sphere', 'sphere-d', 'center,sphere', 'center,,']),
  labels: (rng) => pick(rng, ['pm1', 'onehot', 'centered', 'soft', 'index', 'x']),
  eps: (rng) => pick(rng, ['0', '0.1', '0.5', '1', '1.5', '-0.1']),
  corrupt: (rng) => pick(rng, ['0', '0.2', '0.5', '1', '2']),
  noise: (rng) => pick(rng, ['0', '0.1', '1', '1e308', '-1']),
  target: (rng) => pick(rng, ['linear', 'sign', 'x']),
  arch: (rng) => pick(rng, ['dense(8),relu,dense(1)', 'dense(4),tanh,dense(3)', 'relu', 'dense(', 'conv(2,3)']),
  path: () => csvPath,
  x: () => xPath,
  y: () => yPath,
  label: (rng) => pick(rng, ['-1', '0', 'label', 'a', 'nope', '5']),
  header: (rng) => pick(rng, ['auto', 'yes', 'no']),
  task: (rng) => pick(rng, ['classification', 'regression']),
};
const NAMES = ['sphere', 'gaussian', 'teacher', 'csv', 'npy', 'iris', 'wine', ...DATASET_NAMES];

function generated(rng: Rng): string {
  const name = chance(rng, 0.97) ? pick(rng, NAMES) : pick(rng, ['Sphere', 'mnist2', '', ' sphere']);
  const parts = [name];
  if (chance(rng, 0.15)) parts.push(pick(rng, ['train', 'test', 'all']));
  const keys = Object.keys(VALUES);
  const want = name === 'sphere' || name === 'gaussian' || name === 'teacher' ? ['n', 'd'] : [];
  if (name === 'teacher') want.push('arch');
  if (name === 'csv') want.push('path');
  if (name === 'npy') want.push('x', 'y');
  for (const k of want) if (chance(rng, 0.95)) parts.push(`${k}=${VALUES[k](rng)}`);
  const extra = rng.int(4);
  for (let j = 0; j < extra; j++) {
    const k = pick(rng, keys);
    parts.push(
      `${chance(rng, 0.97) ? k : pick(rng, ['N', 'foo', ''])}=${chance(rng, 0.9) ? VALUES[k](rng) : pick(rng, BOUNDARY_NUMBERS)}`,
    );
  }
  return parts.join(':');
}

const TOKENS = [':', '=', ',', 'n=', 'd=', 'seed=', 'classes=', 'train', '::', '= ', 'normalize='];

function generate(rng: Rng): string {
  const s = generated(rng);
  return chance(rng, 0.25) ? mutateText(rng, s, TOKENS, [], 2) : s;
}

function checkSpec(s: string): { spec: DatasetSpec } | string {
  const spec = parseDatasetSpec(s);
  const f = formatDatasetSpec(spec);
  const back = parseDatasetSpec(f);
  try {
    assert.deepStrictEqual(back, spec);
  } catch {
    return `formatDatasetSpec gives ${JSON.stringify(f)}, which parses to ${JSON.stringify(back)}`;
  }
  if (formatDatasetSpec(back) !== f) return 'formatting is not stable';
  try {
    validateDatasetSpec(spec);
  } catch (e) {
    return `a parsed spec fails validateDatasetSpec: ${(e as Error).message}`;
  }
  return { spec };
}

/**
 * Sets that load in milliseconds. Sizes beyond a million entries are not loaded: refusing sizes that cannot fit in
 * memory up front is the memory preflight's job (issue #13 item 3), not the spec parser's.
 */
const cheap = (spec: DatasetSpec): boolean =>
  (typeof spec.n !== 'number' || spec.n <= 5000) &&
  (typeof spec.d !== 'number' || spec.d <= 5000) &&
  (typeof spec.n !== 'number' || typeof spec.d !== 'number' || spec.n * spec.d <= 1e6) &&
  (['sphere', 'gaussian', 'teacher', 'csv', 'npy'].includes(spec.name) ||
    (HAVE_SKLEARN && (spec.name === 'iris' || spec.name === 'wine')));

function checkDataset(ds: Dataset, spec: DatasetSpec): string | undefined {
  const n = ds.X.rows;
  if (ds.indices.length !== n || ds.targets.rows !== n) return 'row counts differ';
  if (spec.n !== undefined && n !== spec.n) return `${n} rows for n=${spec.n}`;
  if (!ds.X.data.every(Number.isFinite)) return 'non-finite features';
  if (!ds.targets.data.every(Number.isFinite)) return 'non-finite targets';
  if (ds.task === 'classification') {
    const K = ds.classes.length;
    if (new Set(ds.classes).size !== K) return `class names repeat: ${ds.classes.join(',')}`;
    if (ds.y.length !== n || !ds.y.every((c) => c >= 0 && c < K)) return 'labels outside [0, K)';
    const cols = ds.encoding === 'pm1' || ds.encoding === 'index' ? 1 : K;
    if (ds.targets.cols !== cols) return `targets have ${ds.targets.cols} columns for ${ds.encoding} with ${K} classes`;
    const c = spec.corrupt ?? 0;
    const changed = ds.corruption?.rows.length ?? 0;
    if (c > 0 && K > 1 && changed !== Math.round(c * n)) return `${changed} rows corrupted, expected round(${c}·${n})`;
  } else if (ds.targets.cols !== 1) return 'regression targets are not one column';
  return undefined;
}

describe('fuzz: dataset specs', () => {
  it(`parse/format/validate: ${fuzzCount()} generated and mutated specs end in a typed error or a round trip`, () => {
    const report = fuzzParser({
      name: 'data-spec',
      seed: fuzzSeed(61),
      count: fuzzCount(),
      generate,
      run(s) {
        const r = checkSpec(s);
        return typeof r === 'string' ? r : undefined;
      },
    });
    assertClean(report, { minOk: 300, minTyped: 200 });
  });

  it(`loadDataset: ${fuzzCount()} specs of fast sets load correctly or end in a typed error; no file left`, () => {
    const report = fuzzParser({
      name: 'data-load',
      seed: fuzzSeed(62),
      count: fuzzCount(),
      generate,
      run(s, i) {
        const r = checkSpec(s);
        if (typeof r === 'string') return r;
        if (!cheap(r.spec)) return undefined;
        const ds = loadDataset(r.spec);
        const bad = checkDataset(ds, r.spec);
        if (bad) return bad;
        if (i % 4 === 0) {
          const again = loadDataset(ds.spec);
          if (again.spec !== ds.spec || again.X.data.some((v, k) => v !== ds.X.data[k]))
            return `the canonical spec ${ds.spec} loads different data`;
        }
      },
    });
    assertClean(report, { minOk: 200, minTyped: 200 });
    assert.deepEqual(listFiles(dir), before);
  });

  it(`loadDataset on ${fuzzCount()} mutated DatasetSpec objects (configs): typed error or a correct dataset`, () => {
    const OBJECTS: DatasetSpec[] = [
      { name: 'sphere', n: 6, d: 3, seed: 1 },
      { name: 'gaussian', n: 8, d: 2, k: 3, labels: 'onehot', corrupt: 0.25 },
      { name: 'teacher', n: 5, d: 4, arch: 'dense(8),relu,dense(1)', target: 'sign' },
      { name: 'csv', path: csvPath, label: 'label', classes: ['0', '1'], n: 4 },
      { name: 'npy', x: xPath, y: yPath, normalize: ['center', 'sphere'] },
    ];
    const report = fuzzParser({
      name: 'data-object',
      seed: fuzzSeed(63),
      count: fuzzCount(),
      generate: (rng) => {
        let o: unknown = pick(rng, OBJECTS);
        const k = 1 + rng.int(2);
        for (let j = 0; j < k; j++) o = mutateValue(rng, o);
        return o as DatasetSpec;
      },
      run(spec) {
        validateDatasetSpec(spec);
        if (!cheap({ ...spec, n: Number(spec.n), d: Number(spec.d) })) return undefined;
        const ds = loadDataset(spec);
        const canonical = parseDatasetSpec(ds.spec);
        const bad = checkDataset(ds, canonical);
        if (bad) return bad;
        const again = loadDataset(ds.spec);
        if (again.X.data.some((v, k) => v !== ds.X.data[k]))
          return `the canonical spec ${ds.spec} loads different data`;
        if (typeof spec.n === 'number' && ds.X.rows !== spec.n) return `${ds.X.rows} rows for n=${spec.n}`;
      },
    });
    assertClean(report, { minOk: 100, minTyped: 200 });
  });
});
