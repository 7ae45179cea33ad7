/**
 * The lab's page: controls, live validation, the views, drag and drop, the URL state. All computing happens in the
 * worker (worker.ts); the page only parses (the architecture and data languages, for their error texts) and draws
 * (the reports' figure specs, through plot.ts).
 */
import {
  buildNetwork,
  checkDatasetSpec,
  DATASETS,
  type FigureSpec,
  type Mark,
  paperHtml,
  type PaperVsHere,
  paragraphsHtml,
  parseArch,
  type PlotSpec,
  type ReportTable,
  tableHtml,
  trainFigures,
} from '../../src/browser.js';
import { Plot } from './plot.js';
import type { DroppedFile, KernelsResult, Request, TrainedMessage, WorkerMessage } from './protocol.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

// ---------- state in the URL (#arch=…&data=…) ----------
interface State {
  arch: string;
  data: string;
  param: 'ntk' | 'standard';
  seed: number;
  view: string;
  lr: string;
  steps: number;
  corrupt: number;
  linearized: boolean;
}
const DEFAULTS: State = {
  arch: 'flatten,dense(256),relu,dense(10)',
  data: 'mnist:train:n=300',
  param: 'ntk',
  seed: 0,
  view: 'kernels',
  lr: 'frac:0.5',
  steps: 200,
  corrupt: 0,
  linearized: true,
};
function readState(): State {
  const q = new URLSearchParams(location.hash.slice(1));
  const num = (k: keyof State, d: number): number =>
    q.has(k) && Number.isFinite(Number(q.get(k))) ? Number(q.get(k)) : d;
  return {
    arch: q.get('arch') ?? DEFAULTS.arch,
    data: q.get('data') ?? DEFAULTS.data,
    param: q.get('param') === 'standard' ? 'standard' : 'ntk',
    seed: num('seed', DEFAULTS.seed),
    view: q.get('view') ?? DEFAULTS.view,
    lr: q.get('lr') ?? DEFAULTS.lr,
    steps: num('steps', DEFAULTS.steps),
    corrupt: num('corrupt', DEFAULTS.corrupt),
    linearized: q.get('linearized') !== 'false',
  };
}
let state = readState();
function writeState(): void {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) if (v !== DEFAULTS[k as keyof State]) q.set(k, String(v));
  const run = new URLSearchParams(location.hash.slice(1)).get('run');
  if (run) q.set('run', run);
  history.replaceState(null, '', `#${q.toString()}`);
}

// ---------- worker ----------
let worker: Worker;
let nextId = 1;
let running: { id: number; kind: string } | null = null;
const handlers = new Map<number, (m: WorkerMessage) => void>();
function startWorker(): void {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<WorkerMessage>) => {
    const m = e.data;
    if (m.type === 'progress') return showProgress(m.stage, m.done, m.total);
    handlers.get(m.id)?.(m);
  };
  worker.onerror = (e) => fail(`worker: ${e.message}`);
}
startWorker();

function send(req: Request, kind: string, on: (m: WorkerMessage) => void): void {
  if (running) cancel();
  running = { id: req.id, kind };
  handlers.set(req.id, on);
  $<HTMLButtonElement>('cancel').disabled = false;
  setStatus(`${kind}…`, 'busy');
  const transfer = req.type === 'exportX' ? [] : [];
  worker.postMessage(req, transfer);
}
function done(id: number): void {
  handlers.delete(id);
  if (running?.id === id) running = null;
  $<HTMLButtonElement>('cancel').disabled = true;
}
/** Cancel: the worker is terminated and a fresh one started (the page never waits on it). */
function cancel(): void {
  if (!running) return;
  worker.terminate();
  handlers.delete(running.id);
  running = null;
  startWorker();
  $<HTMLButtonElement>('cancel').disabled = true;
  setStatus('cancelled', 'cancelled');
  $('progress-bar').style.width = '0%';
}

function setStatus(text: string, kind: 'busy' | 'ok' | 'error' | 'cancelled'): void {
  const s = $('status');
  s.textContent = text;
  s.dataset.kind = kind;
}
function fail(message: string): void {
  setStatus(message, 'error');
  if (running) done(running.id);
}
function showProgress(stage: string, d: number, total: number): void {
  $('progress-bar').style.width = `${total > 0 ? Math.round((100 * d) / total) : 0}%`;
  setStatus(`${stage} ${d}/${total}`, 'busy');
}

