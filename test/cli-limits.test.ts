/**
 * Limits and messages of the CLI (issue #13, items 3, 6 and 10): sizes that cannot fit are refused up front with the
 * figure needed and available; non-finite kernels exit 2 and write nothing; every misleading message of item 10 is
 * replaced by one that names what the user gave. Failures are checked in-process through the commands' run(); exit
 * codes, stderr and files through a few `ntk` processes started at once (they run concurrently).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyze } from '../src/cli/analyze.js';
import { data } from '../src/cli/data.js';
import { empirical } from '../src/cli/empirical.js';
import { kernel } from '../src/cli/kernel.js';
import { trainCommand } from '../src/cli/train.js';
import { NtkError } from '../src/errors.js';
import { writeMatrixNpy } from '../src/io/npy.js';
import { Matrix } from '../src/linalg/matrix.js';
import { Rng } from '../src/util/random.js';

const dir = mkdtempSync(join(tmpdir(), 'ntk-cli-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string): string => join(dir, name);

const X = new Matrix(5, 3, new Rng(0).normals(15));
const big = new Matrix(5, 3, X.data.slice());
big.data[2 * 3 + 1] = 1e200;
const nan = new Matrix(5, 3, X.data.slice());
nan.data[3 * 3 + 2] = Number.NaN;
writeMatrixNpy(at('x.npy'), X);
writeMatrixNpy(at('big.npy'), big);
writeMatrixNpy(at('nan.npy'), nan);
writeMatrixNpy(at('zero-rows.npy'), new Matrix(0, 3));
writeMatrixNpy(at('K0.npy'), new Matrix(5, 5));
const tiny = new Matrix(5, 5);
for (let i = 0; i < 5; i++) tiny.data[i * 6] = 1e-320;
writeMatrixNpy(at('Ktiny.npy'), tiny);
writeMatrixNpy(at('y.npy'), new Matrix(5, 1, Float64Array.from([1, -1, 1, -1, 1])));
writeMatrixNpy(at('ynan.npy'), new Matrix(5, 1, Float64Array.from([1, -1, Number.NaN, -1, 1])));
// 20 all-zero inputs with labels 0/1, and a CSV with `nan` in row 4, column 1
writeFileSync(at('zero.csv'), `a,b,c,y\n${Array.from({ length: 20 }, (_, i) => `0,0,0,${i % 2}`).join('\n')}\n`);
writeFileSync(at('nan.csv'), 'a,b,c,y\n1,2,3,0\n4,5,6,1\n7,8,9,0\nnan,1,2,1\n3,4,5,0\n');

// the CLI as a process (src through tsx, like the other CLI tests), all started at once
interface Done {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}
function ntk(args: string[], env: Record<string, string> = {}): Promise<Done> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const MLP = 'dense(16),relu,dense(1)';
const runs = {
  kernelBig: ntk(['kernel', '--arch', MLP, '--x', at('big.npy'), '--out', at('kb.npy')]),
  empiricalBig: ntk([
    'empirical',
    '--arch',
    MLP,
    '--x',
    at('big.npy'),
    '--out',
    at('eb.npy'),
    '--params-out',
    at('pb'),
  ]),
  preset: ntk(['run', 'spectrum-demo', '--quick', '--set', 'sweep.n=[1000000]', '--out', at('run')], {
    NTK_MEMORY_LIMIT: '4GB',
  }),
  trainZero: ntk(
    [
      'train',
      '--arch',
      'dense(8),relu,dense(1)',
      '--data',
      `csv:path=${at('zero.csv')}:label=-1`,
      '--loss',
      'mse',
    ].concat(['--lr', '0.1', '--steps', '5', '--quiet', '--out', at('train-zero')]),
  ),
  trainDiverge: ntk(
    ['train', '--arch', 'dense(8),relu,dense(1)', '--data', 'sphere:n=20:d=3', '--loss', 'mse', '--lr', '1000'].concat([
      '--steps',
      '50',
      '--quiet',
      '--out',
      at('train-div'),
    ]),
  ),
  trainCe: ntk(
    ['train', '--arch', MLP, '--data', 'sphere:n=20:d=3', '--loss', 'ce', '--lr', '0.1', '--steps', '5'].concat([
      '--out',
      at('train-ce'),
    ]),
  ),
  analyzeNan: ntk(['analyze', '--kernel', at('K0.npy'), '--labels', at('ynan.npy'), '--out', at('a.json')]),
  describeOne: ntk(['data', 'describe', 'sphere:n=1:d=3']),
  describeOneJson: ntk(['data', 'describe', 'sphere:n=1:d=3', '--json']),
};

/** rejects with an NtkError whose message matches every pattern (and none of `not`) */
async function refuses(p: Promise<number>, patterns: RegExp[], not: RegExp[] = []): Promise<string> {
  let message = '';
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof NtkError, `expected an NtkError, got ${String(e)}`);
    message = e.message;
    return true;
  });
  for (const re of patterns) assert.match(message, re);
  for (const re of not) assert.doesNotMatch(message, re);
  return message;
}

