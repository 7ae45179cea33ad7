/**
 * A content-addressed disk cache for units of work. A unit's key is the SHA-256 of a canonical serialization of its
 * key parts (everything that determines the result: preset, unit name and version, parameters, seeds, …), so
 * re-running a config, extending a sweep or resuming an interrupted run finds finished units again.
 *
 * The key also holds what changes numbers without changing the inputs (cacheEnv: the ntk-lab version, node, the
 * platform, the linear-algebra backend, its OpenBLAS core type and thread count), so an upgrade or another BLAS setup
 * never reuses entries computed under different arithmetic.
 *
 * Layout: <dir>/<first 2 hex>/<hash>.{npy,json} (the payload) and <hash>.meta.json (kind, shape, the payload's
 * SHA-256, environment, key; written last: an entry without meta is incomplete and is recomputed). All files are
 * written atomically. Matrices and vectors are stored as float64 .npy; JSON values with non-finite numbers encoded as
 * {"$num": "NaN"}, so every value reads back bit for bit and a resumed run gives byte-identical results. Every read
 * checks the entry (readCacheEntry): a payload that fails its checksum (an edited value, a NaN written into a kernel,
 * a truncated file), a malformed meta file or one for another key is reported on stderr, naming the file, and the
 * unit is recomputed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NtkError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { decodeNpy, encodeNpy, npyToFloat64 } from '../io/npy.js';
import { backend, Matrix } from '../linalg/index.js';
import { VERSION } from '../version.js';
import type { JsonValue } from './config.js';

export type CacheValue = Matrix | Float64Array | JsonValue;

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

/** Bump when the on-disk format changes (old entries are then simply not found). 2: checksums in meta, cacheEnv. */
export const CACHE_FORMAT = 2;

/** What changes a unit's numbers besides its key parts: part of every cache key and recorded in each meta file. */
export interface CacheEnv {
  readonly ntkLab: string;
  readonly node: string;
  readonly platform: string;
  readonly backend: string;
  readonly core: string;
  readonly threads: number;
}

/** The cache environment of this process (package version, node, platform, backend, OpenBLAS core and threads). */
export function cacheEnv(): CacheEnv {
  const info = backend().info();
  return {
    ntkLab: VERSION,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    backend: info.name,
    core: info.corename,
    threads: info.threads,
  };
}

export function cacheKey(keyParts: readonly unknown[], env: CacheEnv = cacheEnv()): string {
  return createHash('sha256')
    .update(canonicalKey({ format: CACHE_FORMAT, env, parts: keyParts }))
    .digest('hex');
}

