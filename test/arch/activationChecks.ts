// Shared checks for activation layers (test/arch; test/arch/helpers.ts holds the combinators' Monte-Carlo helpers): one activation step's pair kernel, central finite differences of
// the finite network, structured = Jacobian-contraction empirical NTK, Monte Carlo of finite networks vs analytic,
// and an independent reference for E[φ(u)φ(v)] (composite Gauss–Legendre, geometric grading toward the breaks).
import assert from 'node:assert/strict';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { monteCarloNtk } from '../../src/empirical/montecarlo.js';
import { empiricalNtk } from '../../src/empirical/ntk.js';
import { Matrix } from '../../src/linalg/index.js';
import { apply, buildNetwork, forward, init, jvp, vjp } from '../../src/nn/network.js';
import { Rng } from '../../src/util/random.js';
import { randn } from './helpers.js';

/** [K̃, Σ̇] of the activation layer `act` at (c, q₁, q₂): one flat record through its analytic step (Θ_in = 1). */
export function pairKernel(act: string, method: 'exact' | 'quadrature', q1: number, q2: number, c: number): number[] {
  const net = buildNetwork(`dense(2),${act}`, [1]);
  const step = net.nodes[1].analytic.prepare(method, 'ntk');
  const rec = {
    n1: 1,
    n2: 1,
    self: false,
    spatial: 'flat' as const,
    h: 1,
    w: 1,
    nngp: Float64Array.of(c),
    ntk: Float64Array.of(1),
    var1: Float64Array.of(q1),
    var2: Float64Array.of(q2),
  };
  const r = step.apply(rec, { h: 1, w: 1, fusedInput: false, run: () => rec });
  return [r.nngp[0], (r.ntk as Float64Array)[0]];
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);

/**
 * Central finite differences of L = Σ C ⊙ f(X; θ) against the VJP (every parameter and input entry) and against the
 * JVP along random tangents of θ and of the input (through one layer's jvp, the input tangent direction).
 */
export function gradCheck(arch: string, inputShape: number[], n = 3, tol = 1e-6): void {
  const net = buildNetwork(arch, inputShape);
  const params = init(net, new Rng(7));
  const X = randn(n, net.inDim, 11);
  const C = randn(n, net.outDim, 13);
  const { tape } = forward(params, X);
  const { grad, dx } = vjp(tape, C);
  const h = 1e-6;
  const loss = (theta: Float64Array, x: Matrix) => dot(C.data, apply({ net, theta }, x).data);
  const scale = Math.max(1, ...Array.from(grad, Math.abs));
  for (let i = 0; i < net.numParams; i++) {
    const t = params.theta.slice();
    t[i] += h;
    const up = loss(t, X);
    t[i] -= 2 * h;
    const fd = (up - loss(t, X)) / (2 * h);
    assert.ok(Math.abs(grad[i] - fd) <= tol * scale, `${arch}: θ[${i}] vjp ${grad[i]} vs fd ${fd}`);
  }
  const dscale = Math.max(1, ...Array.from((dx as Matrix).data, Math.abs));
  for (let i = 0; i < X.data.length; i++) {
    const x = X.clone();
    x.data[i] += h;
    const up = loss(params.theta, x);
    x.data[i] -= 2 * h;
    const fd = (up - loss(params.theta, x)) / (2 * h);
    assert.ok(Math.abs((dx as Matrix).data[i] - fd) <= tol * dscale, `${arch}: x[${i}] vjp vs fd ${fd}`);
  }
  // forward mode: ⟨C, J u⟩ equals the finite difference of L along u (θ tangent)
  const u = new Rng(17).normals(net.numParams);
  const { tangentOut } = jvp(params, X, u);
  const tp = params.theta.map((v, i) => v + h * u[i]);
  const tm = params.theta.map((v, i) => v - h * u[i]);
  const fd = (loss(tp, X) - loss(tm, X)) / (2 * h);
  const lhs = dot(C.data, tangentOut.data);
  assert.ok(Math.abs(lhs - fd) <= tol * Math.max(1, Math.abs(fd)), `${arch}: jvp ${lhs} vs fd ${fd}`);
}

/** max |structured − Jacobian-contraction| / max |Jacobian| of the empirical NTK (trace and full outputs). */
export function structuredVsJacobian(arch: string, inputShape: number[]): number {
  const net = buildNetwork(arch, inputShape);
  const params = init(net, new Rng(3));
  const X = randn(4, net.inDim, 5);
  const X2 = randn(3, net.inDim, 6);
  let worst = 0;
  for (const outputs of ['trace', 'full'] as const) {
    const ref = empiricalNtk(params, X, X2, { implementation: 'jacobian', outputs });
    const got = empiricalNtk(params, X, X2, { outputs });
    let m = 0;
    let s = 0;
    for (let i = 0; i < ref.data.length; i++) {
      m = Math.max(m, Math.abs(got.data[i] - ref.data[i]));
      s = Math.max(s, Math.abs(ref.data[i]));
    }
    worst = Math.max(worst, m / s);
  }
  return worst;
}

