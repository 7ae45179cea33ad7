/**
 * Figure spec validation: the one check of a FigureSpec's structure and values, used by `renderSvg` (programmatic
 * specs: InvalidArgumentError) and by `readFigureSpec` (a figures/<name>.json file that `ntk report` and the run
 * report re-render: FormatError naming the file and the field). Everything the renderer relies on is checked here:
 * required fields and their types, series lengths, heatmap sizes, domains a scale can map (distinct ends, positive
 * on a log axis), tick counts, sizes, and colors that are safe inside an SVG attribute.
 */
import { readFileSync } from 'node:fs';
import { FormatError, InvalidArgumentError, showValue } from '../errors.js';
import type { FigureSpec } from './figure.js';

/** At most this many heatmap cells (subsample the matrix), points per series, marks per plot, panels per figure. */
export const FIGURE_LIMITS = { cells: 250_000, points: 1_000_000, marks: 10_000, panels: 400 } as const;

/** The first problem found: where (`marks[2].x`), what it must be, and the value. */
export interface FigureSpecProblem {
  readonly field: string;
  readonly constraint: string;
  readonly value: unknown;
}

class Problem extends Error {
  constructor(readonly p: FigureSpecProblem) {
    super(p.field);
  }
}

/** How toJsonValue (src/experiments/runner.ts) writes non-finite numbers into a run folder's JSON. */
const NON_FINITE_TEXT = new Set(['NaN', 'Infinity', '-Infinity']);
const isCoordinate = (x: unknown): boolean =>
  x === null || typeof x === 'number' || (typeof x === 'string' && NON_FINITE_TEXT.has(x));

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

