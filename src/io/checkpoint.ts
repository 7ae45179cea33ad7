/**
 * The checkpoint file of `ntk train` (checkpoint.bin): one file, written atomically, holding a JSON header and
 * named float64 arrays.
 *
 * Layout: the 8 bytes `NTKCKPT1`, the header length in bytes as a little-endian u32, the header (UTF-8 JSON: the
 * caller's fields, then `arrays`, the names and lengths of the payload's arrays in order), zero padding to a multiple
 * of 8 bytes, then the arrays' float64 values (little-endian, as in memory), one after another.
 */
import { readFileSync } from 'node:fs';
import { FormatError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

export const CHECKPOINT_MAGIC = 'NTKCKPT1';

/** Names and lengths of the float64 arrays in the payload, in order (the header's last field). */
export interface CheckpointArrays {
  readonly arrays: readonly { readonly name: string; readonly length: number }[];
}

/**
 * Write `header` (any JSON object; `arrays` is added as its last field) and the non-null entries of `arrays`, in
 * their insertion order, to `path` atomically.
 */
export function writeCheckpoint(
  path: string,
  header: object,
  arrays: Readonly<Record<string, Float64Array | null>>,
): void {
  const list = Object.entries(arrays).filter((e): e is [string, Float64Array] => e[1] !== null);
  const full: CheckpointArrays = { ...header, arrays: list.map(([name, a]) => ({ name, length: a.length })) };
  const json = new TextEncoder().encode(JSON.stringify(full));
  const headLen = 8 + 4 + json.length;
  const pad = (8 - (headLen % 8)) % 8;
  const total = headLen + pad + 8 * list.reduce((s, [, a]) => s + a.length, 0);
  const buf = new Uint8Array(total);
  buf.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  new DataView(buf.buffer).setUint32(8, json.length, true);
  buf.set(json, 12);
  let off = headLen + pad;
  for (const [, a] of list) {
    buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
    off += a.byteLength;
  }
  writeFileAtomic(path, buf);
}

/**
 * Read a checkpoint written by writeCheckpoint: its header (parsed JSON, not validated beyond `arrays`: the caller
 * states its type H) and its arrays by name. Null if the file does not exist; FormatError if it is not a checkpoint
 * or is truncated.
 */
export function readCheckpoint<H extends object>(
  path: string,
): { header: H & CheckpointArrays; arrays: Map<string, Float64Array> } | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (buf.length < 12 || buf.subarray(0, 8).toString('latin1') !== CHECKPOINT_MAGIC)
    throw new FormatError(path, `not an ntk-lab training checkpoint (bad magic)`);
  const len = buf.readUInt32LE(8);
  if (12 + len > buf.length) throw new FormatError(path, 'truncated checkpoint header');
  const header = JSON.parse(buf.subarray(12, 12 + len).toString('utf8')) as H & CheckpointArrays;
  const headLen = 12 + len;
  let off = headLen + ((8 - (headLen % 8)) % 8);
  const arrays = new Map<string, Float64Array>();
  for (const { name, length } of header.arrays) {
    if (off + 8 * length > buf.length) throw new FormatError(path, `truncated checkpoint payload (${name})`);
    const a = new Float64Array(length);
    new Uint8Array(a.buffer).set(buf.subarray(off, off + 8 * length));
    arrays.set(name, a);
    off += 8 * length;
  }
  return { header, arrays };
}
