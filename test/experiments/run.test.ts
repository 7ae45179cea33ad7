import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { DiskCache, canonicalKey, cacheKey, InterruptedError } from '../../src/experiments/cache.js';
import { decayFit, demoKernel } from '../../src/experiments/presets/spectrumDemo.js';
import { runExperiment, type RunSummary } from '../../src/experiments/runner.js';
import { Matrix } from '../../src/linalg/index.js';
import { ntk, tempDir } from './helpers.js';

type Stat = { mean: number; std: number };
interface Summary {
  kernel: string;
  dim: number;
  seeds: number[];
  byN: {
    n: number;
    lambdaMax: Stat;
    lambdaMin: Stat;
    decayExponent: Stat;
    decayR2: Stat;
    topKPowerTrue: Stat;
    topKPowerRandom: Stat;
    complexityTrue: Stat;
    complexityRandom: Stat;
  }[];
}

const readJson = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8'));

describe('spectrum-demo, quick mode, end to end', () => {
  let out: string;
  let summary: RunSummary;
  const lines: string[] = [];
  before(async () => {
    out = join(tempDir(), 'run');
    summary = await runExperiment('spectrum-demo', { quick: true, outDir: out, stderr: (l) => lines.push(l) });
  });

  it('writes the run folder layout', () => {
    assert.equal(summary.status, 'complete');
    assert.deepEqual(readdirSync(out).sort(), [
      'cache',
      'config.json',
      'figures',
      'metrics.jsonl',
      'report.html',
      'report.json',
      'results',
    ]);
    assert.deepEqual(readdirSync(join(out, 'results')).sort(), ['spectrum.json', 'summary.json', 'units.json']);
    const figs = readdirSync(join(out, 'figures')).sort();
    for (const f of ['spectrum', 'projections', 'cumulative', 'complexity', 'kernel']) {
      assert.ok(figs.includes(`${f}.svg`) && figs.includes(`${f}.json`), f);
    }
    assert.equal(summary.cache.computed, 9);
    assert.equal(summary.cache.hits, 0);
    assert.ok(
      lines.some((l) => /\[spectrum-demo\] 9\/9 \(100%\)/.test(l)),
      'progress reached 9/9',
    );
  });

  it('config.json records the resolved config and the machine', () => {
    const c = readJson(join(out, 'config.json')) as {
      ntkLab: string;
      mode: string;
      config: { seed: number; sweep: { n: number[] } };
      run: {
        status: string;
        backend: string;
        openblasCore: string;
        node: string;
        startedAt: string;
        finishedAt: string;
        seed: number;
      };
      header: { command: string };
    };
    assert.equal(c.mode, 'quick');
    assert.equal(c.run.status, 'complete');
    assert.deepEqual(c.config.sweep.n, [100, 200, 400]);
    assert.equal(c.run.seed, 0);
    assert.ok(['native', 'portable'].includes(c.run.backend));
    assert.equal(typeof c.run.openblasCore, 'string');
    assert.equal(c.run.node, process.version);
    assert.ok(Date.parse(c.run.finishedAt) >= Date.parse(c.run.startedAt));
    assert.match(c.header.command, /ntk run spectrum-demo/);
  });

  it('results have the expected structure and sane values', () => {
    const s = readJson(join(out, 'results', 'summary.json')) as Summary;
    assert.equal(s.kernel, 'relu-ntk');
    assert.deepEqual(
      s.byN.map((r) => r.n),
      [100, 200, 400],
    );
    for (const r of s.byN) {
      // Θ(x, x) = 1·κ₀(1) + κ₁(1) = 2 on the sphere, so λ_max ≤ tr Θ = 2n and λ_min > 0 (strictly PD kernel).
      assert.ok(r.lambdaMax.mean > 0 && r.lambdaMax.mean < 2 * r.n, `λmax ${r.lambdaMax.mean}`);
      assert.ok(r.lambdaMin.mean > 0, `λmin ${r.lambdaMin.mean}`);
      assert.ok(r.decayExponent.mean > 0.5 && r.decayExponent.mean < 5, `α ${r.decayExponent.mean}`);
      assert.ok(r.topKPowerTrue.mean > 2 * r.topKPowerRandom.mean, 'true labels concentrate on top eigenvectors');
      assert.ok(r.complexityRandom.mean > r.complexityTrue.mean, 'random labels are harder');
    }
    // λ_max grows with n (≈ linearly: the kernel's mean value times n).
    assert.ok(s.byN[2].lambdaMax.mean > 3 * s.byN[0].lambdaMax.mean);

    const sp = readJson(join(out, 'results', 'spectrum.json')) as {
      n: number;
      eigenvalues: number[];
      projectionsTrue: number[];
      projectionsRandom: number[];
    };
    assert.equal(sp.eigenvalues.length, 400);
    const trace = sp.eigenvalues.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(trace - 2 * 400) < 1e-8 * 800, `trace ${trace} = Σ Θ(xᵢ, xᵢ) = 2n`);
    for (let i = 1; i < 400; i++) assert.ok(sp.eigenvalues[i] <= sp.eigenvalues[i - 1], 'descending');
    for (const p of [sp.projectionsTrue, sp.projectionsRandom]) {
      const total = p.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - 1) < 1e-10, `Σ (vᵢᵀy)²/‖y‖² = ${total}`);
    }
  });

  it('metrics.jsonl has one line per unit', () => {
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { unit: string; n: number });
    assert.equal(lines.length, 9);
    assert.deepEqual([...new Set(lines.map((l) => l.n))], [100, 200, 400]);
  });

  it('re-running the same config in the same folder reuses every unit and gives identical results', async () => {
    const before = Object.fromEntries(
      readdirSync(join(out, 'results')).map((f) => [f, readFileSync(join(out, 'results', f), 'utf8')]),
    );
    const again = await runExperiment('spectrum-demo', { quick: true, outDir: out, stderr: () => {} });
    assert.deepEqual(again.cache, { hits: 9, computed: 0 });
    for (const [f, text] of Object.entries(before))
      assert.equal(readFileSync(join(out, 'results', f), 'utf8'), text, f);
  });

  it('extending the sweep reuses the finished units (shared cache)', async () => {
    const other = join(tempDir(), 'run2');
    const r = await runExperiment('spectrum-demo', {
      quick: true,
      outDir: other,
      cacheDir: join(out, 'cache'),
      sets: ['sweep.seeds=[0,1,2,3]'],
      stderr: () => {},
    });
    assert.deepEqual(r.cache, { hits: 9, computed: 3 });
  });

  it('a folder holding a different config is not overwritten', async () => {
    await assert.rejects(
      runExperiment('spectrum-demo', { quick: true, outDir: out, sets: ['params.dim=4'], stderr: () => {} }),
      (e: unknown) => e instanceof ConfigError && e.path === '--out' && /different config/.test(e.message),
    );
  });

  it('ntk report re-renders report.html from the run folder', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    writeFileSync(join(out, 'report.html'), 'stale');
    const r = ntk(['report', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(out, 'report.html'), 'utf8'), html);
    const bad = ntk(['report', join(out, 'results')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /RUN_DIR: .* has no config.json/);
  });

  it('ntk report on a malformed figure spec or report.json: a FormatError naming the file and the field (exit 2)', () => {
    // issue #13 item 9: a spec without `marks` crashed with a TypeError (exit 1)
    const copy = join(tempDir(), 'run');
    cpSync(out, copy, { recursive: true });
    const figs = readdirSync(join(copy, 'figures')).filter((f) => f.endsWith('.json'));
    const spec = join(copy, 'figures', figs[0]);
    const good = readFileSync(spec, 'utf8');
    const { marks: _drop, ...noMarks } = JSON.parse(good) as { marks?: unknown; panels?: { marks?: unknown }[] };
    const broken = 'panels' in noMarks ? { ...noMarks, panels: [{ title: 'p' }] } : noMarks;
    writeFileSync(spec, JSON.stringify(broken));
    const r = ntk(['report', copy]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `${figs[0].replace('.', '\\.')}: figure spec field \`(panels\\[0\\]\\.)?marks\` must be a list of marks`,
      ),
    );
    assert.doesNotMatch(r.stderr, /TypeError|unexpected error/);
    writeFileSync(spec, good);
    const report = join(copy, 'report.json');
    const rep = JSON.parse(readFileSync(report, 'utf8')) as { sections: { figures?: unknown }[] };
    delete rep.sections[0].figures;
    writeFileSync(report, JSON.stringify(rep));
    const r2 = ntk(['report', copy]);
    assert.equal(r2.status, 2, r2.stderr);
    assert.match(r2.stderr, /report\.json: `sections\[0\]\.figures` must be a list/);
  });

  it('ntk list shows the preset with what it reproduces and its expected times', () => {
    const r = ntk(['list']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /spectrum-demo: NTK spectrum/);
    assert.match(r.stdout, /reproduces: Arora et al\. 2019/);
    assert.match(r.stdout, /time: +quick ~\d/);
  });
});