/** A CSS color that cannot break out of an attribute: #rgb[a], #rrggbb[aa], a color name, rgb()/hsl() forms. */
const CSS_COLOR =
  /^(#[0-9a-fA-F]{3,4}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]{1,30}|(rgb|rgba|hsl|hsla)\([0-9.,%\s]{1,60}\))$/;

class Checker {
  fail(field: string, constraint: string, value: unknown): never {
    throw new Problem({ field, constraint, value });
  }

  obj(v: unknown, field: string): Record<string, unknown> {
    if (!isObject(v)) this.fail(field, 'an object', v);
    return v;
  }

  optString(o: Record<string, unknown>, k: string, field: string): void {
    if (o[k] !== undefined && typeof o[k] !== 'string') this.fail(`${field}${k}`, 'a string', o[k]);
  }

  optBool(o: Record<string, unknown>, k: string, field: string): void {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') this.fail(`${field}${k}`, 'true or false', o[k]);
  }

  /** A finite number in [lo, hi] (or absent when optional). */
  num(o: Record<string, unknown>, k: string, field: string, lo: number, hi: number, optional: boolean): void {
    const v = o[k];
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi)
      this.fail(`${field}${k}`, `a finite number in [${lo}, ${hi}]`, v);
  }

  int(o: Record<string, unknown>, k: string, field: string, lo: number, hi: number, optional: boolean): void {
    const v = o[k];
    if (v === undefined && optional) return;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
      this.fail(`${field}${k}`, `an integer in [${lo}, ${hi}]`, v);
  }

  oneOf(o: Record<string, unknown>, k: string, field: string, values: readonly string[]): void {
    const v = o[k];
    if (v !== undefined && !values.includes(v as string))
      this.fail(`${field}${k}`, `one of ${values.map((x) => `"${x}"`).join(', ')}`, v);
  }

  color(o: Record<string, unknown>, field: string): void {
    const v = o.color;
    if (v === undefined) return;
    if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string' || !CSS_COLOR.test(v))
      this.fail(`${field}color`, 'a palette index or a CSS color (#rrggbb, a name, rgb(…))', v);
  }

  /**
   * A series: numbers or nulls, a plain array or a Float64Array. NaN/±∞ (and the strings "NaN", "Infinity",
   * "-Infinity" that a run folder's JSON holds for them) are points not drawn. Returns its length.
   */
  series(o: Record<string, unknown>, k: string, field: string): number {
    const v = o[k];
    if (v instanceof Float64Array) return v.length;
    if (!Array.isArray(v)) this.fail(`${field}${k}`, 'a list of numbers (null for a missing value)', v);
    if (v.length > FIGURE_LIMITS.points) this.fail(`${field}${k}`, `at most ${FIGURE_LIMITS.points} points`, v.length);
    for (let i = 0; i < v.length; i++) {
      if (!isCoordinate(v[i])) this.fail(`${field}${k}[${i}]`, 'a number or null', v[i]);
    }
    return v.length;
  }

  /** A coordinate that may be missing (a rule's x, a text's position, an area's baseline). */
  coord(o: Record<string, unknown>, k: string, field: string, optional: boolean): void {
    if (o[k] === undefined && optional) return;
    if (!isCoordinate(o[k])) this.fail(`${field}${k}`, 'a number (null or NaN: not drawn)', o[k]);
  }

  sameLength(field: string, k: string, n: number, expected: number): void {
    if (n !== expected) this.fail(`${field}${k}`, `of the same length as x (${expected})`, n);
  }

  domain(v: unknown, field: string, log: boolean): void {
    if (v === undefined) return;
    const ok =
      Array.isArray(v) &&
      v.length === 2 &&
      v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!log || x > 0)) &&
      v[0] !== v[1] &&
      Number.isFinite(v[1] - v[0]);
    if (!ok)
      this.fail(
        field,
        `[min, max]: two different finite numbers whose difference is finite${log ? ', both > 0 on a log axis' : ''}`,
        v,
      );
  }

  axis(v: unknown, field: string): void {
    if (v === undefined) return;
    const a = this.obj(v, field);
    const f = `${field}.`;
    this.optString(a, 'label', f);
    this.oneOf(a, 'type', f, ['linear', 'log']);
    const log = a.type === 'log';
    this.domain(a.domain, `${f}domain`, log);
    this.optBool(a, 'reverse', f);
    this.int(a, 'ticks', f, 1, 50, true);
    this.optBool(a, 'percent', f);
    this.optBool(a, 'integer', f);
  }

  mark(v: unknown, field: string): void {
    const m = this.obj(v, field);
    const f = `${field}.`;
    const TYPES = ['line', 'dot', 'band', 'area', 'rule', 'text', 'heatmap'];
    if (!TYPES.includes(m.type as string)) this.fail(`${f}type`, `one of ${TYPES.join(', ')}`, m.type);
    if (m.type !== 'text' && m.type !== 'heatmap') this.optString(m, 'label', f);
    this.color(m, f);
    switch (m.type) {
      case 'line':
      case 'dot':
      case 'area': {
        const n = this.series(m, 'x', f);
        this.sameLength(f, 'y', this.series(m, 'y', f), n);
        if (m.type === 'line') {
          this.optBool(m, 'dash', f);
          this.num(m, 'width', f, 0, 100, true);
        } else if (m.type === 'dot') {
          this.num(m, 'r', f, 0, 100, true);
          this.optBool(m, 'hollow', f);
        } else {
          this.coord(m, 'baseline', f, true);
          this.num(m, 'opacity', f, 0, 1, true);
        }
        return;
      }
      case 'band': {
        const n = this.series(m, 'x', f);
        this.sameLength(f, 'y1', this.series(m, 'y1', f), n);
        this.sameLength(f, 'y2', this.series(m, 'y2', f), n);
        this.num(m, 'opacity', f, 0, 1, true);
        return;
      }
      case 'rule':
        this.coord(m, 'x', f, true);
        this.coord(m, 'y', f, true);
        this.optBool(m, 'dash', f);
        return;
      case 'text':
        this.coord(m, 'x', f, false);
        this.coord(m, 'y', f, false);
        if (typeof m.text !== 'string') this.fail(`${f}text`, 'a string', m.text);
        this.oneOf(m, 'anchor', f, ['start', 'middle', 'end']);
        this.num(m, 'dx', f, -1e4, 1e4, true);
        this.num(m, 'dy', f, -1e4, 1e4, true);
        return;
      case 'heatmap': {
        this.int(m, 'rows', f, 0, FIGURE_LIMITS.cells, false);
        this.int(m, 'cols', f, 0, FIGURE_LIMITS.cells, false);
        const cells = (m.rows as number) * (m.cols as number);
        if (cells > FIGURE_LIMITS.cells)
          this.fail(field, `at most ${FIGURE_LIMITS.cells} cells (subsample the matrix)`, `${m.rows}×${m.cols}`);
        const n = this.series(m, 'values', f);
        if (n !== cells) this.fail(`${f}values`, `of length rows·cols = ${cells}`, n);
        this.oneOf(m, 'scheme', f, ['viridis', 'diverging']);
        this.domain(m.domain, `${f}domain`, false);
        this.optString(m, 'label', f);
        for (const [k, len] of [
          ['rowValues', m.rows],
          ['colValues', m.cols],
        ] as const) {
          if (m[k] === undefined) continue;
          const got = this.series(m, k, f);
          if (got !== len) this.fail(`${f}${k}`, `of length ${k === 'rowValues' ? 'rows' : 'cols'} = ${len}`, got);
        }
        return;
      }
    }
  }

  plot(v: unknown, field: string): void {
    const p = this.obj(v, field || 'spec');
    const f = field ? `${field}.` : '';
    if (p.type !== undefined && p.type !== 'plot') this.fail(`${f}type`, '"plot" (or absent) for a plot', p.type);
    this.optString(p, 'title', f);
    this.optString(p, 'subtitle', f);
    this.num(p, 'width', f, 1, 1e5, true);
    this.num(p, 'height', f, 1, 1e5, true);
    this.axis(p.x, `${f}x`);
    this.axis(p.y, `${f}y`);
    this.optBool(p, 'legend', f);
    this.optBool(p, 'grid', f);
    if (!Array.isArray(p.marks)) this.fail(`${f}marks`, 'a list of marks', p.marks);
    if (p.marks.length > FIGURE_LIMITS.marks)
      this.fail(`${f}marks`, `at most ${FIGURE_LIMITS.marks} marks`, p.marks.length);
    p.marks.forEach((m, i) => this.mark(m, `${f}marks[${i}]`));
  }

  figure(v: unknown): void {
    const s = this.obj(v, 'spec');
    if (s.type !== 'facets') return this.plot(s, '');
    this.optString(s, 'title', '');
    this.optString(s, 'subtitle', '');
    this.int(s, 'columns', '', 1, 100, false);
    this.optBool(s, 'shareX', '');
    this.optBool(s, 'shareY', '');
    if (!Array.isArray(s.panels)) this.fail('panels', 'a list of plots', s.panels);
    if (s.panels.length > FIGURE_LIMITS.panels)
      this.fail('panels', `at most ${FIGURE_LIMITS.panels} plots`, s.panels.length);
    s.panels.forEach((p, k) => this.plot(p, `panels[${k}]`));
  }
}

