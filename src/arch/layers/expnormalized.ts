/**
 * expnormalized(γ, shift) (defaults 1, −1): neural-tangents' ExpNormalized, the "Gaussian normalized kernel" of
 * Shankar, Fang, Guo, Fridovich-Keil, Schmidt, Ragan-Kelley & Recht (2020, "Neural kernels without tangents", p. 6):
 *   K̃ = √(q₁q₂)·e^{γ(ρ + shift)},   Σ̇ = γ·e^{γ(ρ + shift)},   ρ = c/√(q₁q₂)   (0 when a variance is 0).
 * neural-tangents defines only the kernel (its finite-width apply_fn raises). Here the finite layer is the network
 * whose infinite-width kernel this is: per example (and per position of an image), with r = √(mean over the
 * features/channels of x²) (r → √q at infinite width),
 *   f(x)ᵢ = C·r·√2·sin(√γ·xᵢ/r + π/4),   C = e^{γ(1 + shift)/2},
 * because E[2 sin(√γû + π/4) sin(√γv̂ + π/4)] = e^{−γ(1−ρ)} for unit-variance û, v̂ with correlation ρ (the rbf
 * identity, sin.ts) gives K̃ = √(q₁q₂)·C²·e^{−γ(1−ρ)}, and E[f′f′] = γ·e^{γ(ρ + shift)}. Its derivative includes the
 * dependence through r (the finite-difference tests check it); that part is O(1/width) per feature and drops out
 * of the infinite-width NTK, as for a layer norm. r = 0 (an all-zero input) gives f = 0 and a zero derivative.
 */
import type { FiniteOps, LayerSpec, Shape } from '../types.js';
import { type PairKernel, activationModule, numbers, pointwise, quadratureKernel } from './activations.js';

export interface ExpNormalizedSpec extends LayerSpec {
  readonly kind: 'expnormalized';
  readonly gamma: number;
  readonly shift: number;
}

/**
 * A kernel of the normalized pre-activations: K̃ = √(q₁q₂)·k̃(ρ), Σ̇ = σ̇(ρ) for unit(ρ) writing k̃, σ̇ (0 when a
 * variance is 0: that input is all zeros, and so is the layer's output and derivative).
 */
function normalized(unit: (rho: number, out: Float64Array) => void): PairKernel {
  return (c, q1, q2, out) => {
    if (!(q1 > 0 && q2 > 0)) {
      out[0] = 0;
      out[1] = 0;
      return;
    }
    const s = Math.sqrt(q1 * q2);
    let rho = c / s;
    if (rho > 1) rho = 1;
    else if (rho < -1) rho = -1;
    unit(rho, out);
    out[0] *= s;
  };
}

export function expNormalizedKernel(gamma: number, shift: number): PairKernel {
  return normalized((rho, out) => {
    const e = Math.exp(gamma * (rho + shift));
    out[0] = e;
    out[1] = gamma * e;
  });
}

/** C = √2·e^{γ(1 + shift)/2} and √γ: f = C·r·sin(√γ·x/r + π/4) */
const constants = (s: ExpNormalizedSpec) => ({
  C: Math.SQRT2 * Math.exp((s.gamma * (1 + s.shift)) / 2),
  sg: Math.sqrt(s.gamma),
});

/** σ, σ′ of the normalized input (r = 1) */
const unitFns = (s: ExpNormalizedSpec) => {
  const { C, sg } = constants(s);
  return pointwise(
    (x) => C * Math.sin(sg * x + Math.PI / 4),
    (x) => C * sg * Math.cos(sg * x + Math.PI / 4),
  );
};

