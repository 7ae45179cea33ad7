/**
 * A self-contained HTML report: one file, no scripts, no external fonts, styles or images; figures are inline SVG.
 * All text is escaped; the only raw markup inserted is SVG produced by `renderSvg`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import temml from 'temml';
import { formatSig } from './scale.js';
import { escapeXml } from './svg.js';

/**
 * Text with inline math: `$…$` segments are TeX, rendered to MathML by temml (inlined, so the report stays
 * self-contained and offline; browsers draw MathML with the system's math font); `\$` is a literal dollar sign;
 * everything else is escaped. A formula temml cannot parse is shown as its source in red, not thrown.
 */
export function richText(text: string): string {
  const out: string[] = [];
  const re = /(?<!\\)\$([^$]+?)(?<!\\)\$/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push(escapeXml(text.slice(last, m.index).replace(/\\\$/g, '$')));
    out.push(temml.renderToString(m[1], { throwOnError: false }));
    last = m.index + m[0].length;
  }
  out.push(escapeXml(text.slice(last).replace(/\\\$/g, '$')));
  return out.join('');
}

/** temml's stylesheet for system math fonts, without its @font-face (which would load a file). */
function mathCss(): string {
  try {
    const file = createRequire(import.meta.url).resolve('temml/dist/Temml-Local.css');
    return readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/@font-face\s*\{[^}]*\}/g, '')
      .replace(/\s*\n\s*/g, ' ');
  } catch {
    return '';
  }
}

export type Cell = string | number | null;

export interface ReportTable {
  readonly title?: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** A line under the table (units, how numbers were computed). */
  readonly note?: string;
}

export interface ReportFigure {
  readonly name: string;
  /** SVG markup from `renderSvg`. */
  readonly svg: string;
  readonly caption?: string;
}

export interface ReportSection {
  readonly title: string;
  /** Plain-language reading of the result; blank lines separate paragraphs. */
  readonly text?: string;
  readonly figures: readonly ReportFigure[];
  readonly tables: readonly ReportTable[];
}

/** A computed verdict on one of the paper's claims. */
export type Verdict = 'reproduced' | 'not reproduced' | 'inconclusive';

/** One claim of the paper set beside this run's measurement. */
export interface ReportClaim {
  /** The claim, in a sentence. */
  readonly claim: string;
  /** What the paper reports (its number or figure where known) and where: "Fig. 1: γ ≈ 1 on MNIST (§4)". */
  readonly paper: string;
  /** What this run measured, with numbers. */
  readonly here: string;
  readonly verdict: Verdict;
  /** The criterion the verdict was computed with, filled in ("γ_true − γ_random = 0.9 > 0.2 in 4 of 4 kernels"). */
  readonly why: string;
}

/** The "paper versus here" block: the reference, how far this run is from the paper's setting, and the claims. */
export interface PaperVsHere {
  /** Full reference of the paper(s). */
  readonly reference: string;
  /** This run's setting against the paper's (sizes, widths, steps); quick mode says how far it is. */
  readonly setting: string;
  readonly claims: readonly ReportClaim[];
  /** What to look for in the figures below (the guidance that used to live only in docs/presets.md). */
  readonly lookFor?: string;
}

export interface ReportInput {
  readonly title: string;
  readonly subtitle?: string;
  /** Key–value run metadata shown under the title (version, seed, backend, OpenBLAS core, …). */
  readonly meta: readonly (readonly [string, string])[];
  /** A banner for runs that did not finish. */
  readonly status?: string;
  readonly sections: readonly ReportSection[];
  /** Paper versus here, shown first. */
  readonly paper?: PaperVsHere;
  /** The resolved config, shown as pretty JSON at the end. */
  readonly config: unknown;
}

/** A table cell as text: numbers by the reports' one rule (3 significant figures, formatSig), null as an en dash. */
export function formatCell(v: Cell): string {
  if (v === null) return '–';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return v.toString().replace(/^-/, '−');
  return formatSig(v, 3);
}

function slug(s: string, used: Set<string>): string {
  const base =
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'section';
  let id = base;
  for (let k = 2; used.has(id); k++) id = `${base}-${k}`;
  used.add(id);
  return id;
}

/** Text as paragraphs (blank lines separate them) with inline math: a section's reading, as the report shows it. */
export function paragraphsHtml(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => `<p>${richText(p)}</p>`)
    .join('\n');
}

