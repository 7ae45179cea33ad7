/** `ntk compare RUN_A RUN_B … [--out FILE]`: one HTML report putting preset run folders side by side. */
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../io/atomic.js';
import { checkOutputPath } from '../io/output.js';
import { renderCompareReport } from '../experiments/compare.js';
import type { Command } from './command.js';
import { checkJsonStdout, emitSummary, JSON_FLAG } from './summary.js';

export const compare: Command = {
  usage: [
    'ntk compare RUN_A RUN_B [RUN_C …] [--out FILE] [--json]',
    '',
    'One self-contained HTML report putting run folders of one preset side by side (different settings, seeds',
    'or ntk-lab versions): the settings that differ, each paper claim’s verdict and measurement per run, and every',
    'figure of every run in one row. Prints the report path.',
    '',
    '  --out FILE   where to write the report (default compare.html)',
    '  --json       the summary as JSON on stdout instead of the path (docs/json.md)',
    '',
    'Exit codes: 0 ok (written); 2 bad input (fewer than two folders, not a finished run folder, different presets).',
  ].join('\n'),
  async run(argv) {
    const { positionals, values } = parseArgs({
      args: argv,
      options: { out: { type: 'string' }, ...JSON_FLAG },
      allowPositionals: true,
      strict: true,
    });
    const t0 = performance.now();
    const out = values.out ?? 'compare.html';
    checkOutputPath('--out', out, { kind: 'file' });
    checkJsonStdout(values.json, [out]);
    const html = renderCompareReport(positionals);
    writeFileAtomic(out, html);
    emitSummary(
      values.json,
      {
        command: 'compare',
        ok: true,
        seconds: (performance.now() - t0) / 1000,
        outputs: [{ flag: '--out', path: out, holds: `HTML report comparing ${positionals.length} runs` }],
        runs: positionals,
      },
      [out],
    );
    return 0;
  },
};
