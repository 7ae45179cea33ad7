/**
 * Fault suite (issue #13): `ntk run` and `ntk train` killed with SIGKILL or stopped with SIGTERM at seeded random
 * points, then resumed, end byte-identical to an uninterrupted run; two runs on one folder: the second is refused,
 * naming the first; folders of the other command are refused; a corrupt checkpoint is refused (no silent resume); a
 * format-1 checkpoint resumes with a warning; damaged cache entries are recomputed with warnings naming them.
 *
 * The kill points: after the child shows it has started the work (its first progress line, or config.json in a
 * train folder), a delay drawn from Rng(1313).split('run' | 'train') uniformly over the uninterrupted run's
 * duration of that phase.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { runExperiment } from '../../src/experiments/runner.js';
import { readCheckpoint } from '../../src/io/checkpoint.js';
import { LOCK_FILE, LockedError } from '../../src/io/runFolder.js';
import { Rng } from '../../src/util/random.js';
import { ntk, ntkChild, tempDir } from './helpers.js';

const seeded = new Rng(1313);

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

/** Start the CLI; `started` resolves when `ready()` first holds (polled) or the child exits; `exit` when it ends. */
function start(
  args: string[],
  ready: (stderr: string) => boolean,
): {
  child: ChildProcess;
  started: Promise<number>;
  exit: Promise<Exit>;
} {
  const child = ntkChild(args);
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  const exit = new Promise<Exit>((res) =>
    child.on('exit', (code, signal) => setImmediate(() => res({ code, signal, stderr, stdout }))),
  );
  const started = new Promise<number>((res) => {
    const poll = () => {
      if (ready(stderr) || child.exitCode !== null || child.signalCode !== null) res(performance.now());
      else setTimeout(poll, 5);
    };
    poll();
  });
  return { child, started, exit };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Text of every file under `dir` (recursively), by relative path. */
function tree(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
  return Object.fromEntries(
    files.filter((f) => statSync(join(dir, f)).isFile()).map((f) => [f, readFileSync(join(dir, f), 'latin1')]),
  );
}

/** A run folder's deterministic outputs: results, figures, report.json. */
function runOutputs(dir: string): Record<string, string> {
  return {
    ...Object.fromEntries(Object.entries(tree(join(dir, 'results'))).map(([k, v]) => [`results/${k}`, v])),
    ...Object.fromEntries(Object.entries(tree(join(dir, 'figures'))).map(([k, v]) => [`figures/${k}`, v])),
    'report.json': readFileSync(join(dir, 'report.json'), 'latin1'),
  };
}

/** A train folder's outputs: metrics.jsonl, checkpoint.bin, summary.json without its timing. */
function trainOutputs(dir: string): Record<string, string> {
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  delete summary.seconds;
  return {
    metrics: readFileSync(join(dir, 'metrics.jsonl'), 'latin1'),
    checkpoint: readFileSync(join(dir, 'checkpoint.bin'), 'latin1'),
    summary: JSON.stringify(summary),
  };
}

function status(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { run: { status: string } }).run.status;
}

const RUN = ['run', 'spectrum-demo', '--quick'];
const TRAIN = [
  'train',
  ...['--arch', 'dense(16),relu,dense(1)', '--data', 'sphere:n=20:d=3:seed=4', '--loss', 'mse', '--lr', '0.1'],
  ...['--steps', '1500', '--checkpoint-every', '100', '--track', 'every:50'],
];
const progressLine = (s: string) => s.includes('[spectrum-demo] ');

