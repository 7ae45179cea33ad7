/** Positive-definiteness of a kernel matrix on the given points: λ_min, λ_max, condition number, strictly PD or not. */
import { InvalidArgumentError } from '../errors.js';
import type { Matrix } from '../linalg/matrix.js';
import { eigvalsh } from '../linalg/ops.js';

export interface PdReport {
  readonly n: number;
  readonly lambdaMin: number;
  readonly lambdaMax: number;
  /** λ_max / λ_min (Infinity when λ_min ≤ 0) */
  readonly condition: number;
  /** λ_min > tol, tol = n·ε·λ_max (eigenvalues below that are indistinguishable from 0 in float64) */
  readonly strictlyPd: boolean;
  readonly tolerance: number;
}

export function checkPd(K: Matrix): PdReport {
  if (K.rows !== K.cols || K.rows < 1)
    throw new InvalidArgumentError('checkPd', 'K', 'a non-empty square matrix', `${K.rows}×${K.cols}`);
  const w = eigvalsh(K);
  const n = K.rows;
  const lambdaMin = w[0];
  const lambdaMax = w[n - 1];
  const tolerance = n * Number.EPSILON * Math.max(Math.abs(lambdaMax), Math.abs(lambdaMin));
  const strictlyPd = lambdaMin > tolerance;
  return {
    n,
    lambdaMin,
    lambdaMax,
    condition: lambdaMin > 0 ? lambdaMax / lambdaMin : Number.POSITIVE_INFINITY,
    strictlyPd,
    tolerance,
  };
}
