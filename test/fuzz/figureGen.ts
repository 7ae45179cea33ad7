/** The generator and the SVG check of test/fuzz/figure.test.ts (a module of its own so a script can replay inputs). */
import { escapeXml } from '../../src/report/svgBase.js';
import type { Rng } from '../../src/util/random.js';
import { AWKWARD_CHARS, chance, mutateText, mutateValue, pick } from './mutate.js';

/** Every string in a spec (its titles, labels and texts), as they appear escaped in the SVG. */
function specTexts(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(escapeXml(v));
  else if (Array.isArray(v)) for (const x of v) specTexts(x, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) specTexts(x, out);
  return out;
}

/**
 * A small XML well-formedness check of an SVG document rendered from `spec`; the first problem, or null. The
 * spec's own texts are taken out before looking for NaN/Infinity/undefined (a title may say "NaN").
 */
export function svgProblem(svg: string, spec: unknown): string | null {
  if (!svg.startsWith('<svg ') || !svg.endsWith('</svg>\n')) return 'not an <svg> document';
  // (the note under a plot says "k of n points not drawn (NaN/±∞…)": the one place the word belongs)
  let body = svg.replaceAll('not drawn (NaN/±∞', 'not drawn (');
  for (const t of specTexts(spec).sort((a, b) => b.length - a.length)) if (t) body = body.replaceAll(t, '');
  for (const bad of ['NaN', 'Infinity', 'undefined', '[object']) if (body.includes(bad)) return `contains ${bad}`;
  const stack: string[] = [];
  const tokens = svg.match(/<[^>]*>|[^<]+/g) ?? [];
  for (const t of tokens) {
    if (t.startsWith('</')) {
      const name = /^<\/([A-Za-z][\w:-]*)\s*>$/.exec(t)?.[1];
      if (!name || stack.pop() !== name) return `unbalanced ${t.slice(0, 60)}`;
    } else if (t.startsWith('<')) {
      const m = /^<([A-Za-z][\w:-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>$/.exec(t);
      if (!m) return `malformed tag ${t.slice(0, 120)}`;
      if (m[3] !== '/') stack.push(m[1]);
    } else if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(t)) return `raw & in text ${t.slice(0, 60)}`;
  }
  return stack.length ? `unclosed <${stack[stack.length - 1]}>` : null;
}

const TEXTS = ['', 'λᵢ', '<script>x</script>', 'a & b', '"q"', "it's", 'α'.repeat(300), ...AWKWARD_CHARS];
const COLORS: unknown[] = [0, 3, 7, 8, -1, 1e9, 2.5, '#0072B2', 'red', 'rgb(1,2,3)', '" onload="x', '<', ''];

function num(rng: Rng, log: boolean): number | null {
  const u = rng.uniform();
  if (u < 0.7) return log ? 10 ** (rng.uniform() * 6 - 3) : rng.uniform() * 20 - 10;
  return pick(rng, [null, 0, -1, 1e308, -1e308, 1e-320, 5e-324, 1e15, 0.1 + 0.2, -0]);
}

function series(rng: Rng, n: number, log: boolean): (number | null)[] {
  return Array.from({ length: n }, () => num(rng, log));
}

function axis(rng: Rng): Record<string, unknown> | undefined {
  if (chance(rng, 0.4)) return undefined;
  const a: Record<string, unknown> = {};
  if (chance(rng, 0.5)) a.label = pick(rng, TEXTS);
  if (chance(rng, 0.3)) a.type = pick(rng, ['linear', 'log', 'log', 'sqrt']);
  if (chance(rng, 0.2))
    a.domain = pick(rng, [[0, 1], [1, 1e6], [5, 5], [-1, 10], [10, 1], [0, 1e308], [-1e308, 1e308], [1e-320, 1], [0]]);
  if (chance(rng, 0.2)) a.ticks = pick(rng, [0, 1, 3, 6, 12, 50, 1e4, 1e9, -2, 2.5]);
  if (chance(rng, 0.1)) a.reverse = true;
  if (chance(rng, 0.1)) a.percent = true;
  return a;
}

function mark(rng: Rng, xLog: boolean, yLog: boolean): Record<string, unknown> {
  const n = chance(rng, 0.9) ? rng.int(12) : pick(rng, [0, 1, 200]);
  const type = pick(rng, ['line', 'dot', 'band', 'area', 'rule', 'text', 'heatmap', 'line', 'dot', 'bar']);
  const m: Record<string, unknown> = { type };
  if (chance(rng, 0.4)) m.label = pick(rng, TEXTS);
  if (chance(rng, 0.3)) m.color = pick(rng, COLORS);
  switch (type) {
    case 'line':
    case 'dot':
    case 'area':
      m.x = series(rng, n, xLog);
      m.y = series(rng, chance(rng, 0.95) ? n : n + 1, yLog);
      if (type === 'line' && chance(rng, 0.2)) m.width = pick(rng, [0, 1, 3, -1, 1e6]);
      if (type === 'dot' && chance(rng, 0.2)) m.r = pick(rng, [0, 2, -3, 1e6]);
      if (type === 'area' && chance(rng, 0.3)) m.baseline = num(rng, yLog);
      break;
    case 'band':
      m.x = series(rng, n, xLog);
      m.y1 = series(rng, n, yLog);
      m.y2 = series(rng, n, yLog);
      if (chance(rng, 0.3)) m.opacity = pick(rng, [0, 0.2, 1, 2, -1]);
      break;
    case 'rule':
      if (chance(rng, 0.7)) m.x = num(rng, xLog);
      if (chance(rng, 0.7)) m.y = num(rng, yLog);
      break;
    case 'text':
      m.x = num(rng, xLog);
      m.y = num(rng, yLog);
      m.text = pick(rng, TEXTS);
      if (chance(rng, 0.3)) m.anchor = pick(rng, ['start', 'middle', 'end', 'left', '"']);
      if (chance(rng, 0.2)) m.dx = pick(rng, [0, 4, -1e308, 1e308]);
      break;
    case 'heatmap': {
      const rows = rng.int(6);
      const cols = rng.int(6);
      m.rows = chance(rng, 0.95) ? rows : pick(rng, [-1, 2.5, 1e6]);
      m.cols = cols;
      m.values = series(rng, chance(rng, 0.9) ? rows * cols : rows * cols + 1, false);
      if (chance(rng, 0.3)) m.scheme = pick(rng, ['viridis', 'diverging', 'jet']);
      if (chance(rng, 0.2)) m.domain = pick(rng, [[0, 1], [1, 1], [-1, 1], [0, 1e308], [1]]);
      break;
    }
    default:
      m.x = series(rng, n, xLog);
  }
  return m;
}

function plot(rng: Rng): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  if (chance(rng, 0.5)) p.title = pick(rng, TEXTS);
  if (chance(rng, 0.3)) p.subtitle = pick(rng, TEXTS);
  const x = axis(rng);
  const y = axis(rng);
  if (x) p.x = x;
  if (y) p.y = y;
  if (chance(rng, 0.2)) p.width = pick(rng, [540, 100, 10, 0, -5, 1e9, 2.5]);
  if (chance(rng, 0.2)) p.height = pick(rng, [380, 100, 10, 0, 1e9]);
  if (chance(rng, 0.1)) p.legend = pick(rng, [true, false]);
  if (chance(rng, 0.1)) p.grid = pick(rng, [true, false]);
  const xLog = x?.type === 'log';
  const yLog = y?.type === 'log';
  p.marks = Array.from({ length: rng.int(5) }, () => mark(rng, xLog, yLog));
  return p;
}

function spec(rng: Rng): unknown {
  if (chance(rng, 0.25)) {
    return {
      type: 'facets',
      ...(chance(rng, 0.5) ? { title: pick(rng, TEXTS) } : {}),
      columns: pick(rng, [1, 2, 3, 0, -1, 1.5, 1e9]),
      panels: Array.from({ length: rng.int(4) }, () => plot(rng)),
    };
  }
  return plot(rng);
}

export function generate(rng: Rng): string {
  const s = spec(rng);
  const u = rng.uniform();
  if (u < 0.3) return JSON.stringify(mutateValue(rng, s));
  if (u < 0.4) return mutateText(rng, JSON.stringify(s), ['"marks":', '[', ']', '{', '}', 'null', '1e999', ','], [], 2);
  return JSON.stringify(s);
}
