/**
 * The browser lab in headless Chromium (docs/web.md): time to the first interactive view, analytic + empirical NTK
 * + eigh at n = 500, 200 training steps of a 784-256-10 MLP on 500 images with live plots, the bundle size; medians
 * of `--repeat` runs (default 3). `--screenshots DIR` also writes one PNG per view (docs/img/web-*.png).
 *   npx tsx bench/web/run.ts [--repeat N] [--screenshots docs/img] [--steps 200]
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import { serveApp } from '../../src/cli/serve.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../../test/report/browserCheck.js';
import { median } from '../../src/util/stats.js';

declare const document: any;
declare const window: any;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const opt = (k: string): string | undefined => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : undefined);
const repeat = Number(opt('--repeat') ?? 3);
const shots = opt('--screenshots');
/** GD steps of the network-only run (200: the measured case; fewer for a quick screenshot run) */
const steps = Number(opt('--steps') ?? 200);

const { buildWeb } = (await import(join(ROOT, 'web', 'build.mjs'))) as {
  buildWeb(o: { quiet: boolean; minify: boolean }): Promise<string>;
};
const app = await buildWeb({ quiet: true, minify: true });
// a quick run folder to open in the run-folder view
const runDir = join(mkdtempSync(join(tmpdir(), 'ntk-web-bench-')), 'run');
await runExperiment('label-alignment', { quick: true, outDir: runDir, stderr: () => {} });
const { server, url } = await serveApp(app, runDir, 0);
const origin = new URL(url).origin;
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });

async function open(hash: Record<string, string>): Promise<{ page: Page; ms: number }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  const t0 = performance.now();
  await page.goto(`${origin}/#${new URLSearchParams(hash).toString()}`);
  await page.waitForFunction(() => document.body.dataset.ready === '1');
  return { page, ms: performance.now() - t0 };
}

async function waitFor(page: Page, key: 'kernels' | 'trained', prev: string): Promise<void> {
  await page.waitForFunction(
    ([k, p]: string[]) =>
      (document.body.dataset[k] ?? '') !== p || document.querySelector('#status[data-kind=error]') !== null,
    [key, prev],
    { timeout: 300_000 },
  );
  if ((await page.getAttribute('#status', 'data-kind')) === 'error')
    throw new Error((await page.textContent('#status')) ?? '');
}

const ready: number[] = [];
const kernels: number[] = [];
const stages: Record<string, number[]> = {};
const training: number[] = [];
const trainingLin: number[] = [];
const ARCH = 'flatten,dense(256),relu,dense(10)';
for (let r = 0; r < repeat; r++) {
  const { page, ms } = await open({ arch: ARCH, data: 'mnist:train:n=500' });
  ready.push(ms);
  await page.click('#compute');
  await waitFor(page, 'kernels', '');
  const k = await page.evaluate(() => ({ ms: window.ntkLab.ms, t: window.ntkLab.result.timings }));
  kernels.push(k.ms);
  for (const [s, v] of Object.entries(k.t as Record<string, number>)) (stages[s] ??= []).push(v);
  if (shots && r === 0) {
    await page.screenshot({ path: join(shots, 'web-kernels.png') });
    await page.click('nav button[data-view=spectrum]');
    await page.screenshot({ path: join(shots, 'web-spectrum.png'), fullPage: true });
  }
  await page.click('nav button[data-view=training]');
  // 200 steps of the network alone, then 20 with the linearized model trained beside it
  await page.fill('#steps', String(steps));
  await page.uncheck('#linearized');
  await page.click('#train');
  await waitFor(page, 'trained', '');
  training.push(await page.evaluate(() => window.ntkTrain.workerMs));
  await page.fill('#steps', '20');
  await page.check('#linearized');
  const prev = await page.evaluate(() => document.body.dataset.trained);
  await page.click('#train');
  await waitFor(page, 'trained', prev);
  trainingLin.push(await page.evaluate(() => window.ntkTrain.workerMs));
  if (shots && r === 0) await page.screenshot({ path: join(shots, 'web-training.png'), fullPage: true });
  await page.close();
}
if (shots) {
  const { page } = await open({ arch: 'dense(64),relu,dens(10)', data: 'mnist:train:n=300' });
  await page.screenshot({ path: join(shots, 'web-editor.png'), clip: { x: 0, y: 0, width: 400, height: 520 } });
  await page.close();
  const run = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await run.goto(url);
  await run.waitForSelector('#run-view figure.plot svg');
  await run.screenshot({ path: join(shots, 'web-run.png') });
  await run.close();
}
await browser.close();
server.close();

const size = (f: string): string => {
  const b = readFileSync(join(app, f));
  return `${(statSync(join(app, f)).size / 1024).toFixed(0)} KiB (${(gzipSync(b).length / 1024).toFixed(0)} KiB gzipped)`;
};
const s = (v: number[]): string => `${(median(v) / 1000).toFixed(2)} s`;
console.log(`| measure (headless Chromium, median of ${repeat}) | time |`);
console.log('|---|---|');
console.log(`| first interactive view (load → controls ready) | ${s(ready)} |`);
console.log(`| n = 500: analytic + empirical NTK + 2 × eigh, ${ARCH} (click → figures) | ${s(kernels)} |`);
for (const [k, v] of Object.entries(stages)) console.log(`| … ${k} | ${s(v)} |`);
console.log(`| ${steps} GD steps of 784-256-10 on 500 images (MSE, live plots), network only | ${s(training)} |`);
console.log(`| 20 GD steps, the same with the linearized model beside it | ${s(trainingLin)} |`);
console.log(`| bundle: app.js | ${size('app.js')} |`);
console.log(`| bundle: worker.js | ${size('worker.js')} |`);
