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
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LossNormalization } from '../analysis/common.js';
import { empiricalNtk } from '../empirical/ntk.js';
import { FormatError, InvalidArgumentError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { eigh, type Eigh, eigvalsh, lanczos, Matrix, matmul } from '../linalg/index.js';
import { formatArch, parseArch } from '../arch/parse.js';
import type { Arch, Parameterization } from '../arch/types.js';
import {
  apply,
  buildNetwork,
  forward,
  init,
  jvp,
  type Network,
  type Params,
  type Tape,
  trainableMask,
  vjp,
  withTheta,
  Workspace,
} from '../nn/network.js';
import { Rng } from '../util/random.js';
import { accuracy, divisor, LOSS_KINDS, type LossKind, lossAndGrad, validateTargets } from './losses.js';
import type { RegCenter } from './linearized.js';
import { DEFAULT_SCHEDULE, scheduleSteps, type TrackSchedule } from './schedule.js';

export type Tracker =
  | 'loss'
  | 'accuracy'
  | 'residual'
  | 'alignment'
  | 'drift'
  | 'kernel-distance'
  | 'lambda-min'
  | 'params'
  | 'logits'
  | 'linearized'
  | 'test';
export const TRACKERS: readonly Tracker[] = [
  'loss',
  'accuracy',
  'residual',
  'alignment',
  'drift',
  'kernel-distance',
  'lambda-min',
  'params',
  'logits',
  'linearized',
  'test',
];
/** Trackers that need the empirical NTK Θ_t (computed once per tracked step with the structured implementation). */
export const NTK_TRACKERS: readonly Tracker[] = ['alignment', 'drift', 'kernel-distance', 'lambda-min'];

export type LearningRate = { readonly absolute: number } | { readonly fraction: number };

export interface TrainConfig {
  readonly arch: string | Arch;
  /** Per-example input shape (default [X.cols]). */
  readonly inputShape?: readonly number[];
  readonly param?: Parameterization;
  /** Initialization seed: θ₀ = init(net, new Rng(seed)), as everywhere in ntk-lab. */
  readonly seed: number;
  readonly loss: LossKind;
  /** Default 'sum'. */
  readonly normalization?: LossNormalization;
  readonly reg?: { readonly lambda: number; readonly center: RegCenter };
  readonly lr: LearningRate;
  readonly steps: number;
  /** Minibatch size (default n: full batch). */
  readonly batchSize?: number;
  /** Heavy-ball momentum μ in [0, 1) (default 0). */
  readonly momentum?: number;
  /** Train the linearized model alongside (default true). */
  readonly linearized?: boolean;
  readonly schedule?: TrackSchedule;
  /** Default: every tracker that applies; the NTK trackers only when n·O ≤ 2048. */
  readonly trackers?: readonly Tracker[];
  /** Squared residual projections on the top eigenvectors of Θ₀ to keep per record (default 32). */
  readonly projections?: number;
}

export interface TrainData {
  /** n × inDim inputs and n × O targets (see losses.ts for what each loss accepts). */
  readonly X: Matrix;
  readonly Y: Matrix;
  readonly Xtest?: Matrix;
  readonly Ytest?: Matrix;
}

/** One row of metrics.jsonl. Absent trackers are null. Norms are Frobenius over all n·O outputs. */
export interface TrainRecord {
  readonly step: number;
  /** Data loss L(f) (divided by N) and objective L + reg. */
  readonly loss: number;
  readonly objective: number;
  readonly accuracy: number | null;
  /** ‖r‖, r = N·∂L/∂f (f − y for mse, softmax(f) − y for ce). */
  readonly residualNorm: number | null;
  /** rᵀΘ₀r/(λ_max(Θ₀)‖r‖²) ∈ [0, 1]. */
  readonly residualAlignment: number | null;
  /** (vᵢᵀr)²/‖r‖² for the top eigenvectors vᵢ of Θ₀, by descending eigenvalue. */
  readonly residualProjections: number[] | null;
  /** ‖Θ_t − Θ₀‖_F/‖Θ₀‖_F. */
  readonly ntkDrift: number | null;
  /** 1 − ⟨Θ_t, Θ₀⟩_F/(‖Θ_t‖_F‖Θ₀‖_F). */
  readonly kernelDistance: number | null;
  readonly lambdaMin: number | null;
  /** ‖θ_t − θ₀‖ and ‖θ_t‖ over trained entries. */
  readonly paramDistance: number | null;
  readonly paramNorm: number | null;
  readonly maxAbsLogit: number | null;
  readonly testLoss: number | null;
  readonly testAccuracy: number | null;
  /** Linearized model: loss, accuracy, residual norm, ‖θ_lin − θ₀‖, and ‖f_t − f_lin,t‖ on train and test. */
  readonly linLoss: number | null;
  readonly linAccuracy: number | null;
  readonly linResidualNorm: number | null;
  readonly linParamDistance: number | null;
  readonly linGapTrain: number | null;
  readonly linGapTest: number | null;
}

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

export interface ProgressInfo {
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
  readonly elapsedS: number;
  readonly etaS: number;
}

export interface TrainOptions {
  /** Write checkpoints here (checkpoint.bin). */
  readonly checkpointDir?: string;
  /** Checkpoint every this many steps and/or seconds (default: 60 s when checkpointDir is set). */
  readonly checkpointEverySteps?: number;
  readonly checkpointEverySeconds?: number;
  /** Resume from checkpointDir/checkpoint.bin when it exists (the config and data must match). */
  readonly resume?: boolean;
  /** Stop (checkpointing first) once this many updates are done: status 'stopped'. */
  readonly stopAtStep?: number;
  /** Polled after every update; true stops training with a checkpoint (status 'stopped'). */
  readonly shouldStop?: () => boolean;
  /** Called with each new record (in order). */
  readonly onRecord?: (r: TrainRecord, history: readonly TrainRecord[]) => void;
  /** Progress callback, throttled to once per `progressEverySeconds` (default 2). */
  readonly onProgress?: (p: ProgressInfo) => void;
  readonly progressEverySeconds?: number;
}

/** A stderr progress line: `step 1200/5000  loss 0.0123  ETA 1m05s`. */
export function stderrProgress(p: ProgressInfo): void {
  const fmt = (s: number): string =>
    !Number.isFinite(s)
      ? '?'
      : s >= 60
        ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
        : `${s.toFixed(0)}s`;
  process.stderr.write(
    `step ${p.step}/${p.steps}  loss ${p.loss.toPrecision(6)}  elapsed ${fmt(p.elapsedS)}  ETA ${fmt(p.etaS)}\n`,
  );
}

const FN = 'train';

interface Resolved {
  readonly net: Network;
  readonly n: number;
  readonly O: number;
  readonly N: number;
  readonly lambda: number;
  readonly center: RegCenter;
  readonly batch: number;
  readonly mu: number;
  readonly lin: boolean;
  readonly trackers: ReadonlySet<Tracker>;
  readonly tracked: readonly number[];
  readonly projections: number;
  readonly hash: string;
}

function resolve(cfg: TrainConfig, data: TrainData): Resolved {
  if (!LOSS_KINDS.includes(cfg.loss)) throw new InvalidArgumentError(FN, 'loss', '`mse`, `ce` or `soft-ce`', cfg.loss);
  const norm = cfg.normalization ?? 'sum';
  if (norm !== 'sum' && norm !== 'mean') throw new InvalidArgumentError(FN, 'normalization', '`sum` or `mean`', norm);
  if (!Number.isInteger(cfg.seed) || cfg.seed < 0)
    throw new InvalidArgumentError(FN, 'seed', 'a non-negative integer', cfg.seed);
  if (!Number.isInteger(cfg.steps) || cfg.steps < 0)
    throw new InvalidArgumentError(FN, 'steps', 'a non-negative integer', cfg.steps);
  const { X, Y } = data;
  if (!(X instanceof Matrix) || !(Y instanceof Matrix) || X.rows !== Y.rows || X.rows < 1)
    throw new InvalidArgumentError(
      FN,
      'data',
      'X (n × d) and Y (n × O) matrices with the same n ≥ 1',
      `${X?.rows}, ${Y?.rows}`,
    );
  const net = buildNetwork(cfg.arch, cfg.inputShape ?? [X.cols], cfg.param ?? 'ntk');
  const n = X.rows;
  const O = net.outDim;
  if (Y.cols !== O)
    throw new InvalidArgumentError(FN, 'Y', `n × ${O} (one column per network output)`, `${Y.rows}×${Y.cols}`);
  validateTargets(FN, cfg.loss, Y);
  if ((data.Xtest === undefined) !== (data.Ytest === undefined))
    throw new InvalidArgumentError(FN, 'data', 'both Xtest and Ytest, or neither', 'only one given');
  if (data.Xtest && data.Ytest) {
    if (data.Xtest.rows !== data.Ytest.rows || data.Ytest.cols !== O || data.Xtest.cols !== X.cols)
      throw new InvalidArgumentError(
        FN,
        'Xtest/Ytest',
        `m × ${X.cols} and m × ${O}`,
        `${data.Xtest.rows}×${data.Xtest.cols}, ${data.Ytest.rows}×${data.Ytest.cols}`,
      );
    validateTargets(FN, cfg.loss, data.Ytest);
  }
  const lambda = cfg.reg?.lambda ?? 0;
  if (!(lambda >= 0 && Number.isFinite(lambda)))
    throw new InvalidArgumentError(FN, 'reg.lambda', 'a finite number ≥ 0', lambda);
  const center = cfg.reg?.center ?? 'init';
  if (center !== 'init' && center !== 'zero')
    throw new InvalidArgumentError(FN, 'reg.center', '`init` or `zero`', center);
  if ('absolute' in cfg.lr) {
    if (!(cfg.lr.absolute > 0 && Number.isFinite(cfg.lr.absolute)))
      throw new InvalidArgumentError(FN, 'lr', 'a positive finite number', cfg.lr.absolute);
  } else if (!(cfg.lr.fraction > 0 && Number.isFinite(cfg.lr.fraction)))
    throw new InvalidArgumentError(FN, 'lr.fraction', 'a positive finite fraction of 2/(λ_max/N + λ)', cfg.lr.fraction);
  const batch = cfg.batchSize ?? n;
  if (!Number.isInteger(batch) || batch < 1 || batch > n)
    throw new InvalidArgumentError(FN, 'batchSize', `an integer in [1, n = ${n}]`, batch);
  const mu = cfg.momentum ?? 0;
  if (!(mu >= 0 && mu < 1)) throw new InvalidArgumentError(FN, 'momentum', 'in [0, 1)', mu);
  const lin = cfg.linearized ?? true;
  const D = n * O;
  const hasTest = data.Xtest !== undefined;
  let trackers: Tracker[];
  if (cfg.trackers) {
    for (const t of cfg.trackers)
      if (!TRACKERS.includes(t))
        throw new InvalidArgumentError(FN, 'trackers', `a subset of ${TRACKERS.join(', ')}`, t);
    trackers = [...cfg.trackers];
    if (trackers.includes('linearized') && !lin)
      throw new InvalidArgumentError(
        FN,
        'trackers',
        'without `linearized` when linearized training is off',
        'linearized',
      );
    if (trackers.includes('test') && !hasTest)
      throw new InvalidArgumentError(FN, 'trackers', 'without `test` when no test set is given', 'test');
  } else {
    trackers = TRACKERS.filter(
      (t) =>
        (t !== 'linearized' || lin) &&
        (t !== 'test' || hasTest) &&
        (t !== 'accuracy' || cfg.loss !== 'mse' || O > 1 || isPm1(Y)) &&
        (!NTK_TRACKERS.includes(t) || D <= 2048),
    );
  }
  const projections = cfg.projections ?? 32;
  if (!Number.isInteger(projections) || projections < 0)
    throw new InvalidArgumentError(FN, 'projections', 'a non-negative integer', projections);
  const tracked = scheduleSteps(cfg.schedule ?? DEFAULT_SCHEDULE, cfg.steps);
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      arch: typeof cfg.arch === 'string' ? formatArch(parseArch(cfg.arch)) : formatArch(cfg.arch),
      inputShape: net.inputShape,
      param: net.param,
      seed: cfg.seed,
      loss: cfg.loss,
      norm,
      lambda,
      center,
      lr: cfg.lr,
      steps: cfg.steps,
      batch,
      mu,
      lin,
      trackers,
      tracked,
      projections,
    }),
  );
  for (const m of [X, Y, data.Xtest, data.Ytest])
    if (m) h.update(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  return {
    net,
    n,
    O,
    N: divisor(norm, n),
    lambda,
    center,
    batch,
    mu,
    lin,
    trackers: new Set(trackers),
    tracked,
    projections,
    hash: h.digest('hex'),
  };
}

