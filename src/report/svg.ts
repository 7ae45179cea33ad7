/**
 * Render a figure spec to a standalone SVG string. Output is deterministic: coordinates are rounded to 2 decimals,
 * element order follows the spec, and ids (clip paths) derive from a hash of the spec, so the same spec always gives
 * the same bytes (snapshot-testable) and two figures inlined in one HTML page do not share ids.
 */
import { InvalidArgumentError } from '../errors.js';
import {
  type AxisSpec,
  at,
  colorOf,
  type FacetSpec,
  type FigureSpec,
  type HeatmapMark,
  type Mark,
  type PlotSpec,
  type Series,
} from './figure.js';
import { linearTicks, logTicks, makeScale, niceLinearDomain, niceLogDomain, type Scale, type Tick } from './scale.js';

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Noto Sans', sans-serif";
const TEXT = '#1f2328';
const MUTED = '#59636e';
const GRID = '#e6e8eb';
const AXIS = '#8c959f';
const MAX_CELLS = 250_000;

/** A coordinate rounded to 2 decimals (no −0). */
export function r2(v: number): string {
  const x = Math.round(v * 100) / 100;
  return (x === 0 ? 0 : x).toString();
}

/** Escape text for XML/HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/** FNV-1a over a string, as 8 hex digits. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

function specKey(spec: FigureSpec): string {
  return JSON.stringify(spec, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v));
}

function approxTextWidth(s: string, size: number): number {
  return s.length * size * 0.56;
}

function len(s: Series): number {
  return s.length;
}

function checkMark(m: Mark, i: number, where: string): void {
  const fn = 'renderSvg';
  const arg = `${where}marks[${i}]`;
  switch (m.type) {
    case 'line':
    case 'dot':
    case 'area':
      if (len(m.x) !== len(m.y))
        throw new InvalidArgumentError(fn, `${arg}.y`, `of the same length as x (${len(m.x)})`, len(m.y));
      break;
    case 'band':
      if (len(m.y1) !== len(m.x) || len(m.y2) !== len(m.x)) {
        throw new InvalidArgumentError(
          fn,
          `${arg}.y1/y2`,
          `of the same length as x (${len(m.x)})`,
          `${len(m.y1)}, ${len(m.y2)}`,
        );
      }
      break;
    case 'heatmap':
      if (!Number.isInteger(m.rows) || m.rows < 0 || !Number.isInteger(m.cols) || m.cols < 0) {
        throw new InvalidArgumentError(fn, `${arg}.rows/cols`, 'non-negative integers', `${m.rows}×${m.cols}`);
      }
      if (len(m.values) !== m.rows * m.cols) {
        throw new InvalidArgumentError(fn, `${arg}.values`, `of length rows·cols = ${m.rows * m.cols}`, len(m.values));
      }
      if (m.rows * m.cols > MAX_CELLS) {
        throw new InvalidArgumentError(
          fn,
          `${arg}`,
          `at most ${MAX_CELLS} cells (subsample the matrix)`,
          `${m.rows}×${m.cols}`,
        );
      }
      break;
    default:
      break;
  }
}

interface Extent {
  lo: number;
  hi: number;
}

function extend(e: Extent, v: number, log: boolean): void {
  if (!Number.isFinite(v) || (log && v <= 0)) return;
  if (v < e.lo) e.lo = v;
  if (v > e.hi) e.hi = v;
}

function dataExtents(spec: PlotSpec): { x: Extent; y: Extent } {
  const xLog = spec.x?.type === 'log';
  const yLog = spec.y?.type === 'log';
  const x: Extent = { lo: Infinity, hi: -Infinity };
  const y: Extent = { lo: Infinity, hi: -Infinity };
  const each = (s: Series, e: Extent, log: boolean) => {
    for (let i = 0; i < s.length; i++) extend(e, at(s, i), log);
  };
  for (const m of spec.marks) {
    switch (m.type) {
      case 'line':
      case 'dot':
        each(m.x, x, xLog);
        each(m.y, y, yLog);
        break;
      case 'area':
        each(m.x, x, xLog);
        each(m.y, y, yLog);
        if (m.baseline !== undefined) extend(y, m.baseline, yLog);
        break;
      case 'band':
        each(m.x, x, xLog);
        each(m.y1, y, yLog);
        each(m.y2, y, yLog);
        break;
      case 'rule':
        if (m.x !== undefined) extend(x, m.x, xLog);
        if (m.y !== undefined) extend(y, m.y, yLog);
        break;
      case 'text':
        extend(x, m.x, xLog);
        extend(y, m.y, yLog);
        break;
      case 'heatmap':
        extend(x, 0, xLog);
        extend(x, m.cols, xLog);
        extend(y, 0, yLog);
        extend(y, m.rows, yLog);
        break;
    }
  }
  return { x, y };
}

function resolveDomain(axis: AxisSpec | undefined, e: Extent, exact: boolean): [number, number] {
  const log = axis?.type === 'log';
  if (axis?.domain) return [axis.domain[0], axis.domain[1]];
  if (!(e.lo <= e.hi)) return log ? [1, 10] : [0, 1];
  if (exact) return [e.lo, e.hi];
  return log ? niceLogDomain(e.lo, e.hi) : niceLinearDomain(e.lo, e.hi, axis?.ticks ?? 6);
}

function ticksFor(axis: AxisSpec | undefined, scale: Scale): Tick[] {
  const [a, b] = scale.domain;
  return axis?.type === 'log' ? logTicks(a, b) : linearTicks(a, b, axis?.ticks ?? 6, axis?.percent ?? false);
}

// Viridis, 9 stops (matplotlib's colormap, sampled).
const VIRIDIS = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];
const DIVERGING = [
  [33, 102, 172],
  [103, 169, 207],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [239, 138, 98],
  [178, 24, 43],
];

function interpolate(stops: number[][], t: number): string {
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const c = stops[i].map((v, k) => Math.round(v + f * (stops[i + 1][k] - v)));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

function heatDomain(m: HeatmapMark): [number, number] {
  if (m.domain) return [m.domain[0], m.domain[1]];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < m.values.length; i++) {
    const v = at(m.values, i);
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(lo <= hi)) return [0, 1];
  if (m.scheme === 'diverging') {
    const a = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return [-a, a];
  }
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

function heatColor(m: HeatmapMark, dom: [number, number], v: number): string {
  if (!Number.isFinite(v)) return '#bdbdbd';
  const t = (v - dom[0]) / (dom[1] - dom[0] || 1);
  return interpolate(m.scheme === 'diverging' ? DIVERGING : VIRIDIS, t);
}

interface LegendItem {
  label: string;
  kind: 'line' | 'dot' | 'band';
  color: string;
  dash: boolean;
}

function legendItems(spec: PlotSpec): LegendItem[] {
  const out: LegendItem[] = [];
  const seen = new Set<string>();
  spec.marks.forEach((m, i) => {
    if (m.type === 'text' || m.type === 'heatmap' || m.label === undefined || seen.has(m.label)) return;
    seen.add(m.label);
    const color = colorOf(m.color, i);
    if (m.type === 'line') out.push({ label: m.label, kind: 'line', color, dash: m.dash ?? false });
    else if (m.type === 'rule') out.push({ label: m.label, kind: 'line', color, dash: m.dash ?? true });
    else if (m.type === 'dot') out.push({ label: m.label, kind: 'dot', color, dash: false });
    else out.push({ label: m.label, kind: 'band', color, dash: false });
  });
  return out;
}

/** Lay legend items out in rows no wider than `width`; returns the rows' items with x offsets. */
function layoutLegend(items: LegendItem[], width: number): { item: LegendItem; x: number; row: number }[] {
  const out: { item: LegendItem; x: number; row: number }[] = [];
  let x = 0;
  let row = 0;
  for (const item of items) {
    const w = 22 + approxTextWidth(item.label, 12) + 14;
    if (x > 0 && x + w > width) {
      row++;
      x = 0;
    }
    out.push({ item, x, row });
    x += w;
  }
  return out;
}

