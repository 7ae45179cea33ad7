// `--json` on every command (issue #16): each command's stdout is one JSON value that validates against its entry
// of schemas/ntk-json.schema.json (docs/json.md); a failure with --json prints the `error` object and exits 2.
// Also: exit codes in every --help, "did you mean" for flags / commands / presets / data-spec keys, completion.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { SCHEMA, validate } from './schema.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'ntk-json-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ntk = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NTK_PROGRESS: '0' },
  });

function checkJson(def: string, args: string[], status = 0): Record<string, unknown> {
  const r = ntk(args);
  assert.equal(r.status, status, `ntk ${args.join(' ')}: ${r.stderr}`);
  let v: unknown;
  assert.doesNotThrow(() => (v = JSON.parse(r.stdout)), `stdout is one JSON value: ${r.stdout.slice(0, 200)}`);
  assert.deepEqual(validate(v, SCHEMA.$defs[def]), [], `ntk ${args.join(' ')} against $defs.${def}`);
  return v as Record<string, unknown>;
}

describe('--json on every command validates against schemas/ntk-json.schema.json', () => {
  const ARCH = ['--arch', 'dense(16),relu,dense(2)'];
  it('data describe / data list', () => {
    checkJson('data-describe', [
      'data',
      'describe',
      'sphere:n=20:d=3:seed=1',
      '--json',
      '--export-x',
      'X.npy',
      '--export-targets',
      'T.npy',
    ]);
    checkJson('data-list', ['data', 'list', '--json']);
  });
  it('kernel (with --check-pd), empirical (with --samples), analyze', () => {
    const k = checkJson('kernel', ['kernel', ...ARCH, '--x', 'X.npy', '--out', 'K.npy', '--check-pd', '--json']);
    assert.deepEqual((k.outputs as { shape: number[] }[])[0].shape, [20, 20]);
    assert.match((k.outputs as { holds: string }[])[0].holds, /^20×20 trace NTK/);
    assert.equal((k.checkPd as { n: number }).n, 20);
    const e = checkJson('empirical', [
      'empirical',
      ...ARCH,
      '--x',
      'X.npy',
      '--out',
      'E.npy',
      '--samples',
      '2',
      '--stderr-out',
      'S.npy',
      '--json',
    ]);
    assert.equal((e.outputs as unknown[]).length, 2);
    const a = checkJson('analyze', ['analyze', '--kernel', 'K.npy', '--labels', 'T.npy', '--out', 'r.json', '--json']);
    // the summary repeats what the results file holds
    const full = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as {
      spectrum: { lambdaMax: number };
      generalization: { value: number };
    };
    assert.equal(a.lambdaMax, full.spectrum.lambdaMax);
    assert.equal(a.generalization, full.generalization.value);
  });
  it('train, run, report, compare, list, doctor', () => {
    const t = checkJson('train', [
      'train',
      '--arch',
      'dense(16),relu,dense(1)',
      '--data',
      'sphere:n=20:d=3:seed=1',
      '--loss',
      'mse',
      '--lr',
      '0.1',
      '--steps',
      '5',
      '--out',
      'tr',
      '--json',
      '--quiet',
    ]);
    assert.equal(t.status, 'completed');
    checkJson('run', ['run', 'spectrum-demo', '--quick', '--out', 'sd', '--json']);
    checkJson('report', ['report', 'sd', '--json']);
    const c = checkJson('compare', ['compare', 'sd', 'sd', '--out', 'cmp.html', '--json']);
    assert.deepEqual(c.runs, ['sd', 'sd']);
    checkJson('list', ['list', '--json']);
    checkJson('doctor', ['doctor', '--json']);
  });
  it('kernel --shard, assemble, predict --solver ooc --shard and its final run (issue #19), predict (dense)', () => {
    for (const i of [0, 1]) {
      const s = checkJson('kernel', ['kernel', ...ARCH, '--x', 'X.npy', '--shard', `${i}/2`, '--out', 'sh', '--json']);
      assert.deepEqual(
        [(s.distributed as { mode: string }).mode, (s.distributed as { shard: number }).shard],
        ['shard', i],
      );
    }
    const a = checkJson('assemble', ['assemble', 'sh', '--out', 'Ka.npy', '--json']);
    assert.deepEqual((a.outputs as { shape: number[] }[])[0].shape, [20, 20]);
    const p = [
      'predict',
      '--solver',
      'ooc',
      '--get',
      'nngp',
      '--arch',
      'dense(8),relu,dense(1)',
      '--train',
      'sphere:n=30:d=3:seed=1',
      '--test',
      'sphere:n=10:d=3:seed=2',
      '--ridge',
      '1e-3',
      '--tile',
      '12',
      '--kernels',
      'kooc',
      '--out',
      'pooc',
      '--json',
    ];
    for (const i of [0, 1]) checkJson('predict', [...p, '--shard', `${i}/2`]);
    const f = checkJson('predict', p);
    assert.deepEqual([f.n, f.m, (f.distributed as { tiles: number }).tiles], [30, 10, 9]);
    assert.equal(typeof f.mse, 'number');
    // the dense path: metrics per kernel (NTK-GP: per time), the ridges, every file it wrote
    const d = checkJson('predict', [
      'predict',
      '--get',
      'both',
      '--time',
      '1,inf',
      '--arch',
      'dense(8),relu,dense(1)',
      '--train',
      'gaussian:n=30:d=3:k=2:seed=1',
      '--test',
      'gaussian:n=10:d=3:k=2:seed=2',
      '--ridge',
      '1e-3',
      '--out',
      'pdense',
      '--json',
    ]);
    assert.deepEqual([d.solver, d.n, d.m, d.times], ['dense', 30, 10, ['1', 'inf']]);
    assert.equal(((d.metrics as { ntk: unknown[] }).ntk as unknown[]).length, 2);
    assert.ok((d.outputs as { path: string }[]).some((o) => o.path.endsWith('ntk.cov.npy')));
  });
  it('a failure with --json is the error object on stdout (exit 2), and the message stays on stderr', () => {
    const v = checkJson(
      'error',
      ['kernel', ...ARCH, '--data', 'sphere:n=3:d=2', '--out', 'no/such/K.npy', '--json'],
      2,
    );
    assert.equal(v.exitCode, 2);
    assert.equal((v.error as { kind: string }).kind, 'ConfigError');
    checkJson('error', ['kernel', '--bogus', '--json'], 2);
  });
  it('--json with an output on standard output is refused before the work', () => {
    const r = ntk(['kernel', ...ARCH, '--data', 'sphere:n=3:d=2', '--out', '-', '--json']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--json: prints the summary on standard output/);
  });
});

