/**
 * Scales and ticks for figures: linear ticks and their labels from d3-scale / d3-format (steps 1, 2, 5 × 10ᵏ, as
 * many decimals as the step needs, Unicode minus), integer ticks on integer axes, decade ticks for log scales (with
 * 2× and 5× ticks when the domain spans less than two decades, linear ticks inside a single decade), and
 * superscript exponents (10⁻³) for very large and small numbers.
 */
import { scaleLinear } from 'd3-scale';
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

/** Extend [lo, hi] outward to multiples of a nice step (d3's `nice`); a zero-width domain gets some room. */
export function niceLinearDomain(lo: number, hi: number, count = 6): [number, number] {
  if (lo === hi) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const [a, b] = scaleLinear().domain([lo, hi]).nice(count).domain();
  const out: [number, number] = [clean(a), clean(b)];
  // a span that overflows (data near ±1e308) or underflows (subnormal data): the data's own extent
  return out.every(Number.isFinite) && out[0] < out[1] ? out : [lo, hi];
}

/**
 * A log domain around the positive data [lo, hi] that does not run to the next decade: the extent widened by 3% of
 * its span in log space (at least 0.02 decades); an end within 0.06 decades inside a power of ten ends on it.
 */
export function logDataDomain(lo: number, hi: number): [number, number] {
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) return niceLogDomain(lo > 0 ? lo : 1, hi > 0 ? hi : 10);
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  const pad = Math.max(0.02, 0.03 * (b - a));
  const fa = Math.floor(a + 1e-9);
  const cb = Math.ceil(b - 1e-9);
  const x = a - fa <= 0.06 ? fa : a - pad;
  const y = cb - b <= 0.06 ? cb : b + pad;
  const out: [number, number] = [clean(10 ** Math.max(-323, x)), clean(10 ** Math.min(308, y))];
  return out[0] > 0 && Number.isFinite(out[1]) && out[0] < out[1] ? out : niceLogDomain(lo, hi);
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

/** Ticks for a linear domain [lo, hi] (in any order); `integer`: only integer values (an index, a count). */
export function linearTicks(lo: number, hi: number, count = 6, percent = false, integer = false): Tick[] {
  const a = Math.min(lo, hi);
  const b = Math.max(lo, hi);
  const ends = (): Tick[] => [a, b].map((v) => ({ value: v, label: formatNumber(v), minor: false }));
  if (!(b > a)) return [{ value: a, label: formatNumber(percent ? a * 100 : a) + (percent ? '%' : ''), minor: false }];
  const scale = scaleLinear().domain([a, b]);
  let values: number[];
  try {
    values = scale.ticks(count).map(clean);
  } catch {
    values = []; // d3 cannot step a subnormal span (10⁻³²⁰ wide): the two ends, below
  }
  // a span beyond the doubles' range (or below their resolution): the two ends
  if (values.length === 0 || values.length > 1000 || !values.every(Number.isFinite)) return ends();
  if (integer) {
    values = values.filter(Number.isInteger);
    if (values.length < 2 && Math.floor(b) - Math.ceil(a) <= 12) {
      values = [];
      for (let v = Math.ceil(a); v <= Math.floor(b); v++) values.push(v);
    }
    if (values.length === 0) return ends();
    return values.map((v) => ({ value: v, label: formatNumber(v), minor: false }));
  }
  const step = values.length > 1 ? Math.abs(values[1] - values[0]) : b - a;
  const big = Math.max(Math.abs(a), Math.abs(b));
  let label: (v: number) => string;
  if (percent) {
    if (!Number.isFinite(step * 100) || !Number.isFinite(big * 100)) label = (v) => `${formatNumber(v)}×10²%`;
    else if (step * 100 < 1e-3 || big * 100 >= 1e5) label = (v) => `${formatNumber(v * 100)}%`;
    else label = scale.tickFormat(count, '%');
  } else if (big >= 1e5 || step < 1e-3) label = (v) => formatNumber(v);
  else label = scale.tickFormat(count, 'f');
  return values.map((v) => ({ value: v, label: label(v).replace(/^-/, '−'), minor: false }));
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
  out.sort((p, q) => p.value - q.value);
  // inside a single decade (fewer than two labels): linear ticks, which a log axis shows just as well there
  if (out.filter((t) => !t.minor).length < 2 && decades <= 2) {
    const lin = linearTicks(10 ** a, 10 ** b, 4).filter((t) => t.value > 0);
    if (lin.length >= 2) return lin;
  }
  return out;
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

/**
 * The reports' one rule for numbers: `digits` significant figures (default 3, trailing zeros kept, so 0.99996 is
 * "1.00", not "1"), integers below 10⁵ in full, exponent form (2.5×10⁻⁷) below 10⁻³ and from 10⁵ on; Unicode minus.
 */
export function formatSig(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return formatNumber(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e5) return String(v).replace(/^-/, '−');
  if (a >= 1e5 || a < 1e-3) {
    const e = Math.floor(Math.log10(a));
    const m = clean(e < -307 ? (v * 1e300) / 10 ** (e + 300) : v / 10 ** e);
    let ms = m.toPrecision(digits);
    let ee = e;
    if (Math.abs(Number.parseFloat(ms)) >= 10) {
      ee += 1;
      ms = (m / 10).toPrecision(digits);
    }
    return `${ms}×${powerOfTen(ee)}`.replace(/^-/, '−');
  }
  // (toPrecision writes 78100 as "7.81e+4": numbers with more integer digits than `digits` are rounded instead)
  const p = v.toPrecision(digits);
  const t = p.includes('e') ? Number.parseFloat(p).toString() : p;
  return t.replace(/^-/, '−');
}

/**
 * Mean ± std by the same rule: the std to 2 significant figures, the mean to the std's last decimal place (at
 * least `digits` significant figures when the std is 0 or tiny, then without "± 0"). `unit` is written once, after
 * both: "(14.3 ± 9.4)%".
 */
export function formatPm(mu: number, sd: number, unit = '', digits = 3): string {
  if (!Number.isFinite(mu) || !Number.isFinite(sd) || sd <= 0 || sd < Math.abs(mu) * 1e-6)
    return `${formatSig(mu, digits)}${unit}`;
  const a = Math.max(Math.abs(mu), sd);
  if (a >= 1e5 || a < 1e-3) {
    const e = Math.floor(Math.log10(a));
    const s = 10 ** e;
    return `(${formatPm(mu / s, sd / s, '', digits)})×${powerOfTen(e)}${unit}`.replace('((', '(').replace('))', ')');
  }
  const place = Math.floor(Math.log10(sd)) - 1; // the std's second significant digit
  const decimals = Math.max(0, -place);
  const m = mu.toFixed(decimals).replace(/^-/, '−');
  const s = sd.toFixed(decimals);
  return unit ? `(${m} ± ${s})${unit}` : `${m} ± ${s}`;
}

/** A fraction as a percentage by the same rule: 0.51043 → "51.0%". */
export function formatPercent(frac: number, digits = 3): string {
  return `${formatSig(100 * frac, digits)}%`;
}
