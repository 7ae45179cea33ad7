/**
 * The runner: resolve and validate a config, check the output folder, run the preset with a context (seeded Rng,
 * disk cache, metrics log, progress, results/figures/sections), and write the run folder:
 *
 *   <out>/config.json      resolved config + ntk-lab version, seed, backend, OpenBLAS core, node, timestamps, status
 *   <out>/metrics.jsonl    one JSON object per line (ctx.log.metric)
 *   <out>/results/*.json   ctx.addResult
 *   <out>/figures/*.svg    ctx.addFigure (+ the spec as figures/<name>.json, so `ntk report` can re-render)
 *   <out>/report.json      the report's sections (text, tables, figure names)
 *   <out>/report.html      self-contained report
 *   <out>/cache/           finished units (unless a shared cache dir is given)
 *
 * Every file is written atomically. The folder is locked for the run (src/io/runFolder.ts: a second run on it is
 * refused). On SIGINT or SIGTERM the run stops before the next unit, keeps the finished units in the cache, records
 * status "interrupted" and throws InterruptedError; running again with the same config and folder resumes and gives
 * results byte-identical to an uninterrupted run.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, FormatError, NtkError, OutputError, showValue } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { lockRunFolder, runFolderKind } from '../io/runFolder.js';
import { backend } from '../linalg/index.js';
import { Matrix } from '../linalg/matrix.js';
import type { FigureSpec } from '../report/figure.js';
import { type PaperVsHere, renderHtml, type ReportSection, type ReportTable } from '../report/html.js';
import { renderSvg } from '../report/svg.js';
import { readFigureSpecFile } from '../report/validate.js';
import { Rng } from '../util/random.js';
import { VERSION } from '../version.js';
import { DiskCache, InterruptedError } from './cache.js';
import {
  asJsonObject,
  deepMerge,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  parseSets,
  readConfigFile,
} from './config.js';
import { type BoundConfig, getPreset, type Preset, type RunContext, type SectionInput } from './preset.js';
import { isPlainObject } from './schema.js';
import './presets/index.js';

/** JSON-ready copy: typed arrays → lists, Matrix → {rows, cols, data}, non-finite numbers → "NaN"/"Infinity". */
export function toJsonValue(v: unknown): JsonValue {
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Matrix) return { rows: v.rows, cols: v.cols, data: toJsonValue(v.data) };
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return Array.from(v as unknown as ArrayLike<number>, (x) => toJsonValue(x));
  }
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (typeof v === 'object') {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJsonValue(x);
    return out;
  }
  return String(v);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface ResolveOptions {
  readonly quick?: boolean;
  /** `key.path=value` overrides. */
  readonly sets?: readonly string[];
}

export interface ResolvedExperiment {
  readonly preset: Preset;
  readonly bound: BoundConfig;
  readonly quick: boolean;
  /** The resolved config as plain JSON (what config.json records). */
  readonly json: JsonObject;
}

/**
 * Resolve a config source: a path to .json/.yaml/.yml, a preset name, or an already-parsed object. Validation is
 * complete when this returns; nothing has been computed or written.
 */
export function resolveExperiment(source: string | JsonObject, opts: ResolveOptions = {}): ResolvedExperiment {
  const quick = opts.quick ?? false;
  let user: JsonObject;
  if (typeof source === 'string') {
    const isFile = /\.(json|ya?ml)$/i.test(source) || (existsSync(source) && statSync(source).isFile());
    user = isFile ? readConfigFile(source) : { preset: source };
  } else {
    user = asJsonObject(source, '(config)');
  }
  const presetName = user.preset;
  if (typeof presetName !== 'string') {
    throw new ConfigError(
      'preset',
      `is required: the name of a preset (see \`ntk list\`). Value: ${JSON.stringify(presetName ?? null)}`,
    );
  }
  const preset = getPreset(presetName);
  const { quick: userQuick, ...userRest } = user;
  if (userQuick !== undefined && !isJsonObject(userQuick)) {
    throw new ConfigError(
      'quick',
      `must be an object of overrides applied with --quick. Value: ${JSON.stringify(userQuick)}`,
    );
  }
  let merged: JsonObject = deepMerge({ name: preset.name, preset: preset.name }, preset.defaults);
  if (quick) merged = deepMerge(merged, preset.quick);
  merged = deepMerge(merged, userRest);
  if (quick && userQuick) merged = deepMerge(merged, userQuick);
  if (opts.sets?.length) merged = deepMerge(merged, parseSets(opts.sets));
  const bound = preset.validate(merged);
  return { preset, bound, quick, json: asJsonObject(toJsonValue(bound.config), '(config)') };
}

