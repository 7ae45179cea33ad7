/**
 * `generalization-bound`'s keys, labels, data sets and unit records, shared by the preset (generalizationBound.ts)
 * and its report (generalizationBoundReport.ts): the kernels, the bounds of G, the trained networks, the train/test
 * specs of each data set, kernel matrices and the kernel-regression test error.
 */
import { classificationAccuracy } from '../../analysis/index.js';
import type { DotProductKernelSpec } from '../../analysis/index.js';
import type { generalizationAlignmentBounds } from '../../analysis/bounds.js';
import { loadDataset } from '../../data/index.js';
import { ConfigError } from '../../errors.js';
import { Matrix, matmul } from '../../linalg/index.js';
import type { GeneralizationBoundParams } from './generalizationBound.js';
import { type JsonRecord, num, splitRows } from './presetUtils.js';

export const KERNELS = ['hinf', 'relu-ntk'] as const;
export type KernelKey = (typeof KERNELS)[number];
/** The preset's own data sets (the defaults of params.datasets and params.trainDatasets). */
export const PAPER_DATASETS = ['mnist', 'mnist10', 'fashion', 'synthetic'] as const;
/** `user`: the data of `--set data=SPEC`, split into n training and nTest test rows (set when it is given). */
export const DATASETS = [...PAPER_DATASETS, 'user'] as const;
export type DatasetKey = (typeof DATASETS)[number];
export const GBOUNDS = ['exact', 'classical', 'alignment', 'piecewise', 'bandMass', 'banded', 'gammaOnly'] as const;
export type GKey = (typeof GBOUNDS)[number];
export const GLABEL: Record<GKey, string> = {
  exact: 'G = √(2yᵀH⁻¹y/n)',
  classical: 'classical √(2‖y‖²/(nλ_min))',
  alignment: 'alignment (one envelope C)',
  piecewise: 'piecewise envelope',
  bandMass: 'band mass',
  banded: 'banded',
  gammaOnly: 'γ-only estimate',
};
export const NETS = ['two-layer', 'deep'] as const;
export type NetKey = (typeof NETS)[number];

export interface Unit {
  readonly dataset: DatasetKey;
  readonly kernel: KernelKey;
  readonly fraction: number;
  readonly seed: number;
  readonly bound: number;
  readonly testError: number;
  readonly g: Record<GKey, number>;
  readonly gamma: number;
  readonly lambdaMin: number;
}

export interface NetUnit {
  readonly dataset: DatasetKey;
  readonly net: NetKey;
  readonly fraction: number;
  readonly testError: number;
  readonly trainError: number;
  readonly lossRatio: number;
  readonly steps: number;
  readonly status: string;
  /** H∞ quantities on the same trainN points and labels. */
  readonly g: Record<GKey, number>;
  readonly kernelTestError: number;
  /** max (and min) tightness ratio over the trajectory per convergence bound. */
  readonly tight: Record<string, { min: number; max: number }>;
}

export const kernelSpec = (k: KernelKey, depth: number): DotProductKernelSpec =>
  k === 'hinf' ? { kind: 'hinf' } : { kind: 'relu-ntk', depth };
export const kernelLabel = (k: KernelKey, depth: number): string =>
  k === 'hinf' ? 'H∞ (two-layer ReLU)' : `ReLU NTK, ${depth} hidden layers`;
export const DATA_LABEL: Record<DatasetKey, string> = {
  mnist: 'MNIST, 2 classes',
  mnist10: 'MNIST, 10 classes',
  fashion: 'Fashion-MNIST, 2 classes',
  synthetic: 'synthetic teacher (d = 20)',
  user: 'user data (--set data)',
};
export const netArch = (k: NetKey, width: number, O: number): string =>
  k === 'two-layer'
    ? `dense(${width}),relu,dense(${O},frozen)`
    : `dense(${width}),relu,dense(${width}),relu,dense(${O})`;

export function kernelMatrix(A: Matrix, B: Matrix, kappa: (t: number) => number): Matrix {
  const G = matmul(A, B, { transB: true });
  const K = new Matrix(G.rows, G.cols);
  for (let i = 0; i < G.data.length; i++) K.data[i] = kappa(Math.max(-1, Math.min(1, G.data[i])));
  return K;
}

/** Train and test sets of one data set key (unit-sphere inputs). */
/** The params of a run, with the user's data spec when it was given (`--set data=SPEC`). */
export type RunParams = GeneralizationBoundParams & { readonly userSpec?: string };

export function dataSpecs(p: RunParams, d: DatasetKey): { train: string; test: string | null } {
  const user = p.userSpec;
  if (d === 'user') {
    if (user === undefined)
      throw new ConfigError('params.datasets', "contains 'user' but no user data was given (--set data=SPEC)");
    return { train: user, test: null };
  }
  const cls = p.classes.join(',');
  const tail = `seed=${p.dataSeed}:normalize=sphere`;
  if (d === 'mnist')
    return {
      train: `mnist:train:n=${p.n}:classes=${cls}:${tail}`,
      test: `mnist:test:n=${p.nTest}:classes=${cls}:${tail}`,
    };
  if (d === 'mnist10') return { train: `mnist:train:n=${p.n}:${tail}`, test: `mnist:test:n=${p.nTest}:${tail}` };
  if (d === 'fashion')
    return {
      train: `fashion-mnist:train:n=${p.n}:classes=${cls}:${tail}`,
      test: `fashion-mnist:test:n=${p.nTest}:classes=${cls}:${tail}`,
    };
  return { train: `teacher:n=${p.n + p.nTest}:d=20:arch=dense(64),relu,dense(1):target=sign:${tail}`, test: null };
}

export function loadSplit(p: RunParams, d: DatasetKey): { X: Matrix; Y: Matrix; Xt: Matrix; Yt: Matrix } {
  const s = dataSpecs(p, d);
  const tr = loadDataset(s.train);
  if (s.test === null) {
    const [X, Xt] = splitRows(tr.X, p.n);
    const [Y, Yt] = splitRows(tr.targets, p.n);
    return { X, Y, Xt, Yt };
  }
  const te = loadDataset(s.test);
  return { X: tr.X, Y: tr.targets, Xt: te.X, Yt: te.targets };
}

/** Kernel regression K_*K⁻¹y through the eigenbasis, scored on clean test labels (sign or argmax). */
export function kernelRegressionError(
  e: { values: Float64Array; vectors: Matrix },
  Ks: Matrix,
  y: Matrix,
  Yt: Matrix,
): number {
  const c = matmul(e.vectors, y, { transA: true });
  const O = c.cols;
  for (let i = 0; i < c.rows; i++) for (let j = 0; j < O; j++) c.data[i * O + j] /= e.values[i];
  const pred = matmul(Ks, matmul(e.vectors, c));
  return 1 - classificationAccuracy(pred, Yt);
}

export function gRecord(b: ReturnType<typeof generalizationAlignmentBounds>): Record<GKey, number> {
  return {
    exact: b.exact,
    classical: b.classical,
    alignment: b.alignment,
    piecewise: b.piecewise,
    bandMass: b.bandMass,
    banded: b.banded,
    gammaOnly: b.gammaOnly,
  };
}
export const gFrom = (r: JsonRecord): Record<GKey, number> =>
  Object.fromEntries(GBOUNDS.map((k) => [k, num(r[k])])) as Record<GKey, number>;
