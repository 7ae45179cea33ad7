/** `--shard i/N` and `--queue URL` of `ntk kernel` and `ntk empirical` (src/distributed, docs/distributed.md). */
import { ConfigError } from '../errors.js';
import type { Matrix } from '../linalg/matrix.js';
import { JOB_FORMAT, type JobData, type JobSpec, jobHash } from '../distributed/job.js';
import { parseShard, runShard } from '../distributed/shard.js';
import { VERSION } from '../version.js';

export const DIST_OPTIONS = {
  shard: { type: 'string' },
  queue: { type: 'string' },
} as const;

/** Which distributed mode the options ask for (null: one machine); both at once is refused. */
export function distMode(o: { shard?: string; queue?: string }): '--shard' | '--queue' | null {
  if (o.shard !== undefined && o.queue !== undefined)
    throw new ConfigError('--shard/--queue', 'give one of them: shards run without a server, --queue with one');
  return o.shard !== undefined ? '--shard' : o.queue !== undefined ? '--queue' : null;
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

/** Run the job as one shard (--shard) or as the queue's coordinator (--queue). */
export async function runDistributed(
  o: { shard?: string; queue?: string; workers?: string },
  data: JobData,
  out: string,
): Promise<number> {
  if (o.shard !== undefined) {
    const [i, n] = parseShard('--shard', o.shard);
    const t0 = performance.now();
    const r = runShard(data, i, n, out);
    const secs = (performance.now() - t0) / 1000;
    process.stdout.write(
      `shard ${i}/${n} of job ${jobHash(data).slice(0, 16)}…: ${r.computed} tiles computed${r.kept ? `, ${r.kept} already there` : ''} in ${secs.toFixed(2)} s → ${out}\n`,
    );
    return 0;
  }
  const { coordinate } = await import('../distributed/queue.js');
  await coordinate(o.queue as string, data, out, (line) => process.stderr.write(`${line}\n`));
  return 0;
}
