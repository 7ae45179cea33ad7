/** Datasets: loaders (IDX, CIFAR binary, CSV, .npy pairs), the spec-string registry, preprocessing, synthetic sets. */
export * from './checksums.js';
export * from './describe.js';
export * from './idx.js';
export {
  CIFAR10_CLASSES,
  FASHION_MNIST_CLASSES,
  MNIST_CLASSES,
  loadCifarRaw,
  loadFashionMnistRaw,
  loadMnistRaw,
} from './images.js';
export { datasetCacheDir, packageRoot } from './paths.js';
export * from './preprocess.js';
export type { RawData, RawFeatures } from './raw.js';
export {
  alignClasses,
  checkDatasetSpec,
  classCounts,
  DATASETS,
  datasetFromRaw,
  loadDataset,
  resolveClasses,
  specInputShape,
} from './registry.js';
export { formatDatasetSpec, parseDatasetSpec, validateDatasetSpec } from './spec.js';
export { gaussianRaw, sphereRaw, teacherForward, teacherRaw } from './synthetic.js';
export {
  csvRaw,
  loadCsvRaw,
  loadNpyPairRaw,
  npyPairRaw,
  loadSklearnRaw,
  readLabelTargets,
  type SklearnName,
  sklearnFile,
} from './tabular.js';
export * from './types.js';
