/**
 * The memory estimator (src/util/memory.ts) and the library entry points that call it before allocating: sizes that
 * cannot fit are refused with a ResourceError naming the argument, the figure needed and the figure available.
 * NTK_MEMORY_LIMIT fixes "available" so that nothing depends on the machine.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { loadDataset } from '../../src/data/index.js';
import { empiricalNtk } from '../../src/empirical/index.js';
import { ConfigError, ResourceError } from '../../src/errors.js';
import { resolveExperiment } from '../../src/experiments/index.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { buildNetwork, init } from '../../src/nn/index.js';
import {
  availableMemory,
  float64Need,
  formatBytes,
  kernelJobNeed,
  MAX_ARRAY_LENGTH,
  parseBytes,
  requireMemory,
} from '../../src/util/memory.js';
import { Rng } from '../../src/util/random.js';

const saved = process.env.NTK_MEMORY_LIMIT;
const setLimit = (v: string | undefined): void => {
  if (v === undefined) delete process.env.NTK_MEMORY_LIMIT;
  else process.env.NTK_MEMORY_LIMIT = v;
};
before(() => setLimit('4GB'));
after(() => setLimit(saved));

/** asserts a ResourceError for `argument` whose message matches every pattern */
function resource(argument: string, ...patterns: RegExp[]) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof ResourceError, `expected a ResourceError, got ${String(e)}`);
    assert.equal(e.argument, argument);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  };
}

describe('memory estimator', () => {
  it('parses and formats sizes (decimal and binary units)', () => {
    assert.equal(parseBytes('8GB'), 8e9);
    assert.equal(parseBytes('8g'), 8e9);
    assert.equal(parseBytes('512MiB'), 512 * 2 ** 20);
    assert.equal(parseBytes('1e9'), 1e9);
    assert.equal(parseBytes(' 1.5 GiB '), 1.5 * 2 ** 30);
    for (const bad of ['', 'lots', '-1', '0', '8XB', 'NaN'])
      assert.throws(() => parseBytes(bad), ConfigError, `'${bad}' should be refused`);
    assert.equal(formatBytes(8e10), '80.0 GB');
    assert.equal(formatBytes(999), '999 B');
    assert.equal(formatBytes(1536e3), '1.5 MB');
  });

  it('takes NTK_MEMORY_LIMIT as what is available, and refuses a bad value naming the variable', () => {
    assert.deepEqual(availableMemory(), { bytes: 4e9, fromEnv: true });
    setLimit('plenty');
    try {
      assert.throws(() => availableMemory(), /NTK_MEMORY_LIMIT: must be a positive size/);
    } finally {
      setLimit('4GB');
    }
  });

  it('states the figure needed and the figure available, and the Float64Array length limit', () => {
    // 100000² float64 = 8·10¹⁰ bytes
    const need = float64Need('a 100000×100000 float64 kernel', [1e10]);
    assert.equal(need.bytes, 8e10);
    assert.throws(
      () => requireMemory('--data', 'n = 100000', need),
      resource(
        '--data',
        /^--data: n = 100000 needs a 100000×100000 float64 kernel \(80\.0 GB\); the limit NTK_MEMORY_LIMIT is 4\.0 GB$/,
      ),
    );
    // enough memory, but one array longer than a Float64Array can be
    setLimit('1PB');
    try {
      assert.throws(
        () => requireMemory('x1', 'n = 70000', float64Need('a kernel', [70000 * 70000])),
        resource('x1', new RegExp(`one array of 4900000000 entries, more than the ${MAX_ARRAY_LENGTH}`)),
      );
      requireMemory('x1', 'n = 60000', float64Need('a kernel', [60000 * 60000])); // 3.6·10⁹ < 2³²: fits
    } finally {
      setLimit('4GB');
    }
  });

  it('kernelJobNeed counts outputs, the input Gram, their shared twins, self records and tiles', () => {
    const base = { n1: 100, n2: 100, sym: true, outputs: 1, flatGram: true, workers: 0, perPair: 1, tile: 100 };
    // in-process: K, the Gram, the self record 2·n·S, one thread's tile buffers 4·T²·S
    assert.equal(kernelJobNeed(base).bytes, 8 * (2e4 + 200 + 4e4));
    // 2 workers: every n1×n2 array has its SharedArrayBuffer twin, two threads' tiles
    assert.equal(kernelJobNeed({ ...base, workers: 2 }).bytes, 8 * (4e4 + 200 + 8e4));
    // NNGP and NTK of images (no input Gram), cross kernel: both sets' self records
    assert.equal(
      kernelJobNeed({ ...base, n2: 50, sym: false, outputs: 2, flatGram: false, perPair: 9, tile: 10 }).bytes,
      8 * (2 * 5000 + 2 * 100 * 9 + 2 * 50 * 9 + 4 * 100 * 9),
    );
  });
});

