/** Axes: data extents and domains, ticks, grid lines, axis lines with tick marks and labels, axis titles. */
import { type AxisSpec, at, type PlotSpec, type Series } from './figure.js';
import {
  formatNumber,
  linearTicks,
  logDataDomain,
  logTicks,
  niceLinearDomain,
  type Scale,
  type Tick,
} from './scale.js';
import { AXIS, type Box, escapeXml, GRID, MUTED, r2, TEXT } from './svgBase.js';
import { fitText, textWidth } from './text.js';

export interface Extent {
  lo: number;
  hi: number;
  /** Every value drawn is an integer (an index, a count, a step): the axis gets integer ticks. */
  integer?: boolean;
}

function extend(e: Extent, v: number, log: boolean): void {
  if (!Number.isFinite(v) || (log && v <= 0)) return;
  if (v < e.lo) e.lo = v;
  if (v > e.hi) e.hi = v;
  if (!Number.isInteger(v)) e.integer = false;
}

export function dataExtents(spec: PlotSpec): { x: Extent; y: Extent } {
  const xLog = spec.x?.type === 'log';
  const yLog = spec.y?.type === 'log';
  const x: Extent = { lo: Infinity, hi: -Infinity, integer: true };
  const y: Extent = { lo: Infinity, hi: -Infinity, integer: true };
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

export function resolveDomain(axis: AxisSpec | undefined, e: Extent, exact: boolean): [number, number] {
  const log = axis?.type === 'log';
  if (axis?.domain) return [axis.domain[0], axis.domain[1]];
  if (!(e.lo <= e.hi)) return log ? [1, 10] : [0, 1];
  if (exact) return [e.lo, e.hi];
  return log ? logDataDomain(e.lo, e.hi) : niceLinearDomain(e.lo, e.hi, axis?.ticks ?? 6);
}

/** Ticks of an axis; `integerData`: every value on it is an integer (integer ticks unless the axis says otherwise). */
export function ticksFor(axis: AxisSpec | undefined, domain: readonly [number, number], integerData: boolean): Tick[] {
  const [a, b] = domain;
  if (axis?.type === 'log') return logTicks(a, b);
  const integer = axis?.integer ?? (integerData && !axis?.percent && Math.abs(b - a) >= 2);
  return linearTicks(a, b, axis?.ticks ?? 6, axis?.percent ?? false, integer);
}

/**
 * Ticks of a heatmap axis over `cells` cells (domain [0, cells]): with `values` (the recorded quantity of each
 * row or column), about 6 cells labelled with their value at the cell's centre; otherwise integer cell boundaries.
 */
export function heatTicks(cells: number, values: Series | undefined): Tick[] {
  if (!values || cells === 0) return linearTicks(0, Math.max(1, cells), Math.min(6, Math.max(1, cells)), false, true);
  const k = Math.min(6, cells);
  const idx = new Set<number>();
  for (let j = 0; j < k; j++) idx.add(k === 1 ? 0 : Math.round((j * (cells - 1)) / (k - 1)));
  return [...idx].map((i) => ({ value: i + 0.5, label: formatNumber(at(values, i)), minor: false }));
}

/** Grid lines at the major ticks. */
export function gridLines(xt: Tick[], yt: Tick[], xs: Scale, ys: Scale, box: Box): string[] {
  const { x0, y0, plotW, plotH } = box;
  const out: string[] = [];
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
  return out;
}

/**
 * Axis lines, tick marks and tick labels, and the axis titles (the y title rotated, at `ox` + 14), each title
 * shortened with "…" if it is longer than its side of the plot (the x title may use the width up to `right`).
 */
export function axisLines(
  spec: PlotSpec,
  xt: Tick[],
  yt: Tick[],
  xs: Scale,
  ys: Scale,
  box: Box,
  ox: number,
  right: number,
): string[] {
  const { x0, y0, plotW, plotH } = box;
  const out: string[] = [];
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
    // centred under the plot, or right-aligned at the figure's edge when that is too narrow
    const full = textWidth(spec.x.label, 13);
    const label = fitText(spec.x.label, 13, right - ox - 8);
    const w = textWidth(label, 13);
    const cx = Math.min(x0 + plotW / 2, right - 4 - w / 2);
    out.push(
      `<text x="${r2(Math.max(ox + 4 + w / 2, cx))}" y="${r2(y0 + plotH + 36)}" text-anchor="middle" font-size="13" fill="${TEXT}">${escapeXml(full === w ? spec.x.label : label)}</text>`,
    );
  }
  if (spec.y?.label) {
    const cx = ox + 14;
    const cy = y0 + plotH / 2;
    out.push(
      `<text transform="translate(${r2(cx)},${r2(cy)}) rotate(-90)" text-anchor="middle" font-size="13" fill="${TEXT}">${escapeXml(fitText(spec.y.label, 13, plotH + 20))}</text>`,
    );
  }
  return out;
}
