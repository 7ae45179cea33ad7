/** The data marks' SVG elements (their validation is validate.ts). */
import { at, colorOf, type Mark, type Series } from './figure.js';
import { heatColor, heatDomain } from './colormap.js';
import type { Scale } from './scale.js';
import { type Box, escapeXml, r2, TEXT } from './svgBase.js';

export function renderMark(m: Mark, i: number, xs: Scale, ys: Scale, box: Box): string[] {
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

/** Points of line, dot, area and band marks: how many there are, and how many cannot be drawn (`valid` fails). */
export function countPoints(
  marks: readonly Mark[],
  xValid: (v: number) => boolean,
  yValid: (v: number) => boolean,
): { skipped: number; total: number } {
  let skipped = 0;
  let total = 0;
  for (const m of marks) {
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
  return { skipped, total };
}
