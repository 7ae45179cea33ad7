import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FormatError, InvalidArgumentError } from '../../src/errors.js';
import { writeNpy } from '../../src/io/npy.js';
import { loadMnistRaw } from '../../src/data/images.js';
import { rowNorms } from '../../src/data/preprocess.js';
import { alignClasses, classCounts, loadDataset, specInputShape } from '../../src/data/registry.js';
import { formatDatasetSpec, parseDatasetSpec } from '../../src/data/spec.js';
import type { ClassificationDataset, Dataset } from '../../src/data/types.js';
import { tempDir } from '../io/helpers.js';

const dir = tempDir('ntk-registry-');

function cls(ds: Dataset): ClassificationDataset {
  assert.equal(ds.task, 'classification');
  return ds as ClassificationDataset;
}

describe('spec strings', () => {
  it('parse into typed fields and format back canonically', () => {
    const s = parseDatasetSpec('mnist:train:n=2000:classes=0,1:seed=3');
    assert.deepEqual(s, { name: 'mnist', split: 'train', n: 2000, classes: ['0', '1'], seed: 3 });
    assert.equal(formatDatasetSpec(s), 'mnist:train:n=2000:seed=3:classes=0,1');
    const t = parseDatasetSpec(
      'teacher:n=100:d=5:arch=dense(64,wstd=2),relu,dense(1):normalize=center,sphere:labels=soft:eps=0.2',
    );
    assert.equal(t.arch, 'dense(64,wstd=2),relu,dense(1)');
    assert.deepEqual(t.normalize, ['center', 'sphere']);
    assert.deepEqual(parseDatasetSpec(formatDatasetSpec(t)), t);
  });

  it('name the problem and list what is valid', () => {
    assert.throws(
      () => parseDatasetSpec('mnsit:n=5'),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        /one of mnist, fashion-mnist, cifar10/.test(e.message) &&
        /mnsit/.test(e.message),
    );
    assert.throws(() => parseDatasetSpec('mnist:m=5'), /keys among split, n, seed.*got 'm'/);
    assert.throws(() => parseDatasetSpec('mnist:n=-3'), /`n` must be an integer ≥ 1/);
    assert.throws(() => parseDatasetSpec('mnist:n=5:n=6'), /'n' repeats/);
    assert.throws(() => parseDatasetSpec('mnist:normalize=whiten'), /center, standardize, sphere, sphere-d/);
    assert.throws(() => parseDatasetSpec('mnist:corrupt=1.5'), /\[0, 1\]/);
    assert.throws(() => parseDatasetSpec('mnist:validation'), /train, test or all/);
  });

  it('validate DatasetSpec objects with the same rules, and refuse values a spec string cannot hold', () => {
    assert.throws(
      () => loadDataset({ name: 'mnist', n: 10, color: 'red' } as never),
      /keys among name, split.*got 'color'/,
    );
    assert.throws(() => loadDataset({ name: 'mnist', normalize: ['whiten'] } as never), /center, standardize/);
    assert.throws(() => loadDataset({ name: 'csv', path: '/tmp/a:b.csv' }), /`path` must be a value without ':'/);
  });
});

