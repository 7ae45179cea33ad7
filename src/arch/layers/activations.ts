/**
 * Pointwise activations — relu, abrelu(a, b) = a·min(x,0) + b·max(x,0), erf(a, b, c) = a·erf(b·x) + c, sigmoid_like,
 * tanh, gelu (exact x·Φ(x)) — one family: an activation is σ, σ′ (finite network) and its pair kernel (analytic), for
 * (u, v) ~ N(0, [[q₁, c], [c, q₂]]):
 *   K̃ = E[φ(u)φ(v)]   (the NNGP after the activation)   and   Σ̇ = E[φ′(u)φ′(v)]   (multiplies the NTK):
 *   Σ = K̃_φ(Σ_in),   Θ = Θ_in ⊙ Σ̇_φ(Σ_in), entry by entry with the variances of both sides.
 *
 * Closed forms:
 *  - relu: arc-cosine kernels of degree 1 and 0 (Cho & Saul 2009, "Kernel methods for deep learning", eq. 6):
 *      θ = arccos(c/√(q₁q₂)),  K̃ = √(q₁q₂)·(sin θ + (π − θ) cos θ)/(2π) = (√(q₁q₂ − c²) + (π − θ)c)/(2π),
 *      Σ̇ = (π − θ)/(2π).  (rectified.ts: the whole family a·relu(x)^k + b·relu(−x)^k.)
 *  - abrelu(a, b) = a·x + (b − a)·relu(x), using E[u·relu(v)] = c/2:
 *      K̃ = ab·c + (b − a)²·K̃_relu,   Σ̇ = ab + (b − a)²·Σ̇_relu   (neural-tangents' ABRelu).
 *  - erf: K̃ = (2/π)·arcsin(2c/√((1 + 2q₁)(1 + 2q₂)))   (Williams 1997, "Computing with infinite networks"),
 *      Σ̇ = (4/π)/√((1 + 2q₁)(1 + 2q₂) − 4c²)   (E[e^{−u²−v²}] = det(I + 2Σ)^{−1/2}); erf(a, b, c) (neural-tangents'
 *      Erf): K̃ = a²·K̃_erf(b²Σ) + c², Σ̇ = a²b²·Σ̇_erf(b²Σ) (E[erf] = 0); sigmoid_like = erf(½, 1/2.4020563531719796, ½).
 *  - tanh: tanh(x) = E_K[erf(x/(√2·K))] for K Kolmogorov-distributed (the logistic distribution is a Gaussian scale
 *      mixture: Andrews & Mallows 1974, "Scale mixtures of normal distributions"; Stefanski 1991), so
 *      tanh ≈ Σᵢ aᵢ·erf(bᵢx) with the trapezoidal rule in log K (27 nodes, step 0.12: sup|error| 6e-16 for tanh and
 *      1.4e-15 for tanh′ on the real line, checked by the tests) and the kernels are sums of erf pair kernels:
 *      K̃ = (2/π)·Σᵢⱼ aᵢaⱼ·arcsin(tᵢⱼ),  Σ̇ = (4/π)·Σᵢⱼ aᵢbᵢaⱼbⱼ/√(dᵢ₁dⱼ₂ − 4bᵢ²bⱼ²c²),
 *      dᵢ₁ = 1 + 2bᵢ²q₁, tᵢⱼ = 2bᵢbⱼc/√(dᵢ₁dⱼ₂) — accurate to ≈1e-15 at every variance (the former 48×48
 *      Gauss–Hermite rule erred in Σ̇ by 2e-6 at q = 1 and 0.1 at q = 10) and ≈10× cheaper.
 *  - gelu = x·Φ(x) (neural-tangents' Gelu; Tsuchida, Pearce, van der Heide, Roosta & Gallagher 2021, "Avoiding kernel
 *      fixed points: computing with ELU and GELU infinite networks"): with P = q₁q₂, P₁ = (1 + q₁)(1 + q₂),
 *      δ = √(P₁ − c²), α = arcsin(c/√P₁):
 *      K̃ = c/4 + [(c² + P·δ²)/(P₁·δ) + c·α]/(2π),   Σ̇ = 1/4 + α/(2π) + c·(1/δ² + (1 − P)/P₁ + 1)/(2π·δ).
 * Any other pointwise φ (user-defined activations, `method: 'quadrature'`): adaptive 2-D Gauss–Kronrod quadrature
 * with an error estimate (pairQuadrature.ts), accurate to 1e-12 of the kernel's scale.
 *
 * The kernels assume Gaussian pre-activations (neural-tangents' `is_gaussian`): an activation's input must be the
 * output of an affine layer (possibly pooled, flattened or summed with an independent Gaussian).
 * Degenerate variances: a zero variance means the pre-activation is identically 0 (e.g. zero padding, zero pixels
 * without bias); then φ′(0) follows the finite network (relu′(0) = 0, abrelu′(0) = a, as PyTorch).
 */
