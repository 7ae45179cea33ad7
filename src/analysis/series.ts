/**
 * Truncated power series (coefficient arrays c[0..R]) and the Taylor coefficients of dot-product kernels κ(t) built
 * from ReLU arc-cosine kernels. Every coefficient below is non-negative, so truncating any sum only lowers
 * coefficients, which keeps the λ_min lower bounds built from them valid.
 *
 * Arc-cosine functions in the normalization of src/kernels (neural-tangents): for correlation ρ ∈ [−1, 1],
 *   a₀(ρ) = (π − arccos ρ)/(2π) = ¼ + arcsin(ρ)/(2π)                      (Σ̇ = a₀(c/q))
 *   a₁(ρ) = (√(1 − ρ²) + (π − arccos ρ)ρ)/(2π),  a₁′ = a₀, a₁(0) = 1/(2π)     (K̃ = q·a₁(c/q))
 * Cho & Saul's κ₀, κ₁ (and Bietti & Mairal's) are 2a₀ and 2a₁. arcsin is absolutely monotone on [0, 1), so the
 * expansions of a₀, a₁ around any ρ₀ ∈ [0, 1) have non-negative coefficients; they are computed from
 * arcsin′(ρ₀ + u) = (1 − (ρ₀ + u)²)^{−1/2} by the power recurrence below and integrated term by term.
 */
import { InvalidArgumentError } from '../errors.js';

export type Series = Float64Array;

/** c = a·b truncated to degree R. */
export function seriesMul(a: Series, b: Series, R: number): Series {
  const c = new Float64Array(R + 1);
  for (let i = 0; i <= R && i < a.length; i++) {
    const ai = a[i];
    if (ai === 0) continue;
    for (let j = 0; i + j <= R && j < b.length; j++) c[i + j] += ai * b[j];
  }
  return c;
}

/** h^α truncated to degree R, for h[0] > 0: n·h₀·gₙ = Σ_{k=1..n} ((α + 1)k − n)·h_k·g_{n−k}. */
export function seriesPow(h: Series, alpha: number, R: number): Series {
  if (!(h[0] > 0)) throw new InvalidArgumentError('seriesPow', 'h[0]', 'positive', h[0]);
  const g = new Float64Array(R + 1);
  g[0] = h[0] ** alpha;
  for (let n = 1; n <= R; n++) {
    let s = 0;
    for (let k = 1; k <= n && k < h.length; k++) s += ((alpha + 1) * k - n) * h[k] * g[n - k];
    g[n] = s / (n * h[0]);
  }
  return g;
}

/** ∫₀ a + c0, truncated to degree R. */
export function seriesIntegrate(a: Series, c0: number, R: number): Series {
  const b = new Float64Array(R + 1);
  b[0] = c0;
  for (let k = 0; k < R && k < a.length; k++) b[k + 1] = a[k] / (k + 1);
  return b;
}

/** f(u(t)) truncated to degree R for u with u(0) = 0 (Horner; exact to degree R). */
export function seriesCompose(f: Series, u: Series, R: number): Series {
  if (u[0] !== 0)
    throw new InvalidArgumentError('seriesCompose', 'u[0]', '0 (compose with a series without constant term)', u[0]);
  let res: Series = new Float64Array(R + 1);
  for (let k = Math.min(R, f.length - 1); k >= 0; k--) {
    res = seriesMul(res, u, R);
    res[0] += f[k];
  }
  return res;
}

/** Σ c_r t^r. */
export function seriesEval(c: Series, t: number): number {
  let s = 0;
  for (let r = c.length - 1; r >= 0; r--) s = s * t + c[r];
  return s;
}

/** a₀(ρ) = (π − arccos ρ)/(2π). */
export function arccos0(rho: number): number {
  return (Math.PI - Math.acos(Math.max(-1, Math.min(1, rho)))) / (2 * Math.PI);
}

/** a₁(ρ) = (√(1 − ρ²) + (π − arccos ρ)ρ)/(2π). */
export function arccos1(rho: number): number {
  const r = Math.max(-1, Math.min(1, rho));
  return (Math.sqrt(Math.max(0, 1 - r * r)) + (Math.PI - Math.acos(r)) * r) / (2 * Math.PI);
}

/** Taylor coefficients in u of a₀(ρ₀ + u) and a₁(ρ₀ + u), ρ₀ ∈ [0, 1), to degree R. */
export function arccosSeries(rho0: number, R: number): { a0: Series; a1: Series } {
  if (!(rho0 >= 0 && rho0 < 1)) throw new InvalidArgumentError('arccosSeries', 'rho0', 'in [0, 1)', rho0);
  // arcsin′(ρ₀ + u) = h(u)^{−1/2}, h = (1 − ρ₀²) − 2ρ₀u − u²
  const h = Float64Array.from([1 - rho0 * rho0, -2 * rho0, -1]);
  const dAsin = seriesPow(h, -0.5, R);
  const asin = seriesIntegrate(dAsin, Math.asin(rho0), R);
  const a0 = new Float64Array(R + 1);
  for (let k = 0; k <= R; k++) a0[k] = asin[k] / (2 * Math.PI);
  a0[0] += 0.25;
  const a1 = seriesIntegrate(a0, arccos1(rho0), R);
  return { a0, a1 };
}

