/** The legend: one item per labelled mark (first label wins), laid out in rows above the plot area. */
import { colorOf, type PlotSpec } from './figure.js';
import { escapeXml, r2, TEXT } from './svgBase.js';
import { fitText, textWidth } from './text.js';

export interface LegendItem {
  label: string;
  kind: 'line' | 'dot' | 'band';
  color: string;
  dash: boolean;
}

export interface LegendPlacement {
  item: LegendItem;
  x: number;
  row: number;
}

export function legendItems(spec: PlotSpec): LegendItem[] {
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

/**
 * Lay legend items out in rows no wider than `width` (labels measured with the font's metrics; one longer than a
 * row is shortened with "…"); returns the rows' items with x offsets.
 */
export function layoutLegend(items: LegendItem[], width: number): LegendPlacement[] {
  const out: LegendPlacement[] = [];
  let x = 0;
  let row = 0;
  for (const it of items) {
    const item = { ...it, label: fitText(it.label, 12, Math.max(20, width - 23)) };
    const w = 23 + textWidth(item.label, 12) + 14;
    if (x > 0 && x + w > width) {
      row++;
      x = 0;
    }
    out.push({ item, x, row });
    x += w;
  }
  return out;
}

/** The legend's elements, its first row's top-left corner at (left, top); rows are 18 px apart. */
export function legendLines(placements: LegendPlacement[], left: number, top: number): string[] {
  const out: string[] = [];
  for (const { item, x, row } of placements) {
    const lx = left + x;
    const ly = top + row * 18 + 9;
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
  return out;
}