/** Make sure `dir` exists and is writable (creates it); throws ConfigError naming `what` otherwise. */
export function ensureWritableDir(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('exists and is not a directory');
    const probe = join(dir, `.ntk-write-probe-${process.pid}`);
    writeFileAtomic(probe, 'ok');
    rmSync(probe, { force: true });
  } catch (e) {
    const why =
      e instanceof OutputError
        ? (e.errno ?? e.message)
        : e instanceof Error
          ? ((e as NodeJS.ErrnoException).code ?? e.message)
          : String(e);
    throw new ConfigError(what, `cannot write to ${dir} (${why}); choose a writable folder`);
  }
}

export interface RunOptions extends ResolveOptions {
  /** Run folder (default runs/<name> or runs/<name>-quick). */
  readonly outDir?: string;
  /** Shared cache folder (default <out>/cache). */
  readonly cacheDir?: string;
  /** Where progress and info lines go (default process.stderr). */
  readonly stderr?: (line: string) => void;
  /** Install SIGINT and SIGTERM handlers for the run's duration (the CLI does; library callers may pass `signal`). */
  readonly handleSigint?: boolean;
  /** Abort from the caller (checked between units). */
  readonly signal?: AbortSignal;
  /** The command line, recorded in config.json. */
  readonly command?: string;
}

export interface RunSummary {
  readonly outDir: string;
  readonly cacheDir: string;
  readonly status: 'complete';
  readonly cache: { readonly hits: number; readonly computed: number };
  readonly results: readonly string[];
  readonly figures: readonly string[];
  readonly seconds: number;
}

interface StoredFigure {
  name: string;
  caption?: string;
}

interface StoredSection {
  title: string;
  text?: string;
  figures: StoredFigure[];
  tables: ReportTable[];
}

/** What report.json holds: enough to re-render report.html with `ntk report`. */
export interface StoredReport {
  readonly title: string;
  readonly subtitle: string;
  readonly sections: StoredSection[];
  readonly paper?: PaperVsHere;
}

export function defaultOutDir(name: string, quick: boolean): string {
  return join('runs', quick ? `${name}-quick` : name);
}

/** A run folder that holds a different config (or mode) is not silently overwritten; the same one is resumed. */
function checkRunFolder(configPath: string, exp: ResolvedExperiment, outDir: string): void {
  if (runFolderKind(outDir)?.kind === 'train')
    throw new ConfigError(
      '--out',
      `${outDir} is a run folder of \`ntk train\`; \`ntk run\` needs a folder of its own: choose another --out`,
    );
  if (!existsSync(configPath)) return;
  let prev: unknown;
  try {
    prev = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch {
    prev = undefined;
  }
  const prevConfig = typeof prev === 'object' && prev !== null && 'config' in prev ? prev.config : undefined;
  const prevMode = typeof prev === 'object' && prev !== null && 'mode' in prev ? prev.mode : undefined;
  if (JSON.stringify(prevConfig) !== JSON.stringify(exp.json) || prevMode !== (exp.quick ? 'quick' : 'full')) {
    throw new ConfigError(
      '--out',
      `${outDir} holds a run of a different config (or mode); use another folder or delete it. Re-running the same config in the same folder resumes it.`,
    );
  }
}

/** Writes config.json with the run's status (and `extra` run fields); config.json's `run` starts with `runMeta`. */
type ConfigWriter = (status: string, extra?: JsonObject) => void;

function configWriter(
  configPath: string,
  exp: ResolvedExperiment,
  t0: number,
  cacheDir: string,
  command: string | undefined,
): ConfigWriter {
  const { preset, quick } = exp;
  const info = backend().info();
  const runMeta = {
    ntkLab: VERSION,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    backend: info.name,
    openblasCore: info.corename,
    threads: info.threads,
    seed: exp.bound.config.seed,
    startedAt: new Date(t0).toISOString(),
    command: command ?? null,
    cacheDir,
  };
  return (status, extra = {}) =>
    writeJsonAtomic(configPath, {
      ntkLab: VERSION,
      preset: preset.name,
      title: preset.title,
      reproduces: preset.reproduces,
      header: toJsonValue(preset.header),
      mode: quick ? 'quick' : 'full',
      config: exp.json,
      run: { ...(toJsonValue(runMeta) as JsonObject), status, ...extra },
    });
}

/** SIGINT or SIGTERM: the first stops the run after the current unit, the second exits at once (after `onExit`). */
function interruptHandler(
  log: (line: string) => void,
  onExit: () => void,
): { onSignal: (signal: NodeJS.Signals) => void; interrupted: () => boolean } {
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      log(`ntk run: second interrupt (${signal}); exiting now (finished units are in the cache)`);
      onExit();
      process.exit(130);
    }
    interrupted = true;
    log(
      signal === 'SIGINT'
        ? 'ntk run: interrupt received; stopping after the current unit (press Ctrl-C again to exit at once)'
        : `ntk run: ${signal} received; stopping after the current unit (send it again to exit at once)`,
    );
  };
  return { onSignal, interrupted: () => interrupted };
}

