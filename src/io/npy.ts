/**
 * NumPy `.npy` files (format versions 1.0, 2.0 and 3.0 read; 1.0 written unless the header needs 2.0).
 *
 * Supported dtypes: float64 `<f8`, float32 `<f4`, int32 `<i4`, int64 `<i8`, uint8 `|u1` (big-endian `>f8` etc. are
 * read and converted to native order; files are always written little-endian); numpy bools `|b1` are read as uint8
 * 0/1. Fortran-order files (`fortran_order: True`) are read and transposed to C order. Anything malformed (bad magic,
 * truncated header or data, unparsable header dict, data length ≠ product of the shape, a bool byte other than 0/1)
 * is a FormatError. `.npz` archives (numpy.savez / savez_compressed): `readNpz`, and `readNpy('f.npz')` (its only
 * array) or `readNpy('f.npz:name')`.
 *
 * Format reference: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { FormatError, InvalidArgumentError } from '../errors.js';
import { Matrix } from '../linalg/matrix.js';
import { writeFileAtomic } from './atomic.js';

export type NpyDtype = 'float64' | 'float32' | 'int32' | 'int64' | 'uint8';

/** The typed array that holds each dtype (int64 uses BigInt64Array so that no value is rounded). */
export interface NpyArrayTypes {
  float64: Float64Array;
  float32: Float32Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
}

export type NpyData = NpyArrayTypes[NpyDtype];

/** A decoded `.npy` array: C-order data of `shape` (an empty shape is a scalar with one element). */
export type NpyArray = {
  [K in NpyDtype]: { readonly dtype: K; readonly shape: readonly number[]; readonly data: NpyArrayTypes[K] };
}[NpyDtype];

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface DtypeInfo {
  readonly dtype: NpyDtype;
  readonly size: number;
  readonly descr: string;
}

const DTYPES: Record<NpyDtype, DtypeInfo> = {
  float64: { dtype: 'float64', size: 8, descr: '<f8' },
  float32: { dtype: 'float32', size: 4, descr: '<f4' },
  int32: { dtype: 'int32', size: 4, descr: '<i4' },
  int64: { dtype: 'int64', size: 8, descr: '<i8' },
  uint8: { dtype: 'uint8', size: 1, descr: '|u1' },
};

export const NPY_DTYPES: readonly NpyDtype[] = Object.keys(DTYPES) as NpyDtype[];

/** numpy's bool: one byte 0/1, read as uint8. */
const BOOL: DtypeInfo = { dtype: 'uint8', size: 1, descr: '|b1' };

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Map a numpy descr string to (dtype, byte order); null when unsupported. */
function parseDescr(descr: string): { info: DtypeInfo; little: boolean } | null {
  const m = /^([<>|=]?)([fiub])(\d+)$/.exec(descr);
  if (!m) return null;
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  let dtype: NpyDtype | null = null;
  if (kind === 'b') return size === 1 && order !== '<' && order !== '>' ? { info: BOOL, little: true } : null;
  if (kind === 'f' && size === 8) dtype = 'float64';
  else if (kind === 'f' && size === 4) dtype = 'float32';
  else if (kind === 'i' && size === 4) dtype = 'int32';
  else if (kind === 'i' && size === 8) dtype = 'int64';
  else if (kind === 'u' && size === 1) dtype = 'uint8';
  if (dtype === null) return null;
  if (size > 1 && order === '|') return null;
  const little = order === '>' ? false : order === '=' ? LITTLE_ENDIAN_HOST : true;
  return { info: DTYPES[dtype], little };
}

// ---------------------------------------------------------------------------------------------------------------
// Header dict: a Python literal such as {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
// Parsed as Python's ast.literal_eval (what numpy uses) reads it, restricted to what a header holds: a tuple is
// `()`, `(x,)` or `(x, y…)` (`(x)` is just x, `[…]` a list), integers have no leading zeros (`0`, `00` and a
// Python 2 `L` suffix in 1.0/2.0 headers excepted), whitespace is Python's (space, tab, form feed, newlines), and
// string escapes are refused. So a header numpy refuses is refused here too.

class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
type PyValue = string | boolean | number | PyTuple | PyValue[] | Map<string, PyValue>;

const PY_WS = new Set([' ', '\t', '\f', '\n', '\r']);

class PyLiteralParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly file: string,
    /** numpy drops a Python 2 `L` suffix from integers in 1.0 and 2.0 headers (not in 3.0). */
    private readonly longSuffix: boolean,
  ) {}

  fail(what: string): never {
    throw new FormatError(this.file, `malformed .npy header dict (${what} at offset ${this.i}): ${this.s.trim()}`);
  }

  ws(): void {
    while (this.i < this.s.length && PY_WS.has(this.s[this.i])) this.i++;
  }

  value(): PyValue {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.dict();
    if (c === '(') return this.tuple();
    if (c === '[') return this.list();
    if (c === "'" || c === '"') return this.str();
    for (const [word, v] of [
      ['True', true],
      ['False', false],
    ] as const) {
      if (this.s.startsWith(word, this.i) && !/[A-Za-z0-9_]/.test(this.s[this.i + word.length] ?? '')) {
        this.i += word.length;
        return v;
      }
    }
    const m = /^(-?)(0+|[1-9][0-9]*)(L?)/.exec(this.s.slice(this.i));
    if (m && !(m[3] === 'L' && !this.longSuffix) && !/[A-Za-z0-9_.]/.test(this.s[this.i + m[0].length] ?? '')) {
      const v = Number(m[2]);
      if (!Number.isSafeInteger(v)) this.fail(`integer ${m[1]}${m[2]} beyond 2^53 − 1`);
      this.i += m[0].length;
      return m[1] === '-' ? -v + 0 : v; // -0 is 0, as in Python
    }
    return this.fail(c === undefined ? 'unexpected end' : `unexpected character ${JSON.stringify(c)}`);
  }

  str(): string {
    const q = this.s[this.i++];
    const end = this.s.indexOf(q, this.i);
    if (end < 0) this.fail('unterminated string');
    const v = this.s.slice(this.i, end);
    if (v.includes('\\') || v.includes('\n')) this.fail('a string with an escape or a line break');
    this.i = end + 1;
    return v;
  }

  /** Items up to `close`, and whether a comma followed the last one. */
  items(close: string): { out: PyValue[]; trailingComma: boolean } {
    this.i++;
    const out: PyValue[] = [];
    let trailingComma = false;
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return { out, trailingComma };
      }
      out.push(this.value());
      this.ws();
      trailingComma = this.s[this.i] === ',';
      if (trailingComma) this.i++;
      else if (this.s[this.i] !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  tuple(): PyValue {
    const { out, trailingComma } = this.items(')');
    return out.length === 1 && !trailingComma ? out[0] : new PyTuple(out);
  }

  list(): PyValue[] {
    return this.items(']').out;
  }

  dict(): Map<string, PyValue> {
    this.i++;
    const out = new Map<string, PyValue>();
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const c = this.s[this.i];
      if (c !== "'" && c !== '"') this.fail('expected a string key');
      const k = this.str();
      this.ws();
      if (this.s[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      out.set(k, this.value());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') this.fail("expected ',' or '}'");
    }
  }

  parse(): PyValue {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) this.fail('trailing characters');
    return v;
  }
}

function shapeProduct(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

interface NpyHeader {
  readonly info: DtypeInfo;
  readonly little: boolean;
  readonly shape: number[];
  readonly dataOffset: number;
  readonly fortran: boolean;
}

/** Bytes as ISO-8859-1 text (one char per byte; no Buffer, so the reader also runs in a browser). */
function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return s;
}