describe('disk cache', () => {
  it('round-trips matrices, vectors and JSON with non-finite numbers bit for bit', async () => {
    const c = new DiskCache(tempDir());
    const M = new Matrix(2, 3, new Float64Array([1, 0.1 + 0.2, -0, 1e-300, Math.PI, -7]));
    const v = new Float64Array([Number.NaN, Infinity, 5e-324]);
    const j = { a: [1, Number.NaN, -Infinity], b: 'x', c: { d: null } };
    assert.equal(await c.getOrCompute(['m'], () => M), M);
    await c.getOrCompute(['v'], () => v);
    await c.getOrCompute(['j'], () => j);
    const c2 = new DiskCache(c.dir);
    const M2 = await c2.getOrCompute<Matrix>(['m'], () => assert.fail('recomputed'));
    assert.deepEqual([M2.rows, M2.cols], [2, 3]);
    assert.deepEqual(new Uint8Array(M2.data.buffer), new Uint8Array(M.data.buffer));
    const v2 = await c2.getOrCompute<Float64Array>(['v'], () => assert.fail('recomputed'));
    assert.deepEqual(new Uint8Array(v2.buffer), new Uint8Array(v.buffer));
    assert.deepEqual(await c2.getOrCompute(['j'], () => assert.fail('recomputed')), j);
    assert.deepEqual(c2.stats, { hits: 3, computed: 0 });
  });

  it('keys are canonical: object key order does not matter, content does', () => {
    assert.equal(cacheKey([{ a: 1, b: [2, 3] }]), cacheKey([{ b: [2, 3], a: 1 }]));
    assert.notEqual(cacheKey([{ a: 1 }]), cacheKey([{ a: 2 }]));
    assert.notEqual(cacheKey([new Float64Array([1, 2])]), cacheKey([new Float64Array([1, 3])]));
    assert.equal(canonicalKey({ z: undefined, y: Number.NaN }), '{"y":"$NaN"}');
  });

  it('an interrupted cache computes nothing new but still serves finished entries', async () => {
    let stop = false;
    const c = new DiskCache(tempDir(), () => stop);
    await c.getOrCompute(['done'], () => ({ ok: true }));
    stop = true;
    assert.deepEqual(await c.getOrCompute(['done'], () => assert.fail('recomputed')), { ok: true });
    await assert.rejects(
      c.getOrCompute(['new'], () => 1),
      InterruptedError,
    );
  });
});

describe('demo kernels', () => {
  it('relu-ntk at c = 1 is 2, arccos1 is 1, arora-h is 1/2; the decay fit recovers a power law', () => {
    assert.equal(demoKernel('relu-ntk', 1), 2);
    assert.equal(demoKernel('arccos1', 1), 1);
    assert.equal(demoKernel('arora-h', 1), 0.5);
    assert.ok(Math.abs(demoKernel('arccos1', 0) - 1 / Math.PI) < 1e-15);
    const v = Array.from({ length: 100 }, (_, i) => 5 * (i + 1) ** -1.7);
    const f = decayFit(v, 1, 100);
    assert.ok(Math.abs(f.alpha - 1.7) < 1e-12 && Math.abs(f.r2 - 1) < 1e-12);
  });
});