describe('faults: ntk run', () => {
  const rng = seeded.split('run');
  const dir = tempDir('ntk-faults-run-');
  const ref = join(dir, 'ref');

  it('SIGTERM and SIGKILL at seeded random points, then the same command: outputs byte-identical', async () => {
    const r = start([...RUN, '--out', ref], progressLine);
    const t0 = await r.started;
    const done = await r.exit;
    assert.equal(done.code, 0, done.stderr);
    const span = performance.now() - t0;
    const expected = runOutputs(ref);
    for (const [k, signal] of (
      ['SIGTERM', 'SIGKILL', rng.uniform() < 0.5 ? 'SIGTERM' : 'SIGKILL'] as const
    ).entries()) {
      const out = join(dir, `trial-${k}`);
      const delay = rng.uniform() * span;
      const c = start([...RUN, '--out', out], progressLine);
      await c.started;
      await sleep(delay);
      c.child.kill(signal);
      const e = await c.exit;
      const what = `trial ${k}: ${signal} after ${delay.toFixed(0)} ms`;
      if (process.env.NTK_FAULTS_VERBOSE)
        process.stderr.write(`run ${what} of ${span.toFixed(0)}: exit ${e.code ?? e.signal}\n`);
      if (signal === 'SIGTERM' && e.code === 130) {
        assert.match(e.stderr, /ntk run: SIGTERM received; stopping after the current unit/, what);
        assert.equal(status(out), 'interrupted', what);
        assert.equal(existsSync(join(out, LOCK_FILE)), false, `${what}: the lock is released`);
      } else if (e.code !== 0 && !(e.signal === 'SIGTERM' && e.stdout.includes('done in')))
        // (a SIGTERM after the run has finished and its handlers are gone ends the process by the signal)
        assert.equal(e.signal, 'SIGKILL', `${what}: ${e.code} ${e.stderr}`);
      const lockLeft = existsSync(join(out, LOCK_FILE));
      const again = ntk([...RUN, '--out', out]);
      assert.equal(again.status, 0, `${what}: resume: ${again.stderr}`);
      if (lockLeft) assert.match(again.stderr, /had a stale lock \(pid \d+ .*no longer running\); taking it over/);
      assert.equal(status(out), 'complete');
      assert.equal(existsSync(join(out, LOCK_FILE)), false);
      const got = runOutputs(out);
      assert.deepEqual(Object.keys(got), Object.keys(expected));
      for (const f of Object.keys(expected)) assert.ok(got[f] === expected[f], `${what}: ${f} differs after resume`);
    }
  });

  it('damaged cache entries are recomputed with a warning naming each file; results unchanged', () => {
    const out = join(dir, 'damaged');
    cpSync(ref, out, { recursive: true });
    const entries = readdirSync(join(out, 'cache'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.json') && !f.endsWith('.meta.json'))
      .sort()
      .map((f) => join(out, 'cache', f));
    assert.equal(entries.length, 9);
    const [edited, truncated, metaOf] = [entries[1], entries[4], entries[7]];
    writeFileSync(
      edited,
      readFileSync(edited, 'utf8').replace(/\d(?=\d*[,}\]])/, (d) => String((Number(d) + 1) % 10)),
    );
    writeFileSync(truncated, readFileSync(truncated).subarray(0, 40));
    const meta = metaOf.replace(/\.json$/, '.meta.json');
    writeFileSync(meta, '{"kind": "json"}');
    const r = ntk([...RUN, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /cache: 6 unit\(s\) reused, 3 computed/);
    for (const [file, why] of [
      [edited, 'checksum mismatch'],
      [truncated, 'checksum mismatch'],
      [meta, 'meta has no sha256 checksum'],
    ])
      assert.ok(r.stderr.includes(`ntk: warning: cache entry ${file} is damaged (${why}`), `${file}: ${r.stderr}`);
    const got = runOutputs(out);
    const expected = runOutputs(ref);
    for (const f of Object.keys(expected)) assert.ok(got[f] === expected[f], `${f} differs`);
  });
});

describe('faults: ntk train', () => {
  const rng = seeded.split('train');
  const dir = tempDir('ntk-faults-train-');
  const ref = join(dir, 'ref');
  const hasConfig = (out: string) => () => existsSync(join(out, 'config.json'));
  const stopped: string[] = [];

  it('SIGTERM and SIGKILL at seeded random points, then --resume: outputs byte-identical, continued from the checkpoint', async () => {
    const r = start([...TRAIN, '--out', ref], hasConfig(ref));
    const t0 = await r.started;
    const done = await r.exit;
    assert.equal(done.code, 0, done.stderr);
    const span = performance.now() - t0;
    const expected = trainOutputs(ref);
    for (const [k, signal] of (
      ['SIGTERM', 'SIGKILL', rng.uniform() < 0.5 ? 'SIGTERM' : 'SIGKILL'] as const
    ).entries()) {
      const out = join(dir, `trial-${k}`);
      const delay = rng.uniform() * span;
      const c = start([...TRAIN, '--out', out], hasConfig(out));
      await c.started;
      await sleep(delay);
      c.child.kill(signal);
      const e = await c.exit;
      const what = `trial ${k}: ${signal} after ${delay.toFixed(0)} ms`;
      if (process.env.NTK_FAULTS_VERBOSE)
        process.stderr.write(`train ${what} of ${span.toFixed(0)}: exit ${e.code ?? e.signal}\n`);
      let from = 0;
      if (signal === 'SIGTERM' && e.code === 130) {
        // the checkpoint of the step it stopped at: --resume continues from there, not from 0
        const ck = readCheckpoint<{ step: number; status: string }>(join(out, 'checkpoint.bin'));
        assert.ok(ck && ck.header.status === 'stopped' && ck.header.step > 0, what);
        from = ck.header.step;
        assert.match(e.stderr, new RegExp(`stopped at step ${from} of 1500`), what);
        assert.equal(existsSync(join(out, LOCK_FILE)), false, `${what}: the lock is released`);
        cpSync(out, `${out}-stopped`, { recursive: true });
        stopped.push(`${out}-stopped`);
      } else if (e.code !== 0 && !(e.signal === 'SIGTERM' && e.stderr.includes('completed 1500 steps'))) {
        // (a SIGTERM after training has finished and its handlers are gone ends the process by the signal)
        assert.equal(e.signal, 'SIGKILL', `${what}: ${e.code} ${e.stderr}`);
        from = readCheckpoint<{ step: number }>(join(out, 'checkpoint.bin'))?.header.step ?? 0;
      } else from = 1500;
      const lockLeft = existsSync(join(out, LOCK_FILE));
      const again = ntk([...TRAIN, '--out', out, '--resume']);
      assert.equal(again.status, 0, `${what}: resume: ${again.stderr}`);
      if (from > 0) assert.ok(again.stderr.includes(`resuming from step ${from} of 1500`), again.stderr);
      if (lockLeft) assert.match(again.stderr, /had a stale lock .*; taking it over/);
      const got = trainOutputs(out);
      for (const f of Object.keys(expected)) assert.ok(got[f] === expected[f], `${what}: ${f} differs after resume`);
    }
  });

  it('a corrupt checkpoint is refused naming the file (nothing is written); a format-1 one resumes with a warning', async () => {
    const out = join(dir, 'corrupt');
    if (stopped.length > 0) cpSync(stopped[0], out, { recursive: true });
    else {
      // no SIGTERM trial stopped mid-run (they all finished first): stop one as soon as it has started
      const c = start([...TRAIN, '--out', out], hasConfig(out));
      await c.started;
      c.child.kill('SIGTERM');
      assert.equal((await c.exit).code, 130);
    }
    const path = join(out, 'checkpoint.bin');
    const good = readFileSync(path);
    const ck = readCheckpoint<{ arrays: { length: number }[] }>(path);
    assert.ok(ck);
    // θ[100] (the repro): the payload starts 32 + 8·(sum of lengths) bytes before the end
    const payload = good.length - 32 - 8 * ck.header.arrays.reduce((s, a) => s + a.length, 0);
    const bad = Buffer.from(good);
    bad.writeDoubleLE(bad.readDoubleLE(payload + 800) + 1, payload + 800);
    writeFileSync(path, bad);
    const before = tree(out);
    const r = ntk([...TRAIN, '--out', out, '--resume']);
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.includes(`ntk train: ${path}: checksum mismatch`), r.stderr);
    assert.deepEqual(tree(out), before, 'the refused resume wrote nothing');
    // format 1: the same bytes without the checksum, magic NTKCKPT1
    writeFileSync(path, Buffer.concat([Buffer.from('NTKCKPT1'), good.subarray(8, good.length - 32)]));
    const legacy = ntk([...TRAIN, '--out', out, '--resume']);
    assert.equal(legacy.status, 0, legacy.stderr);
    assert.ok(legacy.stderr.includes(`ntk: warning: ${path} has no checksum (format 1`), legacy.stderr);
    const got = trainOutputs(out);
    const expected = trainOutputs(ref);
    for (const f of Object.keys(expected)) assert.ok(got[f] === expected[f], `${f} differs`);
  });
});

