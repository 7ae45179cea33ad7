/**
 * Shards without a server (Slurm job arrays over a shared file system, docs/distributed.md):
 * `ntk kernel|empirical … --shard i/N --out DIR` computes the tiles k with k mod N = i into DIR/tile-k.bin and then
 * writes DIR/shard-i-of-N.json (the job hash, spec and the tiles it wrote); `ntk assemble DIR --out K.npy` checks
 * that the manifests are of one job and one split, that every shard and every tile is there exactly once, and
 * writes the kernel.
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { ConfigError, OutputError } from '../errors.js';
import { resolveOutputTarget, tempPathFor, writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { registerTemp, releaseTemp } from '../io/tempfiles.js';
import { VERSION } from '../version.js';
import {
  type JobData,
  type JobSpec,
  blockShape,
  decodeTile,
  decodeTileHeader,
  encodeTile,
  jobHash,
  openTiling,
} from './job.js';
import { haveTile, oocKernelPath, oocKernelTiles } from '../predict/outOfCore.js';
import { KernelFile } from './kernelFile.js';
import { TilePool } from './pool.js';
import { tiles as cutTiles } from '../analytic/kernelFn.js';

export const SHARD_FORMAT = 'ntk-lab shard 1';

export interface ShardManifest {
  readonly format: typeof SHARD_FORMAT;
  readonly job: string;
  readonly version: string;
  readonly shard: number;
  readonly shards: number;
  /** tiles of the whole job */
  readonly tileCount: number;
  /** the tiles this shard wrote (k mod shards = shard) */
  readonly tiles: readonly number[];
  readonly rows: number;
  readonly cols: number;
  /** output rows per example (1, or O with `full` outputs) */
  readonly perExample: number;
  readonly spec: JobSpec;
}

/** `i/N` → [i, N] with 0 ≤ i < N (ConfigError naming `flag` otherwise). */
export function parseShard(flag: string, text: string): [number, number] {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(n) || n < 1 || !(i < n))
    throw new ConfigError(
      flag,
      `must be i/N with 0 ≤ i < N (shards are numbered from 0: sbatch --array=0-${Number.isSafeInteger(n) && n >= 1 ? n - 1 : 'N-1'}); got '${text}'`,
    );
  return [i, n];
}

export const tileFile = (dir: string, k: number): string => join(dir, `tile-${k}.bin`);
export const manifestFile = (dir: string, i: number, n: number): string => join(dir, `shard-${i}-of-${n}.json`);

export interface ShardOptions {
  /**
   * worker threads: tiles computed at once, one a thread (an \`ooc\` job: kernelFn's threads within each tile);
   * 0 = in-process. Default: min(cores, 8) when the shard has more than one tile to compute.
   */
  readonly threads?: number;
  readonly progress?: (done: number, total: number) => void;
  /** tiles finished elsewhere, not computed again (an ooc job's tiles already moved into the solver's folder) */
  readonly done?: (k: number) => boolean;
}

/**
 * Compute shard i of N of a job into `dir` (created). Tiles already in `dir` from the same job are kept (a
 * requeued array task continues). Returns the number of tiles computed and kept, and the threads used.
 */
