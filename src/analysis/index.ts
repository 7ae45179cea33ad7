/** Kernel analyses: spectra, label/residual alignment, convergence bounds, generalization, λ_min bounds, predictions. */
export { type LinearFit, type LossNormalization, type Targets, linearFit, lossDivisor } from './common.js';
export {
  type DecomposeOptions,
  decomposeKernel,
  decomposeKernelAsync,
  type KernelDecomposition,
  type PowerLawFit,
  type PsdDiagnostics,
  type Spectrum,
  type SpectrumOptions,
  spectrum,
} from './spectrum.js';
export {
  type AlignmentFit,
  type AlignmentOptions,
  envelopeConstant,
  type KernelTargetAlignment,
  kernelTargetAlignment,
  type LabelAlignment,
  labelAlignment,
  residualAlignment,
} from './alignment.js';
export {
  type Convergence,
  type ConvergenceCurves,
  type ConvergenceOptions,
  linearizedConvergence,
  maxStableStep,
} from './convergence.js';
export {
  corruptTargets,
  type GeneralizationBound,
  generalizationBound,
  generalizationBoundFromEigh,
} from './generalization.js';
export {
  arccos0,
  arccos1,
  arccosSeries,
  type DotProductKernelSpec,
  dotProductKernel,
  dotProductSeries,
  type Series,
  seriesCompose,
  seriesEval,
  seriesMul,
  seriesPow,
} from './series.js';
export {
  dotProductKernelMatrix,
  gershgorinLowerBound,
  type LambdaMinBounds,
  type LambdaMinOptions,
  lambdaMinBounds,
  powerSeriesLowerBound,
} from './lambdaMin.js';
export {
  classificationAccuracy,
  type GpPosterior,
  type NngpPosterior,
  type LinearizedPrediction,
  type LinearizedProblem,
  linearizedPredictions,
  nngpPosterior,
  ntkGpPosterior,
  type TrainingTime,
} from './predictions.js';
export {
  type AlignedConvergence,
  alignedConvergence,
  type AlignmentBoundOptions,
  type DecayBounds,
  decayBounds,
  driftCorrection,
  type GeneralizationBounds,
  generalizationAlignmentBounds,
  normalQuantile,
  projectionFit,
  type SlopeInterval,
  slopeInterval,
  spectralBands,
  studentTQuantile,
} from './bounds.js';
