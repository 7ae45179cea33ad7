/**
 * Ensembles of finite networks beside the NTK-GP (`ntk predict --ensemble K`; docs/predict.md).
 *
 * `trainEnsemble` trains K networks of one architecture, each from its own seeded initialization (seeds s, s+1, …,
 * s+K−1: θ₀ = init(net, Rng(seed)) as everywhere in ntk-lab), by full-batch gradient descent on the squared loss
 * ‖f − Y‖²/(2N) (N = 1 for 'sum', n for 'mean') with step η, and records every member's test outputs after each
 * requested number of steps k. One GD step moves the linearized network by f ← f − (η/N)Θ̂(f − Y), so k steps are the
 * NTK-GP's flow time t = k in `ntkGpPosterior`'s convention (a·t with a = η/N): the same loss, normalization and
 * learning rate as the NTK-GP that `ntk predict` computes. With `linearized: true` each member's linearization
 * f(θ₀) + J₀(θ − θ₀) is trained alongside under the same steps (the trainer's linearized model).
 *
 * `ensembleGap` compares the ensemble at one step with the NTK-GP (mean μ, covariance Σ):
 *   - meanGap   = RMS over test points and outputs of (ensemble mean − μ), over the RMS GP standard deviation
 *                 σ = √(tr Σ / m); if the members were draws from the GP this is pure sampling noise, of expected
 *                 square 1/K: `meanNoise` = 1/√K;
 *   - chi2      = K·Σ_o Σ_r (u_rᵀ(m̄_o − μ_o))²/λ_r over Σ's eigenpairs with λ_r > 1e-3·λ_max: χ² with r·O degrees of
 *                 freedom when the members are GP draws; z = (χ² − dof)/√(2·dof);
 *   - varianceRatio = tr S / tr Σ (S: the ensemble covariance, pooled over outputs), with the spread it has for GP
 *                 draws, √(2 tr Σ²/(O(K − 1)))/tr Σ (≤ √(2/(O(K − 1))));
 *   - with the members' linearizations and the analytic Θ (`pairing`), the mean gap split over the same inits:
 *       ensemble mean − μ(t) = mean(f − f_pair)               [finite: every finite-width effect]
 *                            + (mean(f_pair) − μ_k)           [init: f₀'s sampling noise, mean exactly 0]
 *                            + (μ_k − μ(t))                   [discretization: k GD steps vs flow time t = k]
 *       mean(f − f_pair)     = mean(f − f_lin)                [nonlinear: the network vs its linearization]
 *                            + mean(f_lin − f_pair)           [kernel: Θ̂₀ vs Θ, same f₀]
 *     where f_pair = f_*0 + Θ_*Θ⁻¹(I − (I − aΘ)^k)(Y − f₀) is the NTK-GP's map applied to the member's own f₀ and μ_k
 *     its mean (`linearizedPredictions` at { step: k }). finite, nonlinear and kernel are paired differences whose
 *     spread shrinks with width, so their bias is measured far below the 1/√K noise of the raw gap; each comes with its standard
 *     error (RMS over points of sd/√K, in GP σ).
 */
import { linearizedPredictions } from '../analysis/predictions.js';
import { checkNormalization, type LossNormalization, lossDivisor } from '../analysis/common.js';
import type { Parameterization } from '../arch/types.js';
import { InvalidArgumentError } from '../errors.js';
import { eigh, type Eigh, Matrix } from '../linalg/index.js';
import { apply, buildNetwork } from '../nn/network.js';
import { resolveConfig, type TrainConfig } from '../train/config.js';
import { ensembleMoments } from '../train/sweep.js';
import { train } from '../train/trainer.js';

export interface EnsembleConfig {
  /** Architecture with finite widths (its output width = the targets' columns). */
  readonly arch: string;
  /** Per-example input shape (default [X.cols]). */
  readonly inputShape?: readonly number[];
  readonly param?: Parameterization;
  /** Ensemble size K ≥ 2. */
  readonly members: number;
  /** First seed s (members use s … s+K−1; default 0). */
  readonly seed?: number;
  /** GD step counts k at which the members' test outputs are kept (= NTK-GP flow times t = k). */
  readonly steps: readonly number[];
  /** Learning rate η (absolute). */
  readonly eta: number;
  /** Default 'sum'. */
  readonly normalization?: LossNormalization;
  /** Also train each member's linearization alongside (default false). */
  readonly linearized?: boolean;
}

export interface EnsembleData {
  readonly X: Matrix;
  readonly Y: Matrix;
  readonly Xtest: Matrix;
}

