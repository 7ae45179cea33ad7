/**
 * Training a finite network by (minibatch) gradient descent with optional heavy-ball momentum, side by side with its
 * linearization f_lin(θ) = f(θ₀) + J₀(θ − θ₀) trained under the same loss, regularizer, learning rate and batches,
 * with metrics recorded on a user-set schedule, checkpoint/resume and divergence detection.
 *
 * Objective: L(f(θ)) + (λ/2)‖θ − θ_c‖² with L from losses.ts (divisor N: 1 for 'sum', n for 'mean'), θ_c = θ₀
 * (`center: 'init'`) or 0 (`'zero'`); the regularizer covers the trained entries of θ (frozen layers never move).
 * Update (PyTorch's SGD convention): g = ∇L_batch + λ(θ − θ_c); v ← μv + g; θ ← θ − ηv (μ = 0: plain GD).
 * Minibatches: batch size B < n gives ⌈n/B⌉ batches per epoch from a seeded permutation (Rng(seed).split('minibatch')
 * .split(epoch)); the batch gradient is scaled by n/|batch| so it is an unbiased estimate of the full gradient.
 *
 * Learning rate: absolute η, or a fraction c of the linearized stability limit: η = c·2/(λ_max(Θ₀)/N + λ), where Θ₀
 * is the full (n·O)×(n·O) empirical NTK of the training set at θ₀ (sum over examples, no 1/n). For MSE this is
 * exactly the largest stable step of linearized GD (c < 1 converges); for the cross-entropies the loss curvature
 * per example, (diag p − ppᵀ)/N, is at most 1/(2N), so the same η is conservative (stable up to c ≈ 2).
 *
 * The pieces: config.ts (options, defaults, checks), trackers.ts (what each record holds), update.ts (one update of
 * θ and θ_lin, the run state), src/io/checkpoint.ts (the checkpoint file); this file is the loop.
 */
import { join } from 'node:path';
import { empiricalNtk } from '../empirical/ntk.js';
import { ntkOperator } from '../empirical/ntkvp.js';
import { FormatError, InvalidArgumentError } from '../errors.js';
import { type CheckpointArrays, readCheckpoint, writeCheckpoint } from '../io/checkpoint.js';
import { eigh, type Eigh, eigvalsh, lanczos, Matrix } from '../linalg/index.js';
import { forward, init, jvp, type Params, type Tape, trainableMask, withTheta, Workspace } from '../nn/network.js';
import { Rng } from '../util/random.js';
import { type ResolvedConfig, resolveConfig, type TrainConfig, type TrainData, type TrainOptions } from './config.js';
import { lossAndGrad } from './losses.js';
import {
  FULL_NTK_MAX_OUTPUTS,
  type LinearizedState,
  makeRecord,
  norm2,
  type Ntk0,
  NTK_TRACKERS,
  type TrackEnv,
  type TrainRecord,
} from './trackers.js';
import { DIVERGENCE_FACTOR, forwardOut, lowerLrHint, minibatches, type Run, type StepEnv, update } from './update.js';

export { DIVERGENCE_FACTOR } from './update.js';

export type TrainStatus = 'completed' | 'diverged' | 'stopped';

export interface TrainResult {
  readonly status: TrainStatus;
  /** Human-readable: why training stopped. */
  readonly message: string;
  /** Updates performed in total (across resumes). */
  readonly step: number;
  readonly eta: number;
  /** λ_max(Θ₀) when it was computed (fraction learning rate or NTK trackers), else null. */
  readonly lambdaMax: number | null;
  readonly history: readonly TrainRecord[];
  readonly params: Params;
  readonly params0: Params;
  readonly linTheta: Float64Array | null;
  /** Final outputs of the network and of the linearized model (n·O; test m·O). */
  readonly fTrain: Float64Array;
  readonly fTest: Float64Array | null;
  readonly fLinTrain: Float64Array | null;
  readonly fLinTest: Float64Array | null;
  /** Θ₀ and its eigendecomposition when computed. */
  readonly ntk0: Matrix | null;
  readonly ntk0Eig: Eigh | null;
}

