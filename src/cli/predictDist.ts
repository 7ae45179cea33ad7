/**
 * `ntk predict --solver ooc` with its kernels phase on other machines (docs/predict-scale.md, docs/distributed.md):
 *   --queue URL     the train–train and test–train tiles are queue jobs that `ntk worker`s compute; each finished
 *                   tile is written into the --kernels folder as the solver's own tile file; then the solve;
 *   --shard i/N     only shard i's tiles, into --kernels DIR/shards (no solve: a Slurm array task each);
 *   (neither)       shards found in DIR/shards are checked (one job, every shard and tile present) and moved into
 *                   the solver's folder, then the solver runs as on one machine (it finds the tiles and skips them).
 * The tiles are the solver's (oocKernelTiles) and each is the solver's kernelFn call (src/distributed/oocJob.ts),
 * so the predictions have the same bytes as a single-machine run.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { maxWorkers } from '../analytic/kernelFn.js';
import type { JobData } from '../distributed/job.js';
import { collectOocShards, oocShardDir, oocTileDone } from '../distributed/shard.js';
import { ConfigError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { checkOocManifest, oocManifest, oocTileSize } from '../predict/outOfCore.js';
import { type DistributedInfo, distMode, jobData, queueRun, shardRun, tilesPerJob } from './distributed.js';
import { loadTrainTest } from './inputs.js';
import { predictOoc, type PredictOocOptions } from './predictOoc.js';
import { emitSummary, type OutputFile } from './summary.js';

export interface PredictOocRunOptions extends PredictOocOptions {
  readonly shard?: string;
  readonly queue?: string;
  readonly tilesPerJob?: string;
  readonly json?: boolean;
}

/** --tile B and --workers N of the ooc path (ConfigError naming the flag). */
export function oocNumbers(o: { tile?: string; workers?: string }): { tile?: number; workers?: number } {
  const int = (flag: string, s: string | undefined, min: number, max: number): number | undefined => {
    if (s === undefined) return undefined;
    const v = Number(s);
    if (s.trim() === '' || !Number.isSafeInteger(v) || v < min || v > max)
      throw new ConfigError(flag, `must be an integer in [${min}, ${max}]; got '${s}'`);
    return v;
  };
  const tile = int('--tile', o.tile, 1, Number.MAX_SAFE_INTEGER);
  const workers = int('--workers', o.workers, 0, maxWorkers());
  return { ...(tile !== undefined ? { tile } : {}), ...(workers !== undefined ? { workers } : {}) };
}

/** The ooc job of a problem (its inputs and the solver's tile size), after checking the folder's manifest. */
function oocJob(o: PredictOocOptions): { data: JobData; n: number; m: number; sets: ReturnType<typeof loadTrainTest> } {
  const sets = loadTrainTest(o.train, o.test);
  const { train, test } = sets;
  const get = o.get ?? 'nngp';
  const tile = oocTileSize(train.X.rows, o.tile);
  const inputShape = [train.X.cols];
  const manifest = oocManifest({
    arch: o.arch,
    inputShape,
    get,
    ...(o.param ? { param: o.param } : {}),
    xTrain: train.X,
    yTrain: train.targets,
    xTest: test.X,
    tile,
  });
  try {
    checkOocManifest(o.kernels, manifest);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError('--kernels', e.message);
    throw e;
  }
  // the folder says what its tiles are of before any tile is there (shards running at once write the same bytes)
  mkdirSync(o.kernels, { recursive: true });
  if (!existsSync(join(o.kernels, 'manifest.json'))) writeJsonAtomic(join(o.kernels, 'manifest.json'), manifest);
  const data = jobData(
    {
      kind: 'ooc',
      arch: o.arch,
      inputShape,
      param: o.param ?? 'ntk',
      get,
      outputs: 'trace',
      perPosition: false,
      seed: null,
      implementation: null,
    },
    tile,
    train.X,
    test.X,
    undefined,
  );
  return { data, n: train.X.rows, m: test.X.rows, sets };
}

