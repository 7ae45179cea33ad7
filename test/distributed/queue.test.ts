/**
 * Kernel tiles on BullMQ/Redis (issue #19) through the real CLI (dist/cli/main.js; `npm run build` first), on a
 * private redis-server (test/distributed/redis.ts): with 3 worker processes the kernel is byte-identical to the
 * single-machine one (analytic CNN, empirical MLP), also when one worker is SIGKILLed mid-tile, when Redis restarts
 * mid-run, and when the coordinator is killed and rerun (which computes no finished tile again); a worker of
 * another ntk-lab version, or one that receives other bytes than the job's hash, refuses the job and the
 * coordinator says so (exit 2). Each test uses its own Redis database.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeNpy } from '../../src/io/npy.js';
import { Rng } from '../../src/util/random.js';
import { SCHEMA, validate } from '../cli/schema.js';
import { Proc, RedisServer, haveRedis } from './redis.js';

const ROOT = join(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'ntk-queue-'));
const redis = new RedisServer();
const procs: Proc[] = [];
const run = (...args: string[]) => {
  const p = new Proc(process.execPath, [MAIN, ...args]);
  procs.push(p);
  return p;
};
const worker = (db: number, main = MAIN) => {
  const p = new Proc(process.execPath, [
    main,
    'worker',
    '--queue',
    redis.url(db),
    '--threads',
    '1',
    '--lock-ms',
    '1000',
  ]);
  procs.push(p);
  return p;
};
const same = (a: string, b: string) => assert.ok(readFileSync(a).equals(readFileSync(b)), `${a} and ${b} differ`);
const single = (...args: string[]) => {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
};

before(async () => {
  const missing = haveRedis();
  if (missing) throw new Error(missing);
  assert.ok(existsSync(MAIN), 'run `npm run build` first: these tests run dist/cli/main.js');
  await redis.start();
});
after(async () => {
  await Promise.all(procs.map((p) => p.kill('SIGKILL')));
  await redis.dispose();
  rmSync(dir, { recursive: true, force: true });
});

// 60 images 8×8×1: the analytic CNN's tiles are 22 examples a side (3 row tiles, 6 tiles); erf, not relu, so that
// the fused vectorized conv+relu+gap kernel (16-pair tiles of a few ms) does not finish before a test's mid-run event
const images = join(dir, 'img.npy');
writeNpy(images, new Rng(3).normals(60 * 64), [60, 8, 8, 1]);
const flat = join(dir, 'flat.npy');
writeNpy(flat, new Rng(4).normals(40 * 6), [40, 6]);
const CNN = ['kernel', '--arch', 'conv(4,3,padding=same),erf,gap,dense(1)', '--x', images];
const MLP = [
  'empirical',
  '--arch',
  'dense(64),relu,dense(64),relu,dense(2)',
  '--x',
  flat,
  '--seed',
  '3',
  '--tile-size',
  '8',
];
const cnnRef = join(dir, 'cnn-ref.npy');
const mlpRef = join(dir, 'mlp-ref.npy');

describe('ntk kernel|empirical --queue, ntk worker', () => {
  test('3 workers, one SIGKILLed mid-tile: the same bytes as one machine (analytic CNN, empirical MLP)', async () => {
    single(...CNN, '--out', cnnRef);
    single(...MLP, '--out', mlpRef);
    const ws = [worker(1), worker(1), worker(1)];
    const out = join(dir, 'cnn-q.npy');
    const coord = run(...CNN, '--queue', redis.url(1), '--out', out);
    const m = await ws[0].waitFor(/tile (\d+) started/);
    await ws[0].kill('SIGKILL');
    assert.equal(await coord.exited, 0, coord.out);
    assert.doesNotMatch(ws[0].out, new RegExp(`tile ${m[1]} computed`), 'the killed worker did not finish its tile');
    same(cnnRef, out);
    // the tile the killed worker held was computed by another one
    assert.match(ws[1].out + ws[2].out, new RegExp(`tile ${m[1]} computed`));
    ws[0] = worker(1);
    const out2 = join(dir, 'mlp-q.npy');
    const coord2 = run(...MLP, '--queue', redis.url(1), '--out', out2);
    assert.equal(await coord2.exited, 0, coord2.out);
    same(mlpRef, out2);
    assert.match(coord2.out, /per tile: compute median [\d.]+ ms, enqueue → written median [\d.]+ ms/);
    assert.equal(redis.cli(1, 'keys', 'ntk:*').trim(), '', 'the coordinator removed its job and tiles from Redis');
    await Promise.all(ws.map((w) => w.kill()));
  });

  test('Redis restarted mid-run (AOF persistence): the run completes with the same bytes', async () => {
    const ws = [worker(2), worker(2)];
    const out = join(dir, 'cnn-r.npy');
    const coord = run(...CNN, '--queue', redis.url(2), '--out', out);
    await coord.waitFor(/tiles [1-5]\/6 /);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 500));
    await redis.start();
    assert.equal(await coord.exited, 0, coord.out);
    same(cnnRef, out);
    await Promise.all(ws.map((w) => w.kill()));
  });

  test('a killed coordinator is rerun: it resumes from the tiles written and nothing is computed twice', async () => {
    const w = worker(3);
    const out = join(dir, 'cnn-c.npy');
    const coord = run(...CNN, '--queue', redis.url(3), '--out', out);
    await coord.waitFor(/tiles [1-5]\/6 /);
    await coord.kill('SIGKILL');
    assert.ok(!existsSync(out));
    const again = run(...CNN, '--queue', redis.url(3), '--out', out);
    assert.equal(await again.exited, 0, again.out);
    // the tiles written and logged before the kill are kept from the file; those finished after it (or written but
    // not yet logged: the log is fsynced in batches) are harvested from Redis; only the rest is enqueued
    assert.match(again.out, /resuming: [1-5] tiles already in|harvested [1-6] tiles finished while no coordinator ran/);
    const m = /enqueued \d+ of (\d+) tiles/.exec(again.out);
    assert.ok(m && Number(m[1]) < 6, again.out);
    same(cnnRef, out);
    const computed = w.out.match(/tile \d+ computed/g) ?? [];
    assert.equal(computed.length, 6, `each of the 6 tiles computed once:\n${w.out}`);
    await w.kill();
  });

  test('a worker of another ntk-lab version, or given other bytes than the job hash, refuses (exit 2)', async () => {
    // a copy of the build that says it is another version
    const alt = join(ROOT, 'test-artifacts', `alt-version-${process.pid}`);
    mkdirSync(alt, { recursive: true });
    cpSync(join(ROOT, 'dist'), join(alt, 'dist'), { recursive: true });
    writeFileSync(
      join(alt, 'package.json'),
      JSON.stringify({ name: 'ntk-lab', version: '0.0.0-other', type: 'module' }),
    );
    try {
      const w = worker(4, join(alt, 'dist/cli/main.js'));
      const coord = run(...MLP, '--queue', redis.url(4), '--out', join(dir, 'never.npy'));
      assert.equal(await coord.exited, 2, coord.out);
      assert.match(
        coord.out,
        /refuses job [0-9a-f]{16}…: the job was published by ntk-lab [\d.]+, this worker is ntk-lab 0\.0\.0-other/,
      );
      await w.kill();
    } finally {
      rmSync(alt, { recursive: true, force: true });
    }
    // bytes changed in Redis after publishing: the worker's own hash differs
    const coord = run(...CNN, '--queue', redis.url(5), '--out', join(dir, 'never2.npy'));
    await coord.waitFor(/enqueued 6 of 6 tiles/);
    const key = redis.cli(5, 'keys', 'ntk:job:*:x1:0').trim();
    assert.match(key, /^ntk:job:[0-9a-f]{64}:x1:0$/);
    redis.cli(5, 'setrange', key, '8', 'XXXXXXXX');
    const w = worker(5);
    assert.equal(await coord.exited, 2, coord.out);
    assert.match(
      coord.out,
      /JobMismatchError: worker [^ ]+ refuses job [0-9a-f]{16}…: what this worker received hashes to/,
    );
    await w.kill();
  });

  test('ntk worker --json: its log on stderr, and on SIGTERM one summary on stdout (schema: worker)', async () => {
    const w = spawn(process.execPath, [MAIN, 'worker', '--queue', redis.url(5), '--threads', '1', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    w.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    w.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => w.once('exit', resolve));
    const coord = run(...MLP, '--queue', redis.url(5), '--out', join(dir, 'mlp-json.npy'));
    assert.equal(await coord.exited, 0, coord.out);
    w.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    const v = JSON.parse(stdout) as { tiles: number; refused: number };
    assert.deepEqual(validate(v, SCHEMA.$defs.worker), []);
    assert.ok(v.tiles > 0 && v.refused === 0, stdout);
    assert.match(stderr, /tile \d+ computed/);
  });
});
