/** What every part of the SVG renderer shares: the palette of non-data elements, number and text formatting. */

export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Noto Sans', sans-serif";
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

export function approxTextWidth(s: string, size: number): number {
  return s.length * size * 0.56;
}

/** The plot area: top-left corner (x0, y0) and size, in SVG coordinates. */
export interface Box {
  x0: number;
  y0: number;
  plotW: number;
  plotH: number;
}
