// The process's worker pool (src/util/workerPool.ts): threads are reused across jobs, results equal the in-process
// computation, an error rejects the job and leaves the pool usable, an idle pool does not keep the process alive, and
// SIGTERM still reaches the main thread's handler while the pool is busy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { Rng } from '../../src/util/random.js';
import { poolIdle, poolStarted, runPool } from '../../src/util/workerPool.js';

const HANDLER = new URL('./fixtures/poolHandler.ts', import.meta.url).href;
const POOL = new URL('../../src/util/workerPool.ts', import.meta.url).href;

const shared = (n: number) => new Float64Array(new SharedArrayBuffer(8 * n));

describe('worker pool', () => {
  test('jobs run every task on the pool threads; a second job reuses them', async () => {
    const out = shared(50);
    const tasks = Array.from({ length: 50 }, (_, i) => ({ i }));
    await runPool(HANDLER, 2, { out, scale: 3 }, tasks);
    assert.deepEqual(
      [...out],
      tasks.map((t) => 3 * t.i),
    );
    const started = poolStarted();
    assert.ok(poolIdle() >= 2);
    const out2 = shared(50);
    await runPool(HANDLER, 2, { out: out2, scale: -1 }, tasks);
    assert.deepEqual(
      [...out2],
      tasks.map((t) => -t.i),
    );
    assert.equal(poolStarted(), started, 'no new threads for the second job');
  });

  test('a failing task rejects the job with its message; the pool still works afterwards', async () => {
    const out = shared(20);
    const tasks = Array.from({ length: 20 }, (_, i) => ({ i, fail: i === 7 }));
    await assert.rejects(runPool(HANDLER, 2, { out, scale: 1 }, tasks), /task 7 failed on purpose/);
    const ok = shared(5);
    await runPool(
      HANDLER,
      2,
      { out: ok, scale: 2 },
      [0, 1, 2, 3, 4].map((i) => ({ i })),
    );
    assert.deepEqual([...ok], [0, 2, 4, 6, 8]);
  });

  test('kernelFn on pool threads = in-process, call after call, without new threads', async () => {
    const rng = new Rng(5);
    const X = new Matrix(40, 6, rng.normals(240));
    const f = kernelFn('dense(16),relu,dense(8),erf,dense(1)', { workers: 2, tile: 7 });
    const ref = await kernelFn('dense(16),relu,dense(8),erf,dense(1)', { workers: 0, tile: 7 })(X, null, 'ntk');
    assert.deepEqual((await f(X, null, 'ntk')).data, ref.data);
    const started = poolStarted();
    for (let r = 0; r < 3; r++) assert.deepEqual((await f(X, null, 'ntk')).data, ref.data);
    assert.equal(poolStarted(), started);
  });

  const child = (code: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      encoding: 'utf8',
      timeout: 120_000,
    });

  test('an idle pool does not keep the process alive', () => {
    const r = child(`import { runPool } from ${JSON.stringify(POOL)};
      await runPool(${JSON.stringify(HANDLER)}, 2, { out: new Float64Array(new SharedArrayBuffer(80)), scale: 1 },
        [0, 1, 2, 3].map((i) => ({ i })));
      console.log('done');`);
    assert.equal(r.signal, null, 'the child exited by itself (not killed by the timeout)');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /done/);
  });

  test("SIGTERM reaches the main thread's handler while the pool is busy", () => {
    const r = child(`import { runPool } from ${JSON.stringify(POOL)};
      process.on('SIGTERM', () => { console.log('term'); process.exit(130); });
      setTimeout(() => process.kill(process.pid, 'SIGTERM'), 300);
      await runPool(${JSON.stringify(HANDLER)}, 2, { out: new Float64Array(new SharedArrayBuffer(800)), scale: 1 },
        Array.from({ length: 100 }, (_, i) => ({ i, spinMs: 200 })));
      console.log('finished');`);
    assert.equal(r.status, 130, r.stderr);
    assert.match(r.stdout, /term/);
    assert.doesNotMatch(r.stdout, /finished/);
  });
});
