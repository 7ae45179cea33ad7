/**
 * Figures for papers: an SVG (renderSvg) also written as PNG and PDF beside it.
 *
 * - PNG: @resvg/resvg-js (resvg, a Rust SVG renderer shipped as a prebuilt binary inside the npm package: no
 *   browser, no system library), at 2× for print, with DejaVu Sans — the font the SVGs name and the layout measures.
 * - PDF: pdfkit + svg-to-pdfkit (pure JavaScript): vector paths and real, selectable text with DejaVu Sans embedded
 *   (subset) when its TrueType files are found; otherwise the PDF standard Helvetica, which lacks some symbols (a
 *   warning says so once).
 * Chromium would render both as well, but it is an optional, heavy dependency; these two need nothing outside npm.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';

/** Folders searched for DejaVuSans.ttf / DejaVuSans-Bold.ttf (NTK_FONT_DIR first). */
const FONT_DIRS = [
  process.env.NTK_FONT_DIR ?? '',
  '/usr/share/fonts/truetype/dejavu',
  '/usr/share/fonts/dejavu',
  '/usr/share/fonts/TTF',
  '/usr/local/share/fonts',
  '/Library/Fonts',
  join(process.env.HOME ?? '', '.fonts'),
].filter((d) => d.length > 0);

function fontFile(name: string): string | undefined {
  for (const d of FONT_DIRS) {
    const f = join(d, name);
    if (existsSync(f)) return f;
  }
  return undefined;
}

function svgSize(svg: string): { width: number; height: number } {
  const m = /^\s*<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"/.exec(svg);
  return { width: m ? Number(m[1]) : 540, height: m ? Number(m[2]) : 380 };
}

/** The SVG as a PNG at `scale`× its size (default 2, about 190 dpi for a 540 px figure printed 7 cm wide). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const regular = fontFile('DejaVuSans.ttf');
  const bold = fontFile('DejaVuSans-Bold.ttf');
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: {
      fontFiles: [regular, bold].filter((f): f is string => f !== undefined),
      loadSystemFonts: regular === undefined,
      defaultFontFamily: 'DejaVu Sans',
      sansSerifFamily: 'DejaVu Sans',
    },
  });
  return r.render().asPng();
}

let warned = false;

/** The SVG as a one-page vector PDF of its size (1 px = 1 pt). Deterministic (fixed creation date). */
export function svgToPdf(svg: string, warn: (message: string) => void = () => {}): Buffer {
  const { width, height } = svgSize(svg);
  const doc = new PDFDocument({
    size: [width, height],
    margin: 0,
    compress: true,
    info: { Producer: 'ntk-lab', Creator: 'ntk-lab', CreationDate: new Date(0) },
  });
  const regular = fontFile('DejaVuSans.ttf');
  const bold = fontFile('DejaVuSans-Bold.ttf');
  if (regular) doc.registerFont('DejaVu Sans', regular);
  if (bold) doc.registerFont('DejaVu Sans Bold', bold);
  if (!regular && !warned) {
    warned = true;
    warn('DejaVuSans.ttf not found (set NTK_FONT_DIR): PDF figures use Helvetica, which lacks Greek and math symbols');
  }
  SVGtoPDF(doc, svg, 0, 0, {
    width,
    height,
    assumePt: true,
    fontCallback: (_family: string, isBold: boolean) =>
      regular ? (isBold && bold ? 'DejaVu Sans Bold' : 'DejaVu Sans') : isBold ? 'Helvetica-Bold' : 'Helvetica',
  });
  doc.end();
  // pdfkit pushes the whole document into its stream buffer on end(): read it synchronously
  const parts: Buffer[] = [];
  for (let b = doc.read() as Buffer | null; b !== null; b = doc.read() as Buffer | null) parts.push(b);
  return Buffer.concat(parts);
}