/** Render one plot into a group at (ox, oy) of size w×h. Returns SVG elements. */
function renderPlot(spec: PlotSpec, ox: number, oy: number, w: number, h: number, id: string, where: string): string[] {
  spec.marks.forEach((m, i) => checkMark(m, i, where));
  const out: string[] = [];
  const heat = spec.marks.find((m): m is HeatmapMark => m.type === 'heatmap');
  const items = spec.legend === false ? [] : legendItems(spec);
  let top = 10;
  if (spec.title) top += 21;
  if (spec.subtitle) top += 16;
  const left = 72;
  const right = heat ? 86 : 18;
  const legendRows = items.length ? layoutLegend(items, w - left - right) : [];
  const nLegendRows = legendRows.length ? legendRows[legendRows.length - 1].row + 1 : 0;
  const legendTop = top + 2;
  top += nLegendRows * 18 + (nLegendRows ? 6 : 4);
  let bottom = 46;
  const plotW = Math.max(10, w - left - right);

  // Scales.
  const ext = dataExtents(spec);
  const exact = heat !== undefined;
  const xType = spec.x?.type ?? 'linear';
  const yType = spec.y?.type ?? 'linear';
  const xDom = resolveDomain(spec.x, ext.x, exact);
  const yDom = resolveDomain(spec.y, ext.y, exact);
  const yReverse = spec.y?.reverse ?? heat !== undefined;
  const xReverse = spec.x?.reverse ?? false;

  // Count skipped points first (the note takes a line at the bottom).
  let skipped = 0;
  let total = 0;
  const xValid = makeScale(xType, xDom, [0, 1]).valid;
  const yValid = makeScale(yType, yDom, [0, 1]).valid;
  for (const m of spec.marks) {
    if (m.type === 'line' || m.type === 'dot' || m.type === 'area') {
      for (let i = 0; i < m.x.length; i++) {
        total++;
        if (!xValid(at(m.x, i)) || !yValid(at(m.y, i))) skipped++;
      }
    } else if (m.type === 'band') {
      for (let i = 0; i < m.x.length; i++) {
        total++;
        if (!xValid(at(m.x, i)) || !yValid(at(m.y1, i)) || !yValid(at(m.y2, i))) skipped++;
      }
    }
  }
  if (skipped > 0) bottom += 14;
  const plotH = Math.max(10, h - top - bottom);
  const x0 = ox + left;
  const y0 = oy + top;
  const xs = makeScale(xType, xDom, xReverse ? [x0 + plotW, x0] : [x0, x0 + plotW]);
  const ys = makeScale(yType, yDom, yReverse ? [y0, y0 + plotH] : [y0 + plotH, y0]);

  // Title, subtitle.
  let ty = oy + 10;
  if (spec.title) {
    ty += 14;
    out.push(
      `<text x="${r2(ox + left)}" y="${r2(ty)}" font-size="15" font-weight="600" fill="${TEXT}">${escapeXml(spec.title)}</text>`,
    );
    ty += 2;
  }
  if (spec.subtitle) {
    ty += 14;
    out.push(
      `<text x="${r2(ox + left)}" y="${r2(ty)}" font-size="12" fill="${MUTED}">${escapeXml(spec.subtitle)}</text>`,
    );
  }
  // Legend.
  for (const { item, x, row } of legendRows) {
    const lx = ox + left + x;
    const ly = oy + legendTop + row * 18 + 9;
    if (item.kind === 'line') {
      out.push(
        `<line x1="${r2(lx)}" y1="${r2(ly)}" x2="${r2(lx + 18)}" y2="${r2(ly)}" stroke="${item.color}" stroke-width="2"${item.dash ? ' stroke-dasharray="5 3"' : ''}/>`,
      );
    } else if (item.kind === 'dot') {
      out.push(`<circle cx="${r2(lx + 9)}" cy="${r2(ly)}" r="3.5" fill="${item.color}"/>`);
    } else {
      out.push(
        `<rect x="${r2(lx)}" y="${r2(ly - 6)}" width="18" height="12" fill="${item.color}" fill-opacity="0.3"/>`,
      );
    }
    out.push(
      `<text x="${r2(lx + 23)}" y="${r2(ly + 4)}" font-size="12" fill="${TEXT}">${escapeXml(item.label)}</text>`,
    );
  }

  // Grid and axes.
  const xt = heat && !spec.x?.domain ? heatTicks(xDom) : ticksFor(spec.x, xs);
  const yt = heat && !spec.y?.domain ? heatTicks(yDom) : ticksFor(spec.y, ys);
  const grid = spec.grid ?? heat === undefined;
  if (grid) {
    for (const t of xt) {
      if (t.minor) continue;
      const px = xs.map(t.value);
      out.push(`<line x1="${r2(px)}" y1="${r2(y0)}" x2="${r2(px)}" y2="${r2(y0 + plotH)}" stroke="${GRID}"/>`);
    }
    for (const t of yt) {
      if (t.minor) continue;
      const py = ys.map(t.value);
      out.push(`<line x1="${r2(x0)}" y1="${r2(py)}" x2="${r2(x0 + plotW)}" y2="${r2(py)}" stroke="${GRID}"/>`);
    }
  }

  // Marks, clipped to the plot area.
  // The clip area extends a few px beyond the plot so that dots and line caps on the domain edge are not cut.
  const pad = 5;
  out.push(
    `<clipPath id="${id}"><rect x="${r2(x0 - pad)}" y="${r2(y0 - pad)}" width="${r2(plotW + 2 * pad)}" height="${r2(plotH + 2 * pad)}"/></clipPath>`,
  );
  out.push(`<g clip-path="url(#${id})">`);
  spec.marks.forEach((m, i) => {
    out.push(...renderMark(m, i, xs, ys, { x0, y0, plotW, plotH }));
  });
  out.push('</g>');

  // Axis lines and ticks.
  out.push(
    `<line x1="${r2(x0)}" y1="${r2(y0 + plotH)}" x2="${r2(x0 + plotW)}" y2="${r2(y0 + plotH)}" stroke="${AXIS}"/>`,
  );
  out.push(`<line x1="${r2(x0)}" y1="${r2(y0)}" x2="${r2(x0)}" y2="${r2(y0 + plotH)}" stroke="${AXIS}"/>`);
  for (const t of xt) {
    const px = xs.map(t.value);
    const tl = t.minor ? 3 : 5;
    out.push(
      `<line x1="${r2(px)}" y1="${r2(y0 + plotH)}" x2="${r2(px)}" y2="${r2(y0 + plotH + tl)}" stroke="${AXIS}"/>`,
    );
    if (t.label) {
      out.push(
        `<text x="${r2(px)}" y="${r2(y0 + plotH + 17)}" text-anchor="middle" font-size="12" fill="${MUTED}">${escapeXml(t.label)}</text>`,
      );
    }
  }
  for (const t of yt) {
    const py = ys.map(t.value);
    const tl = t.minor ? 3 : 5;
    out.push(`<line x1="${r2(x0 - tl)}" y1="${r2(py)}" x2="${r2(x0)}" y2="${r2(py)}" stroke="${AXIS}"/>`);
    if (t.label) {
      out.push(
        `<text x="${r2(x0 - 8)}" y="${r2(py + 4)}" text-anchor="end" font-size="12" fill="${MUTED}">${escapeXml(t.label)}</text>`,
      );
    }
  }
  if (spec.x?.label) {
    out.push(
      `<text x="${r2(x0 + plotW / 2)}" y="${r2(y0 + plotH + 36)}" text-anchor="middle" font-size="13" fill="${TEXT}">${escapeXml(spec.x.label)}</text>`,
    );
  }
  if (spec.y?.label) {
    const cx = ox + 14;
    const cy = y0 + plotH / 2;
    out.push(
      `<text transform="translate(${r2(cx)},${r2(cy)}) rotate(-90)" text-anchor="middle" font-size="13" fill="${TEXT}">${escapeXml(spec.y.label)}</text>`,
    );
  }
  if (heat) out.push(...colorBar(heat, x0 + plotW + 14, y0, plotH));
  if (total === 0 && !heat && !spec.marks.some((m) => m.type === 'rule' || m.type === 'text')) {
    out.push(
      `<text x="${r2(x0 + plotW / 2)}" y="${r2(y0 + plotH / 2)}" text-anchor="middle" font-size="13" fill="${MUTED}">no data</text>`,
    );
  }
  if (skipped > 0) {
    out.push(
      `<text class="note" x="${r2(x0)}" y="${r2(oy + h - 6)}" font-size="10.5" fill="${MUTED}">${skipped} of ${total} points not drawn (NaN/±∞${xType === 'log' || yType === 'log' ? ', or ≤ 0 on a log axis' : ''})</text>`,
    );
  }
  return out;
}

