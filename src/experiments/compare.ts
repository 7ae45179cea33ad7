/**
 * `ntk compare RUN_A RUN_B …`: one report putting preset run folders side by side (the same preset with different
 * settings, seeds or ntk-lab versions): what differs between their configs, each claim's verdict per run, and each
 * figure of every run in one row (re-rendered from its spec, so the runs are drawn by the same renderer).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { type Cell, type PaperVsHere, renderHtml, type ReportSection, type ReportTable } from '../report/html.js';
import { renderSvg } from '../report/svg.js';
import { readFigureSpecFile } from '../report/validate.js';
import { runFolderKind } from '../io/runFolder.js';
import { isPlainObject } from './schema.js';

type Rec = Record<string, unknown>;

interface RunInfo {
  readonly dir: string;
  readonly label: string;
  readonly config: Rec;
  readonly report: Rec;
}

function readObject(path: string): Rec {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError('RUN_DIR', `${path} cannot be read as JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(v)) throw new ConfigError('RUN_DIR', `${path} must hold a JSON object`);
  return v;
}

/** Flatten a JSON object into dotted paths → JSON text of the leaf. */
function flatten(v: unknown, prefix: string, out: Map<string, string>): void {
  if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(v));
}

/** Labels that tell the runs apart: the folder names, made unique with their parent folder when they repeat. */
function labels(dirs: readonly string[]): string[] {
  const base = dirs.map((d) => basename(resolve(d)));
  return base.map((b, i) => (base.filter((x) => x === b).length > 1 ? `${basename(resolve(dirs[i], '..'))}/${b}` : b));
}

/** Check the folders before any work: at least two, each a complete preset run folder, all of one preset. */
function readRuns(dirs: readonly string[]): RunInfo[] {
  if (dirs.length < 2)
    throw new ConfigError('RUN_DIR', `ntk compare needs at least two run folders; got ${dirs.length}`);
  const ls = labels(dirs);
  const runs = dirs.map((dir, i) => {
    const kind = runFolderKind(dir);
    if (kind?.kind !== 'run')
      throw new ConfigError('RUN_DIR', `${dir} is not a run folder written by \`ntk run\` (no preset config.json)`);
    if (!existsSync(join(dir, 'report.json')))
      throw new ConfigError('RUN_DIR', `${dir} has no report.json (the run did not finish)`);
    return {
      dir,
      label: ls[i],
      config: readObject(join(dir, 'config.json')),
      report: readObject(join(dir, 'report.json')),
    };
  });
  const presets = [...new Set(runs.map((r) => String(r.config.preset)))];
  if (presets.length > 1)
    throw new ConfigError(
      'RUN_DIR',
      `the runs are of different presets (${presets.join(', ')}); compare runs of one preset`,
    );
  return runs;
}

function configTable(runs: RunInfo[]): ReportTable {
  const flat = runs.map((r) => {
    const m = new Map<string, string>();
    flatten(r.config.config, '', m);
    m.set('mode', JSON.stringify(r.config.mode));
    const run = isPlainObject(r.config.run) ? r.config.run : {};
    m.set('ntk-lab', JSON.stringify(run.ntkLab ?? r.config.ntkLab));
    m.set('backend', JSON.stringify(run.backend));
    return m;
  });
  const keys = [...new Set(flat.flatMap((m) => [...m.keys()]))].sort();
  const differ = keys.filter((k) => new Set(flat.map((m) => m.get(k) ?? '–')).size > 1);
  return {
    title: 'Settings that differ',
    columns: ['setting', ...runs.map((r) => r.label)],
    rows: differ.length
      ? differ.map((k) => [k, ...flat.map((m) => m.get(k) ?? '–')])
      : [['(none: the runs have the same config)', ...runs.map(() => '')]],
    note: `${keys.length - differ.length} other settings are equal in every run.`,
  };
}

function claimsTable(runs: RunInfo[]): ReportTable | null {
  const blocks = runs.map((r) => (isPlainObject(r.report.paper) ? (r.report.paper as unknown as PaperVsHere) : null));
  if (blocks.every((b) => b === null)) return null;
  const names = [...new Set(blocks.flatMap((b) => (b ? b.claims.map((c) => c.claim) : [])))];
  const rows: Cell[][] = names.map((name) => [
    name,
    ...blocks.map((b) => {
      const c = b?.claims.find((x) => x.claim === name);
      return c ? `${c.verdict} — ${c.here}` : '–';
    }),
  ]);
  return { title: 'Paper versus here, per run', columns: ['claim', ...runs.map((r) => r.label)], rows };
}

/** The comparison report's HTML. */
export function renderCompareReport(dirs: readonly string[]): string {
  const runs = readRuns(dirs);
  const figureNames = (r: RunInfo): string[] =>
    (Array.isArray(r.report.sections) ? r.report.sections : []).flatMap((s: unknown) =>
      isPlainObject(s) && Array.isArray(s.figures)
        ? s.figures.map((f: unknown) => (isPlainObject(f) ? String(f.name) : ''))
        : [],
    );
  const all = runs.map(figureNames);
  const names = [...new Set(all.flat())].filter((n) => n);
  const sections: ReportSection[] = [];
  const claims = claimsTable(runs);
  sections.push({
    title: 'Runs',
    text: `${runs.length} runs of the preset “${String(runs[0].config.preset)}”, side by side. Figures are re-rendered from each run's specs.`,
    figures: [],
    tables: [configTable(runs), ...(claims ? [claims] : [])],
  });
  for (const name of names) {
    sections.push({
      title: `Figure: ${name}`,
      figures: runs.map((r, i) => {
        const spec = join(r.dir, 'figures', `${name}.json`);
        const svg = existsSync(spec)
          ? renderSvg(readFigureSpecFile(spec))
          : `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="40"><text x="8" y="24" font-size="13">not in this run</text></svg>`;
        return { name: `${name}-${i + 1}`, svg, caption: r.label };
      }),
      tables: [],
    });
  }
  return renderHtml({
    title: `Comparison: ${String(runs[0].config.preset)} (${runs.length} runs)`,
    subtitle: runs.map((r) => r.label).join(' · '),
    meta: runs.map((r, i) => [`run ${i + 1}`, `${r.label} (${resolve(r.dir)})`] as [string, string]),
    sections,
    config: Object.fromEntries(runs.map((r) => [r.label, r.config.config])),
  });
}
