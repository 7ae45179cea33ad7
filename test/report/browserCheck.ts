/**
 * A report.html checked in headless Chromium (/usr/bin/chromium through playwright-core) at 1400 px and 900 px:
 * no console errors or warnings, no request but the file itself (no network), every SVG text element's box inside
 * its figure's box, no table (or the page) wider than its box (no horizontal scrollbar), a paper-versus-here block.
 * Full-page screenshots go to test-artifacts/reports/<name>-<width>.png. One browser serves every check of a test
 * file (`closeBrowser` in an `after` hook).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Headless, and no background connections (this machine's closed network refuses them, many at a time). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'reports');

// the page's DOM inside page.evaluate (this project's tsconfig has no DOM lib)
declare const document: any;

let context: Promise<BrowserContext> | null = null;

function browser(): Promise<BrowserContext> {
  context ??= chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ntk-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  return context;
}

export async function closeBrowser(): Promise<void> {
  if (context) await (await context).close();
  context = null;
}

/** What one page showed: the problems found (empty when it passes), and counts for further checks. */
export interface PageReport {
  readonly problems: string[];
  readonly figures: number;
  readonly texts: number;
  readonly tables: number;
  readonly claims: number;
}

/** Check `file` at each width; assert no problems; screenshots as test-artifacts/reports/<name>-<width>.png. */
export async function checkReport(
  file: string,
  name: string,
  opts: { widths?: number[]; paper?: boolean } = {},
): Promise<PageReport[]> {
  const widths = opts.widths ?? [1400, 900];
  const ctx = await browser();
  const out: PageReport[] = [];
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const width of widths) {
    const page = await ctx.newPage();
    try {
      await page.setViewportSize({ width, height: 900 });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load' });
      for (const r of requests) if (r !== url) problems.push(`network request: ${r}`);
      const r = await page.evaluate(() => {
        const bad: string[] = [];
        const svgs: any[] = [...document.querySelectorAll('figure.plot svg')];
        let texts = 0;
        for (const svg of svgs) {
          const box = svg.getBoundingClientRect();
          const fig = svg.closest('figure')?.id ?? '?';
          for (const t of svg.querySelectorAll('text')) {
            texts++;
            const b = t.getBoundingClientRect();
            if (b.width === 0 && b.height === 0) continue;
            const tol = 0.5;
            if (
              b.left < box.left - tol ||
              b.right > box.right + tol ||
              b.top < box.top - tol ||
              b.bottom > box.bottom + tol
            )
              bad.push(
                `${fig}: text "${t.textContent}" [${b.left.toFixed(1)}, ${b.right.toFixed(1)}]×[${b.top.toFixed(1)}, ${b.bottom.toFixed(1)}] leaves its figure [${box.left.toFixed(1)}, ${box.right.toFixed(1)}]×[${box.top.toFixed(1)}, ${box.bottom.toFixed(1)}]`,
              );
          }
        }
        for (const t of document.querySelectorAll('table')) {
          const holder = t.parentElement ?? t;
          if (t.scrollWidth > holder.clientWidth + 1 || holder.scrollWidth > holder.clientWidth + 1)
            bad.push(
              `table "${t.querySelector('th')?.textContent}" is ${t.scrollWidth} px wide in a ${holder.clientWidth} px box`,
            );
        }
        const doc = document.documentElement;
        if (doc.scrollWidth > doc.clientWidth + 1)
          bad.push(`the page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
        return {
          bad,
          figures: svgs.length,
          texts,
          tables: document.querySelectorAll('table').length,
          claims: document.querySelectorAll('section.paper table.claims tbody tr').length,
        };
      });
      problems.push(...r.bad);
      if (opts.paper !== false && r.claims === 0)
        problems.push('no paper-versus-here block (section.paper with claims)');
      await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
      out.push({ problems, figures: r.figures, texts: r.texts, tables: r.tables, claims: r.claims });
      assert.deepEqual(problems, [], `${name} at ${width} px`);
    } finally {
      await page.close();
    }
  }
  return out;
}
