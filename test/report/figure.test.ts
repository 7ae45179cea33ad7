import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FormatError, InvalidArgumentError } from '../../src/errors.js';
import type { FigureSpec } from '../../src/report/figure.js';
import { meanStd } from '../../src/report/figure.js';
import { formatNumber, linearTicks, logTicks, niceLinearDomain, niceLogDomain } from '../../src/report/scale.js';
import { renderSvg } from '../../src/report/svg.js';
import { readFigureSpec } from '../../src/report/validate.js';
import { matchSnapshot } from './snapshot.js';

const idx = Array.from({ length: 50 }, (_, i) => i + 1);
const lam = idx.map((i) => 3 * i ** -1.5);

const spectrum: FigureSpec = {
  title: 'Eigenvalue spectrum',
  subtitle: 'power law with a fitted line',
  x: { label: 'index i', type: 'log' },
  y: { label: 'eigenvalue λᵢ', type: 'log' },
  marks: [
    { type: 'band', x: idx, y1: lam.map((v) => v * 0.8), y2: lam.map((v) => v * 1.25), color: 0 },
    { type: 'line', x: idx, y: lam, color: 0, label: 'mean over seeds' },
    { type: 'line', x: [1, 50], y: [3, 3 * 50 ** -1.5], dash: true, color: 6, label: 'fit λᵢ ∝ i^−1.5' },
    { type: 'rule', y: 0.01, label: 'floor' },
    { type: 'text', x: 2, y: 1, text: 'α = 1.5' },
  ],
};

const withNaN: FigureSpec = {
  title: 'Loss with gaps',
  x: { label: 'step k' },
  y: { label: '½‖f − y‖²' },
  marks: [
    { type: 'line', x: [0, 1, 2, 3, 4, 5, 6, 7], y: [4, 3, Number.NaN, 2, Infinity, 1.5, null, 1], label: 'train' },
    { type: 'dot', x: [0, 2, 4, 6], y: [4.2, 2.5, Number.NaN, 1.2], color: 1, label: 'test' },
  ],
};

