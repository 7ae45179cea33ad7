/** Analytic infinite-width NNGP and NTK kernels (issue #5). See docs/kernels.md. */
export { kernelFn, type KernelFn, type KernelFnOptions, type Get } from './kernelFn.js';
export { compileProgram, type Program, type Spatial } from './program.js';
export type { KernelRecord } from './record.js';
export {
  activationKernel,
  reluKernel,
  erfKernel,
  abReluKernel,
  quadratureKernel,
  fastAcos,
  GH_DEGREE,
  type PairKernel,
  type KernelMethod,
} from './activations.js';
export { gaussHermite, type GaussHermite } from './quadrature.js';
export { checkPd, type PdReport } from './pd.js';
