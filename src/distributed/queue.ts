/**
 * Kernel tiles on a Redis job queue (BullMQ): `ntk kernel|empirical … --queue redis://HOST:PORT[/DB]` is the
 * coordinator, `ntk worker --queue …` (any number, on any machines) computes tiles. docs/distributed.md.
 *
 * Redis keys (job hash h):
 *   ntk:job:h:spec            the JobSpec (JSON)            ntk:job:h:{x1,x2,adjacency}:c  input bytes, 32 MiB chunks
 *   ntk:job:h:ready           set once everything is there  ntk:tile:h:k   a computed tile (encodeTile)
 *   ntk:done:h                list of computed tiles k, in the order they were finished
 *   BullMQ queue `ntk-tiles`  one job per tile {job: h, tile: k}, id `h16-k` (so a rerun adds no duplicates)
 * The coordinator publishes the job once (content-addressed: a rerun finds it), enqueues the tiles not yet in its
 * output, pops finished tiles from ntk:done:h, writes them at their offsets in a partial .npy next to the output
 * (fsync, then the tile number appended to a log beside it), deletes them from Redis, and renames the file over
 * the output at the end. A rerun after a crash keeps the logged tiles, harvests tiles finished meanwhile and
 * enqueues the rest.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job as BullJob } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError, JobMismatchError, NtkError, OutputError } from '../errors.js';
import { resolveOutputTarget } from '../io/atomic.js';
import {
  type JobData,
  type JobSpec,
  blockShape,
  decodeTile,
  encodeTile,
  jobHash,
  openTiling,
  tileCount,
  verifyJob,
  verifyTiling,
} from './job.js';
import { KernelFile } from './kernelFile.js';
import { TilePool } from './pool.js';
import type { Tile } from '../analytic/kernelFn.js';
import { median } from '../util/stats.js';

export const QUEUE_NAME = 'ntk-tiles';
const CHUNK = 32 * 1024 * 1024;
/** tiles in the queue or in Redis at a time */
const WINDOW = 10_000;

export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly db: number;
}

/** redis://HOST:PORT[/DB] → its parts (ConfigError naming `flag` otherwise). */
export function parseQueueUrl(flag: string, url: string): RedisAddress {
  const m = /^redis:\/\/([^/:]+|\[[^\]]+\]):(\d+)(?:\/(\d+))?\/?$/.exec(url);
  const port = m ? Number(m[2]) : NaN;
  const db = m && m[3] !== undefined ? Number(m[3]) : 0;
  if (!m || !(port >= 1 && port <= 65535) || !Number.isSafeInteger(db))
    throw new ConfigError(
      flag,
      `must be redis://HOST:PORT or redis://HOST:PORT/DB (e.g. redis://127.0.0.1:6379/0); got '${url}'`,
    );
  return { host: m[1].replace(/^\[|\]$/g, ''), port, db };
}

function redisOptions(a: RedisAddress): RedisOptions {
  // BullMQ's blocking connections need maxRetriesPerRequest: null; reconnect forever (a Redis restart is waited out)
  return {
    host: a.host,
    port: a.port,
    db: a.db,
    maxRetriesPerRequest: null,
    retryStrategy: (n) => Math.min(50 * n, 1000),
  };
}

/** A connection that answers within `ms`, else ConfigError naming the flag and the address. */
async function connect(flag: string, a: RedisAddress, ms = 10_000): Promise<Redis> {
  const r = new Redis({ ...redisOptions(a), lazyConnect: true });
  r.on('error', () => undefined); // reconnects are retried; failures surface as timeouts below
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      r.connect().then(() => r.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
  } catch (e) {
    r.disconnect();
    throw new ConfigError(
      flag,
      `cannot reach Redis at ${a.host}:${a.port} (db ${a.db}) within ${ms / 1000} s (${String((e as Error).message)})`,
    );
  } finally {
    clearTimeout(timer);
  }
  return r;
}

const keys = (h: string) => ({
  spec: `ntk:job:${h}:spec`,
  chunk: (name: string, c: number) => `ntk:job:${h}:${name}:${c}`,
  ready: `ntk:job:${h}:ready`,
  tile: (k: number) => `ntk:tile:${h}:${k}`,
  done: `ntk:done:${h}`,
});

const ARRAYS = ['x1', 'x2', 'adjacency'] as const;

function chunksOf(a: Float64Array): Buffer[] {
  const b = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const out: Buffer[] = [];
  for (let o = 0; o < b.byteLength; o += CHUNK) out.push(b.subarray(o, Math.min(b.byteLength, o + CHUNK)));
  return out;
}

