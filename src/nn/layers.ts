/**
 * Layer primitives on batched row-major buffers: activations with their derivatives, im2col / col2im for NHWC
 * convolutions, average pooling. Every gradient rule of the finite networks lives here or in network.ts.
 */
import type { AbReluSpec, ActivationSpec } from './arch.js';
import { erf, normalCdf, normalPdf } from './special.js';

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

function pointwise(f: (x: number) => number, df: (x: number) => number): ActivationFns {
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

export function activation(spec: ActivationSpec | AbReluSpec): ActivationFns {
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
      return pointwise(erf, (x) => TWO_OVER_SQRT_PI * Math.exp(-x * x));
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

/** Geometry of a conv layer on one NHWC example: output oh×ow, patches of K = k·k·c ordered (kh, kw, c). */
export interface ConvGeom {
  readonly h: number;
  readonly w: number;
  readonly c: number;
  readonly k: number;
  readonly stride: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly oh: number;
  readonly ow: number;
  /** output positions per example, oh·ow */
  readonly P: number;
  /** patch length k·k·c */
  readonly K: number;
}

/**
 * `same`: oh = ⌈h/s⌉ with total padding max((oh−1)s + k − h, 0) split floor/ceil (top/left gets the floor), as
 * TensorFlow/JAX. `valid`: oh = ⌊(h−k)/s⌋ + 1. Returns null when the image is smaller than the kernel (valid).
 */
export function convGeom(
  h: number,
  w: number,
  c: number,
  k: number,
  stride: number,
  padding: 'same' | 'valid',
): ConvGeom | null {
  let oh: number;
  let ow: number;
  let padTop = 0;
  let padLeft = 0;
  if (padding === 'same') {
    oh = Math.ceil(h / stride);
    ow = Math.ceil(w / stride);
    padTop = Math.floor(Math.max((oh - 1) * stride + k - h, 0) / 2);
    padLeft = Math.floor(Math.max((ow - 1) * stride + k - w, 0) / 2);
  } else {
    if (h < k || w < k) return null;
    oh = Math.floor((h - k) / stride) + 1;
    ow = Math.floor((w - k) / stride) + 1;
  }
  return { h, w, c, k, stride, padTop, padLeft, oh, ow, P: oh * ow, K: k * k * c };
}

/**
 * Patches of n NHWC images: (n·P) × K row-major, zero outside the image. Functions here that take `out` write into
 * it (it must be zero where they do not write: im2col, col2im, avgPool, avgPoolBack and gap need a zeroed `out`).
 */
export function im2col(
  x: Float64Array,
  n: number,
  g: ConvGeom,
  out: Float64Array = new Float64Array(n * g.P * g.K),
): Float64Array {
  const { h, w, c, k, stride, padTop, padLeft, oh, ow, K } = g;
  const img = h * w * c;
  const rowLen = k * c;
  for (let e = 0; e < n; e++) {
    const xo = e * img;
    for (let py = 0; py < oh; py++) {
      for (let px = 0; px < ow; px++) {
        const base = ((e * oh + py) * ow + px) * K;
        const y0 = py * stride - padTop;
        const x0 = px * stride - padLeft;
        for (let ky = 0; ky < k; ky++) {
          const yy = y0 + ky;
          if (yy < 0 || yy >= h) continue;
          const dst = base + ky * rowLen;
          // contiguous run of kw positions × c channels, clipped to the image
          const kx0 = Math.max(0, -x0);
          const kx1 = Math.min(k, w - x0);
          if (kx1 <= kx0) continue;
          const src = xo + (yy * w + x0 + kx0) * c;
          out.set(x.subarray(src, src + (kx1 - kx0) * c), dst + kx0 * c);
        }
      }
    }
  }
  return out;
}

/** Adjoint of im2col: scatter-add (n·P) × K patch cotangents back onto n NHWC images. */
export function col2im(
  dp: Float64Array,
  n: number,
  g: ConvGeom,
  out: Float64Array = new Float64Array(n * g.h * g.w * g.c),
): Float64Array {
  const { h, w, c, k, stride, padTop, padLeft, oh, ow, K } = g;
  const img = h * w * c;
  const rowLen = k * c;
  for (let e = 0; e < n; e++) {
    const xo = e * img;
    for (let py = 0; py < oh; py++) {
      for (let px = 0; px < ow; px++) {
        const base = ((e * oh + py) * ow + px) * K;
        const y0 = py * stride - padTop;
        const x0 = px * stride - padLeft;
        for (let ky = 0; ky < k; ky++) {
          const yy = y0 + ky;
          if (yy < 0 || yy >= h) continue;
          const kx0 = Math.max(0, -x0);
          const kx1 = Math.min(k, w - x0);
          if (kx1 <= kx0) continue;
          const src = base + ky * rowLen + kx0 * c;
          const dst = xo + (yy * w + x0 + kx0) * c;
          const len = (kx1 - kx0) * c;
          for (let t = 0; t < len; t++) out[dst + t] += dp[src + t];
        }
      }
    }
  }
  return out;
}

/** k×k average pooling, stride k, valid: (n,h,w,c) → (n,⌊h/k⌋,⌊w/k⌋,c). */
export function avgPool(
  x: Float64Array,
  n: number,
  h: number,
  w: number,
  c: number,
  k: number,
  out: Float64Array = new Float64Array(n * Math.floor(h / k) * Math.floor(w / k) * c),
): Float64Array {
  const oh = Math.floor(h / k);
  const ow = Math.floor(w / k);
  const inv = 1 / (k * k);
  for (let e = 0; e < n; e++) {
    for (let py = 0; py < oh; py++) {
      for (let px = 0; px < ow; px++) {
        const o = ((e * oh + py) * ow + px) * c;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const s = ((e * h + py * k + ky) * w + px * k + kx) * c;
            for (let ch = 0; ch < c; ch++) out[o + ch] += x[s + ch];
          }
        }
        for (let ch = 0; ch < c; ch++) out[o + ch] *= inv;
      }
    }
  }
  return out;
}