describe('faults: two commands on one folder', () => {
  it('a second run is refused naming the first; train and run folders refuse the other command', async () => {
    const dir = tempDir('ntk-faults-lock-');
    const out = join(dir, 'D');
    const cfg = join(dir, 'long.yaml');
    writeFileSync(
      cfg,
      'preset: spectrum-demo\nsweep:\n  n: [100, 1400, 1500, 1600]\n  seeds: [0]\nparams:\n  fitTo: 80\n',
    );
    const a = start(['run', cfg, '--out', out], progressLine);
    await a.started;
    assert.ok(existsSync(join(out, LOCK_FILE)));
    // the repro: another preset into the same folder, while the first runs
    await assert.rejects(
      runExperiment('convergence-bounds', { quick: true, outDir: out, stderr: () => {} }),
      (e: unknown) =>
        e instanceof LockedError &&
        e.holder?.pid === a.child.pid &&
        e.message.includes(`is in use by pid ${a.child.pid}`),
    );
    a.child.kill('SIGTERM');
    const e = await a.exit;
    assert.equal(e.code, 130, e.stderr);
    assert.equal(existsSync(join(out, LOCK_FILE)), false);
    assert.equal(status(out), 'interrupted');
    assert.match(readFileSync(join(out, 'config.json'), 'utf8'), /"preset": "spectrum-demo"/);

    // two trains on one folder: the second is refused naming the first
    const trainDir = join(dir, 'T');
    const long = [...TRAIN.slice(0, -6), '--steps', '10000000', '--out', trainDir];
    const b = start(long, () => existsSync(join(trainDir, 'config.json')));
    await b.started;
    const t = ntk([...TRAIN, '--out', trainDir]);
    assert.equal(t.status, 2, t.stderr);
    assert.match(t.stderr, new RegExp(`--out: .*T is in use by pid ${b.child.pid} on host`));
    b.child.kill('SIGTERM');
    const be = await b.exit;
    assert.equal(be.code, 130, be.stderr);
    assert.equal(existsSync(join(trainDir, LOCK_FILE)), false);
    assert.equal(readCheckpoint<{ status: string }>(join(trainDir, 'checkpoint.bin'))?.header.status, 'stopped');

    // ntk train into the preset folder: refused, nothing written; ntk run into the train folder: refused
    const before = tree(out);
    const t2 = ntk([...TRAIN, '--steps', '10', '--out', out]);
    assert.equal(t2.status, 2);
    assert.match(t2.stderr, /--out: .*D is a run folder of `ntk run` \(preset spectrum-demo\)/);
    assert.deepEqual(tree(out), before);
    await assert.rejects(
      runExperiment('spectrum-demo', { quick: true, outDir: trainDir, stderr: () => {} }),
      (err: unknown) => err instanceof ConfigError && /is a run folder of `ntk train`/.test(err.message),
    );
  });
});
