#!/usr/bin/env node
// The reliability audit of issue #13: bad inputs and faults run through the real CLI, each classified as
//   correct  — a typed error (exit 2/3, one line, no stack) where the input is bad, or the right result where it is not
//   misleading — a typed error whose text is wrong (names the wrong argument, blames a flag that was not given, …)
//   crash    — "unexpected error", a stack trace, or an exit code other than 0/2/3/130
//   silent   — exit 0 with a wrong, mixed or non-finite result (or a bad input accepted)
//   leftover — any of the above that also left a temporary file (.*.tmp) behind (counted separately)
// Usage: node scripts/audit.mjs [path/to/dist/cli/main.js] [--json]   (default: this checkout's dist)
// Each case runs in a fresh temporary folder; numpy (Debian's python3) writes the fixtures.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const CLI = resolve(args.find((a) => !a.startsWith('--')) ?? 'dist/cli/main.js');
const PY = '/usr/bin/python3';

const K = `'dense(16),relu,dense(1)'`;
const SMALL = `--arch ${K} --data sphere:n=10:d=3`;
const TRAIN = `--arch ${K} --data sphere:n=20:d=3 --loss mse --lr 0.1`;
const npy = (name, expr) => `${PY} -c "import numpy as np; np.save('${name}', ${expr})"`;
const SPD = npy('K.npy', 'np.eye(10) + 0.1*np.ones((10,10))') + ' && ' + npy('y.npy', 'np.arange(10.0) % 2');

/** Outcome checks: return null when right, else the reason it is wrong. */
const isLink = (f) => (lstatSync(f).isSymbolicLink() ? null : `${f} was replaced (no longer a symlink)`);
const json = (d, f) => JSON.parse(readFileSync(join(d, f), 'utf8'));

