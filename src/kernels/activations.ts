/**
 * Infinite-width kernels of pointwise activations: for (u, v) ~ N(0, [[q₁, c], [c, q₂]]),
 *   K̃ = E[φ(u)φ(v)]   (the NNGP after the activation)   and   Σ̇ = E[φ′(u)φ′(v)]   (multiplies the NTK).
 *
 * Closed forms:
 *  - relu: arc-cosine kernels of degree 1 and 0 (Cho & Saul 2009, "Kernel methods for deep learning", eq. 6):
 *      θ = arccos(c/√(q₁q₂)),  K̃ = √(q₁q₂)·(sin θ + (π − θ) cos θ)/(2π) = (√(q₁q₂ − c²) + (π − θ)c)/(2π),
 *      Σ̇ = (π − θ)/(2π).
 *  - abrelu(a, b) = a·min(x,0) + b·max(x,0) = a·x + (b − a)·relu(x), using E[u·relu(v)] = c/2:
 *      K̃ = ab·c + (b − a)²·K̃_relu,   Σ̇ = ab + (b − a)²·Σ̇_relu   (neural-tangents' ABRelu).
 *  - erf: K̃ = (2/π)·arcsin(2c/√((1 + 2q₁)(1 + 2q₂)))   (Williams 1997, "Computing with infinite networks"),
 *      Σ̇ = (4/π)/√((1 + 2q₁)(1 + 2q₂) − 4c²)   (E[e^{−u²−v²}] = det(I + 2Σ)^{−1/2}).
 * Everything else (tanh, gelu = x·Φ(x)) by 2-D Gauss–Hermite quadrature over the bivariate normal: with z₁, z₂ iid
 * N(0,1), u = √q₁·z₁ and v = √q₂·(ρz₁ + √(1−ρ²)z₂), ρ = c/√(q₁q₂); an m×m product rule (m = GH_DEGREE = 48, chosen so
 * that erf by quadrature matches its closed form to ≈1e-10 relative on the test grid; for kinked functions such as
 * relu the error decays only algebraically, ≈1e-4 at m = 48, which is why relu/abrelu/erf always use the closed forms).
 *
 * Degenerate variances: a zero variance means the pre-activation is identically 0 (e.g. zero padding, zero pixels
 * without bias); then φ′(0) follows the finite network (relu′(0) = 0, abrelu′(0) = a).
 */
import type { AbReluSpec, ActivationSpec } from '../nn/arch.js';
import { activation } from '../nn/layers.js';
import { gaussHermite } from './quadrature.js';

/** Writes K̃ into out[0] and Σ̇ into out[1] for one entry (c, q₁, q₂). */
export type PairKernel = (c: number, q1: number, q2: number, out: Float64Array) => void;

export const GH_DEGREE = 48;
const INV_2PI = 1 / (2 * Math.PI);
const HALF_PI = Math.PI / 2;

// arcsin on [0, 0.5] as x + x·R(x²) with the rational approximation of fdlibm's e_asin.c (|error| < 2⁻⁵⁸).
const pS0 = 1.66666666666666657415e-1;
const pS1 = -3.25565818622400915405e-1;
const pS2 = 2.01212532134862925881e-1;
const pS3 = -4.00555345006794114027e-2;
const pS4 = 7.91534994289814532176e-4;
const pS5 = 3.4793310759602116757e-5;
const qS1 = -2.40339491173441421878;
const qS2 = 2.02094576023350569471;
const qS3 = -6.8828397160545329303e-1;
const qS4 = 7.70381505559019352791e-2;

function asinR(t: number): number {
  const p = t * (pS0 + t * (pS1 + t * (pS2 + t * (pS3 + t * (pS4 + t * pS5)))));
  const q = 1 + t * (qS1 + t * (qS2 + t * (qS3 + t * qS4)));
  return p / q;
}

/**
 * arccos(x) for x ∈ [−1, 1] (inputs outside are clamped), inlined polynomial form: 4–5× faster than Math.acos in V8
 * and within a few ulps of it (tested). |x| ≤ ½: π/2 − asin x; x > ½: 2·asin(√((1−x)/2)); x < −½: π − 2·asin(√((1+x)/2)).
 */