/** The key text a meta file records (the canonical key parts, cut at 4000 characters). */
function metaKey(keyParts: readonly unknown[]): string {
  const key = canonicalKey(keyParts);
  return key.length > 4000 ? `${key.slice(0, 4000)}…` : key;
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

/** The files of one entry: <dir>/<2 hex>/<hash>.meta.json and the payload <hash>.npy or <hash>.json. */
export interface CacheEntryPaths {
  readonly dir: string;
  readonly meta: string;
  readonly npy: string;
  readonly json: string;
}

export function cacheEntryPaths(cacheDir: string, hash: string): CacheEntryPaths {
  const dir = join(cacheDir, hash.slice(0, 2));
  return {
    dir,
    meta: join(dir, `${hash}.meta.json`),
    npy: join(dir, `${hash}.npy`),
    json: join(dir, `${hash}.json`),
  };
}

/** What reading an entry gave: its value, nothing (no meta file: not stored yet), or why it cannot be used. */
export type CacheEntryRead =
  | { readonly status: 'ok'; readonly value: CacheValue }
  | { readonly status: 'missing' }
  | { readonly status: 'bad'; readonly file: string; readonly reason: string };

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Read and verify one entry: the meta file must be a JSON object of a known kind, recording the SHA-256 of the
 * payload and this key; the payload must match that checksum and the recorded shape. Never throws for a damaged entry
 * (status 'bad', naming the file and the reason); reads nothing but the entry's files.
 */
export function readCacheEntry(p: CacheEntryPaths, keyParts: readonly unknown[]): CacheEntryRead {
  let file = p.meta;
  try {
    let metaText: string;
    try {
      metaText = readFileSync(p.meta, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
      throw e;
    }
    const meta = JSON.parse(metaText) as unknown;
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new Error('meta is not a JSON object');
    const m = meta as {
      kind?: unknown;
      rows?: unknown;
      cols?: unknown;
      length?: unknown;
      sha256?: unknown;
      key?: unknown;
    };
    if (m.kind !== 'json' && m.kind !== 'matrix' && m.kind !== 'vector')
      throw new Error(`unknown kind ${JSON.stringify(m.kind)}`);
    if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256))
      throw new Error('meta has no sha256 checksum');
    if (m.key !== metaKey(keyParts)) throw new Error('meta records another key');
    file = m.kind === 'json' ? p.json : p.npy;
    const bytes = readFileSync(file);
    if (sha256Hex(bytes) !== m.sha256)
      throw new Error('checksum mismatch (the file was changed, truncated or damaged after it was written)');
    if (m.kind === 'json')
      return { status: 'ok', value: decodeJson(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
    const a = decodeNpy(bytes, file);
    const shape = m.kind === 'matrix' ? [m.rows, m.cols] : [m.length];
    if (a.dtype !== 'float64' || a.shape.length !== shape.length || a.shape.some((s, i) => s !== shape[i]))
      throw new Error(
        `payload shape ${a.shape.join('×')} (${a.dtype}) is not the recorded ${shape.join('×')} (float64)`,
      );
    const data = npyToFloat64(a);
    return { status: 'ok', value: m.kind === 'vector' ? data : new Matrix(a.shape[0], a.shape[1], data) };
  } catch (e) {
    return { status: 'bad', file, reason: (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim() };
  }
}

export interface CacheStats {
  /** Units read from disk. */
  hits: number;
  /** Units computed (and stored) in this process. */
  computed: number;
}

export interface DiskCacheOptions {
  /** Polled before each compute; when true, getOrCompute throws InterruptedError. */
  readonly isInterrupted?: () => boolean;
  /** The environment in the keys (default cacheEnv(): this process). */
  readonly env?: CacheEnv;
  /** Where warnings about damaged entries go (default process.stderr). */
  readonly warn?: (line: string) => void;
}

export class DiskCache {
  readonly dir: string;
  readonly env: CacheEnv;
  readonly stats: CacheStats = { hits: 0, computed: 0 };
  private readonly isInterrupted: () => boolean;
  private readonly warn: (line: string) => void;

  /** `isInterrupted` (or opts.isInterrupted) is polled before each compute; when true, getOrCompute throws. */
  constructor(dir: string, opts: DiskCacheOptions | (() => boolean) = {}) {
    const o = typeof opts === 'function' ? { isInterrupted: opts } : opts;
    this.dir = dir;
    this.env = o.env ?? cacheEnv();
    this.isInterrupted = o.isInterrupted ?? (() => false);
    this.warn = o.warn ?? ((line) => process.stderr.write(`${line}\n`));
  }

  private paths(keyParts: readonly unknown[]): CacheEntryPaths {
    return cacheEntryPaths(this.dir, cacheKey(keyParts, this.env));
  }

  /** Whether a complete entry exists for these key parts (not verified: getOrCompute does that). */
  has(keyParts: readonly unknown[]): boolean {
    return existsSync(this.paths(keyParts).meta);
  }

  /**
   * The cached value for `keyParts`, or compute it, store it and return it. Values: Matrix, Float64Array or JSON.
   * The key must determine the value given the environment (the package version is part of every key; include a unit
   * version string in keyParts and bump it when a compute changes between releases). A damaged entry is reported on
   * stderr, naming the file, and recomputed.
   */
  async getOrCompute<T extends CacheValue>(keyParts: readonly unknown[], compute: () => T | Promise<T>): Promise<T> {
    const p = this.paths(keyParts);
    const hit = readCacheEntry(p, keyParts);
    if (hit.status === 'ok') {
      this.stats.hits++;
      return trustCached<T>(hit.value);
    }
    if (hit.status === 'bad') {
      this.warn(`ntk: warning: cache entry ${hit.file} is damaged (${hit.reason}); recomputing`);
    }
    if (this.isInterrupted()) throw new InterruptedError();
    const value = await compute();
    this.store(p, keyParts, value);
    this.stats.computed++;
    return value;
  }

  private store(p: CacheEntryPaths, keyParts: readonly unknown[], value: CacheValue): void {
    mkdirSync(p.dir, { recursive: true });
    let meta: Record<string, unknown>;
    let bytes: Uint8Array;
    if (value instanceof Matrix) {
      bytes = encodeNpy(value.data, [value.rows, value.cols], 'float64');
      writeFileAtomic(p.npy, bytes);
      meta = { kind: 'matrix', rows: value.rows, cols: value.cols };
    } else if (value instanceof Float64Array) {
      bytes = encodeNpy(value, [value.length], 'float64');
      writeFileAtomic(p.npy, bytes);
      meta = { kind: 'vector', length: value.length };
    } else {
      bytes = Buffer.from(encodeJson(value), 'utf8');
      writeFileAtomic(p.json, bytes);
      meta = { kind: 'json' };
    }
    writeJsonAtomic(p.meta, { ...meta, sha256: sha256Hex(bytes), env: this.env, key: metaKey(keyParts) });
  }
}

/**
 * The cache is content-addressed: an entry was stored by `compute` for the same key parts, so it has the type that
 * `compute` returns (keys include a version to bump when a compute changes). This is the one place that relies on it.
 */
function trustCached<T extends CacheValue>(v: CacheValue): T {
  return v as T;
}
