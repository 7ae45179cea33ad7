/** `--shard i/N` and `--queue URL` of `ntk kernel`, `ntk empirical` and `ntk predict --solver ooc` (docs/distributed.md). */
import { ConfigError } from '../errors.js';
import type { Matrix } from '../linalg/matrix.js';
import { JOB_FORMAT, type JobData, type JobSpec, jobHash } from '../distributed/job.js';
import { parseShard, runShard } from '../distributed/shard.js';
import { VERSION } from '../version.js';
import { emitSummary, type OutputFile } from './summary.js';

export const DIST_OPTIONS = {
  shard: { type: 'string' },
  queue: { type: 'string' },
  'tiles-per-job': { type: 'string' },
} as const;

/** Which distributed mode the options ask for (null: one machine); both at once is refused. */
export function distMode(o: {
  shard?: string;
  queue?: string;
  'tiles-per-job'?: string;
}): '--shard' | '--queue' | null {
  if (o.shard !== undefined && o.queue !== undefined)
    throw new ConfigError('--shard/--queue', 'give one of them: shards run without a server, --queue with one');
  if (o['tiles-per-job'] !== undefined && o.queue === undefined)
    throw new ConfigError('--tiles-per-job', 'groups the tiles of --queue jobs: give --queue redis://HOST:PORT');
  tilesPerJob(o['tiles-per-job']);
  if (o.shard !== undefined) parseShard('--shard', o.shard);
  return o.shard !== undefined ? '--shard' : o.queue !== undefined ? '--queue' : null;
}

/** --tiles-per-job G|auto (undefined: auto, the coordinator's default). */
export function tilesPerJob(text: string | undefined): number | undefined {
  if (text === undefined || text === 'auto') return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(v) || v < 1 || v > 10_000)
    throw new ConfigError('--tiles-per-job', `must be auto or an integer in [1, 10000]; got '${text}'`);
  return v;
}

type SpecFields = Pick<
  JobSpec,
  'kind' | 'arch' | 'inputShape' | 'param' | 'get' | 'outputs' | 'perPosition' | 'seed' | 'implementation'
>;

/** The job a command describes: its spec (with the tile size the single-machine code uses) and inputs. */
export function jobData(
  f: SpecFields,
  tile: number,
  X: Matrix,
  X2: Matrix | null,
  adjacency: Matrix | undefined,
): JobData {
  const spec: JobSpec = {
    format: JOB_FORMAT,
    version: VERSION,
    ...f,
    inputShape: [...f.inputShape],
    tile,
    n1: X.rows,
    n2: X2 === null ? X.rows : X2.rows,
    d: X.cols,
    sym: X2 === null,
    adjacency: adjacency ? adjacency.rows : null,
  };
  return { spec, x1: X.data, x2: X2 === null ? null : X2.data, adjacency: adjacency ? adjacency.data : null };
}

/** What `--json` says about a --shard or --queue run (schemas/ntk-json.schema.json $defs.distributedInfo). */
export interface DistributedInfo {
  readonly mode: 'shard' | 'queue';
  readonly job: string;
  /** tiles of the whole job */
  readonly tiles: number;
  /** tiles computed by this run (a shard: by this process; the queue: by the workers) */
  readonly computed: number;
  /** tiles found done from an earlier run */
  readonly kept: number;
  readonly shard?: number;
  readonly shards?: number;
  /** this shard's tiles */
  readonly shardTiles?: number;
  readonly threads?: number;
  readonly tilesPerJob?: number;
  /** queue: per-tile medians (ms) */
  readonly perTile?: { readonly computeMs: number; readonly latencyMs: number; readonly overheadMs: number };
}

/** Run a shard (its tiles into `dir`); the summary line and the DistributedInfo. */
export async function shardRun(
  spec: string,
  data: JobData,
  dir: string,
  threads: number | undefined,
  done?: (k: number) => boolean,
): Promise<{ info: DistributedInfo; line: string; seconds: number }> {
  const [i, n] = parseShard('--shard', spec);
  const t0 = performance.now();
  const r = await runShard(data, i, n, dir, {
    ...(threads !== undefined ? { threads } : {}),
    ...(done ? { done } : {}),
  });
  const seconds = (performance.now() - t0) / 1000;
  const h = jobHash(data);
  return {
    seconds,
    info: {
      mode: 'shard',
      job: h,
      tiles: r.jobTiles,
      computed: r.computed,
      kept: r.kept,
      shard: i,
      shards: n,
      shardTiles: r.tiles,
      threads: r.threads,
    },
    line: `shard ${i}/${n} of job ${h.slice(0, 16)}…: ${r.computed} tiles computed${r.kept ? `, ${r.kept} already there` : ''} in ${seconds.toFixed(2)} s → ${dir}`,
  };
}

/** Coordinate a job on the queue (`sink`: where its tiles go; default the kernel .npy `out`). */
export async function queueRun(
  url: string,
  data: JobData,
  out: string,
  group: number | undefined,
  ooc?: { readonly dir: string },
): Promise<{ info: DistributedInfo; seconds: number }> {
  const { coordinate, coordinateInto } = await import('../distributed/queue.js');
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const opts = group !== undefined ? { tilesPerJob: group } : {};
  let r;
  if (ooc) {
    const { oocSink } = await import('../distributed/oocJob.js');
    r = await coordinateInto(url, data, oocSink(data, ooc.dir), out, say, opts);
  } else r = await coordinate(url, data, out, say, opts);
  return {
    seconds: r.seconds,
    info: {
      mode: 'queue',
      job: jobHash(data),
      tiles: r.tiles,
      computed: r.computed,
      kept: r.resumed,
      tilesPerJob: r.tilesPerJob,
      perTile: r.perTile,
    },
  };
}

/**
 * Run a kernel job as one shard (--shard) or as the queue's coordinator (--queue), then print the summary (--json:
 * `base` — the command's kernel, network and inputs — with `outputs` and `distributed`).
 */
export async function runDistributed(
  o: { shard?: string; queue?: string; workers?: string; 'tiles-per-job'?: string; json?: boolean },
  data: JobData,
  out: string,
  base: { readonly command: string; readonly holds: string; readonly [key: string]: unknown },
): Promise<number> {
  const { command, holds, ...rest } = base;
  let info: DistributedInfo;
  let seconds: number;
  let human: string[];
  let files: OutputFile[];
  if (o.shard !== undefined) {
    const threads = o.workers === undefined ? undefined : Number(o.workers);
    const r = await shardRun(o.shard, data, out, threads);
    ({ info, seconds } = r);
    human = [r.line];
    files = [
      {
        flag: '--out',
        path: out,
        holds: `shard ${info.shard}/${info.shards}: ${info.shardTiles} of the ${info.tiles} tiles of ${holds} (ntk assemble ${out} --out K.npy)`,
      },
    ];
  } else {
    const r = await queueRun(o.queue as string, data, out, tilesPerJob(o['tiles-per-job']));
    ({ info, seconds } = r);
    human = [];
    const { rows, cols } = rest.kernel as { rows: number; cols: number };
    files = [{ flag: '--out', path: out, shape: [rows, cols], holds }];
  }
  emitSummary(o.json, { command, ok: true, seconds, outputs: files, ...rest, distributed: info }, human);
  return 0;
}