describe('library entry points refuse sizes that cannot fit, before allocating', () => {
  it('kernelFn: n = 100000 rows (a 80 GB kernel) → ResourceError naming x1', async () => {
    const X = new Matrix(100000, 1, new Float64Array(100000).fill(1));
    await assert.rejects(
      kernelFn('dense(4),relu,dense(1)')(X, null, 'ntk'),
      resource(
        'x1',
        /^x1: n = 100000 needs a 100000×100000 float64 kernel.*GB\); the limit NTK_MEMORY_LIMIT is 4\.0 GB$/,
      ),
    );
    // a cross kernel names both sets
    await assert.rejects(
      kernelFn('dense(4),relu,dense(1)')(X, new Matrix(30000, 1, new Float64Array(30000).fill(1)), 'ntk'),
      resource('x1, x2', /n1 = 100000, n2 = 30000 needs a 100000×30000 float64 kernel/),
    );
  });

  it('kernelFn under the limit still computes (the estimate is not a blanket refusal)', async () => {
    setLimit('1MB');
    try {
      const X = new Matrix(40, 3, new Rng(0).normals(120));
      const K = await kernelFn('dense(4),relu,dense(1)')(X, null, 'ntk'); // 2·40²·8 B + tiles < 1 MB
      assert.equal(K.rows, 40);
      const Y = new Matrix(300, 3, new Rng(1).normals(900)); // 300²·8 = 720 kB, twice
      await assert.rejects(kernelFn('dense(4),relu,dense(1)')(Y, null, 'ntk'), resource('x1', /1\.0 MB/));
    } finally {
      setLimit('4GB');
    }
  });

  it('empiricalNtk: the output and the Float64Array length limit (70000² entries > 2³²)', () => {
    const params = init(buildNetwork('dense(4),relu,dense(1)', [1]), new Rng(0));
    const X = new Matrix(70000, 1, new Float64Array(70000).fill(0.5));
    assert.throws(() => empiricalNtk(params, X), resource('x1', /n = 70000 needs a 70000×70000 float64 kernel/));
    setLimit('1PB');
    try {
      assert.throws(() => empiricalNtk(params, X), resource('x1', /one array of 4900000000 entries/));
    } finally {
      setLimit('4GB');
    }
  });

  it('init: layer widths such as dense(1e12) give a θ that is refused, not a RangeError', () => {
    const net = buildNetwork('dense(1e12),relu,dense(1)', [3]);
    assert.throws(
      () => init(net, new Rng(0)),
      resource('arch', new RegExp(`^arch: the network needs a parameter vector θ of ${net.numParams} float64 entries`)),
    );
    // two such layers: 10²⁴ parameters, beyond Number.MAX_SAFE_INTEGER, refused the same way
    assert.throws(() => init(buildNetwork('dense(1e12),relu,dense(1e12)', [3]), new Rng(0)), resource('arch'));
  });

  it('loadDataset: a synthetic set of 10¹² rows is refused naming n', () => {
    assert.throws(
      () => loadDataset('sphere:n=1000000000000:d=3'),
      resource('n', /^n: n = 1000000000000 \(with d = 3\) needs 1000000000000×3 float64 features.*TB\)/),
    );
  });

  it('the spectrum-demo preset refuses sweep.n = [1000000] while validating (before a run folder exists)', () => {
    assert.throws(
      () => resolveExperiment('spectrum-demo', { quick: true, sets: ['sweep.n=[1000000]'] }),
      resource('sweep.n', /^sweep\.n: n = 1000000 needs a 1000000×1000000 float64 kernel/),
    );
    assert.doesNotThrow(() => resolveExperiment('spectrum-demo', { quick: true }));
  });
});
