/**
 * `ntk predict --solver ooc` with its kernel tiles from the queue or from shards (issue #19), through the real CLI
 * (dist/cli/main.js; `npm run build` first), against the single-machine out-of-core run on a small MNIST problem
 * (n = 360, m = 90, tiles of 120: 6 train–train + 3 test–train tiles): through 3 queue workers (one tile per queue
 * job, and 4), and through 3 shards (in-process, 2 threads, default) then the final run, the kernel tiles, α and the
 * predictions are byte-identical; a missing shard, a missing tile and a foreign tile are named (exit 2). Also: a
 * kernel through the queue with several tiles per job has the single-machine bytes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeNpy } from '../../src/io/npy.js';
import { Rng } from '../../src/util/random.js';
import { checkAgainst } from '../cli/schema.js';
import { Proc, RedisServer, haveRedis } from './redis.js';

const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'ntk-dist-predict-'));
const redis = new RedisServer();
const procs: Proc[] = [];
const spawn = (...args: string[]) => {
  const p = new Proc(process.execPath, [MAIN, ...args]);
  procs.push(p);
  return p;
};
const ntk = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
const ok = (...args: string[]) => {
  const r = ntk(...args);
  assert.equal(r.status, 0, `ntk ${args.join(' ')}\n${r.stderr}`);
  return r;
};
const same = (a: string, b: string) => assert.ok(readFileSync(a).equals(readFileSync(b)), `${a} and ${b} differ`);

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

const PREDICT = (tile: string, kernels: string, out: string) => [
  'predict',
  '--solver',
  'ooc',
  '--get',
  'nngp',
  '--arch',
  'dense(1,wvar=2,bvar=0.1),relu,dense(1,wvar=2,bvar=0.1)',
  '--train',
  'mnist:train:n=360:labels=centered',
  '--test',
  'mnist:test:n=90:labels=centered',
  '--ridge',
  '1e-4',
  '--tile',
  tile,
  '--kernels',
  join(dir, kernels),
  '--out',
  join(dir, out),
];
const ref = { k: join(dir, 'ref-k'), o: join(dir, 'ref-o') };
/** the run's kernel tiles, α and predictions are the single-machine run's bytes */
function sameAsRef(k: string, o: string): void {
  const tiles = readdirSync(join(ref.k, 'kernel')).sort();
  assert.equal(tiles.length, 9);
  assert.deepEqual(readdirSync(join(dir, k, 'kernel')).sort(), tiles);
  for (const t of tiles) same(join(ref.k, 'kernel', t), join(dir, k, 'kernel', t));
  same(join(ref.o, 'predictions.npy'), join(dir, o, 'predictions.npy'));
  same(join(ref.o, 'alpha.npy'), join(dir, o, 'alpha.npy'));
}