/** Put the job into Redis once (nothing is written when it is there already). */
async function publish(r: Redis, h: string, data: JobData): Promise<boolean> {
  const k = keys(h);
  if ((await r.exists(k.ready)) === 1) return false;
  await r.set(k.spec, JSON.stringify(data.spec));
  for (const name of ARRAYS) {
    const a = data[name];
    if (a === null) continue;
    const cs = chunksOf(a);
    for (let c = 0; c < cs.length; c++) await r.set(k.chunk(name, c), cs[c]);
  }
  await r.set(k.ready, String(Date.now()));
  return true;
}

function arrayLength(spec: JobSpec, name: (typeof ARRAYS)[number]): number | null {
  if (name === 'x1') return spec.n1 * spec.d;
  if (name === 'x2') return spec.sym ? null : spec.n2 * spec.d;
  return spec.adjacency === null ? null : spec.adjacency * spec.adjacency;
}

/** Read a published job back (null when it is not (yet) complete in Redis). */
async function fetchJob(r: Redis, h: string): Promise<JobData | null> {
  const k = keys(h);
  if ((await r.exists(k.ready)) !== 1) return null;
  const text = await r.get(k.spec);
  if (text === null) return null;
  const spec = JSON.parse(text) as JobSpec;
  const arrays: Record<string, Float64Array | null> = {};
  for (const name of ARRAYS) {
    const n = arrayLength(spec, name);
    if (n === null) {
      arrays[name] = null;
      continue;
    }
    const a = new Float64Array(n);
    const bytes = new Uint8Array(a.buffer);
    for (let c = 0, o = 0; o < bytes.byteLength; c++) {
      const part = await r.getBuffer(k.chunk(name, c));
      if (part === null) return null;
      bytes.set(part.subarray(0, Math.min(part.byteLength, bytes.byteLength - o)), o);
      o += part.byteLength;
    }
    arrays[name] = a;
  }
  return { spec, x1: arrays.x1 as Float64Array, x2: arrays.x2, adjacency: arrays.adjacency };
}

async function deleteJob(r: Redis, h: string, spec: JobSpec): Promise<void> {
  const k = keys(h);
  const del = [k.spec, k.ready, k.done];
  for (const name of ARRAYS) {
    const n = arrayLength(spec, name);
    if (n !== null) for (let c = 0; c * CHUNK < 8 * n; c++) del.push(k.chunk(name, c));
  }
  await r.del(...del);
}

const jobIdOf = (h: string, k: number, retry: number) => `${h.slice(0, 16)}-${k}${retry > 0 ? `-r${retry}` : ''}`;