const saved = process.env.NTK_MEMORY_LIMIT;
before(() => {
  process.env.NTK_MEMORY_LIMIT = '4GB';
});
after(() => {
  if (saved === undefined) delete process.env.NTK_MEMORY_LIMIT;
  else process.env.NTK_MEMORY_LIMIT = saved;
});

describe('item 3: sizes that cannot fit are refused up front, naming the option', () => {
  it('ntk kernel --data sphere:n=100000:d=3 (was a RangeError trace)', async () => {
    await refuses(kernel.run(['--arch', MLP, '--data', 'sphere:n=100000:d=3', '--out', at('k.npy')]), [
      /^--data: n = 100000 needs a 100000×100000 float64 kernel.* \(\d+\.\d GB\); the limit NTK_MEMORY_LIMIT is 4\.0 GB$/,
    ]);
    assert.equal(existsSync(at('k.npy')), false);
  });
  it("ntk empirical --arch 'dense(1e12),relu,dense(1)'", async () => {
    await refuses(empirical.run(['--arch', 'dense(1e12),relu,dense(1)', '--x', at('x.npy'), '--out', at('k.npy')]), [
      /^--arch: the network needs a parameter vector θ of 4000000000000 float64 entries \(32\.0 TB\)/,
    ]);
  });
  it('ntk data describe sphere:n=1000000000000:d=3', async () => {
    await refuses(data.run(['describe', 'sphere:n=1000000000000:d=3']), [
      /^n: n = 1000000000000 \(with d = 3\) needs 1000000000000×3 float64 features.*\(64\.0 TB\); the limit NTK_MEMORY_LIMIT is 4\.0 GB$/,
    ]);
  });
  it("ntk run spectrum-demo --quick --set 'sweep.n=[1000000]': exit 2 before a run folder is made", async () => {
    const r = await runs.preset;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^ntk run: sweep\.n: n = 1000000 needs a 1000000×1000000 float64 kernel.*TB\)/);
    assert.equal(existsSync(at('run')), false);
  });
});

describe('item 6: non-finite kernels exit 2, say where and why, and write nothing', () => {
  it('ntk kernel on an input with an entry 1e200', async () => {
    const r = await runs.kernelBig;
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^ntk kernel: kernelFn: the NTK has \d+ non-finite entries \(the first at \(0, 2\) = Infinity\)/,
    );
    assert.match(
      r.stderr,
      /inputs with entries up to 1\.000e\+200 overflow the kernel \(‖x‖² = Infinity at x1 row 2\)/,
    );
    assert.equal(existsSync(at('kb.npy')), false);
  });
  it('ntk empirical on the same input (and no --params-out folder)', async () => {
    const r = await runs.empiricalBig;
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^ntk empirical: empiricalNtk: the empirical NTK has \d+ non-finite entr(y|ies) \(the first at \(2, 2\)/,
    );
    assert.match(r.stderr, /overflow the kernel \(‖x‖² = Infinity at x1 row 2\)/);
    assert.equal(existsSync(at('eb.npy')), false);
    assert.equal(existsSync(at('pb')), false);
  });
  it('NaN in --x is refused up front, naming the file and (row, col)', async () => {
    for (const cmd of [kernel, empirical])
      await refuses(cmd.run(['--arch', MLP, '--x', at('nan.npy'), '--out', at('k.npy')]), [
        /^--x: .*nan\.npy has a non-finite entry NaN at \(row 3, col 2\)/,
      ]);
  });
});