/** Metrics: kept in memory, flushed atomically (throttled) so the file is always a complete set of lines. */
function metricsFile(path: string): { add(line: string): void; flush(): void } {
  const lines: string[] = [];
  let lastFlush = 0;
  const flush = () => {
    writeFileAtomic(path, lines.join(''));
    lastFlush = Date.now();
  };
  flush();
  return {
    add(line) {
      lines.push(line);
      if (Date.now() - lastFlush > 1000) flush();
    },
    flush,
  };
}

/** What a run adds through its context: result names, figures (spec and caption), report sections. */
interface RunOutputs {
  readonly results: string[];
  readonly figures: Map<string, { spec: FigureSpec; caption?: string }>;
  readonly sections: StoredSection[];
  paper?: PaperVsHere;
}

interface ContextEnv {
  readonly quick: boolean;
  readonly seed: number;
  readonly presetName: string;
  readonly outDir: string;
  readonly t0: number;
  readonly cache: DiskCache;
  readonly log: (line: string) => void;
  readonly metrics: { add(line: string): void };
  readonly isInterrupted: () => boolean;
  readonly outputs: RunOutputs;
}

function checkName(what: string, name: string): void {
  if (!NAME.test(name))
    throw new ConfigError(what, `must be a file-safe name (letters, digits, ".", "_", "-"). Value: "${name}"`);
}

/** The context a preset's run() gets (without its config): logging, progress, results, figures, sections. */
function runContext(env: ContextEnv): Omit<RunContext<unknown>, 'config'> {
  const { presetName, outDir, t0, log, isInterrupted } = env;
  const { results, figures, sections } = env.outputs;
  let lastProgress = 0;
  return {
    quick: env.quick,
    rng: new Rng(env.seed),
    cache: env.cache,
    log: {
      metric(obj) {
        env.metrics.add(`${JSON.stringify(toJsonValue({ ...obj, elapsed_s: (Date.now() - t0) / 1000 }))}\n`);
      },
      info(message) {
        log(`[${presetName}] ${message}`);
      },
    },
    progress(step, total, message) {
      const now = Date.now();
      if (step < total && now - lastProgress < 400) return;
      lastProgress = now;
      const el = (now - t0) / 1000;
      const eta = step > 0 && step < total ? ` · ETA ${((el * (total - step)) / step).toFixed(1)} s` : '';
      const pct = total > 0 ? Math.round((100 * step) / total) : 100;
      log(`[${presetName}] ${step}/${total} (${pct}%)${message ? ` ${message}` : ''} · ${el.toFixed(1)} s${eta}`);
    },
    checkInterrupt() {
      if (isInterrupted()) throw new InterruptedError();
    },
    addResult(name, value) {
      checkName('result name', name);
      writeJsonAtomic(join(outDir, 'results', `${name}.json`), toJsonValue(value));
      if (!results.includes(name)) results.push(name);
    },
    addFigure(name, spec, caption) {
      checkName('figure name', name);
      const svg = renderSvg(spec);
      writeFileAtomic(join(outDir, 'figures', `${name}.svg`), svg);
      writeJsonAtomic(join(outDir, 'figures', `${name}.json`), toJsonValue(spec));
      figures.set(name, { spec, caption });
    },
    addSection(s: SectionInput) {
      for (const f of s.figures ?? []) {
        if (!figures.has(f))
          throw new NtkError('invalid_argument', `addSection: figure "${f}" was not added with addFigure`);
      }
      sections.push({
        title: s.title,
        text: s.text,
        figures: (s.figures ?? []).map((name) => ({ name, caption: figures.get(name)?.caption })),
        tables: [...(s.tables ?? [])],
      });
    },
    setPaperVsHere(block) {
      env.outputs.paper = block;
    },
  };
}

