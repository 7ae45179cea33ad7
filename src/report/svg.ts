/**
 * Render a figure spec to a standalone SVG string. Output is deterministic: coordinates are rounded to 2 decimals,
 * element order follows the spec, and ids (clip paths) derive from a hash of the spec, so the same spec always gives
 * the same bytes (snapshot-testable) and two figures inlined in one HTML page do not share ids.
 *
 * This file lays a plot out and assembles it; the parts are by concern: axes.ts (domains, ticks, grid, axis lines
 * and titles), marks.ts (the data marks), legend.ts, colormap.ts (heatmap colors, color bar), svgBase.ts (palette,
 * number and text formatting).
 */
import { axisLines, dataExtents, gridLines, heatTicks, resolveDomain, ticksFor } from './axes.js';
import { colorBar, colorBarTicks } from './colormap.js';
import type { FacetSpec, FigureSpec, HeatmapMark, PlotSpec, ScaleType } from './figure.js';
import { layoutLegend, type LegendItem, legendItems, legendLines, type LegendPlacement } from './legend.js';
import { countPoints, renderMark } from './marks.js';
import { makeScale, type Scale, type Tick } from './scale.js';
import { type Box, escapeXml, FONT, MUTED, r2, TEXT } from './svgBase.js';
import { fitText, textWidth, wrapText } from './text.js';
import { checkFigureSpec } from './validate.js';

export { escapeXml, r2 } from './svgBase.js';

/** FNV-1a over a string, as 8 hex digits. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

function specKey(spec: FigureSpec): string {
  return JSON.stringify(spec, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v));
}

interface Domains {
  readonly xType: ScaleType;
  readonly yType: ScaleType;
  readonly xDom: [number, number];
  readonly yDom: [number, number];
  readonly xInt: boolean;
  readonly yInt: boolean;
}

/** Axis types and domains: from the axis specs, or the data's extents (exact for a heatmap, else nice). */
function plotDomains(spec: PlotSpec, heat: HeatmapMark | undefined): Domains {
  const ext = dataExtents(spec);
  const exact = heat !== undefined;
  const xType = spec.x?.type ?? 'linear';
  const yType = spec.y?.type ?? 'linear';
  const xDom = resolveDomain(spec.x, ext.x, exact);
  const yDom = resolveDomain(spec.y, ext.y, exact);
  return { xType, yType, xDom, yDom, xInt: ext.x.integer ?? false, yInt: ext.y.integer ?? false };
}

/** Line heights of the title (15 px bold) and subtitle (12 px) rows. */
const TITLE_LINE = 19;
const SUBTITLE_LINE = 15;

interface Layout {
  readonly left: number;
  readonly titles: string[];
  readonly subtitles: string[];
  readonly legendTop: number;
  readonly legend: LegendPlacement[];
  /** The color bar's label (fitted), drawn on its own line above the plot area. */
  readonly barLabel: string;
  /** The plot area. */
  readonly box: Box;
}

const maxWidth = (ts: readonly Tick[], size: number): number =>
  ts.reduce((m, t) => Math.max(m, textWidth(t.label, size)), 0);

/**
 * The w×h plot at (ox, oy): margins measured from the text they hold (font metrics, text.ts) — the title and
 * subtitle (wrapped to the width) and legend rows above, the y tick labels and the axis title left, the x tick
 * labels and axis title below (plus a line for the skipped-points note), the color bar and its tick labels right of
 * a heatmap, with the last x tick label's overhang.
 */
function plotLayout(
  spec: PlotSpec,
  heat: HeatmapMark | undefined,
  items: LegendItem[],
  ticks: { x: Tick[]; y: Tick[]; bar: Tick[] },
  ox: number,
  oy: number,
  w: number,
  h: number,
  noteLine: boolean,
): Layout {
  const yTickW = maxWidth(ticks.y, 12);
  const left = Math.ceil(Math.max(40, yTickW + 14 + (spec.y?.label ? 24 : 6)));
  const lastX = ticks.x.filter((t) => t.label).pop();
  const overhang = lastX ? textWidth(lastX.label, 12) / 2 + 4 : 0;
  const barW = heat ? 14 + 12 + 6 + maxWidth(ticks.bar, 10.5) + 6 : 0;
  const right = Math.ceil(Math.max(18, heat ? barW : overhang));
  const textW = Math.max(40, w - left - 8);
  const titles = spec.title ? wrapText(spec.title, 15, textW, true).map((l) => fitText(l, 15, textW, true)) : [];
  const subtitles = spec.subtitle ? wrapText(spec.subtitle, 12, textW).map((l) => fitText(l, 12, textW)) : [];
  let top = 10 + titles.length * TITLE_LINE + subtitles.length * SUBTITLE_LINE;
  const legend = items.length ? layoutLegend(items, w - left - right) : [];
  const nLegendRows = legend.length ? legend[legend.length - 1].row + 1 : 0;
  const legendTop = top + 2;
  top += nLegendRows * 18 + (nLegendRows ? 6 : 4);
  const barLabel = heat?.label ? fitText(heat.label, 11, w - left - 6) : '';
  if (barLabel) top += 16;
  let bottom = 46;
  const plotW = Math.max(10, w - left - right);
  if (noteLine) bottom += 14;
  const plotH = Math.max(10, h - top - bottom);
  return {
    left,
    titles,
    subtitles,
    legendTop,
    legend,
    barLabel,
    box: { x0: ox + left, y0: oy + top, plotW, plotH },
  };
}

