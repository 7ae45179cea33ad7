/** Training dynamics: losses, GD/SGD/momentum with the linearized model side by side, trackers, sweeps, ensembles. */
export {
  accuracy,
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
export { type LearningRate, type ResolvedConfig, resolveConfig, type TrainConfig, type TrainData } from './config.js';
export {
  FULL_NTK_MAX_OUTPUTS,
  NTK_TRACKERS,
  RECORD_FIELDS,
  type Tracker,
  TRACKER_REGISTRY,
  TRACKERS,
  type TrackerSpec,
  type TrainRecord,
} from './trackers.js';
export {
  DIVERGENCE_FACTOR,
  loadCheckpointHeader,
  ntkLambdaMax,
  type TrainResult,
  type TrainStatus,
  train,
} from './trainer.js';
export { type EnsembleComparison, ensembleVsGp, sweep, type SweepConfig, type SweepRun } from './sweep.js';
