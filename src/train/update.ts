/**
 * One update of the network and of its linearization on a step's rows (the objective, update rule and minibatching
 * are trainer.ts's module comment), and the run state it works on.
 */
import { Matrix } from '../linalg/index.js';
import { apply, forward, type Params, type Tape, vjp, Workspace } from '../nn/network.js';
import { Rng } from '../util/random.js';
import type { ResolvedConfig, TrainConfig, TrainData } from './config.js';
import { lossAndGrad } from './losses.js';
import type { LinearizedState, Ntk0, TrainRecord } from './trackers.js';

/** A loss above this multiple of the initial loss stops training as diverged. */
export const DIVERGENCE_FACTOR = 1e6;

/**
 * The end of a divergence message: a valid, smaller --lr. Half the linearized stability limit 2/(λ_max/N + λ) (and
 * its frac: form) when λ_max(Θ₀) is known and η exceeded it, else half of η.
 */
export function lowerLrHint(run: Pick<Run, 'eta' | 'lambdaMax' | 'R'>): string {
  const p3 = (v: number): number => Number(v.toPrecision(3));
  const limit = run.lambdaMax !== null ? 2 / (run.lambdaMax / run.R.N + run.R.lambda) : null;
  const hint =
    limit !== null && Number.isFinite(limit) && limit > 0 && run.eta > limit
      ? `--lr ${p3(limit / 2)} or --lr frac:0.5`
      : `--lr ${p3(run.eta / 2)}`;
  return `lower the learning rate (e.g. ${hint})`;
}

/** The state of one training run: fixed quantities at θ₀, the live parameters and the history. */
export interface Run {
  readonly cfg: TrainConfig;
  readonly data: TrainData;
  readonly R: ResolvedConfig;
  readonly params0: Params;
  readonly mask: Float64Array;
  readonly ntk0: Ntk0 | null;
  readonly lambdaMax: number | null;
  readonly eta: number;
  /** θ_t and the momentum buffer; the linearized model's θ_lin and its buffer (null when unused). */
  readonly theta: Float64Array;
  readonly vel: Float64Array | null;
  readonly linTheta: Float64Array | null;
  readonly linVel: Float64Array | null;
  readonly ckptPath: string | null;
  step: number;
  history: TrainRecord[];
}

/** Rows of the minibatch at step t: epoch e = ⌊t/⌈n/B⌉⌋ is a permutation from Rng(seed).split('minibatch').split(e). */
export function minibatches(seed: number, n: number, batch: number): (t: number) => Int32Array {
  const rng = new Rng(seed).split('minibatch');
  const perEpoch = Math.ceil(n / batch);
  let permEpoch = -1;
  let perm: Int32Array = new Int32Array(0);
  return (t) => {
    const e = Math.floor(t / perEpoch);
    if (e !== permEpoch) {
      perm = rng.split(e).permutation(n);
      permEpoch = e;
    }
    const j = t % perEpoch;
    return perm.slice(j * batch, Math.min(n, (j + 1) * batch));
  };
}

/** Everything one update needs besides the step's rows: fixed for the run. */
export interface StepEnv {
  readonly run: Run;
  readonly params: Params;
  readonly lin: (LinearizedState & { readonly tape0: Tape }) | null;
  readonly ws: Workspace;
  /** the full-batch output cotangent buffer (n·O) */
  readonly G: Float64Array;
  readonly loss0: number;
  readonly diverged: (loss: number) => boolean;
}

/**
 * One update of θ (and θ_lin) on the step's rows (null: full batch), from the network's forward pass when the caller
 * made one on the full batch (F, tape). Returns the batch loss, or the message when training diverged.
 */
