/**
 * The pair kernel of any pointwise φ by adaptive quadrature with an error estimate (neural-tangents'
 * `ElementwiseNumerical`, made accurate): for (u, v) ~ N(0, [[q₁, c], [c, q₂]]),
 *   K̃ = E[φ(u)φ(v)],   Σ̇ = E[φ′(u)φ′(v)].
 *
 * Coordinates: u = s₁z₁, v = m + τz₂ with z₁, z₂ iid N(0, 1), s = √q, ρ = c/(s₁s₂), m = ρs₂z₁, τ = s₂√(1 − ρ²), so
 *   K̃ = E_{z₁}[φ(s₁z₁)·g(z₁)],   g(z₁) = E_{z₂}[φ(m + τz₂)]   (and the same with φ′).
 * Both one-dimensional integrals run over [−L, L] (L = 10: the Gaussian mass outside is 1.5e-23) by globally adaptive
 * 41-point Gauss–Kronrod quadrature (the 20-point Gauss rule embedded; error estimate |K₄₁ − G₂₀| sharpened by
 * QUADPACK's heuristic, Piessens et al. 1983, §2.2.1; the panel with the largest estimate is bisected until the sum
 * meets the tolerance). The panels are split where φ has a kink, jump or sharp feature (`breaks`, default [0]): at
 * z₁ = b/s₁ (φ(u)), at z₁ = b/(ρs₂) (where g changes fastest) and at z₂ = (b − m)/τ (φ(v)), so a jump or kink costs
 * nothing and a transition of width ε near a break is resolved by bisection in O(log(1/ε)) panels. The inner
 * tolerance at each outer node is scaled by that node's weight, and the inner estimates are carried into the outer
 * panels' estimates: the returned estimate bounds the whole 2-D error (up to the heuristic).
 * Tolerance: `tol` (default 1e-12) relative to the Cauchy–Schwarz scales √(E[φ(u)²]E[φ(v)²]) for K̃ and
 * √(E[φ′(u)²]E[φ′(v)²]) for Σ̇ (themselves computed first, to 1e-4), i.e. accuracy on the scale of a correlation.
 * Degenerate cases are one-dimensional: ρ = ±1 (τ = 0: g = φ(m)); a zero variance (q = 0: that pre-activation is
 * identically 0, so K̃ = φ(0)·E[φ(v)], Σ̇ = φ′(0)·E[φ′(v)], as the finite network).
 * Cost: ≈ 10⁴ evaluations of φ and φ′ per entry for smooth φ at q ≲ 1, 10⁵–10⁶ for sharp features at large q (tanh at
 * q = 10⁴); closed forms (all built-in activations) are 10³× cheaper. Each 1-D integration stops at 200 panels (its
 * estimate then says how far it got) and at a non-finite integrand (the result is NaN). The truncation to [−L, L]
 * assumes E[φ(u)²] is finite and dominated by |z| ≲ 8 (φ growing like a polynomial or e^{|x|} at moderate q): for
 * e^{x²} at q ≥ ½, where the expectation is infinite, the result is finite and meaningless. The Kronrod constants come from
 * scripts/gen-kronrod.py (80-digit mpmath).
 */
import type { PairKernel } from './activations.js';

// the 41-point Kronrod nodes on [0, 1] (the Gauss nodes are XK[1], XK[3], …, XK[19]) and weights
const XK = [
  0.0, 0.07652652113349734, 0.15260546524092267, 0.22778585114164507, 0.301627868114913, 0.37370608871541955,
  0.4435931752387251, 0.5108670019508271, 0.5751404468197103, 0.636053680726515, 0.6932376563347514, 0.7463319064601508,
  0.7950414288375512, 0.8391169718222188, 0.878276811252282, 0.912234428251326, 0.9408226338317548, 0.9639719272779138,
  0.9815078774502503, 0.9931285991850949, 0.9988590315882777,
];
const WK = [
  0.07660071191799965, 0.07637786767208074, 0.07570449768455667, 0.07458287540049918, 0.07303069033278667,
  0.07105442355344407, 0.06864867292852161, 0.06583459713361842, 0.06265323755478117, 0.05911140088063957,
  0.05519510534828599, 0.05094457392372869, 0.04643482186749767, 0.041668873327973685, 0.036600169758200796,
  0.0312873067770328, 0.02588213360495116, 0.020388373461266523, 0.014626169256971253, 0.008600269855642943,
  0.0030735837185205317,
];
const WG = [
  0.15275338713072584, 0.14917298647260374, 0.14209610931838204, 0.13168863844917664, 0.11819453196151841,
  0.10193011981724044, 0.08327674157670475, 0.06267204833410907, 0.04060142980038694, 0.017614007139152118,
];
const NK = 41;
// the rule on [−1, 1], node i: X[i], Kronrod weight K[i], Gauss weight G[i] (0 at the added nodes)
const X = new Float64Array(NK);
const K = new Float64Array(NK);
const G = new Float64Array(NK);
for (let i = 0; i < 21; i++) {
  X[20 - i] = -XK[i];
  X[20 + i] = XK[i];
  K[20 - i] = K[20 + i] = WK[i];
  G[20 - i] = G[20 + i] = i % 2 === 1 ? WG[(i - 1) / 2] : 0;
}

