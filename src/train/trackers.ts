/**
 * The trackers: what `train` records at each tracked step, one TrainRecord per step (one line of metrics.jsonl).
 *
 * Each tracker is one entry of TRACKER_REGISTRY: its name (as `TrainConfig.trackers` and `ntk train --trackers`
 * spell it), when it applies (what it requires when asked for, and whether the default selection includes it), the
 * record fields it fills and how it computes them. Quantities that several trackers share (the residual, Θ_t, the
 * test outputs) are computed at most once per record. Adding a tracker is adding one entry here, with its fields on
 * TrainRecord and at the end of RECORD_FIELDS. Formulas: docs/training.md, "Trackers".
 */
import { empiricalNtk } from '../empirical/ntk.js';
import { type Eigh, eigvalsh, Matrix, matmul } from '../linalg/index.js';
import { apply, type Params } from '../nn/network.js';
import type { ResolvedConfig, TrainData } from './config.js';
import { lossDivisor } from '../analysis/common.js';
import { accuracy, lossAndGrad } from './losses.js';

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

type RecordField = Exclude<keyof TrainRecord, 'step'>;
type Fields = { -readonly [K in RecordField]?: TrainRecord[K] };

/** The record's fields in the order metrics.jsonl has always written them (after `step`); new fields go last. */
export const RECORD_FIELDS: readonly RecordField[] = [
  'loss',
  'objective',
  'accuracy',
  'residualNorm',
  'residualAlignment',
  'residualProjections',
  'ntkDrift',
  'kernelDistance',
  'lambdaMin',
  'paramDistance',
  'paramNorm',
  'maxAbsLogit',
  'testLoss',
  'testAccuracy',
  'linLoss',
  'linAccuracy',
  'linResidualNorm',
  'linParamDistance',
  'linGapTrain',
  'linGapTest',
];

/** Θ₀, the empirical NTK of the training set at θ₀, with what the trackers use of it. */
export interface Ntk0 {
  readonly K: Matrix;
  readonly eig: Eigh;
  /** ‖Θ₀‖_F and λ_max(Θ₀). */
  readonly norm: number;
  readonly lambdaMax: number;
}

/** The linearized model trained alongside: θ_lin (live), f(θ₀) on train/test and u ↦ J₀(θ_lin − θ₀) on inputs X. */
export interface LinearizedState {
  readonly theta: Float64Array;
  readonly f0Train: Float64Array;
  readonly f0Test: Float64Array | null;
  readonly outputs: (X: Matrix) => Float64Array;
}

/** What the trackers read, fixed for a run (θ_t and θ_lin are the live buffers the loop updates). */
export interface TrackEnv {
  readonly R: ResolvedConfig;
  readonly data: TrainData;
  readonly params: Params;
  readonly theta: Float64Array;
  readonly theta0: Float64Array;
  /** 1 for trained entries of θ, 0 for frozen ones. */
  readonly mask: Float64Array;
  /** Present when an NTK tracker is selected. */
  readonly ntk0: Ntk0 | null;
  readonly lin: LinearizedState | null;
}

/** What a tracker reads at one step: the env, the step, the network's train outputs F and data loss L(F). */
export interface TrackContext extends TrackEnv {
  readonly step: number;
  readonly F: Float64Array;
  readonly loss: number;
  has(t: Tracker): boolean;
  /** r = N·∂L/∂F and ‖r‖. */
  residual(): { readonly r: Float64Array; readonly norm: number };
  /** Θ_t: the full empirical NTK of the training set at θ_t. */
  ntkNow(): Matrix;
  /** f_t on the test set (requires one). */
  testOutputs(): Float64Array;
}

/** What decides which trackers apply: the resolved sizes and options. */
export interface SelectionInfo {
  readonly loss: ResolvedConfig['loss'];
  readonly O: number;
  /** n·O, the size of Θ₀. */
  readonly D: number;
  readonly Y: Matrix;
  readonly linearized: boolean;
  readonly hasTest: boolean;
}

export interface TrackerSpec {
  readonly name: Tracker;
  /** The record fields it fills (null when it is not selected). */
  readonly fields: readonly RecordField[];
  /** Needs Θ₀ ('initial'), or Θ₀ and Θ_t at every tracked step ('current'). */
  readonly ntk?: 'initial' | 'current';
  /** Recorded whether selected or not (the loop needs the loss anyway). */
  readonly always?: true;
  /** A condition without which it cannot be selected; `refusal` completes "`trackers` must be …". */
  readonly requires?: { readonly holds: (s: SelectionInfo) => boolean; readonly refusal: string };
  /** Whether the default selection includes it, given that `requires` holds (default: yes). */
  readonly byDefault?: (s: SelectionInfo) => boolean;
  readonly record: (c: TrackContext) => Fields;
}

