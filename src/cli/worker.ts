/** `ntk worker --queue redis://HOST:PORT[/DB]`: compute kernel tiles for `ntk kernel|empirical --queue` coordinators. */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import type { Command } from './command.js';
import { emitSummary, JSON_FLAG } from './summary.js';

const USAGE = `ntk worker --queue redis://HOST:PORT[/DB] [--threads N] [--lock-ms MS] [--json]

Pulls kernel tiles from the Redis queue that \`ntk kernel|empirical … --queue URL\` coordinators fill and computes
them on its own worker threads (docs/distributed.md). Before a job's first tile it checks that the job was
published by its own ntk-lab version and that what it received hashes to the job's hash; otherwise it refuses the
job (JobMismatchError, shown by the coordinator). Runs until SIGINT/SIGTERM (finishes its running tiles first).
  --queue URL     the Redis server (as the coordinator's --queue)
  --threads N     tiles computed at once, one thread each (default: the cores, ${availableParallelism()} here)
  --lock-ms MS    BullMQ lock duration: a worker that dies loses its tiles to others after about MS to 2·MS
                  (default 30000)
  --json          the log lines go to stderr, and on stopping a summary (tiles computed and refused) is one JSON
                  object on stdout (docs/json.md)`;

export const worker: Command = {
  usage: USAGE,
  async run(argv) {
    const { values: o } = parseArgs({
      args: argv,
      options: { queue: { type: 'string' }, threads: { type: 'string' }, 'lock-ms': { type: 'string' }, ...JSON_FLAG },
    });
    if (o.queue === undefined) throw new ConfigError('--queue', 'is required (redis://HOST:PORT[/DB])');
    const int = (flag: string, s: string | undefined, min: number, dflt: number): number => {
      if (s === undefined) return dflt;
      const v = Number(s);
      if (s.trim() === '' || !Number.isSafeInteger(v) || v < min)
        throw new ConfigError(flag, `must be an integer ≥ ${min}; got '${s}'`);
      return v;
    };
    const threads = int('--threads', o.threads, 1, availableParallelism());
    const lockMs = int('--lock-ms', o['lock-ms'], 500, 30_000);
    const { parseQueueUrl, work } = await import('../distributed/queue.js');
    parseQueueUrl('--queue', o.queue);
    const stop = new AbortController();
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => stop.abort());
    const t0 = performance.now();
    const log = (line: string) => (o.json ? process.stderr : process.stdout).write(`${line}\n`);
    const done = await work(o.queue, { threads, lockMs, log }, stop.signal);
    emitSummary(
      o.json,
      {
        command: 'worker',
        ok: true,
        seconds: (performance.now() - t0) / 1000,
        outputs: [],
        queue: o.queue,
        threads,
        ...done,
      },
      [`ntk worker: stopped after ${done.tiles} tiles${done.refused ? ` (${done.refused} refused)` : ''}`],
    );
    return 0;
  },
};