function heatTicks(dom: [number, number]): Tick[] {
  const n = Math.abs(dom[1] - dom[0]);
  return linearTicks(Math.min(dom[0], dom[1]), Math.max(dom[0], dom[1]), Math.min(6, Math.max(1, n)));
}

function colorBar(m: HeatmapMark, x: number, y: number, h: number): string[] {
  const dom = heatDomain(m);
  const out: string[] = [];
  const steps = 48;
  for (let k = 0; k < steps; k++) {
    const v = dom[1] - ((k + 0.5) / steps) * (dom[1] - dom[0]);
    out.push(
      `<rect x="${r2(x)}" y="${r2(y + (k * h) / steps)}" width="12" height="${r2(h / steps + 0.5)}" fill="${heatColor(m, dom, v)}"/>`,
    );
  }
  out.push(`<rect x="${r2(x)}" y="${r2(y)}" width="12" height="${r2(h)}" fill="none" stroke="${AXIS}"/>`);
  const s = makeScale('linear', dom, [y + h, y]);
  for (const t of linearTicks(dom[0], dom[1], 5)) {
    const py = s.map(t.value);
    out.push(`<line x1="${r2(x + 12)}" y1="${r2(py)}" x2="${r2(x + 16)}" y2="${r2(py)}" stroke="${AXIS}"/>`);
    out.push(`<text x="${r2(x + 18)}" y="${r2(py + 4)}" font-size="10.5" fill="${MUTED}">${escapeXml(t.label)}</text>`);
  }
  if (m.label) {
    out.push(`<text x="${r2(x)}" y="${r2(y - 6)}" font-size="11" fill="${TEXT}">${escapeXml(m.label)}</text>`);
  }
  return out;
}