/** The header of a training checkpoint (src/io/checkpoint.ts), before its `arrays` list. */
interface TrainCheckpointHeader {
  readonly version: 1;
  readonly hash: string;
  readonly step: number;
  readonly status: TrainStatus;
  readonly message: string;
  readonly eta: number;
  readonly history: readonly TrainRecord[];
}

const CHECKPOINT_FILE = 'checkpoint.bin';

/** Read the checkpoint of a run folder (null if there is none). */
export function loadCheckpointHeader(dir: string): (TrainCheckpointHeader & CheckpointArrays) | null {
  return readCheckpoint<TrainCheckpointHeader>(join(dir, CHECKPOINT_FILE))?.header ?? null;
}

/** λ_max of Θ₀ = J₀J₀ᵀ by Lanczos on NTK-vector products Θ₀v = J₀(J₀ᵀv) (one VJP and one JVP each). */
export function ntkLambdaMax(params: Params, X: Matrix, seed = 0, perPosition = false): number {
  const n = X.rows;
  const O = params.net.outDim;
  const theta = ntkOperator(params, X, { outputs: 'full', tileSize: n, keepTapes: true, perPosition });
  const res = lanczos((v, out) => out.set(theta(new Matrix(n, O, v)).data), n * O, { k: 1, seed, tol: 1e-8 });
  return res.values[0];
}

/**
 * Train a network (and its linearization) under `cfg` on `data`. See the module comment for the update rule, the
 * learning-rate convention and minibatching; the record fields are documented on TrainRecord.
 * Refuses invalid loss/target combinations before any work. A non-finite loss, one over DIVERGENCE_FACTOR × the
 * initial loss, or (without a penalty) an exactly zero gradient at positive loss — every ReLU dead — stops training
 * with status 'diverged' (the record at that step is kept). Resuming from a checkpoint gives bit-identical records.
 */
export async function train(cfg: TrainConfig, data: TrainData, opts: TrainOptions = {}): Promise<TrainResult> {
  const R = resolveConfig(cfg, data);
  const P = R.net.numParams;
  const seeded = init(R.net, new Rng(cfg.seed));
  const params0 = cfg.initialTheta ? withTheta(seeded, cfg.initialTheta.slice()) : seeded;
  const { ntk0, lambdaMax, eta } = initialKernel(cfg, R, params0, data.X);
  const run: Run = {
    cfg,
    data,
    R,
    params0,
    mask: trainableMask(R.net),
    ntk0,
    lambdaMax,
    eta,
    theta: params0.theta.slice(),
    vel: R.mu > 0 ? new Float64Array(P) : null,
    linTheta: R.lin ? params0.theta.slice() : null,
    linVel: R.lin && R.mu > 0 ? new Float64Array(P) : null,
    ckptPath: opts.checkpointDir ? join(opts.checkpointDir, CHECKPOINT_FILE) : null,
    step: 0,
    history: [],
  };
  if (opts.resume && run.ckptPath) {
    const done = resume(run, run.ckptPath);
    // A finished run: return its result as is.
    if (done) return finish(run, done.status, done.message);
  }
  return loop(run, opts);
}

