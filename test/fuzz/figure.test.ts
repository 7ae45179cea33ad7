/**
 * Fuzz: figure specs (src/report: readFigureSpec, the reader `ntk report` and the run report use for
 * figures/<name>.json, and renderSvg). Specs are generated from the FigureSpec grammar (plots and facets, every
 * mark type, axes with log/linear types, domains, tick counts, awkward text and colors), mutated structurally
 * (missing `marks`, wrong types, huge and non-finite numbers) and as JSON text.
 *
 * Correct = the SVG is well-formed XML (balanced tags, quoted attributes without `<` or `"`, entities only in
 * text), starts with `<svg` and ends with `</svg>`, and has no `NaN`, `Infinity`, `undefined` or `[object` in it:
 * whatever the reader accepts renders to a document a browser shows as drawn.
 */
import { describe, it } from 'node:test';
import { renderSvg } from '../../src/report/svg.js';
import { readFigureSpec } from '../../src/report/validate.js';
import { generate, svgProblem } from './figureGen.js';
import { assertClean, fuzzCount, fuzzParser, fuzzSeed } from './harness.js';

describe('fuzz: figure specs', () => {
  it(`readFigureSpec + renderSvg: ${fuzzCount()} specs end in a typed error naming the field or a well-formed SVG`, () => {
    const report = fuzzParser({
      name: 'figure-spec',
      seed: fuzzSeed(81),
      count: fuzzCount(),
      generate,
      run(text, i) {
        const spec = readFigureSpec(text, `figures/f${i}.json`);
        const svg = renderSvg(spec);
        if (svg.length > 20_000_000) return `an SVG of ${svg.length} characters`;
        return svgProblem(svg, spec) ?? undefined;
      },
    });
    assertClean(report, { minOk: 200, minTyped: 200 });
  });
});
