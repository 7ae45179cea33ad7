/**
 * One preset end to end in quick mode for presets.test.ts and presets-more.test.ts (split so that each file stays
 * inside the runner's 5-minute limit on a loaded machine): the run folder's structure, no NaN in the report, the
 * paper-versus-here block, and the report in headless Chromium (test/report/browserCheck.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExperiment } from '../../src/experiments/runner.js';
import { checkReport, HAVE_CHROMIUM } from '../report/browserCheck.js';
import { tempDir } from './helpers.js';

export const readJson = (p: string): unknown => JSON.parse(readFileSync(p, 'utf8'));

export async function quickRun(preset: string): Promise<string> {
  const out = join(tempDir('ntk-preset-'), preset);
  const s = await runExperiment(preset, { quick: true, outDir: out, stderr: () => {} });
  assert.equal(s.status, 'complete');
  assert.ok(existsSync(join(out, 'report.html')), 'report.html written');
  assert.ok(s.figures.length > 0, 'figures written');
  for (const f of s.figures) assert.ok(existsSync(join(out, 'figures', `${f}.svg`)), `figure ${f}.svg`);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.ok(!/NaN/.test(readFileSync(join(out, 'report.json'), 'utf8').replace(/"NaN"/g, '')), 'no NaN in report');
  assert.ok(html.includes('<svg'), 'report has inline SVG');
  assert.ok(html.includes('<section id="paper-versus-here" class="paper">'), 'paper-versus-here block');
  assert.ok(!/As expected/.test(html), 'no fixed "as expected" sentences');
  // In headless Chromium at 1400 and 900 px: no text outside its figure, no table scrollbar, no console errors,
  // no network, claims shown; screenshots in test-artifacts/reports/ (test/report/browserCheck.ts).
  if (HAVE_CHROMIUM) await checkReport(join(out, 'report.html'), preset);
  return out;
}
