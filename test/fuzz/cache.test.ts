/**
 * Fuzz: the cache-entry reader (readCacheEntry, src/experiments/cache.ts) and DiskCache.getOrCompute. Seeded
 * mutations of the meta file (bytes, text, structure) and of the payload (.npy matrix or vector, .json with
 * non-finite numbers), alone or together, or a file removed. Every input must end in 'bad' (the entry is refused:
 * recomputed, with a warning naming one of its files), 'missing' only when the meta file is gone, or 'ok' with the
 * value that was stored, bit for bit — and 'ok' whenever both files are byte-identical to what was stored. Reading
 * writes nothing; getOrCompute rewrites the entry and leaves no temporary file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NtkError } from '../../src/errors.js';
import {
  cacheEntryPaths,
  cacheKey,
  type CacheEntryPaths,
  type CacheValue,
  DiskCache,
  readCacheEntry,
} from '../../src/experiments/cache.js';
import { Matrix } from '../../src/linalg/index.js';
import { Rng } from '../../src/util/random.js';
import { assertClean, fuzzCount, fuzzParser, fuzzSeed, listFiles } from './harness.js';
import { chance, mutateBytes, mutateText, mutateValue } from './mutate.js';

const root = mkdtempSync(join(tmpdir(), 'ntk-fuzz-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Entry {
  key: unknown[];
  value: CacheValue;
  paths: CacheEntryPaths;
  payload: string;
  /** Plain Uint8Arrays (Buffer.slice aliases, and the mutator copies with slice). */
  meta: Uint8Array;
  data: Uint8Array;
}

/** Stored entries (one per kind), their files' bytes kept. */
async function entries(dir: string): Promise<Entry[]> {
  const c = new DiskCache(dir);
  const values: [unknown[], CacheValue][] = [
    [['fuzz', 'matrix', { n: 3 }], new Matrix(2, 3, Float64Array.from([1, 0.1 + 0.2, -0, 1e-300, Math.PI, -7]))],
    [['fuzz', 'vector'], Float64Array.from([Number.NaN, Infinity, 5e-324, 2])],
    [['fuzz', 'json', [1, 2]], { a: [1, Number.NaN, -Infinity], b: 'θ', c: { d: null }, e: true }],
  ];
  const out: Entry[] = [];
  for (const [key, value] of values) {
    await c.getOrCompute(key, () => value);
    const paths = cacheEntryPaths(dir, cacheKey(key, c.env));
    const payload = value instanceof Matrix || value instanceof Float64Array ? paths.npy : paths.json;
    out.push({
      key,
      value,
      paths,
      payload,
      meta: Uint8Array.from(readFileSync(paths.meta)),
      data: Uint8Array.from(readFileSync(payload)),
    });
  }
  return out;
}

