/**
 * Training losses on network outputs F (n × O, row-major) against targets Y (n × O), with their gradients ∂L/∂F.
 *
 * Normalization (the divisor N is 1 for `'sum'`, n for `'mean'`; the same convention as src/analysis):
 *   mse      L(F) = (1/N)·½‖F − Y‖²_F
 *   ce       L(F) = (1/N)·Σᵢ −log softmax(Fᵢ)_{yᵢ}            (hard labels: Y one-hot)
 *   soft-ce  L(F) = (1/N)·Σᵢ −Σ_c Y_ic log softmax(Fᵢ)_c      (soft targets, every Y_ic > 0, rows summing to 1;
 *                                                              the cross-entropy, i.e. KL(Yᵢ‖pᵢ) + H(Yᵢ))
 * Gradients: mse (F − Y)/N; ce and soft-ce (softmax(F) − Y)/N. The "residual" tracked during training is N·∂L/∂F:
 * F − Y for mse and softmax(F) − Y for the cross-entropies.
 */
import type { LossNormalization } from '../analysis/common.js';
import { InvalidArgumentError } from '../errors.js';
import { Matrix } from '../linalg/matrix.js';

export type LossKind = 'mse' | 'ce' | 'soft-ce';
export const LOSS_KINDS: readonly LossKind[] = ['mse', 'ce', 'soft-ce'];
export type { LossNormalization };

/**
 * Check that the targets suit the loss, before any training: finite for mse; for ce every row one-hot (O ≥ 2); for
 * soft-ce every row a probability vector with all entries > 0 (non-degenerate, e.g. label smoothing ε > 0).
 */
export function validateTargets(fn: string, loss: LossKind, Y: Matrix): void {
  if (!LOSS_KINDS.includes(loss)) throw new InvalidArgumentError(fn, 'loss', '`mse`, `ce` or `soft-ce`', loss);
  const { rows: n, cols: O, data: y } = Y;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) {
      throw new InvalidArgumentError(fn, 'targets', 'finite', `Y[${Math.floor(i / O)}][${i % O}] = ${y[i]}`);
    }
  }
  if (loss === 'mse') return;
  if (O < 2) {
    throw new InvalidArgumentError(
      fn,
      'targets',
      `one column per class (at least 2) for loss \`${loss}\``,
      `${n}×${O}`,
      'Cross-entropy needs class targets; use --loss mse for regression or ±1 targets.',
    );
  }
  for (let i = 0; i < n; i++) {
    let s = 0;
    let ones = 0;
    let min = Number.POSITIVE_INFINITY;
    for (let c = 0; c < O; c++) {
      const v = y[i * O + c];
      s += v;
      if (v === 1) ones++;
      min = Math.min(min, v);
    }
    const row = Array.from(y.subarray(i * O, Math.min((i + 1) * O, i * O + 10)));
    if (loss === 'ce') {
      if (ones !== 1 || s !== 1 || min !== 0) {
        throw new InvalidArgumentError(
          fn,
          `targets row ${i}`,
          'one-hot (hard labels) for loss `ce`',
          row,
          'Regression or ±1 targets cannot be trained with cross-entropy; smoothed labels need --loss soft-ce.',
        );
      }
    } else if (!(min > 0) || Math.abs(s - 1) > 1e-9) {
      throw new InvalidArgumentError(
        fn,
        `targets row ${i}`,
        'a probability vector with every entry > 0 (soft, non-degenerate targets, e.g. label smoothing ε > 0) for loss `soft-ce`',
        row,
        'With ε = 0 the targets are hard labels: use --loss ce.',
      );
    }
  }
}

/** Label-smoothed targets (1 − ε)·onehot + ε/C from class indices. */
export function smoothLabels(y: Int32Array, numClasses: number, eps: number): Matrix {
  if (!(eps >= 0 && eps < 1)) throw new InvalidArgumentError('smoothLabels', 'eps', 'in [0, 1)', eps);
  const Y = new Matrix(y.length, numClasses);
  for (let i = 0; i < y.length; i++) {
    if (!(y[i] >= 0 && y[i] < numClasses))
      throw new InvalidArgumentError('smoothLabels', `y[${i}]`, `in [0, ${numClasses})`, y[i]);
    for (let c = 0; c < numClasses; c++) Y.data[i * numClasses + c] = (c === y[i] ? 1 - eps : 0) + eps / numClasses;
  }
  return Y;
}

/** Row-wise softmax of F (n × O) into P. */
export function softmaxRows(F: Float64Array, n: number, O: number, P: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const o = i * O;
    let m = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < O; c++) m = Math.max(m, F[o + c]);
    let s = 0;
    for (let c = 0; c < O; c++) {
      const e = Math.exp(F[o + c] - m);
      P[o + c] = e;
      s += e;
    }
    for (let c = 0; c < O; c++) P[o + c] /= s;
  }
}

/**
 * L(F) (see the module comment) for rows `rows` of F/Y (all rows when null), divided by N. When `grad` is given it
 * receives ∂L/∂F scaled by `gradScale` on those rows (other rows untouched). `resid` (optional) receives N·∂L/∂F.
 */
export function lossAndGrad(
  loss: LossKind,
  F: Float64Array,
  Y: Float64Array,
  n: number,
  O: number,
  N: number,
  grad: Float64Array | null,
  gradScale = 1,
  resid: Float64Array | null = null,
): number {
  let total = 0;
  const inv = gradScale / N;
  if (loss === 'mse') {
    for (let k = 0; k < n * O; k++) {
      const r = F[k] - Y[k];
      total += r * r;
      if (grad) grad[k] = inv * r;
      if (resid) resid[k] = r;
    }
    return (0.5 * total) / N;
  }
  for (let i = 0; i < n; i++) {
    const o = i * O;
    let m = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < O; c++) m = Math.max(m, F[o + c]);
    let s = 0;
    for (let c = 0; c < O; c++) s += Math.exp(F[o + c] - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < O; c++) {
      const y = Y[o + c];
      if (y !== 0) total -= y * (F[o + c] - lse);
      if (grad || resid) {
        const r = Math.exp(F[o + c] - lse) - y;
        if (grad) grad[o + c] = inv * r;
        if (resid) resid[o + c] = r;
      }
    }
  }
  return total / N;
}

/** Fraction of rows whose argmax (O > 1) or sign (O = 1) matches the target's. NaN for n = 0. */
export function accuracy(F: Float64Array, Y: Float64Array, n: number, O: number): number {
  if (n === 0) return Number.NaN;
  let ok = 0;
  for (let i = 0; i < n; i++) {
    if (O === 1) {
      if (Math.sign(F[i]) === Math.sign(Y[i])) ok++;
      continue;
    }
    let af = 0;
    let ay = 0;
    for (let c = 1; c < O; c++) {
      if (F[i * O + c] > F[i * O + af]) af = c;
      if (Y[i * O + c] > Y[i * O + ay]) ay = c;
    }
    if (af === ay) ok++;
  }
  return ok / n;
}
