/**
 * Run folders (`ntk run --out D`, `ntk train --out D`): which command wrote one, and a lock so that two processes
 * never write the same folder at once.
 *
 * The lock is the file `D/.ntk-lock`, created with O_EXCL ('wx') and holding {pid, host, startedAt, command, token}.
 * A second process finds it and is refused with a LockedError naming the holder. A lock whose pid is not alive on
 * this host (the holder was killed with SIGKILL, or the machine rebooted) is stale: it is moved aside atomically and
 * taken over, with a warning. A lock from another host cannot be checked and is never taken over. The holder removes
 * the lock on release, and on every process exit (an 'exit' handler covers process.exit and the end of the event
 * loop); a SIGKILL leaves it behind, to be taken over as stale.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { NtkError } from '../errors.js';
import { TEMP_NAME } from './atomic.js';

/** The lock file's name inside a run folder. */
export const LOCK_FILE = '.ntk-lock';

/** What a lock file holds. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  readonly command: string | null;
  /** Random, so a holder removes only its own lock. */
  readonly token: string;
}

/** Another process holds the run folder's lock (or held it on another host). */
export class LockedError extends NtkError {
  override readonly name = 'LockedError';
  readonly path: string;
  readonly holder: Partial<LockHolder> | null;
  constructor(path: string, holder: Partial<LockHolder> | null, message: string) {
    super('locked', message);
    this.path = path;
    this.holder = holder;
  }
}

export interface RunLock {
  readonly path: string;
  /** Remove the lock (only if it is still this process's); idempotent. */
  release(): void;
}

/** Whether `pid` is a live process on this host (EPERM: it exists but belongs to another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder(text: string): Partial<LockHolder> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Partial<LockHolder>) : null;
  } catch {
    return null;
  }
}

function describe(h: Partial<LockHolder>): string {
  return `pid ${String(h.pid)} on host ${String(h.host)} since ${String(h.startedAt)}${h.command ? ` (${h.command})` : ''}`;
}

/** A lock file younger than this with unreadable content is taken to be being written, not stale. */
const FRESH_MS = 10_000;

/**
 * Lock run folder `dir` (which must exist) for this process. `what` names the option in messages (`--out`); `warn`
 * receives the stale-lock warning. Throws LockedError when another live process holds the folder.
 */
export function lockRunFolder(
  dir: string,
  opts: { what?: string; command?: string; warn?: (line: string) => void } = {},
): RunLock {
  const path = join(dir, LOCK_FILE);
  const what = opts.what ?? '--out';
  const warn = opts.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: opts.command ?? null,
    token: randomBytes(8).toString('hex'),
  };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (attempt >= 3) throw new LockedError(path, null, `${what}: ${dir} is locked by another process (${path})`);
      takeOverIfStale(path, dir, what, warn);
      continue;
    }
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    break;
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (parseHolder(readFileSync(path, 'utf8'))?.token === me.token) rmSync(path, { force: true });
    } catch {
      // gone already
    }
  };
  process.on('exit', release);
  removeStaleTemps(dir);
  return { path, release };
}

/**
 * Remove the temporary files (atomic.ts's names) that writers no longer running left in `dir` and below: a writer
 * killed mid-write (SIGKILL) leaves its hidden temp file; under the folder's lock no live process can own one that
 * is not this process's.
 */
function removeStaleTemps(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const m = e.isFile() ? TEMP_NAME.exec(e.name) : null;
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1])))
      rmSync(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name), { force: true });
  }
}

/** Returns when the lock at `path` was stale and has been removed (or vanished); throws LockedError otherwise. */
function takeOverIfStale(path: string, dir: string, what: string, warn: (line: string) => void): void {
  let held: string;
  let age: number;
  try {
    held = readFileSync(path, 'utf8');
    age = Date.now() - statSync(path).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // released meanwhile: try again
    throw e;
  }
  const h = parseHolder(held);
  const remedy = `if no such run is active, delete ${path}`;
  if (!h || typeof h.pid !== 'number' || typeof h.host !== 'string') {
    if (age < FRESH_MS)
      throw new LockedError(path, h, `${what}: ${dir} is being locked by another process (${path} is being written)`);
  } else if (h.host !== hostname()) {
    throw new LockedError(
      path,
      h,
      `${what}: ${dir} is in use by ${describe(h)}; that host cannot be checked from here: ${remedy}`,
    );
  } else if (pidAlive(h.pid)) {
    throw new LockedError(
      path,
      h,
      `${what}: ${dir} is in use by ${describe(h)}; wait for it to finish or choose another folder (${remedy})`,
    );
  }
  // Stale: move it aside atomically, so of several processes taking it over at once exactly one removes it.
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (readFileSync(aside, 'utf8') !== held) {
    // Someone replaced the stale lock with a live one between our read and the rename: put theirs back.
    try {
      linkSync(aside, path);
    } catch {
      // a third process holds the folder now; the next attempt reports it
    }
    rmSync(aside, { force: true });
    return;
  }
  rmSync(aside, { force: true });
  warn(`ntk: warning: ${dir} had a stale lock (${h ? describe(h) : 'unreadable'}, no longer running); taking it over`);
}

/** What wrote a run folder: `ntk run` (config.json with a preset), `ntk train` (its config.json or checkpoint), or null. */
export function runFolderKind(dir: string): { kind: 'run'; preset: string } | { kind: 'train' } | null {
  const config = join(dir, 'config.json');
  if (existsSync(config)) {
    let c: unknown;
    try {
      c = JSON.parse(readFileSync(config, 'utf8'));
    } catch {
      c = null;
    }
    if (typeof c === 'object' && c !== null) {
      const o = c as Record<string, unknown>;
      if (typeof o.preset === 'string' && typeof o.run === 'object') return { kind: 'run', preset: o.preset };
      if (typeof o.command === 'string' && o.command.startsWith('ntk train')) return { kind: 'train' };
    }
  }
  return existsSync(join(dir, 'checkpoint.bin')) ? { kind: 'train' } : null;
}
