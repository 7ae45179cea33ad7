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
import { colorBar } from './colormap.js';
import type { FacetSpec, FigureSpec, HeatmapMark, PlotSpec, ScaleType } from './figure.js';
import { layoutLegend, type LegendItem, legendItems, legendLines, type LegendPlacement } from './legend.js';
import { countPoints, renderMark } from './marks.js';
import { makeScale, type Scale } from './scale.js';
import { type Box, escapeXml, FONT, MUTED, r2, TEXT } from './svgBase.js';
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
}

/** Axis types and domains: from the axis specs, or the data's extents (exact for a heatmap, else nice). */
function plotDomains(spec: PlotSpec, heat: HeatmapMark | undefined): Domains {
  const ext = dataExtents(spec);
  const exact = heat !== undefined;
  const xType = spec.x?.type ?? 'linear';
  const yType = spec.y?.type ?? 'linear';
  const xDom = resolveDomain(spec.x, ext.x, exact);
  const yDom = resolveDomain(spec.y, ext.y, exact);
  return { xType, yType, xDom, yDom };
}

interface Layout {
  readonly left: number;
  readonly legendTop: number;
  readonly legend: LegendPlacement[];
  /** The plot area. */
  readonly box: Box;
}

/**
 * The w×h plot at (ox, oy): margins for the title, subtitle and legend rows above, tick labels and the axis title
 * left and below (plus a line for the skipped-points note), the color bar right of a heatmap.
 */
function plotLayout(
  spec: PlotSpec,
  heat: HeatmapMark | undefined,
  items: LegendItem[],
  ox: number,
  oy: number,
  w: number,
  h: number,
  noteLine: boolean,
): Layout {
  let top = 10;
  if (spec.title) top += 21;
  if (spec.subtitle) top += 16;
  const left = 72;
  const right = heat ? 86 : 18;
  const legend = items.length ? layoutLegend(items, w - left - right) : [];
  const nLegendRows = legend.length ? legend[legend.length - 1].row + 1 : 0;
  const legendTop = top + 2;
  top += nLegendRows * 18 + (nLegendRows ? 6 : 4);
  let bottom = 46;
  const plotW = Math.max(10, w - left - right);
  if (noteLine) bottom += 14;
  const plotH = Math.max(10, h - top - bottom);
  return { left, legendTop, legend, box: { x0: ox + left, y0: oy + top, plotW, plotH } };
}

/** Title and subtitle, left-aligned at x, below the plot's top edge oy. */
function titleLines(spec: PlotSpec, x: number, oy: number): string[] {
  const out: string[] = [];
  let ty = oy + 10;
  if (spec.title) {
    ty += 14;
    out.push(
      `<text x="${r2(x)}" y="${r2(ty)}" font-size="15" font-weight="600" fill="${TEXT}">${escapeXml(spec.title)}</text>`,
    );
    ty += 2;
  }
  if (spec.subtitle) {
    ty += 14;
    out.push(`<text x="${r2(x)}" y="${r2(ty)}" font-size="12" fill="${MUTED}">${escapeXml(spec.subtitle)}</text>`);
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
function renderPlot(spec: PlotSpec, ox: number, oy: number, w: number, h: number, id: string): string[] {
  const heat = spec.marks.find((m): m is HeatmapMark => m.type === 'heatmap');
  const items = spec.legend === false ? [] : legendItems(spec);
  const { xType, yType, xDom, yDom } = plotDomains(spec, heat);
  const yReverse = spec.y?.reverse ?? heat !== undefined;
  const xReverse = spec.x?.reverse ?? false;
  // Count skipped points first (the note takes a line at the bottom).
  const xValid = makeScale(xType, xDom, [0, 1]).valid;
  const yValid = makeScale(yType, yDom, [0, 1]).valid;
  const points = countPoints(spec.marks, xValid, yValid);
  const { left, legendTop, legend, box } = plotLayout(spec, heat, items, ox, oy, w, h, points.skipped > 0);
  const { x0, y0, plotW, plotH } = box;
  const xs = makeScale(xType, xDom, xReverse ? [x0 + plotW, x0] : [x0, x0 + plotW]);
  const ys = makeScale(yType, yDom, yReverse ? [y0, y0 + plotH] : [y0 + plotH, y0]);

  const out = [...titleLines(spec, ox + left, oy), ...legendLines(legend, ox + left, oy + legendTop)];
  const xt = heat && !spec.x?.domain ? heatTicks(xDom) : ticksFor(spec.x, xs);
  const yt = heat && !spec.y?.domain ? heatTicks(yDom) : ticksFor(spec.y, ys);
  if (spec.grid ?? heat === undefined) out.push(...gridLines(xt, yt, xs, ys, box));
  pushClippedMarks(out, spec, xs, ys, box, id);
  out.push(...axisLines(spec, xt, yt, xs, ys, box, ox));
  if (heat) out.push(...colorBar(heat, x0 + plotW + 14, y0, plotH));
  out.push(...plotNotes(spec, heat, points, xType === 'log' || yType === 'log', box, oy + h - 6));
  return out;
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
    const cols = Math.min(f.columns, Math.max(1, f.panels.length));
    const rows = Math.ceil(f.panels.length / cols);
    let head = 0;
    if (f.title) {
      body.push(`<text x="12" y="24" font-size="15" font-weight="600" fill="${TEXT}">${escapeXml(f.title)}</text>`);
      head = 34;
    }
    if (f.subtitle) {
      body.push(`<text x="12" y="${head + 14}" font-size="11.5" fill="${MUTED}">${escapeXml(f.subtitle)}</text>`);
      head += 22;
    }
    width = cols * pw;
    height = head + rows * ph;
    f.panels.forEach((p, k) => {
      const ox = (k % cols) * pw;
      const oy = head + Math.floor(k / cols) * ph;
      body.push(...renderPlot(p, ox, oy, pw, ph, `${id}p${k}`));
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
