/**
 * The disk cache's integrity (issue #13): every entry carries the SHA-256 of its payload, verified on read; a damaged
 * entry (edited value, NaN written into a cached kernel, truncated file, meta for another key, no checksum) is
 * recomputed with a warning naming the file. Keys hold the environment that changes numbers (cacheEnv).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  cacheEntryPaths,
  cacheEnv,
  cacheKey,
  DiskCache,
  readCacheEntry,
  type CacheEnv,
} from '../../src/experiments/cache.js';
import { Matrix } from '../../src/linalg/index.js';
import { VERSION } from '../../src/version.js';
import { tempDir } from './helpers.js';

const K = new Matrix(2, 2, new Float64Array([2, 0.5, 0.5, 1]));

/** A cache whose warnings are collected. */
function cache(dir = tempDir('ntk-cache-')): { c: DiskCache; warnings: string[] } {
  const warnings: string[] = [];
  return { c: new DiskCache(dir, { warn: (l) => warnings.push(l) }), warnings };
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('disk cache integrity', () => {
  it('records the payload SHA-256 (of the file bytes, computed here independently) and the environment in meta', async () => {
    const { c } = cache();
    await c.getOrCompute(['k'], () => K);
    const p = cacheEntryPaths(c.dir, cacheKey(['k'], c.env));
    const meta = JSON.parse(readFileSync(p.meta, 'utf8')) as { sha256: string; env: CacheEnv; kind: string };
    assert.equal(meta.kind, 'matrix');
    assert.equal(meta.sha256, createHash('sha256').update(readFileSync(p.npy)).digest('hex'));
    assert.deepEqual(meta.env, cacheEnv());
    assert.equal(meta.env.ntkLab, VERSION);
  });

  it('recomputes an edited JSON value, a NaN in a cached kernel, a truncated .npy and bad meta files, naming each', async () => {
    const { c, warnings } = cache();
    const j = { a: [1, 2.5], b: 'x' };
    await c.getOrCompute(['j'], () => j);
    await c.getOrCompute(['K'], () => K);
    await c.getOrCompute(['v'], () => Float64Array.from([1, 2, 3]));
    await c.getOrCompute(['m1'], () => ({ m: 1 }));
    await c.getOrCompute(['m2'], () => ({ m: 2 }));
    const path = (k: string) => cacheEntryPaths(c.dir, cacheKey([k], c.env));
    // an edited value: same length, valid JSON
    writeFileSync(path('j').json, readFileSync(path('j').json, 'utf8').replace('2.5', '3.5'));
    // NaN written into the kernel's first element (the .npy stays well-formed)
    const npy = readFileSync(path('K').npy);
    npy.writeDoubleLE(Number.NaN, npy.length - 32);
    writeFileSync(path('K').npy, npy);
    truncateSync(path('v').npy, 100);
    // meta for another key (copied from another entry), and meta without a checksum
    writeFileSync(path('m1').meta, readFileSync(path('m2').meta));
    const m2 = JSON.parse(readFileSync(path('m2').meta, 'utf8')) as Record<string, unknown>;
    delete m2.sha256;
    writeFileSync(path('m2').meta, JSON.stringify(m2));

    const again = new DiskCache(c.dir, { warn: (l) => warnings.push(l) });
    let computed = 0;
    assert.deepEqual(await again.getOrCompute(['j'], () => (computed++, j)), j);
    const K2 = await again.getOrCompute<Matrix>(['K'], () => (computed++, K));
    assert.deepEqual([...K2.data], [...K.data]);
    assert.deepEqual(
      [...(await again.getOrCompute<Float64Array>(['v'], () => (computed++, Float64Array.from([1, 2, 3]))))],
      [1, 2, 3],
    );
    assert.deepEqual(await again.getOrCompute(['m1'], () => (computed++, { m: 1 })), { m: 1 });
    assert.deepEqual(await again.getOrCompute(['m2'], () => (computed++, { m: 2 })), { m: 2 });
    assert.equal(computed, 5);
    assert.deepEqual(again.stats, { hits: 0, computed: 5 });
    assert.equal(warnings.length, 5);
    const expect: [string, RegExp][] = [
      [path('j').json, /checksum mismatch/],
      [path('K').npy, /checksum mismatch/],
      [path('v').npy, /checksum mismatch/],
      [path('m1').meta, /another key/],
      [path('m2').meta, /no sha256 checksum/],
    ];
    expect.forEach(([file, why], i) => {
      assert.ok(warnings[i].startsWith(`ntk: warning: cache entry ${file} is damaged (`), warnings[i]);
      assert.match(warnings[i], why);
      assert.match(warnings[i], /; recomputing$/);
    });
    // the entries were rewritten: a third reader finds them intact, with no temp files left behind
    const third = cache(c.dir);
    for (const k of ['j', 'K', 'v', 'm1', 'm2']) await third.c.getOrCompute([k], () => assert.fail(`${k} recomputed`));
    assert.deepEqual(third.warnings, []);
    assert.deepEqual(
      allFiles(c.dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  it('a missing payload or meta file: meta gone is a miss (silent), payload gone is damage (warned)', async () => {
    const { c, warnings } = cache();
    await c.getOrCompute(['a'], () => ({ a: 1 }));
    await c.getOrCompute(['b'], () => ({ b: 1 }));
    rmSync(cacheEntryPaths(c.dir, cacheKey(['a'], c.env)).meta);
    rmSync(cacheEntryPaths(c.dir, cacheKey(['b'], c.env)).json);
    assert.equal(readCacheEntry(cacheEntryPaths(c.dir, cacheKey(['a'], c.env)), ['a']).status, 'missing');
    await c.getOrCompute(['a'], () => ({ a: 1 }));
    assert.deepEqual(warnings, []);
    await c.getOrCompute(['b'], () => ({ b: 1 }));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /\.json is damaged \(ENOENT/);
  });

  it('keys hold the package version, node, platform, backend, core type and thread count', async () => {
    const env = cacheEnv();
    const k = cacheKey(['unit'], env);
    assert.equal(cacheKey(['unit']), k);
    for (const change of [
      { ntkLab: `${env.ntkLab}-next` },
      { node: 'v0.0.0' },
      { platform: 'other-arch' },
      { backend: env.backend === 'native' ? 'portable' : 'native' },
      { core: `${env.core}X` },
      { threads: env.threads + 1 },
    ])
      assert.notEqual(cacheKey(['unit'], { ...env, ...change }), k, JSON.stringify(change));
    // an entry stored under 2 BLAS threads is not reused under 1
    const dir = tempDir('ntk-cache-');
    await new DiskCache(dir, { env: { ...env, threads: 2 } }).getOrCompute(['u'], () => ({ t: 2 }));
    const one = new DiskCache(dir, { env: { ...env, threads: 1 } });
    assert.deepEqual(await one.getOrCompute(['u'], () => ({ t: 1 })), { t: 1 });
    assert.deepEqual(one.stats, { hits: 0, computed: 1 });
  });
});