/**
 * A dot-product kernel κ(t) of the cosine t = xᵢᵀxⱼ of unit-norm inputs.
 * - `hinf`: H∞ of Du et al. (2019), κ(t) = t(π − arccos t)/(2π) = t·a₀(t).
 * - `relu-ntk` / `relu-nngp`: the NTK Θ / NNGP Σ of a fully-connected ReLU network with `depth` hidden ReLU layers
 *   (depth + 1 dense layers) in NTK parameterization, in the conventions of src/kernels (neural-tangents):
 *   Σ¹ = σ_w²·q₀·t + σ_b², Θ¹ = Σ¹; then per ReLU + dense layer, with q_l the (constant) diagonal,
 *   Σ^{l+1} = σ_w²·q_l·a₁(Σ^l/q_l) + σ_b²,  Θ^{l+1} = Σ^{l+1} + σ_w²·a₀(Σ^l/q_l)·Θ^l,  q_{l+1} = σ_w²q_l/2 + σ_b².
 *   q₀ = `inputScale` is the input kernel's diagonal: 1 for x·x′ on unit-norm x; src/kernels' x·x′/d on unit-norm
 *   x ∈ ℝ^d is inputScale = 1/d. Defaults σ_w² = 2 (He scaling: q_l stays 1), σ_b² = 0, q₀ = 1; with these,
 *   Θ is Bietti & Mairal's κ_NTK built from Cho–Saul κ₀ = 2a₀, κ₁ = 2a₁.
 */
export type DotProductKernelSpec =
  | { readonly kind: 'hinf' }
  | {
      readonly kind: 'relu-ntk' | 'relu-nngp';
      readonly depth: number;
      readonly weightVariance?: number;
      readonly biasVariance?: number;
      readonly inputScale?: number;
    };

interface ReluParams {
  readonly depth: number;
  readonly sw: number;
  readonly sb: number;
  readonly q0: number;
}

function reluParams(spec: DotProductKernelSpec & { kind: 'relu-ntk' | 'relu-nngp' }): ReluParams {
  const fn = 'dotProductKernel';
  const { depth } = spec;
  if (!Number.isInteger(depth) || depth < 1 || depth > 1000)
    throw new InvalidArgumentError(fn, 'spec.depth', 'an integer in [1, 1000]', depth);
  const sw = spec.weightVariance ?? 2;
  const sb = spec.biasVariance ?? 0;
  const q0 = spec.inputScale ?? 1;
  if (!Number.isFinite(sw) || sw <= 0)
    throw new InvalidArgumentError(fn, 'spec.weightVariance', 'a positive finite number', sw);
  if (!Number.isFinite(sb) || sb < 0)
    throw new InvalidArgumentError(fn, 'spec.biasVariance', 'a non-negative finite number', sb);
  if (!Number.isFinite(q0) || q0 <= 0)
    throw new InvalidArgumentError(fn, 'spec.inputScale', 'a positive finite number', q0);
  return { depth, sw, sb, q0 };
}

function checkSpec(spec: DotProductKernelSpec): void {
  if (spec.kind !== 'hinf' && spec.kind !== 'relu-ntk' && spec.kind !== 'relu-nngp') {
    throw new InvalidArgumentError(
      'dotProductKernel',
      'spec.kind',
      "'hinf', 'relu-ntk' or 'relu-nngp'",
      (spec as { kind: unknown }).kind,
    );
  }
}

/** κ(t) evaluated directly (closed-form arc-cosine recursion), for t ∈ [−1, 1]. */
export function dotProductKernel(spec: DotProductKernelSpec): (t: number) => number {
  checkSpec(spec);
  if (spec.kind === 'hinf') return (t) => t * arccos0(t);
  const { depth, sw, sb, q0 } = reluParams(spec);
  const ntk = spec.kind === 'relu-ntk';
  return (t) => {
    let q = sw * q0 + sb;
    let s = sw * q0 * t + sb;
    let th = s;
    for (let l = 0; l < depth; l++) {
      const rho = s / q;
      const sNew = sw * q * arccos1(rho) + sb;
      th = sNew + sw * arccos0(rho) * th;
      s = sNew;
      q = (sw * q) / 2 + sb;
    }
    return ntk ? th : s;
  };
}

/** Taylor coefficients c_0..c_R of κ(t) (all ≥ 0), by composing the arc-cosine series layer by layer. */
export function dotProductSeries(spec: DotProductKernelSpec, R: number): Series {
  checkSpec(spec);
  if (!Number.isInteger(R) || R < 1 || R > 5000)
    throw new InvalidArgumentError('dotProductSeries', 'R', 'an integer degree in [1, 5000]', R);
  if (spec.kind === 'hinf') {
    const { a0 } = arccosSeries(0, R);
    const c = new Float64Array(R + 1);
    for (let r = 1; r <= R; r++) c[r] = a0[r - 1];
    return c;
  }
  const { depth, sw, sb, q0 } = reluParams(spec);
  let q = sw * q0 + sb;
  let s = new Float64Array(R + 1);
  s[0] = sb;
  s[1] = sw * q0;
  let th = s.slice();
  for (let l = 0; l < depth; l++) {
    const rho0 = s[0] / q;
    const u = new Float64Array(R + 1);
    for (let r = 1; r <= R; r++) u[r] = s[r] / q;
    const { a0, a1 } = arccosSeries(rho0, R);
    const A0 = seriesCompose(a0, u, R);
    const A1 = seriesCompose(a1, u, R);
    const sNew = new Float64Array(R + 1);
    for (let r = 0; r <= R; r++) sNew[r] = sw * q * A1[r];
    sNew[0] += sb;
    const prod = seriesMul(A0, th, R);
    const thNew = new Float64Array(R + 1);
    for (let r = 0; r <= R; r++) thNew[r] = sNew[r] + sw * prod[r];
    s = sNew;
    th = thNew;
    q = (sw * q) / 2 + sb;
  }
  return spec.kind === 'relu-ntk' ? th : s;
}
