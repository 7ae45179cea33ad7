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
import { FONT } from '../../src/report/svgBase.js';
import { textWidth } from '../../src/report/text.js';
import { CHROMIUM, CHROMIUM_ARGS, checkReport, closeBrowser } from './browserCheck.js';

// the page's DOM inside page.evaluate (this project's tsconfig has no DOM lib)
declare const document: any;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

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
        args: CHROMIUM_ARGS,
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
        // the layout's text widths (font metrics, src/report/text.ts) are the widths Chromium draws
        const samples: [string, number, boolean][] = [
          ['Label projections against NTK eigenvalues — MNIST (10 classes)', 15, true],
          ['eigenvalue λᵢ', 13, false],
          ['Σᵢ≤ₖ pᵢ (share of ‖Y‖²)', 13, false],
          ['log₁₀ (vᵢᵀr)²/‖r‖²', 11, false],
          ['−1.23×10⁻⁵', 12, false],
          ['fit: λᵢ ∝ i^−1.5 (n = 400)', 12, false],
        ];
        const measured = await page.evaluate(
          ([list, font]) =>
            list.map(([t, size, bold]) => {
              const ns = 'http://www.w3.org/2000/svg';
              const svg = document.createElementNS(ns, 'svg');
              const el = document.createElementNS(ns, 'text');
              el.setAttribute('font-family', font);
              el.setAttribute('font-size', String(size));
              if (bold) el.setAttribute('font-weight', '600');
              el.textContent = t;
              svg.appendChild(el);
              document.body.appendChild(svg);
              const w = el.getComputedTextLength();
              svg.remove();
              return w;
            }),
          [samples, FONT] as const,
        );
        samples.forEach(([t, size, bold], i) => {
          const w = textWidth(t, size, bold);
          assert.ok(
            Math.abs(measured[i] - w) <= 0.02 * w + 0.5,
            `"${t}": measured ${measured[i]} px, computed ${w} px`,
          );
        });
      } finally {
        await context.close();
        await closeBrowser();
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  },
);
