/**
 * `ntk report DIR [--png] [--pdf]`: re-render DIR/report.html (and figures/*.svg) from the folder's files — a preset
 * run folder (`ntk run`) or a training folder (`ntk train`) — and, on request, each figure as PNG and PDF beside its
 * SVG.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { checkOutputPath } from '../io/output.js';
import { runFolderKind } from '../io/runFolder.js';
import { renderRunReport } from '../experiments/runner.js';
import { renderTrainReport } from '../experiments/trainReport.js';
import { svgToPdf, svgToPng } from '../report/export.js';
import { renderSvg } from '../report/svg.js';
import { readFigureSpecFile } from '../report/validate.js';
import type { Command } from './command.js';
import { emitSummary, JSON_FLAG } from './summary.js';

export const report: Command = {
  usage: [
    'ntk report DIR [--png] [--pdf] [--json]',
    '',
    'Re-renders DIR/report.html from the folder and prints its path. DIR is a run folder written by `ntk run`',
    '(figures/*.svg are re-rendered from their specs figures/*.json, the report from config.json and report.json)',
    'or a training folder written by `ntk train` (the report and figures/ are made from config.json,',
    'metrics.jsonl and summary.json). Writes atomically.',
    '',
    '  --png   also write each figure as figures/<name>.png (2×, for slides and papers)',
    '  --pdf   also write each figure as figures/<name>.pdf (vector, fonts embedded)',
    '  --json  print a JSON summary instead of the report path (docs/json.md)',
    '',
    'examples (the run folder of the `ntk run --help` example):',
    '  ntk report runs/spectrum-demo-d5',
    '',
    'Exit codes: 0 ok (written); 2 bad input (not a run or training folder, a malformed file: the message names it).',
  ].join('\n'),
  async run(argv) {
    const t0 = performance.now();
    const { positionals, values } = parseArgs({
      args: argv,
      options: { png: { type: 'boolean' }, pdf: { type: 'boolean' }, ...JSON_FLAG },
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
    const kind = runFolderKind(dir);
    if (kind === null)
      throw new ConfigError(
        'RUN_DIR',
        `${dir}/config.json is neither a run's (\`ntk run\`: a preset) nor a training run's (\`ntk train\`)`,
      );
    const svgs: [string, string][] = [];
    let html: string;
    if (kind.kind === 'train') {
      const r = renderTrainReport(dir);
      mkdirSync(figDir, { recursive: true });
      for (const [name, f] of r.figures) {
        writeJsonAtomic(join(figDir, `${name}.json`), f.spec);
        svgs.push([name, renderSvg(f.spec)]);
      }
      html = r.html;
    } else {
      if (existsSync(figDir)) {
        for (const f of readdirSync(figDir)
          .filter((x) => x.endsWith('.json'))
          .sort()) {
          // checked on read: a malformed spec is a FormatError naming the file and the field (exit 2)
          svgs.push([f.replace(/\.json$/, ''), renderSvg(readFigureSpecFile(join(figDir, f)))]);
        }
      }
      html = renderRunReport(dir);
    }
    const figures: { flag: string; path: string; holds: string }[] = [];
    for (const [name, svg] of svgs) {
      writeFileAtomic(join(figDir, `${name}.svg`), svg);
      figures.push({ flag: 'RUN_DIR', path: join(figDir, `${name}.svg`), holds: `figure ${name}` });
      if (values.png) writeFileAtomic(join(figDir, `${name}.png`), svgToPng(svg));
      if (values.pdf)
        writeFileAtomic(
          join(figDir, `${name}.pdf`),
          svgToPdf(svg, (m) => process.stderr.write(`ntk report: ${m}\n`)),
        );
    }
    writeFileAtomic(join(dir, 'report.html'), html);
    const report = join(dir, 'report.html');
    const seconds = (performance.now() - t0) / 1000;
    const outputs = [{ flag: 'RUN_DIR', path: report, holds: 'the HTML report' }, ...figures];
    emitSummary(values.json, { command: 'report', ok: true, seconds, outputs }, [report]);
    return 0;
  },
};
