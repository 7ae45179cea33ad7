/** ntk-lab: Neural Tangent Kernel research in TypeScript. */
export * from './errors.js';
export * from './linalg/index.js';
export * from './analysis/index.js';
export * from './io/index.js';
export * from './data/index.js';
export * from './analytic/index.js';
export * from './predict/index.js';
export {
  parseArch,
  formatArch,
  LAYER_NAMES,
  buildNetwork,
  defineActivation,
  type ActivationDefinition,
  type Arch,
  type Network,
} from './arch/index.js';
export * as nn from './nn/index.js';
export * as empirical from './empirical/index.js';
export * as report from './report/index.js';
export * as experiments from './experiments/index.js';
export * as train from './train/index.js';
export { Rng } from './util/random.js';
export { VERSION } from './version.js';