// ---------- dropped files ----------
const files = new Map<string, DroppedFile>();
function listFiles(): void {
  $('files').textContent = files.size ? `dropped: ${[...files.keys()].join(', ')}` : '';
}

// ---------- validation ----------
function inputShapeOf(spec: string): number[] | null {
  const s = checkDatasetSpec(spec);
  const shape = DATASETS[s.name].shape;
  if (shape) return [...shape];
  if (s.d !== undefined) return [s.d];
  return null;
}
/** The CLI's texts: parseArch/buildNetwork and the dataset spec parser throw the errors `ntk` prints. */
function validate(): boolean {
  let ok = true;
  let shape: number[] | null = null;
  const dataErr = $('data-error');
  try {
    shape = inputShapeOf(state.data);
    dataErr.textContent = '';
  } catch (e) {
    dataErr.textContent = (e as Error).message;
    ok = false;
  }
  const archErr = $('arch-error');
  try {
    const arch = parseArch(state.arch);
    if (shape) {
      const net = buildNetwork(arch, shape, state.param);
      archErr.textContent = '';
      $('arch-ok').textContent = `✓ ${net.numParams.toLocaleString('en')} parameters on inputs ${shape.join('×')}`;
    } else {
      archErr.textContent = '';
      $('arch-ok').textContent = '✓ parsed (shape checked when the data are loaded)';
    }
  } catch (e) {
    archErr.textContent = (e as Error).message;
    $('arch-ok').textContent = '';
    ok = false;
  }
  $<HTMLButtonElement>('compute').disabled = !ok;
  $<HTMLButtonElement>('train').disabled = !ok;
  return ok;
}

// ---------- views ----------
const plots = new Map<string, Plot>();
function show(container: string, name: string, spec: FigureSpec, caption?: string): void {
  const have = plots.get(name);
  if (have && have.el.isConnected) return have.update(spec);
  const p = new Plot(spec, name, caption);
  plots.set(name, p);
  $(container).append(p.el);
}

let last: KernelsResult | null = null;

function heat(K: Float64Array, n: number, m: number, title: string): PlotSpec {
  const values = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) values[i * m + j] = K[i * n + j];
  return {
    title,
    width: 420,
    height: 380,
    x: { label: 'example j', integer: true },
    y: { label: 'example i', integer: true, reverse: true },
    marks: [{ type: 'heatmap', rows: m, cols: m, values, label: 'Θ(xᵢ, xⱼ)' }],
  };
}

function kernelsView(r: KernelsResult): void {
  last = r;
  const n = r.n;
  let maxA = 0;
  let diff = 0;
  for (let i = 0; i < n * n; i++) {
    maxA = Math.max(maxA, Math.abs(r.analytic[i]));
    diff = Math.max(diff, Math.abs(r.analytic[i] - r.empirical[i]));
  }
  const t = r.timings;
  const rows: [string, string][] = [
    ['data', `${r.spec} — n = ${n}, d = ${r.d}`],
    ['network', `${state.arch} (${state.param}), ${r.params.toLocaleString('en')} parameters, seed ${state.seed}`],
    ['max |Θ_analytic − Θ_empirical| / max |Θ_analytic|', (diff / maxA).toExponential(3)],
    ['analytic NTK', `${t.analytic.toFixed(0)} ms`],
    ['empirical NTK', `${t.empirical.toFixed(0)} ms`],
    ['eigh (both)', `${t.eigh.toFixed(0)} ms`],
    ['analyses', `${t.analysis.toFixed(0)} ms`],
  ];
  $('kernel-summary').innerHTML =
    '<table>' + rows.map(([k, v]) => `<tr><th>${k}</th><td>${escapeHtml(v)}</td></tr>`).join('') + '</table>';
  const m = Math.min(n, 60);
  show('kernel-plots', 'kernel-analytic', heat(r.analytic, n, m, `Analytic NTK (first ${m} examples)`));
  show('kernel-plots', 'kernel-empirical', heat(r.empirical, n, m, `Empirical NTK, seed ${state.seed}`));
  // entries: empirical against analytic (a sample of ≤ 4000 pairs)
  const step = Math.max(1, Math.floor((n * n) / 4000));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < n * n; k += step) (xs.push(r.analytic[k]), ys.push(r.empirical[k]));
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  show('kernel-plots', 'kernel-scatter', {
    title: 'Empirical vs analytic entries',
    subtitle: 'the finite network at initialization against its infinite-width limit',
    width: 420,
    height: 380,
    x: { label: 'Θ analytic' },
    y: { label: 'Θ empirical' },
    marks: [
      { type: 'dot', x: xs, y: ys, r: 1.5, label: 'pairs (i, j)' },
      { type: 'line', x: [lo, hi], y: [lo, hi], color: 7, dash: true, label: 'y = x' },
    ],
  });
  spectrumView(r);
}

