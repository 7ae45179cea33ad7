/**
 * Output preflight: each CLI command checks every output it will write before it loads data or computes
 * anything, so that a path that cannot be written is a ConfigError naming the flag (exit 2) instead of a crash
 * after the work. The check creates nothing that stays: it writes (and removes) one probe file in the folder.
 *
 * `kind: 'file'` (a .npy or .json the command writes): not '', not a folder, not a socket or block device; a
 *   character device or FIFO must be writable; otherwise its folder (links resolved) must exist, be a folder and
 *   take a new file. `-` is standard output (refused on a terminal for `binary` outputs).
 * `kind: 'dir'` (a run folder, --params-out): not '' or '-', not an existing file; an existing folder must take a
 *   new file, a missing one's nearest existing ancestor must be a folder that does (the command creates the rest).
 *
 * Disk space is not predicted: a write that runs out of it (ENOSPC, EFBIG) is an OutputError from writeFileAtomic,
 * with the temp file removed and the previous file unchanged.
 */
import { accessSync, closeSync, constants, openSync, realpathSync, rmSync, statSync } from 'node:fs';
import { isatty } from 'node:tty';
import { dirname, join } from 'node:path';
import { ConfigError, OutputError } from '../errors.js';
import { describeErrno, errnoOf, resolveOutputTarget, tempPathFor } from './atomic.js';
import { registerTemp, releaseTemp } from './tempfiles.js';

export interface OutputCheck {
  /** 'file': a file the command writes; 'dir': a folder it creates (if missing) and writes into */
  readonly kind: 'file' | 'dir';
  /** binary data (.npy): `-` is refused when standard output is a terminal */
  readonly binary?: boolean;
}

export interface OutputSpec extends OutputCheck {
  /** the flag, for the message: `--out` */
  readonly flag: string;
  /** the path given (undefined: the output was not asked for) */
  readonly path: string | undefined;
}

/** The first of `p`, its parent, … that exists, and its stat. */
function nearestExisting(p: string): { path: string; isDir: boolean } {
  for (let q = p; ; q = dirname(q)) {
    try {
      return { path: q, isDir: statSync(q).isDirectory() };
    } catch {
      if (dirname(q) === q) return { path: q, isDir: false };
    }
  }
}

function sameFolder(a: string, b: string): boolean {
  try {
    return realpathSync(a) === b;
  } catch {
    return a === b;
  }
}

/** Create and remove one file in `dir`; the errno if that fails, else null. */
function probe(dir: string): string | null {
  const p = tempPathFor(join(dir, 'ntk-write-probe'));
  registerTemp(p);
  try {
    closeSync(openSync(p, 'wx', 0o600));
    rmSync(p, { force: true });
    return null;
  } catch (e) {
    return errnoOf(e) ?? String(e);
  } finally {
    releaseTemp(p);
  }
}

/** The folder `dir` (which should hold `what`) exists, is a folder and takes a new file; else a ConfigError. */
function checkFolder(flag: string, what: string, dir: string, create: boolean, shown = dir): void {
  const near = nearestExisting(dir);
  if (!near.isDir) {
    throw new ConfigError(flag, `cannot write to ${what}: ${near.path} is a file, not a folder`);
  }
  if (near.path !== dir && !create) {
    throw new ConfigError(flag, `cannot write to ${what}: the folder ${shown} does not exist`);
  }
  const why = probe(near.path);
  if (why !== null) {
    throw new ConfigError(
      flag,
      `cannot write to ${what}: the folder ${near.path === dir ? shown : near.path} is not writable (${describeErrno(why)})`,
    );
  }
}

/**
 * Check one output before any work (see the module comment); `path` undefined: not asked for, nothing to check.
 * Throws ConfigError naming `flag`.
 */
export function checkOutputPath(flag: string, path: string | undefined, opts: OutputCheck): void {
  if (path === undefined) return;
  if (path === '') throw new ConfigError(flag, "must be a path; got an empty string ('')");
  if (opts.kind === 'dir') {
    if (path === '-') throw new ConfigError(flag, "is a folder; '-' (standard output) cannot be one");
    const near = nearestExisting(path);
    if (near.path === path && !near.isDir) throw new ConfigError(flag, `${path} is a file, not a folder`);
    checkFolder(flag, path, path, true);
    return;
  }
  let target;
  try {
    target = resolveOutputTarget(path);
  } catch (e) {
    if (e instanceof OutputError) throw new ConfigError(flag, `cannot write to ${e.message}`);
    throw e;
  }
  if (target.kind === 'fd') {
    if (opts.binary && isatty(target.fd)) {
      throw new ConfigError(flag, `${path} is a terminal; give a file, or pipe the binary .npy data into a program`);
    }
    return;
  }
  if (target.kind === 'device') {
    const why = probeDevice(target.path);
    if (why !== null) throw new ConfigError(flag, `cannot write to ${path}: ${target.type} (${describeErrno(why)})`);
    return;
  }
  // the folder as the user wrote it, unless a link led elsewhere
  const dir = dirname(target.path);
  checkFolder(flag, path, dir, false, sameFolder(dirname(path), dir) ? dirname(path) : dir);
}

/** A character device or FIFO the process may write to (not opened: a FIFO would wait for its reader). */
function probeDevice(path: string): string | null {
  try {
    accessSync(path, constants.W_OK);
    return null;
  } catch (e) {
    return errnoOf(e) ?? String(e);
  }
}

/** Whether `path` writes to standard output (`-`, /dev/stdout, a link to it, /proc/self/fd/1). */
export function writesToStdout(path: string | undefined): boolean {
  if (path === undefined || path === '') return false;
  try {
    const t = resolveOutputTarget(path);
    return t.kind === 'fd' && t.fd === 1;
  } catch {
    return false;
  }
}

/** checkOutputPath for each output a command will write, and at most one of them to standard output. */
export function checkOutputs(outputs: readonly OutputSpec[]): void {
  for (const o of outputs) checkOutputPath(o.flag, o.path, o);
  const toStdout = outputs.filter((o) => writesToStdout(o.path));
  if (toStdout.length > 1) {
    throw new ConfigError(
      toStdout[1].flag,
      `${toStdout[1].path} is standard output, like ${toStdout[0].flag} ${toStdout[0].path}: one output at most can go there`,
    );
  }
}