export function fastAcos(x: number): number {
  if (x >= 1) return 0;
  if (x <= -1) return Math.PI;
  if (x <= 0.5 && x >= -0.5) {
    return HALF_PI - (x + x * asinR(x * x));
  }
  if (x > 0) {
    const z = 0.5 * (1 - x);
    const s = Math.sqrt(z);
    return 2 * (s + s * asinR(z));
  }
  const z = 0.5 * (1 + x);
  const s = Math.sqrt(z);
  return Math.PI - 2 * (s + s * asinR(z));
}

/** ReLU arc-cosine kernel (Cho & Saul 2009). */
export function reluKernel(c: number, q1: number, q2: number, out: Float64Array): void {
  const qq = q1 * q2;
  if (!(qq > 0)) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  const s = Math.sqrt(qq);
  let rho = c / s;
  if (rho > 1) rho = 1;
  else if (rho < -1) rho = -1;
  const th = fastAcos(rho);
  out[0] = s * (Math.sqrt((1 - rho) * (1 + rho)) + (Math.PI - th) * rho) * INV_2PI;
  out[1] = (Math.PI - th) * INV_2PI;
}

export function abReluKernel(a: number, b: number): PairKernel {
  const ab = a * b;
  const d2 = (b - a) * (b - a);
  return (c, q1, q2, out) => {
    reluKernel(c, q1, q2, out);
    out[0] = ab * c + d2 * out[0];
    if (q1 > 0 && q2 > 0) out[1] = ab + d2 * out[1];
    else if (q1 > 0 || q2 > 0) out[1] = (a * (a + b)) / 2;
    else out[1] = a * a;
  };
}

/** erf kernels (Williams 1997; derivative kernel as in neural-tangents' Erf). */
export function erfKernel(c: number, q1: number, q2: number, out: Float64Array): void {
  const d = (1 + 2 * q1) * (1 + 2 * q2);
  let r = (2 * c) / Math.sqrt(d);
  if (r > 1) r = 1;
  else if (r < -1) r = -1;
  out[0] = (2 / Math.PI) * Math.asin(r);
  out[1] = 4 / Math.PI / Math.sqrt(Math.max(d - 4 * c * c, 0));
}

/** E[φ(u)φ(v)] and E[φ′(u)φ′(v)] by an m×m Gauss–Hermite product rule. */
export function quadratureKernel(f: (x: number) => number, df: (x: number) => number, m = GH_DEGREE): PairKernel {
  const { nodes, weights } = gaussHermite(m);
  const fu = new Float64Array(m);
  const dfu = new Float64Array(m);
  return (c, q1, q2, out) => {
    const s1 = Math.sqrt(Math.max(q1, 0));
    const s2 = Math.sqrt(Math.max(q2, 0));
    let rho = s1 > 0 && s2 > 0 ? c / (s1 * s2) : 0;
    if (rho > 1) rho = 1;
    else if (rho < -1) rho = -1;
    const perp = Math.sqrt((1 - rho) * (1 + rho));
    for (let i = 0; i < m; i++) {
      fu[i] = f(s1 * nodes[i]);
      dfu[i] = df(s1 * nodes[i]);
    }
    let k = 0;
    let kd = 0;
    for (let j = 0; j < m; j++) {
      const z2 = perp * nodes[j];
      let a = 0;
      let ad = 0;
      for (let i = 0; i < m; i++) {
        const v = s2 * (rho * nodes[i] + z2);
        const wi = weights[i];
        a += wi * fu[i] * f(v);
        ad += wi * dfu[i] * df(v);
      }
      k += weights[j] * a;
      kd += weights[j] * ad;
    }
    out[0] = k;
    out[1] = kd;
  };
}

export type KernelMethod = 'exact' | 'quadrature';

/** The pair kernel of an activation layer: closed forms for relu/abrelu/erf, quadrature otherwise (or if forced). */
export function activationKernel(
  spec: ActivationSpec | AbReluSpec,
  method: KernelMethod = 'exact',
  m = GH_DEGREE,
): PairKernel {
  if (method === 'exact') {
    if (spec.kind === 'relu') return reluKernel;
    if (spec.kind === 'abrelu') return abReluKernel(spec.a, spec.b);
    if (spec.kind === 'erf') return erfKernel;
  }
  const fns = activation(spec);
  return quadratureKernel(fns.f, fns.df, m);
}
