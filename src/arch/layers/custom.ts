/**
 * User-defined activations (neural-tangents' Elementwise / ElementwiseNumerical): a JS function σ, optionally σ′ and
 * closed-form kernels, registered under a name of the architecture language.
 *
 *   defineActivation({ name: 'swish', f: (x) => x / (1 + Math.exp(-x)) });
 *   kernelFn('dense(512),swish,dense(1)')   // NNGP and NTK by adaptive quadrature (pairQuadrature.ts)
 *   buildNetwork('dense(512),swish,dense(1)', [d])   // the finite network, σ′ by finite differences
 *
 * - σ′ defaults to a 4th-order central difference of σ (h = 10⁻³·max(1, |x|): error ≈ 10⁻¹²·|σ| for smooth σ).
 * - `kernel(c, q1, q2)` = E[σ(u)σ(v)] and `dkernel(c, q1, q2)` = E[σ′(u)σ′(v)] over (u, v) ~ N(0, [[q1, c], [c, q2]])
 *   (neural-tangents' nngp_fn and d_nngp_fn) replace the quadrature; a missing one is computed by quadrature
 *   (neural-tangents differentiates nngp_fn by autodiff instead).
 * - `breaks` (default [0]): where σ or σ′ jumps, kinks or changes over a short length; the quadrature splits there.
 * - The name is registered in this thread only (the module is `local`): kernelFn computes networks that use it
 *   in-process rather than in worker threads, and the CLI does not know it. Defining a name again replaces it;
 *   built-in names are refused.
 */
import { InvalidArgumentError } from '../../errors.js';
import { registerLayer } from '../registry.js';
import { LayerArgs } from '../args.js';
import type { LayerModule, LayerSpec } from '../types.js';
import { activationModule, pointwise, quadratureKernel } from './activations.js';

export interface ActivationDefinition {
  /** the layer's name: lower-case letters, digits and `_`, not a built-in layer */
  readonly name: string;
  /** σ */
  readonly f: (x: number) => number;
  /** σ′ (default: central finite differences of f) */
  readonly df?: (x: number) => number;
  /** closed-form E[σ(u)σ(v)] for (u, v) ~ N(0, [[q1, c], [c, q2]]) (default: quadrature) */
  readonly kernel?: (c: number, q1: number, q2: number) => number;
  /** closed-form E[σ′(u)σ′(v)] (default: quadrature) */
  readonly dkernel?: (c: number, q1: number, q2: number) => number;
  /** points where σ or σ′ is not smooth (default [0]; [] for σ smooth everywhere) */
  readonly breaks?: readonly number[];
  /** the quadrature's relative tolerance (default 1e-12) */
  readonly tol?: number;
}

/** 4th-order central difference of f. */
function derivative(f: (x: number) => number): (x: number) => number {
  return (x) => {
    const h = 1e-3 * Math.max(1, Math.abs(x));
    return (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h);
  };
}

/** Register a user-defined activation under def.name (module header); returns its layer module. */
export function defineActivation(def: ActivationDefinition): LayerModule {
  const bad = (what: string, constraint: string, value: unknown): never => {
    throw new InvalidArgumentError('defineActivation', what, constraint, value);
  };
  if (def === null || typeof def !== 'object') bad('definition', 'an object { name, f, … }', def);
  const { name, f } = def;
  if (typeof name !== 'string') bad('name', 'a string', name);
  if (typeof f !== 'function') bad('f', 'a function (x: number) => number', f);
  for (const k of ['df', 'kernel', 'dkernel'] as const)
    if (def[k] !== undefined && typeof def[k] !== 'function') bad(k, 'a function', def[k]);
  const breaks = def.breaks ?? [0];
  if (!Array.isArray(breaks) || !breaks.every((b) => Number.isFinite(b))) bad('breaks', 'finite numbers', breaks);
  const tol = def.tol ?? 1e-12;
  if (!(tol >= 1e-15 && tol <= 1e-3)) bad('tol', 'a number in [1e-15, 1e-3]', tol);
  const df = def.df ?? derivative(f);
  const fns = pointwise(f, df);
  const { kernel: nngp, dkernel } = def;
  const module = activationModule<LayerSpec>({
    names: [name],
    is: (s): s is LayerSpec => s.kind === name,
    parse(ctx) {
      new LayerArgs(ctx).take([], [0, 0]);
      return { kind: name };
    },
    format: () => name,
    fns: () => fns,
    local: true,
    kernel(_s, method) {
      const q = quadratureKernel(f, df, { breaks, tol });
      if (method === 'quadrature' || (nngp === undefined && dkernel === undefined)) return q;
      const tmp = new Float64Array(2);
      return (c, q1, q2, out) => {
        if (nngp === undefined || dkernel === undefined) q(c, q1, q2, tmp);
        out[0] = nngp ? nngp(c, q1, q2) : tmp[0];
        out[1] = dkernel ? dkernel(c, q1, q2) : tmp[1];
      };
    },
  });
  registerLayer(module);
  return module;
}
