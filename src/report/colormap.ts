/** Heatmap colors: the viridis and diverging color maps, a heatmap's value domain, and its color bar. */
import { at, type HeatmapMark } from './figure.js';
import { linearTicks, makeScale, type Tick } from './scale.js';
import { AXIS, escapeXml, MUTED, r2, TEXT } from './svgBase.js';

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

export function heatDomain(m: HeatmapMark): [number, number] {
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

export function heatColor(m: HeatmapMark, dom: [number, number], v: number): string {
  if (!Number.isFinite(v)) return '#bdbdbd';
  const span = dom[1] - dom[0];
  // (in halves when the domain's width overflows)
  const t = Number.isFinite(span) ? (v - dom[0]) / (span || 1) : (v / 2 - dom[0] / 2) / (dom[1] / 2 - dom[0] / 2);
  return interpolate(m.scheme === 'diverging' ? DIVERGING : VIRIDIS, t);
}

/** The color bar's ticks (its value domain, linear). */
export function colorBarTicks(m: HeatmapMark): Tick[] {
  const dom = heatDomain(m);
  return linearTicks(dom[0], dom[1], 5);
}

/**
 * The color bar at (x, y), h px high, with its ticks; its label (already fitted to the width) on a line above it,
 * right-aligned at `labelRight` (the figure's edge) so that a long label runs left over the plot's top, not off
 * the canvas.
 */
export function colorBar(
  m: HeatmapMark,
  ticks: Tick[],
  x: number,
  y: number,
  h: number,
  label: string,
  labelRight: number,
): string[] {
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
  for (const t of ticks) {
    const py = s.map(t.value);
    out.push(`<line x1="${r2(x + 12)}" y1="${r2(py)}" x2="${r2(x + 16)}" y2="${r2(py)}" stroke="${AXIS}"/>`);
    out.push(`<text x="${r2(x + 18)}" y="${r2(py + 4)}" font-size="10.5" fill="${MUTED}">${escapeXml(t.label)}</text>`);
  }
  if (label) {
    out.push(
      `<text x="${r2(labelRight)}" y="${r2(y - 8)}" text-anchor="end" font-size="11" fill="${TEXT}">${escapeXml(label)}</text>`,
    );
  }
  return out;
}