const L = 10;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const EPS = 2.220446049250313e-16;
/** most panels one integration may use before it stops refining (its estimate then says how far it got) */
const MAX_PANELS = 200;

/** A two-component integrand: writes F₀(x), F₁(x) into out[0], out[1] and their own error bounds into out[2], out[3]. */
type Integrand = (x: number, out: Float64Array) => void;

/** Globally adaptive Gauss–Kronrod quadrature of a two-component integrand over given breakpoints (reusable buffers). */
class Adaptive {
  private cap = 64;
  private a = new Float64Array(this.cap);
  private b = new Float64Array(this.cap);
  private r = new Float64Array(2 * this.cap);
  private e = new Float64Array(2 * this.cap);
  /** each panel's rounding floor 50·ε·|I| (an error no refinement removes) */
  private fl = new Float64Array(2 * this.cap);
  private n = 0;
  private readonly f0 = new Float64Array(NK);
  private readonly f1 = new Float64Array(NK);
  private readonly o = new Float64Array(4);
  /** evaluations of the integrand so far (for tests and benchmarks) */
  evals = 0;

  private grow(): void {
    const cap = this.cap * 2;
    const copy = (x: Float64Array, len: number) => {
      const y = new Float64Array(len);
      y.set(x);
      return y;
    };
    this.a = copy(this.a, cap);
    this.b = copy(this.b, cap);
    this.r = copy(this.r, 2 * cap);
    this.e = copy(this.e, 2 * cap);
    this.fl = copy(this.fl, 2 * cap);
    this.cap = cap;
  }

  /** the K₄₁ value and error estimate of one panel, stored at index k */
  private panel(F: Integrand, lo: number, hi: number, k: number): void {
    const c = 0.5 * (lo + hi);
    const h = 0.5 * (hi - lo);
    const { f0, f1, o } = this;
    let k0 = 0;
    let k1 = 0;
    let g0 = 0;
    let g1 = 0;
    let in0 = 0;
    let in1 = 0;
    for (let i = 0; i < NK; i++) {
      F(c + h * X[i], o);
      f0[i] = o[0];
      f1[i] = o[1];
      k0 += K[i] * o[0];
      k1 += K[i] * o[1];
      g0 += G[i] * o[0];
      g1 += G[i] * o[1];
      in0 += K[i] * o[2];
      in1 += K[i] * o[3];
    }
    this.evals += NK;
    // QUADPACK's estimate: resasc·min(1, (200·|K − G|/resasc)^{3/2}), resasc = ∫|F − mean F| by the Kronrod rule
    const m0 = 0.5 * k0;
    const m1 = 0.5 * k1;
    let a0 = 0;
    let a1 = 0;
    for (let i = 0; i < NK; i++) {
      a0 += K[i] * Math.abs(f0[i] - m0);
      a1 += K[i] * Math.abs(f1[i] - m1);
    }
    const est = (d: number, asc: number) => (asc > 0 && d > 0 ? asc * Math.min(1, (200 * d) / asc) ** 1.5 : d);
    this.a[k] = lo;
    this.b[k] = hi;
    this.r[2 * k] = k0 * h;
    this.r[2 * k + 1] = k1 * h;
    this.e[2 * k] = est(Math.abs(k0 - g0) * h, a0 * h) + in0 * h;
    this.e[2 * k + 1] = est(Math.abs(k1 - g1) * h, a1 * h) + in1 * h;
    this.fl[2 * k] = 50 * EPS * a0 * h + 50 * EPS * Math.abs(k0 * h);
    this.fl[2 * k + 1] = 50 * EPS * a1 * h + 50 * EPS * Math.abs(k1 * h);
  }