function fmtSecs(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 90) return `${s.toFixed(0)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export interface CoordinateOptions {
  /** seconds without a finished tile before the queue is checked for lost tiles (default 15) */
  readonly reconcileSecs?: number;
  /** tiles per queue job (default: tilesPerJobFor(tiles)) */
  readonly tilesPerJob?: number;
}

/** What the coordinator writes finished tiles into: the kernel .npy (kernel, empirical) or an ooc tile folder. */
export interface TileSink {
  /** tiles already there from an earlier run (not enqueued) */
  readonly done: ReadonlySet<number>;
  /** where they are (for the resume line) */
  readonly where: string;
  put(k: number, block: Float64Array): void;
  /** make the tiles put since the last call durable (before they are deleted from Redis) */
  sync(ks: readonly number[]): void;
  finish(): void;
  close(): void;
}

/**
 * Tiles per queue job by default: one while there are at most 4 000 tiles, else ⌊tiles / 2 000⌋ up to 64 — at
 * least 2 000 queue jobs (to balance them over many workers' threads), and the queue's per-job cost (BullMQ's
 * 15–20 Redis commands, measured at 5–10 ms per job on a loaded machine: docs/distributed.md) spread over up to 64
 * tiles when there are very many.
 */
export function tilesPerJobFor(tiles: number): number {
  return Math.max(1, Math.min(64, Math.floor(tiles / 2000)));
}

/** The kernel .npy sink: a partial file beside the output, its tiles logged as they are made durable. */
function kernelSink(data: JobData, h16: string, out: string): TileSink {
  const tiling = openTiling(data);
  const list = tiling.tiles;
  const T = list.length;
  const R = tiling.perExample;
  const target = resolveOutputTarget(out);
  if (target.kind !== 'file')
    throw new OutputError(out, 'with --queue the kernel is written to a regular file (not a device or -)');
  const partial = join(dirname(target.path), `.${basename(target.path)}.${h16}.partial`);
  const logPath = join(dirname(target.path), `.${basename(target.path)}.${h16}.tiles`);
  const file = new KernelFile(partial, tiling.rows, tiling.cols);
  const done = new Set<number>();
  if (file.resumed && existsSync(logPath)) {
    for (const line of readFileSync(logPath, 'utf8').split('\n')) {
      const k = Number(line);
      if (line !== '' && Number.isInteger(k) && k >= 0 && k < T) done.add(k);
    }
  } else rmSync(logPath, { force: true });
  const logFd = openSync(logPath, 'a');
  const closeLog = () => {
    try {
      closeSync(logFd);
    } catch {
      // closed already
    }
  };
  return {
    done,
    where: partial,
    put: (k, block) => file.put(list[k], R, block, tiling.sym && list[k].i0 !== list[k].j0, `tile ${k}`),
    sync(ks) {
      file.sync();
      appendFileSync(logFd, ks.map((k) => `${k}\n`).join(''));
      fsyncSync(logFd);
    },
    finish() {
      closeLog();
      file.finish(out);
      rmSync(logPath, { force: true });
    },
    close() {
      file.close();
      closeLog();
    },
  };
}

/**
 * The coordinator: publish, enqueue, stream finished tiles into `out`, clean up. Resumes from the partial file of
 * an earlier run of the same job. Progress lines (with ETA) go to `say`.
 */
export async function coordinate(
  url: string,
  data: JobData,
  out: string,
  say: (line: string) => void,
  opts: CoordinateOptions = {},
): Promise<CoordinateResult> {
  parseQueueUrl('--queue', url);
  return coordinateInto(url, data, kernelSink(data, jobHash(data).slice(0, 16), out), out, say, opts);
}

export interface CoordinateResult {
  readonly computed: number;
  readonly resumed: number;
  readonly tiles: number;
  readonly tilesPerJob: number;
  readonly seconds: number;
  /** per tile (ms, medians): compute, enqueue → written, picked → written minus compute */
  readonly perTile: { readonly computeMs: number; readonly latencyMs: number; readonly overheadMs: number };
}

/** The coordinator of a job whose finished tiles go into `sink` (`out`: what the lines call the output). */
export async function coordinateInto(
  url: string,
  data: JobData,
  sink: TileSink,
  out: string,
  say: (line: string) => void,
  opts: CoordinateOptions = {},
): Promise<CoordinateResult> {
  const addr = parseQueueUrl('--queue', url);
  const h = jobHash(data);
  const h16 = h.slice(0, 16);
  const tiling = openTiling(data);
  const list = tiling.tiles;
  const T = list.length;
  const R = tiling.perExample;
  const G = opts.tilesPerJob ?? tilesPerJobFor(T);
  let r: Redis;
  try {
    r = await connect('--queue', addr);
  } catch (e) {
    sink.close();
    throw e;
  }
  const done = new Set<number>(sink.done);
  const resumed = done.size;
  const K = keys(h);
  const blocking = r.duplicate();
  blocking.on('error', () => undefined);
  r.on('error', () => undefined);
  const queue = new Queue(QUEUE_NAME, { connection: redisOptions(addr) });
  const events = new QueueEvents(QUEUE_NAME, { connection: redisOptions(addr) });
  queue.on('error', () => undefined);
  events.on('error', () => undefined);
  let aborted: Error | null = null;
  const refusals = new Map<number, number>();
  const enqueuedAt = new Map<number, number>();
  const latency: number[] = [];
  const overhead: number[] = [];
  const compute: number[] = [];
  let computed = 0;
  try {
    const fresh = await publish(r, h, data);
    say(
      `job ${h16}… (${data.spec.kind} ${tiling.rows}×${tiling.cols}): ${T} tiles of ${tiling.tile} examples${fresh ? ', published' : ', already published'}${G > 1 ? `, ${G} tiles per queue job` : ''}${resumed ? `; resuming: ${resumed} tiles already in ${sink.where}` : ''}`,
    );
    // written tiles are made durable in batches (at most every second or 500 tiles): the file is fsynced, then
    // their numbers are appended to the log (fsynced), then they are deleted from Redis
    const unlogged: number[] = [];
    // tops the queue up to WINDOW tiles (set once the tiles to do are known, after the harvest)
    let top = async (): Promise<void> => undefined;
    let lastFlush = Date.now();
    const flush = async (): Promise<void> => {
      lastFlush = Date.now();
      if (unlogged.length === 0) return;
      const ks = unlogged.splice(0);
      sink.sync(ks);
      for (let o = 0; o < ks.length; o += 1000) await r.del(...ks.slice(o, o + 1000).map((k) => K.tile(k)));
      await top();
    };
    const write = (k: number, buf: Buffer | null): boolean => {
      if (buf === null || done.has(k)) return false;
      const tile = decodeTile(buf);
      const { rows, cols } = blockShape(list[k], R);
      if (
        tile === null ||
        tile.header.job !== h ||
        tile.header.tile !== k ||
        tile.header.rows !== rows ||
        tile.header.cols !== cols
      )
        throw new NtkError(
          'queue_tile',
          `tile ${k} in Redis (${K.tile(k)}) is damaged or of another job; delete it and rerun`,
        );
      sink.put(k, tile.block);
      unlogged.push(k);
      done.add(k);
      computed++;
      const now = Date.now();
      const hd = tile.header;
      const e = enqueuedAt.get(k);
      if (e !== undefined) latency.push(now - e);
      if (hd.picked !== undefined && hd.ms !== undefined) {
        overhead.push(now - hd.picked - hd.ms);
        compute.push(hd.ms);
      }
      return true;
    };
    // tiles finished while no coordinator was running
    let cursor = '0';
    do {
      const [next, found] = await r.scan(cursor, 'MATCH', `ntk:tile:${h}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of found) {
        const k = Number(key.slice(key.lastIndexOf(':') + 1));
        if (Number.isInteger(k) && k >= 0 && k < T) {
          write(k, await r.getBuffer(key));
        }
      }
    } while (cursor !== '0');
    if (computed > 0) say(`harvested ${computed} tiles finished while no coordinator ran`);
    await flush();
    // a queue job is a group of up to G consecutive tiles, named by its first tile
    const groups = new Map<number, readonly number[]>();
    const add = async (ks: number[], retry = 0): Promise<void> => {
      const gs: number[][] = [];
      for (let o = 0; o < ks.length; o += G) gs.push(ks.slice(o, o + G));
      for (let o = 0; o < gs.length; o += 1000) {
        const now = Date.now();
        const part = gs.slice(o, o + 1000);
        await queue.addBulk(
          part.map((g) => ({
            name: 'tile',
            data: g.length === 1 ? { job: h, tile: g[0] } : { job: h, tile: g[0], tiles: g },
            opts: { jobId: jobIdOf(h, g[0], retry), attempts: 3, removeOnComplete: true, removeOnFail: true },
          })),
        );
        for (const g of part) {
          groups.set(g[0], g);
          for (const k of g) enqueuedAt.set(k, now);
        }
      }
    };
    const todo = [...Array(T).keys()].filter((k) => !done.has(k));
    // at most WINDOW tiles are in the queue (or finished in Redis, not yet written) at a time: Redis holds a
    // bounded number of jobs and tile bytes however large the kernel
    let nextTodo = 0;
    top = async (): Promise<void> => {
      const inFlight = nextTodo - (done.size - (T - todo.length));
      const n = Math.min(todo.length - nextTodo, WINDOW - inFlight);
      if (n <= 0) return;
      const ks = todo.slice(nextTodo, nextTodo + n);
      nextTodo += n;
      await add(ks);
    };
    events.on('failed', ({ jobId, failedReason }) => {
      const m = /^([0-9a-f]{16})-(\d+)(?:-r(\d+))?$/.exec(jobId);
      if (!m || m[1] !== h16) return;
      const k = Number(m[2]);
      const rest = (groups.get(k) ?? [k]).filter((x) => !done.has(x));
      if (rest.length === 0) return;
      const name = rest.length === 1 ? `tile ${rest[0]}` : `tiles ${rest.join(', ')}`;
      if (/refuses job/.test(failedReason)) {
        const n = (refusals.get(k) ?? 0) + 1;
        refusals.set(k, n);
        say(`${name} refused: ${failedReason}`);
        if (n >= 3)
          aborted = new JobMismatchError(
            h,
            'every worker that took it',
            `${name} was refused ${n} times; last: ${failedReason}`,
          );
        else {
          refusals.set(rest[0], n);
          void add(rest, n).catch((e: unknown) => (aborted = e as Error));
        }
        return;
      }
      aborted = new NtkError('queue_tile_failed', `${name} failed on a worker after 3 attempts: ${failedReason}`);
    });
    events.on('stalled', ({ jobId }) => {
      if (jobId.startsWith(h16))
        say(`tile ${jobId.slice(17)}: its worker stopped renewing its lock (died?); BullMQ gives it to another worker`);
    });
    await events.waitUntilReady();
    await top();
    say(
      `enqueued ${nextTodo} of ${todo.length} tiles on ${QUEUE_NAME} at ${addr.host}:${addr.port}/${addr.db}; waiting for ntk worker --queue ${url}`,
    );
    const t0 = Date.now();
    let lastSay = 0;
    let saidDone = -1;
    let lastProgress = Date.now();
    const reconcile = (opts.reconcileSecs ?? 15) * 1000;
    while (done.size < T) {
      if (aborted) throw aborted;
      let popped: [string, string] | null = null;
      try {
        popped = await blocking.blpop(K.done, 1);
      } catch {
        await new Promise((res) => setTimeout(res, 500)); // Redis away: reconnecting
        continue;
      }
      const now = Date.now();
      if (popped) {
        // the tiles finished meanwhile too, their bytes in one round trip (small tiles arrive faster than one BLPOP
        // and one GET each)
        const ks = [Number(popped[1])];
        const more = await r.lpop(K.done, 999);
        if (more) ks.push(...more.map(Number));
        const fresh = [...new Set(ks)].filter((k) => Number.isInteger(k) && k >= 0 && k < T && !done.has(k));
        const bufs = fresh.length > 0 ? await r.mgetBuffer(...fresh.map((k) => K.tile(k))) : [];
        fresh.forEach((k, i) => {
          if (write(k, bufs[i])) lastProgress = now;
        });
      } else if (now - lastProgress > reconcile) {
        // nothing for a while: any tile neither queued, running nor finished is added again (e.g. a Redis restart
        // lost the last second of writes)
        lastProgress = now;
        const lost: number[] = [];
        for (const k of [...Array(T).keys()]) {
          if (done.has(k)) continue;
          if (!enqueuedAt.has(k)) continue; // not enqueued yet
          if ((await r.exists(K.tile(k))) === 1) write(k, await r.getBuffer(K.tile(k)));
        }
        for (const [k0, g] of [...groups]) {
          const rest = g.filter((k) => !done.has(k));
          if (rest.length === 0) {
            groups.delete(k0);
            continue;
          }
          const ids = [0, 1, 2].map((n) => jobIdOf(h, k0, n));
          const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
          if (states.every((st) => st === 'unknown')) {
            groups.delete(k0);
            lost.push(...rest);
          }
        }
        if (lost.length > 0) {
          say(`${lost.length} tiles were in no queue state (lost by Redis?): enqueued again`);
          await add(lost);
        }
      }
      if (done.size === T || unlogged.length >= 500 || now - lastFlush >= 1000) await flush();
      // a line a second while tiles arrive, every 10 s while waiting
      if (done.size === T || (now - lastSay >= 1000 && (done.size !== saidDone || now - lastSay >= 10_000))) {
        lastSay = now;
        saidDone = done.size;
        const rate = (done.size - resumed) / Math.max(1e-3, (now - t0) / 1000);
        say(
          `tiles ${done.size}/${T} (${((100 * done.size) / T).toFixed(0)} %), ${rate.toFixed(2)} tiles/s, ETA ${fmtSecs((T - done.size) / rate)}`,
        );
      }
    }
    sink.finish();
    await deleteJob(r, h, data.spec);
    const secs = (Date.now() - t0) / 1000;
    say(
      `${data.spec.kind === 'ooc' ? `${T} kernel tiles` : `${tiling.rows}×${tiling.cols} kernel`} in ${secs.toFixed(2)} s → ${out} (${computed} tiles from the queue${resumed ? `, ${resumed} kept from the earlier run` : ''}); per tile: compute median ${median(compute).toFixed(1)} ms, enqueue → written median ${median(latency).toFixed(1)} ms, picked → written minus compute median ${median(overhead).toFixed(1)} ms`,
    );
    return {
      computed,
      resumed,
      tiles: T,
      tilesPerJob: G,
      seconds: secs,
      perTile: { computeMs: median(compute), latencyMs: median(latency), overheadMs: median(overhead) },
    };
  } catch (e) {
    sink.close();
    throw e;
  } finally {
    await Promise.allSettled([events.close(), queue.close()]);
    blocking.disconnect();
    r.disconnect();
  }
}

