/**
 * Atomic file writes: the data goes to a temporary file in the target's directory, is flushed to disk (fsync), and
 * is then renamed over the target. A reader sees either the old file or the complete new one, never a partial
 * write; when anything fails, the temporary file is removed and the target is left as it was.
 *
 * Every file that ntk-lab writes goes through `writeFileAtomic` (or `writeJsonAtomic`).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';

/** Bytes or text (written as UTF-8). */
export type FileData = string | Uint8Array | ArrayBufferView;

/**
 * A writer callback for streamed output: it receives `write(chunk)` and may call it any number of times. If it
 * throws, the temporary file is removed and the error propagates.
 */
export type FileWriter = (write: (chunk: FileData) => void) => void;

export interface AtomicWriteOptions {
  /** Create missing parent directories first (default false). */
  readonly mkdir?: boolean;
  /** File mode of the new file (default 0o644, minus the umask). */
  readonly mode?: number;
}

function toBytes(chunk: FileData): Uint8Array {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return chunk;
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
}

/** The temporary name used next to `path` (exported for tests). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Write `data` (bytes, text, or a writer callback) to `path` atomically: temp file in the same directory, fsync,
 * rename. On failure the temp file is removed and the previous content of `path` (if any) is untouched.
 */
export function writeFileAtomic(path: string, data: FileData | FileWriter, opts: AtomicWriteOptions = {}): void {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidArgumentError('writeFileAtomic', 'path', 'a non-empty string', path);
  }
  if (opts.mkdir) mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  let fd = -1;
  try {
    fd = openSync(tmp, 'wx', opts.mode ?? 0o644);
    const f = fd;
    if (typeof data === 'function') data((chunk) => writeAll(f, toBytes(chunk)));
    else writeAll(fd, toBytes(data));
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    rmSync(tmp, { force: true });
    throw e;
  }
  // Make the rename itself durable where the platform allows fsync on a directory.
  try {
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // not supported (e.g. Windows); the rename has happened
  }
}

/** `JSON.stringify(value, null, indent)` plus a trailing newline, written atomically. */
export function writeJsonAtomic(
  path: string,
  value: unknown,
  opts: AtomicWriteOptions & { indent?: number } = {},
): void {
  const text = JSON.stringify(value, null, opts.indent ?? 2);
  if (text === undefined) throw new InvalidArgumentError('writeJsonAtomic', 'value', 'JSON-serializable', value);
  writeFileAtomic(path, `${text}\n`, opts);
}
