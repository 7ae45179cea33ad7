/**
 * Figures as pure, serializable specs (in the spirit of Observable Plot): a figure is data plus a list of marks on
 * x/y scales, nothing else. `renderSvg` (svg.ts) turns a spec into a deterministic SVG string; specs are stored next
 * to the SVGs in a run folder (figures/<name>.json) so `ntk report` can re-render them.
 *
 * Numbers in series may be `null` (that is how NaN/±Inf survive a JSON round trip); such points, and points ≤ 0 on a
 * log axis, are skipped and counted in a note under the plot.
 */

/** One coordinate: a number, or null for a missing value (drawn as a break in the line). */
export type Num = number | null;
/** A series of coordinates: a plain array (JSON-friendly) or a Float64Array. */
export type Series = readonly Num[] | Float64Array;

export type ScaleType = 'linear' | 'log';

export interface AxisSpec {
  /** Axis label with units or formula, e.g. `eigenvalue λᵢ`, `‖θ − θ₀‖ / ‖θ₀‖`. */
  readonly label?: string;
  readonly type?: ScaleType;
  /** Fixed domain [min, max]; default: the data's extent, extended to nice ticks. */
  readonly domain?: readonly [number, number];
  /** Draw this axis from max to min (heatmap rows run downwards by default). */
  readonly reverse?: boolean;
  /** Approximate number of ticks on a linear axis (default 6). */
  readonly ticks?: number;
  /** Tick labels as percentages (0.25 → 25%). */
  readonly percent?: boolean;
  /** Integer-valued axis (indices, counts, steps): ticks only at integers. */
  readonly integer?: boolean;
}

/** Palette index (0–7, wraps) or a CSS color string. */
export type Color = number | string;

interface MarkBase {
  /** Legend entry; marks without a label are not in the legend. */
  readonly label?: string;
  readonly color?: Color;
}

/** A polyline through (x[i], y[i]); missing points break the line. */
export interface LineMark extends MarkBase {
  readonly type: 'line';
  readonly x: Series;
  readonly y: Series;
  readonly dash?: boolean;
  /** Stroke width in px (default 1.75). */
  readonly width?: number;
}

/** Scatter points. */
export interface DotMark extends MarkBase {
  readonly type: 'dot';
  readonly x: Series;
  readonly y: Series;
  /** Radius in px (default 2.5). */
  readonly r?: number;
  /** Hollow circles (default filled). */
  readonly hollow?: boolean;
}

/** A shaded band between y1 and y2 (an ensemble's mean ± std, a confidence region). */
export interface BandMark extends MarkBase {
  readonly type: 'band';
  readonly x: Series;
  readonly y1: Series;
  readonly y2: Series;
  /** Fill opacity (default 0.2). */
  readonly opacity?: number;
}

/** The area between a curve and a baseline (default: the bottom of the y domain). */
export interface AreaMark extends MarkBase {
  readonly type: 'area';
  readonly x: Series;
  readonly y: Series;
  readonly baseline?: number;
  readonly opacity?: number;
}

/** A horizontal (y) or vertical (x) reference line across the plot. */
export interface RuleMark extends MarkBase {
  readonly type: 'rule';
  readonly x?: number;
  readonly y?: number;
  readonly dash?: boolean;
}

/** A text annotation at data coordinates. */
export interface TextMark {
  readonly type: 'text';
  readonly x: number;
  readonly y: number;
  readonly text: string;
  readonly anchor?: 'start' | 'middle' | 'end';
  /** Offset in px. */
  readonly dx?: number;
  readonly dy?: number;
  readonly color?: Color;
}

/**
 * A matrix drawn as colored cells: cell (i, j) covers x ∈ [j, j+1], y ∈ [i, i+1]; `values` is row-major. The color
 * scale is shown as a bar at the right. `viridis` for magnitudes, `diverging` (blue–white–red, centered at 0) for
 * signed matrices.
 */
export interface HeatmapMark {
  readonly type: 'heatmap';
  readonly rows: number;
  readonly cols: number;
  readonly values: Series;
  readonly scheme?: 'viridis' | 'diverging';
  /** Color domain [min, max]; default the finite data's extent (symmetric about 0 for diverging). */
  readonly domain?: readonly [number, number];
  /** Label of the color bar: the quantity the cells show. */
  readonly label?: string;
  /** The recorded quantity of each row (e.g. the training step a row was recorded at): ticks show these values. */
  readonly rowValues?: Series;
  /** The quantity of each column (e.g. the eigenvector index i): ticks show these values. */
  readonly colValues?: Series;
}

export type Mark = LineMark | DotMark | BandMark | AreaMark | RuleMark | TextMark | HeatmapMark;

/** One plot: scales, marks, title, legend. */
export interface PlotSpec {
  readonly type?: 'plot';
  readonly title?: string;
  readonly subtitle?: string;
  /** Total size in px (defaults 640 × 400). */
  readonly width?: number;
  readonly height?: number;
  readonly x?: AxisSpec;
  readonly y?: AxisSpec;
  readonly marks: readonly Mark[];
  /** Show the legend (default: when any mark has a label). */
  readonly legend?: boolean;
  /** Light grid lines at the ticks (default true). */
  readonly grid?: boolean;
}

/**
 * Several plots in a grid (small multiples), at most `columns` per row; rows are balanced (4 panels with
 * `columns: 3` are drawn 2 × 2, not 3 + 1). When every panel has the same legend, it is drawn once above the grid.
 */
export interface FacetSpec {
  readonly type: 'facets';
  readonly title?: string;
  readonly subtitle?: string;
  readonly columns: number;
  readonly panels: readonly PlotSpec[];
  /** One x domain for every panel (the union of their data), so panels compare by position. */
  readonly shareX?: boolean;
  /** One y domain for every panel. */
  readonly shareY?: boolean;
}

export type FigureSpec = PlotSpec | FacetSpec;

/**
 * Okabe–Ito colorblind-safe palette (Okabe & Ito 2008), black moved last, yellow avoided early because it is weak
 * on white.
 */
export const PALETTE: readonly string[] = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#000000',
  '#F0E442',
];

/** The CSS color of a palette index or a CSS color string. */
export function colorOf(c: Color | undefined, fallbackIndex: number): string {
  if (typeof c === 'string') return c;
  const i = c ?? fallbackIndex;
  return PALETTE[((Math.trunc(i) % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** A series element as a number (null → NaN). */
export function at(s: Series, i: number): number {
  const v = s[i];
  return v === null || v === undefined ? Number.NaN : v;
}

/** Convenience: a series of means and mean ± std over rows of equal length (ensembles over seeds). */
export function meanStd(rows: readonly (readonly number[] | Float64Array)[]): {
  mean: number[];
  lo: number[];
  hi: number[];
  std: number[];
} {
  const m = rows.length === 0 ? 0 : Math.min(...rows.map((r) => r.length));
  const mean: number[] = [];
  const std: number[] = [];
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (const r of rows) s += r[i];
    const mu = s / rows.length;
    let v = 0;
    for (const r of rows) v += (r[i] - mu) ** 2;
    const sd = rows.length > 1 ? Math.sqrt(v / (rows.length - 1)) : 0;
    mean.push(mu);
    std.push(sd);
  }
  return { mean, std, lo: mean.map((mu, i) => mu - std[i]), hi: mean.map((mu, i) => mu + std[i]) };
}
