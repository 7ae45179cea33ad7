/**
 * Run-folder locks (src/io/runFolder.ts): O_EXCL creation, refusal naming the holder, stale-lock takeover (dead pid
 * on this host), no takeover across hosts, release on every exit path; and the kind of a run folder.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NtkError } from '../../src/errors.js';
import { LOCK_FILE, LockedError, lockRunFolder, pidAlive, runFolderKind } from '../../src/io/runFolder.js';
import { tempDir } from './helpers.js';

/** The pid of a process that has exited (a finished child). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const MODULE = new URL('../../src/io/runFolder.ts', import.meta.url).href;

describe('run-folder lock', () => {
  it('taking the lock removes the temp files that dead writers left (a SIGKILL mid-write), and nothing else', () => {
    const dir = tempDir('ntk-lock-temps-');
    mkdirSync(join(dir, 'figures'));
    const dead = deadPid();
    const stale = [
      join(dir, `.summary.json.${dead}.0123456789ab.tmp`),
      join(dir, 'figures', `.a.svg.${dead}.abcdefabcdef.tmp`),
    ];
    const kept = [
      join(dir, `.mine.json.${process.pid}.0123456789ab.tmp`), // this process's own
      join(dir, 'figures', 'a.svg'),
      join(dir, `.x.${dead}.tmp`), // not a temp name
    ];
    for (const f of [...stale, ...kept]) writeFileSync(f, 'x');
    const lock = lockRunFolder(dir);
    lock.release();
    for (const f of stale) assert.equal(existsSync(f), false, f);
    for (const f of kept) assert.equal(existsSync(f), true, f);
  });

  it('creates the lock with pid, host and start time; a second lock is refused naming the holder; release frees it', () => {
    const dir = tempDir('ntk-lock-');
    const lock = lockRunFolder(dir, { command: 'ntk run demo' });
    const held = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as Record<string, unknown>;
    assert.equal(held.pid, process.pid);
    assert.equal(held.host, hostname());
    assert.ok(Math.abs(Date.parse(String(held.startedAt)) - Date.now()) < 60_000);
    assert.equal(held.command, 'ntk run demo');
    assert.throws(
      () => lockRunFolder(dir, { what: '--out' }),
      (e: unknown) =>
        e instanceof LockedError &&
        e instanceof NtkError &&
        e.code === 'locked' &&
        e.holder?.pid === process.pid &&
        e.message.includes(`--out: ${dir} is in use by pid ${process.pid} on host ${hostname()}`) &&
        e.message.includes('(ntk run demo)'),
    );
    lock.release();
    assert.equal(existsSync(join(dir, LOCK_FILE)), false);
    lock.release(); // idempotent
    lockRunFolder(dir).release();
  });

  it("release leaves a lock that is not its own (another process's token) in place", () => {
    const dir = tempDir('ntk-lock-');
    const lock = lockRunFolder(dir);
    const other = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'x', command: null, token: 'other' });
    writeFileSync(join(dir, LOCK_FILE), other);
    lock.release();
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), other);
  });

  it('a stale lock (pid not alive on this host) is taken over with a warning naming it', () => {
    const dir = tempDir('ntk-lock-');
    const pid = deadPid();
    assert.equal(pidAlive(pid), false);
    assert.equal(pidAlive(process.pid), true);
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({
        pid,
        host: hostname(),
        startedAt: '2020-01-01T00:00:00.000Z',
        command: 'ntk run x',
        token: 't',
      }),
    );
    const warnings: string[] = [];
    const lock = lockRunFolder(dir, { warn: (l) => warnings.push(l) });
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      new RegExp(
        `stale lock \\(pid ${pid} on host .* since 2020-01-01.*\\(ntk run x\\), no longer running\\); taking it over`,
      ),
    );
    assert.equal((JSON.parse(readFileSync(lock.path, 'utf8')) as { pid: number }).pid, process.pid);
    lock.release();
  });

  it('a lock from another host is never taken over; an unreadable lock is taken over only when old', () => {
    const dir = tempDir('ntk-lock-');
    const path = join(dir, LOCK_FILE);
    writeFileSync(
      path,
      JSON.stringify({ pid: deadPid(), host: 'elsewhere', startedAt: 's', command: null, token: 't' }),
    );
    assert.throws(
      () => lockRunFolder(dir),
      (e: unknown) => e instanceof LockedError && /host elsewhere .* cannot be checked from here/.test(e.message),
    );
    writeFileSync(path, '');
    assert.throws(() => lockRunFolder(dir), /is being locked by another process/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    const warnings: string[] = [];
    lockRunFolder(dir, { warn: (l) => warnings.push(l) }).release();
    assert.match(warnings[0], /stale lock \(unreadable/);
  });

  it('is released when the process exits (process.exit, an uncaught error) and left behind by SIGKILL', () => {
    const dir = tempDir('ntk-lock-');
    const run = (code: string) =>
      spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    const base = `import { lockRunFolder } from ${JSON.stringify(MODULE)}; lockRunFolder(${JSON.stringify(dir)});`;
    assert.equal(run(`${base} process.exit(3);`).status, 3);
    assert.equal(existsSync(join(dir, LOCK_FILE)), false);
    assert.equal(run(`${base} throw new Error('boom');`).status, 1);
    assert.equal(existsSync(join(dir, LOCK_FILE)), false);
    const killed = run(`${base} process.kill(process.pid, 'SIGKILL');`);
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(existsSync(join(dir, LOCK_FILE)), 'SIGKILL leaves the lock');
    const warnings: string[] = [];
    lockRunFolder(dir, { warn: (l) => warnings.push(l) }).release();
    assert.equal(warnings.length, 1);
  });

  it('runFolderKind tells `ntk run` folders from `ntk train` folders', () => {
    const dir = tempDir('ntk-lock-');
    const sub = (name: string, files: Record<string, string>): string => {
      const d = join(dir, name);
      mkdirSync(d);
      for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
      return d;
    };
    assert.equal(runFolderKind(join(dir, 'none')), null);
    assert.equal(runFolderKind(sub('empty', {})), null);
    assert.deepEqual(runFolderKind(sub('run', { 'config.json': '{"preset":"spectrum-demo","run":{}}' })), {
      kind: 'run',
      preset: 'spectrum-demo',
    });
    assert.deepEqual(runFolderKind(sub('train', { 'config.json': '{"command":"ntk train --arch x"}' })), {
      kind: 'train',
    });
    assert.deepEqual(runFolderKind(sub('ckpt', { 'checkpoint.bin': 'x' })), { kind: 'train' });
    assert.equal(runFolderKind(sub('other', { 'config.json': '{"preset":1}' })), null);
    assert.equal(runFolderKind(sub('broken', { 'config.json': '{' })), null);
  });
});
