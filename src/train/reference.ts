/**
 * The function-space reference from Θ₀ (the empirical NTK at initialization) that a trained network and its
 * linearized model are compared with (docs/training.md, "The linearized model"):
 *
 * - with a penalty (λ > 0): the fixed point of the regularized linearized model, f* = b + Θ₀α with b = f₀ (to-init)
 *   or f₀ − J₀θ₀ (to-zero) — kernel ridge regression for mse, kernel logistic (softmax) regression for ce and
 *   soft-ce (`linearizedFixedPoint`);
 * - without one, for mse trained by full-batch GD without momentum: the linearized model after the run's steps in
 *   closed form (`mseClosedForm`);
 * - otherwise none (null).
 *
 * Used by `ntk train` (summary.json, `reference`) and the `ce-lazy-regime` preset.
 */
import { empiricalNtk } from '../empirical/ntk.js';
import { eigh, type Eigh, type Matrix } from '../linalg/index.js';
import { apply, jvp, type Params } from '../nn/network.js';
import { type FixedPoint, linearizedFixedPoint, mseClosedForm, type RegCenter } from './linearized.js';
import { lossDivisor } from '../analysis/common.js';
import type { LossKind, LossNormalization } from './losses.js';

export interface Ntk0ReferenceProblem {
  /** The network at initialization, θ₀. */
  readonly params0: Params;
  /** n × inDim training inputs and n × O targets (as trained on). */
  readonly X: Matrix;
  readonly Y: Matrix;
  readonly loss: LossKind;
  /** Default 'sum'. */
  readonly normalization?: LossNormalization;
  readonly reg?: { readonly lambda: number; readonly center: RegCenter };
  /** outputs with positions, one per position and channel (TrainConfig.perPosition) */
  readonly perPosition?: boolean;
  /** The GD run (η, updates done, momentum, batch size; defaults: no momentum, full batch): for the closed form. */
  readonly gd?: {
    readonly eta: number;
    readonly steps: number;
    readonly momentum?: number;
    readonly batchSize?: number;
  };
  /** Θ₀ and its eigendecomposition when already computed (TrainResult.ntk0, ntk0Eig); computed here otherwise. */
  readonly ntk0?: Matrix | null;
  readonly ntk0Eig?: Eigh | null;
}

export type Ntk0Reference =
  | {
      readonly kind: 'fixed-point';
      /** e.g. 'kernel logistic regression fixed point from Θ₀' */
      readonly description: string;
      /** f* on the training set (n·O) */
      readonly train: Float64Array;
      readonly fixedPoint: FixedPoint;
    }
  | { readonly kind: 'mse-closed-form'; readonly description: string; readonly train: Float64Array };

/** The reference for a run (see the module comment), or null when there is none. */
export function ntk0Reference(p: Ntk0ReferenceProblem): Ntk0Reference | null {
  const { params0, X, Y, loss, reg } = p;
  const n = X.rows;
  const N = lossDivisor(p.normalization ?? 'sum', n);
  const ntk = (): Matrix =>
    p.ntk0 ?? empiricalNtk(params0, X, null, { outputs: 'full', perPosition: p.perPosition === true });
  if (reg && reg.lambda > 0) {
    const offset = apply(params0, X).data;
    if (reg.center === 'zero') {
      const jTheta0 = jvp(params0, X, params0.theta).tangentOut.data;
      for (let i = 0; i < offset.length; i++) offset[i] -= jTheta0[i];
    }
    const fixedPoint = linearizedFixedPoint({
      loss,
      ntk: ntk(),
      offset,
      y: Y.data,
      n,
      O: Y.cols,
      N,
      lambda: reg.lambda,
    });
    return {
      kind: 'fixed-point',
      description:
        loss === 'mse' ? 'kernel ridge fixed point from Θ₀' : 'kernel logistic regression fixed point from Θ₀',
      train: fixedPoint.train,
      fixedPoint,
    };
  }
  const gd = p.gd;
  if (loss === 'mse' && gd && (gd.momentum ?? 0) === 0 && (gd.batchSize ?? n) === n) {
    const f0 = apply(params0, X).data;
    const [cf] = mseClosedForm({ ntk: p.ntk0Eig ?? eigh(ntk()), f0, y: Y.data, eta: gd.eta, N }, [gd.steps]);
    return {
      kind: 'mse-closed-form',
      description: 'closed-form linearized GD on MSE (eigenbasis of Θ₀)',
      train: cf.train,
    };
  }
  return null;
}