import { InvalidArgumentError } from '../../errors.js';
import { ACT_KINDS, simdKernels } from '../../linalg/simd.js';
import { erf, normalCdf, normalPdf } from '../../util/special.js';
import { LayerArgs, own } from '../args.js';
import { type KernelRecord, entriesPerPair, pairsOf } from '../record.js';
import type { FiniteOps, KernelMethod, LayerModule, LayerSpec, Node, ParseCtx, Shape } from '../types.js';
import { quadratureKernel } from './pairQuadrature.js';

export { quadratureKernel, type QuadratureOptions } from './pairQuadrature.js';

export interface ActivationSpec extends LayerSpec {
  readonly kind: 'relu' | 'erf' | 'tanh' | 'gelu' | 'sigmoid_like';
}
export interface AbReluSpec extends LayerSpec {
  readonly kind: 'abrelu';
  readonly a: number;
  readonly b: number;
}
/** erf(a, b, c) = a·erf(b·x) + c other than the default erf(1, 1, 0), whose spec stays `{ kind: 'erf' }` */
export interface ErfSpec extends LayerSpec {
  readonly kind: 'erf';
  readonly a: number;
  readonly b: number;
  readonly c: number;
}
type Spec = ActivationSpec | AbReluSpec | ErfSpec;
const NAMES = ['relu', 'abrelu', 'erf', 'tanh', 'gelu', 'sigmoid_like'] as const;
const PLAIN = ['relu', 'tanh', 'gelu', 'sigmoid_like'] as const;
/** neural-tangents' Sigmoid_like: erf(½, 1/2.4020563531719796, ½) (the constant fits the logistic sigmoid on [−5, 5]) */
export const SIGMOID_LIKE = { a: 0.5, b: 1 / 2.4020563531719796, c: 0.5 } as const;
/** a, b, c of an erf-family spec (the default erf is (1, 1, 0)) */
const erfArgs = (s: ActivationSpec | ErfSpec) =>
  s.kind === 'sigmoid_like' ? SIGMOID_LIKE : 'a' in s ? s : { a: 1, b: 1, c: 0 };
const isActivation = (s: LayerSpec): s is Spec => (NAMES as readonly string[]).includes(s.kind);

// ---------------------------------------------------------------------------------------------------------------
// The finite network: σ and σ′

export interface ActivationFns {
  /** σ(x) */
  readonly f: (x: number) => number;
  /** σ′(x) (relu′(0) = 0, abrelu′(0) = a, as PyTorch) */
  readonly df: (x: number) => number;
  /** y[i] = σ(x[i]) over a whole batch */
  readonly fwd: (x: Float64Array, y: Float64Array) => void;
  /** out[i] = g[i]·σ′(x[i]) over a whole batch (out may be g) */
  readonly bwd: (x: Float64Array, g: Float64Array, out: Float64Array) => void;
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** σ and σ′ as scalar functions with the plain batched loops. */
export function pointwise(f: (x: number) => number, df: (x: number) => number): ActivationFns {
  return {
    f,
    df,
    fwd: (x, y) => {
      for (let i = 0; i < x.length; i++) y[i] = f(x[i]);
    },
    bwd: (x, g, out) => {
      for (let i = 0; i < x.length; i++) out[i] = g[i] * df(x[i]);
    },
  };
}

// ReLU over a batch without data-dependent branches (signs of pre-activations are random, so a branch mispredicts
// half the time; these loops run ~4× faster): (v + |v|)/2 is exactly max(v, 0) for finite v (NaN stays NaN, as in
// PyTorch), and g·[x > 0] is g where x > 0 and ±0 elsewhere.
const reluFwd = (x: Float64Array, y: Float64Array): void => {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = (v + Math.abs(v)) * 0.5;
  }
};
const reluBwd = (x: Float64Array, g: Float64Array, out: Float64Array): void => {
  for (let i = 0; i < x.length; i++) out[i] = g[i] * +(x[i] > 0);
};