/** The first problem of a figure spec, or null when it renders. */
export function figureSpecProblem(spec: unknown): FigureSpecProblem | null {
  try {
    new Checker().figure(spec);
    return null;
  } catch (e) {
    if (e instanceof Problem) return e.p;
    throw e;
  }
}

/** Throw InvalidArgumentError(fn, `spec.<field>`, …) unless `spec` is a valid figure spec. */
export function checkFigureSpec(spec: unknown, fn = 'renderSvg'): asserts spec is FigureSpec {
  const p = figureSpecProblem(spec);
  if (p) throw new InvalidArgumentError(fn, p.field === 'spec' ? 'spec' : `spec.${p.field}`, p.constraint, p.value);
}

/** Parse and check a figure spec file's text; a FormatError naming `file` and the field otherwise. */
export function readFigureSpec(text: string, file: string): FigureSpec {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new FormatError(file, `is not valid JSON: ${(e as Error).message}`);
  }
  const p = figureSpecProblem(v);
  if (p)
    throw new FormatError(
      file,
      `figure spec field \`${p.field}\` must be ${p.constraint}. Value: \`${showValue(p.value)}\``,
    );
  return v as FigureSpec;
}

/** Read a figures/<name>.json file (readFigureSpec); a FormatError naming it when it cannot be read. */
export function readFigureSpecFile(path: string): FigureSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FormatError(
      path,
      `cannot read the figure spec: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return readFigureSpec(text, path);
}
