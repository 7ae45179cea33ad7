/**
 * ntk-lab's browser entry point (web/, docs/web.md): the parts of the public API (src/index.ts) that run without
 * node — the portable backend, the architecture language, the analytic and empirical kernels, the analyses, the
 * finite network and its training, the `.npy`/CSV readers on bytes, the dataset pipeline on rows already held,
 * the synthetic generators, and the figure specs with their SVG renderer. Everything here is re-exported from the
 * same modules as src/index.ts: no second implementation. web/build.mjs bundles it for `platform: 'browser'`, with
 * node built-ins unavailable and src/linalg/native.ts replaced by native.browser.ts.
 */
export * from './errors.js';
export { Matrix } from './linalg/matrix.js';
export { eigh, eighAsync, type Eigh } from './linalg/ops.js';
export { backend, setBackend } from './linalg/registry.js';
export { prepareWasmKernels } from './linalg/wasmKernels.js';
export * from './analysis/index.js';
export { decodeNpy, encodeNpy, npyToFloat64, type NpyArray } from './io/npy.js';
export { parseCsv } from './io/csv.js';
export { FASHION_MNIST_CLASSES, MNIST_CLASSES } from './data/images.js';
export type { RawData, RawFeatures } from './data/raw.js';
export { checkDatasetSpec, datasetFromRaw, DATASETS, loadDataset } from './data/registry.js';
export { formatDatasetSpec, parseDatasetSpec } from './data/spec.js';
export { csvRaw, npyPairRaw } from './data/tabular.js';
export type { ClassificationDataset, Dataset, DatasetSpec } from './data/types.js';
export { kernelFn, type KernelFnOptions } from './analytic/kernelFn.js';
export { parseArch, formatArch, LAYER_NAMES, buildNetwork, type Arch, type Network } from './arch/index.js';
export * as nn from './nn/index.js';
export { empiricalNtk } from './empirical/ntk.js';
export { renderSvg } from './report/svg.js';
export { paperHtml, paragraphsHtml, tableHtml, type PaperVsHere, type ReportTable } from './report/html.js';
export type { FigureSpec, Mark, PlotSpec, AxisSpec } from './report/figure.js';
export * as train from './train/index.js';
export { trainFigures } from './experiments/trainReport.js';
export { Rng } from './util/random.js';
