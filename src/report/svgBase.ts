/** What every part of the SVG renderer shares: the palette of non-data elements, number and text formatting. */

/**
 * The figures' font: DejaVu Sans, whose advance widths text.ts measures with (layout is computed, not guessed);
 * its fallbacks are narrower, so text drawn with one of them stays inside the box measured for DejaVu Sans.
 */
export const FONT = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif";
export const TEXT = '#1f2328';
export const MUTED = '#59636e';
export const GRID = '#e6e8eb';
export const AXIS = '#8c959f';

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

/** The plot area: top-left corner (x0, y0) and size, in SVG coordinates. */
export interface Box {
  x0: number;
  y0: number;
  plotW: number;
  plotH: number;
}