describe('item 10: messages that name what the user gave', () => {
  it('an all-zero kernel says the kernel is zero, not `ridges[0]`', async () => {
    await refuses(
      analyze.run(['--kernel', at('K0.npy'), '--out', at('a.json')]),
      [/`K` must be a kernel with positive trace/, /The kernel is zero/],
      [/ridges/],
    );
  });
  it('1e-320·I without --eta: the default step is unusable, not "`eta` … Infinity"', async () => {
    await refuses(
      analyze.run(['--kernel', at('Ktiny.npy'), '--labels', at('y.npy'), '--out', at('a.json')]),
      [/^--kernel: has λ_max = 1e-320, so the default step η = N\/λ_max = Infinity is unusable.*pass --eta/],
      [/`eta`/],
    );
  });
  it('NaN in --x2 is reported as --x2 (kernel and empirical)', async () => {
    for (const cmd of [kernel, empirical])
      await refuses(
        cmd.run(['--arch', MLP, '--x', at('x.npy'), '--x2', at('nan.npy'), '--out', at('k.npy')]),
        [/^--x2: .*nan\.npy has a non-finite entry NaN at \(row 3, col 2\)/],
        [/`X`/],
      );
  });
  it('training on zero inputs does not say "lower the learning rate"', async () => {
    const r = await runs.trainZero;
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /the gradient is exactly zero at the initialization .*‖x‖ = 0\b/);
    assert.doesNotMatch(r.stderr, /lower the learning rate|--lr/);
  });
  it('--lr frac:C with λ_max(Θ₀) = 0 is refused (it meant η = ∞)', async () => {
    const argv = ['--arch', 'dense(8),relu,dense(1)', '--data', `csv:path=${at('zero.csv')}:label=-1`, '--loss'];
    await refuses(
      trainCommand.run([...argv, 'mse', '--lr', 'frac:0.5', '--steps', '5', '--quiet', '--out', at('train-frac')]),
      [/`lr` must be an absolute step η when λ_max\(Θ₀\)\/N \+ λ = 0/, /Value: `frac:0\.5`/],
    );
  });
  it('the divergence hint suggests --lr forms that ntk train accepts', async () => {
    const r = await runs.trainDiverge;
    assert.equal(r.code, 3, r.stderr);
    const m = /lower the learning rate \(e\.g\. --lr (\S+) or --lr (\S+)\)/.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.ok(Number(m[1]) > 0 && Number(m[1]) < 0.392, `--lr ${m[1]}: below the stability limit 0.392…`);
    assert.match(m[2], /^frac:0?\.\d+$/);
    assert.doesNotMatch(r.stderr, /0\.5x/);
  });
  it('"ntk train:" and "ntk analyze:" are printed once', async () => {
    const t = await runs.trainCe;
    assert.equal(t.code, 2, t.stderr);
    assert.match(t.stderr, /^ntk train: --data: must be a classification dataset for --loss ce/);
    assert.equal(t.stderr.split('ntk train:').length - 1, 1, t.stderr);
    const a = await runs.analyzeNan;
    assert.equal(a.code, 2, a.stderr);
    assert.match(a.stderr, /^ntk analyze: --labels: .*ynan\.npy has a non-finite entry NaN at \(row 2, col 0\)/);
    assert.equal(a.stderr.split('ntk analyze:').length - 1, 1, a.stderr);
  });
  it('data describe sphere:n=1:d=3 works and prints no NaN (ρ has no pair)', async () => {
    const r = await runs.describeOne;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^n {9}1$/m);
    assert.match(r.stdout, /^ρ {9}none \(one row: no pair i ≠ j\)$/m);
    assert.doesNotMatch(r.stdout, /NaN/);
    const j = await runs.describeOneJson;
    assert.equal(j.code, 0, j.stderr);
    const s = JSON.parse(j.stdout) as { n: number; coherence: unknown; norms: { mean: number } };
    assert.equal(s.n, 1);
    assert.equal(s.coherence, null);
    assert.ok(Math.abs(s.norms.mean - 1) < 1e-12);
    assert.doesNotMatch(j.stdout, /NaN/);
  });
  it('NaN in a dataset CSV names the file, the line and the column', async () => {
    await refuses(data.run(['describe', `csv:path=${at('nan.csv')}:label=-1`]), [
      /nan\.csv: line 5 \(data row 4\), column 1 \('a'\): not a finite number: "nan"/,
    ]);
  });
  it('kernel and empirical apply one rule to 0-row --x and to --arch relu', async () => {
    const rule = (m: string): string => m.replace(/^\w+: invalid argument\. /, '');
    const zero = await Promise.all(
      [kernel, empirical].map((cmd) =>
        refuses(cmd.run(['--arch', MLP, '--x', at('zero-rows.npy'), '--out', at('k.npy')]), [
          /`x1` must be a matrix with at least one row\. Value: `0×3`/,
        ]),
      ),
    );
    assert.equal(rule(zero[0]), rule(zero[1]));
    const relu = await Promise.all(
      [kernel, empirical].map((cmd) =>
        refuses(cmd.run(['--arch', 'relu', '--x', at('x.npy'), '--out', at('k.npy')]), [
          /`arch` must be an architecture with at least one trained parametrized layer/,
        ]),
      ),
    );
    assert.equal(rule(relu[0]), rule(relu[1]));
    // every layer frozen: the NTK is zero too, the same rule
    await refuses(
      kernel.run(['--arch', 'dense(8,frozen),relu,dense(1,frozen)', '--x', at('x.npy'), '--out', at('k.npy')]),
      [/at least one trained parametrized layer/],
    );
    assert.equal(existsSync(at('k.npy')), false);
  });
  it('--workers is bounded (4 × the cores), as --help says', async () => {
    await refuses(kernel.run(['--arch', MLP, '--x', at('x.npy'), '--workers', '100000', '--out', at('k.npy')]), [
      /^--workers: must be at most \d+ \(4 × this machine's cores\); got 100000$/,
    ]);
    assert.match(kernel.usage, /--workers N .*at most\s+4 × the cores/s);
  });
});
