/**
 * Output paths through the real CLI (node dist/cli/main.js; `npm run build` first), issue #13 items 1, 2 and 5's
 * `--out ''`: every output flag is checked before any input is loaded or anything computed (the inputs below are
 * missing files, so an output error can only come first), with a one-line ConfigError naming the flag and exit 2;
 * nothing is left behind. Disk full (EFBIG under `ulimit -f`) is a typed error with the previous file intact; `-`
 * and /dev/stdout are standard output.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
/** As root (who may write anywhere), the read-only cases run as nobody. */
const UNPRIVILEGED = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

const base = mkdtempSync(join(tmpdir(), 'ntk-cli-output-'));
chmodSync(base, 0o755);
after(() => rmSync(base, { recursive: true, force: true }));

function ntk(args: string[], cwd: string, opts: { unprivileged?: boolean } = {}) {
  assert.ok(existsSync(MAIN), 'run `npm run build` first: these tests run dist/cli/main.js');
  return spawnSync(process.execPath, [MAIN, ...args], {
    cwd,
    encoding: 'buffer',
    maxBuffer: 64 << 20,
    ...(opts.unprivileged ? UNPRIVILEGED : {}),
  });
}

/** A work folder with a regular file `file`, a folder `folder`, a read-only folder `ro` and a writable-by-all `open`. */
function workdir(): string {
  const w = mkdtempSync(join(base, 'w-'));
  chmodSync(w, 0o755);
  writeFileSync(join(w, 'file'), 'a regular file');
  mkdirSync(join(w, 'folder'));
  mkdirSync(join(w, 'ro'));
  chmodSync(join(w, 'ro'), 0o555);
  mkdirSync(join(w, 'open'));
  chmodSync(join(w, 'open'), 0o777);
  return w;
}

/** Every file and folder under `d` (relative paths, sorted). */
function tree(d: string, pre = ''): string[] {
  return readdirSync(join(d, pre), { withFileTypes: true })
    .flatMap((e) => {
      const rel = join(pre, e.name);
      return e.isDirectory() ? [rel, ...tree(d, rel)] : [rel];
    })
    .sort();
}

const ARCH = ['--arch', 'dense(16),relu,dense(1)'];
const MISSING_DATA = 'npy:x=missing.npy:y=missing.npy';

// command → its arguments around the output flag (the inputs are missing: loading them would fail)
const COMMANDS = {
  kernel: (out: string[]) => ['kernel', ...ARCH, '--x', 'missing.npy', ...out],
  empirical: (out: string[]) => ['empirical', ...ARCH, '--x', 'missing.npy', '--out', 'K.npy', ...out],
  empiricalOut: (out: string[]) => ['empirical', ...ARCH, '--x', 'missing.npy', ...out],
  analyze: (out: string[]) => ['analyze', '--kernel', 'missing.npy', ...out],
  data: (out: string[]) => ['data', 'describe', MISSING_DATA, ...out],
  train: (out: string[]) => [
    'train',
    ...ARCH,
    '--data',
    MISSING_DATA,
    '--loss',
    'mse',
    '--lr',
    '0.1',
    '--steps',
    '1',
    ...out,
  ],
  run: (out: string[]) => ['run', 'spectrum-demo', '--quick', ...out],
} as const;

const FILE_CASES = {
  'a missing folder': [
    'no/such/dir/K.npy',
    /cannot write to no\/such\/dir\/K\.npy: the folder no\/such\/dir does not exist$/,
  ],
  'a file as parent': ['file/K.npy', /cannot write to file\/K\.npy: file is a file, not a folder$/],
  'a folder': ['folder', /cannot write to folder: is a folder; give a file path$/],
  'a read-only folder': [
    'ro/K.npy',
    /cannot write to ro\/K\.npy: the folder ro is not writable \(EACCES: permission denied\)$/,
  ],
  'an empty string': ['', /must be a path; got an empty string \(''\)$/],
} as const;
const DIR_CASES = {
  'a file': ['file', /file is a file, not a folder$/],
  'a file as parent': ['file/out', /cannot write to file\/out: file is a file, not a folder$/],
  'a read-only folder': [
    'ro/out',
    /cannot write to ro\/out: the folder ro is not writable \(EACCES: permission denied\)$/,
  ],
  'an empty string': ['', /must be a path; got an empty string \(''\)$/],
  '-': ['-', /is a folder; '-' \(standard output\) cannot be one$/],
} as const;

