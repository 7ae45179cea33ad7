import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OutputError } from '../../src/errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../../src/io/atomic.js';
import { tempFilesSettled } from '../../src/io/tempfiles.js';
import { tempDir } from './helpers.js';

const dir = tempDir('ntk-atomic-');

describe('writeFileAtomic', () => {
  it('writes text, bytes and typed arrays, replacing an existing file', () => {
    const p = join(dir, 'a.txt');
    writeFileAtomic(p, 'hello');
    assert.equal(readFileSync(p, 'utf8'), 'hello');
    writeFileAtomic(p, Uint8Array.from([104, 105]));
    assert.equal(readFileSync(p, 'utf8'), 'hi');
    writeFileAtomic(p, Float64Array.from([1.5]));
    assert.equal(readFileSync(p).readDoubleLE(0), 1.5);
  });

  it('streams chunks from a writer callback', () => {
    const p = join(dir, 'stream.txt');
    writeFileAtomic(p, (write) => {
      for (let i = 0; i < 5; i++) write(`${i}\n`);
    });
    assert.equal(readFileSync(p, 'utf8'), '0\n1\n2\n3\n4\n');
  });

  it('leaves no partial file when the write fails midway, and keeps the previous content', () => {
    const fresh = join(dir, 'never.bin');
    assert.throws(
      () =>
        writeFileAtomic(fresh, (write) => {
          write(new Uint8Array(1 << 20));
          throw new Error('disk on fire');
        }),
      /disk on fire/,
    );
    assert.equal(existsSync(fresh), false);
    const old = join(dir, 'old.txt');
    writeFileSync(old, 'previous');
    assert.throws(() =>
      writeFileAtomic(old, (write) => {
        write('half of the new');
        throw new Error('interrupted');
      }),
    );
    assert.equal(readFileSync(old, 'utf8'), 'previous');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temporary files are left behind',
    );
  });

  it('fails cleanly when the directory does not exist, unless mkdir is asked for', () => {
    const p = join(dir, 'sub', 'deeper', 'x.json');
    assert.throws(() => writeFileAtomic(p, 'x'), /ENOENT/);
    writeJsonAtomic(p, { a: [1, 2] }, { mkdir: true });
    assert.deepEqual(JSON.parse(readFileSync(p, 'utf8')), { a: [1, 2] });
    assert.ok(readFileSync(p, 'utf8').endsWith('\n'));
  });

  it('rejects values JSON cannot represent', () => {
    assert.throws(() => writeJsonAtomic(join(dir, 'u.json'), undefined), /JSON-serializable/);
    assert.equal(existsSync(join(dir, 'u.json')), false);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// What a path names: links, devices, descriptors, modes (issue #13, item 1), typed write errors (item 2) and temp
// files under signals (item 8). Children run the built module (dist/, `npm run build`) so their start-up is short.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST_ATOMIC = join(ROOT, 'dist', 'io', 'atomic.js');
const ROOT_USER = process.getuid?.() === 0;
/** As root, children that must not be able to write to /dev run as nobody (root may write anywhere). */
const UNPRIVILEGED = ROOT_USER ? { uid: 65534, gid: 65534 } : {};

/** Run `code` (an ES module body with `m` = dist/io/atomic.js) in a child node process. */
function child(code: string, opts: { cwd?: string; unprivileged?: boolean } = {}) {
  assert.ok(existsSync(DIST_ATOMIC), 'run `npm run build` first: the child processes use dist/');
  const body = `const m = await import(${JSON.stringify(DIST_ATOMIC)});\n${code}`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', body], {
    cwd: opts.cwd ?? dir,
    encoding: 'utf8',
    ...(opts.unprivileged ? UNPRIVILEGED : {}),
  });
}

chmodSync(dir, 0o755); // the unprivileged children enter it

const tmpFiles = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp'));

describe('writeFileAtomic: links, devices, descriptors and modes', () => {
  it('writes through a chain of symbolic links to the final target and keeps the links (and its mode 600)', () => {
    const d = mkdtempSync(join(dir, 'links-'));
    const target = join(d, 'real.json');
    writeFileSync(target, 'old');
    chmodSync(target, 0o600);
    symlinkSync('real.json', join(d, 'b'));
    symlinkSync(join(d, 'b'), join(d, 'a')); // absolute → relative → file
    writeFileAtomic(join(d, 'a'), 'new');
    assert.ok(lstatSync(join(d, 'a')).isSymbolicLink(), 'a is still a link');
    assert.ok(lstatSync(join(d, 'b')).isSymbolicLink(), 'b is still a link');
    assert.equal(readlinkSync(join(d, 'a')), join(d, 'b'));
    assert.equal(readFileSync(target, 'utf8'), 'new');
    assert.equal(statSync(target).mode & 0o777, 0o600);
    assert.deepEqual(tmpFiles(d), []);
  });

  it('names that are object keys elsewhere (constructor, __proto__) are plain files', () => {
    const d = mkdtempSync(join(dir, 'names-'));
    const r = child(`for (const name of ['constructor', '__proto__', 'toString']) m.writeFileAtomic(name, name);`, {
      cwd: d,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(d).sort(), ['__proto__', 'constructor', 'toString']);
    assert.equal(readFileSync(join(d, 'constructor'), 'utf8'), 'constructor');
  });

  it('a dangling link creates its target and stays a link', () => {
    const d = mkdtempSync(join(dir, 'dangling-'));
    symlinkSync('sub/missing.npy', join(d, 'b'));
    symlinkSync('b', join(d, 'a'));
    mkdirSync(join(d, 'sub'));
    writeFileAtomic(join(d, 'a'), 'x');
    assert.ok(lstatSync(join(d, 'a')).isSymbolicLink() && lstatSync(join(d, 'b')).isSymbolicLink(), 'links stay links');
    assert.equal(readFileSync(join(d, 'sub', 'missing.npy'), 'utf8'), 'x');
    assert.deepEqual(readdirSync(d).sort(), ['a', 'b', 'sub']);
  });

  it('an existing file keeps its permission bits; a new one gets 0644 minus the umask', () => {
    const d = mkdtempSync(join(dir, 'mode-'));
    for (const mode of [0o600, 0o640, 0o755]) {
      const p = join(d, `m${mode.toString(8)}`);
      writeFileSync(p, 'old');
      chmodSync(p, mode);
      writeFileAtomic(p, 'new');
      assert.equal(statSync(p).mode & 0o777, mode, `mode ${mode.toString(8)} kept`);
    }
    const fresh = join(d, 'fresh');
    writeFileAtomic(fresh, 'x');
    const umask = process.umask();
    assert.equal(statSync(fresh).mode & 0o777, 0o644 & ~umask);
  });

  it('a character device is written in place, never replaced (mknod c 1 3 in a temp dir, where allowed)', (t) => {
    const d = mkdtempSync(join(dir, 'dev-'));
    const dev = join(d, 'null');
    if (spawnSync('mknod', [dev, 'c', '1', '3']).status !== 0) {
      t.skip('mknod not permitted here');
      return;
    }
    symlinkSync(dev, join(d, 'link'));
    writeFileAtomic(dev, 'into the void');
    writeFileAtomic(join(d, 'link'), (write) => write('more'));
    assert.ok(statSync(dev).isCharacterDevice(), 'still the device');
    assert.equal(statSync(dev).rdev, statSync('/dev/null').rdev);
    assert.ok(lstatSync(join(d, 'link')).isSymbolicLink(), 'the link stays a link');
    assert.deepEqual(tmpFiles(d), []);
  });

  it('/dev/null and a link chain to it: written, and /dev/null stays the device', () => {
    const d = mkdtempSync(join(dir, 'devnull-'));
    chmodSync(d, 0o755);
    symlinkSync('/dev/null', join(d, 'b'));
    symlinkSync('b', join(d, 'a'));
    const before = lstatSync('/dev/null');
    // unprivileged: a write that tried to rename over /dev/null would fail (EACCES) instead of replacing it
    const r = child(`m.writeFileAtomic('/dev/null', 'x'); m.writeFileAtomic(${JSON.stringify(join(d, 'a'))}, 'y');`, {
      unprivileged: true,
    });
    assert.equal(r.status, 0, r.stderr);
    const after = lstatSync('/dev/null');
    assert.ok(after.isCharacterDevice(), '/dev/null is a character device');
    assert.equal(after.ino, before.ino, 'the same inode');
    assert.ok(lstatSync(join(d, 'a')).isSymbolicLink() && lstatSync(join(d, 'b')).isSymbolicLink(), 'links stay links');
  });

  it('a FIFO is opened and written, not replaced', () => {
    const d = mkdtempSync(join(dir, 'fifo-'));
    const fifo = join(d, 'pipe');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      writeFileAtomic(fifo, 'through the pipe');
      const buf = Buffer.alloc(64);
      const n = readSync(reader, buf, 0, 64, null);
      assert.equal(buf.subarray(0, n).toString(), 'through the pipe');
    } finally {
      closeSync(reader);
    }
    assert.ok(lstatSync(fifo).isFIFO(), 'still a FIFO');
    assert.deepEqual(readdirSync(d), ['pipe']);
  });

  it("'-', /dev/stdout and a link to /dev/stdout write to standard output; no file is created or replaced", () => {
    const d = mkdtempSync(join(dir, 'stdout-'));
    chmodSync(d, 0o755);
    symlinkSync('/dev/stdout', join(d, 'out'));
    const r = child(
      `m.writeFileAtomic('-', 'a'); m.writeFileAtomic('/dev/stdout', (w) => { w('b'); w('c'); }); m.writeJsonAtomic('out', [1]);`,
      { cwd: d, unprivileged: true },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'abc[\n  1\n]\n');
    assert.deepEqual(readdirSync(d), ['out']);
    assert.equal(readlinkSync(join(d, 'out')), '/dev/stdout');
    assert.ok(lstatSync('/dev/stdout').isSymbolicLink(), '/dev/stdout is still a link');
  });

  it('refuses a folder, a socket and a link loop with an OutputError naming the path', async () => {
    const d = mkdtempSync(join(dir, 'refuse-'));
    mkdirSync(join(d, 'folder'));
    assert.throws(
      () => writeFileAtomic(join(d, 'folder'), 'x'),
      (e: unknown) => e instanceof OutputError && e.path === join(d, 'folder') && /is a folder/.test(e.message),
    );
    const sock = join(d, 'sock');
    const server = createServer();
    await new Promise<void>((res) => server.listen(sock, res));
    try {
      assert.throws(
        () => writeFileAtomic(sock, 'x'),
        (e: unknown) => e instanceof OutputError && /is a socket/.test(e.message),
      );
      assert.ok(lstatSync(sock).isSocket(), 'the socket is untouched');
    } finally {
      await new Promise((res) => server.close(res));
    }
    symlinkSync('loop2', join(d, 'loop1'));
    symlinkSync('loop1', join(d, 'loop2'));
    assert.throws(
      () => writeFileAtomic(join(d, 'loop1'), 'x'),
      (e: unknown) => e instanceof OutputError && e.errno === 'ELOOP',
    );
    assert.deepEqual(tmpFiles(d), []);
  });

  it('a failing write is an OutputError with the errno (ENOENT; ENOSPC from /dev/full), temp removed', () => {
    const missing = join(dir, 'no', 'such', 'x.bin');
    assert.throws(
      () => writeFileAtomic(missing, 'x'),
      (e: unknown) => e instanceof OutputError && e.errno === 'ENOENT' && e.path === missing,
    );
    if (existsSync('/dev/full')) {
      assert.throws(
        () => writeFileAtomic('/dev/full', new Uint8Array(1 << 16)),
        (e: unknown) => e instanceof OutputError && e.errno === 'ENOSPC' && /no space left/.test(e.message),
      );
    }
    // a writer callback's own errors are not rewritten
    const fsError = Object.assign(new Error('EACCES: from the callback'), { code: 'EACCES' });
    assert.throws(
      () =>
        writeFileAtomic(join(dir, 'cb.bin'), () => {
          throw fsError;
        }),
      (e: unknown) => e === fsError,
    );
  });

  it('EFBIG (ulimit -f) is an OutputError; the temp file is removed and the previous file is intact', () => {
    const d = mkdtempSync(join(dir, 'efbig-'));
    writeFileSync(join(d, 'big.bin'), 'previous');
    const r = spawnSync(
      'bash',
      [
        '-c',
        `ulimit -f 16; exec "$0" --input-type=module -e "$1"`,
        process.execPath,
        `
        const m = await import(${JSON.stringify(DIST_ATOMIC)});
        try { m.writeFileAtomic('big.bin', new Uint8Array(1 << 20)); }
        catch (e) { console.log(e.name, e.errno, e.message); process.exit(3); }`,
      ],
      { cwd: d, encoding: 'utf8' },
    );
    assert.equal(r.status, 3, `${r.stdout}${r.stderr}`);
    assert.match(
      r.stdout,
      /^OutputError EFBIG big\.bin: cannot write \(EFBIG: file too large.*the previous big\.bin is unchanged/,
    );
    assert.equal(readFileSync(join(d, 'big.bin'), 'utf8'), 'previous');
    assert.deepEqual(tmpFiles(d), []);
  });
});

describe('temp files and signals', () => {
  // The child writes 64 chunks of 1 MiB, 5 ms apart, and says "go" after the first: the signal arrives mid-write.
  const writer = (extra: string) => `
    ${extra}
    const { writeSync } = await import('node:fs');
    const pause = new Int32Array(new SharedArrayBuffer(4));
    m.writeFileAtomic('big.bin', (write) => {
      for (let i = 0; i < 64; i++) {
        write(new Uint8Array(1 << 20));
        if (i === 0) writeSync(1, 'go\\n');
        Atomics.wait(pause, 0, 0, 5);
      }
    });
    writeSync(1, 'written\\n');
    setTimeout(() => process.exit(0), 5000);`;

  function killMidWrite(
    signal: NodeJS.Signals,
    extra = '',
  ): Promise<{ code: number | null; signal: string | null; out: string; d: string }> {
    const d = mkdtempSync(join(dir, 'sig-'));
    const body = `const m = await import(${JSON.stringify(DIST_ATOMIC)});\n${writer(extra)}`;
    const c = spawn(process.execPath, ['--input-type=module', '-e', body], {
      cwd: d,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    c.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out === 'go\n') c.kill(signal);
    });
    return new Promise((res) => c.on('close', (code, sig) => res({ code, signal: sig, out, d })));
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} during a write leaves no temp file, and still ends the process by ${signal}`, async () => {
      assert.ok(existsSync(DIST_ATOMIC), 'run `npm run build` first');
      const r = await killMidWrite(signal);
      assert.deepEqual(tmpFiles(r.d), [], 'no .tmp left');
      assert.equal(r.signal, signal, `killed by ${signal} (exit code ${r.code}), not left running: ${r.out}`);
      // the write was finished before the signal took effect: the file is complete
      assert.equal(statSync(join(r.d, 'big.bin')).size, 64 << 20);
      rmSync(r.d, { recursive: true, force: true });
    });
  }

  it('a process with its own SIGINT handler (ntk run, ntk train) keeps it: no temp file, the handler decides', async () => {
    const r = await killMidWrite(
      'SIGINT',
      `process.on('SIGINT', () => { process.stdout.write('handled\\n'); setTimeout(() => process.exit(0), 10); });`,
    );
    assert.deepEqual(tmpFiles(r.d), []);
    assert.equal(r.code, 0);
    assert.equal(r.signal, null);
    assert.match(r.out, /written\nhandled\n/);
    rmSync(r.d, { recursive: true, force: true });
  });

  it('between writes no signal listener is installed (Ctrl-C stops a long computation at once)', async () => {
    const count = () => ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s));
    const before = count();
    writeFileAtomic(join(dir, 'quiet.txt'), 'x');
    assert.deepEqual(
      count(),
      before.map((n) => n + 1),
      'installed right after the write',
    );
    await tempFilesSettled();
    assert.deepEqual(count(), before, 'removed once the event loop has turned (tempFilesSettled resolves then)');
    await tempFilesSettled(); // and at once when nothing is pending
  });
});