/**
 * The largest n·O for which Θ is formed in full ((n·O)², eigendecomposed): the NTK trackers are in the default
 * selection only up to it, and a fraction learning rate takes λ_max(Θ₀) by Lanczos above it.
 */
export const FULL_NTK_MAX_OUTPUTS = 2048;
const smallNtk = (s: SelectionInfo): boolean => s.D <= FULL_NTK_MAX_OUTPUTS;

/**
 * The trackers' names, in registry order (the order of TRACKERS, of the default selection and of `--trackers`' help).
 * The compiler checks that every name has exactly one entry in SPECS below.
 */
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

const SPECS: { readonly [K in Tracker]: Omit<TrackerSpec, 'name'> } = {
  loss: {
    fields: ['loss', 'objective'],
    always: true,
    record: (c) => {
      const { lambda, center } = c.R;
      let reg = 0;
      if (lambda > 0) {
        let s = 0;
        for (let i = 0; i < c.theta.length; i++)
          if (c.mask[i] !== 0) s += (c.theta[i] - (center === 'init' ? c.theta0[i] : 0)) ** 2;
        reg = 0.5 * lambda * s;
      }
      return { loss: c.loss, objective: c.loss + reg };
    },
  },
  accuracy: {
    fields: ['accuracy'],
    // MSE with one output: only for ±1 targets (sign agreement)
    byDefault: (s) => s.loss !== 'mse' || s.O > 1 || isPm1(s.Y),
    record: (c) => ({ accuracy: accuracy(c.F, c.data.Y.data, c.R.n, c.R.O) }),
  },
  residual: {
    fields: ['residualNorm'],
    record: (c) => ({ residualNorm: c.residual().norm }),
  },
  alignment: {
    fields: ['residualAlignment', 'residualProjections'],
    ntk: 'initial',
    byDefault: smallNtk,
    record: (c) => {
      const { K, eig, lambdaMax } = c.ntk0 as Ntk0;
      const { r, norm: rn } = c.residual();
      const D = r.length;
      const Kr = matmul(K, new Matrix(D, 1, r)).data;
      let q = 0;
      for (let i = 0; i < D; i++) q += r[i] * Kr[i];
      const k = Math.min(c.R.projections, D);
      const V = eig.vectors;
      const projs: number[] = [];
      for (let j = 0; j < k; j++) {
        const col = D - 1 - j;
        let cj = 0;
        for (let i = 0; i < D; i++) cj += V.data[i * D + col] * r[i];
        projs.push(rn > 0 ? (cj * cj) / (rn * rn) : 0);
      }
      return { residualAlignment: rn > 0 ? q / (lambdaMax * rn * rn) : null, residualProjections: projs };
    },
  },
  drift: {
    fields: ['ntkDrift'],
    ntk: 'current',
    byDefault: smallNtk,
    record: (c) => ({ ntkDrift: diffNorm(c.ntkNow().data, (c.ntk0 as Ntk0).K.data) / (c.ntk0 as Ntk0).norm }),
  },
  'kernel-distance': {
    fields: ['kernelDistance'],
    ntk: 'current',
    byDefault: smallNtk,
    record: (c) => {
      const K = c.ntkNow().data;
      const { K: K0, norm } = c.ntk0 as Ntk0;
      let ip = 0;
      let kk = 0;
      for (let i = 0; i < K.length; i++) {
        ip += K[i] * K0.data[i];
        kk += K[i] * K[i];
      }
      return { kernelDistance: 1 - ip / (Math.sqrt(kk) * norm) };
    },
  },
  'lambda-min': {
    fields: ['lambdaMin'],
    ntk: 'current',
    byDefault: smallNtk,
    record: (c) => ({ lambdaMin: eigvalsh(c.ntkNow())[0] }),
  },
  params: {
    fields: ['paramDistance', 'paramNorm'],
    record: (c) => ({ paramDistance: diffNorm(c.theta, c.theta0, c.mask), paramNorm: norm2(c.theta, c.mask) }),
  },
  logits: {
    fields: ['maxAbsLogit'],
    record: (c) => {
      let m = 0;
      for (let i = 0; i < c.F.length; i++) m = Math.max(m, Math.abs(c.F[i]));
      return { maxAbsLogit: m };
    },
  },
  linearized: {
    fields: ['linLoss', 'linAccuracy', 'linResidualNorm', 'linParamDistance', 'linGapTrain', 'linGapTest'],
    requires: { holds: (s) => s.linearized, refusal: 'without `linearized` when linearized training is off' },
    record: (c) => {
      const lin = c.lin as LinearizedState;
      const { X, Y, Xtest } = c.data;
      const { n, O, N } = c.R;
      const u = lin.outputs(X);
      const fl = new Float64Array(n * O);
      for (let i = 0; i < fl.length; i++) fl[i] = lin.f0Train[i] + u[i];
      const lr = new Float64Array(n * O);
      const linLoss = lossAndGrad(c.R.loss, fl, Y.data, n, O, N, null, 1, lr);
      let linGapTest: number | null = null;
      if (Xtest && lin.f0Test) {
        const fTest = c.testOutputs();
        const ut = lin.outputs(Xtest);
        let s = 0;
        for (let i = 0; i < ut.length; i++) s += (fTest[i] - lin.f0Test[i] - ut[i]) ** 2;
        linGapTest = Math.sqrt(s);
      }
      return {
        linLoss,
        linAccuracy: c.has('accuracy') ? accuracy(fl, Y.data, n, O) : null,
        linResidualNorm: norm2(lr),
        linParamDistance: diffNorm(lin.theta, c.theta0, c.mask),
        linGapTrain: diffNorm(c.F, fl),
        linGapTest,
      };
    },
  },
  test: {
    fields: ['testLoss', 'testAccuracy'],
    requires: { holds: (s) => s.hasTest, refusal: 'without `test` when no test set is given' },
    record: (c) => {
      const Ytest = c.data.Ytest as Matrix;
      const f = c.testOutputs();
      const m = Ytest.rows;
      const { loss, O, norm } = c.R;
      return {
        testLoss: lossAndGrad(loss, f, Ytest.data, m, O, lossDivisor(norm, m), null),
        testAccuracy: c.has('accuracy') ? accuracy(f, Ytest.data, m, O) : null,
      };
    },
  },
};

