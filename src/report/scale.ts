/**
 * Scales and ticks for figures: nice linear ticks (steps 1, 2, 2.5, 5 × 10ᵏ), decade ticks for log scales (with
 * 2× and 5× ticks when the domain spans less than two decades), and tick labels with a Unicode minus and
 * superscript exponents (10⁻³).
 */
import type { ScaleType } from './figure.js';

export interface Tick {
  readonly value: number;
  /** Empty for minor (unlabelled) ticks. */
  readonly label: string;
  readonly minor: boolean;
}

/** Round to 12 significant digits (removes 0.30000000000000004-style noise from tick arithmetic). */
export function clean(v: number): number {
  return v === 0 ? 0 : Number.parseFloat(v.toPrecision(12));
}

/** A 1-2-2.5-5 step close to span / count. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  const m = f < 1.5 ? 1 : f < 2.25 ? 2 : f < 3.5 ? 2.5 : f < 7.5 ? 5 : 10;
  return clean(m * p);
}

/** Extend [lo, hi] outward to multiples of a nice step; a zero-width domain gets some room. */
export function niceLinearDomain(lo: number, hi: number, count = 6): [number, number] {
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const step = niceStep(hi - lo, count);
  return [clean(Math.floor(lo / step + 1e-9) * step), clean(Math.ceil(hi / step - 1e-9) * step)];
}

/** Extend a positive [lo, hi] to whole decades (and at least one decade). */
export function niceLogDomain(lo: number, hi: number): [number, number] {
  const a = Math.floor(Math.log10(lo) + 1e-9);
  let b = Math.ceil(Math.log10(hi) - 1e-9);
  if (b <= a) b = a + 1;
  return [clean(10 ** a), clean(10 ** b)];
}

const SUP: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/** 10ᵏ with superscript digits. */
export function powerOfTen(k: number): string {
  return `10${String(k)
    .split('')
    .map((c) => SUP[c] ?? c)
    .join('')}`;
}

/** A number for display: Unicode minus, at most `digits` decimals, exponent form for very large/small values. */
export function formatNumber(v: number, digits = 3): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  let s: string;
  if (a >= 1e5 || a < 1e-3) {
    const e = Math.floor(Math.log10(a));
    const m = clean(v / 10 ** e);
    const ms = Number.parseFloat(m.toFixed(2)).toString();
    s = ms === '1' ? powerOfTen(e) : ms === '-1' ? `-${powerOfTen(e)}` : `${ms}×${powerOfTen(e)}`;
  } else {
    s = Number.parseFloat(v.toFixed(digits)).toString();
  }
  return s.replace(/^-/, '−');
}

/** Labels for ticks at a given step: enough decimals to tell neighbours apart. */
function linearLabel(v: number, step: number, percent: boolean): string {
  if (percent) {
    const d = Math.max(0, -Math.floor(Math.log10(step * 100) + 1e-9));
    return `${(v * 100).toFixed(d).replace(/^-/, '−')}%`;
  }
  const a = Math.max(Math.abs(v), step);
  if (a >= 1e5 || step < 1e-3) return formatNumber(v);
  const d = Math.max(
    0,
    -Math.floor(Math.log10(step) + 1e-9) + (step / 10 ** Math.floor(Math.log10(step)) === 2.5 ? 1 : 0),
  );
  return v.toFixed(d).replace(/^-/, '−');
}

/** Ticks for a linear domain [lo, hi] (in any order). */
export function linearTicks(lo: number, hi: number, count = 6, percent = false): Tick[] {
  const a = Math.min(lo, hi);
  const b = Math.max(lo, hi);
  if (!(b > a)) return [{ value: a, label: linearLabel(a, 1, percent), minor: false }];
  const step = niceStep(b - a, count);
  const out: Tick[] = [];
  const first = Math.ceil(a / step - 1e-9);
  const last = Math.floor(b / step + 1e-9);
  for (let i = first; i <= last; i++) {
    const v = clean(i * step);
    out.push({ value: v, label: linearLabel(v, step, percent), minor: false });
  }
  return out;
}

/** Ticks for a positive log domain [lo, hi]: labelled decades (thinned when many), minor 2…9 ticks when few. */
export function logTicks(lo: number, hi: number): Tick[] {
  const a = Math.log10(Math.min(lo, hi));
  const b = Math.log10(Math.max(lo, hi));
  const k0 = Math.floor(a + 1e-9);
  const k1 = Math.ceil(b - 1e-9);
  const decades = k1 - k0;
  const every = Math.max(1, Math.ceil(decades / 8));
  const out: Tick[] = [];
  const inside = (v: number) => Math.log10(v) >= a - 1e-9 && Math.log10(v) <= b + 1e-9;
  for (let k = k0; k <= k1; k++) {
    const base = clean(10 ** k);
    if (inside(base) && (k - k0) % every === 0) out.push({ value: base, label: logLabel(k), minor: false });
    if (decades <= 4 && k < k1) {
      for (let m = 2; m <= 9; m++) {
        const v = clean(m * 10 ** k);
        if (!inside(v)) continue;
        const labelled = decades <= 1 && (m === 2 || m === 5);
        out.push({ value: v, label: labelled ? formatNumber(v) : '', minor: !labelled });
      }
    }
  }
  return out.sort((p, q) => p.value - q.value);
}

function logLabel(k: number): string {
  return k >= -2 && k <= 3 ? formatNumber(10 ** k) : powerOfTen(k);
}

/** A scale maps data values to pixels. */
export interface Scale {
  readonly type: ScaleType;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  map(v: number): number;
  /** Whether v can be drawn on this scale (finite, and positive for log). */
  valid(v: number): boolean;
}

export function makeScale(type: ScaleType, domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (type === 'log') {
    const l0 = Math.log10(d0);
    const l1 = Math.log10(d1);
    const span = l1 - l0 || 1;
    return {
      type,
      domain,
      range,
      map: (v) => r0 + ((Math.log10(v) - l0) / span) * (r1 - r0),
      valid: (v) => Number.isFinite(v) && v > 0,
    };
  }
  const span = d1 - d0 || 1;
  return {
    type,
    domain,
    range,
    map: (v) => r0 + ((v - d0) / span) * (r1 - r0),
    valid: (v) => Number.isFinite(v),
  };
}