export interface EnsembleAtStep {
  readonly step: number;
  /** m×O mean over members and m×m covariance over members (unbiased, pooled over the O outputs). */
  readonly mean: Matrix;
  readonly covariance: Matrix;
  /** The members' test outputs (K of m·O), and those of their linearizations (when trained). */
  readonly outputs: readonly Float64Array[];
  readonly linOutputs: readonly Float64Array[] | null;
  readonly linMean: Matrix | null;
  readonly linCovariance: Matrix | null;
}

export interface Ensemble {
  readonly members: number;
  readonly seeds: readonly number[];
  readonly eta: number;
  readonly normalization: LossNormalization;
  readonly atSteps: readonly EnsembleAtStep[];
  /** Each member's f(θ₀) on the training and the test set (n·O, m·O). */
  readonly f0Train: readonly Float64Array[];
  readonly f0Test: readonly Float64Array[];
  /** Mean final training loss over the members. */
  readonly trainLoss: number;
  readonly seconds: number;
}

function trainConfig(cfg: EnsembleConfig, seed: number): TrainConfig {
  const last = Math.max(0, ...cfg.steps);
  return {
    arch: cfg.arch,
    ...(cfg.inputShape ? { inputShape: cfg.inputShape } : {}),
    param: cfg.param ?? 'ntk',
    seed,
    loss: 'mse',
    normalization: cfg.normalization ?? 'sum',
    lr: { absolute: cfg.eta },
    steps: last,
    linearized: cfg.linearized === true,
    trackers: ['loss'],
    schedule: { kind: 'list', steps: [last] },
  };
}

/** The trainer's data: the test targets are not used (the loss tracker only), zeros stand in for them. */
const trainData = (d: EnsembleData) => ({ X: d.X, Y: d.Y, Xtest: d.Xtest, Ytest: new Matrix(d.Xtest.rows, d.Y.cols) });

/**
 * Every check of `trainEnsemble` before any work: K ≥ 2, seeds, steps (non-negative integers), η > 0, the
 * architecture builds as a finite network with one output per target column, the data's shapes.
 */
export function checkEnsembleConfig(cfg: EnsembleConfig, data: EnsembleData): void {
  const fn = 'trainEnsemble';
  if (!Number.isSafeInteger(cfg.members) || cfg.members < 2)
    throw new InvalidArgumentError(fn, 'members', 'an integer K ≥ 2 (a covariance needs two members)', cfg.members);
  const seed = cfg.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0 || !Number.isSafeInteger(seed + cfg.members))
    throw new InvalidArgumentError(fn, 'seed', 'a non-negative integer', seed);
  if (cfg.steps.length === 0) throw new InvalidArgumentError(fn, 'steps', 'a non-empty list', cfg.steps);
  cfg.steps.forEach((k, i) => {
    if (!Number.isSafeInteger(k) || k < 0)
      throw new InvalidArgumentError(
        fn,
        `steps[${i}]`,
        'a non-negative integer (GD steps; the flow time t = k: an ensemble cannot train to t = ∞)',
        k,
      );
  });
  if (!(Number.isFinite(cfg.eta) && cfg.eta > 0))
    throw new InvalidArgumentError(fn, 'eta', 'a positive finite number', cfg.eta);
  checkNormalization(fn, cfg.normalization ?? 'sum');
  if (data.Xtest.cols !== data.X.cols)
    throw new InvalidArgumentError(fn, 'Xtest', `${data.X.cols} columns like X`, data.Xtest.cols);
  const net = buildNetwork(cfg.arch, cfg.inputShape ?? [data.X.cols], cfg.param ?? 'ntk');
  if (net.outDim !== data.Y.cols)
    throw new InvalidArgumentError(
      fn,
      'arch',
      `a network with ${data.Y.cols} output(s), one per target column`,
      `${cfg.arch} (${net.outDim} outputs)`,
    );
  resolveConfig(trainConfig(cfg, seed), trainData(data));
}