describe('figure SVG snapshots (numbers rounded to 2 decimals)', () => {
  it('log–log spectrum with band, fitted line, rule, text and legend', () => {
    const svg = renderSvg(spectrum);
    matchSnapshot('spectrum-loglog.svg', svg);
    assert.ok(!/\d\.\d{3,}/.test(svg.replace(/font-family="[^"]*"/, '')), 'coordinates carry at most 2 decimals');
  });

  it('a series with NaN/±Inf/null breaks the line and counts the skipped points', () => {
    const svg = renderSvg(withNaN);
    matchSnapshot('nan-series.svg', svg);
    assert.match(svg, /4 of 12 points not drawn \(NaN\/±∞\)/);
    const path = /<path d="([^"]+)" fill="none"/.exec(svg)?.[1] ?? '';
    assert.equal((path.match(/M/g) ?? []).length, 4, 'the line restarts after each gap: [4, 3], [2], [1.5], [1]');
    assert.equal((path.match(/l0,0/g) ?? []).length, 3, 'isolated points are drawn as dots');
  });

  it('non-positive values on a log axis are skipped and said so', () => {
    const svg = renderSvg({
      x: { type: 'log' },
      y: { type: 'log' },
      marks: [{ type: 'dot', x: [1, 10, 100], y: [1, 0, -1] }],
    });
    assert.match(svg, /2 of 3 points not drawn \(NaN\/±∞, or ≤ 0 on a log axis\)/);
    assert.equal((svg.match(/<circle/g) ?? []).length, 1);
  });

  it('heatmap with a color bar', () => {
    const n = 6;
    const values = Array.from({ length: n * n }, (_, k) => Math.exp(-Math.abs(Math.floor(k / n) - (k % n))));
    values[7] = Number.NaN;
    const svg = renderSvg({
      title: 'Kernel matrix Θ',
      width: 420,
      height: 360,
      marks: [{ type: 'heatmap', rows: n, cols: n, values, label: 'Θ' }],
    });
    matchSnapshot('heatmap.svg', svg);
    assert.equal((svg.match(/fill="#bdbdbd"/g) ?? []).length, 1, 'the NaN cell is grey');
  });

  it('facets, percent axis and an area mark', () => {
    const x = [0, 1, 2, 3, 4];
    const svg = renderSvg({
      type: 'facets',
      title: 'Two panels',
      columns: 2,
      panels: [
        {
          title: 'share',
          width: 360,
          height: 260,
          y: { percent: true, domain: [0, 1] },
          marks: [{ type: 'area', x, y: [0, 0.3, 0.5, 0.7, 0.9] }],
        },
        {
          title: 'ensemble',
          width: 360,
          height: 260,
          marks: [{ type: 'band', x, y1: [0, 1, 2, 3, 4], y2: [1, 2, 3, 4, 5], label: 'mean ± std' }],
        },
      ],
    });
    matchSnapshot('facets.svg', svg);
    assert.match(svg, />40%</);
    assert.equal((svg.match(/<clipPath id="f[0-9a-f]{8}p\d"/g) ?? []).length, 2, 'each panel has its own clip id');
  });

  it('empty data renders axes and a "no data" note', () => {
    const svg = renderSvg({ title: 'nothing', marks: [{ type: 'line', x: [], y: [] }] });
    matchSnapshot('empty.svg', svg);
    assert.match(svg, />no data</);
  });

  it('is deterministic and escapes text', () => {
    const spec: FigureSpec = {
      title: '<script>alert("x")</script> & co',
      marks: [{ type: 'line', x: [1, 2], y: [1, 2], label: 'a<b' }],
    };
    const a = renderSvg(spec);
    assert.equal(a, renderSvg(spec));
    assert.ok(!a.includes('<script>'));
    assert.match(a, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; co/);
    assert.match(a, /a&lt;b/);
  });

  it('rejects mismatched series lengths naming the mark', () => {
    assert.throws(
      () => renderSvg({ marks: [{ type: 'line', x: [1, 2], y: [1] }] }),
      (e: unknown) => e instanceof InvalidArgumentError && /marks\[0\]\.y/.test(e.message),
    );
  });
});

describe('ticks', () => {
  it('log ticks over five decades are labelled powers of ten', () => {
    const t = logTicks(1e-3, 1e2).filter((x) => !x.minor);
    assert.deepEqual(
      t.map((x) => x.label),
      ['0.001', '0.01', '0.1', '1', '10', '100'].map((s) => (s === '0.001' ? '10⁻³' : s)),
    );
  });

  it('log ticks over many decades are thinned and use superscripts', () => {
    const t = logTicks(1e-16, 1e2).filter((x) => !x.minor);
    assert.ok(t.length <= 10, `${t.length} labelled ticks`);
    assert.equal(t[0].label, '10⁻¹⁶');
    assert.ok(t.every((x) => Math.log10(x.value) % 1 === 0));
  });

  it('log ticks within one decade label 2 and 5', () => {
    const labelled = logTicks(100, 1000)
      .filter((x) => x.label !== '')
      .map((x) => x.label);
    assert.deepEqual(labelled, ['100', '200', '500', '1000']);
  });

  it('linear ticks are 1-2-5 multiples without float noise', () => {
    assert.deepEqual(
      linearTicks(0, 1).map((x) => x.label),
      ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0'],
    );
    assert.deepEqual(
      linearTicks(-0.3, 0.3, 6).map((x) => x.value),
      [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3],
    );
    assert.equal(linearTicks(-2, 2).find((x) => x.value < 0)?.label[0], '−', 'Unicode minus');
  });

  it('nice domains extend outward', () => {
    assert.deepEqual(niceLinearDomain(0.13, 9.7), [0, 10]);
    assert.deepEqual(niceLogDomain(0.013, 97), [0.01, 100]);
    assert.deepEqual(niceLinearDomain(5, 5), [4.4, 5.6]);
  });

  it('formatNumber uses superscript exponents for tiny and huge numbers', () => {
    assert.equal(formatNumber(2.5e-7), '2.5×10⁻⁷');
    assert.equal(formatNumber(-1234567), '−1.23×10⁶');
    assert.equal(formatNumber(0.125), '0.125');
  });

  it('meanStd gives the sample standard deviation', () => {
    const { mean, std, lo, hi } = meanStd([
      [1, 2],
      [3, 6],
    ]);
    assert.deepEqual(mean, [2, 4]);
    assert.deepEqual(std, [Math.SQRT2, 2 * Math.SQRT2]);
    assert.deepEqual(lo, [2 - Math.SQRT2, 4 - 2 * Math.SQRT2]);
    assert.deepEqual(hi, [2 + Math.SQRT2, 4 + 2 * Math.SQRT2]);
  });
});

