/**
 * The browser lab (web/, docs/web.md) in headless Chromium, offline: built here if needed (web/build.mjs), served by
 * `ntk serve`'s server on 127.0.0.1. On 300 shipped MNIST images the page's analytic and empirical NTK equal what
 * `ntk kernel` / `ntk empirical` write for the same inputs (to 1e-12, relative to the largest entry); its inputs are
 * the shipped bytes ÷ 255 of the rows it reports; the figures appear; no console errors; no request leaves the app's
 * origin; a drag and drop of X.npy + y.npy becomes the data; Cancel stops a running computation and the next one runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { serveApp, webAppDir } from '../../src/cli/serve.js';
import { ConfigError } from '../../src/errors.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { decodeNpy, encodeNpy, readNpy } from '../../src/io/npy.js';
import { CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM } from '../report/browserCheck.js';

// the page's globals inside page.evaluate (this project's tsconfig has no DOM lib)
declare const document: any;
declare const window: any;
declare const DataTransfer: any;
declare const File: any;
declare const DragEvent: any;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARCH = 'flatten,dense(64),relu,dense(10)';

function ntk(args: string[], cwd: string): void {
  // run from the checkout (tsx resolves there); the files are named by absolute path
  const abs = args.map((a) => (/\.npy$/.test(a) ? join(cwd, a) : a));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...abs], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `ntk ${args.join(' ')}:\n${r.stderr}`);
}

function relMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / scale;
}

describe(
  'the browser lab in headless Chromium',
  { skip: HAVE_CHROMIUM ? false : `${CHROMIUM} is not installed` },
  () => {
    let server: Server;
    let origin: string;
    let app: string;
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];
    const tmp = mkdtempSync(join(tmpdir(), 'ntk-web-'));

    before(async () => {
      const { buildWeb } = (await import(join(ROOT, 'web', 'build.mjs'))) as {
        buildWeb(o: { quiet: boolean; minify: boolean }): Promise<string>;
      };
      app = await buildWeb({ quiet: true, minify: true });
      const s = await serveApp(app, null, 0);
      server = s.server;
      origin = new URL(s.url).origin;
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => {
        if (new URL(r.url()).origin !== origin && !r.url().startsWith('blob:')) problems.push(`request: ${r.url()}`);
      });
    });
    after(async () => {
      await browser?.close();
      server?.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    const compute = async (p: Page): Promise<void> => {
      const before = await p.evaluate(() => document.body.dataset.kernels ?? '');
      await p.click('#compute');
      await p.waitForFunction(
        (b: string) =>
          (document.body.dataset.kernels ?? '') !== b || document.querySelector('#status[data-kind=error]') !== null,
        before,
        { timeout: 60_000 },
      );
      assert.notEqual(await p.getAttribute('#status', 'data-kind'), 'error', (await p.textContent('#status')) ?? '');
    };

    it('computes the analytic and empirical NTK of an MLP on 300 shipped MNIST images as the CLI does (1e-12), draws the figures', async () => {
      const hash = new URLSearchParams({ arch: ARCH, data: 'mnist:train:n=300' }).toString();
      await page.goto(`${origin}/#${hash}`);
      await page.waitForFunction(() => document.body.dataset.ready === '1');
      assert.equal(await page.inputValue('#arch'), ARCH, 'the URL state is read');
      await compute(page);
      const r = await page.evaluate(() => {
        const m = window.ntkLab.result;
        return {
          n: m.n,
          d: m.d,
          indices: Array.from(m.indices as Int32Array),
          X: Array.from(m.X as Float64Array),
          analytic: Array.from(m.analytic as Float64Array),
          empirical: Array.from(m.empirical as Float64Array),
        };
      });
      assert.equal(r.n, 300);
      assert.equal(r.d, 784);
      // the inputs: the shipped bytes of the rows the page reports, ÷ 255 (the loaders' unit scale for images)
      const shipped = decodeNpy(readFileSync(join(ROOT, 'web', 'dist', 'data', 'mnist-train-x.npy')));
      const px = shipped.data as Uint8Array;
      for (let i = 0; i < r.n; i++)
        for (let j = 0; j < 784; j += 7)
          assert.ok(Math.abs(r.X[i * 784 + j] - px[r.indices[i] * 784 + j] / 255) <= 2e-16);
      writeFileSync(join(tmp, 'X.npy'), encodeNpy(Float64Array.from(r.X), [300, 28, 28, 1], 'float64'));
      ntk(['kernel', '--arch', ARCH, '--x', 'X.npy', '--out', 'K.npy'], tmp);
      ntk(['empirical', '--arch', ARCH, '--x', 'X.npy', '--seed', '0', '--out', 'E.npy'], tmp);
      const K = readNpy(join(tmp, 'K.npy'));
      const E = readNpy(join(tmp, 'E.npy'));
      assert.deepEqual(K.shape, [300, 300]);
      const dk = relMaxDiff(r.analytic, K.data as Float64Array);
      const de = relMaxDiff(r.empirical, E.data as Float64Array);
      assert.ok(dk <= 1e-12, `analytic NTK: page vs ntk kernel, relative max difference ${dk}`);
      assert.ok(de <= 1e-12, `empirical NTK: page vs ntk empirical, relative max difference ${de}`);
      assert.ok(dk > 0 || de > 0 || r.analytic[1] !== r.empirical[1], 'two different kernels were compared');
      // the figures: kernels view (2 heatmaps + scatter), spectrum view (spectrum, projections), bound
      assert.ok((await page.locator('#kernel-plots figure.plot svg').count()) >= 3);
      await page.click('nav button[data-view=spectrum]');
      assert.ok((await page.locator('#spectrum-plots figure.plot svg').count()) >= 2);
      assert.ok((await page.locator('#bound-plots figure.plot svg').count()) >= 1);
      assert.match((await page.textContent('#spectrum-plots')) ?? '', /fitted γ: true labels -?\d/);
      // a log/linear toggle redraws the figure with the other scale
      const before = await page.locator('[data-figure=spectrum] svg').innerHTML();
      await page.click('[data-figure=spectrum] .toggle-y');
      assert.equal(await page.textContent('[data-figure=spectrum] .toggle-y'), 'y: linear');
      assert.notEqual(await page.locator('[data-figure=spectrum] svg').innerHTML(), before);
      assert.deepEqual(problems, []);
    });

    it('takes X.npy + y.npy dropped onto the page as the data (the CLI’s .npy reader), and its kernel is the CLI’s', async () => {
      const n = 40;
      const X = Float64Array.from({ length: n * 5 }, (_, i) => Math.sin(1.7 * i + 0.3));
      const y = Int32Array.from({ length: n }, (_, i) => i % 2);
      const xb = Array.from(encodeNpy(X, [n, 5], 'float64'));
      const yb = Array.from(encodeNpy(y, [n], 'int32'));
      await page.fill('#arch', 'dense(32),relu,dense(1)');
      await page.evaluate(
        ([xs, ys]: number[][]) => {
          const dt = new DataTransfer();
          dt.items.add(new File([new Uint8Array(xs)], 'X.npy'));
          dt.items.add(new File([new Uint8Array(ys)], 'y.npy'));
          window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        },
        [xb, yb],
      );
      await page.waitForFunction(() => document.querySelector('#data').value.startsWith('npy:'));
      assert.equal(await page.inputValue('#data'), 'npy:x=X.npy:y=y.npy');
      await page.click('nav button[data-view=kernels]');
      await compute(page);
      const r = await page.evaluate(() => ({
        n: window.ntkLab.result.n,
        K: Array.from(window.ntkLab.result.analytic),
      }));
      assert.equal(r.n, n);
      // the dataset pipeline scales nothing by default for a float .npy (scale=none): X as written
      writeFileSync(join(tmp, 'Xd.npy'), encodeNpy(X, [n, 5], 'float64'));
      ntk(['kernel', '--arch', 'dense(32),relu,dense(1)', '--x', 'Xd.npy', '--out', 'Kd.npy'], tmp);
      const d = relMaxDiff(r.K as number[], readNpy(join(tmp, 'Kd.npy')).data as Float64Array);
      assert.ok(d <= 1e-12, `dropped data: relative max difference ${d}`);
      assert.deepEqual(problems, []);
    });

    it('cancels a running computation (the page stays responsive) and computes again afterwards', async () => {
      await page.fill('#arch', 'flatten,dense(512),relu,dense(512),relu,dense(10)');
      await page.fill('#data', 'mnist:train:n=2000');
      await page.click('#compute');
      await page.waitForFunction(() => /NTK|eigh/.test(document.querySelector('#status').textContent));
      const t0 = Date.now();
      assert.equal(await page.evaluate(() => 1 + 1), 2, 'the page answers while the worker computes');
      assert.ok(Date.now() - t0 < 5000);
      await page.click('#cancel');
      assert.equal(await page.getAttribute('#status', 'data-kind'), 'cancelled');
      assert.equal(await page.textContent('#status'), 'cancelled');
      await page.fill('#arch', ARCH);
      await page.fill('#data', 'mnist:train:n=50');
      await compute(page);
      assert.equal(await page.evaluate(() => window.ntkLab.result.n), 50);
      assert.deepEqual(problems, []);
    });

    it('trains a network live: the train-folder figures of ntk report, then the linearized curve and bounds', async () => {
      await page.fill('#arch', 'flatten,dense(64),relu,dense(10)');
      await page.fill('#data', 'mnist:train:n=50');
      await page.fill('#steps', '20');
      await page.click('nav button[data-view=training]');
      await page.click('#train');
      await page.waitForFunction(() => document.body.dataset.trained !== undefined, null, { timeout: 60_000 });
      assert.notEqual(
        await page.getAttribute('#status', 'data-kind'),
        'error',
        (await page.textContent('#status')) ?? '',
      );
      assert.ok((await page.locator('#train-plots figure.plot svg').count()) >= 3);
      assert.equal(await page.locator('[data-figure=train-bounds] svg').count(), 1);
      assert.deepEqual(problems, []);
    });

    it('shows the CLI’s error text for a bad architecture while typing', async () => {
      await page.fill('#arch', 'dense(64),relu,dens(10)');
      const msg = (await page.textContent('#arch-error')) ?? '';
      const cli = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          join(ROOT, 'src/cli/main.ts'),
          'kernel',
          '--arch',
          'dense(64),relu,dens(10)',
          '--data',
          'mnist:train:n=5',
          '--out',
          '-',
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
      assert.equal(cli.status, 2);
      assert.ok(msg.length > 0 && cli.stderr.includes(msg), `page: ${msg}\nCLI: ${cli.stderr}`);
      assert.equal(await page.isDisabled('#compute'), true);
      assert.deepEqual(problems, []);
    });

    it('opens a run folder (ntk serve RUN_DIR): paper versus here, text, figures and tables as report.html shows them', async () => {
      const runDir = join(tmp, 'run');
      await runExperiment('label-alignment', { quick: true, outDir: runDir, stderr: () => {} });
      const rep = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as {
        paper?: { claims: unknown[] };
        sections: { tables?: unknown[] }[];
      };
      const nTables = rep.sections.reduce((a, s) => a + (s.tables?.length ?? 0), 0);
      assert.ok(rep.paper && rep.paper.claims.length > 0 && nTables > 0, 'the preset has a paper block and tables');
      const s = await serveApp(app, runDir, 0);
      const p = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const seen: string[] = [];
      p.on('console', (m) => {
        // report.html declares no icon, so Chromium may ask for /favicon.ico (a 404): not the page's doing
        if (/\/favicon\.ico$/.test(m.location().url)) return;
        if (m.type() === 'error' || m.type() === 'warning')
          seen.push(`console ${m.type()}: ${m.text()} (${m.location().url})`);
      });
      p.on('pageerror', (e) => seen.push(`pageerror: ${e.message}`));
      const runOrigin = new URL(s.url).origin;
      p.on('request', (r) => {
        if (new URL(r.url()).origin !== runOrigin) seen.push(`request: ${r.url()}`);
      });
      p.on('response', (r) => {
        if (r.status() >= 400) seen.push(`response ${r.status()}: ${r.url()}`);
      });
      // the same blocks, read the same way from the page's run view and from the run's report.html
      // (texts of the selected elements, whitespace collapsed; no named helper inside evaluate: tsx would wrap it in
      // a __name call that the page does not define)
      const blocks = (root: string) =>
        p.evaluate((r: string) => {
          const box = document.querySelector(r);
          const sels = {
            paper: 'section.paper table.claims',
            verdicts: 'section.paper .verdict',
            ref: 'section.paper p.ref',
            tables: 'figure.table:not(.paper figure.table)',
            headers: 'figure.table:not(.paper figure.table) th',
            paragraphs: 'section:not(.paper) > p',
          };
          return Object.fromEntries(
            Object.entries(sels).map(([k, sel]) => [
              k,
              [...box.querySelectorAll(sel)]
                .map((e: any) => (e.textContent ?? '').replace(/\s+/g, ' ').trim())
                .filter((t: string) => t),
            ]),
          ) as Record<keyof typeof sels, string[]>;
        }, root);
      try {
        await p.goto(s.url);
        await p.waitForSelector('#run-view figure.plot svg');
        await p.waitForFunction(
          (n: number) => document.querySelectorAll('#run-view figure.plot svg').length >= n,
          rep.sections.reduce((a, x) => a + (x as { figures: unknown[] }).figures.length, 0),
        );
        const page = await blocks('#run-view');
        await p.goto(`${runOrigin}/run/report.html`);
        const html = await blocks('main');
        assert.equal(page.verdicts.length, rep.paper.claims.length);
        assert.equal(page.tables.length, nTables);
        assert.ok(page.paper.length === 1 && page.paper[0].length > 0 && page.headers.length > 0);
        assert.deepEqual(page, html);
        assert.deepEqual(seen, []);
      } finally {
        await p.close();
        s.server.close();
      }
    });
  },
);

describe('ntk serve', () => {
  it('refuses with a ConfigError when the app is not built, and a RUN_DIR without report.json (exit 2)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'ntk-web-empty-'));
    try {
      assert.throws(
        () => webAppDir(empty),
        (e: unknown) => e instanceof ConfigError && /npm run build:web/.test(e.message),
      );
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', empty], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /has no report\.json/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
  it('serves the app and the run folder under /run/, and nothing outside them', async () => {
    const app = mkdtempSync(join(tmpdir(), 'ntk-web-app-'));
    const run = mkdtempSync(join(tmpdir(), 'ntk-web-run-'));
    writeFileSync(join(app, 'index.html'), '<!doctype html>app');
    writeFileSync(join(run, 'report.json'), '{"title":"t","sections":[]}');
    const { server, url } = await serveApp(app, run, 0);
    try {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/#run=run\/$/);
      const origin = new URL(url).origin;
      assert.equal(await (await fetch(`${origin}/`)).text(), '<!doctype html>app');
      assert.equal(((await (await fetch(`${origin}/run/report.json`)).json()) as { title: string }).title, 't');
      assert.equal((await fetch(`${origin}/../../etc/passwd`)).status, 404);
      assert.equal((await fetch(`${origin}/run/%2e%2e/%2e%2e/etc/passwd`)).status, 404);
    } finally {
      server.close();
      rmSync(app, { recursive: true, force: true });
      rmSync(run, { recursive: true, force: true });
    }
  });
});