type Case = readonly [string, RegExp];

function expectRefused(cmd: keyof typeof COMMANDS, flag: string, c: Case, extra: string[] = []): void {
  const w = workdir();
  const before = tree(w);
  const args = COMMANDS[cmd]([flag, c[0], ...extra]);
  const r = ntk(args, w, { unprivileged: c[0].startsWith('ro') });
  const stderr = r.stderr.toString();
  assert.equal(r.status, 2, `ntk ${args.join(' ')}: ${stderr}`);
  const name = args[0];
  assert.equal(stderr.split('\n').length, 2, `one line: ${stderr}`);
  assert.ok(stderr.startsWith(`ntk ${name}: ${flag}: `), stderr);
  assert.match(stderr.trimEnd(), c[1]);
  assert.deepEqual(tree(w), before, 'nothing created, no temp file left');
}

describe('output preflight: refused before any work, exit 2, one line naming the flag', () => {
  it('the README repro: kernel --out no/such/dir/K.npy', () => {
    const w = workdir();
    const r = ntk(['kernel', ...ARCH, '--data', 'sphere:n=10:d=3', '--out', 'no/such/dir/K.npy'], w);
    assert.equal(r.status, 2);
    assert.equal(
      r.stderr.toString(),
      'ntk kernel: --out: cannot write to no/such/dir/K.npy: the folder no/such/dir does not exist\n',
    );
    assert.equal(r.stdout.length, 0, 'nothing was computed (no summary line)');
  });

  for (const [what, c] of Object.entries(FILE_CASES)) {
    it(`kernel --out: ${what}`, () => expectRefused('kernel', '--out', c));
  }
  for (const [what, c] of Object.entries(DIR_CASES)) {
    it(`train --out: ${what}`, () => expectRefused('train', '--out', c));
  }
  it('empirical --out, --stderr-out, --params-out', () => {
    expectRefused('empiricalOut', '--out', FILE_CASES['a missing folder']);
    expectRefused('empirical', '--stderr-out', FILE_CASES['a folder'], ['--samples', '2']);
    expectRefused('empirical', '--params-out', DIR_CASES['a file']);
  });
  it('analyze --out', () => {
    expectRefused('analyze', '--out', FILE_CASES['a read-only folder']);
    expectRefused('analyze', '--out', FILE_CASES['a file as parent']);
  });
  it('data describe --export-x, --export-y, --export-targets', () => {
    expectRefused('data', '--export-x', FILE_CASES['a missing folder']);
    expectRefused('data', '--export-y', FILE_CASES['a folder']);
    expectRefused('data', '--export-targets', FILE_CASES['a read-only folder']);
  });
  it("run --out and --cache ('' would have been the current folder)", () => {
    expectRefused('run', '--out', DIR_CASES['an empty string']);
    expectRefused('run', '--out', DIR_CASES['-']);
    expectRefused('run', '--cache', DIR_CASES['a read-only folder'], ['--out', 'open/x']);
  });
  it('report RUN_DIR that is read-only', () => {
    const w = workdir();
    const run = join(w, 'ro', 'run');
    chmodSync(join(w, 'ro'), 0o755);
    mkdirSync(run);
    writeFileSync(join(run, 'config.json'), '{}');
    chmodSync(run, 0o555);
    const r = ntk(['report', run], w, { unprivileged: true });
    assert.equal(r.status, 2, r.stderr.toString());
    assert.match(
      r.stderr.toString(),
      /^ntk report: RUN_DIR: cannot write to .*run: the folder .*run is not writable \(EACCES/,
    );
    assert.deepEqual(readdirSync(run), ['config.json']);
  });
});

describe('disk full while writing (EFBIG under ulimit -f 16)', () => {
  for (const [name, args] of [
    ['kernel --out', ['kernel', ...ARCH, '--data', 'sphere:n=100:d=3', '--out', 'big.npy']],
    ['data describe --export-x', ['data', 'describe', 'sphere:n=1000:d=10', '--export-x', 'big.npy']],
  ] as const) {
    it(`${name}: a typed error naming the path and errno, temp removed, the old file intact`, () => {
      const w = workdir();
      writeFileSync(join(w, 'big.npy'), 'previous');
      const before = tree(w);
      const r = spawnSync('bash', ['-c', 'ulimit -f 16; exec "$@"', 'bash', process.execPath, MAIN, ...args], {
        cwd: w,
        encoding: 'utf8',
      });
      assert.equal(r.status, 2, r.stderr);
      const line = r.stderr.split('\n').find((l) => l.startsWith('ntk ')) ?? '';
      assert.match(
        line,
        /^ntk (kernel|data): big\.npy: cannot write \(EFBIG: file too large.*\); the previous big\.npy is unchanged$/,
      );
      assert.doesNotMatch(r.stderr, /unexpected error/);
      assert.equal(readFileSync(join(w, 'big.npy'), 'utf8'), 'previous');
      assert.deepEqual(tree(w), before, 'no temp file left');
    });
  }
});

describe("'-', /dev/stdout and links", () => {
  it('kernel --out - writes the same .npy bytes to stdout (the summary lines go to stderr)', () => {
    const w = workdir();
    const args = ['kernel', ...ARCH, '--data', 'sphere:n=10:d=3:seed=4'];
    assert.equal(ntk([...args, '--out', 'K.npy'], w).status, 0);
    const r = ntk([...args, '--out', '-'], w);
    assert.equal(r.status, 0, r.stderr.toString());
    assert.ok(r.stdout.equals(readFileSync(join(w, 'K.npy'))), 'stdout holds exactly the .npy file');
    // the summary: the line earlier versions printed, then what the file holds (issue #16)
    assert.match(
      r.stderr.toString(),
      /^ntk 10×10 in .* s → -\n10×10 trace NTK K\(x, x\) \(analytic, infinite width, ntk\)\n$/,
    );
    assert.equal(existsSync(join(w, '-')), false, 'no file named -');
  });

  it('data describe --export-x - and analyze --out /dev/stdout (unprivileged: /dev is not writable)', () => {
    const w = workdir();
    const spec = 'gaussian:n=8:d=3:k=2:seed=1';
    assert.equal(ntk(['data', 'describe', spec, '--export-x', 'X.npy', '--export-y', 'y.npy'], w).status, 0);
    const d = ntk(['data', 'describe', spec, '--export-x', '-'], w);
    assert.equal(d.status, 0, d.stderr.toString());
    assert.ok(d.stdout.equals(readFileSync(join(w, 'X.npy'))), 'stdout holds exactly the .npy file');
    assert.match(d.stderr.toString(), /^dataset {3}gaussian/, 'the summary went to stderr');
    assert.equal(ntk(['kernel', ...ARCH, '--x', 'X.npy', '--out', 'K.npy'], w).status, 0);
    const a = ntk(['analyze', '--kernel', 'K.npy', '--labels', 'y.npy', '--out', '/dev/stdout'], w, {
      unprivileged: true,
    });
    assert.equal(a.status, 0, a.stderr.toString());
    const json = JSON.parse(a.stdout.toString()) as { n: number };
    assert.equal(json.n, 8);
    assert.ok(lstatSync('/dev/stdout').isSymbolicLink(), '/dev/stdout is still a link');
  });

  it('two outputs to standard output are refused', () => {
    const w = workdir();
    const r = ntk(
      ['empirical', ...ARCH, '--x', 'missing.npy', '--samples', '2', '--out', '-', '--stderr-out', '/dev/stdout'],
      w,
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr.toString(), /^ntk empirical: --stderr-out: \/dev\/stdout is standard output, like --out -/);
  });

  it('binary .npy to a terminal is refused (under script(1))', (t) => {
    if (spawnSync('script', ['--version']).status !== 0) {
      t.skip('script(1) not installed');
      return;
    }
    const w = workdir();
    const cmd = `'${process.execPath}' '${MAIN}' kernel --arch 'dense(4),relu,dense(1)' --data sphere:n=3:d=2 --out -`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: w, encoding: 'utf8' });
    assert.equal(r.status, 2, r.stdout);
    assert.match(
      r.stdout,
      /ntk kernel: --out: - is a terminal; give a file, or pipe the binary \.npy data into a program/,
    );
    assert.equal(existsSync(join(w, '-')), false);
  });

  it('a symlinked --out is written through and stays a link', () => {
    const w = workdir();
    symlinkSync('folder/K.npy', join(w, 'link.npy'));
    const r = ntk(['kernel', ...ARCH, '--data', 'sphere:n=5:d=3', '--out', 'link.npy'], w);
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(readlinkSync(join(w, 'link.npy')), 'folder/K.npy');
    assert.equal(
      readFileSync(join(w, 'folder', 'K.npy'))
        .subarray(1, 6)
        .toString(),
      'NUMPY',
    );
  });
});