  /** ∫ F over [pts[0], pts[np − 1]] (pts sorted) to absolute tolerances tol0, tol1; res = [I₀, I₁, err₀, err₁] */
  integrate(F: Integrand, pts: Float64Array, np: number, tol0: number, tol1: number, res: Float64Array): void {
    this.n = 0;
    for (let i = 0; i + 1 < np; i++) {
      if (!(pts[i + 1] > pts[i])) continue;
      if (this.n === this.cap) this.grow();
      this.panel(F, pts[i], pts[i + 1], this.n++);
    }
    for (;;) {
      const { e, fl } = this; // (grow() replaces the buffers)
      // refine until the estimates meet the tolerance (or the rounding floor, which refining cannot lower)
      let e0 = 0;
      let e1 = 0;
      let f0 = 0;
      let f1 = 0;
      let worst = -1;
      let wv = -1;
      for (let k = 0; k < this.n; k++) {
        e0 += e[2 * k];
        e1 += e[2 * k + 1];
        f0 += fl[2 * k];
        f1 += fl[2 * k + 1];
        const v = e[2 * k] / tol0 + e[2 * k + 1] / tol1;
        if (v > wv) {
          wv = v;
          worst = k;
        }
      }
      // (a non-finite integrand, NaN estimates: refining cannot help; the result says NaN)
      if ((e0 <= tol0 + f0 && e1 <= tol1 + f1) || worst < 0 || this.n >= MAX_PANELS || !Number.isFinite(e0 + e1)) break;
      const lo = this.a[worst];
      const hi = this.b[worst];
      const mid = 0.5 * (lo + hi);
      if (!(mid > lo && mid < hi)) break;
      if (this.n === this.cap) this.grow();
      // the worst panel's halves: one in its slot, one appended
      this.panel(F, lo, mid, worst);
      this.panel(F, mid, hi, this.n++);
    }
    let r0 = 0;
    let r1 = 0;
    let e0 = 0;
    let e1 = 0;
    for (let k = 0; k < this.n; k++) {
      r0 += this.r[2 * k];
      r1 += this.r[2 * k + 1];
      e0 += this.e[2 * k] + this.fl[2 * k];
      e1 += this.e[2 * k + 1] + this.fl[2 * k + 1];
    }
    res[0] = r0;
    res[1] = r1;
    res[2] = e0;
    res[3] = e1;
  }
}

/** Sorted breakpoints −L, 0, L and the given cuts inside (−L, L), into buf (insertion sort: a few points); returns how many. */
function points(cuts: readonly number[], buf: Float64Array): number {
  buf[0] = -L;
  buf[1] = 0;
  buf[2] = L;
  let n = 3;
  for (const c of cuts) {
    if (!(c > -L && c < L) || c === 0) continue;
    let i = n++;
    while (buf[i - 1] > c) {
      buf[i] = buf[i - 1];
      i--;
    }
    buf[i] = c;
  }
  return n;
}

export interface QuadratureOptions {
  /**
   * Points where φ or φ′ jumps, has a kink or changes over a short length (default [0]; [] for a φ smooth
   * everywhere). Features elsewhere are found by the adaptive bisection, less reliably.
   */
  readonly breaks?: readonly number[];
  /** relative tolerance on the Cauchy–Schwarz scale of each kernel (default 1e-12) */
  readonly tol?: number;
}

/**
 * K̃ and Σ̇ of a pointwise φ (σ′ = df) by adaptive 2-D Gauss–Kronrod quadrature: writes K̃, Σ̇ into out[0], out[1]
 * and, when out has room, their error estimates into out[2], out[3].
 */
