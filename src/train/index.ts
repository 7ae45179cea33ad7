/** Training dynamics: losses, GD/SGD/momentum with the linearized model side by side, trackers, sweeps, ensembles. */
export {
  accuracy,
  divisor,
  LOSS_KINDS,
  type LossKind,
  type LossNormalization,
  lossAndGrad,
  smoothLabels,
  softmaxRows,
  validateTargets,
} from './losses.js';
export { DEFAULT_SCHEDULE, parseSchedule, scheduleSteps, type TrackSchedule } from './schedule.js';
export {
  type FixedPoint,
  type FixedPointProblem,
  linearizedFixedPoint,
  mseClosedForm,
  type MseClosedFormProblem,
  type RegCenter,
} from './linearized.js';
export {
  type LearningRate,
  loadCheckpointHeader,
  NTK_TRACKERS,
  ntkLambdaMax,
  type ProgressInfo,
  stderrProgress,
  type TrainConfig,
  type TrainData,
  type TrainOptions,
  type TrainRecord,
  type TrainResult,
  type TrainStatus,
  TRACKERS,
  type Tracker,
  train,
} from './trainer.js';
export { type EnsembleComparison, ensembleVsGp, sweep, type SweepConfig, type SweepRun } from './sweep.js';
