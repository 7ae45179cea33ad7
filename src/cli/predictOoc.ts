/**
 * The out-of-core solver behind `ntk predict --solver ooc` (kernel regression with the train kernel in tiles on disk:
 * src/predict/outOfCore.ts). `predictOoc(options)` takes already-parsed options so `ntk predict` can call it;
 * `predictOocCommand` parses its own argv for a standalone entry.
 *
 * Writes to `out`: predictions.npy (m × C float64), alpha.npy (n × C), summary.json (accuracy overall and per class
 * for classification, MSE, the ridge, the relative residuals of the solve, seconds per phase, peak RSS).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../errors.js';
import { alignClasses, loadDataset } from '../data/index.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { writeMatrixNpy } from '../io/npy.js';
import type { Matrix } from '../linalg/matrix.js';
import { outOfCoreRegression, type OocProgress } from '../predict/outOfCore.js';
import type { Command } from './command.js';

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

function argmaxAccuracy(P: Matrix, y: Int32Array, C: number) {
  const right = new Array<number>(C).fill(0);
  const count = new Array<number>(C).fill(0);
  for (let i = 0; i < P.rows; i++) {
    let best = 0;
    for (let c = 1; c < P.cols; c++) if (P.data[i * P.cols + c] > P.data[i * P.cols + best]) best = c;
    count[y[i]]++;
    if (best === y[i]) right[y[i]]++;
  }
  return { accuracy: right.reduce((a, b) => a + b, 0) / P.rows, perClass: right.map((r, c) => r / (count[c] || 1)) };
}

export async function predictOoc(o: PredictOocOptions): Promise<Record<string, unknown>> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const train = loadDataset(o.train);
  const test = alignClasses(loadDataset(o.test), train);
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
  let mse = 0;
  const T = test.targets.data;
  for (let i = 0; i < T.length; i++) mse += (r.predictions.data[i] - T[i]) ** 2;
  mse /= Math.max(1, test.targets.rows);
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
    mse,
    residuals: r.residuals,
    seconds: r.seconds,
    totalSeconds: (performance.now() - t0) / 1000,
    tile: r.tile,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  if (test.task === 'classification') {
    const acc = argmaxAccuracy(r.predictions, test.y, test.classes.length);
    summary.accuracy = acc.accuracy;
    summary.perClassAccuracy = Object.fromEntries(test.classes.map((c, k) => [c, acc.perClass[k]]));
  }
  mkdirSync(o.out, { recursive: true });
  writeMatrixNpy(join(o.out, 'predictions.npy'), r.predictions);
  writeMatrixNpy(join(o.out, 'alpha.npy'), r.alpha);
  writeJsonAtomic(join(o.out, 'summary.json'), summary);
  return summary;
}

const USAGE = `ntk predict-ooc --arch SPEC --train SPEC --test SPEC --ridge R [--ridge-absolute] --kernels DIR --out DIR
               [--get nngp|ntk] [--param ntk|standard] [--tile B] [--refine K] [--workers N]

Kernel regression with the train kernel in tiles on disk (docs/predict-scale.md): full MNIST (n = 60 000) in float64
on a 24 GB machine. Resumable: rerun the same command after a kill; --kernels DIR keeps the tiles.
  --ridge R         ρ = R · mean(diag K) (or ρ = R with --ridge-absolute)
  --kernels DIR     tile folder (≈ 8·(n² + n·B + m·n) bytes; checked before the work)
  --tile B          rows per tile side (default min(n, 5000))
  --refine K        at most K iterative-refinement steps (default 3)`;

export const predictOocCommand: Command = {
  usage: USAGE,
  async run(argv) {
    const { values: v } = parseArgs({
      args: argv,
      options: {
        arch: { type: 'string' },
        train: { type: 'string' },
        test: { type: 'string' },
        get: { type: 'string' },
        param: { type: 'string' },
        ridge: { type: 'string' },
        'ridge-absolute': { type: 'boolean', default: false },
        kernels: { type: 'string' },
        out: { type: 'string' },
        tile: { type: 'string' },
        refine: { type: 'string' },
        workers: { type: 'string' },
      },
    });
    for (const k of ['arch', 'train', 'test', 'ridge', 'kernels', 'out'] as const) {
      if (v[k] === undefined) throw new ConfigError(`--${k}`, 'is required');
    }
    const get = v.get ?? 'nngp';
    if (get !== 'nngp' && get !== 'ntk') throw new ConfigError('--get', `must be nngp or ntk; got '${get}'`);
    const param = v.param ?? 'ntk';
    if (param !== 'ntk' && param !== 'standard')
      throw new ConfigError('--param', `must be ntk or standard; got '${param}'`);
    const num = (flag: string, s: string | undefined, int: boolean, min: number): number | undefined => {
      if (s === undefined) return undefined;
      const x = Number(s);
      if (!Number.isFinite(x) || x < min || (int && !Number.isInteger(x)))
        throw new ConfigError(flag, `must be ${int ? 'an integer' : 'a number'} ≥ ${min}; got '${s}'`);
      return x;
    };
    const tile = num('--tile', v.tile, true, 1);
    const refine = num('--refine', v.refine, true, 0);
    const workers = num('--workers', v.workers, true, 0);
    const summary = await predictOoc({
      arch: v.arch!,
      train: v.train!,
      test: v.test!,
      get,
      param,
      ridge: num('--ridge', v.ridge, false, 0)!,
      ridgeRelative: !v['ridge-absolute'],
      kernels: v.kernels!,
      out: v.out!,
      ...(tile !== undefined ? { tile } : {}),
      ...(refine !== undefined ? { refine } : {}),
      ...(workers !== undefined ? { workers } : {}),
    });
    const acc = typeof summary.accuracy === 'number' ? `, accuracy ${(100 * summary.accuracy).toFixed(2)}%` : '';
    process.stdout.write(
      `ntk predict (ooc): n = ${summary.n}, m = ${summary.m}${acc}, MSE ${Number(summary.mse).toPrecision(4)}, relative residual ${(summary.residuals as number[]).at(-1)?.toExponential(2)}\n`,
    );
    return 0;
  },
};
