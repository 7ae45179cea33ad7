/** Analytic infinite-width NNGP and NTK kernels (issue #5). See docs/kernels.md. */
export { kernelFn, type KernelFn, type KernelFnOptions, type Get } from './kernelFn.js';
export { compileProgram, type Program, type ProgramOptions, type KernelOutputs } from './program.js';
export type { KernelRecord, Spatial } from '../arch/record.js';
export {
  activationKernel,
  reluKernel,
  erfKernel,
  abReluKernel,
  tanhKernel,
  geluKernel,
  quadratureKernel,
  fastAcos,
  type PairKernel,
  type QuadratureOptions,
} from '../arch/layers/activations.js';
export type { KernelMethod } from '../arch/types.js';
export { gaussHermite, type GaussHermite } from '../util/quadrature.js';
export { checkPd, type PdReport } from './pd.js';