/** One report table as HTML (the report's and the browser lab's run-folder view). */
export function tableHtml(t: ReportTable): string {
  const head = t.columns.map((c) => `<th>${escapeXml(c)}</th>`).join('');
  const body = t.rows
    .map(
      (r) =>
        `<tr>${r.map((c) => `<td${typeof c === 'number' ? ' class="num"' : ''}>${typeof c === 'string' ? richText(c) : escapeXml(formatCell(c))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return [
    '<figure class="table">',
    t.title ? `<figcaption>${richText(t.title)}</figcaption>` : '',
    `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`,
    t.note ? `<p class="note">${richText(t.note)}</p>` : '',
    '</figure>',
  ]
    .filter((s) => s)
    .join('\n');
}

const VERDICT_CLASS: Record<Verdict, string> = {
  reproduced: 'ok',
  'not reproduced': 'bad',
  inconclusive: 'unsure',
};

/**
 * The paper-versus-here section: reference, setting, one row per claim with its verdict, what to look for (the
 * report's and the browser lab's run-folder view).
 */
export function paperHtml(p: PaperVsHere, id: string): string {
  const counts = (['reproduced', 'not reproduced', 'inconclusive'] as const)
    .map((v) => [v, p.claims.filter((c) => c.verdict === v).length] as const)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${v}`)
    .join(', ');
  const rows = p.claims
    .map(
      (c) =>
        `<tr><td>${richText(c.claim)}</td><td>${richText(c.paper)}</td><td>${richText(c.here)}</td>` +
        `<td><span class="verdict ${VERDICT_CLASS[c.verdict]}">${escapeXml(c.verdict)}</span><div class="why">${richText(c.why)}</div></td></tr>`,
    )
    .join('\n');
  return [
    `<section id="${id}" class="paper">`,
    '<h2>Paper versus here</h2>',
    `<p class="ref">${richText(p.reference)}</p>`,
    `<p>${richText(p.setting)}</p>`,
    `<p class="tally">${escapeXml(`${p.claims.length} claim${p.claims.length === 1 ? '' : 's'}: ${counts || 'none'}.`)}</p>`,
    '<figure class="table">',
    `<table class="claims"><thead><tr><th>claim</th><th>paper</th><th>here</th><th>verdict</th></tr></thead><tbody>\n${rows}\n</tbody></table>`,
    '</figure>',
    p.lookFor ? `<p class="look"><strong>Look for:</strong> ${richText(p.lookFor)}</p>` : '',
    '</section>',
  ]
    .filter((x) => x)
    .join('\n');
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #1f2328; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Noto Sans", sans-serif; }
main { max-width: 1360px; margin: 0 auto; padding: 28px 24px 64px; }
header h1 { font-size: 26px; margin: 0 0 4px; line-height: 1.25; }
header .subtitle { color: #59636e; margin: 0 0 16px; }
dl.meta { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 16px; margin: 0; padding: 12px 16px; background: #fff; border: 1px solid #d8dee4; border-radius: 8px; font-size: 13.5px; }
dl.meta dt { color: #59636e; }
dl.meta dd { margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; overflow-wrap: anywhere; }
.status { margin: 16px 0 0; padding: 10px 14px; border-radius: 8px; background: #fff8c5; border: 1px solid #d4a72c; }
nav.toc { margin: 16px 0 0; font-size: 14px; }
nav.toc a { color: #0550ae; margin-right: 14px; text-decoration: none; display: inline-block; }
section { margin-top: 28px; padding: 20px 24px; background: #fff; border: 1px solid #d8dee4; border-radius: 10px; }
section h2 { font-size: 19px; margin: 0 0 10px; }
section p { margin: 0 0 10px; max-width: 80ch; }
section.paper { border-left: 4px solid #0969da; }
section.paper p.ref { color: #59636e; font-size: 13.5px; }
.verdict { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12.5px; white-space: nowrap; }
.verdict.ok { background: #dafbe1; color: #116329; }
.verdict.bad { background: #ffebe9; color: #a40e26; }
.verdict.unsure { background: #fff8c5; color: #7d4e00; }
.why { font-size: 12px; color: #59636e; margin-top: 3px; }
table.claims td:first-child { font-weight: 600; }
table.claims td { width: 25%; }
.figures { display: flex; flex-wrap: wrap; gap: 18px; margin: 14px 0 4px; align-items: flex-start; }
figure { margin: 0; }
figure.plot { flex: 0 1 auto; max-width: 100%; }
figure.plot svg { display: block; width: 100%; height: auto; border: 1px solid #eaeef2; border-radius: 6px; }
figcaption { font-size: 13px; color: #59636e; margin: 6px 2px 0; }
figure.table { margin: 16px 0 0; }
figure.table figcaption { margin: 0 0 6px; font-weight: 600; color: #1f2328; }
table { border-collapse: collapse; font-size: 13.5px; width: 100%; }
th, td { padding: 5px 10px; border-bottom: 1px solid #e6e8eb; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: #f6f8fa; font-weight: 600; overflow-wrap: anywhere; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) td { background: #fafbfc; }
p.note { font-size: 12.5px; color: #59636e; margin: 6px 0 0; }
details { margin-top: 28px; background: #fff; border: 1px solid #d8dee4; border-radius: 10px; padding: 12px 20px; }
summary { cursor: pointer; font-weight: 600; }
pre { font: 12.5px/1.45 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap; overflow-wrap: anywhere; margin: 10px 0 0; }
footer { margin-top: 24px; font-size: 12.5px; color: #59636e; }
math { font-size: 1.05em; }
@media (max-width: 1000px) { main { padding: 20px 12px 48px; } section { padding: 16px 14px; } th, td { padding: 4px 5px; font-size: 12px; overflow-wrap: anywhere; } }
@media print { body { background: #fff; } section { break-inside: auto; border: none; } figure.plot, tr { break-inside: avoid; } details { display: none; } }
`;

/** A figure's width attribute as its natural CSS width (it shrinks below that with the page, never grows). */
function naturalWidth(svg: string): string {
  const w = /^\s*<svg[^>]*?\swidth="(\d+(?:\.\d+)?)"/.exec(svg)?.[1];
  return w ? ` style="width: ${w}px"` : '';
}

/** The complete HTML document for a report. */
export function renderHtml(r: ReportInput): string {
  const used = new Set<string>();
  const paperId = r.paper ? slug('paper versus here', used) : '';
  const ids = r.sections.map((s) => slug(s.title, used));
  const meta = r.meta.map(([k, v]) => `<dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd>`).join('\n');
  const links = [
    ...(r.paper ? [`<a href="#${paperId}">Paper versus here</a>`] : []),
    ...r.sections.map((s, i) => `<a href="#${ids[i]}">${escapeXml(s.title)}</a>`),
  ];
  const toc = links.length > 1 ? `<nav class="toc">${links.join('')}</nav>` : '';
  const sections = r.sections
    .map((s, i) => {
      const figs = s.figures.length
        ? `<div class="figures">\n${s.figures
            .map(
              (f) =>
                `<figure class="plot" id="fig-${escapeXml(f.name)}"${naturalWidth(f.svg)}>\n${f.svg.trim()}\n${f.caption ? `<figcaption>${richText(f.caption)}</figcaption>` : ''}</figure>`,
            )
            .join('\n')}\n</div>`
        : '';
      return [
        `<section id="${ids[i]}">`,
        `<h2>${escapeXml(s.title)}</h2>`,
        s.text ? paragraphsHtml(s.text) : '',
        figs,
        ...s.tables.map(tableHtml),
        '</section>',
      ]
        .filter((x) => x)
        .join('\n');
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(r.title)}</title>
<style>${CSS}${mathCss()}</style>
</head>
<body>
<main>
<header>
<h1>${escapeXml(r.title)}</h1>
${r.subtitle ? `<p class="subtitle">${escapeXml(r.subtitle)}</p>` : ''}
<dl class="meta">
${meta}
</dl>
${r.status ? `<p class="status">${escapeXml(r.status)}</p>` : ''}
${toc}
</header>
${r.paper ? paperHtml(r.paper, paperId) : ''}
${sections}
<details>
<summary>Resolved configuration</summary>
<pre>${escapeXml(JSON.stringify(r.config, null, 2) ?? 'null')}</pre>
</details>
<footer>Generated by ntk-lab. This file is self-contained: it loads nothing from the network.</footer>
</main>
</body>
</html>
`;
}