function isPm1(Y: Matrix): boolean {
  return Y.cols === 1 && Y.data.every((v) => v === 1 || v === -1);
}

function isZero(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}

function norm2(a: Float64Array, mask: Float64Array | null = null): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (!mask || mask[i] !== 0) s += a[i] * a[i];
  return Math.sqrt(s);
}

function diffNorm(a: Float64Array, b: Float64Array, mask: Float64Array | null = null): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (!mask || mask[i] !== 0) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

function rowsOf(X: Matrix, rows: Int32Array): Matrix {
  const d = X.cols;
  const out = new Matrix(rows.length, d);
  for (let r = 0; r < rows.length; r++) out.data.set(X.data.subarray(rows[r] * d, (rows[r] + 1) * d), r * d);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Checkpoints: one file (atomic), `NTKCKPT1` + u32 header length + JSON header + pad to 8 + float64 payload.

interface CheckpointHeader {
  readonly version: 1;
  readonly hash: string;
  readonly step: number;
  readonly status: TrainStatus;
  readonly message: string;
  readonly eta: number;
  readonly history: readonly TrainRecord[];
  /** Names and lengths of the float64 arrays in the payload, in order. */
  readonly arrays: readonly { readonly name: string; readonly length: number }[];
}

const MAGIC = 'NTKCKPT1';

function writeCheckpoint(
  path: string,
  header: Omit<CheckpointHeader, 'arrays'>,
  arrays: Record<string, Float64Array | null>,
): void {
  const list = Object.entries(arrays).filter((e): e is [string, Float64Array] => e[1] !== null);
  const full: CheckpointHeader = { ...header, arrays: list.map(([name, a]) => ({ name, length: a.length })) };
  const json = new TextEncoder().encode(JSON.stringify(full));
  const headLen = 8 + 4 + json.length;
  const pad = (8 - (headLen % 8)) % 8;
  const total = headLen + pad + 8 * list.reduce((s, [, a]) => s + a.length, 0);
  const buf = new Uint8Array(total);
  buf.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(buf.buffer).setUint32(8, json.length, true);
  buf.set(json, 12);
  let off = headLen + pad;
  for (const [, a] of list) {
    buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
    off += a.byteLength;
  }
  writeFileAtomic(path, buf);
}

function readCheckpoint(path: string): { header: CheckpointHeader; arrays: Map<string, Float64Array> } | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  if (buf.length < 12 || buf.subarray(0, 8).toString('latin1') !== MAGIC)
    throw new FormatError(path, `not an ntk-lab training checkpoint (bad magic)`);
  const len = buf.readUInt32LE(8);
  if (12 + len > buf.length) throw new FormatError(path, 'truncated checkpoint header');
  const header = JSON.parse(buf.subarray(12, 12 + len).toString('utf8')) as CheckpointHeader;
  const headLen = 12 + len;
  let off = headLen + ((8 - (headLen % 8)) % 8);
  const arrays = new Map<string, Float64Array>();
  for (const { name, length } of header.arrays) {
    if (off + 8 * length > buf.length) throw new FormatError(path, `truncated checkpoint payload (${name})`);
    const a = new Float64Array(length);
    new Uint8Array(a.buffer).set(buf.subarray(off, off + 8 * length));
    arrays.set(name, a);
    off += 8 * length;
  }
  return { header, arrays };
}

