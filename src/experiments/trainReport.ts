/**
 * The report of an `ntk train` folder (config.json, metrics.jsonl, summary.json): what was trained, how it ended,
 * and the tracked dynamics as figures — losses of the network and its linearization, kernel and parameter drift,
 * accuracies, the residual's projections on Θ₀'s eigenvectors over training. `ntk report TRAIN_DIR` writes it as
 * report.html with the figure specs and SVGs in figures/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, FormatError } from '../errors.js';
import type { FigureSpec, Mark } from '../report/figure.js';
import { renderHtml, type ReportSection } from '../report/html.js';
import { formatSig } from '../report/scale.js';
import { renderSvg } from '../report/svg.js';
import { isPlainObject } from './schema.js';

type Rec = Record<string, unknown>;

function readJsonFile(path: string): Rec {
  if (!existsSync(path))
    throw new ConfigError('RUN_DIR', `${path} does not exist; is this a folder written by \`ntk train\`?`);
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FormatError(path, `is not valid JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(v)) throw new FormatError(path, 'must hold a JSON object');
  return v;
}

/** metrics.jsonl's records (one JSON object a line); a FormatError naming the line otherwise. */
export function readMetrics(path: string): Rec[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l, i) => {
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch (e) {
        throw new FormatError(path, `line ${i + 1} is not valid JSON: ${(e as Error).message}`);
      }
      if (!isPlainObject(v)) throw new FormatError(path, `line ${i + 1} must be a JSON object`);
      return v;
    });
}

const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string =>
  v === undefined || v === null
    ? '–'
    : typeof v === 'string'
      ? v
      : typeof v === 'number'
        ? formatSig(v)
        : JSON.stringify(v);

/** The tracked series that are present (not all null) in the records. */
function series(recs: Rec[], key: string): (number | null)[] | null {
  const ys = recs.map((r) => numOrNull(r[key]));
  return ys.some((y) => y !== null) ? ys : null;
}

/** The figures of a train folder's metrics: name → spec. */
export function trainFigures(recs: Rec[]): Map<string, { spec: FigureSpec; caption: string }> {
  const out = new Map<string, { spec: FigureSpec; caption: string }>();
  if (recs.length === 0) return out;
  // log-spaced records start at step 0: plotted at step + 1 on a log axis
  const x = recs.map((r) => (numOrNull(r.step) ?? 0) + 1);
  const line = (key: string, label: string, color: number, dash = false): Mark[] => {
    const y = series(recs, key);
    return y ? [{ type: 'line', x, y, color, label, dash }] : [];
  };
  const losses = [
    ...line('loss', 'network, train', 0),
    ...line('linLoss', 'linearized, train', 1, true),
    ...line('testLoss', 'network, test', 2),
  ];
  if (losses.length)
    out.set('loss', {
      spec: {
        title: 'Loss during training',
        subtitle: 'the network and its linearization around θ₀ (trained alongside)',
        x: { label: 'step k + 1', type: 'log' },
        y: { label: 'loss', type: 'log' },
        marks: losses,
      },
      caption: 'Where the two training curves part, the network has left the kernel regime.',
    });
  const drift = [
    ...line('ntkDrift', '‖Θ_k − Θ₀‖_F / ‖Θ₀‖_F', 0),
    ...line('kernelDistance', 'kernel distance', 1, true),
    ...line('linGapTrain', '‖f − f_lin‖ (train)', 2),
  ];
  if (drift.length)
    out.set('drift', {
      spec: {
        title: 'Kernel drift and distance to the linearization',
        x: { label: 'step k + 1', type: 'log' },
        y: { label: 'relative change' },
        marks: drift,
      },
      caption: 'NTK drift and the function-space gap between the network and its linearization.',
    });
  const acc = [
    ...line('accuracy', 'train', 0),
    ...line('testAccuracy', 'test', 2),
    ...line('linAccuracy', 'linearized, train', 1, true),
  ];
  if (acc.length)
    out.set('accuracy', {
      spec: {
        title: 'Accuracy',
        x: { label: 'step k + 1', type: 'log' },
        y: { label: 'accuracy', percent: true, domain: [0, 1] },
        marks: acc,
      },
      caption: 'Classification accuracy of the network (and of its linearization).',
    });
  const proj = recs.map((r) => (Array.isArray(r.residualProjections) ? (r.residualProjections as unknown[]) : []));
  const kp = Math.min(...proj.map((p) => p.length));
  if (kp > 0 && Number.isFinite(kp)) {
    const k = Math.min(kp, 32);
    const values: number[] = [];
    for (const p of proj) for (let i = 0; i < k; i++) values.push(Math.log10(Math.max(numOrNull(p[i]) ?? 0, 1e-16)));
    out.set('projections', {
      spec: {
        title: `Residual projections on the top ${k} eigenvectors of Θ₀`,
        subtitle: 'row = recorded step k (top: k = 0), column = eigenvector i (descending λᵢ)',
        width: 560,
        height: 440,
        x: { label: 'eigenvector index i' },
        y: { label: 'training step k' },
        marks: [
          {
            type: 'heatmap',
            rows: recs.length,
            cols: k,
            values,
            scheme: 'viridis',
            label: 'log₁₀ (vᵢᵀr)²/‖r‖²',
            rowValues: recs.map((r) => numOrNull(r.step) ?? 0),
            colValues: Array.from({ length: k }, (_, i) => i + 1),
          },
        ],
      },
      caption: 'Large-eigenvalue directions (left) are fitted first: their share of the residual drops.',
    });
  }
  return out;
}

