/**
 * sin(a, b, c) = a·sin(b·x + c) (neural-tangents' Sin; defaults a = 1, b = 1, c = 0). Closed-form kernels from
 * sin α sin β = ½[cos(α − β) − cos(α + β)] and E[cos(t·z + φ)] = e^{−t²Var(z)/2}·cos φ for Gaussian z: for
 * (u, v) ~ N(0, [[q₁, k], [k, q₂]]), with E = e^{−b²(q₁ + q₂)/2},
 *   K̃ = (a²/2)·E·(e^{b²k} − e^{−b²k}·cos 2c),   Σ̇ = (a²b²/2)·E·(e^{b²k} + e^{−b²k}·cos 2c)   (σ′ = a·b·cos(bx + c)).
 * b = 0 is the constant a·sin c: K̃ = a²sin²c, Σ̇ = 0.
 */
import { LayerArgs } from '../args.js';
import type { LayerSpec } from '../types.js';
import { activationModule, pointwise, quadratureKernel } from './activations.js';

export interface SinSpec extends LayerSpec {
  readonly kind: 'sin';
  readonly a: number;
  readonly b: number;
  readonly c: number;
}

const fns = (s: SinSpec) =>
  pointwise(
    (x) => s.a * Math.sin(s.b * x + s.c),
    (x) => s.a * s.b * Math.cos(s.b * x + s.c),
  );

export const sin = activationModule<SinSpec>({
  names: ['sin'],
  is: (s): s is SinSpec => s.kind === 'sin',
  parse(ctx) {
    const g = new LayerArgs(ctx).take([], [0, 3]);
    const arg = (i: number, what: string, dflt: number) =>
      i < g.positional.length ? g.pos(i, what, false, -Infinity) : dflt;
    return { kind: 'sin', a: arg(0, 'a', 1), b: arg(1, 'b', 1), c: arg(2, 'c', 0) };
  },
  format: (s) => (s.a === 1 && s.b === 1 && s.c === 0 ? 'sin' : `sin(${s.a},${s.b},${s.c})`),
  fns,
  kernel(s, method) {
    if (method === 'quadrature') {
      const f = fns(s);
      return quadratureKernel(f.f, f.df);
    }
    const a2 = s.a * s.a;
    const b2 = s.b * s.b;
    const cos2c = Math.cos(2 * s.c);
    return (k, q1, q2, out) => {
      const E = Math.exp((-b2 * (q1 + q2)) / 2);
      const up = Math.exp(b2 * k);
      const down = Math.exp(-b2 * k) * cos2c;
      out[0] = (a2 / 2) * E * (up - down);
      out[1] = ((a2 * b2) / 2) * E * (up + down);
    };
  },
});