/** Θ₀ when an NTK tracker needs it, λ_max(Θ₀) when known or needed, and the learning rate η. */
function initialKernel(
  cfg: TrainConfig,
  R: ResolvedConfig,
  params0: Params,
  X: Matrix,
): { ntk0: Ntk0 | null; lambdaMax: number | null; eta: number } {
  const D = R.n * R.O;
  let ntk0: Ntk0 | null = null;
  let lambdaMax: number | null = null;
  if ([...R.trackers].some((t) => NTK_TRACKERS.includes(t))) {
    const K = empiricalNtk(params0, X, null, { outputs: 'full', perPosition: R.perPosition });
    const eig = eigh(K);
    lambdaMax = eig.values[D - 1];
    ntk0 = { K, eig, norm: norm2(K.data), lambdaMax };
  }
  if ('absolute' in cfg.lr) return { ntk0, lambdaMax, eta: cfg.lr.absolute };
  if (lambdaMax === null)
    lambdaMax =
      D <= FULL_NTK_MAX_OUTPUTS
        ? eigvalsh(empiricalNtk(params0, X, null, { outputs: 'full', perPosition: R.perPosition }))[D - 1]
        : ntkLambdaMax(params0, X, 0, R.perPosition);
  const eta = (cfg.lr.fraction * 2) / (lambdaMax / R.N + R.lambda);
  if (!(Number.isFinite(eta) && eta > 0))
    throw new InvalidArgumentError(
      'train',
      'lr',
      `an absolute step η when λ_max(Θ₀)/N + λ = ${lambdaMax / R.N + R.lambda} (frac:C means η = C·2/(λ_max(Θ₀)/N + λ), here ${eta})`,
      `frac:${cfg.lr.fraction}`,
      'The initial NTK Θ₀ is zero on these inputs (e.g. all-zero inputs into ReLU units): give --lr a number, or check the data.',
    );
  return { ntk0, lambdaMax, eta };
}

/** The header fields that resume relies on, checked (a checksum-less format-1 file may hold anything). */
function checkHeader(path: string, h: TrainCheckpointHeader, steps: number): void {
  const bad = (what: string): never => {
    throw new FormatError(path, `checkpoint header: ${what}; the file is corrupt (delete it to start over)`);
  };
  if (typeof h.hash !== 'string') bad('`hash` is not a string');
  if (!Number.isSafeInteger(h.step) || h.step < 0 || h.step > steps) bad(`\`step\` is not an integer in [0, ${steps}]`);
  if (!['completed', 'diverged', 'stopped'].includes(h.status)) bad('`status` is not completed, diverged or stopped');
  if (typeof h.message !== 'string') bad('`message` is not a string');
  if (!Array.isArray(h.history)) bad('`history` is not a list');
  for (const r of h.history as unknown[]) {
    const step = typeof r === 'object' && r !== null ? (r as { step?: unknown }).step : undefined;
    if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0 || step > h.step)
      bad(`\`history\` holds a record without a step in [0, ${h.step}]`);
  }
}

/**
 * Load the run's state from its checkpoint, if there is one; the status and message if that run had finished. A
 * corrupt checkpoint (checksum, layout or header) is a FormatError naming the file: it is never resumed. A format-1
 * checkpoint (no checksum) is resumed with a warning on stderr.
 */
function resume(run: Run, path: string): { status: TrainStatus; message: string } | null {
  const ck = readCheckpoint<TrainCheckpointHeader>(path);
  if (!ck) return null;
  if (ck.header.hash !== run.R.hash)
    throw new InvalidArgumentError(
      'train',
      'resume',
      'a checkpoint written by the same configuration and data',
      path,
      'Delete the run folder or use the original options.',
    );
  checkHeader(path, ck.header, run.cfg.steps);
  if (!ck.verified)
    process.stderr.write(
      `ntk: warning: ${path} has no checksum (format 1, written before checksums were added); resuming without an integrity check\n`,
    );
  const get = (name: string, into: Float64Array | null): void => {
    if (!into) return;
    const a = ck.arrays.get(name);
    if (!a || a.length !== into.length) throw new FormatError(path, `checkpoint lacks array ${name}`);
    into.set(a);
  };
  get('theta', run.theta);
  get('vel', run.vel);
  get('linTheta', run.linTheta);
  get('linVel', run.linVel);
  run.step = ck.header.step;
  run.history = [...ck.header.history];
  return ck.header.status !== 'stopped' ? { status: ck.header.status, message: ck.header.message } : null;
}

function save(run: Run, status: TrainStatus, message: string): void {
  if (!run.ckptPath) return;
  const { R, step, eta, history } = run;
  const header: TrainCheckpointHeader = { version: 1, hash: R.hash, step, status, message, eta, history };
  writeCheckpoint(run.ckptPath, header, {
    theta: run.theta,
    vel: run.vel,
    linTheta: run.linTheta,
    linVel: run.linVel,
  });
}

