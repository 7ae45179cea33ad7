/**
 * The rectified family φ(x) = α·relu(x)^k + β·relu(−x)^k, one formula for neural-tangents' LeakyRelu(alpha), Abs,
 * Sign, Monomial(k) and RectifiedMonomial(k) (and, at k = 1, relu and abrelu in activations.ts):
 *   leaky_relu(α) = relu(x) − α·relu(−x)       (k = 1, α → 1, β → −α; = abrelu(α, 1))
 *   abs           = relu(x) + relu(−x)         (k = 1; = abrelu(−1, 1), abs′(0) = 0 as PyTorch)
 *   sign          = relu(x)⁰ − relu(−x)⁰       (k = 0; sign(0) = 0)
 *   monomial(k)   = x^k = relu(x)^k + (−1)^k·relu(−x)^k   (x⁰ = 1)
 *   rectified_monomial(k) = [x ≥ 0]·x^k       (neural-tangents' convention at 0: [0 ≥ 0]·0⁰ = 1; its derivative
 *                                              at 0 is 0, as relu′(0))
 * Kernel: with s = √(q₁q₂), ρ = c/s = cos θ and the arc-cosine functions of Cho & Saul (2009, "Kernel methods for deep
 * learning", eq. 4) J_n(ρ) = 2π·E[relu(z₁)^n·relu(z₂)^n] for unit-variance z with correlation ρ,
 *   K̃ = s^k·[(α² + β²)·J_k(ρ) + 2αβ·J_k(−ρ)]/(2π),
 *   Σ̇ = k²·s^{k−1}·[(α² + β²)·J_{k−1}(ρ) − 2αβ·J_{k−1}(−ρ)]/(2π)     (Σ̇ = 0 for k = 0),
 * since E[relu(u)^k·relu(−v)^k] is J_k at −ρ. The J_n follow from J₀ = π − θ, J₁ = √(1 − ρ²) + (π − θ)ρ (arcCos1,
 * the relu kernel's formula) by the three-term recurrence
 *   J_{n+1} = (2n + 1)·ρ·J_n + n²·(1 − ρ²)·J_{n−1},
 * which follows from Cho & Saul's J_n = (−1)^n (sin θ)^{2n+1} ((1/sin θ)∂_θ)^n ((π − θ)/sin θ) = (1 − ρ²)^{n+½}·g^{(n)}(ρ)
 * with g = (π − arccos ρ)/√(1 − ρ²), differentiating (1 − ρ²)g′ − ρg = 1 n times. Checks: J₂ = 3 sin θ cos θ +
 * (π − θ)(1 + 2cos²θ) (Cho & Saul); sign: K̃ = 1 − 2θ/π (neural-tangents' Sign); monomial(2): K̃ = 2c² + q₁q₂.
 * At k = 1 the kernel is abrelu's (abReluKernel: the same formula with J₁(ρ) − J₁(−ρ) = πρ), so relu-like layers stay
 * bit-identical to abrelu. Zero variances (that pre-activation is identically 0): K̃ = φ(0)·E[φ(v)], Σ̇ = φ′(0)·E[φ′(v)]
 * (k ≥ 2: both 0; k = 0: K̃ = φ(0)(α + β)/2, or φ(0)² when both are 0).
 */
import { LayerArgs } from '../args.js';
import type { LayerSpec } from '../types.js';
import {
  type ActivationFns,
  type PairKernel,
  abReluKernel,
  activationModule,
  arcCos1,
  fastAcos,
  pointwise,
  quadratureKernel,
  reluKernel,
} from './activations.js';

export interface LeakyReluSpec extends LayerSpec {
  readonly kind: 'leaky_relu';
  readonly alpha: number;
}
export interface AbsSpec extends LayerSpec {
  readonly kind: 'abs' | 'sign';
}
export interface MonomialSpec extends LayerSpec {
  readonly kind: 'monomial' | 'rectified_monomial';
  readonly k: number;
}
type Spec = LeakyReluSpec | AbsSpec | MonomialSpec;
const NAMES = ['leaky_relu', 'abs', 'sign', 'monomial', 'rectified_monomial'] as const;
/** the largest degree accepted (J_k grows like (2k − 1)!!; 20 keeps K̃ far from overflow for variances ≲ 10³) */
export const MAX_DEGREE = 20;

const INV_2PI = 1 / (2 * Math.PI);

/** J_k(ρ) and J_{k−1}(ρ) (J_{−1} unused) by the recurrence, given pt = π − θ. */
function arcCosPair(k: number, rho: number, pt: number, out: Float64Array): void {
  let jm = pt; // J_0
  if (k === 0) {
    out[0] = jm;
    out[1] = 0;
    return;
  }
  let j = arcCos1(rho, pt); // J_1
  const r2 = (1 - rho) * (1 + rho);
  for (let n = 1; n < k; n++) {
    const next = (2 * n + 1) * rho * j + n * n * r2 * jm;
    jm = j;
    j = next;
  }
  out[0] = j;
  out[1] = jm;
}

