/**
 * `--shard i/N` + `ntk assemble` (issue #19) through the real CLI (dist/cli/main.js; `npm run build` first): four
 * shards assembled are byte-identical to the single-machine kernel (analytic CNN, empirical MLP, a cross kernel),
 * and a missing, duplicated or foreign shard or tile is named (exit 2).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { writeNpy } from '../../src/io/npy.js';
import { Rng } from '../../src/util/random.js';

const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'ntk-shard-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ntk = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
const ok = (...args: string[]) => {
  const r = ntk(...args);
  assert.equal(r.status, 0, `ntk ${args.join(' ')}\n${r.stderr}`);
  return r;
};
const same = (a: string, b: string) => assert.ok(readFileSync(a).equals(readFileSync(b)), `${a} and ${b} differ`);

// 30 images 8×8×1: the analytic CNN kernel's tile side is 22 examples here (2 row tiles, 3 tiles)
const images = join(dir, 'img.npy');
writeNpy(images, new Rng(3).normals(30 * 64), [30, 8, 8, 1]);
const flat = join(dir, 'flat.npy');
writeNpy(flat, new Rng(4).normals(23 * 5), [23, 5]);
const flat2 = join(dir, 'flat2.npy');
writeNpy(flat2, new Rng(5).normals(9 * 5), [9, 5]);
const CNN = 'conv(4,3,padding=same),relu,gap,dense(1)';
const MLP = 'dense(16),relu,dense(16),relu,dense(3)';

function shards(cmd: string[], n: number, into: string): void {
  for (let i = 0; i < n; i++) ok(...cmd, '--shard', `${i}/${n}`, '--out', into);
}

describe('ntk kernel|empirical --shard i/N, ntk assemble', () => {
  assert.ok(existsSync(MAIN), 'run `npm run build` first: these tests run dist/cli/main.js');
  test('4 shards of an analytic CNN kernel assemble to the single-machine bytes', () => {
    const cmd = ['kernel', '--arch', CNN, '--x', images];
    const single = join(dir, 'cnn.npy');
    ok(...cmd, '--out', single);
    const sd = join(dir, 'cnn-shards');
    shards(cmd, 4, sd);
    const r = ok('assemble', sd, '--out', join(dir, 'cnn-assembled.npy'));
    assert.match(r.stdout, /30×30 kernel from 3 tiles of 4 shards/);
    same(single, join(dir, 'cnn-assembled.npy'));
  });
  test('a shard on 2 worker threads (--workers 2) writes the same bytes as in-process (--workers 0)', () => {
    const cmd = ['kernel', '--arch', CNN, '--x', images];
    const single = join(dir, 'cnn.npy'); // (the first test's single-machine kernel)
    if (!existsSync(single)) ok(...cmd, '--out', single);
    for (const w of ['0', '2']) {
      const sd = join(dir, `cnn-w${w}`);
      const r = ok(...cmd, '--shard', '0/1', '--workers', w, '--out', sd, '--json');
      assert.equal((JSON.parse(r.stdout) as { distributed: { threads: number } }).distributed.threads, Number(w));
      ok('assemble', sd, '--out', join(dir, `cnn-w${w}.npy`));
      same(single, join(dir, `cnn-w${w}.npy`));
    }
    const emp = ['empirical', '--arch', MLP, '--x', flat, '--seed', '2', '--tile-size', '5'];
    ok(...emp, '--out', join(dir, 'mlp-w.npy'));
    ok(...emp, '--shard', '0/2', '--workers', '2', '--out', join(dir, 'mlp-w2'));
    ok(...emp, '--shard', '1/2', '--workers', '2', '--out', join(dir, 'mlp-w2'));
    ok('assemble', join(dir, 'mlp-w2'), '--out', join(dir, 'mlp-w2.npy'));
    same(join(dir, 'mlp-w.npy'), join(dir, 'mlp-w2.npy'));
  });
  test('an empirical MLP (full outputs, tiles of 7) and a cross kernel K(x, x2) too', () => {
    const cmd = ['empirical', '--arch', MLP, '--x', flat, '--seed', '7', '--tile-size', '7', '--outputs', 'full'];
    const single = join(dir, 'mlp.npy');
    ok(...cmd, '--out', single);
    const sd = join(dir, 'mlp-shards');
    shards(cmd, 4, sd);
    ok('assemble', sd, '--out', join(dir, 'mlp-assembled.npy'));
    same(single, join(dir, 'mlp-assembled.npy'));
    const cross = ['kernel', '--arch', 'dense(8),erf,dense(1)', '--x', flat, '--x2', flat2, '--get', 'nngp'];
    ok(...cross, '--out', join(dir, 'cross.npy'));
    shards(cross, 3, join(dir, 'cross-shards'));
    ok('assemble', join(dir, 'cross-shards'), '--out', join(dir, 'cross-assembled.npy'));
    same(join(dir, 'cross.npy'), join(dir, 'cross-assembled.npy'));
  });
  test('a missing, duplicated or foreign shard, or a missing tile, is named (exit 2)', () => {
    const cmd = ['empirical', '--arch', MLP, '--x', flat, '--tile-size', '6'];
    const sd = join(dir, 'bad-shards');
    shards(cmd, 4, sd);
    const out = join(dir, 'bad.npy');
    copyFileSync(join(sd, 'shard-1-of-4.json'), join(sd, 'shard-1-of-4.copy.json'));
    let r = ntk('assemble', sd, '--out', out);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /shard 1\/4 appears twice \(shard-1-of-4\.copy\.json and shard-1-of-4\.json\)/);
    unlinkSync(join(sd, 'shard-1-of-4.copy.json'));
    unlinkSync(join(sd, 'shard-3-of-4.json'));
    r = ntk('assemble', sd, '--out', out);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /shard 3\/4 is missing .*--shard 3\/4/);
    // shard 3 of another job (another seed) in the same folder
    ok(...cmd, '--seed', '1', '--shard', '3/4', '--out', sd);
    r = ntk('assemble', sd, '--out', out);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /mixes shards of different jobs/);
    ok(...cmd, '--shard', '3/4', '--out', sd); // the right one again (its tiles are rewritten: other job's bytes)
    unlinkSync(join(sd, 'tile-2.bin'));
    r = ntk('assemble', sd, '--out', out);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /tile-2\.bin: is missing: tile 2 of shard 2\/4/);
    assert.ok(!existsSync(out), 'nothing is written when assembling fails');
    r = ntk(...cmd, '--shard', '4/4', '--out', sd);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--shard: must be i\/N with 0 ≤ i < N/);
  });
  test('--shard with --queue, or a bad --queue URL, is refused (exit 2)', () => {
    const cmd = ['kernel', '--arch', 'dense(4),relu,dense(1)', '--x', flat];
    let r = ntk(...cmd, '--shard', '0/2', '--queue', 'redis://127.0.0.1:1/0', '--out', join(dir, 'q.npy'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--shard\/--queue: give one of them/);
    r = ntk(...cmd, '--queue', 'http://127.0.0.1:6379', '--out', join(dir, 'q.npy'));
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /--queue: must be redis:\/\/HOST:PORT or redis:\/\/HOST:PORT\/DB .*got 'http:\/\/127\.0\.0\.1:6379'/,
    );
    r = ntk('worker', '--queue', 'redis://127.0.0.1');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--queue: must be redis:\/\//);
  });
});
