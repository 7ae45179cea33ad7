import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { deepMerge, type JsonObject, parseSets } from '../../src/experiments/config.js';
import { definePreset } from '../../src/experiments/preset.js';
import { resolveExperiment, runExperiment } from '../../src/experiments/runner.js';
import { integer, object, optional, positive, ROOT } from '../../src/experiments/schema.js';
import { ntk, tempDir } from './helpers.js';

function rejects(fn: () => unknown, path: string, pattern?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.path, path);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

describe('config schema', () => {
  const training = object({ lr: positive(), steps: integer({ min: 1 }), batch: optional(integer({ min: 1 })) });

  it('a wrong type names the field path, the constraint and the value', () => {
    rejects(() => training.parse({ lr: 'abc', steps: 10 }, 'training'), 'training.lr');
    try {
      training.parse({ lr: 'abc', steps: 10 }, 'training');
    } catch (e) {
      assert.equal((e as Error).message, 'training.lr: must be a positive number. Value: "abc"');
    }
  });

  it('unknown fields are rejected with the list of valid ones', () => {
    rejects(
      () => training.parse({ lr: 1, steps: 1, momentum: 0.9 }, 'training'),
      'training.momentum',
      /unknown field\. Valid fields here: lr, steps, batch/,
    );
  });

  it('missing required fields are named', () => {
    rejects(() => training.parse({ lr: 1 }, 'training'), 'training.steps', /is required: an integer ≥ 1/);
  });

  it('list elements are addressed by index', () => {
    rejects(
      () => resolveExperiment({ preset: 'spectrum-demo', sweep: { n: [100, 'x'] } }),
      'sweep.n[1]',
      /must be an integer/,
    );
    rejects(
      () => resolveExperiment({ preset: 'spectrum-demo', sweep: { n: [100, 100] } }),
      'sweep.n[1]',
      /repeats element 0/,
    );
  });

  it('the demo preset rejects unknown fields, wrong types and impossible combinations before computing', () => {
    rejects(
      () => resolveExperiment({ preset: 'spectrum-demo', params: { dimension: 3 } }),
      'params.dimension',
      /unknown field/,
    );
    rejects(
      () => resolveExperiment({ preset: 'spectrum-demo', params: { dim: 'ten' } }),
      'params.dim',
      /must be an integer in \[2, 10000\]\. Value: "ten"/,
    );
    rejects(
      () => resolveExperiment({ preset: 'spectrum-demo', params: { kernel: 'rbf' } }),
      'params.kernel',
      /one of "relu-ntk", "arora-h", "arccos1"/,
    );
    rejects(
      () => resolveExperiment({ preset: 'spectrum-demo', sweep: { n: [50, 400] } }),
      'params.fitTo',
      /≤ the smallest n in sweep.n \(50\)/,
    );
    rejects(
      () => resolveExperiment({ preset: 'spectrum-demo', training: { lr: 0.1, steps: 10 } }),
      'training',
      /not used by preset "spectrum-demo"/,
    );
    rejects(() => resolveExperiment({ preset: 'spectrum-demo', seed: -1 }), 'seed');
    rejects(
      () => resolveExperiment({ preset: 'nope' }),
      'preset',
      /unknown preset "nope"\. Valid presets: .*spectrum-demo/,
    );
    rejects(() => resolveExperiment({ name: 'x' }), 'preset', /is required/);
  });

  it('common impossible combinations: an analysis that needs training, a width sweep without archs', () => {
    const p = definePreset({
      name: 'combo-test',
      title: 't',
      reproduces: 't',
      header: { command: 'none', expectedTime: { quick: '0 s', full: '0 s' } },
      uses: ['archs', 'training', 'analyses', 'sweep'],
      params: object({}),
      defaults: { seed: 0, params: {} },
      quick: {},
      async run() {},
    });
    const base = { name: 'c', preset: 'combo-test', seed: 0, params: {} };
    rejects(
      () => p.validate({ ...base, analyses: ['spectrum', 'convergence'] }),
      'analyses',
      /"convergence" needs a `training` section/,
    );
    rejects(() => p.validate({ ...base, sweep: { widths: [64, 128] } }), 'sweep.widths', /no `archs`/);
    rejects(() => p.validate({ ...base, archs: ['dense(64),relu,dense(1'] }), 'archs[0]', /parseArch/);
    rejects(
      () => p.validate({ ...base, training: { lr: 0.1, steps: 10, batch: 64 }, sweep: { n: [32, 128] } }),
      'training.batch',
      /64 > 32/,
    );
    const ok = p.validate({
      ...base,
      archs: 'dense(64),relu,dense(1)',
      training: { lr: 0.1, steps: 10 },
      analyses: ['convergence'],
      sweep: { widths: [64] },
    });
    assert.deepEqual(ok.config.archs, ['dense(64),relu,dense(1)']);
  });

  it('resolution order: defaults ← quick ← user ← user quick ← --set; null removes a field', () => {
    const full = resolveExperiment({ preset: 'spectrum-demo' });
    assert.deepEqual(full.bound.config.sweep?.n, [250, 500, 1000, 2000]);
    const quick = resolveExperiment(
      { preset: 'spectrum-demo', params: { dim: 7 }, quick: { params: { dim: 5 } } },
      { quick: true },
    );
    assert.deepEqual(quick.bound.config.sweep?.n, [100, 200, 400]);
    assert.equal(
      quick.json.params && typeof quick.json.params === 'object' && !Array.isArray(quick.json.params)
        ? quick.json.params.dim
        : null,
      5,
    );
    const set = resolveExperiment('spectrum-demo', {
      quick: true,
      sets: ['params.dim=3', 'sweep.seeds=[7]', 'name=my-run'],
    });
    assert.equal(set.bound.config.name, 'my-run');
    assert.deepEqual(set.bound.config.sweep?.seeds, [7]);
    rejects(() => resolveExperiment('spectrum-demo', { sets: ['params.dim=abc'] }), 'params.dim', /Value: "abc"/);
    rejects(() => resolveExperiment('spectrum-demo', { sets: ['nonsense'] }), '--set');
    assert.deepEqual(deepMerge({ a: { b: 1, c: 2 }, d: [1] }, { a: { b: null }, d: [2, 3] }), {
      a: { c: 2 },
      d: [2, 3],
    });
    assert.deepEqual(parseSets(['a.b=1e-3', 'a.c=true', 'x=hello world']), {
      a: { b: 0.001, c: true },
      x: 'hello world',
    });
  });

  it('YAML and JSON config files are read, and their errors name the field', () => {
    const dir = tempDir();
    const y = join(dir, 'c.yaml');
    writeFileSync(
      y,
      'preset: spectrum-demo\nseed: 3\nparams:\n  dim: 4\n  fitTo: 90\nsweep:\n  n: [100]\n  seeds: [0]\n',
    );
    const r = resolveExperiment(y);
    assert.equal(r.bound.config.seed, 3);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ preset: 'spectrum-demo', params: { dim: 4, extra: 1 } }));
    rejects(() => resolveExperiment(bad), 'params.extra', /unknown field/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "preset": ');
    rejects(() => resolveExperiment(broken), broken, /is not valid JSON/);
    rejects(() => resolveExperiment({ preset: 'spectrum-demo', quick: 3 }), 'quick');
    assert.equal(ROOT, '(config)');
  });

  it('configs found by test/fuzz/config.test.ts: cycles, deep nesting, YAML tags, inherited and __proto__ keys', () => {
    const dir = tempDir();
    const file = (name: string, text: string): string => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    // a self-referencing YAML alias and 20000 nested lists overflowed the stack (RangeError) before
    rejects(
      () => resolveExperiment(file('cycle.yaml', 'preset: spectrum-demo\nparams: &p [*p]\n')),
      'params[0]',
      /contains itself/,
    );
    const deep = `{"preset":"spectrum-demo","params":${'['.repeat(20000)}${']'.repeat(20000)}}`;
    assert.throws(
      () => resolveExperiment(file('deep.json', deep)),
      (e: unknown) => e instanceof ConfigError && /nests deeper than 64/.test(e.message),
    );
    assert.throws(
      () => parseSets(['params.dim=&a [*a]']),
      (e: unknown) => e instanceof ConfigError && /contains itself/.test(e.message),
    );
    // a YAML set became {} and an unknown tag a string (with a warning on stderr): both are errors now
    rejects(
      () => resolveExperiment(file('set2.yaml', 'preset: spectrum-demo\nparams: !!set {a, b}\n')),
      'params',
      /plain data/,
    );
    rejects(
      () => resolveExperiment(file('tag.yaml', 'preset: !foo spectrum-demo\n')),
      join(dir, 'tag.yaml'),
      /not valid YAML/,
    );
    // a field named like an Object.prototype member was accepted and ignored; a __proto__ key set the prototype
    rejects(
      () => resolveExperiment({ preset: 'spectrum-demo', params: { toString: 1 } }),
      'params.toString',
      /unknown field/,
    );
    const proto = JSON.parse('{"preset": "spectrum-demo", "__proto__": {"seed": 7}}') as JsonObject;
    rejects(() => resolveExperiment(proto), '__proto__', /unknown field/);
  });
});