export function quadratureKernel(
  f: (x: number) => number,
  df: (x: number) => number,
  opts: QuadratureOptions = {},
): PairKernel & { readonly evals: () => number } {
  const breaks = opts.breaks ?? [0];
  const tol = opts.tol ?? 1e-12;
  const outer = new Adaptive();
  const inner = new Adaptive();
  const obuf = new Float64Array(3 + 2 * breaks.length);
  const ipts = new Float64Array(3 + breaks.length);
  const res = new Float64Array(4);
  const ires = new Float64Array(4);
  const cuts: number[] = [];
  // the state the integrands read
  let s1 = 0;
  let m0 = 0;
  let mslope = 0;
  let tau = 0;
  let itol0 = 0;
  let itol1 = 0;
  /** E_z[φ(s·z)²], E_z[φ′(s·z)²] and E_z[φ(s·z)], E_z[φ′(s·z)] use this scale */
  let sc = 0;
  const sq: Integrand = (z, o) => {
    const w = Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
    const x = sc * z;
    const a = f(x);
    const d = df(x);
    o[0] = w * a * a;
    o[1] = w * d * d;
    o[2] = 0;
    o[3] = 0;
  };
  const mean: Integrand = (z, o) => {
    const w = Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
    const x = sc * z;
    o[0] = w * f(x);
    o[1] = w * df(x);
    o[2] = 0;
    o[3] = 0;
  };
  // inner: w(z₂)·φ(m + τz₂), w(z₂)·φ′(m + τz₂)
  const inn: Integrand = (z, o) => {
    const w = Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
    const v = m0 + tau * z;
    o[0] = w * f(v);
    o[1] = w * df(v);
    o[2] = 0;
    o[3] = 0;
  };
  // outer: w(z₁)·φ(s₁z₁)·g(z₁) (τ = 0: g = φ(ρs₂z₁))
  const out2: Integrand = (z, o) => {
    const w = Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
    const fu = f(s1 * z);
    const dfu = df(s1 * z);
    m0 = mslope * z;
    if (tau === 0) {
      o[0] = w * fu * f(m0);
      o[1] = w * dfu * df(m0);
      o[2] = 0;
      o[3] = 0;
      return;
    }
    const wf = w * Math.abs(fu);
    const wd = w * Math.abs(dfu);
    if (wf === 0 && wd === 0) {
      o[0] = 0;
      o[1] = 0;
      o[2] = 0;
      o[3] = 0;
      return;
    }
    cuts.length = 0;
    for (const b of breaks) cuts.push((b - m0) / tau);
    const np = points(cuts, ipts);
    // inner errors δ move the outer integral by ∫w·|φ(u)|·δ ≤ δ·√E[φ(u)²]: itol is already divided by that
    inner.integrate(inn, ipts, np, itol0, itol1, ires);
    o[0] = w * fu * ires[0];
    o[1] = w * dfu * ires[1];
    o[2] = wf * ires[2];
    o[3] = wd * ires[3];
  };
  const oneD = (fn: Integrand, s: number, t0: number, t1: number): void => {
    sc = s;
    cuts.length = 0;
    if (s > 0) for (const b of breaks) cuts.push(b / s);
    outer.integrate(fn, obuf, points(cuts, obuf), t0, t1, res);
  };
  /** E_z[φ(s·z)²], E_z[φ′(s·z)²] (to 1e-4: they only set the tolerances); 0, 0 for s = 0 */
  const meanSquares = (s: number): [number, number] => {
    if (!(s > 0)) return [0, 0];
    oneD(sq, s, 1e-4, 1e-4);
    return [res[0], res[1]];
  };
  const kernel = (c: number, q1: number, q2: number, out: Float64Array): void => {
    const a1 = Math.sqrt(Math.max(q1, 0));
    const a2 = Math.sqrt(Math.max(q2, 0));
    // the Cauchy–Schwarz scales E[φ(u)²], E[φ′(u)²] of both sides set the absolute tolerances
    const [p0, p1] = meanSquares(a1);
    const [r0, r1] = meanSquares(a2);
    let e0 = 0;
    let e1 = 0;
    if (a1 === 0 && a2 === 0) {
      out[0] = f(0) * f(0);
      out[1] = df(0) * df(0);
    } else if (a1 === 0 || a2 === 0) {
      // one side is identically 0: K̃ = φ(0)·E[φ(v)], Σ̇ = φ′(0)·E[φ′(v)]
      const f0 = f(0);
      const d0 = df(0);
      oneD(mean, a1 === 0 ? a2 : a1, tol * Math.sqrt(r0 + p0) || 1e-300, tol * Math.sqrt(r1 + p1) || 1e-300);
      out[0] = f0 * res[0];
      out[1] = d0 * res[1];
      e0 = Math.abs(f0) * res[2];
      e1 = Math.abs(d0) * res[3];
    } else {
      const t0 = tol * Math.sqrt(p0 * r0) || 1e-300;
      const t1 = tol * Math.sqrt(p1 * r1) || 1e-300;
      let rho = c / (a1 * a2);
      if (rho > 1) rho = 1;
      else if (rho < -1) rho = -1;
      s1 = a1;
      mslope = rho * a2;
      tau = a2 * Math.sqrt((1 - rho) * (1 + rho));
      itol0 = (0.3 * t0) / (Math.sqrt(p0) || 1);
      itol1 = (0.3 * t1) / (Math.sqrt(p1) || 1);
      cuts.length = 0;
      for (const b of breaks) {
        cuts.push(b / a1);
        if (rho !== 0) cuts.push(b / mslope);
      }
      outer.integrate(out2, obuf, points(cuts, obuf), 0.7 * t0, 0.7 * t1, res);
      out[0] = res[0];
      out[1] = res[1];
      e0 = res[2];
      e1 = res[3];
    }
    if (out.length >= 4) {
      out[2] = e0;
      out[3] = e1;
    }
  };
  return Object.assign(kernel, { evals: () => outer.evals + inner.evals });
}