function spectrumView(r: KernelsResult): void {
  const idx = (v: Float64Array): number[] => Array.from(v, (_, i) => i + 1);
  const desc = (v: Float64Array): Float64Array => Float64Array.from(v).sort().reverse();
  const ea = desc(r.eigAnalytic);
  const ee = desc(r.eigEmpirical);
  show('spectrum-plots', 'spectrum', {
    title: 'NTK spectrum',
    subtitle: 'eigenvalues in descending order',
    width: 420,
    height: 380,
    x: { label: 'index i', type: 'log' },
    y: { label: 'eigenvalue λᵢ', type: 'log' },
    marks: [
      { type: 'line', x: idx(ea), y: Array.from(ea), label: 'analytic' },
      { type: 'line', x: idx(ee), y: Array.from(ee), label: 'empirical', dash: true, color: 1 },
    ],
  });
  const a = r.alignment;
  const fitLine = (g: number | null, c: number | null, color: number, label: string): Mark[] => {
    if (g === null || c === null) return [];
    const pos = Array.from(a.lambdas).filter((l) => l > 0);
    const lo = Math.min(...pos);
    const hi = Math.max(...pos);
    return [
      {
        type: 'line',
        x: [lo, hi],
        y: [Math.exp(c + g * Math.log(lo)), Math.exp(c + g * Math.log(hi))],
        color,
        dash: true,
        label,
      },
    ];
  };
  const f = (v: number | null): string => (v === null ? '–' : v.toFixed(2));
  show('spectrum-plots', 'projections', {
    title: 'Label projections (vᵢᵀy)² against λᵢ',
    width: 420,
    height: 380,
    subtitle: `fitted γ: true labels ${f(a.trueGamma)}, random labels ${f(a.randomGamma)}`,
    x: { label: 'eigenvalue λᵢ (analytic NTK)', type: 'log' },
    y: { label: 'pᵢ = ‖vᵢᵀY‖² / ‖Y‖²', type: 'log' },
    marks: [
      { type: 'dot', x: Array.from(a.lambdas), y: Array.from(a.trueP), label: 'true labels', color: 0 },
      {
        type: 'dot',
        x: Array.from(a.lambdas),
        y: Array.from(a.randomP),
        label: 'random labels',
        color: 3,
        hollow: true,
      },
      ...fitLine(a.trueGamma, a.trueIntercept, 0, `fit γ = ${f(a.trueGamma)}`),
      ...fitLine(a.randomGamma, a.randomIntercept, 3, `fit γ = ${f(a.randomGamma)}`),
    ],
  });
  boundView(r);
}