/** The result: final outputs of the network and of the linearized model, with the run's state. */
function finish(run: Run, status: TrainStatus, message: string): TrainResult {
  const { params0, theta, linTheta } = run;
  const { X, Xtest } = run.data;
  const p = withTheta(params0, theta);
  const fTrain = forwardOut(p, X);
  const fTest = Xtest ? forwardOut(p, Xtest) : null;
  const fLinTrain = linearOutputs(run, X);
  const fLinTest = Xtest ? linearOutputs(run, Xtest) : null;
  return {
    status,
    message,
    step: run.step,
    eta: run.eta,
    lambdaMax: run.lambdaMax,
    history: run.history,
    params: p,
    params0,
    linTheta,
    fTrain,
    fTest,
    fLinTrain,
    fLinTest,
    ntk0: run.ntk0?.K ?? null,
    ntk0Eig: run.ntk0?.eig ?? null,
  };
}

/** The linearized model's outputs f(θ₀) + J₀(θ_lin − θ₀) on X now (null when it is not trained). */
function linearOutputs(run: Run, X: Matrix): Float64Array | null {
  const { params0, linTheta } = run;
  if (!run.R.lin || !linTheta) return null;
  const tan = new Float64Array(linTheta.length);
  for (let i = 0; i < tan.length; i++) tan[i] = linTheta[i] - params0.theta[i];
  const j = jvp(params0, X, tan);
  const f = new Float64Array(j.out.data.length);
  for (let i = 0; i < f.length; i++) f[i] = j.out.data[i] + j.tangentOut.data[i];
  return f;
}

/** The linearized model's fixed parts at θ₀: f(θ₀) on train and test, and u ↦ J₀(θ_lin − θ₀) on inputs. */
function linearizedState(run: Run): (LinearizedState & { readonly tape0: Tape }) | null {
  const { params0, linTheta } = run;
  const { X, Xtest } = run.data;
  if (!linTheta) return null;
  const fwd0 = forward(params0, X);
  const tangent = new Float64Array(linTheta.length);
  return {
    theta: linTheta,
    f0Train: fwd0.out.data,
    f0Test: Xtest ? forward(params0, Xtest).out.data : null,
    tape0: fwd0.tape,
    outputs: (XX) => {
      for (let i = 0; i < tangent.length; i++) tangent[i] = linTheta[i] - params0.theta[i];
      return jvp(params0, XX, tangent).tangentOut.data;
    },
  };
}

/** Checkpoint (when the run has a folder) and return the result. */
function end(run: Run, status: TrainStatus, message: string): TrainResult {
  save(run, status, message);
  return finish(run, status, message);
}