const relF = (a: Float64Array, b: Float64Array) => {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
};

/**
 * Relative Frobenius errors [NNGP, NTK] of Monte-Carlo means of finite networks `arch(w)` (ending in a dense(1)
 * readout; the NNGP with a 256-wide readout) against the analytic kernel, on 4 fixed inputs.
 */
export async function monteCarloErrors(
  arch: (w: number) => string,
  inputShape: number[],
  w: number,
  samples = 16,
): Promise<number[]> {
  const d = inputShape.reduce((a, b) => a * b, 1);
  const X = randn(4, d, 5);
  const an = await kernelFn(arch(w), { inputShape, workers: 0 })(X, null, 'both');
  const mc = monteCarloNtk(buildNetwork(arch(w), inputShape), X, null, { samples, seed: 3 });
  const net = buildNetwork(arch(w).replace(/dense\(1\)$/, 'dense(256)'), inputShape);
  const K = new Float64Array(16);
  for (let s = 0; s < samples; s++) {
    const Y = apply(init(net, new Rng(100 + s)), X);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        let v = 0;
        for (let o = 0; o < 256; o++) v += Y.data[i * 256 + o] * Y.data[j * 256 + o];
        K[i * 4 + j] += v / 256 / samples;
      }
  }
  return [relF(K, an.nngp.data), relF(mc.mean.data, an.ntk.data)];
}

// ---------------------------------------------------------------------------------------------------------------
// Reference quadrature: nested composite Gauss–Legendre over [−9, 9]² (u = s₁z₁, v = s₂(ρz₁ + √(1−ρ²)z₂)), panels
// of width ≤ 0.5 with 12 nodes, split at the breaks and graded geometrically (×2 from 1e-5) toward them — no adaptivity, no error
// estimate, a different rule from the production code (adaptive Gauss–Kronrod, or the tanh mixture).

function legendre(n: number): { x: number[]; w: number[] } {
  const x: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      pp = (n * (z * p1 - p2)) / (z * z - 1);
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) < 1e-16) break;
    }
    x.push(z);
    w.push(2 / ((1 - z * z) * pp * pp));
  }
  return { x, w };
}
const GL = legendre(12);

function composite(a: number, b: number, pts: number[]): { X: number[]; W: number[] } {
  const cuts = new Set([a, b]);
  for (const p of pts) {
    if (!(Number.isFinite(p) && p > a && p < b)) continue;
    cuts.add(p);
    for (let d = 1e-5; d < b - a; d *= 2) {
      if (p - d > a) cuts.add(p - d);
      if (p + d < b) cuts.add(p + d);
    }
  }
  const c = [...cuts].sort((x, y) => x - y);
  const X: number[] = [];
  const W: number[] = [];
  for (let i = 0; i + 1 < c.length; i++) {
    const k = Math.max(1, Math.ceil((c[i + 1] - c[i]) / 0.5));
    for (let j = 0; j < k; j++) {
      const lo = c[i] + ((c[i + 1] - c[i]) * j) / k;
      const hi = c[i] + ((c[i + 1] - c[i]) * (j + 1)) / k;
      for (let g = 0; g < GL.x.length; g++) {
        X.push((lo + hi) / 2 + ((hi - lo) / 2) * GL.x[g]);
        W.push(((hi - lo) / 2) * GL.w[g]);
      }
    }
  }
  return { X, W };
}

/** [E φ(u)φ(v), E φ′(u)φ′(v)] by the reference rule (positive variances). */
export function referencePair(
  f: (x: number) => number,
  df: (x: number) => number,
  c: number,
  q1: number,
  q2: number,
  breaks: number[] = [0],
): number[] {
  const s1 = Math.sqrt(q1);
  const s2 = Math.sqrt(q2);
  const rho = Math.max(-1, Math.min(1, c / (s1 * s2)));
  const rb = Math.sqrt((1 - rho) * (1 + rho));
  const outer = composite(
    -9,
    9,
    breaks.flatMap((b) => [b / s1, rho !== 0 ? b / (s2 * rho) : NaN]),
  );
  const N = 1 / Math.sqrt(2 * Math.PI);
  let k = 0;
  let kd = 0;
  for (let i = 0; i < outer.X.length; i++) {
    const z1 = outer.X[i];
    const w1 = outer.W[i] * Math.exp((-z1 * z1) / 2) * N;
    let g = 0;
    let gd = 0;
    if (rb === 0) {
      g = f(s2 * rho * z1);
      gd = df(s2 * rho * z1);
    } else {
      const inner = composite(
        -9,
        9,
        breaks.map((b) => (b / s2 - rho * z1) / rb),
      );
      for (let j = 0; j < inner.X.length; j++) {
        const z2 = inner.X[j];
        const w2 = inner.W[j] * Math.exp((-z2 * z2) / 2) * N;
        const v = s2 * (rho * z1 + rb * z2);
        g += w2 * f(v);
        gd += w2 * df(v);
      }
    }
    k += w1 * f(s1 * z1) * g;
    kd += w1 * df(s1 * z1) * gd;
  }
  return [k, kd];
}
