/**
 * `ntk run <config.json|config.yaml|preset-name> [--out DIR] [--quick] [--set key=value]… [--cache DIR]`: validate
 * the config (before any computation), run the preset, write the run folder. Exit codes: 0 ok, 2 bad input,
 * 130 interrupted by SIGINT or SIGTERM (finished units are cached; the same command resumes).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { InterruptedError } from '../experiments/cache.js';
import { runExperiment } from '../experiments/runner.js';
import { checkOutputs } from '../io/output.js';
import type { Command } from './command.js';
import { emitSummary, JSON_FLAG } from './summary.js';

const USAGE = `ntk run <config.json|config.yaml|preset-name> [options]

Runs an experiment and writes its run folder: config.json (resolved config, version, seed, backend,
OpenBLAS core, timestamps), metrics.jsonl, results/*.json, figures/*.svg, report.html.
The config is validated completely before anything is computed. Units of work are cached by content
hash, so re-running (or extending a sweep) reuses them and an interrupted run resumes.

options:
  --out DIR          run folder (default runs/<name>, or runs/<name>-quick with --quick)
  --quick            apply the preset's (and the config's) quick overrides: small sizes, seconds
  --set key=value    override one config field (repeatable); the fields each preset reads: docs/presets.md
                     --set data=SPEC runs the preset on your own data (any dataset spec: npy:x=X.npy:y=y.npy,
                     csv:path=FILE, iris, …), checked against what the preset needs before any work; n is capped
                     by the preset's size (docs/presets.md, "Your own data")
  --cache DIR        shared cache folder (default <out>/cache)
  --json             print the summary (run folder, results, figures, cache use, time) as JSON on stdout

examples:
  ntk run spectrum-demo --quick --set params.dim=5 --set 'sweep.n=[100,200]' --out runs/spectrum-demo-d5
  ntk run examples/label-alignment.yaml --quick --out runs/label-alignment-quick
  ntk run min-eigenvalue --quick --set data=iris --out runs/min-eigenvalue-iris

The run folder is locked while the run is in progress: a second run on it is refused (exit 2).
Presets: ntk list.   Exit codes: 0 ok, 2 bad input, 130 interrupted by Ctrl-C or SIGTERM (run the same
command to resume).`;

export const run: Command = {
  usage: USAGE,
  async run(argv) {
    const { values: o, positionals } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        quick: { type: 'boolean', default: false },
        set: { type: 'string', multiple: true },
        cache: { type: 'string' },
        ...JSON_FLAG,
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1) {
      throw new ConfigError(
        '<config>',
        `expected exactly one config file or preset name; got ${positionals.length} (${positionals.join(' ')})`,
      );
    }
    checkOutputs([
      { flag: '--out', path: o.out, kind: 'dir' },
      { flag: '--cache', path: o.cache, kind: 'dir' },
    ]);
    try {
      const summary = await runExperiment(positionals[0], {
        outDir: o.out,
        quick: o.quick,
        sets: o.set ?? [],
        cacheDir: o.cache,
        handleSigint: true,
        command: ['ntk', 'run', ...argv].join(' '),
      });
      emitSummary(
        o.json,
        {
          command: 'run',
          ok: true,
          seconds: summary.seconds,
          outputs: [{ flag: '--out', path: join(summary.outDir, 'report.html'), holds: 'the HTML report' }],
          outDir: summary.outDir,
          cacheDir: summary.cacheDir,
          results: summary.results,
          figures: summary.figures,
          cache: summary.cache,
        },
        [
          `${summary.outDir}/report.html`,
          `done in ${summary.seconds.toFixed(1)} s: ${summary.results.length} results, ${summary.figures.length} figures; ` +
            `cache: ${summary.cache.hits} unit(s) reused, ${summary.cache.computed} computed`,
        ],
      );
      return 0;
    } catch (e) {
      if (e instanceof InterruptedError) {
        process.stderr.write(`ntk run: ${e.message}\n`);
        return 130;
      }
      throw e;
    }
  },
};