export async function runShard(
  data: JobData,
  i: number,
  n: number,
  dir: string,
  opts: ShardOptions = {},
): Promise<{ computed: number; kept: number; tiles: number; jobTiles: number; threads: number }> {
  const hash = jobHash(data);
  const ooc = data.spec.kind === 'ooc';
  const tiling = openTiling(data, ooc && opts.threads !== undefined ? { workers: opts.threads } : {});
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new OutputError(dir, `cannot create the shard folder (${String((e as Error).message)})`);
  }
  const mine: number[] = [];
  for (let k = i; k < tiling.tiles.length; k += n) mine.push(k);
  const todo: number[] = [];
  let kept = 0;
  for (const k of mine) {
    const { rows } = blockShape(tiling.tiles[k], tiling.perExample);
    let have = false;
    try {
      const old = decodeTile(readFileSync(tileFile(dir, k)));
      have = old !== null && old.header.job === hash && old.header.tile === k && old.header.rows === rows;
    } catch {
      have = false;
    }
    if (have || opts.done?.(k)) kept++;
    else todo.push(k);
  }
  let computed = 0;
  const put = (k: number, block: Float64Array): void => {
    const { rows, cols } = blockShape(tiling.tiles[k], tiling.perExample);
    writeFileAtomic(tileFile(dir, k), encodeTile({ job: hash, tile: k, rows, cols }, block));
    computed++;
    opts.progress?.(computed + kept, mine.length);
  };
  // an ooc tile is one kernelFn call (its own threads); other jobs' tiles go to a pool of threads
  const threads = ooc
    ? (opts.threads ?? 0)
    : Math.min(todo.length, opts.threads ?? (todo.length > 1 ? Math.min(availableParallelism(), 8) : 0));
  if (ooc || threads <= 1) {
    for (const k of todo) put(k, await tiling.block(k));
  } else {
    const pool = new TilePool(data, threads);
    try {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < todo.length) {
          const k = todo[next++];
          put(k, await pool.compute(k));
        }
      };
      await Promise.all(Array.from({ length: threads }, lane));
    } finally {
      await pool.close();
    }
  }
  const manifest: ShardManifest = {
    format: SHARD_FORMAT,
    job: hash,
    version: VERSION,
    shard: i,
    shards: n,
    tileCount: tiling.tiles.length,
    tiles: mine,
    rows: tiling.rows,
    cols: tiling.cols,
    perExample: tiling.perExample,
    spec: data.spec,
  };
  writeJsonAtomic(manifestFile(dir, i, n), manifest);
  return { computed, kept, tiles: mine.length, jobTiles: tiling.tiles.length, threads };
}

/** The shards of one job in a folder, checked (every shard once, one job, one split, every tile listed once). */
export interface CheckedShards {
  readonly dir: string;
  readonly job: string;
  readonly spec: JobSpec;
  readonly shards: number;
  readonly tileCount: number;
  readonly rows: number;
  readonly cols: number;
  readonly perExample: number;
}

/**
 * Read and check the shard manifests in `dir`: ConfigError (exit 2) naming the shard when one is missing,
 * duplicated, of another job or of another split, or a tile is in no manifest or in two.
 */