/** The HTML report of a train folder, and its figures (to be written to figures/). */
export function renderTrainReport(dir: string): {
  html: string;
  figures: Map<string, { spec: FigureSpec; caption: string }>;
} {
  const cfg = readJsonFile(join(dir, 'config.json'));
  const summary = existsSync(join(dir, 'summary.json')) ? readJsonFile(join(dir, 'summary.json')) : {};
  const recs = readMetrics(join(dir, 'metrics.jsonl'));
  const figures = trainFigures(recs);
  const fin = isPlainObject(summary.final) ? summary.final : (recs[recs.length - 1] ?? {});
  const first = recs[0] ?? {};
  const rows: [string, string][] = [
    ['status', `${str(summary.status)}${summary.message ? ` (${str(summary.message)})` : ''}`],
    ['steps', `${str(summary.step)} of ${str(summary.steps ?? cfg.steps)}`],
    ['learning rate η', str(summary.eta)],
    ['λ_max(Θ₀)', str(summary.lambdaMax)],
    ['loss', `${str(first.loss)} → ${str(fin.loss)}`],
    ['linearized loss', `${str(first.linLoss)} → ${str(fin.linLoss)}`],
    ['test loss', str(fin.testLoss)],
    ['accuracy (train / test)', `${str(fin.accuracy)} / ${str(fin.testAccuracy)}`],
    ['NTK drift at the end', str(fin.ntkDrift)],
    ['‖f − f_lin‖ at the end', str(fin.linGapTrain)],
  ];
  const sections: ReportSection[] = [
    {
      title: 'Outcome',
      text:
        `Trained \`${str(cfg.arch)}\` on ${str(cfg.data)} with the ${str(cfg.loss)} loss for ${str(summary.step)} steps (${str(summary.status)}). ` +
        (numOrNull(fin.loss) !== null && numOrNull(first.loss) !== null
          ? `The training loss fell by a factor ${formatSig((first.loss as number) / Math.max(fin.loss as number, 1e-300))}.`
          : ''),
      figures: [...figures].map(([name, f]) => ({ name, svg: renderSvg(f.spec), caption: f.caption })),
      tables: [{ title: 'Summary', columns: ['quantity', 'value'], rows }],
    },
  ];
  const backend = isPlainObject(cfg.backend) ? cfg.backend : {};
  const html = renderHtml({
    title: `Training run: ${str(cfg.arch)}`,
    subtitle: str(cfg.command),
    meta: [
      ['command', str(cfg.command)],
      ['data', `${str(cfg.data)}${cfg.testData ? `; test ${str(cfg.testData)}` : ''}`],
      [
        'loss',
        `${str(cfg.loss)} (${str(cfg.normalization)})${cfg.reg !== null && cfg.reg !== undefined ? `, reg ${str(cfg.reg)}` : ''}`,
      ],
      ['seed', str(cfg.seed)],
      ['parameterization', str(cfg.param)],
      ['ntk-lab', str(cfg.ntkLab)],
      ['backend', `${str(backend.name)} (${str(backend.corename)}, ${str(backend.threads)} threads)`],
      ['seconds', str(summary.seconds)],
    ],
    status:
      summary.status && summary.status !== 'completed' ? `This run's status is "${str(summary.status)}".` : undefined,
    sections,
    config: cfg,
  });
  return { html, figures };
}