/** Read the checkpoint of a run folder (null if there is none). */
export function loadCheckpointHeader(dir: string): CheckpointHeader | null {
  return readCheckpoint(join(dir, 'checkpoint.bin'))?.header ?? null;
}

// ---------------------------------------------------------------------------------------------------------------

/** λ_max of Θ₀ = J₀J₀ᵀ by Lanczos on NTK-vector products Θ₀v = J₀(J₀ᵀv) (one VJP and one JVP each). */
export function ntkLambdaMax(params: Params, X: Matrix, seed = 0): number {
  const { tape } = forward(params, X);
  const n = X.rows;
  const O = params.net.outDim;
  const res = lanczos(
    (v, out) => {
      const g = vjp(tape, new Matrix(n, O, v), { inputGrad: false }).grad;
      out.set(jvp(params, X, g).tangentOut.data);
    },
    n * O,
    { k: 1, seed, tol: 1e-8 },
  );
  return res.values[0];
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

/** A loss above this multiple of the initial loss stops training as diverged. */
export const DIVERGENCE_FACTOR = 1e6;

/**
 * Train a network (and its linearization) under `cfg` on `data`. See the module comment for the update rule, the
 * learning-rate convention and minibatching; the record fields are documented on TrainRecord.
 * Refuses invalid loss/target combinations before any work. A non-finite loss, one over DIVERGENCE_FACTOR × the
 * initial loss, or (without a penalty) an exactly zero gradient at positive loss — every ReLU dead — stops training
 * with status 'diverged' (the record at that step is kept). Resuming from a checkpoint gives bit-identical records.
 */
export async function train(cfg: TrainConfig, data: TrainData, opts: TrainOptions = {}): Promise<TrainResult> {
  const R = resolve(cfg, data);
  const { net, n, O, N, lambda, center, batch, mu, lin, trackers, tracked, projections } = R;
  const { X, Y, Xtest, Ytest } = data;
  const D = n * O;
  const P = net.numParams;
  const mask = trainableMask(net);
  const params0 = init(net, new Rng(cfg.seed));
  const theta0 = params0.theta;
  const needNtk0 = [...trackers].some((t) => NTK_TRACKERS.includes(t));
  const needNtkT = trackers.has('drift') || trackers.has('kernel-distance') || trackers.has('lambda-min');

  let ntk0: Matrix | null = null;
  let ntk0Eig: Eigh | null = null;
  let ntk0Norm = 0;
  let lambdaMax: number | null = null;
  if (needNtk0) {
    ntk0 = empiricalNtk(params0, X, null, { outputs: 'full' });
    ntk0Eig = eigh(ntk0);
    lambdaMax = ntk0Eig.values[D - 1];
    ntk0Norm = norm2(ntk0.data);
  }
  let eta: number;
  if ('absolute' in cfg.lr) eta = cfg.lr.absolute;
  else {
    if (lambdaMax === null)
      lambdaMax =
        D <= 2048 ? eigvalsh(empiricalNtk(params0, X, null, { outputs: 'full' }))[D - 1] : ntkLambdaMax(params0, X);
    eta = (cfg.lr.fraction * 2) / (lambdaMax / N + lambda);
  }

  // State.
  const theta = theta0.slice();
  const vel = mu > 0 ? new Float64Array(P) : null;
  const linTheta = lin ? theta0.slice() : null;
  const linVel = lin && mu > 0 ? new Float64Array(P) : null;
  let step = 0;
  let history: TrainRecord[] = [];
  const ckptPath = opts.checkpointDir ? join(opts.checkpointDir, 'checkpoint.bin') : null;
  if (opts.resume && ckptPath) {
    const ck = readCheckpoint(ckptPath);
    if (ck) {
      if (ck.header.hash !== R.hash)
        throw new InvalidArgumentError(
          FN,
          'resume',
          'a checkpoint written by the same configuration and data',
          ckptPath,
          'Delete the run folder or use the original options.',
        );
      const get = (name: string, into: Float64Array | null): void => {
        if (!into) return;
        const a = ck.arrays.get(name);
        if (!a || a.length !== into.length) throw new FormatError(ckptPath, `checkpoint lacks array ${name}`);
        into.set(a);
      };
      get('theta', theta);
      get('vel', vel);
      get('linTheta', linTheta);
      get('linVel', linVel);
      step = ck.header.step;
      history = [...ck.header.history];
      if (ck.header.status !== 'stopped') {
        // A finished run: return its result as is.
        return finish(ck.header.status, ck.header.message);
      }
    }
  }

  const params = withTheta(params0, theta);
  // θ₀-dependent fixed quantities for the linearized model.
  const fwd0 = lin || needNtk0 ? forward(params0, X) : null;
  const f0Train = fwd0 ? fwd0.out.data : null;
  const f0Test = Xtest && lin ? forward(params0, Xtest).out.data : null;
  const tape0Full: Tape | null = fwd0 ? fwd0.tape : null;

  const recordSet = new Set(tracked);
  const rng = new Rng(cfg.seed).split('minibatch');
  const perEpoch = Math.ceil(n / batch);
  let permEpoch = -1;
  let perm: Int32Array = new Int32Array(0);
  const batchRows = (t: number): Int32Array => {
    const e = Math.floor(t / perEpoch);
    if (e !== permEpoch) {
      perm = rng.split(e).permutation(n);
      permEpoch = e;
    }
    const j = t % perEpoch;
    return perm.slice(j * batch, Math.min(n, (j + 1) * batch));
  };

  const G = new Float64Array(D);
  const resid = new Float64Array(D);
  const ws = new Workspace(); // buffers of the step's forward/backward pass, reused every step
  const linTangent = lin ? new Float64Array(P) : null;
  const linOut = (XX: Matrix): Float64Array => {
    const lt = linTangent as Float64Array;
    const lth = linTheta as Float64Array;
    for (let i = 0; i < P; i++) lt[i] = lth[i] - theta0[i];
    return jvp(params0, XX, lt).tangentOut.data;
  };

  const record = (t: number, F: Float64Array, loss: number): TrainRecord => {
    const has = (k: Tracker): boolean => trackers.has(k);
    let reg = 0;
    if (lambda > 0) {
      let s = 0;
      for (let i = 0; i < P; i++) if (mask[i] !== 0) s += (theta[i] - (center === 'init' ? theta0[i] : 0)) ** 2;
      reg = 0.5 * lambda * s;
    }
    lossAndGrad(cfg.loss, F, Y.data, n, O, N, null, 1, resid);
    const rn = norm2(resid);
    let alignment: number | null = null;
    let projs: number[] | null = null;
    if (has('alignment') && ntk0 && ntk0Eig) {
      const Kr = matmul(ntk0, new Matrix(D, 1, resid)).data;
      let q = 0;
      for (let i = 0; i < D; i++) q += resid[i] * Kr[i];
      alignment = rn > 0 ? q / ((lambdaMax as number) * rn * rn) : null;
      const k = Math.min(projections, D);
      const V = ntk0Eig.vectors;
      projs = [];
      for (let j = 0; j < k; j++) {
        const col = D - 1 - j;
        let c = 0;
        for (let i = 0; i < D; i++) c += V.data[i * D + col] * resid[i];
        projs.push(rn > 0 ? (c * c) / (rn * rn) : 0);
      }
    }
    let drift: number | null = null;
    let kdist: number | null = null;
    let lmin: number | null = null;
    if (needNtkT && ntk0) {
      const K = empiricalNtk(params, X, null, { outputs: 'full' });
      let dd = 0;
      let ip = 0;
      let kk = 0;
      for (let i = 0; i < K.data.length; i++) {
        dd += (K.data[i] - ntk0.data[i]) ** 2;
        ip += K.data[i] * ntk0.data[i];
        kk += K.data[i] * K.data[i];
      }
      if (has('drift')) drift = Math.sqrt(dd) / ntk0Norm;
      if (has('kernel-distance')) kdist = 1 - ip / (Math.sqrt(kk) * ntk0Norm);
      if (has('lambda-min')) lmin = eigvalsh(K)[0];
    }
    let maxLogit: number | null = null;
    if (has('logits')) {
      maxLogit = 0;
      for (let i = 0; i < D; i++) maxLogit = Math.max(maxLogit, Math.abs(F[i]));
    }
    let testLoss: number | null = null;
    let testAcc: number | null = null;
    let fTestNow: Float64Array | null = null;
    if (Xtest && Ytest && (has('test') || has('linearized'))) {
      fTestNow = forwardOut(params, Xtest);
      if (has('test')) {
        const m = Xtest.rows;
        testLoss = lossAndGrad(cfg.loss, fTestNow, Ytest.data, m, O, divisor(cfg.normalization ?? 'sum', m), null);
        testAcc = trackers.has('accuracy') ? accuracy(fTestNow, Ytest.data, m, O) : null;
      }
    }
    let linLoss: number | null = null;
    let linAcc: number | null = null;
    let linRn: number | null = null;
    let linPd: number | null = null;
    let gapTrain: number | null = null;
    let gapTest: number | null = null;
    if (has('linearized') && lin && f0Train) {
      const u = linOut(X);
      const fl = new Float64Array(D);
      for (let i = 0; i < D; i++) fl[i] = f0Train[i] + u[i];
      const lr = new Float64Array(D);
      linLoss = lossAndGrad(cfg.loss, fl, Y.data, n, O, N, null, 1, lr);
      linAcc = trackers.has('accuracy') ? accuracy(fl, Y.data, n, O) : null;
      linRn = norm2(lr);
      linPd = diffNorm(linTheta as Float64Array, theta0, mask);
      gapTrain = diffNorm(F, fl);
      if (Xtest && fTestNow && f0Test) {
        const ut = linOut(Xtest);
        let s = 0;
        for (let i = 0; i < ut.length; i++) s += (fTestNow[i] - f0Test[i] - ut[i]) ** 2;
        gapTest = Math.sqrt(s);
      }
    }
    return {
      step: t,
      loss,
      objective: loss + reg,
      accuracy: has('accuracy') ? accuracy(F, Y.data, n, O) : null,
      residualNorm: has('residual') ? rn : null,
      residualAlignment: alignment,
      residualProjections: projs,
      ntkDrift: drift,
      kernelDistance: kdist,
      lambdaMin: lmin,
      paramDistance: has('params') ? diffNorm(theta, theta0, mask) : null,
      paramNorm: has('params') ? norm2(theta, mask) : null,
      maxAbsLogit: maxLogit,
      testLoss,
      testAccuracy: testAcc,
      linLoss,
      linAccuracy: linAcc,
      linResidualNorm: linRn,
      linParamDistance: linPd,
      linGapTrain: gapTrain,
      linGapTest: gapTest,
    };
  };

  const save = (status: TrainStatus, message: string): void => {
    if (!ckptPath) return;
    writeCheckpoint(
      ckptPath,
      { version: 1, hash: R.hash, step, status, message, eta, history },
      { theta, vel, linTheta, linVel },
    );
  };

  function finish(status: TrainStatus, message: string): TrainResult {
    const p = withTheta(params0, theta);
    const fTrain = forwardOut(p, X);
    const fTest = Xtest ? forwardOut(p, Xtest) : null;
    let fLinTrain: Float64Array | null = null;
    let fLinTest: Float64Array | null = null;
    if (lin && linTheta) {
      const tan = new Float64Array(P);
      for (let i = 0; i < P; i++) tan[i] = linTheta[i] - theta0[i];
      const j = jvp(params0, X, tan);
      fLinTrain = new Float64Array(D);
      for (let i = 0; i < D; i++) fLinTrain[i] = j.out.data[i] + j.tangentOut.data[i];
      if (Xtest) {
        const jt = jvp(params0, Xtest, tan);
        fLinTest = new Float64Array(jt.out.data.length);
        for (let i = 0; i < fLinTest.length; i++) fLinTest[i] = jt.out.data[i] + jt.tangentOut.data[i];
      }
    }
    return {
      status,
      message,
      step,
      eta,
      lambdaMax,
      history,
      params: p,
      params0,
      linTheta,
      fTrain,
      fTest,
      fLinTrain,
      fLinTest,
      ntk0,
      ntk0Eig,
    };
  }

  const start = performance.now();
  const startStep = step;
  let lastProgress = start;
  let lastYield = start;
  let lastCkpt = start;
  const progressEvery = 1000 * (opts.progressEverySeconds ?? 2);
  const ckptEverySteps = opts.checkpointEverySteps ?? Number.POSITIVE_INFINITY;
  const ckptEveryMs =
    1000 * (opts.checkpointEverySeconds ?? (opts.checkpointEverySteps === undefined ? 60 : Number.POSITIVE_INFINITY));
  const fullBatch = batch === n;
  // Divergence: a non-finite loss, or one over DIVERGENCE_FACTOR × the loss at θ₀ (a blow-up that a ReLU network can
  // survive with finite loss once every unit is dead, which would otherwise pass for a plateau).
  const loss0 = lossAndGrad(cfg.loss, forwardOut(params0, X), Y.data, n, O, N, null);
  const diverged = (loss: number): boolean =>
    !Number.isFinite(loss) || loss > DIVERGENCE_FACTOR * Math.max(loss0, 1e-12);
  const gradScale = n / batch;
  const regGrad = (th: Float64Array, grad: Float64Array): void => {
    if (lambda === 0) return;
    for (let i = 0; i < P; i++) if (mask[i] !== 0) grad[i] += lambda * (th[i] - (center === 'init' ? theta0[i] : 0));
  };
  const update = (th: Float64Array, v: Float64Array | null, grad: Float64Array): void => {
    if (v) {
      for (let i = 0; i < P; i++) {
        v[i] = mu * v[i] + grad[i];
        th[i] -= eta * v[i];
      }
    } else for (let i = 0; i < P; i++) th[i] -= eta * grad[i];
  };

  for (;;) {
    // Network at step `step`.
    let F: Float64Array | null = null;
    let tape: Tape | null = null;
    let fullLoss = Number.NaN;
    const rows = fullBatch ? null : batchRows(step);
    const Xb = rows ? rowsOf(X, rows) : X;
    const nb = rows ? rows.length : n;
    if (fullBatch || recordSet.has(step) || step === cfg.steps) {
      const fw = fullBatch ? forward(params, X, { workspace: ws }) : null;
      F = fw ? fw.out.data : forwardOut(params, X);
      if (fw) tape = fw.tape;
      fullLoss = lossAndGrad(cfg.loss, F, Y.data, n, O, N, null);
    }
    if (F && recordSet.has(step) && !history.some((r) => r.step === step)) {
      const rec = record(step, F, fullLoss);
      history.push(rec);
      opts.onRecord?.(rec, history);
    }
    if (F && diverged(fullLoss)) {
      const msg =
        `training diverged at step ${step}: loss = ${fullLoss}${Number.isFinite(fullLoss) ? `, over ${DIVERGENCE_FACTOR}× the initial ${loss0}` : ''} (learning rate η = ${eta}` +
        (lambdaMax !== null
          ? `; the linearized stability limit is 2/(λ_max/N + λ) = ${2 / (lambdaMax / N + lambda)}`
          : '') +
        '). Metrics up to this step are kept; lower the learning rate (e.g. --lr 0.5x).';
      if (!recordSet.has(step)) {
        const rec = record(step, F, fullLoss);
        history.push(rec);
        opts.onRecord?.(rec, history);
      }
      save('diverged', msg);
      return finish('diverged', msg);
    }
    if (step >= cfg.steps) break;
    // Gradient of the network.
    let Fb = F as Float64Array;
    if (!tape) {
      const fw = forward(params, Xb, { workspace: ws });
      tape = fw.tape;
      Fb = fw.out.data;
    }
    const Gb = fullBatch ? G : new Float64Array(nb * O);
    const Yb = rows ? rowsOf(Y, rows).data : Y.data;
    const batchLoss = lossAndGrad(cfg.loss, Fb, Yb, nb, O, N, Gb, gradScale);
    if (diverged(batchLoss)) {
      const msg = `training diverged at step ${step}: minibatch loss = ${batchLoss}${Number.isFinite(batchLoss) ? `, over ${DIVERGENCE_FACTOR}× the initial full loss ${loss0}` : ''} (learning rate η = ${eta}). Metrics up to this step are kept; lower the learning rate.`;
      save('diverged', msg);
      return finish('diverged', msg);
    }
    const grad = vjp(tape, new Matrix(nb, O, Gb), { inputGrad: false, workspace: ws }).grad;
    if (lambda === 0 && batchLoss > 1e-6 * loss0 && net.numTrainable > 0 && isZero(grad)) {
      // Without a penalty GD can never move again: every ReLU is dead (typically after a blow-up of the loss).
      const msg = `training diverged at step ${step}: the gradient is exactly zero at loss ${batchLoss} — every unit is dead, usually after the loss blew up (learning rate η = ${eta}). Metrics up to this step are kept; lower the learning rate.`;
      save('diverged', msg);
      return finish('diverged', msg);
    }
    regGrad(theta, grad);
    // Linearized model: gradient J₀ᵀ ∂L/∂f_lin on the same batch.
    let linGrad: Float64Array | null = null;
    if (lin && linTheta) {
      const u = linOut(Xb);
      const f0b = fullBatch ? (f0Train as Float64Array) : forwardOut(params0, Xb);
      const fl = new Float64Array(nb * O);
      for (let i = 0; i < fl.length; i++) fl[i] = f0b[i] + u[i];
      const gl = new Float64Array(nb * O);
      lossAndGrad(cfg.loss, fl, Yb, nb, O, N, gl, gradScale);
      const tp = fullBatch ? (tape0Full as Tape) : forward(params0, Xb).tape;
      linGrad = vjp(tp, new Matrix(nb, O, gl), { inputGrad: false }).grad;
      regGrad(linTheta, linGrad);
    }
    update(theta, vel, grad);
    if (linTheta && linGrad) update(linTheta, linVel, linGrad);
    step++;
    const now = performance.now();
    if (opts.onProgress && now - lastProgress >= progressEvery) {
      lastProgress = now;
      const done = step - startStep;
      const el = (now - start) / 1000;
      opts.onProgress({
        step,
        steps: cfg.steps,
        loss: fullBatch ? fullLoss : batchLoss,
        elapsedS: el,
        etaS: (el / done) * (cfg.steps - step),
      });
    }
    const stop = (opts.stopAtStep !== undefined && step >= opts.stopAtStep) || (opts.shouldStop?.() ?? false);
    if (stop && step < cfg.steps) {
      const msg = `stopped at step ${step} of ${cfg.steps}; resume from the checkpoint to continue`;
      save('stopped', msg);
      return finish('stopped', msg);
    }
    if (ckptPath && (step % ckptEverySteps === 0 || now - lastCkpt >= ckptEveryMs) && step < cfg.steps) {
      save('stopped', `checkpoint at step ${step} of ${cfg.steps}`);
      lastCkpt = performance.now();
    }
    if (now - lastYield >= 200) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  const msg = `completed ${cfg.steps} steps`;
  save('completed', msg);
  return finish('completed', msg);
}

function forwardOut(params: Params, X: Matrix): Float64Array {
  return apply(params, X).data;
}
