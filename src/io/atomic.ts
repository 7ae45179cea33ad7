/**
 * Atomic file writes: the data goes to a temporary file in the target's directory, is flushed to disk (fsync), and
 * is then renamed over the target. A reader sees either the old file or the complete new one, never a partial
 * write; when anything fails, the temporary file is removed and the target is left as it was.
 *
 * What the path names decides how it is written (`resolveOutputTarget`); nothing but the resolved target (and the
 * temp file next to it) is ever created, replaced or removed:
 * - a symbolic link is followed (chains too) and its final target is written, the links stay links; a dangling
 *   link creates its target;
 * - an existing regular file keeps its permission bits (chmod 600 stays 600) and, when run as root, its owner;
 * - `-`, `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N` write to that open file descriptor;
 * - a character device (`/dev/null`, a terminal) or a FIFO is opened and written in place (not atomic: there is
 *   no file to rename);
 * - a folder, a socket or a block device is refused (OutputError).
 * A failing system call (ENOSPC, EFBIG, EACCES, ENOENT, …) is an OutputError naming the path and the errno.
 *
 * Every file that ntk-lab writes goes through `writeFileAtomic` (or `writeJsonAtomic`).
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, OutputError } from '../errors.js';
import { registerTemp, releaseTemp } from './tempfiles.js';

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
  /** File mode of a new file (default 0o644, minus the umask); an existing file keeps its own mode. */
  readonly mode?: number;
}

/** Where a write to a path goes (see the module comment). */
export type OutputTarget =
  /** an open file descriptor: `-` and `/dev/stdout` are 1 */
  | { readonly kind: 'fd'; readonly fd: number }
  /** a character device or FIFO, written in place */
  | { readonly kind: 'device'; readonly path: string; readonly type: 'character device' | 'FIFO' }
  /** a regular file (or none yet) at `path`, links resolved: temp file + rename; `stat` of the existing file */
  | { readonly kind: 'file'; readonly path: string; readonly stat: Stats | null };

const MAX_LINKS = 40;
const STD_FDS: ReadonlyMap<string, number> = new Map([
  ['-', 1],
  ['/dev/stdout', 1],
  ['/dev/stderr', 2],
]);
const FD_PATH = /^\/(?:dev\/fd|proc\/(?:self|thread-self|(\d+))\/fd)\/(\d+)$/;

/** The descriptor a path names directly (`-`, /dev/stdout, /proc/self/fd/3, …), or null. */
function fdOf(p: string): number | null {
  const std = STD_FDS.get(p);
  if (std !== undefined) return std;
  const m = FD_PATH.exec(p);
  if (!m || (m[1] !== undefined && Number(m[1]) !== process.pid)) return null;
  return Number(m[2]);
}

/** The system error code (ENOSPC, EACCES, …) of an fs error, else undefined. */
export function errnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

const WHY: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large (a file-size limit, e.g. ulimit -f, or the file system’s maximum)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a component of the path is not a folder',
  EISDIR: 'is a folder',
  EPIPE: 'the reading end of the pipe was closed',
  EIO: 'input/output error',
};

/** "(ENOSPC: no space left on the device)": the errno and what it means. */
export function describeErrno(code: string, e?: unknown): string {
  const text = WHY[code] ?? (e instanceof Error ? e.message.replace(/^[A-Z0-9]+: /, '').split(',')[0] : code);
  return `${code}: ${text}`;
}

/** An fs error from writing `path` as an OutputError (other errors unchanged). */
function outputFailure(path: string, e: unknown, keptPrevious: boolean): unknown {
  const code = errnoOf(e);
  if (code === undefined || e instanceof OutputError) return e;
  const kept = keptPrevious ? `; the previous ${path} is unchanged` : '';
  return new OutputError(path, `cannot write (${describeErrno(code, e)})${kept}`, code);
}

/** `dir/name` with the folder `dir` resolved through its links (as given when it is not an existing folder). */
function realDir(p: string): string {
  try {
    const dir = realpathSync(dirname(p));
    return statSync(dir).isDirectory() ? join(dir, basename(p)) : p;
  } catch {
    return p;
  }
}

/**
 * What writing to `path` means: a descriptor, a device written in place, or a regular file (symbolic links
 * followed to their final target, which need not exist yet). Throws OutputError for a folder, a socket, a block
 * device or a link loop; looks only (creates nothing).
 */
