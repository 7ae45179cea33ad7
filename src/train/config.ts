/**
 * What `train` is asked to do: the configuration (TrainConfig), data (TrainData) and run options (TrainOptions:
 * checkpoints, stopping, callbacks) with their defaults, and `resolveConfig`, which checks every option before any
 * work and fixes the defaults, the tracker selection, the tracked steps and the SHA-256 that keys checkpoints to the
 * configuration and the data.
 */
import { createHash } from 'node:crypto';
import type { LossNormalization } from '../analysis/common.js';
import { InvalidArgumentError } from '../errors.js';
import { Matrix } from '../linalg/index.js';
import { requireFlatOutput } from '../arch/compile.js';
import { formatArch, parseArch } from '../arch/parse.js';
import type { Arch, Parameterization } from '../arch/types.js';
import { lossDivisor } from '../analysis/common.js';
import { buildNetwork, type Network } from '../nn/network.js';
import type { RegCenter } from './linearized.js';
import { LOSS_KINDS, type LossKind, validateTargets } from './losses.js';
import { DEFAULT_SCHEDULE, scheduleSteps, type TrackSchedule } from './schedule.js';
import {
  defaultTrackers,
  type SelectionInfo,
  type Tracker,
  TRACKER_REGISTRY,
  TRACKERS,
  type TrainRecord,
} from './trackers.js';

export type LearningRate = { readonly absolute: number } | { readonly fraction: number };

export interface TrainConfig {
  readonly arch: string | Arch;
  /** Per-example input shape (default [X.cols]). */
  readonly inputShape?: readonly number[];
  readonly param?: Parameterization;
  /** Initialization seed: θ₀ = init(net, new Rng(seed)), as everywhere in ntk-lab. */
  readonly seed: number;
  /**
   * θ₀ given instead of the seeded init (e.g. `readParams(dir, net).params.theta`, the `--params DIR` of `ntk
   * train`): length net.numParams. The linearization and `reg` to-init are centred on it; `seed` still seeds the
   * noise of random layers and the minibatch order.
   */
  readonly initialTheta?: Float64Array;
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
  /** Default: every tracker that applies; the NTK trackers only when n·O ≤ 2048 (see trackers.ts). */
  readonly trackers?: readonly Tracker[];
  /** Squared residual projections on the top eigenvectors of Θ₀ to keep per record (default 32). */
  readonly projections?: number;
  /** a network whose output still has positions is trained on one output per position and channel (Y: n × P·C,
   * position-major) instead of being refused (compile.ts requireFlatOutput) */
  readonly perPosition?: boolean;
}

