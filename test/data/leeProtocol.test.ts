/**
 * The data-spec keys behind the Lee et al. 2018 reproduction (docs/predict-scale.md): `rows=START..END`,
 * `per-class=k`, `normalize=row-standardize`, against numpy reading the IDX files itself; and the NNGP of
 * `dense,relu,dense,relu,dense` on such data against a numpy implementation of the paper's recursion
 * (K⁰ = σb² + σw²·x·x'/d, K^{l+1} = σb² + σw²·F_relu(K^l), closed-form arc-cosine F).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { defaultMnistDir } from '../../src/data/paths.js';
import { loadDataset } from '../../src/data/registry.js';
import type { ClassificationDataset } from '../../src/data/types.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { python } from '../io/helpers.js';

const dir = defaultMnistDir();
/** numpy: MNIST train rows 10000..59999, the first k of each class in source order, Lee et al.'s row normalization */
const NUMPY_SUBSET = (k: number) => `
import numpy as np, json, sys
d = ${JSON.stringify(dir)}
X = np.fromfile(d + '/train-images-idx3-ubyte', dtype=np.uint8)[16:].reshape(-1, 784)[10000:] / 255.0
y = np.fromfile(d + '/train-labels-idx1-ubyte', dtype=np.uint8)[8:][10000:]
idx = np.sort(np.concatenate([np.where(y == c)[0][:${k}] for c in range(10)]))
Xs = X[idx]
Xs = (Xs - Xs.mean(1, keepdims=True)) / np.sqrt(Xs.var(1, keepdims=True) + 1e-15)
`;

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

describe('rows=, per-class=, normalize=row-standardize against numpy', () => {
  it("Lee et al.'s subset: rows 10000..59999, first 30 per class in source order, row-standardized, 0.9/−0.1 targets", () => {
    const ds = loadDataset(
      'mnist:train:rows=10000..59999:per-class=30:normalize=row-standardize:labels=centered',
    ) as ClassificationDataset;
    const out = JSON.parse(
      python(
        `${NUMPY_SUBSET(30)}
print(json.dumps({'idx': (idx + 10000).tolist(), 'y': y[idx].tolist(), 'x': Xs.ravel().tolist()}))`,
      ),
    ) as { idx: number[]; y: number[]; x: number[] };
    assert.equal(ds.X.rows, 300);
    assert.deepEqual([...ds.indices], out.idx);
    assert.deepEqual([...ds.y], out.y);
    assert.ok(relErr(ds.X.data, out.x) < 1e-14, `X differs from numpy by ${relErr(ds.X.data, out.x)}`);
    for (let i = 0; i < 300; i++)
      for (let c = 0; c < 10; c++) {
        const t = ds.targets.data[i * 10 + c];
        assert.ok(Math.abs(t - (c === ds.y[i] ? 0.9 : -0.1)) < 1e-15);
      }
  });

  it('rows= comes before the class filter and the subsample: test rows 100..599 of digits 3 and 5, in source order', () => {
    const ds = loadDataset('mnist:test:rows=100..599:classes=5,3') as ClassificationDataset;
    const out = JSON.parse(
      python(`import numpy as np, json
y = np.fromfile(${JSON.stringify(join(dir, 't10k-labels-idx1-ubyte'))}, dtype=np.uint8)[8:]
r = np.arange(100, 600); keep = r[np.isin(y[r], [3, 5])]
print(json.dumps({'idx': keep.tolist(), 'y': [0 if v == 5 else 1 for v in y[keep]]}))`),
    ) as { idx: number[]; y: number[] };
    assert.deepEqual([...ds.indices], out.idx);
    assert.deepEqual([...ds.y], out.y);
    // a seeded subsample draws from those rows only
    const sub = loadDataset('mnist:test:rows=100..599:classes=5,3:n=20:seed=4');
    assert.equal(sub.X.rows, 20);
    for (const i of sub.indices) assert.ok(out.idx.includes(i));
  });

  it('bad values: typed errors naming the key, with the constraint', () => {
    const err = (spec: string, re: RegExp) =>
      assert.throws(
        () => loadDataset(spec),
        (e: unknown) => e instanceof InvalidArgumentError && re.test(e.message),
      );
    err('mnist:train:rows=10..5', /rows.*START ≤ END/);
    err('mnist:train:rows=10', /rows.*START\.\.END/);
    err('mnist:train:rows=0..60000', /rows.*within 0\.\.59999/);
    err('mnist:train:per-class=0', /per-class.*integer ≥ 1/);
    err('mnist:test:rows=0..99:per-class=20', /per-class.*at most \d+ \(the rows of class \d/);
    err('mnist:train:per-class=5:n=50', /per-class.*not set together with n/);
    err('mnist:train:per-class=5:stratify=true', /per-class.*not set together with stratify/);
    err('sphere:n=10:d=3:rows=0..4', /rows.*synthetic/);
    err('diabetes:per-class=3', /per-class.*regression/);
    err('mnist:train:per_class=5', /did you mean.*per-class/i);
    err('mnist:train:normalize=row-standardise', /row-standardize/);
  });
});

describe("NNGP on Lee et al.'s inputs against numpy", () => {
  it('ReLU, depth 2 (dense,relu,dense,relu,dense), σw² = 1.45, σb² = 0.28, n = 300: the arc-cosine recursion to 1e-13', async () => {
    const ds = loadDataset('mnist:train:rows=10000..59999:per-class=30:normalize=row-standardize');
    const [wv, bv] = [1.45, 0.28];
    const layer = `dense(1,wvar=${wv},bvar=${bv})`;
    const K = (await kernelFn(`${layer},relu,${layer},relu,${layer}`, { inputShape: [784], workers: 0 })(
      ds.X,
      null,
      'nngp',
    )) as { data: Float64Array };
    const ref = JSON.parse(
      python(`${NUMPY_SUBSET(30)}
wv, bv = ${wv}, ${bv}
Q = bv + wv * Xs @ Xs.T / 784
for _ in range(2):
    s = np.sqrt(np.outer(np.diag(Q), np.diag(Q)))
    c = np.clip(Q / s, -1, 1); t = np.arccos(c)
    Q = bv + wv / (2 * np.pi) * s * (np.sin(t) + (np.pi - t) * c)
print(json.dumps(Q.ravel().tolist()))`),
    ) as number[];
    assert.ok(relErr(K.data, ref) < 1e-13, `kernel differs from numpy by ${relErr(K.data, ref)}`);
  });
});
