/**
 * Numeric CSV matrices. Reading: an optional header row (`header: true | false | 'auto'`; auto = the first row has a
 * cell that is not a number), a delimiter (default ','), rows to skip before it, double-quoted cells ("a,b" and
 * "" escapes), blank lines ignored. Every data cell must parse as a number (NaN/nan/inf/-inf/Infinity accepted);
 * otherwise a FormatError names the file, the 1-based line, the column (and its header name) and the cell text.
 * Writing: shortest round-trip decimal of each value (or `precision` significant digits), atomically.
 */
import { readFileSync } from 'node:fs';
import { FormatError, InvalidArgumentError } from '../errors.js';
import { Matrix } from '../linalg/matrix.js';
import { writeFileAtomic } from './atomic.js';

export interface CsvReadOptions {
  /** true: the first (non-skipped) row is a header; false: none; 'auto' (default): header if not all numeric. */
  readonly header?: boolean | 'auto';
  /** Field separator, one character (default ','). */
  readonly delimiter?: string;
  /** Lines to skip at the top before the header or data (default 0). */
  readonly skipRows?: number;
  /** Refuse NaN and ±Infinity cells (a FormatError naming the line and column), e.g. for dataset files. */
  readonly finite?: boolean;
}

export interface CsvTable {
  /** Column names, or null when the file has no header. */
  readonly header: string[] | null;
  /** The numeric cells, rows × columns. */
  readonly matrix: Matrix;
  /** The 1-based line of each data row in the text (for error messages about a row). */
  readonly lines: readonly number[];
}

/**
 * Split one CSV line into cells, honouring double quotes. A quoted cell must close on its line (quoted line breaks
 * are not supported): an InvalidArgumentError otherwise.
 */
export function splitCsvLine(line: string, delimiter = ','): string[] {
  const cells = cellsOf(line, delimiter);
  if (cells === null)
    throw new InvalidArgumentError('splitCsvLine', 'line', 'a line whose quoted cells close on it', line);
  return cells;
}

/** The cells of one line, or null when a quoted cell does not close on it. */
function cellsOf(line: string, delimiter: string): string[] | null {
  if (!line.includes('"')) return line.split(delimiter);
  const cells: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      cells.push(cur);
      cur = '';
    } else cur += c;
  }
  if (quoted) return null;
  cells.push(cur);
  return cells;
}

const SPECIAL: Record<string, number> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
};

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parse one numeric cell (decimal notation, or nan/inf/infinity in any case); undefined if it is not a number. */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  // Number() alone would also accept '0x1f', '0b1' and '' (as 0).
  if (DECIMAL.test(t)) return Number(t);
  return SPECIAL[t.toLowerCase()];
}

/** Parse CSV text (already decoded) into a numeric table; `file` names the source in errors. */
export function parseCsv(text: string, file = '<text>', opts: CsvReadOptions = {}): CsvTable {
  const delimiter = opts.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || /["\r\n]/.test(delimiter))
    throw new InvalidArgumentError(
      'parseCsv',
      'delimiter',
      'a single character other than `"` or a line break',
      delimiter,
    );
  const skip = opts.skipRows ?? 0;
  if (!Number.isInteger(skip) || skip < 0)
    throw new InvalidArgumentError('parseCsv', 'skipRows', 'a non-negative integer', skip);
  const lines = text.split(/\r?\n/);
  let li = skip;
  while (li < lines.length && lines[li].trim() === '') li++;
  if (li >= lines.length) return { header: null, matrix: new Matrix(0, 0), lines: [] };
  let header: string[] | null = null;
  const split = (k: number): string[] => {
    const cells = cellsOf(lines[k], delimiter);
    if (cells === null)
      throw new FormatError(
        file,
        `line ${k + 1}: a quoted cell is not closed on its line (quoted line breaks are not supported)`,
      );
    return cells;
  };
  const first = split(li);
  const mode = opts.header ?? 'auto';
  if (mode === true || (mode === 'auto' && first.some((c) => parseNumber(c) === undefined))) {
    header = first.map((c) => c.trim());
    li++;
  }
  const cols = header ? header.length : first.length;
  const values: number[] = [];
  const rowLines: number[] = [];
  let rows = 0;
  for (; li < lines.length; li++) {
    const line = lines[li];
    if (line.trim() === '') continue;
    const cells = split(li);
    if (cells.length !== cols) {
      throw new FormatError(file, `line ${li + 1}: expected ${cols} columns, found ${cells.length}`);
    }
    for (let j = 0; j < cols; j++) {
      const v = parseNumber(cells[j]);
      if (v === undefined || (opts.finite && !Number.isFinite(v))) {
        const name = header ? ` ('${header[j]}')` : '';
        throw new FormatError(
          file,
          `line ${li + 1} (data row ${rows + 1}), column ${j + 1}${name}: ${v === undefined ? 'not a number' : 'not a finite number'}: ${JSON.stringify(cells[j])}`,
        );
      }
      values.push(v);
    }
    rowLines.push(li + 1);
    rows++;
  }
  return {
    header,
    matrix: new Matrix(rows, rows === 0 ? (header?.length ?? 0) : cols, Float64Array.from(values)),
    lines: rowLines,
  };
}

/** Read a numeric CSV file. */
export function readCsv(path: string, opts: CsvReadOptions = {}): CsvTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FormatError(path, `cannot read CSV file: ${(e as Error).message}`);
  }
  return parseCsv(text, path, opts);
}

export interface CsvWriteOptions {
  /** Column names written as the first row. */
  readonly header?: readonly string[];
  readonly delimiter?: string;
  /** Significant digits; default: the shortest text that reads back to the same float64. */
  readonly precision?: number;
}

function quoteCell(s: string, delimiter: string): string {
  // an empty name is quoted too: a header of one empty name would otherwise be a blank line, which readers skip
  return s === '' || s.includes(delimiter) || s.includes('"') || s.includes('\n') || s.includes('\r')
    ? `"${s.replaceAll('"', '""')}"`
    : s;
}

/** Format a matrix as CSV text. */
export function formatCsv(m: Matrix, opts: CsvWriteOptions = {}): string {
  const delimiter = opts.delimiter ?? ',';
  if (opts.header && opts.header.length !== m.cols) {
    throw new InvalidArgumentError('formatCsv', 'header', `an array of ${m.cols} names (one per column)`, opts.header);
  }
  const p = opts.precision;
  if (p !== undefined && (!Number.isInteger(p) || p < 1 || p > 17)) {
    throw new InvalidArgumentError('formatCsv', 'precision', 'an integer in [1, 17]', p);
  }
  const fmt = (v: number): string =>
    Number.isFinite(v) && p !== undefined ? String(Number(v.toPrecision(p))) : String(v);
  const out: string[] = [];
  if (opts.header) out.push(opts.header.map((h) => quoteCell(h, delimiter)).join(delimiter));
  for (let i = 0; i < m.rows; i++) {
    const row: string[] = new Array(m.cols);
    for (let j = 0; j < m.cols; j++) row[j] = fmt(m.data[i * m.cols + j]);
    out.push(row.join(delimiter));
  }
  return `${out.join('\n')}\n`;
}

/** Write a matrix as CSV, atomically. */
export function writeCsv(path: string, m: Matrix, opts: CsvWriteOptions = {}): void {
  writeFileAtomic(path, formatCsv(m, opts));
}
