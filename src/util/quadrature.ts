/**
 * Gauss–Hermite quadrature for expectations over standard normals.
 *
 * Nodes xᵢ and weights wᵢ of the physicists' rule ∫ e^{−x²} f(x) dx ≈ Σ wᵢ f(xᵢ) (Golub & Welsch 1969; computed here by
 * Newton's method on the three-term recurrence of the orthonormal Hermite polynomials, Numerical Recipes §4.6
 * `gauher`), returned as the probabilists' rule E_{z~N(0,1)}[f(z)] ≈ Σ ωᵢ f(zᵢ) with zᵢ = √2·xᵢ, ωᵢ = wᵢ/√π.
 * The rule is exact for polynomials of degree ≤ 2m − 1.
 */
import { InvalidArgumentError, NumericalError } from '../errors.js';

export interface GaussHermite {
  /** nodes zᵢ for N(0, 1), ascending */
  readonly nodes: Float64Array;
  /** weights ωᵢ, summing to 1 */
  readonly weights: Float64Array;
}

const cache = new Map<number, GaussHermite>();

/** The m-point Gauss–Hermite rule for E_{z~N(0,1)}[f(z)] (1 ≤ m ≤ 200). */
export function gaussHermite(m: number): GaussHermite {
  if (!Number.isInteger(m) || m < 1 || m > 200)
    throw new InvalidArgumentError('gaussHermite', 'm', 'an integer in [1, 200]', m);
  const hit = cache.get(m);
  if (hit) return hit;
  const x = new Float64Array(m);
  const w = new Float64Array(m);
  const PIM4 = 0.7511255444649425; // π^{-1/4}
  let z = 0;
  const half = Math.floor((m + 1) / 2);
  for (let i = 0; i < half; i++) {
    // initial guesses (Numerical Recipes)
    if (i === 0) z = Math.sqrt(2 * m + 1) - 1.85575 * (2 * m + 1) ** -0.16667;
    else if (i === 1) z -= (1.14 * m ** 0.426) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * x[0];
    else if (i === 3) z = 1.91 * z - 0.91 * x[1];
    else z = 2 * z - x[i - 2];
    let pp = 0;
    let it = 0;
    for (; it < 100; it++) {
      let p1 = PIM4;
      let p2 = 0;
      for (let j = 1; j <= m; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * m) * p2;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-15 * Math.max(1, Math.abs(z))) break;
    }
    if (it === 100)
      throw new NumericalError(
        'no_convergence',
        `gaussHermite: Newton iteration for node ${i} of ${m} did not converge`,
      );
    x[i] = z;
    x[m - 1 - i] = -z;
    w[i] = 2 / (pp * pp);
    w[m - 1 - i] = w[i];
  }
  const nodes = new Float64Array(m);
  const weights = new Float64Array(m);
  const invSqrtPi = 1 / Math.sqrt(Math.PI);
  for (let i = 0; i < m; i++) {
    // x is descending; store ascending
    nodes[i] = Math.SQRT2 * x[m - 1 - i];
    weights[i] = w[m - 1 - i] * invSqrtPi;
  }
  const rule = { nodes, weights };
  cache.set(m, rule);
  return rule;
}
