/**
 * The out-of-core solver behind `ntk predict --solver ooc` (kernel regression with the train kernel in tiles on disk:
 * src/predict/outOfCore.ts). `predictOoc(options)` takes the options `ntk predict` parsed and checked
 * (src/cli/predict.ts, src/cli/predictDist.ts).
 *
 * Writes to `out`: predictions.npy (m × C float64), alpha.npy (n × C), summary.json (the test metrics of the dense
 * path's predictionMetrics: MSE, and for classification the accuracy overall and per class; the ridge, the relative
 * residuals of the solve, seconds per phase, peak RSS).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/types.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { writeMatrixNpy } from '../io/npy.js';
import { predictionMetrics } from '../predict/dense.js';
import { outOfCoreRegression, type OocProgress } from '../predict/outOfCore.js';
import { loadTrainTest } from './inputs.js';

export interface PredictOocOptions {
  readonly arch: string;
  /** dataset specs (ntk data --help) */
  readonly train: string;
  readonly test: string;
  readonly get?: 'nngp' | 'ntk';
  readonly param?: 'ntk' | 'standard';
  readonly ridge: number;
  /** ρ = ridge · mean(diag K) (default true) */
  readonly ridgeRelative?: boolean;
  /** checkpoint folder for the tiles (kept; a rerun resumes from it) */
  readonly kernels: string;
  readonly out: string;
  readonly tile?: number;
  readonly refine?: number;
  readonly workers?: number;
  /** progress lines (default: stderr) */
  readonly log?: (line: string) => void;
}

function formatProgress(p: OocProgress): string {
  const pct = ((100 * p.done) / Math.max(1, p.total)).toFixed(1);
  const eta = p.eta === null ? '?' : `${p.eta.toFixed(0)} s`;
  return `ntk predict (ooc) ${p.phase}: ${p.done}/${p.total} (${pct}%), ${p.elapsed.toFixed(0)} s, ETA ${eta}${p.message ? `, ${p.message}` : ''}`;
}

export async function predictOoc(
  o: PredictOocOptions,
  data: { train: Dataset; test: Dataset } = loadTrainTest(o.train, o.test),
): Promise<Record<string, unknown>> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { train, test } = data;
  const t0 = performance.now();
  const r = await outOfCoreRegression({
    arch: o.arch,
    inputShape: [train.X.cols],
    get: o.get ?? 'nngp',
    ...(o.param ? { param: o.param } : {}),
    xTrain: train.X,
    yTrain: train.targets,
    xTest: test.X,
    ridge: o.ridge,
    ridgeRelative: o.ridgeRelative ?? true,
    dir: o.kernels,
    ...(o.tile !== undefined ? { tile: o.tile } : {}),
    ...(o.refine !== undefined ? { refine: o.refine } : {}),
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
    onProgress: (p) => log(formatProgress(p)),
  });
  const metrics = predictionMetrics(
    r.predictions,
    test.targets,
    test.task === 'classification' ? { y: test.y, names: test.classes } : undefined,
  );
  const summary: Record<string, unknown> = {
    solver: 'ooc (tiled float64 Cholesky on disk + iterative refinement)',
    arch: o.arch,
    get: o.get ?? 'nngp',
    train: train.spec,
    test: test.spec,
    n: train.X.rows,
    m: test.X.rows,
    ridge: r.ridge,
    ridgeRelative: (o.ridgeRelative ?? true) ? o.ridge : null,
    meanDiag: r.meanDiag,
    mse: metrics.mse,
    residuals: r.residuals,
    seconds: r.seconds,
    totalSeconds: (performance.now() - t0) / 1000,
    tile: r.tile,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    ...(metrics.accuracy !== null ? { accuracy: metrics.accuracy, perClass: metrics.perClass } : {}),
  };
  mkdirSync(o.out, { recursive: true });
  writeMatrixNpy(join(o.out, 'predictions.npy'), r.predictions);
  writeMatrixNpy(join(o.out, 'alpha.npy'), r.alpha);
  writeJsonAtomic(join(o.out, 'summary.json'), summary);
  return summary;
}