// expect: 'error' (bad input: must be refused), 'ok' (must work), 'either' (refusal or a result, then check)
const CASES = [
  // 1. writes replace links and devices
  {
    item: 1,
    name: 'symlinked --out',
    setup: 'touch real.npy && ln -s real.npy link.npy',
    cmd: `kernel ${SMALL} --out link.npy`,
    expect: 'ok',
    check: (d) =>
      isLink(join(d, 'link.npy')) ??
      (statSync(join(d, 'real.npy')).size > 128 ? null : 'the link target was not written'),
  },
  {
    item: 1,
    name: 'dangling symlinked --out',
    setup: 'ln -s target.npy dl.npy',
    cmd: `kernel ${SMALL} --out dl.npy`,
    expect: 'ok',
    check: (d) => isLink(join(d, 'dl.npy')) ?? (existsSync(join(d, 'target.npy')) ? null : 'target not written'),
  },
  {
    item: 1,
    name: '--out FIFO',
    setup: `${SPD} && mkfifo f.json`,
    cmd: '(timeout 30 cat f.json > got.json 2>/dev/null </dev/null &); NTK analyze --kernel K.npy --labels y.npy --out f.json',
    raw: true,
    expect: 'either',
    check: (d) => (lstatSync(join(d, 'f.json')).isFIFO() ? null : 'the FIFO was replaced by a regular file'),
  },
  {
    item: 1,
    name: '--out - (stdout)',
    setup: SPD,
    cmd: 'analyze --kernel K.npy --labels y.npy --out -',
    expect: 'either',
    check: (d) => (existsSync(join(d, '-')) ? 'wrote a file named "-"' : null),
  },
  {
    item: 1,
    name: 'existing file mode kept',
    setup: 'touch K.npy && chmod 600 K.npy',
    cmd: `kernel ${SMALL} --out K.npy`,
    expect: 'ok',
    check: (d) =>
      (statSync(join(d, 'K.npy')).mode & 0o777) === 0o600
        ? null
        : `mode became ${(statSync(join(d, 'K.npy')).mode & 0o777).toString(8)}`,
  },
  // 2. output problems after the work
  { item: 2, name: 'kernel: missing parent folder', cmd: `kernel ${SMALL} --out no/such/dir/K.npy`, expect: 'error' },
  {
    item: 2,
    name: 'kernel: a file as parent',
    setup: 'touch f',
    cmd: `kernel ${SMALL} --out f/K.npy`,
    expect: 'error',
  },
  { item: 2, name: 'kernel: --out is a directory', setup: 'mkdir d', cmd: `kernel ${SMALL} --out d`, expect: 'error' },
  {
    item: 2,
    name: 'kernel: file size limit (EFBIG)',
    cmd: `ulimit -f 8; NTK kernel --arch ${K} --data sphere:n=200:d=3 --out K.npy`,
    raw: true,
    expect: 'error',
  },
  { item: 2, name: 'empirical: missing parent folder', cmd: `empirical ${SMALL} --out no/dir/K.npy`, expect: 'error' },
  {
    item: 2,
    name: 'analyze: missing parent folder',
    setup: SPD,
    cmd: 'analyze --kernel K.npy --labels y.npy --out no/dir/a.json',
    expect: 'error',
  },
  {
    item: 2,
    name: 'train: --out is a file',
    setup: 'touch t',
    cmd: `train ${TRAIN} --steps 5 --out t`,
    expect: 'error',
  },
  {
    item: 2,
    name: 'data --export-x: missing parent',
    cmd: 'data describe sphere:n=10:d=3 --export-x no/dir/X.npy',
    expect: 'error',
  },
  {
    item: 2,
    name: 'empirical --params-out is a file',
    setup: 'touch p',
    cmd: `empirical ${SMALL} --out K.npy --params-out p`,
    expect: 'error',
  },
  {
    item: 2,
    name: 'empirical --stderr-out: missing parent',
    cmd: `empirical ${SMALL} --samples 2 --out K.npy --stderr-out no/dir/se.npy`,
    expect: 'error',
  },
  // 3. sizes that cannot fit
  {
    item: 3,
    name: 'kernel n = 100000',
    cmd: `kernel --arch ${K} --data sphere:n=100000:d=3 --out K.npy`,
    expect: 'error',
  },
  {
    item: 3,
    name: 'empirical dense(1e12)',
    cmd: `empirical --arch 'dense(1e12),relu,dense(1)' --data sphere:n=10:d=3 --out K.npy`,
    expect: 'error',
  },
  { item: 3, name: 'data describe n = 10¹²', cmd: 'data describe sphere:n=1000000000000:d=3', expect: 'error' },
  {
    item: 3,
    name: 'spectrum-demo sweep.n = [10⁶]',
    cmd: `run spectrum-demo --quick --set 'sweep.n=[1000000]' --out r`,
    expect: 'error',
  },
  // 4. corrupt checkpoints and cache entries
  {
    item: 4,
    name: 'corrupt checkpoint, --resume',
    setup: `NTK train ${TRAIN} --steps 50 --out t --quiet && ${PY} -c "p='t/checkpoint.bin'; b=bytearray(open(p,'rb').read()); b[-100]^=0x40; open(p,'wb').write(b)"`,
    cmd: `train ${TRAIN} --steps 100 --out t --resume --quiet`,
    expect: 'error',
  },
  {
    item: 4,
    name: 'edited cache entry is recomputed',
    setup: `NTK run spectrum-demo --quick --out r >/dev/null 2>&1 && cp -r r/results orig && ${PY} -c "
import glob,re
fs=[f for f in glob.glob('r/cache/*/*.json') if not f.endswith('.meta.json')]
f=max(fs,key=lambda f: len(open(f).read()))
s=open(f).read(); open(f,'w').write(re.sub(r'(\\d)\\.(\\d)', lambda m: str((int(m.group(1))+3)%10)+'.'+m.group(2), s, count=5))"`,
    cmd: 'run spectrum-demo --quick --out r',
    expect: 'ok',
    check: (d) =>
      readdirSync(join(d, 'orig')).every(
        (f) => readFileSync(join(d, 'orig', f), 'utf8') === readFileSync(join(d, 'r/results', f), 'utf8'),
      )
        ? null
        : 'results changed: the edited cache entry was used',
  },
  // 5. locks and run folders
  {
    item: 5,
    name: 'two runs on one folder',
    cmd: `NTK run label-alignment --quick --out D >/dev/null 2>&1 & sleep 1.5; NTK run spectrum-demo --quick --out D; s=$?; wait; exit $s`,
    raw: true,
    expect: 'error',
  },
  {
    item: 5,
    name: 'train --out into a preset run folder',
    setup: 'NTK run spectrum-demo --quick --out D >/dev/null 2>&1',
    cmd: `train ${TRAIN} --steps 5 --out D`,
    expect: 'error',
  },
  { item: 5, name: "kernel --out ''", cmd: `kernel ${SMALL} --out ''`, expect: 'error' },
  { item: 5, name: "run --out ''", cmd: `run spectrum-demo --quick --out ''`, expect: 'error' },
  // 6. non-finite outputs
  {
    item: 6,
    name: 'kernel: 1e200 in X',
    setup: npy('X.npy', 'np.vstack([np.ones((4,3)), [[1e200,0,0]]])'),
    cmd: `kernel --arch ${K} --x X.npy --out K.npy`,
    expect: 'error',
  },
  {
    item: 6,
    name: 'empirical: 1e200 in X',
    setup: npy('X.npy', 'np.vstack([np.ones((4,3)), [[1e200,0,0]]])'),
    cmd: `empirical --arch ${K} --x X.npy --out K.npy`,
    expect: 'error',
  },
  // 7. preset params checked late
  {
    item: 7,
    name: 'bad params.mlpArch',
    cmd: `run label-alignment --quick --set 'params.mlpArch=dense(8),bogus' --out r`,
    expect: 'error',
    check: (d) => (existsSync(join(d, 'r')) ? 'a run folder was created' : null),
  },
  // 8. signals
  {
    item: 8,
    name: 'SIGTERM during run → status',
    cmd: `node "$CLI" run label-alignment --out r >/dev/null 2>&1 & p=$!; sleep 4; kill -TERM $p; wait $p; exit 0`,
    raw: true,
    expect: 'ok',
    check: (d) => (json(d, 'r/config.json').status === 'running' ? 'status left "running"' : null),
  },
  {
    item: 8,
    name: 'SIGTERM during train → checkpoint, summary',
    cmd: `node "$CLI" train ${TRAIN} --steps 2000000 --quiet --out t & p=$!; sleep 4; kill -TERM $p; wait $p; exit 0`,
    raw: true,
    expect: 'ok',
    check: (d) =>
      existsSync(join(d, 't/checkpoint.bin')) &&
      existsSync(join(d, 't/summary.json')) &&
      json(d, 't/summary.json').status !== 'running'
        ? null
        : 'no checkpoint or summary after SIGTERM',
  },
  // 9. report specs, test classes
  {
    item: 9,
    name: 'report: figure spec without marks',
    setup: `NTK run spectrum-demo --quick --out r >/dev/null 2>&1 && ${PY} -c "
import glob,json
f=sorted(glob.glob('r/figures/*.json'))[0]; s=json.load(open(f))
def drop(o):
  if isinstance(o,dict):
    o.pop('marks',None); [drop(v) for v in o.values()]
  elif isinstance(o,list): [drop(v) for v in o]
drop(s); json.dump(s,open(f,'w'))"`,
    cmd: 'report r',
    expect: 'error',
  },
  {
    item: 9,
    name: 'test classes in another order',
    cmd: `train --arch 'flatten,dense(64),relu,dense(2)' --data mnist:train:n=100:classes=0,1 --test-data mnist:test:n=100:classes=1,0 --loss ce --lr frac:0.5 --steps 100 --quiet --out t`,
    expect: 'ok',
    check: (d) => {
      const s = json(d, 't/summary.json');
      const a = s.final?.testAccuracy ?? s.last?.testAccuracy;
      return a > 0.9 ? null : `test accuracy ${a}`;
    },
  },
  // 10. messages that mislead
  {
    item: 10,
    name: 'all-zero kernel',
    setup: npy('K.npy', 'np.zeros((10,10))') + ' && ' + npy('y.npy', 'np.arange(10.0)%2'),
    cmd: 'analyze --kernel K.npy --labels y.npy --out a.json',
    expect: 'either',
    not: /ridges\[0\]/,
  },
  {
    item: 10,
    name: '1e-320·I kernel',
    setup: npy('K.npy', '1e-320*np.eye(10)') + ' && ' + npy('y.npy', 'np.arange(10.0)%2'),
    cmd: 'analyze --kernel K.npy --labels y.npy --out a.json',
    expect: 'either',
    not: /`eta` must be/,
  },
  {
    item: 10,
    name: 'NaN in --x2 named --x2',
    setup: npy('X.npy', 'np.ones((4,3))') + ' && ' + npy('X2.npy', 'np.array([[np.nan,0,0]])'),
    cmd: `kernel --arch ${K} --x X.npy --x2 X2.npy --out K.npy`,
    expect: 'error',
    must: /--x2/,
  },
  {
    item: 10,
    name: 'zero input: no "lower the learning rate"',
    setup: npy('Z.npy', 'np.zeros((10,3))') + ' && ' + npy('y.npy', 'np.arange(10.0)%2'),
    cmd: `train --arch ${K} --data npy:x=Z.npy:y=y.npy --loss mse --lr 0.1 --steps 20 --quiet --out t`,
    expect: 'either',
    not: /lower the learning rate/,
  },
  {
    item: 10,
    name: '--lr frac: with λ_max = 0',
    setup: npy('Z.npy', 'np.zeros((10,3))') + ' && ' + npy('y.npy', 'np.arange(10.0)%2'),
    cmd: `train --arch ${K} --data npy:x=Z.npy:y=y.npy --loss mse --lr frac:0.5 --steps 20 --quiet --out t`,
    expect: 'error',
  },
  {
    item: 10,
    name: 'divergence hint is a valid --lr',
    cmd: `train ${TRAIN.replace('--lr 0.1', '--lr 1e6')} --steps 50 --quiet --out t`,
    expect: 'error',
    not: /--lr (?!frac:)[0-9.e-]*[^0-9.e\s-]/,
  },
  {
    item: 10,
    name: '"ntk train:" printed once',
    cmd: `train ${TRAIN.replace('--lr 0.1', '--lr abc')} --steps 5 --out t`,
    expect: 'error',
    not: /ntk train: ntk train:/,
  },
  { item: 10, name: 'data describe n = 1', cmd: 'data describe sphere:n=1:d=3', expect: 'ok' },
  {
    item: 10,
    name: 'NaN in a CSV: file and column',
    setup: `printf 'a,b,label\\n1,2,0\\n3,nan,1\\n' > t.csv`,
    cmd: 'data describe csv:path=t.csv',
    expect: 'error',
    must: /t\.csv.*(column|col|b)/,
  },
  {
    item: 10,
    name: 'empirical: 0-row --x',
    setup: npy('X0.npy', 'np.zeros((0,3))'),
    cmd: `empirical --arch ${K} --x X0.npy --out K.npy`,
    expect: 'error',
  },
  {
    item: 10,
    name: 'kernel: 0-row --x',
    setup: npy('X0.npy', 'np.zeros((0,3))'),
    cmd: `kernel --arch ${K} --x X0.npy --out K.npy`,
    expect: 'error',
  },
  {
    item: 10,
    name: 'empirical --arch relu',
    cmd: 'empirical --arch relu --data sphere:n=10:d=3 --out K.npy',
    expect: 'error',
  },
  {
    item: 10,
    name: 'kernel --arch relu',
    cmd: 'kernel --arch relu --data sphere:n=10:d=3 --out K.npy',
    expect: 'error',
  },
  {
    item: 10,
    name: '--workers 1000',
    cmd: `kernel ${SMALL} --workers 1000 --out K.npy`,
    expect: 'either',
    check: (_d, r) => (r.status === 0 && !/worker/i.test(r.stderr) ? 'accepted without a word' : null),
  },
];