describe('human summaries', () => {
  it('empirical, kernel and analyze say what they wrote (stdout; stderr when stdout carries the .npy)', () => {
    ntk(['data', 'describe', 'sphere:n=12:d=3:seed=2', '--export-x', 'X12.npy', '--export-targets', 'T12.npy']);
    const e = ntk(['empirical', '--arch', 'dense(8),relu,dense(1)', '--x', 'X12.npy', '--out', 'E12.npy']);
    assert.equal(e.status, 0, e.stderr);
    assert.match(e.stdout, /^12×12 trace empirical NTK Θ\(x, x\) \(seed 0\) → E12\.npy\n.*\(ntk, 32 parameters\)/s);
    const k = ntk(['kernel', '--arch', 'dense(8),relu,dense(1)', '--x', 'X12.npy', '--out', '-']);
    assert.equal(k.status, 0);
    assert.match(k.stderr, /12×12 trace NTK K\(x, x\) \(analytic, infinite width, ntk\)/);
    assert.equal(k.stdout.slice(1, 6), 'NUMPY', 'stdout holds only the .npy');
    const a = ntk(['analyze', '--kernel', 'E12.npy', '--labels', 'T12.npy', '--out', 'a.json']);
    assert.match(a.stdout, /^12×12 kernel E12\.npy: λ_max [0-9.e+-]+, λ_min [0-9.e+-]+, condition/);
    assert.match(
      a.stdout,
      /γ [-0-9.e+]+, KTA [0-9.e+-]+ \(centered [-0-9.e+]+\), √\(2yᵀ\(K\+ρI\)⁻¹y\/n\) [0-9.e+-]+ \(ρ = 0\)/,
    );
  });
  it('progress lines with an ETA on stderr only when asked (NTK_PROGRESS=1 stands in for a terminal)', () => {
    const args = [
      'empirical',
      '--arch',
      'dense(8),relu,dense(1)',
      '--x',
      'X12.npy',
      '--out',
      'P.npy',
      '--samples',
      '3',
    ];
    const quiet = ntk(args);
    assert.equal(quiet.stderr, '', 'not a terminal: no progress');
    const r = spawnSync(process.execPath, [CLI, ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NTK_PROGRESS: '1' },
    });
    assert.match(r.stderr, /ntk empirical: 100% \(3\/3 samples\) \d+:\d\d, ETA 0:00/);
  });
});