/** `ntk predict --solver ooc` (with --shard, --queue, or shards to collect): the command's run after its checks. */
export async function predictOocRun(o: PredictOocRunOptions): Promise<number> {
  const t0 = performance.now();
  // --shard's i/N, --queue's URL, --tiles-per-job (with --queue only): checked before the work
  distMode({
    ...(o.shard !== undefined ? { shard: o.shard } : {}),
    ...(o.queue !== undefined ? { queue: o.queue } : {}),
    ...(o.tilesPerJob !== undefined ? { 'tiles-per-job': o.tilesPerJob } : {}),
  });
  if (o.queue !== undefined) (await import('../distributed/queue.js')).parseQueueUrl('--queue', o.queue);
  const group = tilesPerJob(o.tilesPerJob);
  let distributed: DistributedInfo | null = null;
  let sets: ReturnType<typeof loadTrainTest> | undefined; // loaded once, for the job and the solve
  const files: OutputFile[] = [];
  if (o.shard !== undefined || o.queue !== undefined) {
    const job = oocJob(o);
    const { data, n, m } = job;
    sets = job.sets;
    if (o.shard !== undefined) {
      const dir = oocShardDir(o.kernels);
      const r = await shardRun(o.shard, data, dir, o.workers, oocTileDone(data, o.kernels));
      emitSummary(
        o.json,
        {
          command: 'predict',
          ok: true,
          seconds: (performance.now() - t0) / 1000,
          outputs: [
            {
              flag: '--kernels',
              path: dir,
              holds: `shard ${r.info.shard}/${r.info.shards}: ${r.info.shardTiles} of the ${r.info.tiles} kernel tiles (n = ${n}, m = ${m}, tile ${data.spec.tile}); then run this command without --shard`,
            },
          ],
          solver: 'ooc',
          n,
          m,
          distributed: r.info,
        },
        [r.line],
      );
      return 0;
    }
    distributed = (await queueRun(o.queue as string, data, join(o.kernels, 'kernel'), group, { dir: o.kernels })).info;
  } else if (existsSync(oocShardDir(o.kernels))) {
    const job = oocJob(o);
    const { data } = job;
    sets = job.sets;
    const c = collectOocShards(data, o.kernels);
    if (c) {
      (o.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(
        `ntk predict (ooc): ${c.tiles} kernel tiles from ${c.shards} shards (${c.moved} moved into ${join(o.kernels, 'kernel')}${c.present ? `, ${c.present} there already` : ''})`,
      );
      distributed = { mode: 'shard', job: c.job, tiles: c.tiles, computed: 0, kept: c.tiles, shards: c.shards };
    }
  }
  const summary = await predictOoc(o, sets);
  const acc = typeof summary.accuracy === 'number' ? `, accuracy ${(100 * summary.accuracy).toFixed(2)}%` : '';
  const { seconds: phases, solver: method, ...fields } = summary;
  files.push(
    { flag: '--out', path: join(o.out, 'predictions.npy'), holds: `predictions K_*·α of the ${summary.m} test points` },
    { flag: '--out', path: join(o.out, 'alpha.npy'), holds: `α = (K + ρI)⁻¹Y of the ${summary.n} training points` },
    { flag: '--out', path: join(o.out, 'summary.json'), holds: 'metrics, ridge, residuals, seconds per phase' },
  );
  emitSummary(
    o.json,
    {
      command: 'predict',
      ok: true,
      seconds: (performance.now() - t0) / 1000,
      outputs: files,
      ...fields,
      solver: 'ooc',
      method,
      phaseSeconds: phases,
      ...(distributed ? { distributed } : {}),
    },
    [
      `ntk predict (ooc): n = ${summary.n}, m = ${summary.m}${acc}, relative residual ${(summary.residuals as number[]).at(-1)?.toExponential(2)} → ${o.out}`,
    ],
  );
  return 0;
}
