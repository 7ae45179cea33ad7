/**
 * convlocal(channels, kernel[, stride=s, padding=same|valid|circular, wstd= | wvar=, bstd= | bvar=, frozen]) — a
 * locally connected layer (neural-tangents' ConvLocal, "LCN"): a conv whose k×k filters and biases are not shared
 * over positions, y_q = s_w·W_q·patch_q(x) + s_b·b_q, patches and geometry as conv (conv.ts), fan-in k²·C.
 * Weights stored (out, position, kh, kw, in), biases (position, out) (NT's per-position bias); exported as
 * (out, oh, ow, in, kh, kw) and (oh·ow, out).
 *
 * The structured empirical NTK contracts its factors with the patches placed in their position's block of a row of
 * length P·k²·C (ParamLayer.fanIn; the 1/√fan_in scaling uses k²·C): unshared weights contribute only equal
 * positions, s_w²·Σ_q (g_q·g′_q)(a_q·a′_q). Its memory is P× a conv's: meant for early layers and small images.
 *
 * Analytic kernel (NT's _conv_kernel_full_spatial_unshared): different positions have independent weights, so only
 * the equal-position entries survive: Σ[q, q] = σ_w²·(1/k²)·Σ_δ K̃[p_δ(q), p_δ(q)] + σ_b² (the conv's patch average of
 * the diagonal), Σ[q, q′ ≠ q] = 0; Θ likewise (affine.ts). On the full representation the off-diagonal entries are
 * stored as 0 (a following activation and pooling see them), as NT does.
 */
import { gemm } from '../../linalg/blas.js';
import { AFFINE_OPTIONS, LayerArgs, formatAffine, own } from '../args.js';
import { type KernelRecord, pairsOf, toDiag } from '../record.js';
import type { AffineSpec, LayerModule, LayerSpec, Parameterization, ParamLayer } from '../types.js';
import { affineKernel } from './affine.js';
import { type ConvGeom, PADDINGS, type Padding, col2im, convAverage, convGeom, im2col } from './conv.js';

export interface ConvLocalSpec extends AffineSpec {
  readonly kind: 'convlocal';
  readonly channels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: Padding;
}
const isConvLocal = (s: LayerSpec): s is ConvLocalSpec => s.kind === 'convlocal';

/** Y (n·P × out) = s_w·(per position q: A_q·W_qᵀ) + beta·Y (+ s_b·b_q when `bias` is given). */
function localRows(
  W: Float64Array,
  bias: Float64Array | null,
  p: ParamLayer,
  g: ConvGeom,
  A: Float64Array,
  n: number,
  Y: Float64Array,
  beta: number,
): Float64Array {
  const { P, K } = g;
  const out = p.out;
  for (let q = 0; q < P; q++)
    gemm({
      m: n,
      n: out,
      k: K,
      a: A.subarray(q * K),
      lda: P * K,
      b: W.subarray(q * K),
      ldb: P * K,
      transB: true,
      c: Y.subarray(q * out),
      ldc: P * out,
      alpha: p.wScale,
      beta,
    });
  if (bias) for (let e = 0; e < n; e++) for (let i = 0; i < P * out; i++) Y[e * P * out + i] += p.bScale * bias[i];
  return Y;
}

/** The patches in their position's block: (n·P) × (P·K), row (e, q) holds patch (e, q) at columns [qK, (q+1)K). */
function blockRows(A: Float64Array, n: number, g: ConvGeom, out: Float64Array): Float64Array {
  const { P, K } = g;
  for (let e = 0; e < n; e++)
    for (let q = 0; q < P; q++) {
      const r = e * P + q;
      out.set(A.subarray(r * K, (r + 1) * K), r * P * K + q * K);
    }
  return out;
}

/** The convlocal step: the conv's patch average of the equal-position entries; zeros elsewhere on `full`. */
function localKernel(
  k: KernelRecord,
  s: ConvLocalSpec,
  g: ConvGeom,
  param: Parameterization,
  h: number,
  w: number,
): KernelRecord {
  const pairs = pairsOf(k);
  const Pin = k.h * k.w;
  const full = k.spatial === 'full';
  const diag = (a: Float64Array) => convAverage(full ? toDiag(a, pairs, Pin) : a, pairs, 'diag', g);
  const r = affineKernel(k, s, g.K, param, diag(k.nngp), k.ntk ? diag(k.ntk) : null, 'diag', h, w);
  if (!full) return r;
  const Q = g.P;
  const expand = (d: Float64Array) => {
    const o = new Float64Array(pairs * Q * Q);
    for (let e = 0; e < pairs; e++) for (let q = 0; q < Q; q++) o[e * Q * Q + q * Q + q] = d[e * Q + q];
    return o;
  };
  return { ...r, spatial: 'full', nngp: expand(r.nngp), ntk: r.ntk ? expand(r.ntk) : null };
}