/** The finite layer (module header), normalizing over the last axis (features, or channels at each position). */
function finite(s: ExpNormalizedSpec, inShape: Shape): FiniteOps {
  const group = inShape[inShape.length - 1];
  const size = inShape.reduce((a, b) => a * b, 1);
  const { C, sg } = constants(s);
  const rms = (x: Float64Array, o: number) => {
    let ss = 0;
    for (let i = 0; i < group; i++) ss += x[o + i] * x[o + i];
    return Math.sqrt(ss / group);
  };
  const fwd = (x: Float64Array, y: Float64Array) => {
    for (let o = 0; o < x.length; o += group) {
      const r = rms(x, o);
      for (let i = 0; i < group; i++) y[o + i] = r > 0 ? C * r * Math.sin((sg * x[o + i]) / r + Math.PI / 4) : 0;
    }
  };
  return {
    forward(x, n, ctx) {
      const y = ctx.buf('f', n * size, false);
      fwd(x, y);
      return y;
    },
    backward(g, n, saved, ctx, wantDx) {
      if (!wantDx) return null;
      // dxₖ = C·[√γ·gₖ·cos θₖ + (xₖ/(G·r))·Σᵢ gᵢ·(sin θᵢ − √γ·(xᵢ/r)·cos θᵢ)],  θᵢ = √γ·xᵢ/r + π/4
      const x = saved.x;
      const dx = ctx.buf('b', n * size, false);
      for (let o = 0; o < x.length; o += group) {
        const r = rms(x, o);
        if (!(r > 0)) {
          dx.fill(0, o, o + group);
          continue;
        }
        let t = 0;
        for (let i = 0; i < group; i++) {
          const th = (sg * x[o + i]) / r + Math.PI / 4;
          t += g[o + i] * (Math.sin(th) - ((sg * x[o + i]) / r) * Math.cos(th));
        }
        for (let k = 0; k < group; k++) {
          const th = (sg * x[o + k]) / r + Math.PI / 4;
          dx[o + k] = C * (sg * g[o + k] * Math.cos(th) + (x[o + k] / (group * r)) * t);
        }
      }
      return dx;
    },
    jvp(x, dx) {
      const y = new Float64Array(x.length);
      const dy = new Float64Array(x.length);
      fwd(x, y);
      if (dx === null) return { y, dy };
      for (let o = 0; o < x.length; o += group) {
        const r = rms(x, o);
        if (!(r > 0)) continue;
        let xdx = 0;
        for (let k = 0; k < group; k++) xdx += x[o + k] * dx[o + k];
        for (let i = 0; i < group; i++) {
          const th = (sg * x[o + i]) / r + Math.PI / 4;
          dy[o + i] =
            C *
            (sg * Math.cos(th) * dx[o + i] +
              (Math.sin(th) - ((sg * x[o + i]) / r) * Math.cos(th)) * (xdx / (group * r)));
        }
      }
      return { y, dy };
    },
  };
}

export const expnormalized = activationModule<ExpNormalizedSpec>({
  names: ['expnormalized'],
  is: (s): s is ExpNormalizedSpec => s.kind === 'expnormalized',
  parse(ctx) {
    const [gamma, shift] = numbers(ctx, ['gamma', 'shift'], [1, -1]);
    if (!(gamma >= 0)) ctx.bad('`gamma` a number ≥ 0', gamma);
    return { kind: 'expnormalized', gamma, shift };
  },
  format: (s) => (s.gamma === 1 && s.shift === -1 ? 'expnormalized' : `expnormalized(${s.gamma},${s.shift})`),
  // σ, σ′ at r = 1 (the scalar functions are used only by `method: 'quadrature'`, on unit-variance inputs)
  fns: unitFns,
  finite,
  kernel(s, method) {
    if (method !== 'quadrature') return expNormalizedKernel(s.gamma, s.shift);
    // the quadrature of the normalized activation: û = u/√q₁ and v̂ = v/√q₂ have unit variance and correlation ρ
    const f = unitFns(s);
    const q = quadratureKernel(f.f, f.df, { breaks: [] });
    return normalized((rho, out) => q(rho, 1, 1, out));
  },
});
