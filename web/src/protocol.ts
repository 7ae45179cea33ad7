/** Messages between the page (main.ts) and the worker (worker.ts). */
import type { Parameterization } from '../../src/arch/types.js';

export interface DroppedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}
export interface DataRequest {
  /** a dataset spec (ntk data --help): mnist/fashion-mnist over the shipped rows, sphere/gaussian/teacher, npy/csv of dropped files */
  readonly spec: string;
  readonly files?: readonly DroppedFile[];
}
export interface KernelsRequest {
  readonly type: 'kernels';
  readonly id: number;
  readonly arch: string;
  readonly param: Parameterization;
  readonly seed: number;
  readonly data: DataRequest;
}
export interface TrainRequest {
  readonly type: 'train';
  readonly id: number;
  readonly arch: string;
  readonly param: Parameterization;
  readonly seed: number;
  readonly data: DataRequest;
  /** as `ntk train --lr`: a step size, or frac:C (C × the largest stable step 2/λ_max) */
  readonly lr: string;
  readonly steps: number;
  /** train the linearized model beside the network (`ntk train` does unless --no-linearized) */
  readonly linearized: boolean;
  readonly schedule: string;
}
export interface ExportRequest {
  readonly type: 'exportX';
  readonly id: number;
  readonly X: Float64Array;
  readonly n: number;
  readonly d: number;
}
export type Request = KernelsRequest | TrainRequest | ExportRequest;

export interface KernelsResult {
  readonly type: 'kernels';
  readonly id: number;
  readonly n: number;
  readonly d: number;
  readonly spec: string;
  readonly indices: Int32Array;
  readonly X: Float64Array;
  readonly analytic: Float64Array;
  readonly empirical: Float64Array;
  readonly eigAnalytic: Float64Array;
  readonly eigEmpirical: Float64Array;
  readonly alignment: {
    readonly lambdas: Float64Array;
    readonly trueP: Float64Array;
    readonly randomP: Float64Array;
    readonly trueGamma: number | null;
    readonly trueIntercept: number | null;
    readonly randomGamma: number | null;
    readonly randomIntercept: number | null;
  };
  readonly bound: { readonly fractions: number[]; readonly values: (number | null)[] };
  readonly lambdaMin:
    { exact: number; gershgorin: number; powerSeries: number; rho: number; depth: number } | { error: string } | null;
  readonly params: number;
  readonly timings: Record<string, number>;
}
export interface TrainedMessage {
  readonly type: 'trained';
  readonly id: number;
  readonly status: string;
  /** training time (ms), before the linearized curve is computed */
  readonly ms: number;
  readonly eta: number;
  /** ½‖r_k‖², k = 0..steps, of the infinite-width linearized model (linearizedConvergence on the analytic NTK) */
  readonly curves: {
    readonly exact: number[];
    readonly classical: number[] | null;
    readonly alignment: number[];
    readonly warnings: string[];
  } | null;
}
export type WorkerMessage =
  | { type: 'progress'; id: number; stage: string; done: number; total: number }
  | KernelsResult
  | { type: 'record'; id: number; record: Record<string, unknown> }
  | TrainedMessage
  | { type: 'npy'; id: number; bytes: Uint8Array }
  | { type: 'error'; id: number; message: string };