export interface WorkerOptions {
  readonly threads: number;
  /** BullMQ lock duration (ms): a worker that dies loses its tile to another after about this long (default 30000) */
  readonly lockMs?: number;
  readonly log: (line: string) => void;
}

/** Run a queue worker until `signal` aborts; resolves once it has stopped. */
/** What a worker did before it stopped: tiles computed and refused (a job of another version or hash). */
export interface WorkSummary {
  readonly tiles: number;
  readonly refused: number;
}

export async function work(url: string, opts: WorkerOptions, signal: AbortSignal): Promise<WorkSummary> {
  const done = { tiles: 0, refused: 0 };
  const addr = parseQueueUrl('--queue', url);
  const r = await connect('--queue', addr);
  r.on('error', () => undefined);
  const who = `${hostname()}:${process.pid}`;
  interface Ctx {
    readonly h: string;
    readonly pool: TilePool;
    readonly tiles: readonly Tile[];
    readonly R: number;
  }
  const state: { ctx: Ctx | null; opening: Promise<Ctx> | null } = { ctx: null, opening: null };
  const open = async (h: string): Promise<Ctx> => {
    const data = await fetchJob(r, h);
    if (data === null) throw new Error(`job ${h.slice(0, 16)}… is not (or no longer) in Redis`);
    verifyJob(data, h, who);
    const tiling = openTiling(data);
    verifyTiling(tiling, data.spec, h, who, tileCount(data.spec));
    if (state.ctx) void state.ctx.pool.close();
    const ctx: Ctx = { h, pool: new TilePool(data, opts.threads), tiles: tiling.tiles, R: tiling.perExample };
    state.ctx = ctx;
    opts.log(
      `job ${h.slice(0, 16)}…: ${data.spec.kind} ${tiling.rows}×${tiling.cols}, ${tiling.tiles.length} tiles; ${opts.threads} threads`,
    );
    return ctx;
  };
  const contextFor = async (h: string): Promise<Ctx> => {
    if (state.ctx?.h === h) return state.ctx;
    if (state.opening) {
      const c = await state.opening.catch(() => null);
      if (c?.h === h) return c;
    }
    const p = open(h);
    state.opening = p;
    try {
      return await p;
    } finally {
      if (state.opening === p) state.opening = null;
    }
  };
  const processor = async (job: BullJob<{ job: string; tile: number; tiles?: number[] }>) => {
    const picked = Date.now();
    const { job: h, tile: k0 } = job.data;
    const ks = job.data.tiles ?? [k0];
    let c: Ctx;
    try {
      c = await contextFor(h);
    } catch (e) {
      if (e instanceof JobMismatchError) {
        done.refused += ks.length;
        opts.log(`refused tile${ks.length > 1 ? 's' : ''} ${ks.join(', ')}: ${e.message}`);
        throw new UnrecoverableError(`JobMismatchError: ${e.message}`);
      }
      throw e;
    }
    const K = keys(h);
    // the tiles of a group one after another (BullMQ's concurrency keeps every thread busy with other jobs, and a
    // tile's compute time is its own); each is sent as soon as it is done
    const one = async (k: number): Promise<number> => {
      opts.log(`tile ${k} started`);
      const t0 = performance.now();
      const block = await c.pool.compute(k);
      const ms = performance.now() - t0;
      const { rows, cols } = blockShape(c.tiles[k], c.R);
      const header = { job: h, tile: k, rows, cols, picked, ms, worker: who };
      await r.multi().set(K.tile(k), encodeTile(header, block)).rpush(K.done, String(k)).exec();
      done.tiles++;
      opts.log(`tile ${k} computed in ${ms.toFixed(0)} ms`);
      return ms;
    };
    let ms = 0;
    for (const k of ks) ms += await one(k);
    return { ms };
  };
  const lockDuration = opts.lockMs ?? 30_000;
  const worker = new Worker(QUEUE_NAME, processor, {
    connection: redisOptions(addr),
    concurrency: Math.max(1, opts.threads),
    lockDuration,
    stalledInterval: lockDuration,
    maxStalledCount: 5,
  });
  worker.on('error', () => undefined);
  opts.log(`ntk worker ${who}: ${opts.threads} threads on ${QUEUE_NAME} at ${addr.host}:${addr.port}/${addr.db}`);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await worker.close();
  if (state.ctx) await state.ctx.pool.close();
  r.disconnect();
  return done;
}