describe('loadDataset', () => {
  it('gives identical subsets for the same spec and seed, different ones for another seed', () => {
    const a = loadDataset('mnist:train:n=500:seed=3');
    const b = loadDataset({ name: 'mnist', split: 'train', n: 500, seed: 3 });
    assert.deepEqual(a.indices, b.indices);
    assert.deepEqual(a.X.data, b.X.data);
    assert.deepEqual(a.y, b.y);
    const c = loadDataset('mnist:train:n=500:seed=4');
    assert.notDeepEqual(c.indices, a.indices);
    assert.equal(new Set(a.indices).size, 500, 'no row is picked twice');
  });

  it('stratifies: each class gets its share of n to within one row', () => {
    const full = cls(loadDataset('mnist:test'));
    const total = classCounts(full);
    const sub = cls(loadDataset('mnist:test:n=1000:seed=7'));
    const counts = classCounts(sub);
    assert.equal(
      counts.reduce((x, y) => x + y, 0),
      1000,
    );
    counts.forEach((c, k) => assert.ok(Math.abs(c - (1000 * total[k]) / 10000) < 1, `class ${k}: ${c}`));
    // labels match the source rows they came from
    for (let i = 0; i < 50; i++) assert.equal(sub.y[i], full.y[sub.indices[i]]);
  });

  it('filters classes into a binary ±1 task, re-indexed in the order given', () => {
    const ds = cls(loadDataset('mnist:train:n=2000:classes=7,1:seed=3'));
    assert.deepEqual(ds.classes, ['7', '1']);
    assert.equal(ds.encoding, 'pm1');
    assert.deepEqual(ds.targets.shape, [2000, 1]);
    const raw = loadMnistRaw('train'); // labels only, no float64 copy of the images
    for (let i = 0; i < ds.X.rows; i++) {
      assert.equal(raw.y[ds.indices[i]], ds.y[i] === 0 ? 7 : 1);
      assert.equal(ds.targets.data[i], ds.y[i] === 1 ? 1 : -1);
    }
    // stratified: 6265 sevens vs 6742 ones in 13007
    assert.deepEqual(classCounts(ds), [Math.round((2000 * 6265) / 13007), 2000 - Math.round((2000 * 6265) / 13007)]);
  });

  it('projects to the unit sphere and to ‖x‖² = d', () => {
    for (const v of rowNorms(loadDataset('mnist:test:n=300:normalize=sphere').X)) assert.ok(Math.abs(v - 1) < 1e-12);
    const ds = loadDataset('iris:normalize=standardize,sphere-d');
    for (const v of rowNorms(ds.X)) assert.ok(Math.abs(v * v - 4) < 1e-12);
  });

  it('standardizes and centers features', () => {
    const ds = loadDataset('wine:normalize=standardize');
    for (let j = 0; j < ds.X.cols; j++) {
      const col = ds.X.col(j);
      const m = col.reduce((a, b) => a + b, 0) / col.length;
      const v = col.reduce((a, b) => a + (b - m) ** 2, 0) / col.length;
      assert.ok(Math.abs(m) < 1e-12 && Math.abs(v - 1) < 1e-12);
    }
    const c = loadDataset('diabetes:normalize=center');
    assert.ok(Math.abs(c.X.col(2).reduce((a, b) => a + b, 0)) < 1e-9);
  });

  it('gives exactly the requested fraction of rows random labels (uniform over all classes) and reports which', () => {
    const clean = cls(loadDataset('mnist:test:n=1000:seed=2'));
    const ds = cls(loadDataset('mnist:test:n=1000:seed=2:corrupt=0.2'));
    assert.deepEqual(ds.indices, clean.indices, 'corruption does not change which rows are picked');
    const rows = [...(ds.corruption?.rows ?? [])];
    assert.equal(rows.length, 200);
    const chosen = new Set(rows);
    const changed = [...ds.y.keys()].filter((i) => ds.y[i] !== clean.y[i]);
    assert.ok(
      changed.every((i) => chosen.has(i)),
      'only chosen rows change',
    );
    // a chosen row keeps its digit with probability 1/10: Binomial(200, 0.1), mean 20, std 4.2
    const kept = 200 - changed.length;
    assert.ok(kept >= 5 && kept <= 40, `${kept} of 200 chosen rows kept their label`);
    assert.deepEqual(
      [...(ds.corruption?.originalY ?? [])],
      rows.map((i) => clean.y[i]),
    );
    assert.equal(ds.spec, 'mnist:test:n=1000:seed=2:corrupt=0.2');
  });

  it('encodes labels as one-hot, centered one-hot and smoothed', () => {
    const oh = cls(loadDataset('iris'));
    assert.equal(oh.encoding, 'onehot');
    assert.deepEqual([...oh.targets.row(0)], [1, 0, 0]);
    const close = (a: ArrayLike<number>, b: number[]) =>
      b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < 1e-15, `${a[i]} vs ${v}`));
    const ce = cls(loadDataset('iris:labels=centered'));
    close(ce.targets.row(149), [-1 / 3, -1 / 3, 2 / 3]);
    const so = cls(loadDataset('iris:labels=soft:eps=0.3'));
    close(so.targets.row(60), [0.1, 0.8, 0.1]);
    assert.deepEqual(
      cls(loadDataset('iris:labels=index')).targets.data.subarray(48, 52),
      Float64Array.from([0, 0, 1, 1]),
    );
    assert.throws(() => loadDataset('iris:labels=pm1'), /pm1 only for exactly 2 classes/);
    assert.throws(() => loadDataset('iris:eps=0.3'), /set only with labels=soft/);
  });

  it('loads the sklearn sets with their published sizes and class counts', () => {
    const expect: [string, number, number, number[]][] = [
      ['iris', 150, 4, [50, 50, 50]],
      ['wine', 178, 13, [59, 71, 48]],
      ['breast-cancer', 569, 30, [212, 357]],
      ['digits', 1797, 64, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]],
    ];
    for (const [name, n, d, counts] of expect) {
      const ds = cls(loadDataset(name));
      assert.deepEqual([ds.X.rows, ds.X.cols], [n, d], name);
      assert.deepEqual(classCounts(ds), counts, name);
    }
    const dg = loadDataset('digits');
    assert.deepEqual(dg.imageShape, [8, 8, 1]);
    assert.equal(Math.max(...dg.X.data), 1, 'digits pixels 0..16 scale to [0, 1]');
    const db = loadDataset('diabetes');
    assert.equal(db.task, 'regression');
    assert.deepEqual([db.X.rows, db.X.cols], [442, 10]);
    assert.deepEqual([...db.y.subarray(0, 3)], [151, 75, 141]);
    assert.deepEqual([...db.X.row(0)], [59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]);
  });

  it('reports a missing sklearn cache with the set-up command', () => {
    assert.throws(() => loadDataset('iris', { cacheDir: join(dir, 'empty-cache') }), /bash scripts\/setup-data\.sh/);
  });

  it('loads .npy pairs and CSV files', () => {
    writeNpy(
      join(dir, 'X.npy'),
      Float64Array.from({ length: 12 }, (_, i) => i),
      [6, 2],
    );
    writeNpy(join(dir, 'y.npy'), Int32Array.from([5, 9, 5, 9, 5, 9]), [6]);
    const ds = cls(loadDataset(`npy:x=${join(dir, 'X.npy')}:y=${join(dir, 'y.npy')}`));
    assert.deepEqual(ds.classes, ['5', '9']);
    assert.deepEqual([...ds.y], [0, 1, 0, 1, 0, 1]);
    writeNpy(join(dir, 't.npy'), Float64Array.from([0.5, 1, 2, 3, 4, 5]), [6]);
    assert.equal(loadDataset(`npy:x=${join(dir, 'X.npy')}:y=${join(dir, 't.npy')}`).task, 'regression');
    writeFileSync(join(dir, 'd.csv'), 'a,b,label\n1,2,0\n3,4,1\n5,6,1\n');
    const c = cls(loadDataset(`csv:path=${join(dir, 'd.csv')}:label=label`));
    assert.deepEqual([...c.X.data], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...c.y], [0, 1, 1]);
    assert.throws(() => loadDataset(`csv:path=${join(dir, 'd.csv')}:label=nope`), /one of a, b, label/);
    writeNpy(join(dir, 'y5.npy'), new Int32Array(5), [5]);
    assert.throws(
      () => loadDataset(`npy:x=${join(dir, 'X.npy')}:y=${join(dir, 'y5.npy')}`),
      /labels must have shape \(6,\)/,
    );
  });

  it('refuses NaN and ±∞ in CSV and .npy datasets, naming the file and where', () => {
    // (test/fuzz/csv.test.ts) they loaded silently and failed later without a file or column
    writeFileSync(join(dir, 'nan.csv'), 'a,b,label\n1,2,0\n3,nan,1\n');
    assert.throws(
      () => loadDataset(`csv:path=${join(dir, 'nan.csv')}`),
      (e: unknown) =>
        e instanceof FormatError &&
        e.message.includes(`nan.csv: line 3 (data row 2), column 2 ('b'): not a finite number: "nan"`),
    );
    writeNpy(join(dir, 'Xinf.npy'), Float64Array.from([1, 2, Infinity, 4]), [2, 2]);
    writeNpy(join(dir, 'y2.npy'), Int32Array.from([0, 1]), [2]);
    assert.throws(
      () => loadDataset(`npy:x=${join(dir, 'Xinf.npy')}:y=${join(dir, 'y2.npy')}`),
      (e: unknown) =>
        e instanceof FormatError && /Xinf\.npy: non-finite value Infinity at \(row 1, col 0\)/.test(e.message),
    );
  });

  it('makes seeded synthetic sets: sphere, Gaussian mixture, random-MLP teacher', () => {
    const s = loadDataset('sphere:n=500:d=20:seed=1');
    assert.equal(s.task, 'regression');
    for (const v of rowNorms(s.X)) assert.ok(Math.abs(v - 1) < 1e-12);
    assert.deepEqual(loadDataset('sphere:n=500:d=20:seed=1').X.data, s.X.data);
    const g = cls(loadDataset('gaussian:n=90:d=5:k=3:seed=2'));
    assert.deepEqual(classCounts(g), [30, 30, 30]);
    const t = loadDataset('teacher:n=200:d=10:arch=dense(64),relu,dense(1):seed=4');
    for (const v of rowNorms(t.X)) assert.ok(Math.abs(v * v - 10) < 1e-9);
    const tc = cls(loadDataset('teacher:n=200:d=10:arch=dense(64),erf,dense(1):target=sign'));
    assert.deepEqual(tc.classes, ['-', '+']);
    assert.ok(classCounts(tc).every((c) => c > 20));
    assert.throws(() => loadDataset('teacher:n=10:d=4:arch=conv(3,3),relu,dense(1)'), /an MLP of dense/);
  });

  it('rejects bad requests with errors that list what is valid', () => {
    assert.throws(() => loadDataset('mnist:train:n=70000'), /`n` must be at most 60000 \(the rows mnist:train has\)/);
    assert.throws(() => loadDataset('mnist:classes=0,1:n=20000'), /at most 12665 .*after keeping classes 0,1/);
    assert.throws(
      () => loadDataset('fashion-mnist:classes=Dress,Hat'),
      /class names or indices among: T-shirt\/top \(0\), Trouser \(1\).*Value: `Hat`/,
    );
    assert.throws(() => loadDataset('mnist:classes=10'), /among: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9/);
    assert.throws(() => loadDataset('diabetes:classes=1'), /regression dataset/);
    assert.throws(() => loadDataset('diabetes:corrupt=0.1'), /regression dataset/);
    assert.throws(() => loadDataset('iris:train'), /iris has no train\/test split/);
    assert.equal(loadDataset('iris:all').X.rows, 150);
    assert.throws(() => loadDataset('iris:d=3'), /not set for iris/);
    assert.throws(() => loadDataset('sphere:d=3'), /`n` must be given for sphere/);
    assert.throws(() => loadDataset({ name: 'mnist', n: 1.5 }), /`n` must be an integer/);
  });

  it('specInputShape (the shape configs check architectures against) is what the loaders give', () => {
    for (const spec of ['mnist:n=10', 'digits:n=10', 'iris', 'wine', 'breast-cancer', 'diabetes', 'sphere:n=3:d=7']) {
      const ds = loadDataset(spec);
      assert.deepEqual(specInputShape(spec), ds.imageShape ? [...ds.imageShape] : [ds.X.cols], spec);
    }
    if (existsSync('/usr/share/datasets/fashion-mnist'))
      assert.deepEqual(specInputShape('fashion-mnist'), [...(loadDataset('fashion-mnist:n=10').imageShape ?? [])]);
    assert.deepEqual(specInputShape('cifar10:path=/x'), [32, 32, 3]);
    assert.equal(specInputShape('csv:path=/x.csv'), null);
    assert.throws(() => specInputShape('sphere:n=3'), /`d` must be given/);
  });

  it('alignClasses maps a test set to the training classes by name, whatever order its classes were given in', () => {
    const train = cls(loadDataset('iris:classes=setosa,versicolor:labels=onehot'));
    const test = cls(loadDataset('iris:classes=1,0:labels=onehot'));
    assert.deepEqual(test.classes, ['versicolor', 'setosa']);
    const a = cls(alignClasses(test, train));
    assert.deepEqual(a.classes, ['setosa', 'versicolor']);
    // each row keeps its class name, and its one-hot target marks that class of the training order
    for (let i = 0; i < a.y.length; i++) {
      assert.equal(a.classes[a.y[i]], test.classes[test.y[i]]);
      assert.equal(a.targets.get(i, a.y[i]), 1);
    }
    assert.equal(alignClasses(train, train), train);
    assert.throws(
      () => alignClasses(loadDataset('iris:classes=virginica,setosa'), train),
      (e: unknown) =>
        e instanceof InvalidArgumentError && /among the training classes \(setosa, versicolor\)/.test(e.message),
    );
    assert.throws(() => alignClasses(loadDataset('diabetes'), train), /a classification dataset like the training set/);
  });

  it('refuses what test/fuzz/dataSpec.test.ts found loading wrong', () => {
    // two entries naming one class: classes "1,1" (class 0 never present) before
    assert.throws(
      () => loadDataset('iris:classes=1,01'),
      (e: unknown) => e instanceof InvalidArgumentError && /`1` and `01` both name class/.test(e.message),
    );
    // a synthetic set generates exactly n rows: a class filter silently kept fewer
    assert.throws(() => loadDataset('gaussian:n=12:d=2:k=3:classes=0,1'), /not set for the synthetic set gaussian/);
    // noise that overflows the targets to ±∞
    assert.throws(() => loadDataset('sphere:n=8:d=3:noise=1e308'), /`noise` must be a number in \[0, 1e\+300\]/);
    // -0 formats as 0: the canonical spec must parse to the same spec
    assert.equal(formatDatasetSpec(parseDatasetSpec('iris:eps=-0')), 'iris:eps=0');
    assert.ok(Object.is(parseDatasetSpec('iris:eps=-0').eps, 0));
    // objects: a number where a string belongs (buildNetwork crashed on arch: 3), numbers as text are numbers
    assert.throws(() => loadDataset({ name: 'teacher', n: 5, d: 4, arch: 3 } as never), /`arch` must be a string/);
    assert.equal(loadDataset({ name: 'sphere', n: '5', d: 3 } as never).X.rows, 5);
  });
});