/** Adjoint of avgPool. */
export function avgPoolBack(
  g: Float64Array,
  n: number,
  h: number,
  w: number,
  c: number,
  k: number,
  out: Float64Array = new Float64Array(n * h * w * c),
): Float64Array {
  const oh = Math.floor(h / k);
  const ow = Math.floor(w / k);
  const inv = 1 / (k * k);
  for (let e = 0; e < n; e++) {
    for (let py = 0; py < oh; py++) {
      for (let px = 0; px < ow; px++) {
        const o = ((e * oh + py) * ow + px) * c;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const s = ((e * h + py * k + ky) * w + px * k + kx) * c;
            for (let ch = 0; ch < c; ch++) out[s + ch] = g[o + ch] * inv;
          }
        }
      }
    }
  }
  return out;
}

/** Global average pool: (n, hw, c) → (n, c). */
export function gap(
  x: Float64Array,
  n: number,
  hw: number,
  c: number,
  out: Float64Array = new Float64Array(n * c),
): Float64Array {
  const inv = 1 / hw;
  for (let e = 0; e < n; e++) {
    for (let p = 0; p < hw; p++) {
      const s = (e * hw + p) * c;
      for (let ch = 0; ch < c; ch++) out[e * c + ch] += x[s + ch];
    }
    for (let ch = 0; ch < c; ch++) out[e * c + ch] *= inv;
  }
  return out;
}

/** Adjoint of gap. */
export function gapBack(
  g: Float64Array,
  n: number,
  hw: number,
  c: number,
  out: Float64Array = new Float64Array(n * hw * c),
): Float64Array {
  const inv = 1 / hw;
  for (let e = 0; e < n; e++) {
    for (let p = 0; p < hw; p++) {
      const s = (e * hw + p) * c;
      for (let ch = 0; ch < c; ch++) out[s + ch] = g[e * c + ch] * inv;
    }
  }
  return out;
}