interface Box {
  x0: number;
  y0: number;
  plotW: number;
  plotH: number;
}

function renderMark(m: Mark, i: number, xs: Scale, ys: Scale, box: Box): string[] {
  switch (m.type) {
    case 'line': {
      const d = pathOf(m.x, m.y, xs, ys);
      if (!d) return [];
      const color = colorOf(m.color, i);
      return [
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="${r2(m.width ?? 1.75)}" stroke-linejoin="round" stroke-linecap="round"${m.dash ? ' stroke-dasharray="6 4"' : ''}/>`,
      ];
    }
    case 'dot': {
      const color = colorOf(m.color, i);
      const r = r2(m.r ?? 2.5);
      const fill = m.hollow
        ? `fill="none" stroke="${color}" stroke-width="1.2"`
        : `fill="${color}" fill-opacity="0.85"`;
      const out: string[] = [];
      for (let k = 0; k < m.x.length; k++) {
        const x = at(m.x, k);
        const y = at(m.y, k);
        if (!xs.valid(x) || !ys.valid(y)) continue;
        out.push(`<circle cx="${r2(xs.map(x))}" cy="${r2(ys.map(y))}" r="${r}" ${fill}/>`);
      }
      return out;
    }
    case 'band':
    case 'area': {
      const color = colorOf(m.color, i);
      const base = m.type === 'area' ? (m.baseline ?? ys.domain[0]) : 0;
      const y1 = m.type === 'band' ? m.y1 : null;
      const y2 = m.type === 'band' ? m.y2 : m.y;
      const lower = (k: number) => (y1 ? at(y1, k) : base);
      const paths: string[] = [];
      let seg: number[] = [];
      const flush = () => {
        if (seg.length > 0) {
          const top = seg.map((k, j) => `${j === 0 ? 'M' : 'L'}${r2(xs.map(at(m.x, k)))},${r2(ys.map(at(y2, k)))}`);
          const bot = [...seg].reverse().map((k) => `L${r2(xs.map(at(m.x, k)))},${r2(ys.map(lower(k)))}`);
          paths.push(`${top.join('')}${bot.join('')}Z`);
        }
        seg = [];
      };
      for (let k = 0; k < m.x.length; k++) {
        if (xs.valid(at(m.x, k)) && ys.valid(at(y2, k)) && ys.valid(lower(k))) seg.push(k);
        else flush();
      }
      flush();
      if (paths.length === 0) return [];
      return [`<path d="${paths.join('')}" fill="${color}" fill-opacity="${r2(m.opacity ?? 0.2)}" stroke="none"/>`];
    }
    case 'rule': {
      const color = colorOf(m.color, i);
      const dash = (m.dash ?? true) ? ' stroke-dasharray="4 3"' : '';
      const out: string[] = [];
      if (m.y !== undefined && ys.valid(m.y)) {
        const py = r2(ys.map(m.y));
        out.push(
          `<line x1="${r2(box.x0)}" y1="${py}" x2="${r2(box.x0 + box.plotW)}" y2="${py}" stroke="${color}" stroke-width="1.25"${dash}/>`,
        );
      }
      if (m.x !== undefined && xs.valid(m.x)) {
        const px = r2(xs.map(m.x));
        out.push(
          `<line x1="${px}" y1="${r2(box.y0)}" x2="${px}" y2="${r2(box.y0 + box.plotH)}" stroke="${color}" stroke-width="1.25"${dash}/>`,
        );
      }
      return out;
    }
    case 'text': {
      if (!xs.valid(m.x) || !ys.valid(m.y)) return [];
      const color = m.color === undefined ? TEXT : colorOf(m.color, i);
      return [
        `<text x="${r2(xs.map(m.x) + (m.dx ?? 0))}" y="${r2(ys.map(m.y) + (m.dy ?? 0))}" text-anchor="${m.anchor ?? 'start'}" font-size="11" fill="${color}">${escapeXml(m.text)}</text>`,
      ];
    }
    case 'heatmap': {
      const dom = heatDomain(m);
      const out: string[] = [];
      for (let r = 0; r < m.rows; r++) {
        for (let c = 0; c < m.cols; c++) {
          const xa = xs.map(c);
          const xb = xs.map(c + 1);
          const ya = ys.map(r);
          const yb = ys.map(r + 1);
          const v = at(m.values, r * m.cols + c);
          // Cells overlap by a hair so no background seams show between them.
          out.push(
            `<rect x="${r2(Math.min(xa, xb))}" y="${r2(Math.min(ya, yb))}" width="${r2(Math.abs(xb - xa) + 0.3)}" height="${r2(Math.abs(yb - ya) + 0.3)}" fill="${heatColor(m, dom, v)}"/>`,
          );
        }
      }
      return out;
    }
  }
}

/** Path data through the drawable points; gaps start a new subpath, and an isolated point becomes a zero-length
 * subpath (`l0,0`) that the round line cap draws as a dot, so it does not vanish. */
function pathOf(x: Series, y: Series, xs: Scale, ys: Scale): string {
  let d = '';
  let run = 0;
  for (let k = 0; k <= x.length; k++) {
    const a = k < x.length ? at(x, k) : Number.NaN;
    const b = k < x.length ? at(y, k) : Number.NaN;
    if (!xs.valid(a) || !ys.valid(b)) {
      if (run === 1) d += 'l0,0';
      run = 0;
      continue;
    }
    d += `${run > 0 ? 'L' : 'M'}${r2(xs.map(a))},${r2(ys.map(b))}`;
    run++;
  }
  return d;
}

/** Render a figure spec (one plot, or a grid of facets) as a standalone SVG document string. */
export function renderSvg(spec: FigureSpec): string {
  const id = `f${hash(specKey(spec))}`;
  let width: number;
  let height: number;
  const body: string[] = [];
  if (spec.type === 'facets') {
    const f: FacetSpec = spec;
    if (!Number.isInteger(f.columns) || f.columns < 1) {
      throw new InvalidArgumentError('renderSvg', 'spec.columns', 'a positive integer', f.columns);
    }
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
      body.push(...renderPlot(p, ox, oy, pw, ph, `${id}p${k}`, `panels[${k}].`));
    });
  } else {
    width = spec.width ?? 540;
    height = spec.height ?? 380;
    body.push(...renderPlot(spec, 0, 0, width, height, id, ''));
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
