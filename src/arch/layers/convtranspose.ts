/**
 * convtranspose(channels, kernel[, stride=s, padding=same|valid, wstd= | wvar=, bstd= | bvar=, frozen]) — neural-tangents'
 * ConvTranspose = JAX's lax.conv_transpose (transpose_kernel=False): the input is dilated by the stride (s − 1 zeros
 * between pixels), padded by (a, b) per axis and correlated with the k×k kernel:
 *   y[o] = s_w·Σ_δ W[δ]·x̂[o + δ − a] + s_b·b,   x̂[i·s] = x[i] (zero elsewhere),
 *   `valid`: a = k − 1, output h·s + max(k − s, 0);   `same`: a = k − 1 if s > k − 1 else ⌈(k + s − 2)/2⌉, output h·s.
 * Fan-in (the 1/√fan_in of the NTK parameterization) k²·C, as NT, although an output reads only about k²/s² taps.
 * `circular` (NT's wrap-and-fold) is not supported.
 * Weights stored (out, kh, kw, in) as conv; exported as PyTorch's ConvTranspose2d weight (in, out, kh, kw), spatially
 * flipped: PyTorch's ConvTranspose2d(stride=s, padding=k − 1 − a) computes y at the same positions (its output size
 * may differ at the bottom/right by output_padding); the manifest gives a as `padBefore`.
 *
 * Analytic kernel (NT's _conv_kernel_*_transpose): Σ[o, o′] = σ_w²·(1/k²)·Σ_δ K̃[i(o, δ), i(o′, δ)] + σ_b² (terms
 * without an input pixel are 0), Θ as for conv (affine.ts) — the conv step with the transposed tap map.
 */
import { AFFINE_OPTIONS, LayerArgs, formatAffine, own } from '../args.js';
import { pairsOf } from '../record.js';
import type { AffineSpec, LayerModule, LayerSpec } from '../types.js';
import { affineFinite, affineKernel } from './affine.js';
import { tapAverage } from './conv.js';

export interface ConvTransposeSpec extends AffineSpec {
  readonly kind: 'convtranspose';
  readonly channels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: 'same' | 'valid';
}
const isConvT = (s: LayerSpec): s is ConvTransposeSpec => s.kind === 'convtranspose';

/** JAX's conv_transpose padding before the dilated input, and the output size, along one axis. */
export function transposeAxis(n: number, k: number, s: number, padding: 'same' | 'valid'): { a: number; out: number } {
  if (padding === 'valid') return { a: k - 1, out: n * s + Math.max(k - s, 0) };
  return { a: s > k - 1 ? k - 1 : Math.ceil((k + s - 2) / 2), out: n * s };
}

/** Per output position and tap (dy, dx), the input pixel read, or −1 (a dilation zero or padding). */
function transposeTaps(h: number, w: number, k: number, s: number, padding: 'same' | 'valid') {
  const ay = transposeAxis(h, k, s, padding);
  const ax = transposeAxis(w, k, s, padding);
  const src = (o: number, d: number, a: number, n: number) => {
    const j = o + d - a;
    return j >= 0 && j % s === 0 && j / s < n ? j / s : -1;
  };
  const oh = ay.out;
  const ow = ax.out;
  const taps = new Int32Array(oh * ow * k * k);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let dy = 0; dy < k; dy++)
        for (let dx = 0; dx < k; dx++) {
          const iy = src(oy, dy, ay.a, h);
          const ix = src(ox, dx, ax.a, w);
          taps[((oy * ow + ox) * k + dy) * k + dx] = iy < 0 || ix < 0 ? -1 : iy * w + ix;
        }
  return { taps, oh, ow, padBefore: ay.a };
}

/** Rows of n images by a tap map: (n·Q) × (T·c), row (e, q) = the c channels of each tap's pixel (zero for −1). */
function tapGather(x: Float64Array, n: number, taps: Int32Array, T: number, P: number, c: number, out: Float64Array) {
  const Q = taps.length / T;
  for (let e = 0; e < n; e++)
    for (let q = 0; q < Q; q++)
      for (let t = 0; t < T; t++) {
        const p = taps[q * T + t];
        if (p < 0) continue;
        const src = (e * P + p) * c;
        out.set(x.subarray(src, src + c), ((e * Q + q) * T + t) * c);
      }
  return out;
}