function parseHeader(buf: Uint8Array, file: string): NpyHeader {
  if (buf.byteLength < 10)
    throw new FormatError(file, `truncated .npy file: ${buf.byteLength} bytes, need at least 10`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (buf[i] !== MAGIC[i]) {
      const got = latin1(buf.subarray(0, 6));
      throw new FormatError(file, `not a .npy file: bad magic ${JSON.stringify(got)}, expected "\\x93NUMPY"`);
    }
  }
  const major = buf[6];
  const minor = buf[7];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.byteLength < 12) throw new FormatError(file, 'truncated .npy file: header length field is cut off');
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else {
    throw new FormatError(file, `unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  if (start + headerLen > buf.byteLength) {
    throw new FormatError(
      file,
      `truncated .npy header: declares ${headerLen} header bytes but only ${buf.byteLength - start} follow`,
    );
  }
  const header = buf.subarray(start, start + headerLen);
  const text = major === 3 ? new TextDecoder('utf-8').decode(header) : latin1(header);
  const dict = new PyLiteralParser(text, file, major <= 2).parse();
  if (!(dict instanceof Map)) throw new FormatError(file, `.npy header is not a dict: ${text.trim()}`);
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const tuple = dict.get('shape');
  if (typeof descr !== 'string') throw new FormatError(file, `.npy header has no string 'descr': ${text.trim()}`);
  if (typeof fortran !== 'boolean')
    throw new FormatError(file, `.npy header has no boolean 'fortran_order': ${text.trim()}`);
  const shape = tuple instanceof PyTuple ? tuple.items : null;
  if (shape === null || !shape.every((s) => typeof s === 'number' && Number.isInteger(s) && s >= 0)) {
    throw new FormatError(file, `.npy header has no 'shape' tuple of non-negative integers: ${text.trim()}`);
  }
  const extra = [...dict.keys()].filter((k) => k !== 'descr' && k !== 'fortran_order' && k !== 'shape');
  if (extra.length > 0) throw new FormatError(file, `.npy header has unexpected keys: ${extra.join(', ')}`);
  const parsed = parseDescr(descr);
  if (!parsed) {
    throw new FormatError(
      file,
      `unsupported .npy dtype '${descr}' (supported: <f8, <f4, <i4, <i8, |u1, |b1 and their > forms)`,
    );
  }
  return {
    info: parsed.info,
    little: parsed.little,
    shape: shape as number[],
    dataOffset: start + headerLen,
    fortran,
  };
}

function makeArray(dtype: NpyDtype, length: number): NpyData {
  switch (dtype) {
    case 'float64':
      return new Float64Array(length);
    case 'float32':
      return new Float32Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'uint8':
      return new Uint8Array(length);
  }
}

/** Decode `.npy` bytes; `file` names the source in error messages. The result never aliases `buf`. */
export function decodeNpy(buf: Uint8Array, file = '<buffer>'): NpyArray {
  const h = parseHeader(buf, file);
  const count = shapeProduct(h.shape);
  const nbytes = count * h.info.size;
  const available = buf.byteLength - h.dataOffset;
  if (available !== nbytes) {
    throw new FormatError(
      file,
      `.npy data length does not match its shape (${h.shape.join('×') || 'scalar'}, dtype ${h.info.descr}): ` +
        `expected ${nbytes} bytes (${count} elements), found ${available}${available < nbytes ? ' (truncated file)' : ''}`,
    );
  }
  const out = makeArray(h.info.dtype, count);
  const dst = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  dst.set(buf.subarray(h.dataOffset, h.dataOffset + nbytes));
  if (h.little !== LITTLE_ENDIAN_HOST && h.info.size > 1) {
    const s = h.info.size;
    for (let i = 0; i < nbytes; i += s) dst.subarray(i, i + s).reverse();
  }
  if (h.info === BOOL) {
    const bad = (out as Uint8Array).findIndex((v) => v > 1);
    if (bad >= 0)
      throw new FormatError(file, `bool .npy element ${bad} is the byte ${(out as Uint8Array)[bad]}, not 0 or 1`);
  }
  const data = h.fortran ? fortranToC(out, h.shape) : out;
  return { dtype: h.info.dtype, shape: h.shape, data } as NpyArray;
}

/** Column-major (Fortran) data of `shape` in row-major (C) order: element (i₀, …, i_k) moves from Σ iⱼ·Fⱼ. */
function fortranToC<T extends NpyData>(a: T, shape: readonly number[]): T {
  if (shape.filter((s) => s > 1).length < 2) return a; // one varying axis: both orders are the same
  const out = makeArray(a instanceof BigInt64Array ? 'int64' : dtypeOfArray(a), a.length) as T;
  const k = shape.length;
  const fstride = new Array<number>(k);
  for (let j = 0, s = 1; j < k; s *= shape[j], j++) fstride[j] = s;
  const idx = new Array<number>(k).fill(0);
  let f = 0;
  for (let c = 0; c < a.length; c++) {
    (out as unknown as number[])[c] = (a as unknown as number[])[f];
    for (let j = k - 1; j >= 0; j--) {
      if (++idx[j] < shape[j]) {
        f += fstride[j];
        break;
      }
      f -= (shape[j] - 1) * fstride[j];
      idx[j] = 0;
    }
  }
  return out;
}

function dtypeOfArray(a: NpyData): NpyDtype {
  const d = npyDtypeOf(a);
  if (d === null) throw new InvalidArgumentError('decodeNpy', 'data', 'a supported typed array', a);
  return d;
}

/**
 * Read a `.npy` file — or one array of a `.npz` archive: `f.npz` (when it holds one array) or `f.npz:name`. Throws
 * FormatError (naming the file) for anything malformed or unsupported.
 */
export function readNpy(path: string): NpyArray {
  const npz = /^(.*\.npz)(?::([^/]+))?$/.exec(path);
  if (npz) {
    const arrays = readNpz(npz[1]);
    const names = [...arrays.keys()];
    const name = npz[2] ?? (names.length === 1 ? names[0] : undefined);
    if (name === undefined)
      throw new FormatError(npz[1], `holds ${names.length} arrays (${names.join(', ')}): name one as ${npz[1]}:NAME`);
    const a = arrays.get(name);
    if (!a) throw new FormatError(npz[1], `has no array '${name}' (it holds ${names.join(', ') || 'none'})`);
    return a;
  }
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new FormatError(path, `cannot read .npy file: ${(e as Error).message}`);
  }
  return decodeNpy(buf, path);
}

/** The dtype of a supported typed array, or null for anything else (plain arrays, other typed arrays). */
function npyDtypeOf(data: unknown): NpyDtype | null {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Uint8Array) return 'uint8';
  return null;
}

/** Convert between the supported dtypes (numbers → int64 must be safe integers). */
function convert(fn: string, data: NpyData | ArrayLike<number>, dtype: NpyDtype): NpyData {
  if (npyDtypeOf(data) === dtype) return data as NpyData;
  const src = data as ArrayLike<number | bigint>;
  const n = src.length;
  const out = makeArray(dtype, n);
  if (out instanceof BigInt64Array) {
    for (let i = 0; i < n; i++) {
      const v = src[i];
      if (typeof v === 'bigint') out[i] = v;
      else if (Number.isSafeInteger(v)) out[i] = BigInt(v);
      else throw new InvalidArgumentError(fn, `data[${i}]`, 'a safe integer for dtype int64', v);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = src[i];
      out[i] = typeof v === 'bigint' ? Number(v) : v;
    }
  }
  return out;
}

/** The `.npy` header (magic, version, length, dict padded to a multiple of 64 bytes) for an array. */
export function npyHeader(shape: readonly number[], dtype: NpyDtype): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DTYPES[dtype].descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let version = 1;
  let prefix = 10;
  let total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  if (total - prefix > 0xffff) {
    version = 2;
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  }
  const headerLen = total - prefix;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, headerLen, true);
  else dv.setUint32(8, headerLen, true);
  const padded = dict + ' '.repeat(headerLen - dict.length - 1) + '\n';
  out.set(
    Uint8Array.from(padded, (c) => c.charCodeAt(0) & 0xff),
    prefix,
  );
  return out;
}

function checkShape(fn: string, shape: readonly number[], length: number): void {
  if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new InvalidArgumentError(fn, 'shape', 'an array of non-negative integers', shape);
  }
  if (shapeProduct(shape) !== length) {
    throw new InvalidArgumentError(
      fn,
      'data',
      `of length ${shapeProduct(shape)} (the product of shape [${shape.join(', ')}])`,
      length,
    );
  }
}

/**
 * Encode an array as `.npy` bytes. `dtype` defaults to the typed array's own dtype (float64 for plain arrays);
 * when it differs, values are converted.
 */
export function encodeNpy(data: NpyData | ArrayLike<number>, shape: readonly number[], dtype?: NpyDtype): Uint8Array {
  const dt = dtype ?? npyDtypeOf(data) ?? 'float64';
  if (!(dt in DTYPES)) throw new InvalidArgumentError('encodeNpy', 'dtype', `one of ${NPY_DTYPES.join(', ')}`, dt);
  checkShape('encodeNpy', shape, data.length);
  const arr = convert('encodeNpy', data, dt);
  const header = npyHeader(shape, dt);
  const out = new Uint8Array(header.byteLength + arr.byteLength);
  out.set(header, 0);
  out.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), header.byteLength);
  if (!LITTLE_ENDIAN_HOST) {
    const s = DTYPES[dt].size;
    for (let i = header.byteLength; i < out.byteLength; i += s) out.subarray(i, i + s).reverse();
  }
  return out;
}

/** Write an array to a `.npy` file atomically (see encodeNpy for `dtype`). */
export function writeNpy(
  path: string,
  data: NpyData | ArrayLike<number>,
  shape: readonly number[],
  dtype?: NpyDtype,
): void {
  const dt = dtype ?? npyDtypeOf(data) ?? 'float64';
  if (!(dt in DTYPES)) throw new InvalidArgumentError('writeNpy', 'dtype', `one of ${NPY_DTYPES.join(', ')}`, dt);
  checkShape('writeNpy', shape, data.length);
  const arr = convert('writeNpy', data, dt);
  if (!LITTLE_ENDIAN_HOST) {
    writeFileAtomic(path, encodeNpy(arr, shape, dt));
    return;
  }
  // Stream header and data separately: no second copy of a large array.
  writeFileAtomic(path, (write) => {
    write(npyHeader(shape, dt));
    write(arr);
  });
}

/** Any numeric NpyArray's data as float64 (int64 values beyond 2^53 are rounded). */
export function npyToFloat64(a: NpyArray): Float64Array {
  if (a.dtype === 'float64') return a.data;
  const out = new Float64Array(a.data.length);
  if (a.dtype === 'int64') for (let i = 0; i < out.length; i++) out[i] = Number(a.data[i]);
  else out.set(a.data);
  return out;
}

/** Read a 2-D `.npy` as a float64 Matrix (a 1-D array of length n becomes n×1). Any supported dtype converts. */
export function readMatrixNpy(path: string): Matrix {
  const a = readNpy(path);
  if (a.shape.length !== 1 && a.shape.length !== 2) {
    throw new FormatError(path, `expected a 1-D or 2-D array for a matrix, found shape (${a.shape.join(', ')})`);
  }
  const rows = a.shape[0];
  const cols = a.shape.length === 2 ? a.shape[1] : 1;
  return new Matrix(rows, cols, npyToFloat64(a));
}

/** Write a Matrix as a 2-D `.npy` (float64 by default, or float32). */
export function writeMatrixNpy(path: string, m: Matrix, dtype: 'float64' | 'float32' = 'float64'): void {
  if (!(m instanceof Matrix)) throw new InvalidArgumentError('writeMatrixNpy', 'm', 'a Matrix', m);
  writeNpy(path, m.data, [m.rows, m.cols], dtype);
}

/**
 * The arrays of a `.npz` archive (numpy.savez: stored; savez_compressed: deflated), by name without `.npy`, in
 * archive order. Reads the ZIP central directory (ZIP64 archives are refused); each member is decoded as a `.npy`.
 */
export function readNpz(path: string): Map<string, NpyArray> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new FormatError(path, `cannot read .npz file: ${(e as Error).message}`);
  }
  const bad = (why: string): never => {
    throw new FormatError(path, `not a readable .npz (ZIP) archive: ${why}`);
  };
  // end of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) bad('no end-of-central-directory record');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) bad('ZIP64 archives are not supported');
  const out = new Map<string, NpyArray>();
  for (let e = 0; e < count; e++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) bad(`central directory entry ${e} is damaged`);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString('utf8');
    p += 46 + nlen + xlen + clen;
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== 0x04034b50) bad(`member ${name}: damaged local header`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    if (start + csize > buf.length) bad(`member ${name} is truncated`);
    const raw = buf.subarray(start, start + csize);
    let bytes: Uint8Array;
    if (method === 0) bytes = raw;
    else if (method === 8) {
      try {
        bytes = inflateRawSync(raw);
      } catch (err) {
        return bad(`member ${name}: ${(err as Error).message}`);
      }
    } else return bad(`member ${name} uses compression method ${method} (stored and deflate are supported)`);
    if (bytes.length !== usize) bad(`member ${name}: ${bytes.length} bytes, the directory says ${usize}`);
    out.set(name.replace(/\.npy$/, ''), decodeNpy(bytes, `${path}:${name}`));
  }
  return out;
}