/** Title and subtitle lines, left-aligned at x, below the plot's top edge oy. */
function titleLines(titles: readonly string[], subtitles: readonly string[], x: number, oy: number): string[] {
  const out: string[] = [];
  let ty = oy + 10;
  for (const t of titles) {
    ty += 14;
    out.push(`<text x="${r2(x)}" y="${r2(ty)}" font-size="15" font-weight="600" fill="${TEXT}">${escapeXml(t)}</text>`);
    ty += TITLE_LINE - 14;
  }
  for (const t of subtitles) {
    ty += 12;
    out.push(`<text x="${r2(x)}" y="${r2(ty)}" font-size="12" fill="${MUTED}">${escapeXml(t)}</text>`);
    ty += SUBTITLE_LINE - 12;
  }
  return out;
}

/** Appends the marks to `out`, clipped to the plot area (id: the clip path's). */
function pushClippedMarks(out: string[], spec: PlotSpec, xs: Scale, ys: Scale, box: Box, id: string): void {
  const { x0, y0, plotW, plotH } = box;
  // The clip area extends a few px beyond the plot so that dots and line caps on the domain edge are not cut.
  const pad = 5;
  out.push(
    `<clipPath id="${id}"><rect x="${r2(x0 - pad)}" y="${r2(y0 - pad)}" width="${r2(plotW + 2 * pad)}" height="${r2(plotH + 2 * pad)}"/></clipPath>`,
  );
  out.push(`<g clip-path="url(#${id})">`);
  spec.marks.forEach((m, i) => {
    out.push(...renderMark(m, i, xs, ys, box));
  });
  out.push('</g>');
}

/** "no data" over an empty plot; the note line under a plot with points not drawn (bottom edge oy + h). */
function plotNotes(
  spec: PlotSpec,
  heat: HeatmapMark | undefined,
  points: { skipped: number; total: number },
  logAxis: boolean,
  box: Box,
  bottomEdge: number,
): string[] {
  const { x0, y0, plotW, plotH } = box;
  const { skipped, total } = points;
  const out: string[] = [];
  if (total === 0 && !heat && !spec.marks.some((m) => m.type === 'rule' || m.type === 'text')) {
    out.push(
      `<text x="${r2(x0 + plotW / 2)}" y="${r2(y0 + plotH / 2)}" text-anchor="middle" font-size="13" fill="${MUTED}">no data</text>`,
    );
  }
  if (skipped > 0) {
    out.push(
      `<text class="note" x="${r2(x0)}" y="${r2(bottomEdge)}" font-size="10.5" fill="${MUTED}">${skipped} of ${total} points not drawn (NaN/±∞${logAxis ? ', or ≤ 0 on a log axis' : ''})</text>`,
    );
  }
  return out;
}

/** Render one plot into a group at (ox, oy) of size w×h. Returns SVG elements. */
function renderPlot(
  spec: PlotSpec,
  ox: number,
  oy: number,
  w: number,
  h: number,
  id: string,
  shared?: { xDom?: [number, number]; yDom?: [number, number]; noLegend?: boolean },
): string[] {
  const heat = spec.marks.find((m): m is HeatmapMark => m.type === 'heatmap');
  const items = spec.legend === false || shared?.noLegend ? [] : legendItems(spec);
  const d = plotDomains(spec, heat);
  const { xType, yType } = d;
  const xDom = shared?.xDom ?? d.xDom;
  const yDom = shared?.yDom ?? d.yDom;
  const yReverse = spec.y?.reverse ?? heat !== undefined;
  const xReverse = spec.x?.reverse ?? false;
  // Count skipped points first (the note takes a line at the bottom).
  const xValid = makeScale(xType, xDom, [0, 1]).valid;
  const yValid = makeScale(yType, yDom, [0, 1]).valid;
  const points = countPoints(spec.marks, xValid, yValid);
  const xt = heat && !spec.x?.domain ? heatTicks(heat.cols, heat.colValues) : ticksFor(spec.x, xDom, d.xInt);
  const yt = heat && !spec.y?.domain ? heatTicks(heat.rows, heat.rowValues) : ticksFor(spec.y, yDom, d.yInt);
  const bar = heat ? colorBarTicks(heat) : [];
  const L = plotLayout(spec, heat, items, { x: xt, y: yt, bar }, ox, oy, w, h, points.skipped > 0);
  const { box } = L;
  const { x0, y0, plotW, plotH } = box;
  const xs = makeScale(xType, xDom, xReverse ? [x0 + plotW, x0] : [x0, x0 + plotW]);
  const ys = makeScale(yType, yDom, yReverse ? [y0, y0 + plotH] : [y0 + plotH, y0]);

  const out = [
    ...titleLines(L.titles, L.subtitles, ox + L.left, oy),
    ...legendLines(L.legend, ox + L.left, oy + L.legendTop),
  ];
  if (spec.grid ?? heat === undefined) out.push(...gridLines(xt, yt, xs, ys, box));
  pushClippedMarks(out, spec, xs, ys, box, id);
  out.push(...axisLines(spec, xt, yt, xs, ys, box, ox, ox + w));
  if (heat) out.push(...colorBar(heat, bar, x0 + plotW + 14, y0, plotH, L.barLabel, ox + w - 6));
  out.push(...plotNotes(spec, heat, points, xType === 'log' || yType === 'log', box, oy + h - 6));
  return out;
}