export function update(
  s: StepEnv,
  rows: Int32Array | null,
  F: Float64Array | null,
  tape: Tape | null,
): number | string {
  const { run, params, lin, ws } = s;
  const { R, eta } = run;
  const { X, Y } = run.data;
  const { O, N, mu, lambda, center } = R;
  const nb = rows ? rows.length : R.n;
  const Xb = rows ? rowsOf(X, rows) : X;
  const gradScale = R.n / R.batch;
  let Fb = F as Float64Array;
  if (!tape) {
    const fw = forward(params, Xb, { workspace: ws });
    tape = fw.tape;
    Fb = fw.out.data;
  }
  const Gb = rows ? new Float64Array(nb * O) : s.G;
  const Yb = rows ? rowsOf(Y, rows).data : Y.data;
  const batchLoss = lossAndGrad(R.loss, Fb, Yb, nb, O, N, Gb, gradScale);
  const step = run.step;
  if (s.diverged(batchLoss))
    return `training diverged at step ${step}: minibatch loss = ${batchLoss}${Number.isFinite(batchLoss) ? `, over ${DIVERGENCE_FACTOR}× the initial full loss ${s.loss0}` : ''} (learning rate η = ${eta}). Metrics up to this step are kept; ${lowerLrHint(run)}.`;
  const grad = vjp(tape, new Matrix(nb, O, Gb), { inputGrad: false, workspace: ws }).grad;
  if (lambda === 0 && batchLoss > 1e-6 * s.loss0 && R.net.numTrainable > 0 && isZero(grad))
    // Without a penalty GD can never move again: every ReLU is dead (typically after a blow-up of the loss). At
    // step 0 nothing has blown up: the network is dead at initialization on these inputs, whatever the step.
    return step === 0
      ? `training cannot start: the gradient is exactly zero at the initialization (loss ${batchLoss}, largest input norm ‖x‖ = ${maxRowNorm(Xb)}) — no trained parameter moves the output on these inputs (e.g. all-zero inputs into ReLU units), so no learning rate helps; check the data and the architecture.`
      : `training diverged at step ${step}: the gradient is exactly zero at loss ${batchLoss} — every unit is dead, usually after the loss blew up (learning rate η = ${eta}). Metrics up to this step are kept; ${lowerLrHint(run)}.`;
  const theta0 = run.params0.theta;
  const P = theta0.length;
  const regGrad = (th: Float64Array, g: Float64Array): void => {
    if (lambda === 0) return;
    for (let i = 0; i < P; i++) if (run.mask[i] !== 0) g[i] += lambda * (th[i] - (center === 'init' ? theta0[i] : 0));
  };
  const descend = (th: Float64Array, v: Float64Array | null, g: Float64Array): void => {
    if (v) {
      for (let i = 0; i < P; i++) {
        v[i] = mu * v[i] + g[i];
        th[i] -= eta * v[i];
      }
    } else for (let i = 0; i < P; i++) th[i] -= eta * g[i];
  };
  regGrad(run.theta, grad);
  // Linearized model: gradient J₀ᵀ ∂L/∂f_lin on the same batch.
  let linGrad: Float64Array | null = null;
  if (lin) {
    const u = lin.outputs(Xb);
    const f0b = rows ? forwardOut(run.params0, Xb) : lin.f0Train;
    const fl = new Float64Array(nb * O);
    for (let i = 0; i < fl.length; i++) fl[i] = f0b[i] + u[i];
    const gl = new Float64Array(nb * O);
    lossAndGrad(R.loss, fl, Yb, nb, O, N, gl, gradScale);
    const tp = rows ? forward(run.params0, Xb).tape : lin.tape0;
    linGrad = vjp(tp, new Matrix(nb, O, gl), { inputGrad: false }).grad;
    regGrad(lin.theta, linGrad);
  }
  descend(run.theta, run.vel, grad);
  if (lin && linGrad) descend(lin.theta, run.linVel, linGrad);
  return batchLoss;
}

export function forwardOut(params: Params, X: Matrix): Float64Array {
  return apply(params, X).data;
}

function isZero(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}

function rowsOf(X: Matrix, rows: Int32Array): Matrix {
  const d = X.cols;
  const out = new Matrix(rows.length, d);
  for (let r = 0; r < rows.length; r++) out.data.set(X.data.subarray(rows[r] * d, (rows[r] + 1) * d), r * d);
  return out;
}

function maxRowNorm(X: Matrix): number {
  let best = 0;
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let j = 0; j < X.cols; j++) s += X.data[i * X.cols + j] ** 2;
    best = Math.max(best, Math.sqrt(s));
  }
  return best;
}
