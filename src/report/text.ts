/**
 * Text measurement for figure layout: the advance widths of DejaVu Sans (regular and bold), the font the SVGs name
 * first (FONT in svgBase.ts), from the table in fontMetrics.ts (generated from the TrueType files by
 * scripts/gen-font-metrics.mjs). A character outside the table counts 1 em (wider than any glyph in the table but
 * a few, so unknown text is over- rather than under-estimated); combining marks count 0.
 */
import { DEJAVU_SANS, DEJAVU_SANS_BOLD } from './fontMetrics.js';

function table(runs: readonly (readonly number[])[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of runs) for (let k = 1; k < r.length; k++) m.set(r[0] + k - 1, r[k]);
  return m;
}

const REGULAR = table(DEJAVU_SANS);
const BOLD = table(DEJAVU_SANS_BOLD);

/** The width in px of `s` drawn at `size` px in DejaVu Sans (bold when `bold`). */
export function textWidth(s: string, size: number, bold = false): number {
  const t = bold ? BOLD : REGULAR;
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if ((c >= 0x300 && c <= 0x36f) || c === 0x200b || c === 0xfe0f) continue;
    w += t.get(c) ?? 1000;
  }
  return (w * size) / 1000;
}

/**
 * Break `s` at spaces into lines no wider than `width` px (a word longer than a line stays whole: truncate it with
 * `fitText`).
 */
export function wrapText(s: string, size: number, width: number, bold = false): string[] {
  const words = s.split(/\s+/).filter((x) => x.length > 0);
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    const next = cur ? `${cur} ${w}` : w;
    if (cur && textWidth(next, size, bold) > width) {
      lines.push(cur);
      cur = w;
    } else cur = next;
  }
  if (cur) lines.push(cur);
  return lines.length ? lines : [''];
}

/** `s`, or its longest prefix that fits in `width` px followed by "…". */
export function fitText(s: string, size: number, width: number, bold = false): string {
  if (textWidth(s, size, bold) <= width) return s;
  const chars = [...s];
  while (chars.length > 0 && textWidth(`${chars.join('')}…`, size, bold) > width) chars.pop();
  return `${chars.join('').trimEnd()}…`;
}