/** σ, σ′ and their batched loops for an activation layer. */
export function activation(spec: Spec): ActivationFns {
  switch (spec.kind) {
    case 'relu':
      return { f: (x) => (x > 0 ? x : 0), df: (x) => (x > 0 ? 1 : 0), fwd: reluFwd, bwd: reluBwd };
    case 'abrelu': {
      const { a, b } = spec;
      return pointwise(
        (x) => (x > 0 ? b * x : a * x),
        (x) => (x > 0 ? b : a),
      );
    }
    case 'erf':
    case 'sigmoid_like': {
      if (spec.kind === 'erf' && !('a' in spec)) return pointwise(erf, (x) => TWO_OVER_SQRT_PI * Math.exp(-x * x));
      const { a, b, c } = erfArgs(spec);
      return pointwise(
        (x) => a * erf(b * x) + c,
        (x) => a * b * TWO_OVER_SQRT_PI * Math.exp(-b * b * x * x),
      );
    }
    case 'tanh':
      return pointwise(Math.tanh, (x) => {
        const t = Math.tanh(x);
        return 1 - t * t;
      });
    case 'gelu':
      // exact GELU x·Φ(x) (PyTorch's default, approximate='none')
      return pointwise(
        (x) => x * normalCdf(x),
        (x) => normalCdf(x) + x * normalPdf(x),
      );
  }
}

