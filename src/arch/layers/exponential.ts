/**
 * Exponential activations (neural-tangents' Exp, Gaussian, Gabor), closed forms from Gaussian integrals over
 * (u, v) ~ N(0, Σ), Σ = [[q₁, c], [c, q₂]]:
 *  - exp(a, b) = a·e^{b·x} (defaults 1, 1): E[e^{b(u + v)}] = e^{b²(q₁ + q₂ + 2c)/2}, so
 *      K̃ = a²·e^{b²(q₁ + q₂ + 2c)/2},   Σ̇ = b²·K̃.
 *  - gaussian(a, b) = a·e^{b·x²} (defaults 1, −1; b ≤ 0 here, where neural-tangents also accepts b > 0, for which
 *      E[φ(u)²] diverges once q ≥ 1/(4b)): E[e^{b(u² + v²)}] = det(I − 2bΣ)^{−1/2}, so with
 *      D = (1 − 2bq₁)(1 − 2bq₂) − 4b²c²:   K̃ = a²/√D,   Σ̇ = 4a²b²·c/D^{3/2}   (= ∂K̃/∂c, Price's theorem).
 *  - gabor = e^{−x²}·sin x: sin u sin v = ½[cos(u − v) − cos(u + v)] and
 *      E[e^{−(u² + v²)}·cos(tᵀ(u, v))] = d^{−1/2}·e^{−tᵀΣ(I + 2Σ)^{−1}t/2}, d = det(I + 2Σ) = 1 + 2S + 4Δ
 *      (S = q₁ + q₂, Δ = q₁q₂ − c²), tᵀΣ(I + 2Σ)^{−1}t = (S + 4Δ ∓ 2c)/d for t = (1, ∓1):
 *      K̃ = [e^{−(S + 4Δ − 2c)/(2d)} − e^{−(S + 4Δ + 2c)/(2d)}]/(2√d);
 *      Σ̇ = e^{−(S + 4Δ + 2c)/(2d)}·[(T − R) + e^{2c/d}(T + R)]/(2d^{5/2}), T = 1 + 2S + 4(c² + q₁q₂),
 *      R = 4c(4Δ + 3S + 2) (neural-tangents' Gabor; checked against quadrature by the tests).
 */
import type { LayerSpec } from '../types.js';
import { type PairKernel, activationModule, numbers, pointwise, quadratureKernel } from './activations.js';

export interface ExpSpec extends LayerSpec {
  readonly kind: 'exp' | 'gaussian';
  readonly a: number;
  readonly b: number;
}
export interface GaborSpec extends LayerSpec {
  readonly kind: 'gabor';
}
type Spec = ExpSpec | GaborSpec;
const DEFAULTS = { exp: [1, 1], gaussian: [1, -1] } as const;

const fns = (s: Spec) => {
  if (s.kind === 'gabor')
    return pointwise(
      (x) => Math.exp(-x * x) * Math.sin(x),
      (x) => Math.exp(-x * x) * (Math.cos(x) - 2 * x * Math.sin(x)),
    );
  const { a, b } = s;
  if (s.kind === 'exp')
    return pointwise(
      (x) => a * Math.exp(b * x),
      (x) => a * b * Math.exp(b * x),
    );
  return pointwise(
    (x) => a * Math.exp(b * x * x),
    (x) => 2 * a * b * x * Math.exp(b * x * x),
  );
};

export function expKernel(a: number, b: number): PairKernel {
  const a2 = a * a;
  const b2 = b * b;
  return (c, q1, q2, out) => {
    out[0] = a2 * Math.exp((b2 * (q1 + q2 + 2 * c)) / 2);
    out[1] = b2 * out[0];
  };
}

export function gaussianKernel(a: number, b: number): PairKernel {
  const a2 = a * a;
  const f = 4 * b * b;
  return (c, q1, q2, out) => {
    const D = (1 - 2 * b * q1) * (1 - 2 * b * q2) - f * c * c;
    const r = 1 / Math.sqrt(D);
    out[0] = a2 * r;
    out[1] = a2 * f * c * r * r * r;
  };
}

export const gaborKernel: PairKernel = (c, q1, q2, out) => {
  const S = q1 + q2;
  const D4 = 4 * (q1 * q2 - c * c);
  const d = 1 + 2 * S + D4;
  const left = Math.exp(-(S + D4 + 2 * c) / (2 * d));
  const right = Math.exp((2 * c) / d);
  out[0] = (left * (right - 1)) / (2 * Math.sqrt(d));
  const T = 1 + 2 * S + 4 * (c * c + q1 * q2);
  const R = 4 * c * (D4 + 3 * S + 2);
  out[1] = (left * (T - R + right * (T + R))) / (2 * d * d * Math.sqrt(d));
};

export const exponential = activationModule<Spec>({
  names: ['exp', 'gaussian', 'gabor'],
  is: (s): s is Spec => s.kind === 'exp' || s.kind === 'gaussian' || s.kind === 'gabor',
  parse(ctx) {
    const name = ctx.call.name;
    if (name === 'gabor') {
      numbers(ctx, [], []);
      return { kind: 'gabor' };
    }
    const kind = name === 'exp' ? 'exp' : 'gaussian';
    const [a, b] = numbers(ctx, ['a', 'b'], DEFAULTS[kind]);
    if (kind === 'gaussian' && b > 0)
      ctx.bad('`b` ≤ 0 (for b > 0, E[φ(u)²] is infinite once the variance reaches 1/(4b))', b);
    return { kind, a, b };
  },
  format: (s) =>
    s.kind === 'gabor'
      ? 'gabor'
      : s.a === DEFAULTS[s.kind][0] && s.b === DEFAULTS[s.kind][1]
        ? s.kind
        : `${s.kind}(${s.a},${s.b})`,
  fns,
  kernel(s, method) {
    if (method === 'quadrature') {
      const f = fns(s);
      return quadratureKernel(f.f, f.df, { breaks: [] });
    }
    if (s.kind === 'gabor') return gaborKernel;
    return s.kind === 'exp' ? expKernel(s.a, s.b) : gaussianKernel(s.a, s.b);
  },
});
