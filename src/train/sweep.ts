/**
 * Sweeps over width and seed, and ensembles of trained networks compared with the infinite-width predictions.
 *
 * `sweep` trains `archTemplate` with `{w}` replaced by each width, for every seed, and returns each run's final
 * record and outputs. `ensembleVsGp` trains one architecture for many seeds on MSE and compares the ensemble of test
 * outputs f_T(x_*) (mean over seeds, and covariance over seeds pooled over the O outputs) with
 *   - the NTK-GP of Lee et al. 2019 (eqs. (15)–(16)): the distribution of the linearized network trained on MSE from a
 *     random initialization f₀ ~ GP(0, K), evaluated at gradient-flow time t = T steps (the discrete recursion
 *     (1 − aλ)^T differs from e^{−aλT} by O(a²λ²T) per mode, small for the learning rates used here), from the
 *     analytic Θ∞ and K of src/kernels (kernelFn);
 *   - the NNGP posterior mean and covariance (exact Bayesian inference with K, a reference only).
 * The learning rate is shared by every seed: absolute, or a fraction c of 2/(λ_max(Θ∞)/N + λ) with the analytic Θ∞.
 */
import { ntkGpPosterior, nngpPosterior } from '../analysis/predictions.js';
import { InvalidArgumentError } from '../errors.js';
import { kernelFn } from '../analytic/kernelFn.js';
import { lossDivisor } from '../analysis/common.js';
import { eigh, Matrix } from '../linalg/index.js';
import type { TrainConfig, TrainData } from './config.js';
import type { TrainRecord } from './trackers.js';
import { type TrainStatus, train } from './trainer.js';

export interface SweepRun {
  readonly width: number;
  readonly seed: number;
  readonly status: TrainStatus;
  readonly eta: number;
  readonly final: TrainRecord | null;
  readonly history: readonly TrainRecord[];
  /** Final test outputs (m·O) of the network and of the linearized model, when a test set was given. */
  readonly fTest: Float64Array | null;
  readonly fLinTest: Float64Array | null;
}

export interface SweepConfig extends Omit<TrainConfig, 'arch' | 'seed'> {
  /** Architecture with `{w}` where the width goes, e.g. `dense({w}),relu,dense({w}),relu,dense(1)`. */
  readonly archTemplate: string;
  readonly widths: readonly number[];
  readonly seeds: readonly number[];
}

/** Train every (width, seed) pair; runs are independent (same data, seed → θ₀). */
export async function sweep(
  cfg: SweepConfig,
  data: TrainData,
  opts: { readonly onRun?: (r: SweepRun) => void } = {},
): Promise<SweepRun[]> {
  if (!cfg.archTemplate.includes('{w}'))
    throw new InvalidArgumentError('sweep', 'archTemplate', 'an architecture containing `{w}`', cfg.archTemplate);
  for (const w of cfg.widths)
    if (!Number.isInteger(w) || w < 1)
      throw new InvalidArgumentError('sweep', 'widths', 'positive integers', cfg.widths);
  if (cfg.seeds.length === 0) throw new InvalidArgumentError('sweep', 'seeds', 'a non-empty list', cfg.seeds);
  const runs: SweepRun[] = [];
  const { archTemplate, widths, seeds, ...rest } = cfg;
  for (const width of widths) {
    for (const seed of seeds) {
      const r = await train({ ...rest, arch: archTemplate.replaceAll('{w}', String(width)), seed }, data);
      const run: SweepRun = {
        width,
        seed,
        status: r.status,
        eta: r.eta,
        final: r.history.at(-1) ?? null,
        history: r.history,
        fTest: r.fTest,
        fLinTest: r.fLinTest,
      };
      runs.push(run);
      opts.onRun?.(run);
    }
  }
  return runs;
}

export interface EnsembleComparison {
  readonly seeds: number;
  readonly eta: number;
  /** m × O ensemble mean of the trained networks' test outputs, and m × m covariance over seeds (pooled over O). */
  readonly ensembleMean: Matrix;
  readonly ensembleCov: Matrix;
  /** Same for the linearized models trained alongside. */
  readonly linEnsembleMean: Matrix;
  readonly linEnsembleCov: Matrix;
  /** NTK-GP at t = steps, and the NNGP posterior. */
  readonly ntkGpMean: Matrix;
  readonly ntkGpCov: Matrix;
  readonly nngpMean: Matrix;
  readonly nngpCov: Matrix;
  /** ‖ensembleMean − ntkGpMean‖_F/‖ntkGpMean‖_F and ‖ensembleCov − ntkGpCov‖_F/‖ntkGpCov‖_F. */
  readonly meanRelError: number;
  readonly covRelError: number;
}

const frob = (a: Float64Array, b: Float64Array | null = null): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - (b ? b[i] : 0)) ** 2;
  return Math.sqrt(s);
};

