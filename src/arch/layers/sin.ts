/**
 * The sinusoid family, one formula: sin(a, b, c) = a·sin(b·x + c) (neural-tangents' Sin; defaults a = 1, b = 1,
 * c = 0), cos(a, b, c) = a·cos(b·x + c) (neural-tangents' Cos = Sin with c + π/2) and rbf(γ) = √2·sin(√(2γ)·x + π/4)
 * (neural-tangents' Rbf, the dual activation of the RBF kernel e^{−γ‖x − x′‖²/d}). From
 * sin α sin β = ½[cos(α − β) − cos(α + β)] and E[cos(t·z + φ)] = e^{−t²Var(z)/2}·cos φ for Gaussian z: for
 * (u, v) ~ N(0, [[q₁, k], [k, q₂]]), with E = e^{−b²(q₁ + q₂)/2} and the phase term p = cos 2c,
 *   K̃ = (a²/2)·E·(e^{b²k} − p·e^{−b²k}),   Σ̇ = (a²b²/2)·E·(e^{b²k} + p·e^{−b²k})   (σ′ = a·b·cos(bx + c));
 * cos is the same with p = −cos 2c (cos 2(c + π/2) = −cos 2c), rbf with a² = 2, b² = 2γ, p = cos(π/2) = 0 exactly:
 * K̃ = e^{γ(2k − q₁ − q₂)}, Σ̇ = 2γ·K̃ (neural-tangents' Rbf). b = 0 is the constant a·sin c: K̃ = a²sin²c, Σ̇ = 0.
 */
import type { LayerSpec } from '../types.js';
import { type PairKernel, activationModule, numbers, pointwise, quadratureKernel } from './activations.js';

export interface SinSpec extends LayerSpec {
  readonly kind: 'sin' | 'cos';
  readonly a: number;
  readonly b: number;
  readonly c: number;
}
export interface RbfSpec extends LayerSpec {
  readonly kind: 'rbf';
  readonly gamma: number;
}
type Spec = SinSpec | RbfSpec;

/** a·sin(b·x + c) as (a, b, c, p): rbf is √2·sin(√(2γ)·x + π/4) */
function params(s: Spec): [number, number, number, number] {
  if (s.kind === 'rbf') return [Math.SQRT2, Math.sqrt(2 * s.gamma), Math.PI / 4, 0];
  const p = Math.cos(2 * s.c);
  return [s.a, s.b, s.c, s.kind === 'sin' ? p : -p];
}

const fns = (s: Spec) => {
  if (s.kind === 'cos')
    return pointwise(
      (x) => s.a * Math.cos(s.b * x + s.c),
      (x) => -s.a * s.b * Math.sin(s.b * x + s.c),
    );
  const [a, b, c] = params(s);
  return pointwise(
    (x) => a * Math.sin(b * x + c),
    (x) => a * b * Math.cos(b * x + c),
  );
};

/** The family's closed form for amplitude a, frequency b and phase term p (module header). */
export function sinusoidKernel(a: number, b: number, p: number): PairKernel {
  const a2 = a * a;
  const b2 = b * b;
  return (k, q1, q2, out) => {
    const E = Math.exp((-b2 * (q1 + q2)) / 2);
    const up = Math.exp(b2 * k);
    const down = Math.exp(-b2 * k) * p;
    out[0] = (a2 / 2) * E * (up - down);
    out[1] = ((a2 * b2) / 2) * E * (up + down);
  };
}

export const sin = activationModule<Spec>({
  names: ['sin', 'cos', 'rbf'],
  is: (s): s is Spec => s.kind === 'sin' || s.kind === 'cos' || s.kind === 'rbf',
  parse(ctx) {
    if (ctx.call.name === 'rbf') {
      const [gamma] = numbers(ctx, ['gamma'], [1]);
      if (!(gamma >= 0)) ctx.bad('`gamma` a number ≥ 0', gamma);
      return { kind: 'rbf', gamma };
    }
    const [a, b, c] = numbers(ctx, ['a', 'b', 'c'], [1, 1, 0]);
    return { kind: ctx.call.name === 'cos' ? 'cos' : 'sin', a, b, c };
  },
  format: (s) =>
    s.kind === 'rbf'
      ? s.gamma === 1
        ? 'rbf'
        : `rbf(${s.gamma})`
      : s.a === 1 && s.b === 1 && s.c === 0
        ? s.kind
        : `${s.kind}(${s.a},${s.b},${s.c})`,
  fns,
  kernel(s, method) {
    if (method === 'quadrature') {
      const f = fns(s);
      return quadratureKernel(f.f, f.df, { breaks: [] });
    }
    const [a, b, , p] = params(s);
    return sinusoidKernel(a, b, p);
  },
});