function sameValue(a: CacheValue, b: CacheValue): boolean {
  const bytes = (v: Float64Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (a instanceof Matrix)
    return b instanceof Matrix && a.rows === b.rows && a.cols === b.cols && bytes(a.data).equals(bytes(b.data));
  if (a instanceof Float64Array) return b instanceof Float64Array && bytes(a).equals(bytes(b));
  try {
    assert.deepStrictEqual(b, a);
    return true;
  } catch {
    return false;
  }
}

interface Input {
  entry: number;
  meta: Uint8Array | null;
  data: Uint8Array | null;
}

function generate(rng: Rng, list: Entry[]): Input {
  const entry = rng.int(list.length);
  const e = list[entry];
  let meta: Uint8Array | null = e.meta;
  let data: Uint8Array | null = e.data;
  const others = list.map((x) => x.data);
  const mutateMeta = (): Uint8Array => {
    const text = Buffer.from(e.meta).toString('utf8');
    switch (rng.int(3)) {
      case 0:
        return mutateBytes(
          rng,
          e.meta,
          list.map((x) => x.meta),
        );
      case 1:
        return Buffer.from(
          mutateText(rng, text, ['"kind"', '"sha256"', '"rows"', '"cols"', '"key"', '"json"', '"matrix"', '"vector"']),
        );
      default:
        return Buffer.from(JSON.stringify(mutateValue(rng, JSON.parse(text))));
    }
  };
  const mutateData = (): Uint8Array =>
    e.payload.endsWith('.json') && chance(rng, 0.5)
      ? Buffer.from(mutateText(rng, Buffer.from(e.data).toString('utf8'), ['{"$num":"NaN"}', 'null', '1e309', '"x"']))
      : mutateBytes(rng, e.data, others);
  switch (rng.int(6)) {
    case 0:
    case 1:
      meta = mutateMeta();
      break;
    case 2:
    case 3:
      data = mutateData();
      break;
    case 4:
      meta = mutateMeta();
      data = mutateData();
      break;
    default:
      if (chance(rng, 0.5)) meta = null;
      else data = null;
  }
  return { entry, meta, data };
}

function place(e: Entry, input: Input): void {
  rmSync(e.paths.meta, { force: true });
  rmSync(e.payload, { force: true });
  if (input.meta) writeFileSync(e.paths.meta, input.meta);
  if (input.data) writeFileSync(e.payload, input.data);
}

describe('fuzz: cache-entry reader', () => {
  it('every mutated entry is refused (naming one of its files) or reads back the stored value bit for bit', async () => {
    const dir = join(root, 'read');
    const list = await entries(dir);
    const before = listFiles(dir);
    let refused = 0;
    const report = fuzzParser({
      name: 'cache entry',
      seed: fuzzSeed(1303),
      count: fuzzCount(1200),
      generate: (rng) => generate(rng, list),
      show: (x) => `entry ${x.entry}: meta ${x.meta ? Buffer.from(x.meta).toString('latin1').slice(0, 200) : '(none)'}`,
      run: (input) => {
        const e = list[input.entry];
        place(e, input);
        const r = readCacheEntry(e.paths, e.key);
        const same = (a: Uint8Array, b: Uint8Array | null) => b !== null && Buffer.from(a).equals(Buffer.from(b));
        const intact = same(e.meta, input.meta) && same(e.data, input.data);
        if (r.status === 'missing') return input.meta === null ? undefined : 'missing although the meta file exists';
        if (r.status === 'ok') return sameValue(e.value, r.value) ? undefined : 'read a value that was not stored';
        if (intact) return `refused an intact entry: ${r.reason}`;
        if (r.file !== e.paths.meta && r.file !== e.payload) return `names ${r.file}, not a file of the entry`;
        refused++;
        throw new NtkError('cache_entry', `${r.file}: ${r.reason}`);
      },
    });
    assertClean(report, { minOk: 20, minTyped: 500 });
    assert.equal(refused, report.typed);
    for (const e of list) place(e, { entry: 0, meta: e.meta, data: e.data });
    assert.deepEqual(listFiles(dir), before, 'reading left or removed files');
  });

  it('getOrCompute recomputes every refused entry with one warning naming it, and then reads it intact', async () => {
    const dir = join(root, 'compute');
    const list = await entries(dir);
    const before = listFiles(dir);
    const rng = new Rng(fuzzSeed(1304));
    const count = Math.max(30, fuzzCount(1000) / 25);
    for (let i = 0; i < count; i++) {
      const input = generate(rng.split(i), list);
      const e = list[input.entry];
      place(e, input);
      const warnings: string[] = [];
      const c = new DiskCache(dir, { warn: (l) => warnings.push(l) });
      let computed = false;
      const v = await c.getOrCompute(e.key, () => ((computed = true), e.value));
      assert.ok(sameValue(e.value, v), `input ${i}: wrong value`);
      if (computed && input.meta !== null) {
        assert.equal(warnings.length, 1, `input ${i}: ${warnings.join('; ')}`);
        assert.ok(warnings[0].includes(e.paths.meta) || warnings[0].includes(e.payload), warnings[0]);
      } else assert.deepEqual(warnings, [], `input ${i}`);
      assert.equal(readCacheEntry(e.paths, e.key).status, 'ok', `input ${i}: not rewritten`);
      assert.deepEqual(listFiles(dir), before, `input ${i}: files left behind`);
    }
  });
});
