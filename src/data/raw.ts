/** What a dataset source hands to the common pipeline (filtering, sampling, scaling, encoding) in loadDataset. */
import type { Matrix } from '../linalg/matrix.js';

/** Features as stored: image bytes (converted to float64 only for the rows that are kept) or a float64 matrix. */
export type RawFeatures =
  | { readonly kind: 'bytes'; readonly data: Uint8Array; readonly n: number; readonly d: number; readonly max: number }
  | { readonly kind: 'matrix'; readonly X: Matrix };

interface RawBase {
  readonly features: RawFeatures;
  readonly imageShape?: readonly [number, number, number];
}
export interface RawClassification extends RawBase {
  readonly task: 'classification';
  readonly y: Int32Array;
  readonly classes: readonly string[];
}
export interface RawRegression extends RawBase {
  readonly task: 'regression';
  readonly y: Float64Array;
}
export type RawData = RawClassification | RawRegression;

export function rawRows(f: RawFeatures): number {
  return f.kind === 'bytes' ? f.n : f.X.rows;
}
export function rawCols(f: RawFeatures): number {
  return f.kind === 'bytes' ? f.d : f.X.cols;
}