/** The loop: record, check for divergence, update, report progress, stop or checkpoint when asked. */
async function loop(run: Run, opts: TrainOptions): Promise<TrainResult> {
  const { cfg, R, data } = run;
  const { X, Y } = data;
  const { n, O, N } = R;
  const params = withTheta(run.params0, run.theta);
  const lin = linearizedState(run);
  const env: TrackEnv = {
    R,
    data,
    params,
    theta: run.theta,
    theta0: run.params0.theta,
    mask: run.mask,
    ntk0: run.ntk0,
    lin,
  };
  const resid = new Float64Array(n * O);
  const addRecord = (step: number, F: Float64Array, loss: number): void => {
    const rec = makeRecord(env, R.trackers, step, F, loss, resid);
    run.history.push(rec);
    opts.onRecord?.(rec, run.history);
  };
  const recordSet = new Set(R.tracked);
  const outputsAt = opts.testOutputsAt ? new Set(opts.testOutputsAt.steps) : null;
  const batchRows = minibatches(cfg.seed, n, R.batch);
  const fullBatch = R.batch === n;
  // Divergence: a non-finite loss, or one over DIVERGENCE_FACTOR × the loss at θ₀ (a blow-up that a ReLU network can
  // survive with finite loss once every unit is dead, which would otherwise pass for a plateau).
  const loss0 = lossAndGrad(R.loss, forwardOut(run.params0, X), Y.data, n, O, N, null);
  const diverged = (loss: number): boolean =>
    !Number.isFinite(loss) || loss > DIVERGENCE_FACTOR * Math.max(loss0, 1e-12);
  // buffers of the step's forward/backward pass, reused every step
  const s: StepEnv = { run, params, lin, ws: new Workspace(), G: new Float64Array(n * O), loss0, diverged };
  const start = performance.now();
  const startStep = run.step;
  let lastProgress = start;
  let lastYield = start;
  let lastCkpt = start;
  const progressEvery = 1000 * (opts.progressEverySeconds ?? 2);
  const ckptEverySteps = opts.checkpointEverySteps ?? Number.POSITIVE_INFINITY;
  const ckptEveryMs =
    1000 * (opts.checkpointEverySeconds ?? (opts.checkpointEverySteps === undefined ? 60 : Number.POSITIVE_INFINITY));

  for (;;) {
    // The network at step `step` on the whole training set: every step in full batch, else at tracked steps.
    const step = run.step;
    let F: Float64Array | null = null;
    let tape: Tape | null = null;
    let fullLoss = Number.NaN;
    const rows = fullBatch ? null : batchRows(step);
    if (fullBatch || recordSet.has(step) || step === cfg.steps) {
      const fw = fullBatch ? forward(params, X, { workspace: s.ws }) : null;
      F = fw ? fw.out.data : forwardOut(params, X);
      if (fw) tape = fw.tape;
      fullLoss = lossAndGrad(R.loss, F, Y.data, n, O, N, null);
    }
    if (F && recordSet.has(step) && !run.history.some((r) => r.step === step)) addRecord(step, F, fullLoss);
    if (outputsAt?.has(step) && data.Xtest) {
      const Xt = data.Xtest;
      (opts.testOutputsAt as NonNullable<TrainOptions['testOutputsAt']>).fn(
        step,
        forwardOut(params, Xt),
        linearOutputs(run, Xt),
      );
    }
    if (F && diverged(fullLoss)) {
      const msg =
        `training diverged at step ${step}: loss = ${fullLoss}${Number.isFinite(fullLoss) ? `, over ${DIVERGENCE_FACTOR}× the initial ${loss0}` : ''} (learning rate η = ${run.eta}` +
        (run.lambdaMax !== null
          ? `; the linearized stability limit is 2/(λ_max/N + λ) = ${2 / (run.lambdaMax / N + R.lambda)}`
          : '') +
        `). Metrics up to this step are kept; ${lowerLrHint(run)}.`;
      if (!recordSet.has(step)) addRecord(step, F, fullLoss);
      return end(run, 'diverged', msg);
    }
    if (step >= cfg.steps) break;
    const batchLoss = update(s, rows, F, tape);
    if (typeof batchLoss === 'string') return end(run, 'diverged', batchLoss);
    const done = ++run.step;
    const now = performance.now();
    if (opts.onProgress && now - lastProgress >= progressEvery) {
      lastProgress = now;
      const el = (now - start) / 1000;
      opts.onProgress({
        step: done,
        steps: cfg.steps,
        loss: fullBatch ? fullLoss : batchLoss,
        elapsedS: el,
        etaS: (el / (done - startStep)) * (cfg.steps - done),
      });
    }
    const stop = (opts.stopAtStep !== undefined && done >= opts.stopAtStep) || (opts.shouldStop?.() ?? false);
    if (stop && done < cfg.steps)
      return end(run, 'stopped', `stopped at step ${done} of ${cfg.steps}; resume from the checkpoint to continue`);
    if (run.ckptPath && (done % ckptEverySteps === 0 || now - lastCkpt >= ckptEveryMs) && done < cfg.steps) {
      save(run, 'stopped', `checkpoint at step ${done} of ${cfg.steps}`);
      lastCkpt = performance.now();
    }
    // let signal handlers run (Ctrl-C, SIGTERM set shouldStop): every 200 ms, and every 64 steps so that a short,
    // fast run can be stopped too
    if (now - lastYield >= 200 || done % 64 === 0) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  return end(run, 'completed', `completed ${cfg.steps} steps`);
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
