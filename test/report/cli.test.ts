/**
 * `ntk report` on an `ntk train` folder (report.html, figure specs, SVG/PNG/PDF) and `ntk compare` on two runs of a
 * preset (settings that differ, verdicts per run, figures side by side); checked in headless Chromium like the
 * preset reports when /usr/bin/chromium is there.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runExperiment } from '../../src/experiments/runner.js';
import { formatSig } from '../../src/report/scale.js';
import { ntk, tempDir } from '../experiments/helpers.js';
import { checkReport, closeBrowser, HAVE_CHROMIUM } from './browserCheck.js';

const dir = tempDir('ntk-report-cli-');
after(async () => {
  await closeBrowser();
  rmSync(dir, { recursive: true, force: true });
});

describe('ntk report on a training folder', () => {
  it('writes report.html and the figures as spec, SVG, PNG and PDF', async () => {
    const out = join(dir, 'train');
    const t = ntk([
      'train',
      '--arch',
      'dense(32),relu,dense(1)',
      '--data',
      'sphere:n=16:d=5:seed=1',
      '--loss',
      'mse',
      '--lr',
      'frac:0.5',
      '--steps',
      '40',
      '--quiet',
      '--out',
      out,
    ]);
    assert.equal(t.status, 0, t.stderr);
    const r = ntk(['report', out, '--png', '--pdf']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), join(out, 'report.html'));
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /<h1>Training run: dense\(32\),relu,dense\(1\)<\/h1>/);
    assert.match(html, /Loss during training/);
    for (const f of ['loss', 'drift', 'projections'])
      for (const ext of ['json', 'svg', 'png', 'pdf'])
        assert.ok(existsSync(join(out, 'figures', `${f}.${ext}`)), `${f}.${ext}`);
    // the summary table holds the final loss of metrics.jsonl's last record
    const last = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').pop() ?? '{}';
    const loss = (JSON.parse(last) as { loss: number }).loss;
    assert.ok(html.includes(`→ ${formatSig(loss)}`), `final loss ${formatSig(loss)} shown`);
    if (HAVE_CHROMIUM) await checkReport(join(out, 'report.html'), 'train-folder', { paper: false });
  });

  it('refuses a folder that is neither a run nor a training folder (exit 2, naming it)', () => {
    const r = ntk(['report', dir]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /has no config\.json; is it a run folder written by `ntk run`\?/);
  });
});

describe('ntk compare', () => {
  it('puts two runs of spectrum-demo side by side: the differing seed, verdicts per run, every figure', async () => {
    const a = join(dir, 'seed0');
    const b = join(dir, 'seed7');
    await runExperiment('spectrum-demo', { quick: true, outDir: a, stderr: () => {} });
    await runExperiment('spectrum-demo', { quick: true, outDir: b, sets: ['seed=7'], stderr: () => {} });
    const out = join(dir, 'compare.html');
    const r = ntk(['compare', a, b, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /Comparison: spectrum-demo \(2 runs\)/);
    assert.match(html, /<tr><td>seed<\/td><td class="num">|<tr><td>seed<\/td><td>0<\/td><td>7<\/td><\/tr>/);
    assert.match(html, /Paper versus here, per run/);
    assert.equal((html.match(/<figure class="plot"/g) ?? []).length, 2 * 5, 'five figures of each run');
    if (HAVE_CHROMIUM) await checkReport(out, 'compare', { paper: false });
  });

  it('refuses one folder, or runs of different presets (exit 2)', () => {
    const one = ntk(['compare', join(dir, 'seed0')]);
    assert.equal(one.status, 2);
    assert.match(one.stderr, /at least two run folders; got 1/);
    const mixed = ntk(['compare', join(dir, 'seed0'), join(dir, 'train')]);
    assert.equal(mixed.status, 2);
    assert.match(mixed.stderr, /is not a run folder written by `ntk run`/);
  });
});