export interface TrainData {
  /** n × inDim inputs and n × O targets (see losses.ts for what each loss accepts). */
  readonly X: Matrix;
  readonly Y: Matrix;
  readonly Xtest?: Matrix;
  readonly Ytest?: Matrix;
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
  /** Test outputs at these steps (network, and the linearized model when it is trained; m·O each), passed to `fn` as
   * each step is reached (e.g. an ensemble at several training times from one run). Needs data.Xtest. */
  readonly testOutputsAt?: {
    readonly steps: readonly number[];
    readonly fn: (step: number, fTest: Float64Array, fLinTest: Float64Array | null) => void;
  };
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

/** A TrainConfig checked against its data, with every default filled in. */
export interface ResolvedConfig {
  readonly net: Network;
  readonly loss: LossKind;
  readonly norm: LossNormalization;
  /** n examples, O outputs, loss divisor N. */
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
  /** the network's outputs with positions are trained on, one per position and channel (cfg.perPosition) */
  readonly perPosition: boolean;
  /** SHA-256 (hex) of the resolved configuration and the data: a checkpoint is resumed only under the same hash. */
  readonly hash: string;
}

const FN = 'train';

/** Check `cfg` and `data` (InvalidArgumentError naming the option otherwise) and fill in the defaults. */
export function resolveConfig(cfg: TrainConfig, data: TrainData): ResolvedConfig {
  if (!LOSS_KINDS.includes(cfg.loss)) throw new InvalidArgumentError(FN, 'loss', '`mse`, `ce` or `soft-ce`', cfg.loss);
  const norm = cfg.normalization ?? 'sum';
  if (norm !== 'sum' && norm !== 'mean') throw new InvalidArgumentError(FN, 'normalization', '`sum` or `mean`', norm);
  if (!Number.isInteger(cfg.seed) || cfg.seed < 0)
    throw new InvalidArgumentError(FN, 'seed', 'a non-negative integer', cfg.seed);
  if (!Number.isInteger(cfg.steps) || cfg.steps < 0)
    throw new InvalidArgumentError(FN, 'steps', 'a non-negative integer', cfg.steps);
  const { net, O } = checkData(cfg, data);
  const n = data.X.rows;
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
  const trackers = selectTrackers(cfg.trackers, {
    loss: cfg.loss,
    O,
    D: n * O,
    Y: data.Y,
    linearized: lin,
    hasTest: data.Xtest !== undefined,
  });
  const projections = cfg.projections ?? 32;
  if (!Number.isInteger(projections) || projections < 0)
    throw new InvalidArgumentError(FN, 'projections', 'a non-negative integer', projections);
  const tracked = scheduleSteps(cfg.schedule ?? DEFAULT_SCHEDULE, cfg.steps);
  const t = cfg.initialTheta;
  if (t !== undefined && (!(t instanceof Float64Array) || t.length !== net.numParams))
    throw new InvalidArgumentError(FN, 'initialTheta', `a Float64Array of net.numParams = ${net.numParams}`, t?.length);
  const identity = JSON.stringify({
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
  });
  // the checkpoint identity, hashed when first read (only checkpoints read it; a browser has no node:crypto)
  let hash: string | undefined;
  const digest = (): string => {
    const h = createHash('sha256');
    h.update(identity);
    for (const m of [data.X, data.Y, data.Xtest, data.Ytest])
      if (m) h.update(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    if (t !== undefined) {
      h.update('initialTheta');
      h.update(new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
    }
    return h.digest('hex');
  };
  return {
    net,
    loss: cfg.loss,
    norm,
    n,
    O,
    N: lossDivisor(norm, n),
    lambda,
    center,
    batch,
    mu,
    lin,
    trackers: new Set(trackers),
    tracked,
    projections,
    perPosition: cfg.perPosition === true,
    get hash(): string {
      return (hash ??= digest());
    },
  };
}

/** The data's shapes against the network's, and the targets against the loss. */
function checkData(cfg: TrainConfig, data: TrainData): { net: Network; O: number } {
  const { X, Y } = data;
  if (!(X instanceof Matrix) || !(Y instanceof Matrix) || X.rows !== Y.rows || X.rows < 1)
    throw new InvalidArgumentError(
      FN,
      'data',
      'X (n × d) and Y (n × O) matrices with the same n ≥ 1',
      `${X?.rows}, ${Y?.rows}`,
    );
  const net = buildNetwork(cfg.arch, cfg.inputShape ?? [X.cols], cfg.param ?? 'ntk');
  requireFlatOutput(net, FN, cfg.perPosition === true);
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
  return { net, O };
}

/** The trackers asked for (every name known, every requirement met), or the default selection. */
function selectTrackers(asked: readonly Tracker[] | undefined, s: SelectionInfo): Tracker[] {
  if (!asked) return defaultTrackers(s);
  for (const t of asked)
    if (!TRACKERS.includes(t)) throw new InvalidArgumentError(FN, 'trackers', `a subset of ${TRACKERS.join(', ')}`, t);
  for (const e of TRACKER_REGISTRY)
    if (e.requires && asked.includes(e.name) && !e.requires.holds(s))
      throw new InvalidArgumentError(FN, 'trackers', e.requires.refusal, e.name);
  return [...asked];
}