describe('figure specs at the edges (test/fuzz/figure.test.ts)', () => {
  const noBad = (svg: string): void => {
    const body = svg.replaceAll('not drawn (NaN/±∞', '');
    assert.doesNotMatch(body, /NaN|Infinity/);
  };

  it('readFigureSpec names the file and the field; renderSvg the field', () => {
    const bad = (text: string, re: RegExp) =>
      assert.throws(
        () => readFigureSpec(text, 'figures/x.json'),
        (e: unknown) => e instanceof FormatError && e.path === 'figures/x.json' && re.test(e.message),
      );
    bad('{"title": "no marks"}', /figures\/x\.json: figure spec field `marks` must be a list of marks/);
    bad(
      '{"type": "facets", "columns": 2, "panels": [{"marks": [{"type": "dot", "x": [1], "y": "a"}]}]}',
      /`panels\[0\]\.marks\[0\]\.y`/,
    );
    bad(
      '{"marks": [{"type": "line", "x": [1], "y": [1], "color": "\\" onload=\\"x"}]}',
      /`marks\[0\]\.color` must be a palette index or a CSS color/,
    );
    bad('{"x": {"ticks": 1000000000}, "marks": []}', /`x\.ticks` must be an integer in \[1, 50\]/);
    bad('{"marks": [', /is not valid JSON/);
    assert.throws(
      () => renderSvg({ title: 'x' } as FigureSpec),
      (e: unknown) => e instanceof InvalidArgumentError && /`spec\.marks`/.test(e.message),
    );
    // what a run folder's JSON holds for NaN/±∞ (toJsonValue) reads as points not drawn
    const spec = readFigureSpec(
      '{"marks": [{"type": "line", "x": [1, 2, 3], "y": [1, "NaN", "Infinity"]}, {"type": "rule", "y": null}]}',
      'f.json',
    );
    assert.match(renderSvg(spec), /2 of 3 points not drawn/);
  });

  it('renders data near the ends of the double range without NaN, ∞ or a hang', () => {
    // a subnormal on a log axis looped forever in logTicks (10^-324 = 0); ±1e308 overflowed spans to NaN
    noBad(renderSvg({ y: { type: 'log' }, marks: [{ type: 'dot', x: [1, 2], y: [5e-324, 30] }] }));
    noBad(renderSvg({ marks: [{ type: 'line', x: [-1e308, 1e308], y: [1e308, -1e308] }] }));
    noBad(renderSvg({ marks: [{ type: 'dot', x: [0, 1], y: [0, 5e-324] }] }));
    noBad(renderSvg({ x: { percent: true }, marks: [{ type: 'dot', x: [0, 1e-320], y: [0, 1] }] }));
    noBad(renderSvg({ x: { percent: true }, marks: [{ type: 'dot', x: [1, 1e308], y: [0, 1] }] }));
    noBad(renderSvg({ marks: [{ type: 'heatmap', rows: 1, cols: 2, values: [-1e308, 1e308] }] }));
    assert.equal(formatNumber(5e-324), '4.94×10⁻³²⁴');
  });
});
