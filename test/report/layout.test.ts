/**
 * The report layer's rules, against hand-computed expectations: the significant-figures rule, balanced facet grids,
 * integer and recorded-quantity ticks, log domains that stop short of the next decade, inline math, and PNG/PDF
 * export (file signatures, sizes, determinism). Text widths are checked against Chromium in browser.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heatTicks } from '../../src/report/axes.js';
import { svgToPdf, svgToPng } from '../../src/report/export.js';
import { richText } from '../../src/report/html.js';
import { formatPercent, formatPm, formatSig, linearTicks, logDataDomain } from '../../src/report/scale.js';
import { facetGrid, renderSvg } from '../../src/report/svg.js';
import { fitText, textWidth, wrapText } from '../../src/report/text.js';

describe('numbers: one significant-figures rule', () => {
  it('3 significant figures, trailing zeros kept, integers whole, exponent form outside [10⁻³, 10⁵)', () => {
    assert.equal(formatSig(51.043), '51.0');
    assert.equal(formatSig(0.99996), '1.00');
    assert.equal(formatSig(0.42), '0.420');
    assert.equal(formatSig(78123.4), '78100');
    assert.equal(formatSig(999.96), '1000');
    assert.equal(formatSig(-0.0123), '−0.0123');
    assert.equal(formatSig(2.5e-7), '2.50×10⁻⁷');
    assert.equal(formatSig(123456), '1.23×10⁵');
    assert.equal(formatSig(300), '300');
  });

  it('mean ± std: the std to 2 figures, the mean to its last place, the unit once, no "± 0"', () => {
    assert.equal(formatPm(14.333, 9.43, '%'), '(14.3 ± 9.4)%');
    assert.equal(formatPm(0.42, 0), '0.420');
    assert.equal(formatPm(0.42, 0.0312), '0.420 ± 0.031');
    assert.equal(formatPm(1.5e-5, 3e-6), '(1.50 ± 0.30)×10⁻⁵');
    assert.equal(formatPercent(0.51043), '51.0%');
  });
});

describe('layout', () => {
  it('facet grids are balanced: 4 panels with 3 columns are 2 × 2, 5 are 3 + 2', () => {
    assert.deepEqual(facetGrid(4, 3), { rows: 2, cols: 2 });
    assert.deepEqual(facetGrid(5, 3), { rows: 2, cols: 3 });
    assert.deepEqual(facetGrid(3, 3), { rows: 1, cols: 3 });
    assert.deepEqual(facetGrid(2, 2), { rows: 1, cols: 2 });
    assert.deepEqual(facetGrid(0, 3), { rows: 0, cols: 1 }, 'no panels: an empty grid, no NaN');
  });

  it('a facet grid whose panels share a legend draws it once; shareY gives every panel the same y ticks', () => {
    const panel = (k: number) => ({
      marks: [{ type: 'line' as const, x: [1, 2, 3], y: [k, 2 * k, 3 * k], label: 'mean', color: 0 }],
    });
    const svg = renderSvg({
      type: 'facets',
      columns: 3,
      shareY: true,
      panels: [panel(1), panel(5), panel(9), panel(2)],
    });
    assert.equal((svg.match(/>mean</g) ?? []).length, 1, 'one legend entry for four panels');
    assert.equal(/width="(\d+)"/.exec(svg)?.[1], '840', 'two columns of 420 px');
    // the largest y value (27) sets every panel's top tick
    assert.equal((svg.match(/>30</g) ?? []).length, 4);
  });

  it('long titles wrap and too-long words are shortened to fit', () => {
    const lines = wrapText('Label projections against NTK eigenvalues on every data set we tried', 15, 200, true);
    assert.ok(lines.length > 1);
    for (const l of lines) assert.ok(textWidth(l, 15, true) <= 200 || !l.includes(' '), l);
    const f = fitText('supercalifragilisticexpialidocious', 12, 80);
    assert.ok(f.endsWith('…') && textWidth(f, 12) <= 80, f);
  });
});

describe('ticks', () => {
  it('integer data get integer ticks (no 2.5 for an eigenvector index)', () => {
    const svg = renderSvg({
      x: { label: 'eigenvector index' },
      marks: [{ type: 'dot', x: [1, 2, 3, 4, 5, 6], y: [1, 2, 1, 2, 1, 2] }],
    });
    const xLabels = [...svg.matchAll(/text-anchor="middle" font-size="12"[^>]*>([^<]+)</g)].map((m) => m[1]);
    assert.ok(xLabels.length >= 3, xLabels.join(','));
    for (const l of xLabels) assert.match(l, /^\d+$/);
    assert.deepEqual(
      linearTicks(0, 3, 6, false, true).map((t) => t.value),
      [0, 1, 2, 3],
    );
  });

  it('a heatmap axis is labelled with the recorded quantity at the cells’ centres', () => {
    const t = heatTicks(5, [0, 3, 12, 45, 200]);
    assert.deepEqual(
      t.map((x) => [x.value, x.label]),
      [
        [0.5, '0'],
        [1.5, '3'],
        [2.5, '12'],
        [3.5, '45'],
        [4.5, '200'],
      ],
    );
  });

  it('a log axis for n = 300 stops short of 1000', () => {
    const [lo, hi] = logDataDomain(1, 300);
    assert.ok(lo <= 1 && lo > 0.8, `lo ${lo}`);
    assert.ok(hi >= 300 && hi < 400, `hi ${hi}`);
    const [a, b] = logDataDomain(1, 97);
    assert.deepEqual([a, b], [1, 100], 'an end close to a decade moves onto it');
  });
});

describe('math and export', () => {
  it('$…$ becomes MathML, the rest is escaped, \\$ is a dollar sign', () => {
    const h = richText('rate $(1-\\eta\\lambda_{\\min})^{2k}$ <b> costs \\$5');
    assert.match(h, /^rate <math>.*<msup>.*<mi>η<\/mi>.*<\/math> &lt;b&gt; costs \$5$/);
  });

  const svg = renderSvg({
    title: 'λᵢ against i',
    width: 300,
    height: 200,
    marks: [{ type: 'line', x: [1, 2, 3], y: [3, 1, 2] }],
  });

  it('PNG: the signature and twice the SVG size', () => {
    const png = svgToPng(svg);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.equal(png.readUInt32BE(16), 600);
    assert.equal(png.readUInt32BE(20), 400);
  });

  it('PDF: one page of the SVG size in points, deterministic bytes', () => {
    const a = svgToPdf(svg);
    assert.equal(a.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.match(a.toString('latin1'), /\/MediaBox \[0 0 300 200\]/);
    assert.ok(a.equals(svgToPdf(svg)), 'same bytes twice');
  });
});
