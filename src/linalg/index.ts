export type { Backend, BackendInfo, FloatArray } from './backend.js';
export { Matrix } from './matrix.js';
export { gemm, gemmAsync, syrk, syrkAsync, type GemmArgs, type SyrkArgs } from './blas.js';
export * from './ops.js';
export { backend, setBackend, nativeLoadError, type BackendName } from './registry.js';
export { prepareWasmKernels } from './wasmKernels.js';
export { lanczos, type LanczosOptions, type LanczosResult, type MatVec } from './lanczos.js';
export { asymmetry, assertFinite, assertSymmetric } from './validate.js';
