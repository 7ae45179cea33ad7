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
import { emitSummary, JSON_FLAG } from './summary.js';

export const report: Command = {
  usage:
    'ntk report RUN_DIR [--json]\n\nRe-renders RUN_DIR/figures/*.svg from their specs (figures/*.json) and RUN_DIR/report.html from\nconfig.json and report.json. Writes atomically; prints the report path (--json: a JSON summary, docs/json.md).\n\nexamples (the run folder of the `ntk run --help` example):\n  ntk report runs/spectrum-demo-d5',
  async run(argv) {
    const t0 = performance.now();
    const { positionals, values } = parseArgs({
      args: argv,
      options: { ...JSON_FLAG },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1)
      throw new ConfigError('RUN_DIR', `expected exactly one run folder; got ${positionals.length}`);
    const dir = positionals[0];
    if (!existsSync(join(dir, 'config.json'))) {
      throw new ConfigError('RUN_DIR', `${dir} has no config.json; is it a run folder written by \`ntk run\`?`);
    }
    const figDir = join(dir, 'figures');
    checkOutputPath('RUN_DIR', dir, { kind: 'dir' });
    if (existsSync(figDir)) checkOutputPath('RUN_DIR', figDir, { kind: 'dir' });
    const figures: { flag: string; path: string; holds: string }[] = [];
    if (existsSync(figDir)) {
      for (const f of readdirSync(figDir)
        .filter((x) => x.endsWith('.json'))
        .sort()) {
        // checked on read: a malformed spec is a FormatError naming the file and the field (exit 2)
        const spec = readFigureSpecFile(join(figDir, f));
        const svg = join(figDir, f.replace(/\.json$/, '.svg'));
        writeFileAtomic(svg, renderSvg(spec));
        figures.push({ flag: 'RUN_DIR', path: svg, holds: `figure ${f.replace(/\.json$/, '')}` });
      }
    }
    const html = renderRunReport(dir);
    writeFileAtomic(join(dir, 'report.html'), html);
    const report = join(dir, 'report.html');
    const seconds = (performance.now() - t0) / 1000;
    const outputs = [{ flag: 'RUN_DIR', path: report, holds: 'the HTML report' }, ...figures];
    emitSummary(values.json, { command: 'report', ok: true, seconds, outputs }, [report]);
    return 0;
  },
};
