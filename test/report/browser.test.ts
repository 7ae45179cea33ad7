/**
 * report.html in headless Chromium: renders without console errors, makes no network requests (everything is
 * inline), and a full-page screenshot is written to test-artifacts/report.png for a human to look at.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { runExperiment } from '../../src/experiments/runner.js';
import { checkReport, closeBrowser } from './browserCheck.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = '/usr/bin/chromium';

describe(
  'report.html in headless Chromium',
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` },
  () => {
    it('renders with no console errors and no network requests; screenshot in test-artifacts/report.png', async () => {
      const tmp = mkdtempSync(join(tmpdir(), 'ntk-report-'));
      const out = join(tmp, 'run');
      await runExperiment('spectrum-demo', { quick: true, outDir: out, stderr: () => {} });
      const file = join(out, 'report.html');
      const profile = join(tmp, 'profile');
      const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        viewport: { width: 1280, height: 900 },
      });
      try {
        const page = await context.newPage();
        const problems: string[] = [];
        const requests: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        page.on('request', (r) => requests.push(r.url()));
        const url = pathToFileURL(file).href;
        await page.goto(url, { waitUntil: 'load' });
        assert.deepEqual(problems, []);
        assert.deepEqual(requests, [url], 'the only request is the report file itself');
        assert.equal(await page.title(), 'NTK spectrum and label alignment on the sphere (synthetic demo)');
        assert.equal(await page.locator('section:not(.paper)').count(), 3);
        assert.equal(
          await page.locator('section.paper table.claims tbody tr').count(),
          3,
          'paper versus here: 3 claims',
        );
        assert.equal(await page.locator('figure.plot svg').count(), 5);
        assert.ok((await page.locator('table').count()) >= 3);
        // Figures really rendered: each SVG has a non-zero box.
        const boxes = await page
          .locator('figure.plot svg')
          .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
        assert.ok(
          boxes.every((w) => w > 200),
          `svg widths ${boxes.join(', ')}`,
        );
        const meta = await page.locator('dl.meta').innerText();
        assert.match(meta, /backend\s+(native|portable) \(OpenBLAS core /);
        const artifacts = join(ROOT, 'test-artifacts');
        mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });
        assert.ok(existsSync(join(artifacts, 'report.png')));
        // text inside figures, tables without scrollbars, at 1400 and 900 px (test-artifacts/reports/spectrum-demo-*.png)
        await checkReport(file, 'spectrum-demo');
      } finally {
        await context.close();
        await closeBrowser();
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  },
);