function boundView(r: KernelsResult): void {
  const b = r.bound;
  const at = Math.round(state.corrupt * 10);
  const v = b.values[at];
  $('corrupt-value').textContent =
    `${(state.corrupt * 100).toFixed(0)} % corrupted: √(2yᵀH⁻¹y/n) = ${v === null ? '–' : v.toPrecision(4)}`;
  show('bound-plots', 'bound', {
    title: '√(2 yᵀH⁻¹y / n) against label corruption',
    width: 420,
    height: 340,
    subtitle: 'Arora et al. (2019): the complexity grows as labels are randomized',
    x: { label: 'fraction of labels corrupted', percent: true },
    y: { label: '√(2 yᵀH⁻¹y / n)' },
    marks: [
      { type: 'line', x: b.fractions, y: b.values, label: 'analytic NTK' },
      { type: 'dot', x: b.fractions, y: b.values },
      { type: 'rule', x: state.corrupt, dash: true, color: 7, label: 'slider' },
    ],
  });
  const l = r.lambdaMin;
  $('lambda-min').innerHTML =
    l === null
      ? ''
      : 'error' in l
        ? `<p class="note">λ_min bounds need unit-norm inputs (add <code>:normalize=sphere</code> to the data spec): ${escapeHtml(l.error)}</p>`
        : `<table><tr><th colspan="2">λ_min of the depth-${l.depth} ReLU NTK on these inputs (ρ = max|xᵢᵀxⱼ| = ${l.rho.toPrecision(4)})</th></tr>` +
          `<tr><th>λ_min (eigvalsh)</th><td>${l.exact.toPrecision(5)}</td></tr>` +
          `<tr><th>power-series lower bound</th><td>${l.powerSeries.toPrecision(5)}</td></tr>` +
          `<tr><th>Gershgorin lower bound</th><td>${l.gershgorin.toPrecision(5)}</td></tr></table>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

function dataRequest(): { spec: string; files: DroppedFile[] } {
  return { spec: state.data, files: [...files.values()] };
}

function compute(): void {
  if (!validate()) return;
  const id = nextId++;
  const t0 = performance.now();
  send(
    { type: 'kernels', id, arch: state.arch, param: state.param, seed: state.seed, data: dataRequest() },
    'kernels',
    (m) => {
      if (m.type === 'error') return fail(m.message);
      if (m.type !== 'kernels') return;
      done(id);
      kernelsView(m);
      const ms = performance.now() - t0;
      $('progress-bar').style.width = '100%';
      setStatus(`kernels done in ${(ms / 1000).toFixed(2)} s`, 'ok');
      document.body.dataset.kernels = String(id);
      (window as unknown as { ntkLab: unknown }).ntkLab = { result: m, ms };
    },
  );
}

function trainNow(): void {
  if (!validate()) return;
  const id = nextId++;
  const t0 = performance.now();
  const recs: Record<string, unknown>[] = [];
  let pending = false;
  const redraw = (): void => {
    pending = false;
    for (const [name, f] of trainFigures(recs)) show('train-plots', `train-${name}`, f.spec, f.caption);
  };
  for (const p of [...plots.keys()].filter((k) => k.startsWith('train-'))) {
    plots.get(p)?.el.remove();
    plots.delete(p);
  }
  send(
    {
      type: 'train',
      id,
      arch: state.arch,
      param: state.param,
      seed: state.seed,
      data: dataRequest(),
      lr: state.lr,
      steps: state.steps,
      linearized: state.linearized,
      schedule: 'every:10',
    },
    'training',
    (m) => {
      if (m.type === 'error') return fail(m.message);
      if (m.type === 'record') {
        recs.push(m.record);
        if (!pending) ((pending = true), requestAnimationFrame(redraw));
      } else if (m.type === 'trained') {
        done(id);
        redraw();
        if (m.curves) boundsFigure(recs, m.curves, m.eta);
        const ms = performance.now() - t0;
        setStatus(`training ${m.status} in ${(ms / 1000).toFixed(2)} s`, 'ok');
        document.body.dataset.trained = String(id);
        (window as unknown as { ntkTrain: unknown }).ntkTrain = { ms, workerMs: m.ms, records: recs.length };
      }
    },
  );
}

/** The network's and its linearization's training loss beside the infinite-width exact linearized curve and the bounds. */
function boundsFigure(recs: Record<string, unknown>[], c: NonNullable<TrainedMessage['curves']>, eta: number): void {
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const x = recs.map((r) => (num(r.step) ?? 0) + 1);
  const k = (v: number[]): number[] => v.map((_, i) => i + 1);
  const marks: Mark[] = [
    { type: 'line', x, y: recs.map((r) => num(r.loss)), label: 'network', color: 0 },
    { type: 'line', x, y: recs.map((r) => num(r.linLoss)), label: 'linearized (finite, θ₀)', color: 1, dash: true },
    { type: 'line', x: k(c.exact), y: c.exact, label: 'linearized ∞-width (exact, f₀ = 0)', color: 2 },
    { type: 'line', x: k(c.alignment), y: c.alignment, label: 'alignment bound', color: 4, dash: true },
  ];
  if (c.classical)
    marks.push({ type: 'line', x: k(c.classical), y: c.classical, label: 'classical bound', color: 3, dash: true });
  show(
    'train-plots',
    'train-bounds',
    {
      title: 'Training loss against the linearized dynamics and its bounds',
      subtitle: `½‖f − y‖², η = ${eta.toPrecision(3)}; the ∞-width curves on the analytic NTK ⊗ I${c.warnings.length ? `; ${c.warnings.join('; ')}` : ''}`,
      x: { label: 'step k + 1', type: 'log' },
      y: { label: 'loss', type: 'log' },
      marks,
    },
    'linearizedConvergence on the analytic NTK: exact curve, classical (1 − ηλ_min/N)^k and alignment bounds (docs/analysis.md).',
  );
}

// ---------- run folders (report.json + figures/*.json) ----------
/** What the page reads of report.json (runner.ts's StoredReport). */
interface StoredReport {
  title: string;
  subtitle?: string;
  sections: { title: string; text?: string; figures: { name: string; caption?: string }[]; tables?: ReportTable[] }[];
  paper?: PaperVsHere;
}

/** Markup of the report's own HTML builders (src/report/html.ts: escaped text, MathML) as elements. */
function fromHtml(html: string): DocumentFragment {
  const t = document.createElement('template');
  t.innerHTML = html;
  return t.content;
}
async function openRun(report: StoredReport, figure: (name: string) => Promise<FigureSpec | null>): Promise<void> {
  const box = $('run-view');
  box.innerHTML = '';
  for (const p of [...plots.keys()].filter((k) => k.startsWith('run-'))) plots.delete(p);
  const h = document.createElement('h2');
  h.textContent = report.title;
  box.append(h);
  if (report.subtitle) {
    const p = document.createElement('p');
    p.className = 'subtitle';
    p.textContent = report.subtitle;
    box.append(p);
  }
  // paper versus here first and the tables after each section's figures, as in report.html
  if (report.paper) box.append(fromHtml(paperHtml(report.paper, 'run-paper')));
  for (const s of report.sections) {
    const sec = document.createElement('section');
    sec.id = `run-sec-${s.title}`;
    const h3 = document.createElement('h3');
    h3.textContent = s.title;
    sec.append(h3);
    if (s.text) sec.append(fromHtml(paragraphsHtml(s.text)));
    box.append(sec);
    for (const f of s.figures) {
      const spec = await figure(f.name);
      if (!spec) {
        const p = document.createElement('p');
        p.className = 'note';
        p.textContent = `figures/${f.name}.json: not dropped`;
        sec.append(p);
        continue;
      }
      const pl = new Plot(spec, `run-${f.name}`, f.caption);
      plots.set(`run-${f.name}`, pl);
      sec.append(pl.el);
    }
    for (const t of s.tables ?? []) sec.append(fromHtml(tableHtml(t)));
  }
  selectView('run');
}

async function readEntry(entry: FileSystemEntry, path: string, out: Map<string, File>): Promise<void> {
  if (entry.isFile) {
    const f = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    out.set(path + entry.name, f);
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    const all: FileSystemEntry[] = [];
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
      if (!batch.length) break;
      all.push(...batch);
    }
    for (const e of all) await readEntry(e, `${path}${entry.name}/`, out);
  }
}

async function onDrop(ev: DragEvent): Promise<void> {
  ev.preventDefault();
  document.body.classList.remove('dragging');
  const dt = ev.dataTransfer;
  if (!dt) return;
  const got = new Map<string, File>();
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length && entries.some((e) => e.isDirectory)) for (const e of entries) await readEntry(e, '', got);
  else for (const f of dt.files) got.set(f.name, f);
  const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
  const report = [...got.keys()].find((k) => base(k) === 'report.json');
  if (report) {
    const specs = new Map<string, File>();
    for (const [k, f] of got) if (k !== report && k.endsWith('.json')) specs.set(base(k).replace(/\.json$/, ''), f);
    try {
      const rep = JSON.parse(await (got.get(report) as File).text()) as StoredReport;
      await openRun(rep, async (name) => {
        const f = specs.get(name);
        return f ? (JSON.parse(await f.text()) as FigureSpec) : null;
      });
      setStatus(`opened ${report}`, 'ok');
    } catch (e) {
      fail(`${report}: ${(e as Error).message}`);
    }
    return;
  }
  const data = [...got.entries()].filter(([k]) => /\.(npy|csv)$/i.test(k));
  for (const [k, f] of data) files.set(base(k), { name: base(k), bytes: new Uint8Array(await f.arrayBuffer()) });
  listFiles();
  const names = data.map(([k]) => base(k));
  const csv = names.find((n) => /\.csv$/i.test(n));
  const xs = names.filter((n) => /\.npy$/i.test(n));
  let spec: string | null = null;
  if (csv) spec = `csv:path=${csv}`;
  else if (xs.length >= 2) {
    const x = xs.find((n) => /^x|_x|x\./i.test(n)) ?? xs[0];
    const y = xs.find((n) => n !== x) as string;
    spec = `npy:x=${x}:y=${y}`;
  }
  if (spec) {
    state.data = spec;
    $<HTMLInputElement>('data').value = spec;
    onChange();
    setStatus(`dropped ${names.join(', ')}: data spec ${spec}`, 'ok');
  } else if (names.length) setStatus(`dropped ${names.join(', ')}: drop X.npy and y.npy together, or a CSV`, 'ok');
}

// ---------- wiring ----------
function selectView(v: string): void {
  state.view = v;
  for (const b of document.querySelectorAll<HTMLButtonElement>('nav button'))
    b.classList.toggle('active', b.dataset.view === v);
  for (const s of document.querySelectorAll<HTMLElement>('main > section.view')) s.hidden = s.id !== `view-${v}`;
  writeState();
}

function onChange(): void {
  state.arch = $<HTMLTextAreaElement>('arch').value;
  state.data = $<HTMLInputElement>('data').value.trim();
  state.param = $<HTMLSelectElement>('param').value as 'ntk' | 'standard';
  state.seed = Number($<HTMLInputElement>('seed').value) || 0;
  state.lr = $<HTMLInputElement>('lr').value.trim() || DEFAULTS.lr;
  state.steps = Math.max(1, Math.floor(Number($<HTMLInputElement>('steps').value) || DEFAULTS.steps));
  state.linearized = $<HTMLInputElement>('linearized').checked;
  validate();
  writeState();
}

function init(): void {
  $<HTMLTextAreaElement>('arch').value = state.arch;
  $<HTMLInputElement>('data').value = state.data;
  $<HTMLSelectElement>('param').value = state.param;
  $<HTMLInputElement>('seed').value = String(state.seed);
  $<HTMLInputElement>('lr').value = state.lr;
  $<HTMLInputElement>('steps').value = String(state.steps);
  $<HTMLInputElement>('corrupt').value = String(state.corrupt);
  $<HTMLInputElement>('linearized').checked = state.linearized;
  for (const id of ['arch', 'data', 'param', 'seed', 'lr', 'steps', 'linearized'])
    $(id).addEventListener('input', onChange);
  for (const b of document.querySelectorAll<HTMLButtonElement>('#presets button'))
    b.addEventListener('click', () => {
      $<HTMLInputElement>('data').value = b.dataset.spec as string;
      onChange();
    });
  $('corrupt').addEventListener('input', () => {
    state.corrupt = Number($<HTMLInputElement>('corrupt').value);
    writeState();
    if (last) boundView(last);
  });
  $('compute').addEventListener('click', compute);
  $('train').addEventListener('click', trainNow);
  $('cancel').addEventListener('click', cancel);
  $('export-x').addEventListener('click', () => {
    if (!last) return setStatus('compute the kernels first', 'error');
    const id = nextId++;
    const X = last.X.slice();
    send({ type: 'exportX', id, X, n: last.n, d: last.d }, 'export', (m) => {
      done(id);
      if (m.type !== 'npy') return;
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([m.bytes as BlobPart], { type: 'application/octet-stream' }));
      a.download = 'X.npy';
      a.click();
      setStatus('X.npy: the inputs as float64, for `ntk kernel --x X.npy`', 'ok');
    });
  });
  for (const b of document.querySelectorAll<HTMLButtonElement>('nav button'))
    b.addEventListener('click', () => selectView(b.dataset.view as string));
  window.addEventListener('dragover', (e) => {
    e.preventDefault();
    document.body.classList.add('dragging');
  });
  window.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
  window.addEventListener('drop', (e) => void onDrop(e));
  selectView(state.view);
  validate();
  setStatus('ready', 'ok');
  document.body.dataset.ready = '1';
  const run = new URLSearchParams(location.hash.slice(1)).get('run');
  if (run) void loadServedRun(run);
}

/** `ntk serve RUN_DIR` serves the folder under run/: open its report.json and figure specs. */
async function loadServedRun(prefix: string): Promise<void> {
  try {
    const r = await fetch(`${prefix}report.json`);
    if (!r.ok) throw new Error(`${prefix}report.json: ${r.status}`);
    const rep = (await r.json()) as StoredReport;
    await openRun(rep, async (name) => {
      const f = await fetch(`${prefix}figures/${name}.json`);
      return f.ok ? ((await f.json()) as FigureSpec) : null;
    });
  } catch (e) {
    fail((e as Error).message);
  }
}

init();