/** Mean (m×O) and covariance over members (m×m, unbiased, pooled over the O outputs) of K output vectors (m·O). */
export function ensembleMoments(outs: readonly Float64Array[], m: number, O: number): { mean: Matrix; cov: Matrix } {
  const S = outs.length;
  const mean = new Matrix(m, O);
  for (const f of outs) for (let i = 0; i < m * O; i++) mean.data[i] += f[i] / S;
  const cov = new Matrix(m, m);
  for (const f of outs)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let o = 0; o < O; o++) s += (f[i * O + o] - mean.data[i * O + o]) * (f[j * O + o] - mean.data[j * O + o]);
        cov.data[i * m + j] += s / ((S - 1) * O);
      }
  return { mean, cov };
}

/**
 * Train `arch` for each seed on MSE (no regularization) and compare the ensemble of test outputs with the NTK-GP and
 * NNGP predictions from the analytic kernels (see the module comment). Needs a test set and at least 2 seeds.
 */
export async function ensembleVsGp(
  cfg: Omit<TrainConfig, 'seed'> & { readonly seeds: readonly number[]; readonly arch: string },
  data: TrainData,
): Promise<EnsembleComparison> {
  const fn = 'ensembleVsGp';
  if (cfg.loss !== 'mse')
    throw new InvalidArgumentError(fn, 'loss', '`mse` (the NTK-GP describes MSE training)', cfg.loss);
  if (cfg.reg && cfg.reg.lambda > 0)
    throw new InvalidArgumentError(fn, 'reg', 'absent (the NTK-GP is unregularized GD)', cfg.reg.lambda);
  if ((cfg.momentum ?? 0) !== 0 || (cfg.batchSize ?? data.X.rows) !== data.X.rows)
    throw new InvalidArgumentError(
      fn,
      'optimizer',
      'full-batch GD without momentum',
      `${cfg.batchSize}, ${cfg.momentum}`,
    );
  if (!data.Xtest || !data.Ytest) throw new InvalidArgumentError(fn, 'data', 'a test set (Xtest, Ytest)', 'none');
  if (cfg.seeds.length < 2) throw new InvalidArgumentError(fn, 'seeds', 'at least 2 seeds', cfg.seeds);
  const n = data.X.rows;
  const m = data.Xtest.rows;
  const O = data.Y.cols;
  const normalization = cfg.normalization ?? 'sum';
  const N = lossDivisor(normalization, n);
  const kfn = kernelFn(cfg.arch, {
    inputShape: cfg.inputShape ?? [data.X.cols],
    param: cfg.param ?? 'ntk',
    perPosition: cfg.perPosition === true,
  });
  const tr = await kfn(data.X, null, 'both');
  const te = await kfn(data.Xtest, data.X, 'both');
  const tt = await kfn(data.Xtest, null, 'nngp');
  const e = eigh(tr.ntk);
  const lambda = 0;
  const eta = 'absolute' in cfg.lr ? cfg.lr.absolute : (cfg.lr.fraction * 2) / (e.values[n - 1] / N + lambda);
  const outs: Float64Array[] = [];
  const lins: Float64Array[] = [];
  const { seeds, ...rest } = cfg;
  for (const seed of seeds) {
    const r = await train(
      { ...rest, lr: { absolute: eta }, seed, trackers: ['loss'], schedule: { kind: 'list', steps: [] } },
      data,
    );
    if (r.status !== 'completed')
      throw new InvalidArgumentError(fn, 'lr', 'a learning rate that does not diverge', eta, r.message);
    outs.push(r.fTest as Float64Array);
    if (r.fLinTest) lins.push(r.fLinTest);
  }
  const ens = ensembleMoments(outs, m, O);
  const lin =
    lins.length === outs.length ? ensembleMoments(lins, m, O) : { mean: new Matrix(m, O), cov: new Matrix(m, m) };
  const gp = ntkGpPosterior({
    ntk: e,
    ntkTestTrain: te.ntk,
    nngpTrainTrain: tr.nngp,
    nngpTestTrain: te.nngp,
    nngpTestTest: tt,
    yTrain: data.Y,
    time: cfg.steps,
    eta,
    normalization,
  });
  const nngp = nngpPosterior({
    kTrainTrain: tr.nngp,
    kTestTrain: te.nngp,
    kTestTest: tt,
    yTrain: data.Y,
    ridge: 1e-10,
  });
  const gpCov = gp.covariance as Matrix;
  return {
    seeds: seeds.length,
    eta,
    ensembleMean: ens.mean,
    ensembleCov: ens.cov,
    linEnsembleMean: lin.mean,
    linEnsembleCov: lin.cov,
    ntkGpMean: gp.mean,
    ntkGpCov: gpCov,
    nngpMean: nngp.mean,
    nngpCov: nngp.covariance as Matrix,
    meanRelError: frob(ens.mean.data, gp.mean.data) / frob(gp.mean.data),
    covRelError: frob(ens.cov.data, gpCov.data) / frob(gpCov.data),
  };
}
