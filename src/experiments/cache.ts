/**
 * A content-addressed disk cache for units of work. A unit's key is the SHA-256 of a canonical serialization of its
 * key parts (everything that determines the result: preset, unit name and version, parameters, seeds, …), so
 * re-running a config, extending a sweep or resuming an interrupted run finds finished units again.
 *
 * Layout: <dir>/<first 2 hex>/<hash>.{npy,json} (the payload) and <hash>.meta.json (kind + key, written last: an
 * entry without meta is incomplete and is recomputed). All files are written atomically. Matrices and vectors are
 * stored as float64 .npy; JSON values with non-finite numbers encoded as {"$num": "NaN"}, so every value reads back
 * bit for bit and a resumed run gives byte-identical results.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NtkError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { encodeNpy, npyToFloat64, readNpy } from '../io/npy.js';
import { Matrix } from '../linalg/index.js';
import type { JsonValue } from './config.js';

export type CacheValue = Matrix | Float64Array | JsonValue;
type Kind = 'matrix' | 'vector' | 'json';

/** Thrown when a run is interrupted (SIGINT); finished units stay in the cache. */
export class InterruptedError extends NtkError {
  override readonly name = 'InterruptedError';
  constructor(message = 'interrupted') {
    super('interrupted', message);
  }
}

/** Canonical text of a key part: sorted object keys, typed arrays and matrices by content hash. */
export function canonicalKey(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : `"$${String(v)}"`;
  if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
  if (typeof v === 'bigint') return `"${v.toString()}n"`;
  if (v instanceof Matrix) return `{"$matrix":[${v.rows},${v.cols},"${bytesHash(v.data)}"]}`;
  if (ArrayBuffer.isView(v)) return `{"$${v.constructor.name}":"${bytesHash(v)}"}`;
  if (Array.isArray(v)) return `[${v.map(canonicalKey).join(',')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalKey(x)}`).join(',')}}`;
  }
  return JSON.stringify(String(v));
}

function bytesHash(v: ArrayBufferView): string {
  return createHash('sha256')
    .update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    .digest('hex');
}

/** Bump when the on-disk format changes (old entries are then simply not found). */
export const CACHE_FORMAT = 1;

export function cacheKey(keyParts: readonly unknown[]): string {
  return createHash('sha256')
    .update(canonicalKey({ format: CACHE_FORMAT, parts: keyParts }))
    .digest('hex');
}

function encodeJson(v: JsonValue): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'number' && !Number.isFinite(x) ? { $num: String(x) } : x,
  );
}

function decodeJson(text: string): JsonValue {
  return JSON.parse(text, (_k, x: unknown) => {
    if (typeof x === 'object' && x !== null && !Array.isArray(x)) {
      const keys = Object.keys(x);
      if (keys.length === 1 && keys[0] === '$num') {
        const s = (x as { $num: unknown }).$num;
        return s === 'NaN' ? Number.NaN : s === 'Infinity' ? Infinity : s === '-Infinity' ? -Infinity : x;
      }
    }
    return x;
  }) as JsonValue;
}

export interface CacheStats {
  /** Units read from disk. */
  hits: number;
  /** Units computed (and stored) in this process. */
  computed: number;
}

export class DiskCache {
  readonly dir: string;
  readonly stats: CacheStats = { hits: 0, computed: 0 };
  private readonly isInterrupted: () => boolean;

  /** `isInterrupted` is polled before each compute; when true, getOrCompute throws InterruptedError. */
  constructor(dir: string, isInterrupted: () => boolean = () => false) {
    this.dir = dir;
    this.isInterrupted = isInterrupted;
  }

  private paths(hash: string): { dir: string; meta: string; npy: string; json: string } {
    const dir = join(this.dir, hash.slice(0, 2));
    return {
      dir,
      meta: join(dir, `${hash}.meta.json`),
      npy: join(dir, `${hash}.npy`),
      json: join(dir, `${hash}.json`),
    };
  }

  /** Whether a complete entry exists for these key parts. */
  has(keyParts: readonly unknown[]): boolean {
    return existsSync(this.paths(cacheKey(keyParts)).meta);
  }

  /**
   * The cached value for `keyParts`, or compute it, store it and return it. Values: Matrix, Float64Array or JSON.
   * The key must determine the value (include a version string in keyParts and bump it when the compute changes).
   */
  async getOrCompute<T extends CacheValue>(keyParts: readonly unknown[], compute: () => T | Promise<T>): Promise<T> {
    const hash = cacheKey(keyParts);
    const p = this.paths(hash);
    const hit = this.load(p);
    if (hit.found) {
      this.stats.hits++;
      return trustCached<T>(hit.value);
    }
    if (this.isInterrupted()) throw new InterruptedError();
    const value = await compute();
    this.store(p, keyParts, value);
    this.stats.computed++;
    return value;
  }

  private load(p: ReturnType<DiskCache['paths']>): { found: true; value: CacheValue } | { found: false } {
    if (!existsSync(p.meta)) return { found: false };
    try {
      const meta = JSON.parse(readFileSync(p.meta, 'utf8')) as { kind?: Kind; rows?: number; cols?: number };
      if (meta.kind === 'json') return { found: true, value: decodeJson(readFileSync(p.json, 'utf8')) };
      const data = npyToFloat64(readNpy(p.npy));
      if (meta.kind === 'vector') return { found: true, value: data };
      if (meta.kind === 'matrix' && typeof meta.rows === 'number' && typeof meta.cols === 'number') {
        return { found: true, value: new Matrix(meta.rows, meta.cols, data) };
      }
    } catch (e) {
      process.stderr.write(
        `ntk: warning: cache entry ${p.meta} is unreadable (${e instanceof Error ? e.message : String(e)}); recomputing\n`,
      );
    }
    return { found: false };
  }

  private store(p: ReturnType<DiskCache['paths']>, keyParts: readonly unknown[], value: CacheValue): void {
    mkdirSync(p.dir, { recursive: true });
    let meta: Record<string, unknown>;
    if (value instanceof Matrix) {
      writeFileAtomic(p.npy, encodeNpy(value.data, [value.rows, value.cols], 'float64'));
      meta = { kind: 'matrix', rows: value.rows, cols: value.cols };
    } else if (value instanceof Float64Array) {
      writeFileAtomic(p.npy, encodeNpy(value, [value.length], 'float64'));
      meta = { kind: 'vector', length: value.length };
    } else {
      writeFileAtomic(p.json, encodeJson(value));
      meta = { kind: 'json' };
    }
    const key = canonicalKey(keyParts);
    writeJsonAtomic(p.meta, { ...meta, key: key.length > 4000 ? `${key.slice(0, 4000)}…` : key });
  }
}

/**
 * The cache is content-addressed: an entry was stored by `compute` for the same key parts, so it has the type that
 * `compute` returns (keys include a version to bump when a compute changes). This is the one place that relies on it.
 */
function trustCached<T extends CacheValue>(v: CacheValue): T {
  return v as T;
}
