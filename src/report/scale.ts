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
  const out: [number, number] = [clean(Math.floor(lo / step + 1e-9) * step), clean(Math.ceil(hi / step - 1e-9) * step)];
  // a span that overflows (data near ±1e308) or underflows (subnormal data): the data's own extent
  return out.every(Number.isFinite) && out[0] < out[1] ? out : [lo, hi];
}

/** Extend a positive [lo, hi] to whole decades (and at least one decade). */
export function niceLogDomain(lo: number, hi: number): [number, number] {
  // decades a double can hold (10^-323 is the smallest nonzero power of ten, 10^308 the largest)
  let a = Math.max(-323, Math.floor(Math.log10(lo) + 1e-9));
  let b = Math.min(308, Math.ceil(Math.log10(hi) - 1e-9));
  if (b <= a) {
    if (a < 308) b = a + 1;
    else a = b - 1;
  }
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
    // (10^e is subnormal below 10^-307, and 0 at 10^-324: scale through 10^300 there)
    const m = clean(e < -307 ? (v * 1e300) / 10 ** (e + 300) : v / 10 ** e);
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
    if (!Number.isFinite(step * 100) || !Number.isFinite(v * 100)) return `${formatNumber(v)}×10²%`; // beyond 1e306
    if (step * 100 < 1e-3 || Math.abs(v * 100) >= 1e5) return `${formatNumber(v * 100)}%`; // exponent form
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
  if (!(step > 0 && Number.isFinite(step) && last - first <= 1000)) {
    // a span beyond the doubles' range (or below their resolution): the two ends
    return [a, b].map((v) => ({ value: v, label: formatNumber(v), minor: false }));
  }
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
  if (!Number.isFinite(a) || !Number.isFinite(b)) return []; // not a positive finite domain
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
      map: (v) => offCanvas(r0 + ((Math.log10(v) - l0) / span) * (r1 - r0)),
      valid: (v) => Number.isFinite(v) && v > 0,
    };
  }
  const span = d1 - d0 || 1;
  // a domain whose width overflows (ends near ±1e308) is mapped in halves, which cannot overflow
  const map = Number.isFinite(span)
    ? (v: number) => r0 + ((v - d0) / span) * (r1 - r0)
    : (v: number) => r0 + ((v / 2 - d0 / 2) / (d1 / 2 - d0 / 2)) * (r1 - r0);
  return { type, domain, range, map: (v) => offCanvas(map(v)), valid: (v) => Number.isFinite(v) };
}

/** A pixel position that overflowed (a point 1e300 domain widths away) placed far off the canvas instead. */
function offCanvas(px: number): number {
  return Number.isFinite(px) ? px : px > 0 ? 1e9 : -1e9;
}