/** Rows × columns for n panels with at most `columns` per row, rows balanced (4 → 2 × 2, 5 → 3 + 2). */
export function facetGrid(n: number, columns: number): { rows: number; cols: number } {
  const c0 = Math.min(columns, Math.max(1, n));
  if (n === 0) return { rows: 0, cols: c0 };
  const rows = Math.ceil(n / c0);
  return { rows, cols: Math.ceil(n / rows) };
}

/** The union of the panels' nice domains on one axis (for shareX / shareY); undefined if the types differ. */
function sharedDomain(panels: readonly PlotSpec[], axis: 'x' | 'y'): [number, number] | undefined {
  const type = panels[0]?.[axis]?.type ?? 'linear';
  if (panels.some((p) => (p[axis]?.type ?? 'linear') !== type || p.marks.some((m) => m.type === 'heatmap')))
    return undefined;
  const ext = { lo: Infinity, hi: -Infinity };
  for (const p of panels) {
    const e = dataExtents(p)[axis];
    const fixed = p[axis]?.domain;
    ext.lo = Math.min(ext.lo, fixed ? Math.min(...fixed) : e.lo);
    ext.hi = Math.max(ext.hi, fixed ? Math.max(...fixed) : e.hi);
  }
  if (!(ext.lo <= ext.hi)) return undefined;
  return resolveDomain(panels[0][axis], ext, false);
}

/**
 * Render a figure spec (one plot, or a grid of facets) as a standalone SVG document string. The spec is checked
 * first (`checkFigureSpec`, validate.ts): an InvalidArgumentError names the field (`spec.marks[0].y`).
 */
export function renderSvg(spec: FigureSpec): string {
  checkFigureSpec(spec);
  const id = `f${hash(specKey(spec))}`;
  let width: number;
  let height: number;
  const body: string[] = [];
  if (spec.type === 'facets') {
    const f: FacetSpec = spec;
    const pw = Math.max(...f.panels.map((p) => p.width ?? 420), 100);
    const ph = Math.max(...f.panels.map((p) => p.height ?? 320), 100);
    const { rows, cols } = facetGrid(f.panels.length, f.columns);
    width = cols * pw;
    const textW = width - 24;
    const titles = f.title ? wrapText(f.title, 15, textW, true).map((l) => fitText(l, 15, textW, true)) : [];
    const subtitles = f.subtitle ? wrapText(f.subtitle, 11.5, textW).map((l) => fitText(l, 11.5, textW)) : [];
    let head = titles.length || subtitles.length ? 10 : 0;
    for (const t of titles) {
      head += 14;
      body.push(`<text x="12" y="${r2(head)}" font-size="15" font-weight="600" fill="${TEXT}">${escapeXml(t)}</text>`);
      head += 5;
    }
    for (const t of subtitles) {
      head += 12;
      body.push(`<text x="12" y="${r2(head)}" font-size="11.5" fill="${MUTED}">${escapeXml(t)}</text>`);
      head += 3;
    }
    // one legend for the grid when every panel's legend is the same
    const legends = f.panels.map((p) => (p.legend === false ? [] : legendItems(p)));
    const same = legends.every((l) => JSON.stringify(l) === JSON.stringify(legends[0]));
    const sharedLegend = f.panels.length > 1 && same && legends[0].length > 0;
    if (sharedLegend) {
      const placed = layoutLegend(legends[0], width - 24);
      body.push(...legendLines(placed, 12, head + 6));
      head += 6 + (placed[placed.length - 1].row + 1) * 18;
    }
    if (head > 0) head += 6;
    height = head + rows * ph;
    const xDom = f.shareX ? sharedDomain(f.panels, 'x') : undefined;
    const yDom = f.shareY ? sharedDomain(f.panels, 'y') : undefined;
    f.panels.forEach((p, k) => {
      const ox = (k % cols) * pw;
      const oy = head + Math.floor(k / cols) * ph;
      body.push(...renderPlot(p, ox, oy, pw, ph, `${id}p${k}`, { xDom, yDom, noLegend: sharedLegend }));
    });
  } else {
    width = spec.width ?? 540;
    height = spec.height ?? 380;
    body.push(...renderPlot(spec, 0, 0, width, height, id));
  }
  const title = spec.title ?? 'figure';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${r2(width)}" height="${r2(height)}" viewBox="0 0 ${r2(width)} ${r2(height)}" role="img" aria-label="${escapeXml(title)}" font-family="${escapeXml(FONT)}">`,
    `<rect width="${r2(width)}" height="${r2(height)}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