/** Adjoint of tapGather (into a zeroed `out`). */
function tapScatter(d: Float64Array, n: number, taps: Int32Array, T: number, P: number, c: number, out: Float64Array) {
  const Q = taps.length / T;
  for (let e = 0; e < n; e++)
    for (let q = 0; q < Q; q++)
      for (let t = 0; t < T; t++) {
        const p = taps[q * T + t];
        if (p < 0) continue;
        const dst = (e * P + p) * c;
        const src = ((e * Q + q) * T + t) * c;
        for (let ch = 0; ch < c; ch++) out[dst + ch] += d[src + ch];
      }
  return out;
}

export const convtranspose: LayerModule = {
  names: ['convtranspose'],
  affine: true,
  convention:
    'convtranspose as JAX lax.conv_transpose (transpose_kernel=False); W exported as torch ConvTranspose2d (in, out, kh, kw), flipped',
  parse(ctx) {
    const a = new LayerArgs(ctx).take([...AFFINE_OPTIONS, 'stride', 'padding'], [2, 2]);
    if (a.named.get('padding') === 'circular')
      ctx.bad('`padding` same or valid (circular transposed convolutions are not supported)', 'circular');
    const spec: ConvTransposeSpec = {
      kind: 'convtranspose',
      channels: a.pos(0, 'channels', true, 1),
      kernel: a.pos(1, 'kernel', true, 1),
      stride: a.opt('stride', true, 1, 1),
      padding: a.word('padding', ['same', 'valid'], 'same'),
      ...a.affine(),
    };
    return spec;
  },
  format(l) {
    const s = own(l, isConvT, 'convtranspose');
    return `convtranspose(${s.channels},${s.kernel}${s.stride !== 1 ? `,stride=${s.stride}` : ''}${s.padding !== 'same' ? `,padding=${s.padding}` : ''}${formatAffine(s)})`;
  },
  compile(spec, ctx) {
    const s = own(spec, isConvT, 'convtranspose');
    const shape = ctx.inShape;
    if (shape.length !== 3)
      return ctx.bad(
        'an image input (h×w×c, NHWC)',
        'convtranspose needs image inputs: give the input shape as h,w,c and keep the input an image up to convtranspose.',
      );
    const [h, w, c] = shape;
    const k = s.kernel;
    const T = k * k;
    const K = T * c;
    const { taps, oh, ow, padBefore } = transposeTaps(h, w, k, s.stride, s.padding);
    const Q = oh * ow;
    const P = h * w;
    const p = ctx.addParams({
      spec: s,
      fanIn: K,
      out: s.channels,
      kernel: k,
      inChannels: c,
      positions: Q,
      // (out, kh, kw, in) → torch ConvTranspose2d (in, out, kh, kw), kernel flipped in both spatial axes
      exportWeights: (W) => {
        const t = new Float64Array(W.length);
        for (let o = 0; o < s.channels; o++)
          for (let y = 0; y < k; y++)
            for (let x = 0; x < k; x++)
              for (let ch = 0; ch < c; ch++)
                t[((ch * s.channels + o) * k + (k - 1 - y)) * k + (k - 1 - x)] = W[((o * k + y) * k + x) * c + ch];
        return { shape: [c, s.channels, k, k], data: t };
      },
      manifest: { kernel: k, stride: s.stride, padding: s.padding, padBefore },
    });
    const rowMap = {
      rows: (n: number) => n * Q,
      gather: (x: Float64Array, n: number, out?: Float64Array) =>
        tapGather(x, n, taps, T, P, c, out ?? new Float64Array(n * Q * K)),
      scatter: (dA: Float64Array, n: number, out: Float64Array) => tapScatter(dA, n, taps, T, P, c, out),
    };
    return {
      outShape: [oh, ow, s.channels],
      param: p,
      finite: affineFinite(p, h * w * c, Q * s.channels, rowMap),
      analytic: {
        gaussian: () => true,
        prepare: (_method, param) => ({
          apply(r, run) {
            const pairs = pairsOf(r);
            const avgK = tapAverage(r.nngp, pairs, r.spatial, P, taps, T);
            const avgT = r.ntk ? tapAverage(r.ntk, pairs, r.spatial, P, taps, T) : null;
            return affineKernel(r, s, K, param, avgK, avgT, r.spatial, run.h, run.w);
          },
        }),
      },
    };
  },
};
