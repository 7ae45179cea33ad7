/**
 * The checkpoint file of `ntk train` (checkpoint.bin): one file, written atomically, holding a JSON header and
 * named float64 arrays, sealed by a SHA-256 checksum.
 *
 * Layout (format 2, magic `NTKCKPT2`): the 8 bytes of the magic, the header length in bytes as a little-endian u32,
 * the header (UTF-8 JSON: the caller's fields, then `arrays`, the names and lengths of the payload's arrays in order),
 * zero padding to a multiple of 8 bytes, the arrays' float64 values (little-endian, as in memory) one after another,
 * then the 32-byte SHA-256 of every byte before it. Format 1 (`NTKCKPT1`, written before checksums were added) is the
 * same without the checksum: it is still read, with `verified: false`, so the caller can warn.
 *
 * The reader checks the layout exactly (lengths, padding, no trailing bytes) and then the checksum; anything wrong is
 * a FormatError naming the file. It never trusts a length before comparing it with the file's size.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FormatError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

/** The magic of the format written now (2: with a SHA-256 checksum). */
export const CHECKPOINT_MAGIC = 'NTKCKPT2';
/** The magic of format 1 (no checksum), still readable. */
export const CHECKPOINT_MAGIC_V1 = 'NTKCKPT1';
const SHA256_BYTES = 32;

/** Names and lengths of the float64 arrays in the payload, in order (the header's last field). */
export interface CheckpointArrays {
  readonly arrays: readonly { readonly name: string; readonly length: number }[];
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/**
 * Write `header` (any JSON object; `arrays` is added as its last field) and the non-null entries of `arrays`, in
 * their insertion order, to `path` atomically, followed by the SHA-256 of all of it.
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
  const body = headLen + pad + 8 * list.reduce((s, [, a]) => s + a.length, 0);
  const buf = new Uint8Array(body + SHA256_BYTES);
  buf.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  new DataView(buf.buffer).setUint32(8, json.length, true);
  buf.set(json, 12);
  let off = headLen + pad;
  for (const [, a] of list) {
    buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
    off += a.byteLength;
  }
  buf.set(sha256(buf.subarray(0, body)), body);
  writeFileAtomic(path, buf);
}

/** The parsed `arrays` list of a header; FormatError unless it is a list of distinct names with safe lengths. */
function arrayList(path: string, header: unknown): CheckpointArrays['arrays'] {
  const list = typeof header === 'object' && header !== null ? (header as { arrays?: unknown }).arrays : undefined;
  if (!Array.isArray(list)) throw new FormatError(path, 'checkpoint header has no `arrays` list');
  const names = new Set<string>();
  for (const e of list as unknown[]) {
    const { name, length } = (typeof e === 'object' && e !== null ? e : {}) as { name?: unknown; length?: unknown };
    if (typeof name !== 'string' || typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0)
      throw new FormatError(path, `checkpoint header has a malformed \`arrays\` entry: ${JSON.stringify(e)}`);
    if (names.has(name)) throw new FormatError(path, `checkpoint header lists array ${name} twice`);
    names.add(name);
  }
  return list as CheckpointArrays['arrays'];
}

/**
 * Read a checkpoint written by writeCheckpoint: its header (parsed JSON, not validated beyond `arrays`: the caller
 * states its type H and checks its fields), its arrays by name, and whether a checksum verified it (false for a
 * format-1 file, which has none). Null if the file does not exist; FormatError naming the file if it cannot be read,
 * is not a checkpoint, is truncated, has trailing bytes or fails its checksum.
 */
export function readCheckpoint<H extends object>(
  path: string,
): { header: H & CheckpointArrays; arrays: Map<string, Float64Array>; verified: boolean } | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new FormatError(path, `cannot read checkpoint (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const magic = buf.length >= 12 ? buf.subarray(0, 8).toString('latin1') : '';
  if (magic !== CHECKPOINT_MAGIC && magic !== CHECKPOINT_MAGIC_V1)
    throw new FormatError(path, `not an ntk-lab training checkpoint (bad magic)`);
  const verified = magic === CHECKPOINT_MAGIC;
  const len = buf.readUInt32LE(8);
  if (12 + len > buf.length) throw new FormatError(path, 'truncated checkpoint header');
  let header: H & CheckpointArrays;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(12, 12 + len))) as H &
      CheckpointArrays;
  } catch (e) {
    throw new FormatError(
      path,
      `checkpoint header is not valid UTF-8 JSON (${(e as Error).message}); the file is corrupt`,
    );
  }
  const list = arrayList(path, header);
  const headLen = 12 + len;
  const payload = headLen + ((8 - (headLen % 8)) % 8);
  if (payload > buf.length) throw new FormatError(path, 'truncated checkpoint header');
  if (!buf.subarray(headLen, payload).every((b) => b === 0))
    throw new FormatError(path, 'checkpoint header padding is not zero; the file is corrupt');
  let off = payload;
  for (const { name, length } of list) {
    if (off + 8 * length > buf.length) throw new FormatError(path, `truncated checkpoint payload (${name})`);
    off += 8 * length;
  }
  const end = off + (verified ? SHA256_BYTES : 0);
  if (end > buf.length) throw new FormatError(path, 'truncated checkpoint (its checksum is missing)');
  if (end < buf.length)
    throw new FormatError(
      path,
      `${buf.length - end} unexpected byte(s) after the checkpoint payload; the file is corrupt`,
    );
  if (verified && !sha256(buf.subarray(0, off)).equals(buf.subarray(off, end)))
    throw new FormatError(
      path,
      'checksum mismatch: the checkpoint was changed or damaged after it was written; it cannot be resumed (delete it to start over)',
    );
  const arrays = new Map<string, Float64Array>();
  off = payload;
  for (const { name, length } of list) {
    const a = new Float64Array(length);
    new Uint8Array(a.buffer).set(buf.subarray(off, off + 8 * length));
    arrays.set(name, a);
    off += 8 * length;
  }
  return { header, arrays, verified };
}