function finiteOps(fns: ActivationFns, size: number): FiniteOps {
  return {
    forward(x, n, ctx) {
      const y = ctx.buf('f', n * size, false);
      fns.fwd(x, y);
      return y;
    },
    backward(g, n, s, ctx, wantDx) {
      const gin = ctx.buf('b', n * size, false);
      fns.bwd(s.x, g, gin);
      return wantDx ? gin : null;
    },
    jvp(x, dx) {
      const { f, df } = fns;
      const y = new Float64Array(x.length);
      const dy = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) {
        y[i] = f(x[i]);
        if (dx !== null) dy[i] = df(x[i]) * dx[i];
      }
      return { y, dy };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The analytic kernel: pair kernels K̃_φ, Σ̇_φ

/** Writes K̃ into out[0] and Σ̇ into out[1] for one entry (c, q₁, q₂). */
export type PairKernel = (c: number, q1: number, q2: number, out: Float64Array) => void;

/**
 * The closed-form pair kernels that native/act_kernels.h also has (the same bits, vectorized): kind and parameters
 * per kernel function, registered where each is made.
 */
const NATIVE_KERNELS = new WeakMap<PairKernel, { readonly kind: number; readonly params: Float64Array }>();
function native<F extends PairKernel>(fn: F, kind: number, params: readonly number[] = []): F {
  NATIVE_KERNELS.set(fn, { kind, params: Float64Array.from(params) });
  return fn;
}

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

// R(t) = asin(√t)/√t − 1 on [0, ¼] without a division: t·F(t), F of degree 11 (a Chebyshev fit of F on [0, ¼],
// |error| < 6e-17; native/simd_kernels.h asinPoly has the same coefficients and operations).
const R0 = 0.1666666666666665;
const R1 = 0.07500000000020764;
const R2 = 0.044642857103423646;
const R3 = 0.03038194736709848;
const R4 = 0.02237204763174451;
const R5 = 0.017355259955786323;
const R6 = 0.013929652902326633;
const R7 = 0.011875494382636922;
const R8 = 0.0078029494773533175;
const R9 = 0.01603551434914882;
const R10 = -0.010749050339697808;
const R11 = 0.028169218060881414;

function asinPoly(t: number): number {
  // Estrin's scheme (9 operations deep: the vectorized kernels' throughput needs the short chain)
  const t2 = t * t;
  const t4 = t2 * t2;
  const q0 = R0 + R1 * t + (R2 + R3 * t) * t2;
  const q1 = R4 + R5 * t + (R6 + R7 * t) * t2;
  const q2 = R8 + R9 * t + (R10 + R11 * t) * t2;
  return t * (q0 + q1 * t4 + q2 * (t4 * t4));
}

/**
 * arccos(x) for x ∈ [−1, 1] as fastAcos with the division-free asinPoly: the arccos of the relu kernels on full
 * records (activate, activateMeanAll), the same bits as native/simd_kernels.h acosPolySel; within 2 ulp of Math.acos
 * (test/analytic/simd.test.ts).
 */
export function acosPoly(x: number): number {
  const ax = x < 0 ? -x : x;
  if (ax <= 0.5) return HALF_PI - (x + x * asinPoly(x * x));
  const z = 0.5 * (1 - ax);
  const s = Math.sqrt(z);
  const big = 2 * (s + s * asinPoly(z));
  return x > 0 ? big : Math.PI - big;
}

/**
 * The degree-1 arc-cosine term J(ρ) = √(1 − ρ²) + (π − θ)·ρ at a correlation ρ ∈ [−1, 1], given pt = π − θ,
 * θ = arccos ρ (Cho & Saul 2009): K̃_relu = √(q₁q₂)·J/(2π) and Σ̇_relu = pt/(2π). The one place this formula lives.
 */
export function arcCos1(rho: number, pt: number): number {
  return Math.sqrt((1 - rho) * (1 + rho)) + pt * rho;
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
  const pt = Math.PI - fastAcos(rho);
  out[0] = s * arcCos1(rho, pt) * INV_2PI;
  out[1] = pt * INV_2PI;
}

export function abReluKernel(a: number, b: number): PairKernel {
  const ab = a * b;
  const d2 = (b - a) * (b - a);
  return native(
    (c, q1, q2, out) => {
      reluKernel(c, q1, q2, out);
      out[0] = ab * c + d2 * out[0];
      if (q1 > 0 && q2 > 0) out[1] = ab + d2 * out[1];
      else if (q1 > 0 || q2 > 0) out[1] = (a * (a + b)) / 2;
      else out[1] = a * a;
    },
    ACT_KINDS.abrelu,
    [a, b],
  );
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

/** erf(a, b, c) = a·erf(b·x) + c: K̃ = a²·K̃_erf(b²Σ) + c², Σ̇ = a²b²·Σ̇_erf(b²Σ) (neural-tangents' Erf). */
export function scaledErfKernel(a: number, b: number, c: number): PairKernel {
  const a2 = a * a;
  const b2 = b * b;
  const c2 = c * c;
  return native(
    (k, q1, q2, out) => {
      erfKernel(b2 * k, b2 * q1, b2 * q2, out);
      out[0] = a2 * out[0] + c2;
      out[1] = a2 * b2 * out[1];
    },
    ACT_KINDS.erfScaled,
    [a, b, c],
  );
}

/**
 * arcsin on [−1, 1] (clamped) with fdlibm's rational asin approximation (|x| ≤ ½: x + x·R(x²); else
 * π/2 − 2·asin(√((1 − |x|)/2)), sign restored): within a few ulps of Math.asin, 3× faster (tested).
 */
export function fastAsin(x: number): number {
  const ax = x < 0 ? -x : x;
  if (ax <= 0.5) return x + x * asinR(x * x);
  if (ax >= 1) return x < 0 ? -HALF_PI : HALF_PI;
  const z = 0.5 * (1 - ax);
  const s = Math.sqrt(z);
  const r = HALF_PI - 2 * (s + s * asinR(z));
  return x < 0 ? -r : r;
}

/** The Kolmogorov density p(k) (P(K ≤ k) = 1 − 2Σⱼ(−1)^{j−1}e^{−2j²k²} = (√(2π)/k)·Σⱼ e^{−(2j−1)²π²/(8k²)}). */
function kolmogorovPdf(k: number): number {
  let s = 0;
  if (k < 1) {
    for (let j = 1; j < 8; j++) {
      const a = ((2 * j - 1) * (2 * j - 1) * Math.PI * Math.PI) / 8;
      s += Math.exp(-a / (k * k)) * ((2 * a) / (k * k * k * k) - 1 / (k * k));
    }
    return Math.sqrt(2 * Math.PI) * s;
  }
  for (let j = 1; j < 8; j++) s += (j % 2 === 1 ? 1 : -1) * j * j * Math.exp(-2 * j * j * k * k);
  return 8 * k * s;
}

/**
 * tanh(x) ≈ Σᵢ aᵢ·erf(bᵢ·x): the scale mixture tanh(x) = ∫ erf(x/(√2k))·p(k) dk discretized by the trapezoidal
 * rule in log k (step 0.12, nodes whose weight exceeds 1e-17: 27 terms).
 */
export const TANH_MIXTURE: { readonly a: Float64Array; readonly b: Float64Array } = (() => {
  const h = 0.12;
  const a: number[] = [];
  const b: number[] = [];
  for (let i = -60; i <= 60; i++) {
    const k = Math.exp(i * h);
    const w = h * k * kolmogorovPdf(k);
    if (!(w > 1e-17)) continue;
    a.push(w);
    b.push(1 / (Math.SQRT2 * k));
  }
  return { a: Float64Array.from(a), b: Float64Array.from(b) };
})();

/** tanh kernels as sums of erf pair kernels over the mixture (module header). */
export const tanhKernel: PairKernel = (() => {
  const { a, b } = TANH_MIXTURE;
  const n = a.length;
  const ab = Float64Array.from(a, (x, i) => x * b[i]);
  const b2 = Float64Array.from(b, (x) => 2 * x * x);
  // per entry: u[i] = 2c·bᵢ/√dᵢ₁ and r[i] = aᵢbᵢ/√dᵢ₁, v[j] = bⱼ/√dⱼ₂ and w[j] = aⱼbⱼ/√dⱼ₂
  const u = new Float64Array(n);
  const r = new Float64Array(n);
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  return (c, q1, q2, out) => {
    for (let i = 0; i < n; i++) {
      const s1 = 1 / Math.sqrt(1 + b2[i] * q1);
      u[i] = 2 * c * b[i] * s1;
      r[i] = ab[i] * s1;
      const s2 = 1 / Math.sqrt(1 + b2[i] * q2);
      v[i] = b[i] * s2;
      w[i] = ab[i] * s2;
    }
    let k = 0;
    let kd = 0;
    for (let i = 0; i < n; i++) {
      const ui = u[i];
      let si = 0;
      let di = 0;
      for (let j = 0; j < n; j++) {
        let t = ui * v[j];
        if (t > 1) t = 1;
        else if (t < -1) t = -1;
        si += a[j] * fastAsin(t);
        di += w[j] / Math.sqrt((1 - t) * (1 + t));
      }
      k += a[i] * si;
      kd += r[i] * di;
    }
    out[0] = (2 / Math.PI) * k;
    out[1] = (4 / Math.PI) * kd;
  };
})();
native(tanhKernel, ACT_KINDS.tanh, [...TANH_MIXTURE.a, ...TANH_MIXTURE.b]);

/** gelu kernels (neural-tangents' Gelu; Tsuchida et al. 2021): module header. */
export function geluKernel(c: number, q1: number, q2: number, out: Float64Array): void {
  const P = q1 * q2;
  const P1 = (1 + q1) * (1 + q2);
  const d2 = Math.max(P1 - c * c, 0);
  const d = Math.sqrt(d2);
  const alpha = Math.atan2(c, d);
  out[0] = 0.25 * c + ((c * c + P * d2) / (P1 * d) + c * alpha) * INV_2PI;
  out[1] = 0.25 + alpha * INV_2PI + (c / d) * (1 / d2 + (1 - P) / P1 + 1) * INV_2PI;
}
native(reluKernel, ACT_KINDS.relu);
native(erfKernel, ACT_KINDS.erf);
native(geluKernel, ACT_KINDS.gelu);

/** The pair kernel of an activation layer: closed forms (`exact`), or adaptive quadrature (`quadrature`, for tests). */
export function activationKernel(spec: Spec, method: KernelMethod = 'exact'): PairKernel {
  if (method === 'exact') {
    if (spec.kind === 'relu') return reluKernel;
    if (spec.kind === 'abrelu') return abReluKernel(spec.a, spec.b);
    if (spec.kind === 'erf' && !('a' in spec)) return erfKernel;
    if (spec.kind === 'erf' || spec.kind === 'sigmoid_like') {
      const { a, b, c } = erfArgs(spec);
      return scaledErfKernel(a, b, c);
    }
    if (spec.kind === 'tanh') return tanhKernel;
    if (spec.kind === 'gelu') return geluKernel;
  }
  const fns = activation(spec);
  return quadratureKernel(fns.f, fns.df);
}

/** Activation: Σ = K̃_φ, Θ = Θ_in ⊙ Σ̇_φ, entry by entry with the variances of both sides. */
export function activate(k: KernelRecord, fn: PairKernel): KernelRecord {
  const pairs = pairsOf(k);
  const P = k.h * k.w;
  const S = entriesPerPair(k.spatial, k.h, k.w);
  const nngp = new Float64Array(k.nngp.length);
  const ntk = k.ntk ? new Float64Array(k.ntk.length) : null;
  const tin = k.ntk;
  const { var1, var2 } = k;
  const o = new Float64Array(2);
  const relu = fn === reluKernel;
  const vec = relu && k.spatial === 'full' ? simdKernels() : null;
  if (vec) {
    vec.reluFull(k.nngp, tin, var1, var2, k.n1, k.n2, k.self, P, nngp, ntk);
    return { ...k, nngp, ntk };
  }
  // the other closed forms (and relu on flat/diag records) vectorized, the same bits (native/act_kernels.h)
  const nat = relu && k.spatial === 'full' ? undefined : NATIVE_KERNELS.get(fn);
  const act = nat ? simdKernels()?.activate : undefined;
  if (nat && act) {
    act(nat.kind, nat.params, k.nngp, tin, var1, var2, k.n1, k.n2, k.self, P, k.spatial === 'full', nngp, ntk);
    return { ...k, nngp, ntk };
  }
  // per position of x2: √q2 and 1/√q2 (relu on full records)
  const rs2 = new Float64Array(P);
  const ir2 = new Float64Array(P);
  for (let e = 0; e < pairs; e++) {
    const i = k.self ? e : Math.floor(e / k.n2);
    const j = k.self ? e : e - i * k.n2;
    const v1 = i * P;
    const v2 = j * P;
    const base = e * S;
    if (k.spatial === 'full') {
      if (relu)
        for (let p2 = 0; p2 < P; p2++) {
          rs2[p2] = Math.sqrt(var2[v2 + p2]);
          ir2[p2] = 1 / rs2[p2];
        }
      for (let p = 0; p < P; p++) {
        const q1 = var1[v1 + p];
        const row = base + p * P;
        if (relu) {
          // the arc-cosine kernel with the square roots hoisted (per row and per position: ρ = (c·r1)·r2 needs no
          // division): the hot loop of CNN kernels with pooling
          const r1 = q1 > 0 ? 1 / Math.sqrt(q1) : 0;
          const sq1 = Math.sqrt(q1);
          for (let p2 = 0; p2 < P; p2++) {
            const idx = row + p2;
            if (!(var2[v2 + p2] > 0) || r1 === 0) {
              nngp[idx] = 0;
              if (ntk) ntk[idx] = 0;
              continue;
            }
            let rho = k.nngp[idx] * r1 * ir2[p2];
            if (rho > 1) rho = 1;
            else if (rho < -1) rho = -1;
            const pt = Math.PI - acosPoly(rho);
            nngp[idx] = sq1 * rs2[p2] * arcCos1(rho, pt) * INV_2PI;
            if (ntk && tin) ntk[idx] = tin[idx] * pt * INV_2PI;
          }
        } else {
          for (let p2 = 0; p2 < P; p2++) {
            const idx = row + p2;
            fn(k.nngp[idx], q1, var2[v2 + p2], o);
            nngp[idx] = o[0];
            if (ntk && tin) ntk[idx] = tin[idx] * o[1];
          }
        }
      }
    } else {
      for (let p = 0; p < S; p++) {
        const idx = base + p;
        fn(k.nngp[idx], var1[v1 + p], var2[v2 + p], o);
        nngp[idx] = o[0];
        if (ntk && tin) ntk[idx] = tin[idx] * o[1];
      }
    }
  }
  return { ...k, nngp, ntk };
}

/** the partial sums of activateMeanAll's relu means (native/simd_kernels.h kLanes) */
const LANES = 8;
const sumLanes = (l: Float64Array): number => l[0] + l[1] + (l[2] + l[3]) + (l[4] + l[5] + (l[6] + l[7]));

/**
 * Activation followed by a mean over all position pairs (global average pooling) on the full representation, fused:
 * the per-pair means of K̃_φ and Θ̃ ⊙ Σ̇_φ are accumulated without materializing the activated P×P arrays (the hot
 * path of CNN kernels with global average pooling). Same values as the unfused steps up to summation order.
 */
export function activateMeanAll(k: KernelRecord, fn: PairKernel): KernelRecord {
  const pairs = pairsOf(k);
  const P = k.h * k.w;
  const S = P * P;
  const nngp = new Float64Array(pairs);
  const ntk = k.ntk ? new Float64Array(pairs) : null;
  const tin = k.ntk;
  const { var1, var2 } = k;
  const o = new Float64Array(2);
  const relu = fn === reluKernel;
  const vec = relu && !k.self ? simdKernels() : null;
  if (vec) {
    vec.reluMeanAll(k.nngp, tin, var1, var2, k.n1, k.n2, P, nngp, ntk);
    return { ...k, spatial: 'flat', h: 1, w: 1, nngp, ntk };
  }
  // the other closed forms vectorized, the same bits (native/act_kernels.h actMean)
  const nat = relu || k.spatial !== 'full' ? undefined : NATIVE_KERNELS.get(fn);
  const act = nat ? simdKernels()?.activate : undefined;
  if (nat && act) {
    act(nat.kind, nat.params, k.nngp, tin, var1, var2, k.n1, k.n2, k.self, P, true, nngp, ntk, true);
    return { ...k, spatial: 'flat', h: 1, w: 1, nngp, ntk };
  }
  // relu: per pair the positions of x2 with √q2 > 0 (s2, 1/s2), and LANES partial sums: in each row the k-th such
  // position goes to lane k mod LANES, the lanes carry over the rows and are added at the end as
  // ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)) — the order of the vectorized kernels (native/simd_kernels.h)
  const ps = new Int32Array(P);
  const ps2 = new Float64Array(P);
  const pir2 = new Float64Array(P);
  const lk = new Float64Array(LANES);
  const lt = new Float64Array(LANES);
  for (let e = 0; e < pairs; e++) {
    const i = k.self ? e : Math.floor(e / k.n2);
    const j = k.self ? e : e - i * k.n2;
    const v1 = i * P;
    const v2 = j * P;
    const base = e * S;
    let sk = 0;
    let st = 0;
    if (relu) {
      let m = 0;
      for (let p2 = 0; p2 < P; p2++) {
        const s2 = Math.sqrt(Math.max(var2[v2 + p2], 0));
        if (!(s2 > 0)) continue;
        ps[m] = p2;
        ps2[m] = s2;
        pir2[m] = 1 / s2;
        m++;
      }
      lk.fill(0);
      lt.fill(0);
      for (let p = 0; p < P; p++) {
        const q1 = var1[v1 + p];
        if (!(q1 > 0)) continue;
        const row = base + p * P;
        const sq1 = Math.sqrt(q1);
        const r1 = 1 / sq1;
        for (let u = 0; u < m; u++) {
          const idx = row + ps[u];
          let rho = k.nngp[idx] * r1 * pir2[u];
          if (rho > 1) rho = 1;
          else if (rho < -1) rho = -1;
          const pt = Math.PI - acosPoly(rho);
          lk[u & (LANES - 1)] += sq1 * ps2[u] * arcCos1(rho, pt);
          if (tin) lt[u & (LANES - 1)] += tin[idx] * pt;
        }
      }
      sk = sumLanes(lk);
      st = sumLanes(lt);
    } else {
      for (let p = 0; p < P; p++) {
        const q1 = var1[v1 + p];
        const row = base + p * P;
        for (let p2 = 0; p2 < P; p2++) {
          const idx = row + p2;
          fn(k.nngp[idx], q1, var2[v2 + p2], o);
          sk += o[0] * 2 * Math.PI;
          if (tin) st += tin[idx] * o[1] * 2 * Math.PI;
        }
      }
    }
    nngp[e] = (sk * INV_2PI) / S;
    if (ntk) ntk[e] = (st * INV_2PI) / S;
  }
  return { ...k, spatial: 'flat', h: 1, w: 1, nngp, ntk };
}

/**
 * relu followed by a pooling of the full representation (avgpool), fused on a cross block in one vectorized kernel
 * (the same bits as activate then poolFull); null without the vectorized kernels.
 */
function reluPoolFull(k: KernelRecord, win: NonNullable<Node['analytic']['poolWindows']>): KernelRecord | null {
  const vec = simdKernels();
  if (vec === null) return null;
  const P = k.h * k.w;
  const Q = win.h * win.w;
  const taps = Float64Array.from(win.taps);
  const pairs = pairsOf(k);
  const run = (tin: Float64Array | null) => {
    const out = new Float64Array(pairs * Q * Q);
    vec.reluPoolFull(k.nngp, tin, k.var1, k.var2, k.n1, k.n2, P, taps, win.T, win.weights, Q, out);
    return out;
  };
  return { ...k, h: win.h, w: win.w, nngp: run(null), ntk: k.ntk ? run(k.ntk) : null };
}

// ---------------------------------------------------------------------------------------------------------------
// Activation modules

/** What defines an activation layer: its spec type, σ/σ′ and its pair kernel; the rest is shared (activationModule). */
export interface ActivationDef<S extends LayerSpec> {
  readonly names: readonly string[];
  is(s: LayerSpec): s is S;
  parse(ctx: ParseCtx): S;
  format(s: S): string;
  fns(s: S): ActivationFns;
  /** the closed form, or quadratureKernel(fns.f, fns.df) when there is none (or method is `quadrature`) */
  kernel(s: S, method: KernelMethod): PairKernel;
  /** the finite passes when the layer is not pointwise (default: σ, σ′ entry by entry) */
  finite?(s: S, inShape: Shape): FiniteOps;
  /** defined at run time in this thread (defineActivation): its kernels are computed in-process, not in workers */
  readonly local?: boolean;
}

/**
 * Up to names.length positional numbers (any sign), defaults for the missing ones: `sin(0.5,2)` → [0.5, 2, 0].
 * The activations' NT-style arguments (a, b, c, gamma, …).
 */
export function numbers(ctx: ParseCtx, names: readonly string[], defaults: readonly number[]): number[] {
  const g = new LayerArgs(ctx).take([], [0, names.length]);
  return names.map((what, i) => (i < g.positional.length ? g.pos(i, what, false, -Infinity) : defaults[i]));
}

/** A layer module from an activation's definition: shape-preserving, Gaussian input required, fused with a following global mean. */
export function activationModule<S extends LayerSpec>(def: ActivationDef<S>): LayerModule {
  const name = def.names[0];
  return {
    names: def.names,
    ...(def.local === true ? { local: true } : {}),
    parse: (ctx) => def.parse(ctx),
    format: (l) => def.format(own(l, def.is, name)),
    compile(spec, ctx) {
      const s = own(spec, def.is, name);
      const size = ctx.inShape.reduce((x, y) => x * y, 1);
      const affine = ctx.namesWith((m) => m.affine === true).join(' or ');
      return {
        outShape: ctx.inShape,
        finite: def.finite ? def.finite(s, ctx.inShape) : finiteOps(def.fns(s), size),
        analytic: {
          gaussian(g) {
            if (!g.gaussian) {
              throw new InvalidArgumentError(
                'kernelFn',
                `arch: layer ${g.path} \`${s.kind}\``,
                `applied to a Gaussian pre-activation (the output of a ${affine} layer, possibly pooled, flattened or summed with an independent one in a residual)`,
                g.atInput ? 'the network input' : 'a non-Gaussian input',
                'The infinite-width kernel of an activation is E[φ(u)φ(v)] over Gaussian (u, v); its input here is not Gaussian (raw data, or the output of another activation), so the closed forms do not apply.',
              );
            }
            return false;
          },
          prepare(method) {
            const fn = def.kernel(s, method);
            return {
              ...(fn === reluKernel ? { simd: 'relu' as const } : {}),
              apply: (k) => activate(k, fn),
              // (cross blocks only: the self pass keeps every layer's variances)
              fuse: (k, next) => {
                if (k.self || k.spatial !== 'full' || next === null) return null;
                if (next.analytic.meanAllPositions === true) return activateMeanAll(k, fn);
                const win = next.analytic.poolWindows;
                return win && fn === reluKernel ? reluPoolFull(k, win) : null;
              },
            };
          },
        },
      };
    },
  };
}

export const activations = activationModule<Spec>({
  names: NAMES,
  is: isActivation,
  parse(ctx) {
    const plain = PLAIN.find((k) => k === ctx.call.name);
    if (plain !== undefined) {
      new LayerArgs(ctx).take([], [0, 0]);
      return { kind: plain };
    }
    if (ctx.call.name === 'erf') {
      const [a, b, c] = numbers(ctx, ['a', 'b', 'c'], [1, 1, 0]);
      return a === 1 && b === 1 && c === 0 ? { kind: 'erf' } : { kind: 'erf', a, b, c };
    }
    const a = new LayerArgs(ctx).take([], [2, 2]);
    return { kind: 'abrelu', a: a.pos(0, 'a', false, -Infinity), b: a.pos(1, 'b', false, -Infinity) };
  },
  format: (s) => (s.kind === 'abrelu' ? `abrelu(${s.a},${s.b})` : 'a' in s ? `erf(${s.a},${s.b},${s.c})` : s.kind),
  fns: activation,
  kernel: (s, method) => activationKernel(s, method),
});