describe('bad input stops before any work', () => {
  it('ntk run with a bad config exits 2 naming the field and writes nothing', () => {
    const dir = tempDir();
    const cfg = join(dir, 'c.json');
    writeFileSync(cfg, JSON.stringify({ preset: 'spectrum-demo', params: { dim: 10, fitTo: 'many' } }));
    const out = join(dir, 'out');
    const r = ntk(['run', cfg, '--out', out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /params\.fitTo: must be an integer ≥ 2\. Value: "many"/);
    assert.equal(existsSync(out), false, 'no run folder was created');
  });

  it('strings inside params are parsed at config time with their field path: a bad arch exits 2, no run folder', () => {
    // issue #13 item 7: these failed only when the unit ran, after the run folder was created, with no field path
    const dir = tempDir();
    const cfg = join(dir, 'c.yaml');
    writeFileSync(
      cfg,
      [
        'preset: convergence-bounds',
        'params:',
        '  models:',
        '    - { name: MLP, arch: "dense(16),relu,dense(1)" }',
        '    - { name: Bad, arch: "dense(16),relu,dense(" }',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const r = ntk(['run', cfg, '--quick', '--out', out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /params\.models\[1\]\.arch: parseArch: invalid argument/);
    assert.equal(existsSync(out), false, 'no run folder was created');
    // an architecture that parses but does not fit: dense after a conv acts per pixel (neural-tangents' Dense), so
    // the output is an image, which training refuses (checked at config time)
    writeFileSync(
      cfg,
      'preset: convergence-bounds\nparams:\n  models: [{ name: CNN, arch: "conv(4,3),relu,dense(1)" }]\n',
    );
    const r2 = ntk(['run', cfg, '--quick', '--out', out]);
    assert.equal(r2.status, 2, r2.stderr);
    assert.match(
      r2.stderr,
      /params\.models\[0\]\.arch: ntk run: .*output is flat.*image 28×28×1 \(h×w×c\), after layer 2 `dense`/,
    );
    assert.equal(existsSync(out), false);
    rejects(
      () => resolveExperiment('convergence-bounds', { quick: true, sets: ['params.data=mnist:n=abc'] }),
      'params.data',
      /parseDatasetSpec: .*`n` must be an integer/,
    );
    rejects(
      () => resolveExperiment('convergence-bounds', { sets: ['params.data=sphere:n=50'] }),
      'params.data',
      /`d` must be given for sphere/,
    );
    rejects(
      () =>
        resolveExperiment('label-alignment', { quick: true, sets: ['params.mlpArch=conv(2,3),relu,flatten,dense(1)'] }),
      'params.mlpArch',
      /`conv`` must be an image input/,
    );
    // the analytic CNN needs each activation after an affine layer; the finite CNN alone would accept this
    const cnn = 'params.cnnArch=conv(4,3,stride=2),relu,relu,flatten,dense(1)';
    rejects(() => resolveExperiment('label-alignment', { sets: [cnn] }), 'params.cnnArch', /kernelFn: .*Gaussian/);
    assert.doesNotThrow(() => resolveExperiment('label-alignment', { sets: [cnn, 'params.models=[cnn]'] }));
  });

  it('an unwritable output folder (a path under a regular file) fails before work starts', async () => {
    const dir = tempDir();
    const file = join(dir, 'somefile');
    writeFileSync(file, 'not a directory');
    const lines: string[] = [];
    await assert.rejects(
      runExperiment('spectrum-demo', { quick: true, outDir: join(file, 'out'), stderr: (l) => lines.push(l) }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.path === '--out' &&
        /cannot write to .*somefile\/out \((ENOTDIR|EEXIST)\)/.test(e.message),
    );
    assert.deepEqual(lines, [], 'no progress was printed: nothing ran');
    const r = ntk(['run', 'spectrum-demo', '--quick', '--out', join(file, 'out')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--out: cannot write to/);
  });

  it('an unwritable shared cache folder fails too', async () => {
    const dir = tempDir();
    const file = join(dir, 'f');
    writeFileSync(file, '');
    await assert.rejects(
      runExperiment('spectrum-demo', {
        quick: true,
        outDir: join(dir, 'out'),
        cacheDir: join(file, 'cache'),
        stderr: () => {},
      }),
      (e: unknown) => e instanceof ConfigError && e.path === '--cache',
    );
  });
});
