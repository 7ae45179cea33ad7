/**
 * The layer registry: every name of the architecture language and the module that defines it. Adding a layer kind is
 * writing its module (src/arch/layers/) and adding it here; the parser, the finite network, the empirical NTK and the
 * analytic kernel pick it up. Order = the order names are listed in error messages.
 */
import { activations } from './layers/activations.js';
import { attention } from './layers/attention.js';
import { conv } from './layers/conv.js';
import { dense } from './layers/dense.js';
import { avgpool } from './layers/avgpool.js';
import { flatten } from './layers/flatten.js';
import { gap } from './layers/gap.js';
import { residual } from './layers/residual.js';
import { sin } from './layers/sin.js';
import type { LayerModule } from './types.js';

export const LAYER_MODULES: readonly LayerModule[] = [
  dense,
  conv,
  activations,
  avgpool,
  gap,
  flatten,
  residual,
  sin,
  attention,
];

const byName = new Map<string, LayerModule>(LAYER_MODULES.flatMap((m) => m.names.map((n) => [n, m] as const)));

/** Every layer name, in registry order. */
export const LAYER_NAMES: readonly string[] = LAYER_MODULES.flatMap((m) => m.names);

/** Architectures the CLI's help and the docs show (kept here, with the names, so they stay valid). */
export const ARCH_EXAMPLES = {
  mlp: 'dense(512),relu,dense(10)',
  cnn: 'conv(16,3),relu,gap,dense(10)',
  bigCnn: 'conv(64,3),relu,gap,dense(10)',
} as const;

/** The module defining `name`, or undefined. */
export const layerModule = (name: string): LayerModule | undefined => byName.get(name);