describe('help texts and suggestions', () => {
  const commands = [
    'data',
    'kernel',
    'empirical',
    'analyze',
    'predict',
    'train',
    'run',
    'list',
    'report',
    'compare',
    'assemble',
    'worker',
    'doctor',
    'completion',
  ];
  it('ntk --help lists the commands in workflow order, and every --help states its exit codes', () => {
    const top = ntk(['--help']).stdout;
    const order = commands.map((c) => top.indexOf(`\n  ${c} `));
    assert.ok(
      order.every((x) => x > 0),
      top,
    );
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      'workflow order',
    );
    for (const c of commands)
      assert.match(ntk([c, '--help']).stdout, /Exit codes: 0 (ok|completed)/, `ntk ${c} --help`);
  });
  it('did you mean: flags, commands, presets, data-spec keys and names', () => {
    assert.match(ntk(['kernel', '--ot', 'K.npy']).stderr, /Unknown option '--ot' \(did you mean '--out'\?\)/);
    assert.match(ntk(['kernal']).stderr, /unknown command 'kernal' \(did you mean 'kernel'\?\)/);
    assert.match(
      ntk(['run', 'label-alignmen']).stderr,
      /unknown preset "label-alignmen" \(did you mean "label-alignment"\?\)/,
    );
    assert.match(ntk(['data', 'describe', 'mnist:train:sed=3']).stderr, /got 'sed' \(did you mean 'seed'\?\)/);
    assert.match(ntk(['data', 'describe', 'mnist:tran']).stderr, /got 'tran' \(did you mean 'train'\?\)/);
    assert.match(ntk(['data', 'describe', 'fashion-mnst']).stderr, /\(did you mean 'fashion-mnist'\?\)/);
    assert.match(
      ntk(['data', 'describe', 'sphere:n=5:d=2:clases=1']).stderr,
      /got 'clases' \(did you mean 'classes'\?\)/,
    );
    assert.doesNotMatch(ntk(['kernel', '--zzzzzz']).stderr, /did you mean/, 'nothing close: no guess');
  });
  it('ntk completion bash|zsh completes commands, flags and preset names', () => {
    for (const sh of ['bash', 'zsh']) assert.equal(ntk(['completion', sh]).status, 0);
    const script = join(dir, 'ntk.bash');
    spawnSync('bash', ['-c', `node ${JSON.stringify(CLI)} completion bash > ${JSON.stringify(script)}`]);
    const complete = (words: string[]) =>
      spawnSync(
        'bash',
        [
          '-c',
          `source ${JSON.stringify(script)}; COMP_WORDS=(${words.join(' ')}); COMP_CWORD=${words.length - 1}; _ntk; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8', cwd: dir },
      ).stdout.trim();
    assert.equal(complete(['ntk', 'empi']), 'empirical');
    assert.deepEqual(complete(['ntk', 'kernel', '--che']).split(' '), ['--check-pd']);
    assert.equal(complete(['ntk', 'run', 'label-al']), 'label-alignment');
    assert.equal(ntk(['completion', 'fish']).status, 2);
  });
});
