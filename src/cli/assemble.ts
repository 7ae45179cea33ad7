/** `ntk assemble DIR --out K.npy`: the kernel from the shards of `ntk kernel|empirical … --shard i/N --out DIR`. */
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { assemble as assembleShards } from '../distributed/shard.js';
import { checkOutputPath } from '../io/output.js';
import type { Command } from './command.js';
import { emitSummary, JSON_FLAG } from './summary.js';

const USAGE = `ntk assemble DIR --out K.npy [--json]

Checks the shards that \`ntk kernel|empirical … --shard i/N --out DIR\` wrote (one job hash, one split, every shard
and every tile present exactly once) and writes the kernel: a plain float64 .npy, byte-identical to the one the
same command writes on one machine (docs/distributed.md). A missing, duplicated or foreign shard or tile is named
(exit 2).
  --out K.npy   the kernel, written atomically
  --json        the summary as JSON on stdout (docs/json.md)`;

export const assemble: Command = {
  usage: USAGE,
  async run(argv) {
    const { values: o, positionals } = parseArgs({
      args: argv,
      options: { out: { type: 'string' }, ...JSON_FLAG },
      allowPositionals: true,
    });
    if (positionals.length !== 1)
      throw new ConfigError('DIR', `give one shards' folder (ntk assemble DIR --out K.npy); got ${positionals.length}`);
    if (o.out === undefined) throw new ConfigError('--out', 'is required (the kernel .npy path)');
    checkOutputPath('--out', o.out, { kind: 'file', binary: true });
    const t0 = performance.now();
    const r = assembleShards(positionals[0], o.out);
    const seconds = (performance.now() - t0) / 1000;
    emitSummary(
      o.json,
      {
        command: 'assemble',
        ok: true,
        seconds,
        outputs: [
          {
            flag: '--out',
            path: o.out,
            shape: [r.rows, r.cols],
            holds: `${r.rows}×${r.cols} kernel of job ${r.job.slice(0, 16)}… from ${r.tiles} tiles of ${r.shards} shards`,
          },
        ],
        job: r.job,
        tiles: r.tiles,
        shards: r.shards,
      },
      [`${r.rows}×${r.cols} kernel from ${r.tiles} tiles of ${r.shards} shards in ${seconds.toFixed(2)} s → ${o.out}`],
    );
    return 0;
  },
};
