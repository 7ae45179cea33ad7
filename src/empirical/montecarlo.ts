/**
 * Monte-Carlo NTK: the mean of empirical kernels over independent initializations, with running estimates. At large
 * width it converges to the analytic (infinite-width) NTK in the NTK parameterization (Jacot et al., 2018), which is
 * how src/kernels is checked. Sample k initializes from `new Rng(seed).split(k)`.
 */
import { requireFlatOutput } from '../arch/compile.js';
import { InvalidArgumentError } from '../errors.js';
import { Matrix } from '../linalg/matrix.js';
import { init, type Network } from '../nn/network.js';
import { Rng } from '../util/random.js';
import { type EmpiricalNtkOptions, empiricalNtk, requireEmpiricalMemory } from './ntk.js';

export interface MonteCarloOptions extends EmpiricalNtkOptions {
  /** Number of independent networks (≥ 1). */
  readonly samples: number;
  /** Base seed (default 0). */
  readonly seed?: number;
  /** Called after each sample with the running estimate (the matrices are live buffers: copy to keep). */
  readonly onSample?: (estimate: MonteCarloEstimate) => void;
}

export interface MonteCarloEstimate {
  /** Samples so far. */
  readonly samples: number;
  /** Running mean of Θ. */
  readonly mean: Matrix;
  /** Elementwise standard error of the mean (sample std / √samples; 0 after one sample). */
  readonly stderr: Matrix;
}

/** Mean empirical NTK of `net` over `samples` seeds, between X1 and X2 (X2 omitted: Θ(X1, X1)). */
export function monteCarloNtk(
  net: Network,
  X1: Matrix,
  X2: Matrix | null | undefined,
  opts: MonteCarloOptions,
): MonteCarloEstimate {
  requireFlatOutput(net, 'monteCarloNtk', opts.perPosition === true);
  const { samples, seed = 0 } = opts;
  if (!Number.isInteger(samples) || samples < 1)
    throw new InvalidArgumentError('monteCarloNtk', 'samples', 'a positive integer', samples);
  // a sample, the running mean, M2 and the standard error
  requireEmpiricalMemory(net, X1, X2, opts, 4);
  const base = new Rng(seed);
  let mean: Matrix | null = null;
  let m2: Float64Array | null = null;
  let stderr: Matrix | null = null;
  for (let k = 1; k <= samples; k++) {
    const K = empiricalNtk(init(net, base.split(k - 1)), X1, X2, opts);
    if (mean === null || m2 === null || stderr === null) {
      mean = new Matrix(K.rows, K.cols);
      m2 = new Float64Array(K.data.length);
      stderr = new Matrix(K.rows, K.cols);
    }
    const mu = mean.data;
    for (let i = 0; i < mu.length; i++) {
      const d = K.data[i] - mu[i];
      mu[i] += d / k;
      m2[i] += d * (K.data[i] - mu[i]);
      stderr.data[i] = k > 1 ? Math.sqrt(m2[i] / (k - 1) / k) : 0;
    }
    opts.onSample?.({ samples: k, mean, stderr });
  }
  return { samples, mean: mean as Matrix, stderr: stderr as Matrix };
}
