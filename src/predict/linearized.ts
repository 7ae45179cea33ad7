/**
 * Linearized predictions of a given finite network: f_lin(x, t) = f₀(x) + Θ̂_*(x)Θ̂⁻¹(I − e^{−aΘ̂t})(y − f₀), the
 * network f(θ₀) + J₀(θ − θ₀) trained by gradient flow on the squared loss (Lee et al. 2019, eqs. (9)–(10);
 * neural-tangents' `predict.gradient_descent_mse` with the empirical NTK), with Θ̂ = J₀J₀ᵀ the empirical NTK at θ₀
 * over every output ((n·O) × (n·O), empiricalNtk's `full` outputs) — or after `step` GD steps of rate η
 * (`{ step }`, exactly `ntk train`'s linearized model). Null modes of Θ̂ (more outputs than parameters) do not move,
 * so t = ∞ is the minimum-change interpolant, with no ridge.
 */
import { InvalidArgumentError } from '../errors.js';
import { empiricalNtk } from '../empirical/ntk.js';
import { eigh, Matrix } from '../linalg/index.js';
import { apply, type Params } from '../nn/network.js';
import { checkNormalization, type LossNormalization, lossDivisor } from '../analysis/common.js';
import { linearizedPredictions, type TrainingTime } from '../analysis/predictions.js';
import type { TimedPrediction } from './dense.js';

export interface LinearizedNetworkPrediction extends Omit<TimedPrediction, 'time'> {
  readonly at: TrainingTime;
}

export interface LinearizedNetworkResult {
  /** f(θ₀) on the test points, m×O. */
  readonly test0: Matrix;
  readonly predictions: readonly LinearizedNetworkPrediction[];
}

/**
 * The linearized network of params0 between a training and a test set: f₀ on both, the empirical NTK Θ̂ (full
 * outputs) and its eigendecomposition, computed once; `predict` gives its test outputs (m×O) at each flow time or
 * step for targets Y (n×O, O = the network's outputs), learning rate η and loss normalization (a = η/N: N = 1 for
 * 'sum', n for 'mean', as predictDense).
 */
export function linearizedNetwork(
  params0: Params,
  Xtrain: Matrix,
  Xtest: Matrix,
): {
  readonly test0: Matrix;
  predict(
    Ytrain: Matrix,
    at: readonly TrainingTime[],
    opts?: { readonly eta?: number; readonly normalization?: LossNormalization },
  ): LinearizedNetworkResult;
} {
  const fn = 'linearizedNetwork';
  const n = Xtrain.rows;
  const O = params0.net.outDim;
  const f0 = apply(params0, Xtrain);
  const test0 = apply(params0, Xtest);
  const ntk = eigh(empiricalNtk(params0, Xtrain, null, { outputs: 'full' }));
  const thetaTest = empiricalNtk(params0, Xtest, Xtrain, { outputs: 'full' });
  // flattened outputs: row i·O + o, as empiricalNtk's full kernel; the loss divisor N stays n (not n·O)
  const flat = (M: Matrix) => new Matrix(M.rows * M.cols, 1, M.data);
  return {
    test0,
    predict(Ytrain, at, opts = {}) {
      if (Ytrain.rows !== n || Ytrain.cols !== O)
        throw new InvalidArgumentError(
          fn,
          'Ytrain',
          `${n}×${O} (one column per network output)`,
          `${Ytrain.rows}×${Ytrain.cols}`,
        );
      const eta = opts.eta ?? 1;
      if (!(Number.isFinite(eta) && eta > 0))
        throw new InvalidArgumentError(fn, 'eta', 'a positive finite number', eta);
      const N = lossDivisor(checkNormalization(fn, opts.normalization ?? 'sum'), n);
      const lin = linearizedPredictions(
        {
          ntk,
          yTrain: flat(Ytrain),
          ntkTestTrain: thetaTest,
          fTrain0: flat(f0),
          fTest0: flat(test0),
          eta: eta / N,
          normalization: 'sum',
        },
        at,
      );
      return {
        test0,
        predictions: lin.map((p) => ({
          at: p.at,
          mean: new Matrix(Xtest.rows, O, (p.test as Matrix).data),
          covariance: null,
        })),
      };
    },
  };
}
