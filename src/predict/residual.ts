/**
 * The relative residual of a kernel-regression solve, ‖(K + ρI)α − Y‖_F/‖Y‖_F: one definition for the out-of-core
 * solver (R from the K tiles, src/predict/outOfCore.ts) and the dense path (R from K in memory, src/predict/dense.ts).
 */
import { Matrix, matmul } from '../linalg/index.js';

const frob = (a: Float64Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

/** ‖R‖_F/‖Y‖_F for the residual R = Y − (K + ρI)α (a zero Y divides by 1). */
export function relativeResidual(R: Float64Array, Y: Float64Array): number {
  return frob(R) / (frob(Y) || 1);
}

/** R = Y − (K + ρI)α for a train–train kernel K in memory (n×n; α and Y n×O). */
export function solveResidual(K: Matrix, ridge: number, alpha: Matrix, Y: Matrix): Float64Array {
  const R = matmul(K, alpha).data;
  for (let i = 0; i < R.length; i++) R[i] = Y.data[i] - R[i] - ridge * alpha.data[i];
  return R;
}