function runCase(c) {
  const d = mkdtempSync(join(tmpdir(), 'ntk-audit-'));
  const pre = `CLI=${JSON.stringify(CLI)}\nNTK() { node "$CLI" "$@"; }\n`;
  try {
    if (c.setup) {
      const s = spawnSync('bash', ['-c', pre + c.setup], { cwd: d, encoding: 'utf8', timeout: 300_000 });
      if (s.status !== 0) return { outcome: 'setup failed', detail: s.stderr.slice(-300) };
    }
    const cmd = c.raw ? c.cmd : `NTK ${c.cmd}`;
    const r = spawnSync('bash', ['-c', pre + cmd], { cwd: d, encoding: 'utf8', timeout: 300_000 });
    const text = `${r.stdout}\n${r.stderr}`;
    const leftover = (function walk(dir) {
      return readdirSync(dir, { withFileTypes: true }).some((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : /^\..*\.tmp$/.test(e.name),
      );
    })(d);
    let outcome;
    let detail = '';
    if (
      r.status === null ||
      ![0, 2, 3, 130].includes(r.status) ||
      /unexpected error|\n\s+at .*\(.*:\d+:\d+\)/.test(text)
    ) {
      outcome = 'crash';
      detail = `exit ${r.status ?? r.signal}: ${text.trim().split('\n')[0].slice(0, 160)}`;
    } else if (r.status === 0 && c.expect === 'error') {
      outcome = 'silent';
      detail = 'exit 0';
    } else if (r.status !== 0 && c.expect === 'ok') {
      outcome = 'misleading';
      detail = `refused: ${r.stderr.trim().split('\n')[0].slice(0, 160)}`;
    } else {
      const bad = c.check?.(d, r) ?? null;
      if (bad) outcome = r.status === 0 ? 'silent' : 'misleading';
      else if (c.not?.test(text) || (c.must && r.status !== 0 && !c.must.test(text))) outcome = 'misleading';
      else outcome = 'correct';
      detail = bad ?? (outcome === 'misleading' ? text.trim().split('\n')[0].slice(0, 160) : '');
    }
    return { outcome, leftover, detail };
  } catch (e) {
    return { outcome: 'crash', detail: `audit: ${e.message}` };
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

const rows = CASES.map((c) => ({ item: c.item, name: c.name, ...runCase(c) }));
const count = (o) => rows.filter((r) => r.outcome === o).length;
const summary = {
  cli: CLI,
  cases: rows.length,
  correct: count('correct'),
  misleading: count('misleading'),
  crash: count('crash'),
  silent: count('silent'),
  setupFailed: count('setup failed'),
  leftover: rows.filter((r) => r.leftover).length,
};
if (asJson) process.stdout.write(`${JSON.stringify({ summary, rows }, null, 2)}\n`);
else {
  for (const r of rows) {
    process.stdout.write(
      `${String(r.item).padStart(2)}  ${r.outcome.padEnd(12)} ${r.leftover ? 'tmp-left ' : ''}${r.name}${r.detail ? `  — ${r.detail}` : ''}\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}