/** Every tracker, in order: name, requirements, default, fields, computation. */
export const TRACKER_REGISTRY: readonly TrackerSpec[] = Object.entries(SPECS).map(([name, e]) => ({
  name: name as Tracker,
  ...e,
}));
export const TRACKERS: readonly Tracker[] = TRACKER_REGISTRY.map((e) => e.name);
/** Trackers that need the empirical NTK Θ₀ (and Θ_t, computed once per tracked step, structured implementation). */
export const NTK_TRACKERS: readonly Tracker[] = TRACKER_REGISTRY.filter((e) => e.ntk).map((e) => e.name);

/** The default selection: every tracker whose requirement holds and that applies by default, in registry order. */
export function defaultTrackers(s: SelectionInfo): Tracker[] {
  return TRACKER_REGISTRY.filter((e) => (e.requires?.holds(s) ?? true) && (e.byDefault?.(s) ?? true)).map(
    (e) => e.name,
  );
}

/**
 * The record at one step: `step`, then every field of RECORD_FIELDS, from the trackers that are selected (and
 * `loss`, always); null for the others. `resid` is scratch space of n·O entries.
 */
export function makeRecord(
  env: TrackEnv,
  selected: ReadonlySet<Tracker>,
  step: number,
  F: Float64Array,
  loss: number,
  resid: Float64Array,
): TrainRecord {
  const { R, data } = env;
  let residual: { r: Float64Array; norm: number } | null = null;
  let ntkNow: Matrix | null = null;
  let fTest: Float64Array | null = null;
  const c: TrackContext = {
    ...env,
    step,
    F,
    loss,
    has: (t) => selected.has(t),
    residual: () => {
      if (!residual) {
        lossAndGrad(R.loss, F, data.Y.data, R.n, R.O, R.N, null, 1, resid);
        residual = { r: resid, norm: norm2(resid) };
      }
      return residual;
    },
    ntkNow: () => (ntkNow ??= empiricalNtk(env.params, data.X, null, { outputs: 'full', perPosition: R.perPosition })),
    testOutputs: () => (fTest ??= apply(env.params, data.Xtest as Matrix).data),
  };
  const rec: Record<string, unknown> = { step };
  for (const k of RECORD_FIELDS) rec[k] = null;
  for (const e of TRACKER_REGISTRY) if (e.always || selected.has(e.name)) Object.assign(rec, e.record(c));
  return rec as unknown as TrainRecord;
}

function isPm1(Y: Matrix): boolean {
  return Y.cols === 1 && Y.data.every((v) => v === 1 || v === -1);
}

/** ‖a‖ over the entries where mask ≠ 0 (all entries without a mask). */
export function norm2(a: Float64Array, mask: Float64Array | null = null): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (!mask || mask[i] !== 0) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** ‖a − b‖ over the entries where mask ≠ 0 (all entries without a mask). */
export function diffNorm(a: Float64Array, b: Float64Array, mask: Float64Array | null = null): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) if (!mask || mask[i] !== 0) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}
