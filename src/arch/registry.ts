/**
 * The layer registry: every name of the architecture language and the module that defines it. Adding a layer kind is
 * writing its module (src/arch/layers/) and adding it here; the parser, the finite network, the empirical NTK and the
 * analytic kernel pick it up. Order = the order names are listed in error messages. User-defined activations
 * (defineActivation, layers/custom.ts) are added at run time by registerLayer, after the built-in ones.
 */
import { InvalidArgumentError } from '../errors.js';
import { activations } from './layers/activations.js';
import { aggregate } from './layers/aggregate.js';
import { concat, prod, sum } from './layers/branching.js';
import { identity } from './layers/identity.js';
import { repeat } from './layers/repeat.js';
import { attention } from './layers/attention.js';
import { conv } from './layers/conv.js';
import { convlocal } from './layers/convlocal.js';
import { convtranspose } from './layers/convtranspose.js';
import { dropout } from './layers/dropout.js';
import { dense } from './layers/dense.js';
import { avgpool } from './layers/avgpool.js';
import { exponential } from './layers/exponential.js';
import { expnormalized } from './layers/expnormalized.js';
import { flatten } from './layers/flatten.js';
import { gap } from './layers/gap.js';
import { layernorm } from './layers/layernorm.js';
import { polynomial } from './layers/polynomial.js';
import { rectified } from './layers/rectified.js';
import { residual } from './layers/residual.js';
import { sin } from './layers/sin.js';
import type { LayerModule } from './types.js';

const modules: LayerModule[] = [
  dense,
  conv,
  activations,
  avgpool,
  gap,
  flatten,
  residual,
  sin,
  convtranspose,
  convlocal,
  layernorm,
  dropout,
  rectified,
  polynomial,
  exponential,
  expnormalized,
  identity,
  sum,
  concat,
  prod,
  repeat,
  aggregate,
  attention,
];
export const LAYER_MODULES: readonly LayerModule[] = modules;

const byName = new Map<string, LayerModule>(modules.flatMap((m) => m.names.map((n) => [n, m] as const)));
const builtIn = new Set(byName.keys());
const names: string[] = [...byName.keys()];

/** Every layer name, in registry order. */
export const LAYER_NAMES: readonly string[] = names;

/**
 * Add (or, for a name registered earlier by this function, replace) a run-time module, e.g. a user-defined
 * activation. Built-in names cannot be replaced. The module exists in this thread only (`local`).
 */
export function registerLayer(m: LayerModule): void {
  for (const n of m.names) {
    if (builtIn.has(n))
      throw new InvalidArgumentError('registerLayer', 'name', 'a name that is not a built-in layer', n);
    if (!/^[a-z_][a-z0-9_]*$/.test(n))
      throw new InvalidArgumentError('registerLayer', 'name', 'lower-case letters, digits and _, not first a digit', n);
  }
  for (const n of m.names) {
    const old = byName.get(n);
    if (old !== undefined) {
      const i = modules.indexOf(old);
      if (i >= 0 && old.names.every((x) => m.names.includes(x))) modules.splice(i, 1);
    } else names.push(n);
    byName.set(n, m);
  }
  if (!modules.includes(m)) modules.push(m);
}

/** Architectures the CLI's help and the docs show (kept here, with the names, so they stay valid). */
export const ARCH_EXAMPLES = {
  mlp: 'dense(512),relu,dense(10)',
  cnn: 'conv(16,3),relu,gap,dense(10)',
  bigCnn: 'conv(64,3),relu,gap,dense(10)',
} as const;

/** The module defining `name`, or undefined. */
export const layerModule = (name: string): LayerModule | undefined => byName.get(name);
