import { InvalidArgumentError } from '../errors.js';

/** A dense row-major float64 matrix: element (i, j) is `data[i * cols + j]`. Shape and buffer never change size. */
export class Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;

  constructor(rows: number, cols: number, data?: Float64Array) {
    if (!Number.isInteger(rows) || rows < 0)
      throw new InvalidArgumentError('Matrix', 'rows', 'a non-negative integer', rows);
    if (!Number.isInteger(cols) || cols < 0)
      throw new InvalidArgumentError('Matrix', 'cols', 'a non-negative integer', cols);
    if (data !== undefined && data.length !== rows * cols) {
      throw new InvalidArgumentError('Matrix', 'data', `a Float64Array of length rows*cols = ${rows * cols}`, data);
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data ?? new Float64Array(rows * cols);
  }

  static zeros(rows: number, cols: number): Matrix {
    return new Matrix(rows, cols);
  }

  static identity(n: number): Matrix {
    const m = new Matrix(n, n);
    for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
    return m;
  }

  /** From nested arrays (rows of equal length). */
  static from(rows: ReadonlyArray<ArrayLike<number>>): Matrix {
    const r = rows.length;
    const c = r === 0 ? 0 : rows[0].length;
    const m = new Matrix(r, c);
    for (let i = 0; i < r; i++) {
      if (rows[i].length !== c)
        throw new InvalidArgumentError('Matrix.from', `rows[${i}]`, `of length ${c}`, rows[i].length);
      for (let j = 0; j < c; j++) m.data[i * c + j] = rows[i][j];
    }
    return m;
  }

  /** Diagonal matrix from a vector. */
  static diag(values: ArrayLike<number>): Matrix {
    const n = values.length;
    const m = new Matrix(n, n);
    for (let i = 0; i < n; i++) m.data[i * n + i] = values[i];
    return m;
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  set(i: number, j: number, v: number): void {
    this.data[i * this.cols + j] = v;
  }

  /** A copy of row i. */
  row(i: number): Float64Array {
    return this.data.slice(i * this.cols, (i + 1) * this.cols);
  }

  /** A copy of column j. */
  col(j: number): Float64Array {
    const out = new Float64Array(this.rows);
    for (let i = 0; i < this.rows; i++) out[i] = this.data[i * this.cols + j];
    return out;
  }

  /** Rows [start, end) as a view sharing this buffer. */
  rowSlice(start: number, end: number): Matrix {
    return new Matrix(end - start, this.cols, this.data.subarray(start * this.cols, end * this.cols));
  }

  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  transpose(): Matrix {
    const { rows: r, cols: c, data: a } = this;
    const t = new Matrix(c, r);
    const b = t.data;
    const B = 32;
    for (let i0 = 0; i0 < r; i0 += B) {
      for (let j0 = 0; j0 < c; j0 += B) {
        const iMax = Math.min(i0 + B, r);
        const jMax = Math.min(j0 + B, c);
        for (let i = i0; i < iMax; i++) for (let j = j0; j < jMax; j++) b[j * r + i] = a[i * c + j];
      }
    }
    return t;
  }

  diagonal(): Float64Array {
    const n = Math.min(this.rows, this.cols);
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = this.data[i * this.cols + i];
    return d;
  }

  toArray(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)));
    return out;
  }
}