/**
 * Run an experiment end to end. Throws ConfigError before any work on bad input; LockedError when another process
 * holds the run folder; InterruptedError on SIGINT/SIGTERM (with `handleSigint`) or `signal`.
 */
export async function runExperiment(source: string | JsonObject, opts: RunOptions = {}): Promise<RunSummary> {
  const t0 = Date.now();
  const log = opts.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const exp = resolveExperiment(source, opts);
  const outDir = resolve(opts.outDir ?? defaultOutDir(exp.bound.config.name, exp.quick));
  const cacheDir = resolve(opts.cacheDir ?? join(outDir, 'cache'));
  const configPath = join(outDir, 'config.json');
  ensureWritableDir(outDir, '--out');
  // From here on the folder is this process's: a second run on it is refused (naming this one) until the release;
  // the folder is checked under the lock, so two runs never both pass the check.
  const lock = lockRunFolder(outDir, { command: opts.command, warn: log });
  // Signals are handled for as long as the folder is locked (also while the report is written), and the lock is
  // released before the handlers go: a signal never leaves status "running" or a lock behind.
  let onSecondSignal = (): void => {};
  const sig = interruptHandler(log, () => onSecondSignal());
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  if (opts.handleSigint) for (const s of signals) process.on(s, sig.onSignal);
  try {
    checkRunFolder(configPath, exp, outDir);
    ensureWritableDir(cacheDir, '--cache');
    const where = { t0, log, outDir, cacheDir, configPath };
    return await runLocked(exp, opts, where, sig.interrupted, (f) => (onSecondSignal = f));
  } finally {
    lock.release();
    if (opts.handleSigint) for (const s of signals) process.off(s, sig.onSignal);
  }
}

