/**
 * The architecture language (issue #12: one layer, one module): parser, registry, compile, and one module per layer
 * kind under layers/. See docs/layers.md for how a layer module is written.
 */
export { parseArch, formatArch } from './parse.js';
export { LAYER_MODULES, LAYER_NAMES, layerModule, registerLayer } from './registry.js';
export { defineActivation, type ActivationDefinition } from './layers/custom.js';
export { buildNetwork, type Network } from './compile.js';
export type {
  Arch,
  BuildOptions,
  LayerSpec,
  LayerModule,
  Node,
  ParamLayer,
  Parameterization,
  Shape,
  KernelMethod,
} from './types.js';
export type { KernelRecord, Spatial } from './record.js';
// the activation family's kernels (reluKernel, fastAcos, …) are exported with the analytic API (src/analytic)
export { activation, activationModule, type ActivationFns } from './layers/activations.js';
