/** `ntk report RUN_DIR`: re-render RUN_DIR/report.html (and figures/*.svg) from the run folder's files. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { checkOutputPath } from '../io/output.js';
import { renderRunReport } from '../experiments/runner.js';
import { renderSvg } from '../report/svg.js';
import { readFigureSpecFile } from '../report/validate.js';
import type { Command } from './command.js';

export const report: Command = {
  usage:
    'ntk report RUN_DIR\n\nRe-renders RUN_DIR/figures/*.svg from their specs (figures/*.json) and RUN_DIR/report.html from\nconfig.json and report.json. Writes atomically; prints the report path.',
  async run(argv) {
    const { positionals } = parseArgs({ args: argv, options: {}, allowPositionals: true, strict: true });
    if (positionals.length !== 1)
      throw new ConfigError('RUN_DIR', `expected exactly one run folder; got ${positionals.length}`);
    const dir = positionals[0];
    if (!existsSync(join(dir, 'config.json'))) {
      throw new ConfigError('RUN_DIR', `${dir} has no config.json; is it a run folder written by \`ntk run\`?`);
    }
    const figDir = join(dir, 'figures');
    checkOutputPath('RUN_DIR', dir, { kind: 'dir' });
    if (existsSync(figDir)) checkOutputPath('RUN_DIR', figDir, { kind: 'dir' });
    if (existsSync(figDir)) {
      for (const f of readdirSync(figDir)
        .filter((x) => x.endsWith('.json'))
        .sort()) {
        // checked on read: a malformed spec is a FormatError naming the file and the field (exit 2)
        const spec = readFigureSpecFile(join(figDir, f));
        writeFileAtomic(join(figDir, f.replace(/\.json$/, '.svg')), renderSvg(spec));
      }
    }
    const html = renderRunReport(dir);
    writeFileAtomic(join(dir, 'report.html'), html);
    process.stdout.write(`${join(dir, 'report.html')}\n`);
    return 0;
  },
};