/** Train the ensemble (module comment). Members that diverge are an InvalidArgumentError naming η. */
export async function trainEnsemble(
  cfg: EnsembleConfig,
  data: EnsembleData,
  opts: { readonly onMember?: (done: number, total: number) => void } = {},
): Promise<Ensemble> {
  checkEnsembleConfig(cfg, data);
  const t0 = performance.now();
  const K = cfg.members;
  const seed0 = cfg.seed ?? 0;
  const steps = [...new Set(cfg.steps)];
  const m = data.Xtest.rows;
  const O = data.Y.cols;
  const outs = steps.map(() => [] as Float64Array[]);
  const lins = steps.map(() => [] as Float64Array[]);
  const f0Train: Float64Array[] = [];
  const f0Test: Float64Array[] = [];
  const seeds: number[] = [];
  let trainLoss = 0;
  for (let j = 0; j < K; j++) {
    const seed = seed0 + j;
    seeds.push(seed);
    const r = await train(trainConfig(cfg, seed), trainData(data), {
      testOutputsAt: {
        steps,
        fn: (k, f, fl) => {
          const i = steps.indexOf(k);
          outs[i].push(f);
          if (fl) lins[i].push(fl);
        },
      },
    });
    if (r.status !== 'completed')
      throw new InvalidArgumentError(
        'trainEnsemble',
        'eta',
        'a learning rate at which every member trains',
        cfg.eta,
        r.message,
      );
    f0Train.push(apply(r.params0, data.X).data);
    f0Test.push(apply(r.params0, data.Xtest).data);
    trainLoss += (r.history.at(-1)?.loss ?? Number.NaN) / K;
    opts.onMember?.(j + 1, K);
  }
  const lin = cfg.linearized === true;
  const atSteps = steps.map((step, i) => {
    const e = ensembleMoments(outs[i], m, O);
    const l = lin ? ensembleMoments(lins[i], m, O) : null;
    return {
      step,
      mean: e.mean,
      covariance: e.cov,
      outputs: outs[i],
      linOutputs: lin ? lins[i] : null,
      linMean: l ? l.mean : null,
      linCovariance: l ? l.cov : null,
    };
  });
  return {
    members: K,
    seeds,
    eta: cfg.eta,
    normalization: cfg.normalization ?? 'sum',
    atSteps,
    f0Train,
    f0Test,
    trainLoss,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** A paired term of the mean gap: RMS of its mean over points and outputs, and its standard error, in GP σ. */
export interface GapTerm {
  readonly rms: number;
  readonly noise: number;
}

export interface EnsembleGap {
  readonly step: number;
  readonly members: number;
  /** √(tr Σ / m): the RMS NTK-GP standard deviation over the test points. */
  readonly gpSigma: number;
  /** RMS(ensemble mean − μ)/σ, and its level for GP draws, 1/√K. */
  readonly meanGap: number;
  readonly meanNoise: number;
  readonly chi2: { readonly statistic: number; readonly dof: number; readonly z: number };
  /** tr S / tr Σ and its spread for GP draws. */
  readonly varianceRatio: number;
  readonly varianceRatioSpread: number;
  /** The split of the mean gap (module comment), when the analytic Θ was given (`pairing`); its nonlinear and
   * kernel parts and the linearized ensemble's gap and variance ratio need the members' linearizations (else null). */
  readonly decomposition: {
    /** mean(f − f_pair) = nonlinear + kernel: every finite-width effect, paired over the same f₀. */
    readonly finite: GapTerm;
    readonly init: GapTerm;
    readonly discretization: number;
    readonly nonlinear: GapTerm | null;
    readonly kernel: GapTerm | null;
    /** RMS(mean(f_lin) − μ)/σ and the linearized ensemble's variance ratio. */
    readonly linMeanGap: number | null;
    readonly linVarianceRatio: number | null;
  } | null;
}

/** For the decomposition: the analytic train–train NTK (its eigendecomposition), the test–train NTK and Y. */
export interface EnsemblePairing {
  readonly ntk: Eigh;
  readonly ntkTestTrain: Matrix;
  readonly yTrain: Matrix;
}

const CHI2_RELATIVE_FLOOR = 1e-3;

/** Compare an ensemble at one step with the NTK-GP at flow time t = step (module comment). */
export function ensembleGap(
  ens: Ensemble,
  at: EnsembleAtStep,
  gp: { readonly mean: Matrix; readonly covariance: Matrix },
  pairing?: EnsemblePairing,
): EnsembleGap {
  const fn = 'ensembleGap';
  const K = at.outputs.length;
  const m = at.mean.rows;
  const O = at.mean.cols;
  if (gp.mean.rows !== m || gp.mean.cols !== O)
    throw new InvalidArgumentError(
      fn,
      'gp.mean',
      `${m}×${O} like the ensemble mean`,
      `${gp.mean.rows}×${gp.mean.cols}`,
    );
  if (gp.covariance.rows !== m || gp.covariance.cols !== m)
    throw new InvalidArgumentError(fn, 'gp.covariance', `${m}×${m}`, `${gp.covariance.rows}×${gp.covariance.cols}`);
  const S = gp.covariance;
  let trS = 0;
  let trEns = 0;
  for (let i = 0; i < m; i++) {
    trS += S.data[i * m + i];
    trEns += at.covariance.data[i * m + i];
  }
  let trS2 = 0;
  for (let i = 0; i < m * m; i++) trS2 += S.data[i] * S.data[i];
  const gpSigma = Math.sqrt(trS / m);
  const rmsOver = (d: Float64Array): number => {
    let s = 0;
    for (const v of d) s += v * v;
    return Math.sqrt(s / d.length) / gpSigma;
  };
  const diff = new Float64Array(m * O);
  for (let i = 0; i < m * O; i++) diff[i] = at.mean.data[i] - gp.mean.data[i];
  // χ² in Σ's well-resolved eigen-directions
  const e = eigh(S);
  const lmax = e.values[m - 1];
  let chi = 0;
  let dof = 0;
  for (let r = 0; r < m; r++) {
    const lam = e.values[r];
    if (!(lam > CHI2_RELATIVE_FLOOR * lmax)) continue;
    for (let o = 0; o < O; o++) {
      let p = 0;
      for (let i = 0; i < m; i++) p += e.vectors.data[i * m + r] * diff[i * O + o];
      chi += (K * p * p) / lam;
      dof++;
    }
  }
  let decomposition: EnsembleGap['decomposition'] = null;
  if (pairing) {
    decomposition = decompose(ens, at, gp.mean, pairing, rmsOver, trS);
  }
  return {
    step: at.step,
    members: K,
    gpSigma,
    meanGap: rmsOver(diff),
    meanNoise: 1 / Math.sqrt(K),
    chi2: { statistic: chi, dof, z: (chi - dof) / Math.sqrt(2 * dof) },
    varianceRatio: trEns / trS,
    varianceRatioSpread: Math.sqrt((2 * trS2) / (O * (K - 1))) / trS,
    decomposition,
  };
}

function pairedTerm(a: readonly Float64Array[], b: readonly Float64Array[], gpSigma: number): GapTerm {
  const K = a.length;
  const D = a[0].length;
  let s2 = 0;
  let v2 = 0;
  for (let i = 0; i < D; i++) {
    let mu = 0;
    for (let j = 0; j < K; j++) mu += (a[j][i] - b[j][i]) / K;
    let v = 0;
    for (let j = 0; j < K; j++) v += (a[j][i] - b[j][i] - mu) ** 2 / (K - 1);
    s2 += mu * mu;
    v2 += v / K;
  }
  return { rms: Math.sqrt(s2 / D) / gpSigma, noise: Math.sqrt(v2 / D) / gpSigma };
}

function decompose(
  ens: Ensemble,
  at: EnsembleAtStep,
  gpMean: Matrix,
  q: EnsemblePairing,
  rmsOver: (d: Float64Array) => number,
  trS: number,
): NonNullable<EnsembleGap['decomposition']> {
  const n = q.yTrain.rows;
  const m = at.mean.rows;
  const O = at.mean.cols;
  const gpSigma = Math.sqrt(trS / m);
  const a = ens.eta / lossDivisor(ens.normalization, n);
  // f_pair of every member: the GP's map applied to its own f₀ (k discrete steps), and μ_k (f₀ = 0)
  const pair = (f0: Float64Array | null, f0t: Float64Array | null): Float64Array =>
    (
      linearizedPredictions(
        {
          ntk: q.ntk,
          yTrain: q.yTrain,
          ntkTestTrain: q.ntkTestTrain,
          ...(f0 ? { fTrain0: new Matrix(n, O, f0) } : {}),
          ...(f0t ? { fTest0: new Matrix(m, O, f0t) } : {}),
          eta: a,
          normalization: 'sum',
        },
        [{ step: at.step }],
      )[0].test as Matrix
    ).data;
  const pairs = ens.f0Train.map((f0, j) => pair(f0, ens.f0Test[j]));
  const muK = pair(null, null);
  const init = pairedTerm(
    pairs,
    pairs.map(() => muK),
    gpSigma,
  );
  const dd = new Float64Array(m * O);
  for (let i = 0; i < m * O; i++) dd[i] = muK[i] - gpMean.data[i];
  const lin = at.linOutputs;
  let linPart: { linMeanGap: number; linVarianceRatio: number } | null = null;
  if (lin && at.linMean && at.linCovariance) {
    const ld = new Float64Array(m * O);
    for (let i = 0; i < m * O; i++) ld[i] = at.linMean.data[i] - gpMean.data[i];
    let trLin = 0;
    for (let i = 0; i < m; i++) trLin += at.linCovariance.data[i * m + i];
    linPart = { linMeanGap: rmsOver(ld), linVarianceRatio: trLin / trS };
  }
  return {
    finite: pairedTerm(at.outputs, pairs, gpSigma),
    init,
    discretization: rmsOver(dd),
    nonlinear: lin ? pairedTerm(at.outputs, lin, gpSigma) : null,
    kernel: lin ? pairedTerm(lin, pairs, gpSigma) : null,
    linMeanGap: linPart?.linMeanGap ?? null,
    linVarianceRatio: linPart?.linVarianceRatio ?? null,
  };
}
