/**
 * IDX files (the MNIST / Fashion-MNIST format), plain or gzipped (detected by the gzip magic 1f 8b).
 *
 * Layout: magic = 0x00 0x00 <type> <ndims>, then ndims big-endian uint32 dimensions, then the data in C order,
 * big-endian. Types: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
 * Reference: http://yann.lecun.com/exdb/mnist/ (bottom of the page).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { FormatError } from '../errors.js';

export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export interface IdxArray {
  readonly type: IdxType;
  readonly dims: readonly number[];
  /**
   * Values in C order. uint8 data is a view into the decoded buffer (no copy); other types are decoded to native
   * order into new arrays.
   */
  readonly data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { type: IdxType; size: number }> = {
  0x08: { type: 'uint8', size: 1 },
  0x09: { type: 'int8', size: 1 },
  0x0b: { type: 'int16', size: 2 },
  0x0c: { type: 'int32', size: 4 },
  0x0d: { type: 'float32', size: 4 },
  0x0e: { type: 'float64', size: 8 },
};

/** Read a file's bytes, gunzipping when it starts with the gzip magic. Errors name the file. */
export function readMaybeGzip(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new FormatError(path, `cannot read file: ${(e as Error).message}`);
  }
  if (raw.byteLength >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new FormatError(path, `corrupt or truncated gzip data: ${(e as Error).message}`);
    }
  }
  return raw;
}

/**
 * Decode IDX bytes. `expect` optionally pins the type and number of dimensions (e.g. MNIST images: uint8, 3 dims;
 * labels: uint8, 1 dim) so that a labels file passed as images is a clear error.
 */
export function decodeIdx(buf: Uint8Array, file = '<buffer>', expect?: { type?: IdxType; ndims?: number }): IdxArray {
  if (buf.byteLength < 4) throw new FormatError(file, `truncated IDX file: ${buf.byteLength} bytes, need at least 4`);
  const magic = ((buf[0] << 24) | (buf[1] << 16) | (buf[2] << 8) | buf[3]) >>> 0;
  const t = TYPES[buf[2]];
  const ndims = buf[3];
  if (buf[0] !== 0 || buf[1] !== 0 || !t || ndims === 0) {
    throw new FormatError(
      file,
      `not an IDX file: bad magic number 0x${magic.toString(16).padStart(8, '0')} (expected 0x0000TTDD with type TT in 08,09,0b,0c,0d,0e and DD ≥ 1 dimensions)`,
    );
  }
  if (expect?.type !== undefined && t.type !== expect.type) {
    throw new FormatError(
      file,
      `IDX element type is ${t.type}, expected ${expect.type} (magic 0x${magic.toString(16).padStart(8, '0')})`,
    );
  }
  if (expect?.ndims !== undefined && ndims !== expect.ndims) {
    throw new FormatError(
      file,
      `IDX file has ${ndims} dimensions, expected ${expect.ndims} (magic 0x${magic.toString(16).padStart(8, '0')})`,
    );
  }
  const headerLen = 4 + 4 * ndims;
  if (buf.byteLength < headerLen)
    throw new FormatError(file, `truncated IDX header: ${buf.byteLength} bytes, need ${headerLen}`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = dv.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const nbytes = count * t.size;
  const available = buf.byteLength - headerLen;
  if (available !== nbytes) {
    throw new FormatError(
      file,
      `IDX data length does not match its dimensions (${dims.join('×')} ${t.type}): expected ${nbytes} bytes, found ${available}${available < nbytes ? ' (truncated file)' : ''}`,
    );
  }
  const src = buf.subarray(headerLen);
  switch (t.type) {
    case 'uint8':
      return { type: t.type, dims, data: src }; // aliases `buf` (no copy of 47 MB of pixels)
    case 'int8':
      return { type: t.type, dims, data: new Int8Array(src.slice().buffer) };
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getInt16(headerLen + 2 * i, false);
      return { type: t.type, dims, data: out };
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getInt32(headerLen + 4 * i, false);
      return { type: t.type, dims, data: out };
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(headerLen + 4 * i, false);
      return { type: t.type, dims, data: out };
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(headerLen + 8 * i, false);
      return { type: t.type, dims, data: out };
    }
  }
}

/** Read an IDX file (plain or gzipped). */
export function readIdx(path: string, expect?: { type?: IdxType; ndims?: number }): IdxArray {
  return decodeIdx(readMaybeGzip(path), path, expect);
}

/** Encode a uint8 IDX file (used by tests and by anyone writing MNIST-format data). */
export function encodeIdxU8(dims: readonly number[], data: Uint8Array): Uint8Array {
  const headerLen = 4 + 4 * dims.length;
  const out = new Uint8Array(headerLen + data.byteLength);
  out[2] = 0x08;
  out[3] = dims.length;
  const dv = new DataView(out.buffer);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  out.set(data, headerLen);
  return out;
}

export interface ImageLabelSet {
  /** n × (h·w) pixel bytes, row-major. */
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
  readonly n: number;
  readonly rows: number;
  readonly cols: number;
}

/** Read an MNIST-style pair: images (uint8, 3 dims, magic 0x00000803) and labels (uint8, 1 dim, 0x00000801). */
export function readIdxImageLabels(imagesPath: string, labelsPath: string): ImageLabelSet {
  return decodeIdxImageLabels(readMaybeGzip(imagesPath), imagesPath, readMaybeGzip(labelsPath), labelsPath);
}

export function decodeIdxImageLabels(
  imgBuf: Uint8Array,
  imagesPath: string,
  lblBuf: Uint8Array,
  labelsPath: string,
): ImageLabelSet {
  const images = decodeIdx(imgBuf, imagesPath, { type: 'uint8', ndims: 3 });
  const labels = decodeIdx(lblBuf, labelsPath, { type: 'uint8', ndims: 1 });
  const [n, rows, cols] = images.dims;
  if (labels.dims[0] !== n) {
    throw new FormatError(
      labelsPath,
      `label count ${labels.dims[0]} does not match the image count ${n} in ${imagesPath}`,
    );
  }
  return { pixels: images.data as Uint8Array, labels: labels.data as Uint8Array, n, rows, cols };
}