export function checkShards(dir: string): CheckedShards {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new ConfigError(dir, 'is not a folder (give the shards’ folder)');
    names = readdirSync(dir).filter((f) => /^shard-.*\.json$/.test(f));
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(dir, `cannot read the shards’ folder (${String((e as Error).message)})`);
  }
  names.sort();
  if (names.length === 0)
    throw new ConfigError(dir, 'holds no shard manifests (shard-I-of-N.json): run the --shard i/N jobs first');
  const manifests: { file: string; m: ShardManifest }[] = [];
  for (const f of names) {
    let m: ShardManifest;
    try {
      m = JSON.parse(readFileSync(join(dir, f), 'utf8')) as ShardManifest;
    } catch (e) {
      throw new ConfigError(join(dir, f), `is not a readable shard manifest (${String((e as Error).message)})`);
    }
    if (m.format !== SHARD_FORMAT)
      throw new ConfigError(join(dir, f), `is not a shard manifest of this format (${SHARD_FORMAT})`);
    manifests.push({ file: f, m });
  }
  const first = manifests[0];
  for (const { file, m } of manifests) {
    if (m.job !== first.m.job)
      throw new ConfigError(
        join(dir, file),
        `is of job ${m.job.slice(0, 16)}…, ${first.file} of job ${first.m.job.slice(0, 16)}…: the folder mixes shards of different jobs (architecture, inputs, seed or version differ)`,
      );
    if (m.shards !== first.m.shards)
      throw new ConfigError(
        join(dir, file),
        `is shard ${m.shard}/${m.shards}, ${first.file} is of a split into ${first.m.shards}: the folder mixes two splits of the job`,
      );
  }
  const N = first.m.shards;
  const T = first.m.tileCount;
  const seen = new Map<number, string>();
  for (const { file, m } of manifests) {
    const prev = seen.get(m.shard);
    if (prev !== undefined)
      throw new ConfigError(dir, `shard ${m.shard}/${N} appears twice (${prev} and ${file}); keep one of them`);
    seen.set(m.shard, file);
  }
  const missing: number[] = [];
  for (let i = 0; i < N; i++) if (!seen.has(i)) missing.push(i);
  if (missing.length > 0)
    throw new ConfigError(
      dir,
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${N}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing (no ${basename(manifestFile(dir, missing[0], N))}${missing.length > 1 ? ', …' : ''}): rerun with --shard ${missing[0]}/${N}`,
    );
  const spec = first.m.spec;
  const owner = new Map<number, number>();
  for (const { m } of manifests)
    for (const k of m.tiles) {
      const o = owner.get(k);
      if (o !== undefined)
        throw new ConfigError(dir, `tile ${k} is listed by shard ${o}/${N} and shard ${m.shard}/${N}`);
      owner.set(k, m.shard);
    }
  for (let k = 0; k < T; k++)
    if (!owner.has(k))
      throw new ConfigError(dir, `tile ${k} of ${T} is in no shard’s manifest (shard ${k % N}/${N} should have it)`);
  return {
    dir,
    job: first.m.job,
    spec,
    shards: N,
    tileCount: T,
    rows: first.m.rows,
    cols: first.m.cols,
    perExample: first.m.perExample,
  };
}

/** Shard tile k's block, checked against the manifests (ConfigError naming the file when missing or foreign). */
export function readShardTile(c: CheckedShards, k: number, rows: number, cols: number): Float64Array {
  const path = tileFile(c.dir, k);
  const N = c.shards;
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    throw new ConfigError(path, `is missing: tile ${k} of shard ${k % N}/${N} (rerun that shard)`);
  }
  const tile = decodeTile(buf);
  if (tile === null) throw new ConfigError(path, `is damaged (not a whole tile): rerun shard ${k % N}/${N}`);
  if (tile.header.job !== c.job)
    throw new ConfigError(
      path,
      `is of job ${tile.header.job.slice(0, 16)}…, the shards of job ${c.job.slice(0, 16)}…: rerun shard ${k % N}/${N}`,
    );
  if (tile.header.tile !== k || tile.header.rows !== rows || tile.header.cols !== cols)
    throw new ConfigError(
      path,
      `holds tile ${tile.header.tile} (${tile.header.rows}×${tile.header.cols}), not tile ${k} (${rows}×${cols})`,
    );
  return tile.block;
}

/**
 * Check the shards in `dir` and write the kernel to `out` (float64 .npy, atomically). ConfigError (exit 2) naming
 * the shard or tile when one is missing, duplicated, of another job or another split, or damaged.
 */
export function assemble(
  dir: string,
  out: string,
): { job: string; rows: number; cols: number; tiles: number; shards: number } {
  const c = checkShards(dir);
  const { spec, tileCount: T, shards: N } = c;
  if (spec.kind === 'ooc')
    throw new ConfigError(
      dir,
      'holds the shards of an ntk predict --solver ooc job: run that ntk predict command without --shard (it takes the tiles from here and solves)',
    );
  const R = c.perExample;
  const list = cutTiles(spec.n1, spec.n2, spec.tile, spec.sym);
  if (list.length !== T)
    throw new ConfigError(dir, `the manifests say ${T} tiles, the spec cuts ${list.length}: damaged manifest`);
  const tmp = tempPathFor(resolveTarget(out));
  registerTemp(tmp);
  const file = new KernelFile(tmp, c.rows, c.cols);
  try {
    for (let k = 0; k < T; k++) {
      const t = list[k];
      const { rows, cols } = blockShape(t, R);
      const block = readShardTile(c, k, rows, cols);
      file.put(t, R, block, spec.sym && t.i0 !== t.j0, `tile ${k} (${tileFile(dir, k)})`);
    }
    file.finish(out);
  } catch (e) {
    file.discard();
    throw e;
  } finally {
    releaseTemp(tmp);
  }
  return { job: c.job, rows: c.rows, cols: c.cols, tiles: T, shards: N };
}

// ---------------------------------------------------------------------------------------------------------------
// ntk predict --solver ooc --shard i/N --kernels DIR: the shards go to DIR/shards; the final ntk predict --kernels DIR
// (without --shard) checks them and moves the tiles into the solver's folder DIR/kernel.

/** Where the shards of an ooc job go in its --kernels folder. */
export const oocShardDir = (dir: string): string => join(dir, 'shards');

/** Whether an ooc job's tile k is in the solver's folder already (moved there, or computed by the solver). */
export function oocTileDone(data: JobData, dir: string): (k: number) => boolean {
  const list = oocKernelTiles(data.spec.n1, data.spec.n2, data.spec.tile);
  return (k) => haveTile(oocKernelPath(dir, list[k].name), (list[k].i1 - list[k].i0) * (list[k].j1 - list[k].j0));
}

/**
 * The shards of an ooc job in DIR/shards (null when there are none): checks that they are of `data`'s job (the
 * same inputs, architecture, tile, version), that every shard is there once and that every tile is in DIR/shards or
 * already in DIR/kernel — all before moving any — then moves each tile into DIR/kernel/NAME.bin (the solver's raw
 * float64 file, written atomically; the shard's copy removed after). ConfigError (exit 2) naming the shard or tile.
 */
export function collectOocShards(
  data: JobData,
  dir: string,
): { job: string; shards: number; tiles: number; moved: number; present: number } | null {
  const sdir = oocShardDir(dir);
  let any = false;
  try {
    any = readdirSync(sdir).some((f) => /^shard-.*\.json$/.test(f));
  } catch {
    any = false;
  }
  if (!any) return null;
  const c = checkShards(sdir);
  const h = jobHash(data);
  if (c.job !== h) {
    const mine = data.spec as unknown as Record<string, unknown>;
    const theirs = c.spec as unknown as Record<string, unknown>;
    const diff = Object.keys(mine).filter((k) => JSON.stringify(mine[k]) !== JSON.stringify(theirs[k]));
    throw new ConfigError(
      sdir,
      `holds the shards of job ${c.job.slice(0, 16)}…, this command's job is ${h.slice(0, 16)}… (${diff.length > 0 ? diff.map((k) => `${k}: ${JSON.stringify(theirs[k])} there, ${JSON.stringify(mine[k])} here`).join('; ') : 'the inputs differ'}): run the shards with this command's options, or use another --kernels folder`,
    );
  }
  const list = oocKernelTiles(data.spec.n1, data.spec.n2, data.spec.tile);
  if (list.length !== c.tileCount)
    throw new ConfigError(sdir, `the manifests say ${c.tileCount} tiles, the job has ${list.length}: damaged manifest`);
  const N = c.shards;
  const len = (k: number) => (list[k].i1 - list[k].i0) * (list[k].j1 - list[k].j0);
  const done = oocTileDone(data, dir);
  // first every tile's presence and header (a missing one is named before anything is moved)
  const pending: number[] = [];
  for (let k = 0; k < list.length; k++) {
    const path = tileFile(sdir, k);
    let head: Buffer | null = null;
    let size = -1;
    try {
      const fd = openSync(path, 'r');
      try {
        size = fstatSync(fd).size;
        head = Buffer.alloc(Math.min(size, 4096));
        readSync(fd, head, 0, head.byteLength, 0);
      } finally {
        closeSync(fd);
      }
    } catch {
      head = null;
    }
    if (head === null) {
      if (done(k)) continue;
      throw new ConfigError(
        path,
        `is missing: tile ${k} (${list[k].name}) of shard ${k % N}/${N}, and ${oocKernelPath(dir, list[k].name)} is not there either (rerun --shard ${k % N}/${N})`,
      );
    }
    const t = decodeTileHeader(head);
    if (t === null || t.bytes !== size)
      throw new ConfigError(path, `is damaged (not a whole tile): rerun --shard ${k % N}/${N}`);
    const rows = list[k].i1 - list[k].i0;
    const cols = list[k].j1 - list[k].j0;
    if (t.header.job !== c.job || t.header.tile !== k || t.header.rows !== rows || t.header.cols !== cols)
      throw new ConfigError(
        path,
        `is tile ${t.header.tile} (${t.header.rows}×${t.header.cols}) of job ${t.header.job.slice(0, 16)}…, not tile ${k} (${rows}×${cols}) of job ${c.job.slice(0, 16)}…: rerun --shard ${k % N}/${N}`,
      );
    pending.push(k);
  }
  mkdirSync(join(dir, 'kernel'), { recursive: true });
  for (const k of pending) {
    const t = list[k];
    const block = readShardTile(c, k, t.i1 - t.i0, t.j1 - t.j0);
    if (block.length !== len(k)) throw new ConfigError(tileFile(sdir, k), 'has the wrong size');
    writeFileAtomic(oocKernelPath(dir, t.name), new Uint8Array(block.buffer, block.byteOffset, block.byteLength));
    rmSync(tileFile(sdir, k), { force: true });
  }
  return { job: h, shards: N, tiles: list.length, moved: pending.length, present: list.length - pending.length };
}

function resolveTarget(out: string): string {
  const t = resolveOutputTarget(out);
  if (t.kind !== 'file')
    throw new OutputError(out, 'the assembled kernel is written to a regular file (not a device or -)');
  return t.path;
}