/**
 * The pair kernel of α·relu(x)^k + β·relu(−x)^k with φ(0) = phi0 (matters only for k = 0) — the formula above.
 * k = 1 delegates to abReluKernel(−β, α) (relu itself: reluKernel).
 */
export function rectifiedKernel(k: number, alpha: number, beta: number, phi0 = 0): PairKernel {
  if (k === 1) return alpha === 1 && beta === 0 ? reluKernel : abReluKernel(-beta, alpha);
  const sum = alpha * alpha + beta * beta;
  const cross = 2 * alpha * beta;
  const jp = new Float64Array(2);
  const jn = new Float64Array(2);
  return (c, q1, q2, out) => {
    if (!(q1 > 0 && q2 > 0)) {
      out[1] = 0;
      if (k > 0) out[0] = 0;
      else out[0] = q1 > 0 || q2 > 0 ? (phi0 * (alpha + beta)) / 2 : phi0 * phi0;
      return;
    }
    const s = Math.sqrt(q1 * q2);
    let rho = c / s;
    if (rho > 1) rho = 1;
    else if (rho < -1) rho = -1;
    const theta = fastAcos(rho);
    arcCosPair(k, rho, Math.PI - theta, jp);
    arcCosPair(k, -rho, theta, jn);
    const sk1 = k > 0 ? s ** (k - 1) : 0;
    out[0] = (k > 0 ? sk1 * s : 1) * (sum * jp[0] + cross * jn[0]) * INV_2PI;
    out[1] = k === 0 ? 0 : k * k * sk1 * (sum * jp[1] - cross * jn[1]) * INV_2PI;
  };
}

/** (α, β, k, φ(0)) of a family member */
function coefficients(s: Spec): [number, number, number, number] {
  switch (s.kind) {
    case 'leaky_relu':
      return [1, -s.alpha, 1, 0];
    case 'abs':
      return [1, 1, 1, 0];
    case 'sign':
      return [1, -1, 0, 0];
    case 'monomial':
      return [1, s.k % 2 === 0 ? 1 : -1, s.k, s.k === 0 ? 1 : 0];
    case 'rectified_monomial':
      return [1, 0, s.k, s.k === 0 ? 1 : 0];
  }
}

/** x^k for an integer k ≥ 0 by repeated multiplication (exact for small integers; 0⁰ = 1) */
function power(x: number, k: number): number {
  let y = 1;
  for (let i = 0; i < k; i++) y *= x;
  return y;
}

function fns(s: Spec): ActivationFns {
  switch (s.kind) {
    case 'leaky_relu': {
      const a = s.alpha;
      return pointwise(
        (x) => (x > 0 ? x : a * x),
        (x) => (x > 0 ? 1 : a),
      );
    }
    case 'abs':
      return pointwise(Math.abs, Math.sign);
    case 'sign':
      return pointwise(Math.sign, () => 0);
    case 'monomial': {
      const k = s.k;
      return pointwise(
        (x) => power(x, k),
        (x) => (k === 0 ? 0 : k * power(x, k - 1)),
      );
    }
    case 'rectified_monomial': {
      const k = s.k;
      return pointwise(
        (x) => (x >= 0 ? power(x, k) : 0),
        (x) => (x > 0 && k > 0 ? k * power(x, k - 1) : 0),
      );
    }
  }
}

export const rectified = activationModule<Spec>({
  names: NAMES,
  is: (s): s is Spec => (NAMES as readonly string[]).includes(s.kind),
  parse(ctx) {
    const name = ctx.call.name as (typeof NAMES)[number];
    if (name === 'abs' || name === 'sign') {
      new LayerArgs(ctx).take([], [0, 0]);
      return { kind: name };
    }
    const g = new LayerArgs(ctx).take([], [1, 1]);
    if (name === 'leaky_relu') return { kind: name, alpha: g.pos(0, 'alpha', false, -Infinity) };
    const k = g.pos(0, 'k', true, 0);
    if (k > MAX_DEGREE) ctx.bad(`\`k\` an integer in [0, ${MAX_DEGREE}]`, k);
    return { kind: name, k };
  },
  format: (s) => (s.kind === 'leaky_relu' ? `leaky_relu(${s.alpha})` : 'k' in s ? `${s.kind}(${s.k})` : s.kind),
  fns,
  kernel(s, method) {
    if (method === 'quadrature') {
      const f = fns(s);
      return quadratureKernel(f.f, f.df);
    }
    const [alpha, beta, k, phi0] = coefficients(s);
    const fn = rectifiedKernel(k, alpha, beta, phi0);
    if (s.kind !== 'abs') return fn;
    // abs′(0) = 0 (PyTorch), where abrelu(−1, 1)′(0) = −1: differs only when both variances are 0
    return (c, q1, q2, out) => {
      fn(c, q1, q2, out);
      if (!(q1 > 0) && !(q2 > 0)) out[1] = 0;
    };
  },
});
