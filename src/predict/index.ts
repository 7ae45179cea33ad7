/** Predictions on test data: NNGP posterior, NTK-GP at training times, leave-one-out ridges, metrics (docs/predict.md). */
export {
  leaveOneOutCurve,
  type LooCurve,
  type LooPoint,
  predictDense,
  predictedClasses,
  type PredictGet,
  type PredictionMetrics,
  predictionMetrics,
  type PredictKernels,
  type PredictOptions,
  type PredictResult,
  RIDGE_GRID,
  type TimedPrediction,
} from './dense.js';
export { type LinearizedNetworkPrediction, linearizedNetwork, type LinearizedNetworkResult } from './linearized.js';
/** Predictions at scale: out-of-core kernel regression (tiles on disk, docs/predict-scale.md). */
export * from './outOfCore.js';
/** Ensembles of finite networks beside the NTK-GP (`ntk predict --ensemble K`). */
export {
  checkEnsembleConfig,
  type Ensemble,
  type EnsembleAtStep,
  type EnsembleConfig,
  type EnsembleData,
  type EnsembleGap,
  ensembleGap,
  type EnsemblePairing,
  type GapTerm,
  trainEnsemble,
} from './ensemble.js';
