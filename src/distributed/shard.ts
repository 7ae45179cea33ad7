/**
 * Shards without a server (Slurm job arrays over a shared file system, docs/distributed.md):
 * `ntk kernel|empirical … --shard i/N --out DIR` computes the tiles k with k mod N = i into DIR/tile-k.bin and then
 * writes DIR/shard-i-of-N.json (the job hash, spec and the tiles it wrote); `ntk assemble DIR --out K.npy` checks
 * that the manifests are of one job and one split, that every shard and every tile is there exactly once, and
 * writes the kernel.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError, OutputError } from '../errors.js';
import { resolveOutputTarget, tempPathFor, writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { registerTemp, releaseTemp } from '../io/tempfiles.js';
import { VERSION } from '../version.js';
import { type JobData, type JobSpec, blockShape, decodeTile, encodeTile, jobHash, openTiling } from './job.js';
import { KernelFile } from './kernelFile.js';
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

/**
 * Compute shard i of N of a job into `dir` (created). Tiles already in `dir` from the same job are kept (a
 * requeued array task continues). Returns the number of tiles computed and kept.
 */
export function runShard(
  data: JobData,
  i: number,
  n: number,
  dir: string,
  progress?: (done: number, total: number) => void,
): { computed: number; kept: number; tiles: number } {
  const hash = jobHash(data);
  const tiling = openTiling(data);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new OutputError(dir, `cannot create the shard folder (${String((e as Error).message)})`);
  }
  const mine: number[] = [];
  for (let k = i; k < tiling.tiles.length; k += n) mine.push(k);
  let computed = 0;
  let kept = 0;
  for (const k of mine) {
    const path = tileFile(dir, k);
    const { rows, cols } = blockShape(tiling.tiles[k], tiling.perExample);
    let have = false;
    try {
      const old = decodeTile(readFileSync(path));
      have = old !== null && old.header.job === hash && old.header.tile === k && old.header.rows === rows;
    } catch {
      have = false;
    }
    if (have) kept++;
    else {
      writeFileAtomic(path, encodeTile({ job: hash, tile: k, rows, cols }, tiling.block(k)));
      computed++;
    }
    progress?.(computed + kept, mine.length);
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
  return { computed, kept, tiles: mine.length };
}

/**
 * Check the shards in `dir` and write the kernel to `out` (float64 .npy, atomically). ConfigError (exit 2) naming
 * the shard or tile when one is missing, duplicated, of another job or another split, or damaged.
 */
export function assemble(dir: string, out: string): { rows: number; cols: number; tiles: number; shards: number } {
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
  const R = first.m.perExample;
  const list = cutTiles(spec.n1, spec.n2, spec.tile, spec.sym);
  if (list.length !== T)
    throw new ConfigError(dir, `the manifests say ${T} tiles, the spec cuts ${list.length}: damaged manifest`);
  const tmp = tempPathFor(resolveTarget(out));
  registerTemp(tmp);
  const file = new KernelFile(tmp, first.m.rows, first.m.cols);
  try {
    for (let k = 0; k < T; k++) {
      const path = tileFile(dir, k);
      const t = list[k];
      const { rows, cols } = blockShape(t, R);
      let buf: Buffer;
      try {
        buf = readFileSync(path);
      } catch {
        throw new ConfigError(path, `is missing: tile ${k} of shard ${k % N}/${N} (rerun that shard)`);
      }
      const tile = decodeTile(buf);
      if (tile === null) throw new ConfigError(path, `is damaged (not a whole tile): rerun shard ${k % N}/${N}`);
      if (tile.header.job !== first.m.job)
        throw new ConfigError(
          path,
          `is of job ${tile.header.job.slice(0, 16)}…, the shards of job ${first.m.job.slice(0, 16)}…: rerun shard ${k % N}/${N}`,
        );
      if (tile.header.tile !== k || tile.header.rows !== rows || tile.header.cols !== cols)
        throw new ConfigError(
          path,
          `holds tile ${tile.header.tile} (${tile.header.rows}×${tile.header.cols}), not tile ${k} (${rows}×${cols})`,
        );
      file.put(t, R, tile.block, spec.sym && t.i0 !== t.j0, `tile ${k} (${path})`);
    }
    file.finish(out);
  } catch (e) {
    file.discard();
    throw e;
  } finally {
    releaseTemp(tmp);
  }
  return { rows: first.m.rows, cols: first.m.cols, tiles: T, shards: N };
}

function resolveTarget(out: string): string {
  const t = resolveOutputTarget(out);
  if (t.kind !== 'file')
    throw new OutputError(out, 'the assembled kernel is written to a regular file (not a device or -)');
  return t.path;
}
