/** `ntk compare RUN_A RUN_B … [--out FILE]`: one HTML report putting preset run folders side by side. */
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../io/atomic.js';
import { checkOutputPath } from '../io/output.js';
import { renderCompareReport } from '../experiments/compare.js';
import type { Command } from './command.js';

export const compare: Command = {
  usage: [
    'ntk compare RUN_A RUN_B [RUN_C …] [--out FILE]',
    '',
    'One self-contained HTML report putting run folders of one preset side by side (different settings, seeds',
    'or ntk-lab versions): the settings that differ, each paper claim’s verdict and measurement per run, and every',
    'figure of every run in one row. Prints the report path.',
    '',
    '  --out FILE   where to write the report (default compare.html)',
    '',
    'Exit codes: 0 ok (written); 2 bad input (fewer than two folders, not a finished run folder, different presets).',
  ].join('\n'),
  async run(argv) {
    const { positionals, values } = parseArgs({
      args: argv,
      options: { out: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    const out = values.out ?? 'compare.html';
    checkOutputPath('--out', out, { kind: 'file' });
    const html = renderCompareReport(positionals);
    writeFileAtomic(out, html);
    process.stdout.write(`${out}\n`);
    return 0;
  },
};