/** The run proper, in a locked, checked run folder. */
async function runLocked(
  exp: ResolvedExperiment,
  opts: RunOptions,
  where: { t0: number; log: (line: string) => void; outDir: string; cacheDir: string; configPath: string },
  signalled: () => boolean,
  onSecondSignal: (f: () => void) => void,
): Promise<RunSummary> {
  const { preset, bound, quick } = exp;
  const config = bound.config;
  const { t0, log, outDir, cacheDir, configPath } = where;
  for (const sub of ['results', 'figures']) mkdirSync(join(outDir, sub), { recursive: true });
  const writeConfig = configWriter(configPath, exp, t0, cacheDir, opts.command);
  writeConfig('running');

  const isInterrupted = () => signalled() || (opts.signal?.aborted ?? false);
  const cache = new DiskCache(cacheDir, { isInterrupted, warn: log });
  let finished = false;
  onSecondSignal(() => {
    if (!finished) writeConfig('interrupted', { interruptedAt: new Date().toISOString(), cache: { ...cache.stats } });
  });
  const metrics = metricsFile(join(outDir, 'metrics.jsonl'));
  const outputs: RunOutputs = { results: [], figures: new Map(), sections: [] };
  const env = { quick, seed: config.seed, presetName: preset.name, outDir, t0, cache, log, metrics, isInterrupted };
  try {
    await bound.run(runContext({ ...env, outputs }));
  } catch (e) {
    metrics.flush();
    if (e instanceof InterruptedError || isInterrupted()) {
      writeConfig('interrupted', { interruptedAt: new Date().toISOString(), cache: { ...cache.stats } });
      throw new InterruptedError(
        `interrupted; ${cache.stats.computed} unit(s) finished in this session are kept in ${cacheDir}. Resume with the same command (same config and --out ${outDir}).`,
      );
    }
    finished = true;
    writeConfig('failed', { error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
  metrics.flush();

  const stored: StoredReport = {
    title: preset.title,
    subtitle: `${preset.reproduces} (${quick ? 'quick' : 'full'} mode)`,
    sections: outputs.sections,
    ...(outputs.paper ? { paper: outputs.paper } : {}),
  };
  writeJsonAtomic(join(outDir, 'report.json'), toJsonValue(stored));
  const finishedAt = new Date().toISOString();
  const seconds = (Date.now() - t0) / 1000;
  writeConfig('complete', { finishedAt, durationSeconds: seconds, cache: { ...cache.stats } });
  finished = true;
  writeFileAtomic(join(outDir, 'report.html'), renderRunReport(outDir));
  return {
    outDir,
    cacheDir,
    status: 'complete',
    cache: { ...cache.stats },
    results: outputs.results,
    figures: [...outputs.figures.keys()],
    seconds,
  };
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path))
    throw new ConfigError(what, `${path} does not exist; is this a run folder written by \`ntk run\`?`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(what, `${path} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function str(v: unknown): string {
  return v === undefined || v === null ? '–' : typeof v === 'string' ? v : JSON.stringify(v);
}

/** report.json's content, checked (a FormatError naming the file and the field, not a TypeError later). */
function storedReport(v: object, file: string): StoredReport {
  const bad = (field: string, what: string, value: unknown): never => {
    throw new FormatError(file, `\`${field}\` must be ${what}. Value: \`${showValue(value)}\``);
  };
  const r = v as Record<string, unknown>;
  for (const k of ['title', 'subtitle'] as const)
    if (r[k] !== undefined && typeof r[k] !== 'string') bad(k, 'a string', r[k]);
  const sections = r.sections ?? [];
  if (!Array.isArray(sections)) return bad('sections', 'a list', sections);
  sections.forEach((s: unknown, i) => {
    const at = `sections[${i}]`;
    if (!isPlainObject(s)) return bad(at, 'an object', s);
    if (typeof s.title !== 'string') bad(`${at}.title`, 'a string', s.title);
    if (s.text !== undefined && typeof s.text !== 'string') bad(`${at}.text`, 'a string', s.text);
    if (!Array.isArray(s.figures)) return bad(`${at}.figures`, 'a list', s.figures);
    s.figures.forEach((f: unknown, j) => {
      if (!isPlainObject(f) || typeof f.name !== 'string' || !NAME.test(f.name))
        bad(`${at}.figures[${j}]`, 'an object with a file-safe name (letters, digits, ".", "_", "-")', f);
      else if (f.caption !== undefined && typeof f.caption !== 'string')
        bad(`${at}.figures[${j}].caption`, 'a string', f.caption);
    });
    if (!Array.isArray(s.tables)) return bad(`${at}.tables`, 'a list', s.tables);
    s.tables.forEach((t: unknown, j) => {
      const ok =
        isPlainObject(t) &&
        (t.title === undefined || typeof t.title === 'string') &&
        (t.note === undefined || typeof t.note === 'string') &&
        Array.isArray(t.columns) &&
        t.columns.every((c) => typeof c === 'string') &&
        Array.isArray(t.rows) &&
        t.rows.every(
          (row) => Array.isArray(row) && row.every((c) => c === null || typeof c === 'string' || typeof c === 'number'),
        );
      if (!ok) bad(`${at}.tables[${j}]`, 'a table {title?, columns: strings, rows: lists of strings/numbers/null}', t);
    });
  });
  const paper = r.paper;
  if (paper !== undefined) {
    if (!isPlainObject(paper)) return bad('paper', 'an object', paper);
    for (const k of ['reference', 'setting'] as const)
      if (typeof paper[k] !== 'string') bad(`paper.${k}`, 'a string', paper[k]);
    if (paper.lookFor !== undefined && typeof paper.lookFor !== 'string')
      bad('paper.lookFor', 'a string', paper.lookFor);
    if (!Array.isArray(paper.claims)) return bad('paper.claims', 'a list', paper.claims);
    paper.claims.forEach((c: unknown, i) => {
      const ok =
        isPlainObject(c) &&
        ['claim', 'paper', 'here', 'why'].every((k) => typeof c[k] === 'string') &&
        ['reproduced', 'not reproduced', 'inconclusive'].includes(c.verdict as string);
      if (!ok)
        bad(
          `paper.claims[${i}]`,
          'a claim {claim, paper, here, why: strings; verdict: "reproduced", "not reproduced" or "inconclusive"}',
          c,
        );
    });
  }
  return {
    title: r.title as string,
    subtitle: r.subtitle as string,
    sections: sections as StoredSection[],
    ...(paper !== undefined ? { paper: paper as unknown as PaperVsHere } : {}),
  };
}

/**
 * The report.html of a run folder, from config.json, report.json and the figure specs (figures/<name>.json,
 * re-rendered so renderer improvements apply to old runs; figures/<name>.svg is used when a spec is missing).
 */
export function renderRunReport(runDir: string): string {
  const cfg = readJson(join(runDir, 'config.json'), 'RUN_DIR');
  const rep = readJson(join(runDir, 'report.json'), 'RUN_DIR');
  if (typeof cfg !== 'object' || cfg === null || typeof rep !== 'object' || rep === null) {
    throw new ConfigError('RUN_DIR', `${runDir}: config.json and report.json must hold JSON objects`);
  }
  const c = cfg as Record<string, unknown>;
  const run = (typeof c.run === 'object' && c.run !== null ? c.run : {}) as Record<string, unknown>;
  const header = (typeof c.header === 'object' && c.header !== null ? c.header : {}) as Record<string, unknown>;
  const r = storedReport(rep, join(runDir, 'report.json'));
  const sections: ReportSection[] = r.sections.map((s) => ({
    title: s.title,
    text: s.text,
    tables: s.tables,
    figures: s.figures.map((f) => {
      const specPath = join(runDir, 'figures', `${f.name}.json`);
      const svgPath = join(runDir, 'figures', `${f.name}.svg`);
      const svg = existsSync(specPath)
        ? renderSvg(readFigureSpecFile(specPath))
        : existsSync(svgPath)
          ? readFileSync(svgPath, 'utf8')
          : `<p>missing figure ${f.name}</p>`;
      return { name: f.name, svg, caption: f.caption };
    }),
  }));
  const expected = (header.expectedTime ?? {}) as Record<string, unknown>;
  const meta: [string, string][] = [
    ['preset', `${str(c.preset)} (${str(c.mode)} mode)`],
    ['reproduces', str(c.reproduces)],
    ['command', str(header.command)],
    ['expected time', `quick ${str(expected.quick)}, full ${str(expected.full)}`],
    ['ntk-lab', str(run.ntkLab ?? c.ntkLab)],
    ['seed', str(run.seed)],
    ['backend', `${str(run.backend)} (OpenBLAS core ${str(run.openblasCore)}, ${str(run.threads)} threads)`],
    ['node', `${str(run.node)} ${str(run.platform)}`],
    ['started', str(run.startedAt)],
    ['finished', run.finishedAt ? `${str(run.finishedAt)} (${Number(run.durationSeconds).toFixed(1)} s)` : '–'],
  ];
  const cache = run.cache as { hits?: number; computed?: number } | undefined;
  if (cache) meta.push(['cache', `${cache.hits ?? 0} unit(s) reused, ${cache.computed ?? 0} computed`]);
  return renderHtml({
    title: str(r.title ?? c.title),
    subtitle: r.subtitle,
    meta,
    status:
      run.status === 'complete'
        ? undefined
        : `This run's status is "${str(run.status)}"; the report may be incomplete.`,
    sections,
    paper: r.paper,
    config: c.config,
  });
}