describe('ntk predict --solver ooc --queue / --shard', () => {
  test('through 3 queue workers (1 and 4 tiles per job): the single-machine bytes', async () => {
    ok(...PREDICT('120', 'ref-k', 'ref-o'), '--workers', '0');
    const ws = [0, 1, 2].map(() => spawn('worker', '--queue', redis.url(1), '--threads', '1', '--lock-ms', '1000'));
    const c1 = spawn(...PREDICT('120', 'q1-k', 'q1-o'), '--queue', redis.url(1), '--json');
    assert.equal(await c1.exited, 0, c1.out);
    sameAsRef('q1-k', 'q1-o');
    const c4 = spawn(...PREDICT('120', 'q4-k', 'q4-o'), '--queue', redis.url(1), '--tiles-per-job', '4');
    assert.equal(await c4.exited, 0, c4.out);
    assert.match(c4.out, /9 tiles of 120 examples, published, 4 tiles per queue job/);
    sameAsRef('q4-k', 'q4-o');
    // the --json summary of the queue run (stdout holds only it; progress went to stderr)
    const json = c1.out.slice(c1.out.indexOf('{\n'), c1.out.lastIndexOf('\n}') + 2);
    const { value, errors } = checkAgainst('predict', json);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      [(value.distributed as { mode: string }).mode, (value.distributed as { computed: number }).computed],
      ['queue', 9],
    );
    // a kernel (not ooc) through the queue, 4 tiles per job: the single-machine bytes
    const x = join(dir, 'x.npy');
    writeNpy(x, new Rng(8).normals(50 * 4), [50, 4]);
    const K = ['kernel', '--arch', 'dense(8),erf,dense(1)', '--x', x, '--get', 'nngp'];
    ok(...K, '--out', join(dir, 'K.npy'));
    // tiles of 7 examples: 28 tiles, 7 queue jobs
    const kq = spawn(...K, '--queue', redis.url(1), '--tiles-per-job', '4', '--out', join(dir, 'Kq.npy'));
    assert.equal(await kq.exited, 0, kq.out);
    same(join(dir, 'K.npy'), join(dir, 'Kq.npy'));
    assert.equal(redis.cli(1, 'keys', 'ntk:*').trim(), '', 'the coordinators removed their jobs from Redis');
    await Promise.all(ws.map((w) => w.kill()));
  });

  test('through 3 shards (in-process, 2 threads, default threads) and the final run: the single-machine bytes', () => {
    if (!existsSync(join(ref.o, 'predictions.npy'))) ok(...PREDICT('120', 'ref-k', 'ref-o'), '--workers', '0');
    const P = PREDICT('120', 's-k', 's-o');
    ok(...P, '--shard', '0/3', '--workers', '0');
    ok(...P, '--shard', '1/3', '--workers', '2');
    const r = ok(...P, '--shard', '2/3');
    assert.match(r.stdout, /shard 2\/3 of job [0-9a-f]{16}…: 3 tiles computed/);
    assert.ok(!existsSync(join(dir, 's-o')), 'a shard does not solve');
    const f = ok(...P);
    assert.match(f.stderr, /9 kernel tiles from 3 shards \(9 moved into/);
    sameAsRef('s-k', 's-o');
    // the final run again: the tiles are in the solver's folder already, nothing is recomputed
    const again = ok(...P);
    assert.match(again.stderr, /9 kernel tiles from 3 shards \(0 moved into .*, 9 there already\)/);
  });

  test('a missing shard, a missing tile or a foreign tile is named (exit 2) before anything is moved', () => {
    const P = PREDICT('120', 'm-k', 'm-o');
    // a bad --shard, or --tiles-per-job without --queue, is refused before anything is written
    for (const bad of [
      ['--shard', '3/3'],
      ['--shard', '0/3', '--tiles-per-job', '2'],
    ]) {
      const b = ntk(...P, ...bad);
      assert.equal(b.status, 2, b.stderr);
      assert.match(
        b.stderr,
        bad.length > 2 ? /--tiles-per-job: groups the tiles of --queue jobs/ : /--shard: must be i\/N/,
      );
    }
    assert.ok(!existsSync(join(dir, 'm-k')));
    ok(...P, '--shard', '0/3', '--workers', '0');
    ok(...P, '--shard', '2/3', '--workers', '0');
    let r = ntk(...P);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /shard 1\/3 is missing \(no shard-1-of-3\.json\): rerun with --shard 1\/3/);
    assert.ok(!existsSync(join(dir, 'm-o', 'predictions.npy')));
    ok(...P, '--shard', '1/3', '--workers', '0');
    const shards = join(dir, 'm-k', 'shards');
    // a tile file of shard 1 lost
    const t4 = readFileSync(join(shards, 'tile-4.bin'));
    unlinkSync(join(shards, 'tile-4.bin'));
    r = ntk(...P);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /tile-4\.bin: is missing: tile 4 \(k_2_1\) of shard 1\/3.*rerun --shard 1\/3/);
    assert.ok(!existsSync(join(dir, 'm-k', 'kernel')), 'nothing moved');
    // a tile of another job (other tile size) in its place
    const other = PREDICT('100', 'o-k', 'o-o');
    ok(...other, '--shard', '0/1', '--workers', '0');
    copyFileSync(join(dir, 'o-k', 'shards', 'tile-4.bin'), join(shards, 'tile-4.bin'));
    r = ntk(...P);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /tile-4\.bin: is tile 4 \(\d+×\d+\) of job [0-9a-f]{16}…, not tile 4 \(120×120\) of job/);
    // the shards of this folder solved with another tile size: the folder says its tiles are of tile 120
    r = ntk(...PREDICT('100', 'm-k', 'm-o'));
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--kernels: .*m-k holds a run of different inputs \(tile differ\)/);
    // the right tile back: the run completes with the single-machine bytes
    writeFileSync(join(shards, 'tile-4.bin'), t4);
    ok(...P);
    sameAsRef('m-k', 'm-o');
  });
});