export function resolveOutputTarget(path: string): OutputTarget {
  let p = path;
  for (let links = 0; ; links++) {
    const direct = fdOf(p);
    if (direct !== null) return { kind: 'fd', fd: direct };
    p = realDir(p);
    const viaDir = fdOf(p);
    if (viaDir !== null) return { kind: 'fd', fd: viaDir };
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch (e) {
      const code = errnoOf(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'file', path: p, stat: null };
      throw outputFailure(path, e, false);
    }
    if (st.isSymbolicLink()) {
      if (links >= MAX_LINKS)
        throw new OutputError(path, `cannot write (ELOOP: more than ${MAX_LINKS} links)`, 'ELOOP');
      p = resolve(dirname(p), readlinkSync(p));
      continue;
    }
    if (st.isFile()) return { kind: 'file', path: p, stat: st };
    if (st.isCharacterDevice()) return { kind: 'device', path: p, type: 'character device' };
    if (st.isFIFO()) return { kind: 'device', path: p, type: 'FIFO' };
    if (st.isDirectory()) throw new OutputError(path, 'is a folder; give a file path', 'EISDIR');
    const what = st.isSocket() ? 'a socket' : st.isBlockDevice() ? 'a block device' : 'not a regular file';
    throw new OutputError(
      path,
      `is ${what}${p !== path ? ` (${p})` : ''}; outputs go to regular files, character devices (e.g. /dev/null), FIFOs or -`,
    );
  }
}

function toBytes(chunk: FileData): Uint8Array {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return chunk;
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** created on first use (a browser without cross-origin isolation has no SharedArrayBuffer to build it at load) */
let pause: Int32Array | undefined;

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.byteLength) {
    try {
      off += writeSync(fd, bytes, off, bytes.byteLength - off);
    } catch (e) {
      // a non-blocking pipe (stdout of some parents) that is full: wait for the reader
      if (errnoOf(e) !== 'EAGAIN') throw e;
      Atomics.wait((pause ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, 2);
    }
  }
}

/** The temporary name used next to `path` (exported for tests). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** A name tempPathFor gives, with the writer's pid as group 1 (a SIGKILLed writer leaves such a file behind). */
export const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/**
 * Write `data` to `fd`. A failing write throws `fail(error)` (an OutputError); a writer callback's own errors
 * propagate unchanged.
 */
function emit(fd: number, data: FileData | FileWriter, fail: (e: unknown) => unknown): void {
  const put = (chunk: FileData): void => {
    try {
      writeAll(fd, toBytes(chunk));
    } catch (e) {
      throw fail(e);
    }
  };
  if (typeof data === 'function') data(put);
  else put(data);
}

/** A descriptor or a device: written in place, no temp file, no rename. */
function writeInPlace(path: string, target: OutputTarget, data: FileData | FileWriter): void {
  const fail = (e: unknown) => outputFailure(path, e, false);
  if (target.kind === 'fd') {
    emit(target.fd, data, fail);
    return;
  }
  let fd: number;
  try {
    // no O_CREAT: if the device went away, nothing is created in its place
    fd = openSync(target.path, constants.O_WRONLY | constants.O_NOCTTY);
  } catch (e) {
    throw fail(e);
  }
  try {
    emit(fd, data, fail);
  } finally {
    closeSync(fd);
  }
}

/** Mode (and, as root, owner) of the file being replaced, given to the new one before any data is written. */
function keepMetadata(fd: number, stat: Stats): void {
  fchmodSync(fd, stat.mode & 0o777);
  if (process.getuid?.() === 0 && (stat.uid !== 0 || stat.gid !== 0)) {
    try {
      fchownSync(fd, stat.uid, stat.gid);
    } catch (e) {
      const code = errnoOf(e);
      if (code !== 'EPERM' && code !== 'EINVAL') throw e;
    }
  }
}

/**
 * Write `data` (bytes, text, or a writer callback) to `path` atomically: temp file in the same directory, fsync,
 * rename. On failure the temp file is removed and the previous content of `path` (if any) is untouched. Links,
 * devices, descriptors and `-`: see the module comment.
 */
export function writeFileAtomic(path: string, data: FileData | FileWriter, opts: AtomicWriteOptions = {}): void {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidArgumentError('writeFileAtomic', 'path', 'a non-empty string', path);
  }
  if (opts.mkdir && fdOf(path) === null) {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      throw outputFailure(path, e, false);
    }
  }
  const target = resolveOutputTarget(path);
  if (target.kind !== 'file') {
    writeInPlace(path, target, data);
    return;
  }
  const existed = target.stat !== null;
  const fail = (e: unknown) => outputFailure(path, e, existed);
  const tmp = tempPathFor(target.path);
  let fd = -1;
  let writing = false;
  registerTemp(tmp);
  try {
    fd = openSync(tmp, 'wx', target.stat ? target.stat.mode & 0o777 : (opts.mode ?? 0o644));
    if (target.stat) keepMetadata(fd, target.stat);
    writing = true;
    emit(fd, data, fail);
    writing = false;
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, target.path);
  } catch (e) {
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    rmSync(tmp, { force: true });
    throw writing ? e : fail(e);
  } finally {
    releaseTemp(tmp);
  }
  // Make the rename itself durable where the platform allows fsync on a directory.
  try {
    const dfd = openSync(dirname(target.path), 'r');
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