export const convlocal: LayerModule = {
  names: ['convlocal'],
  affine: true,
  convention: 'convlocal W stored (out, position, kh, kw, in), bias (position, out)',
  parse(ctx) {
    const a = new LayerArgs(ctx).take([...AFFINE_OPTIONS, 'stride', 'padding'], [2, 2]);
    const spec: ConvLocalSpec = {
      kind: 'convlocal',
      channels: a.pos(0, 'channels', true, 1),
      kernel: a.pos(1, 'kernel', true, 1),
      stride: a.opt('stride', true, 1, 1),
      padding: a.word('padding', PADDINGS, 'same'),
      ...a.affine(),
    };
    return spec;
  },
  format(l) {
    const s = own(l, isConvLocal, 'convlocal');
    return `convlocal(${s.channels},${s.kernel}${s.stride !== 1 ? `,stride=${s.stride}` : ''}${s.padding !== 'same' ? `,padding=${s.padding}` : ''}${formatAffine(s)})`;
  },
  compile(spec, ctx) {
    const s = own(spec, isConvLocal, 'convlocal');
    const shape = ctx.inShape;
    if (shape.length !== 3)
      return ctx.bad(
        'an image input (h×w×c, NHWC)',
        'convlocal needs image inputs: give the input shape as h,w,c and keep the input an image up to convlocal.',
      );
    const [h, w, c] = shape;
    const g = convGeom(h, w, c, s.kernel, s.stride, s.padding);
    if (g === null)
      return ctx.bad(
        `an image at least ${s.kernel}×${s.kernel} for padding=valid`,
        'the image is smaller than the kernel.',
      );
    const { P, K, k } = g;
    const out = s.channels;
    const p = ctx.addParams({
      spec: s,
      fanIn: P * K,
      scaleFanIn: K,
      out,
      kernel: k,
      inChannels: c,
      positions: P,
      biasPositions: P,
      // (out, q, kh, kw, in) → (out, oh, ow, in, kh, kw)
      exportWeights: (W) => {
        const t = new Float64Array(W.length);
        for (let o = 0; o < out; o++)
          for (let q = 0; q < P; q++)
            for (let y = 0; y < k; y++)
              for (let x = 0; x < k; x++)
                for (let ch = 0; ch < c; ch++)
                  t[(((o * P + q) * c + ch) * k + y) * k + x] = W[(o * P + q) * K + (y * k + x) * c + ch];
        return { shape: [out, g.oh, g.ow, c, k, k], data: t };
      },
      manifest: { kernel: k, stride: s.stride, padding: s.padding },
    });
    const inSize = h * w * c;
    const Wof = (theta: Float64Array) => theta.subarray(p.wOffset, p.wOffset + p.wSize);
    const bOf = (theta: Float64Array) => (p.bOffset >= 0 ? theta.subarray(p.bOffset, p.bOffset + p.bSize) : null);
    return {
      outShape: [g.oh, g.ow, out],
      param: p,
      finite: {
        forward(x, n, fctx) {
          const A = im2col(x, n, g, fctx.buf('p', n * P * K, true));
          if (fctx.keep) fctx.saved.aux = A;
          return localRows(Wof(fctx.theta), bOf(fctx.theta), p, g, A, n, fctx.buf('f', n * P * out, false), 0);
        },
        backward(gr, n, saved, bctx, wantDx) {
          const A = saved.aux ?? im2col(saved.x, n, g, bctx.buf('p', n * P * K, true));
          if (bctx.terms && !p.frozen)
            bctx.terms.push({ layer: p, A: blockRows(A, n, g, bctx.buf('x', n * P * P * K, true)), G: gr });
          if (bctx.grad && !p.frozen && n > 0) {
            const dW = Wof(bctx.grad);
            for (let q = 0; q < P; q++)
              gemm({
                m: out,
                n: K,
                k: n,
                a: gr.subarray(q * out),
                lda: P * out,
                transA: true,
                b: A.subarray(q * K),
                ldb: P * K,
                c: dW.subarray(q * K),
                ldc: P * K,
                alpha: p.wScale,
                beta: 1,
              });
            const db = bOf(bctx.grad);
            if (db)
              for (let e = 0; e < n; e++) for (let i = 0; i < P * out; i++) db[i] += p.bScale * gr[e * P * out + i];
          }
          if (!wantDx) return null;
          const W = Wof(bctx.theta);
          const dA = bctx.buf('d', n * P * K, false);
          for (let q = 0; q < P; q++)
            gemm({
              m: n,
              n: K,
              k: out,
              a: gr.subarray(q * out),
              lda: P * out,
              b: W.subarray(q * K),
              ldb: P * K,
              c: dA.subarray(q * K),
              ldc: P * K,
              alpha: p.wScale,
            });
          return col2im(dA, n, g, bctx.buf('b', n * inSize, true));
        },
        jvp(x, dx, n, jctx) {
          const A = im2col(x, n, g);
          const y = localRows(Wof(jctx.theta), bOf(jctx.theta), p, g, A, n, new Float64Array(n * P * out), 0);
          // dy = s·(dA Wᵀ + A dWᵀ) + s_b·db per position
          const dy = localRows(Wof(jctx.tangent), bOf(jctx.tangent), p, g, A, n, new Float64Array(n * P * out), 0);
          if (dx !== null) localRows(Wof(jctx.theta), null, p, g, im2col(dx, n, g), n, dy, 1);
          return { y, dy };
        },
      },
      analytic: {
        gaussian: () => true,
        prepare: (_method, param) => ({ apply: (r, run) => localKernel(r, s, g, param, run.h, run.w) }),
      },
    };
  },
};
