/**
 * The architecture language (issue #12: one layer, one module): parser, registry, compile, and one module per layer
 * kind under layers/. See docs/layers.md for how a layer module is written.
 */
export { parseArch, formatArch } from './parse.js';
export { LAYER_MODULES, LAYER_NAMES, layerModule } from './registry.js';
export { buildNetwork, type Network } from './compile.js';
export type { Arch, LayerSpec, LayerModule, Node, ParamLayer, Parameterization, Shape, KernelMethod } from './types.js';
export type { KernelRecord, Spatial } from './record.js';
export {
  activation,
  activationKernel,
  reluKernel,
  erfKernel,
  abReluKernel,
  quadratureKernel,
  fastAcos,
  GH_DEGREE,
} from './layers/activations.js';
export type { ActivationFns, PairKernel } from './layers/activations.js';
