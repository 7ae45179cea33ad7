/**
 * Polynomial activations: polynomial(c₀, c₁, …, c_n) = Σⱼ cⱼxʲ (neural-tangents' Polynomial, coefficients in numpy's
 * order) and hermite(k) = He_k(x)/√(k!) (neural-tangents' Hermite: the probabilists' Hermite polynomial, normalized
 * to unit norm under N(0, 1)). One formula, the Hermite expansion: with u = √q·z, zʲ = Σ_m j!/(2^m m! (j − 2m)!)·He_{j−2m}(z)
 * gives p(√q·z) = Σ_n (√q)^n·β_n(q)·He_n(z) with
 *   β_n(q) = Σ_m c_{n+2m}·q^m·(n + 2m)!/(2^m·m!·n!),
 * and E[He_n(z)He_l(z′)] = δ_{nl}·n!·ρ^n (Mehler) turns (√q₁√q₂ρ)^n into c^n:
 *   K̃ = Σ_n n!·β_n(q₁)β_n(q₂)·c^n,   Σ̇ = ∂K̃/∂c = Σ_{n≥1} n!·n·β_n(q₁)β_n(q₂)·c^{n−1}   (Price's theorem),
 * polynomials in (q₁, q₂, c): exact at zero variances and at ρ = ±1. neural-tangents' Polynomial kernel is the same
 * expansion; its Hermite kernel K̃ = c^k, Σ̇ = k·c^{k−1} assumes unit-variance inputs (it warns) — here that is the case
 * q₁ = q₂ = 1 of the exact kernel, which holds at every variance. monomial(k) (rectified.ts) is polynomial(0, …, 0, 1)
 * by another formula (the tests compare the two).
 */
import { LayerArgs } from '../args.js';
import type { LayerSpec } from '../types.js';
import { type PairKernel, activationModule, pointwise, quadratureKernel } from './activations.js';

export interface PolynomialSpec extends LayerSpec {
  readonly kind: 'polynomial';
  /** c₀, c₁, …: φ(x) = Σⱼ cⱼxʲ */
  readonly coef: readonly number[];
}
export interface HermiteSpec extends LayerSpec {
  readonly kind: 'hermite';
  readonly k: number;
}
type Spec = PolynomialSpec | HermiteSpec;
/** the most coefficients (degree + 1) accepted: β_n's factorials stay far from overflow */
export const MAX_COEFFICIENTS = 21;

/** Monomial coefficients of He_k(x)/√(k!) (He_{n+1} = x·He_n − n·He_{n−1}). */
export function hermiteCoefficients(k: number): number[] {
  let prev = [1];
  let cur = [0, 1];
  if (k === 0) return [1];
  for (let n = 1; n < k; n++) {
    const next = new Array<number>(n + 2).fill(0);
    for (let j = 0; j < cur.length; j++) next[j + 1] += cur[j];
    for (let j = 0; j < prev.length; j++) next[j] -= n * prev[j];
    prev = cur;
    cur = next;
  }
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  const norm = 1 / Math.sqrt(f);
  return cur.map((c) => c * norm);
}

const coefficients = (s: Spec): readonly number[] => (s.kind === 'polynomial' ? s.coef : hermiteCoefficients(s.k));

/** The Hermite-expansion kernel of Σⱼ cⱼxʲ (module header). */
export function polynomialKernel(coef: readonly number[]): PairKernel {
  const d = coef.length;
  // t[n][m] = c_{n+2m}·(n + 2m)!/(2^m·m!·n!), built from binomials without large factorials
  const t: number[][] = [];
  for (let n = 0; n < d; n++) {
    const row: number[] = [];
    for (let m = 0; n + 2 * m < d; m++) {
      // (n + 2m)!/(n!·(2m)!) · (2m)!/(2^m·m!) = C(n + 2m, n) · (2m − 1)!!
      let binom = 1;
      for (let i = 1; i <= 2 * m; i++) binom = (binom * (n + i)) / i;
      let dfact = 1;
      for (let i = 2 * m - 1; i > 1; i -= 2) dfact *= i;
      row.push(coef[n + 2 * m] * binom * dfact);
    }
    t.push(row);
  }
  const fact: number[] = [1];
  for (let n = 1; n < d; n++) fact.push(fact[n - 1] * n);
  const beta = (q: number, n: number): number => {
    const row = t[n];
    let v = 0;
    for (let m = row.length - 1; m >= 0; m--) v = v * q + row[m];
    return v;
  };
  return (c, q1, q2, out) => {
    let k = 0;
    let kd = 0;
    // Horner in c over n
    for (let n = d - 1; n >= 0; n--) {
      const a = fact[n] * beta(q1, n) * beta(q2, n);
      k = k * c + a;
      if (n >= 1) kd = kd * c + n * a;
    }
    out[0] = k;
    out[1] = kd;
  };
}

/** Σⱼ cⱼxʲ and its derivative by Horner's rule */
function polyFns(coef: readonly number[]) {
  const d = coef.length;
  return pointwise(
    (x) => {
      let y = 0;
      for (let j = d - 1; j >= 0; j--) y = y * x + coef[j];
      return y;
    },
    (x) => {
      let y = 0;
      for (let j = d - 1; j >= 1; j--) y = y * x + j * coef[j];
      return y;
    },
  );
}

export const polynomial = activationModule<Spec>({
  names: ['polynomial', 'hermite'],
  is: (s): s is Spec => s.kind === 'polynomial' || s.kind === 'hermite',
  parse(ctx) {
    if (ctx.call.name === 'hermite') {
      const g = new LayerArgs(ctx).take([], [1, 1]);
      const k = g.pos(0, 'k', true, 0);
      if (k >= MAX_COEFFICIENTS) ctx.bad(`\`k\` an integer in [0, ${MAX_COEFFICIENTS - 1}]`, k);
      return { kind: 'hermite', k };
    }
    const g = new LayerArgs(ctx).take([], [1, MAX_COEFFICIENTS]);
    return { kind: 'polynomial', coef: g.positional.map((_, i) => g.pos(i, `c${i}`, false, -Infinity)) };
  },
  format: (s) => (s.kind === 'hermite' ? `hermite(${s.k})` : `polynomial(${s.coef.join(',')})`),
  fns: (s) => polyFns(coefficients(s)),
  kernel(s, method) {
    if (method === 'quadrature') {
      const f = polyFns(coefficients(s));
      return quadratureKernel(f.f, f.df, { breaks: [] });
    }
    return polynomialKernel(coefficients(s));
  },
});
