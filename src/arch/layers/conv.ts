/**
 * conv(channels, kernel[, stride=s, padding=same|valid|circular, wstd= | wvar=, bstd= | bvar=, frozen]) — a square
 * k×k convolution on NHWC images, y_q = s·W·patch_q(x) + s_b·b (affine.ts), weights stored (out, kh, kw, in) = the
 * im2col patch order. `same`: oh = ⌈h/s⌉ with total padding max((oh−1)s + k − h, 0) split floor/ceil (top/left gets
 * the floor), as TensorFlow/JAX; `valid`: oh = ⌊(h−k)/s⌋ + 1; `circular` (neural-tangents' Padding.CIRCULAR): the
 * `same` geometry with the image wrapped around (a torus: position p − pad is read at (p − pad) mod h).
 *
 * Analytic kernel (Novak et al. 2019, "Bayesian deep CNNs…", eq. 7; Arora et al. 2019, "On exact computation…", §4):
 * the affine step with K̃, Θ̃ replaced by their patch averages (1/k²)·Σ_δ K̃[s·q + δ − pad, s·q′ + δ − pad] (zero
 * outside the image; wrapped for `circular`); fan_in = k²·C. As the first layer on a full image record, the patch average of the input
 * kernel is computed directly as a Gram of im2col patches, patch(q)·patch′(q′)/(k²C), by the backend's GEMM.
 */
import { gemm } from '../../linalg/blas.js';
import { simdKernels } from '../../linalg/simd.js';
import { AFFINE_OPTIONS, LayerArgs, affineVariances, formatAffine, own } from '../args.js';
import type { InputBlock, KernelRecord, Spatial } from '../record.js';
import { pairsOf } from '../record.js';
import type { AffineSpec, LayerModule, LayerSpec, Parameterization } from '../types.js';
import { affineFinite, affineKernel } from './affine.js';

export type Padding = 'same' | 'valid' | 'circular';
export const PADDINGS: readonly Padding[] = ['same', 'valid', 'circular'];

export interface ConvSpec extends AffineSpec {
  readonly kind: 'conv';
  readonly channels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: Padding;
}

const isConv = (s: LayerSpec): s is ConvSpec => s.kind === 'conv';

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
  /** `circular`: positions outside the image wrap around instead of reading zeros */
  readonly wrap: boolean;
}

/** i mod n in [0, n) */
const mod = (i: number, n: number): number => ((i % n) + n) % n;

/** The geometry for `padding`; null when the image is smaller than the kernel (valid). */
export function convGeom(
  h: number,
  w: number,
  c: number,
  k: number,
  stride: number,
  padding: Padding,
): ConvGeom | null {
  let oh: number;
  let ow: number;
  let padTop = 0;
  let padLeft = 0;
  if (padding !== 'valid') {
    oh = Math.ceil(h / stride);
    ow = Math.ceil(w / stride);
    padTop = Math.floor(Math.max((oh - 1) * stride + k - h, 0) / 2);
    padLeft = Math.floor(Math.max((ow - 1) * stride + k - w, 0) / 2);
  } else {
    if (h < k || w < k) return null;
    oh = Math.floor((h - k) / stride) + 1;
    ow = Math.floor((w - k) / stride) + 1;
  }
  return { h, w, c, k, stride, padTop, padLeft, oh, ow, P: oh * ow, K: k * k * c, wrap: padding === 'circular' };
}

/** Patches of n NHWC images: (n·P) × K row-major, zero outside the image (`out` must be zeroed). */
export function im2col(
  x: Float64Array,
  n: number,
  g: ConvGeom,
  out: Float64Array = new Float64Array(n * g.P * g.K),
): Float64Array {
  const { h, w, c, k, stride, padTop, padLeft, oh, ow, K } = g;
  const img = h * w * c;
  const rowLen = k * c;
  if (g.wrap) return wrapPatches(x, n, g, out, false);
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
          // an element loop: a subarray per run (k·c values) cost more than the copy and fed the GC
          const src = xo + (yy * w + x0 + kx0) * c;
          const len = (kx1 - kx0) * c;
          const d0 = dst + kx0 * c;
          for (let u = 0; u < len; u++) out[d0 + u] = x[src + u];
        }
      }
    }
  }
  return out;
}

/** Adjoint of im2col: scatter-add (n·P) × K patch cotangents back onto n NHWC images (`out` zeroed). */
export function col2im(
  dp: Float64Array,
  n: number,
  g: ConvGeom,
  out: Float64Array = new Float64Array(n * g.h * g.w * g.c),
): Float64Array {
  const { h, w, c, k, stride, padTop, padLeft, oh, ow, K } = g;
  const img = h * w * c;
  const rowLen = k * c;
  if (g.wrap) return wrapPatches(dp, n, g, out, true);
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

/** `circular` im2col (adjoint false: gather patches into `out`) or col2im (adjoint true: scatter-add `src` into `out`). */
function wrapPatches(src: Float64Array, n: number, g: ConvGeom, out: Float64Array, adjoint: boolean): Float64Array {
  const { h, w, c, k, stride, padTop, padLeft, oh, ow, K } = g;
  const img = h * w * c;
  for (let e = 0; e < n; e++) {
    for (let py = 0; py < oh; py++) {
      for (let px = 0; px < ow; px++) {
        const base = ((e * oh + py) * ow + px) * K;
        for (let ky = 0; ky < k; ky++) {
          const yy = mod(py * stride - padTop + ky, h);
          for (let kx = 0; kx < k; kx++) {
            const xi = e * img + (yy * w + mod(px * stride - padLeft + kx, w)) * c;
            const pi = base + (ky * k + kx) * c;
            if (adjoint) for (let t = 0; t < c; t++) out[xi + t] += src[pi + t];
            else for (let t = 0; t < c; t++) out[pi + t] = src[xi + t];
          }
        }
      }
    }
  }
  return out;
}

/**
 * Per output position q and tap δ, the input position read (row-major over q, then δ = (dy, dx)); −1 outside the
 * image (zero padding). The one place the conv's index map lives for the kernel steps that need it spelled out.
 */
export function tapPositions(g: ConvGeom): Int32Array {
  const { h, w, k, stride: s, padTop, padLeft, oh, ow } = g;
  const out = new Int32Array(oh * ow * k * k);
  for (let qy = 0; qy < oh; qy++)
    for (let qx = 0; qx < ow; qx++)
      for (let dy = 0; dy < k; dy++)
        for (let dx = 0; dx < k; dx++) {
          let y = qy * s + dy - padTop;
          let x = qx * s + dx - padLeft;
          if (g.wrap) {
            y = mod(y, h);
            x = mod(x, w);
          }
          out[((qy * ow + qx) * k + dy) * k + dx] = y < 0 || y >= h || x < 0 || x >= w ? -1 : y * w + x;
        }
  return out;
}

/**
 * The patch average by an explicit tap map (taps[q·T + t] = input position, −1 for none; T taps per output, the
 * average over `T` taps): diag out[q] = (1/T)·Σ_t K[p_t(q)], full out[q, q′] = (1/T)·Σ_t K[p_t(q), p_t(q′)] — the same
 * tap t on both sides (the weight it multiplies is shared). `diagOnly`: full input, only the q = q′ outputs (n × Q).
 */
export function tapAverage(
  src: Float64Array,
  pairs: number,
  spatial: Spatial,
  P: number,
  taps: Int32Array,
  T: number,
  diagOnly = false,
): Float64Array {
  const Q = taps.length / T;
  const inv = 1 / T;
  if (spatial === 'diag' || diagOnly) {
    const out = new Float64Array(pairs * Q);
    const stride = spatial === 'diag' ? 1 : P + 1;
    const per = spatial === 'diag' ? P : P * P;
    for (let e = 0; e < pairs; e++)
      for (let q = 0; q < Q; q++) {
        let acc = 0;
        for (let t = 0; t < T; t++) {
          const p = taps[q * T + t];
          if (p >= 0) acc += src[e * per + p * stride];
        }
        out[e * Q + q] = acc * inv;
      }
    return out;
  }
  const out = new Float64Array(pairs * Q * Q);
  for (let e = 0; e < pairs; e++) {
    const ib = e * P * P;
    const ob = e * Q * Q;
    for (let q = 0; q < Q; q++)
      for (let q2 = 0; q2 < Q; q2++) {
        let acc = 0;
        for (let t = 0; t < T; t++) {
          const p = taps[q * T + t];
          const p2 = taps[q2 * T + t];
          if (p >= 0 && p2 >= 0) acc += src[ib + p * P + p2];
        }
        out[ob + q * Q + q2] = acc * inv;
      }
  }
  return out;
}

/** Patch average (1/k²)·Σ_δ of one array in the full or diag representation. */
export function convAverage(src: Float64Array, pairs: number, spatial: Spatial, g: ConvGeom): Float64Array {
  if (g.wrap) return tapAverage(src, pairs, spatial, g.h * g.w, tapPositions(g), g.k * g.k);
  const { h, w, k, stride: s, padTop: pt, padLeft: pl, oh, ow } = g;
  const P = h * w;
  const Q = oh * ow;
  const inv = 1 / (k * k);
  // valid output range for an offset d along an axis: 0 ≤ q·s + d − pad < size
  const lo = (d: number, pad: number) => Math.max(0, Math.ceil((pad - d) / s));
  const hi = (d: number, pad: number, size: number, n: number) => Math.min(n, Math.floor((size - 1 + pad - d) / s) + 1);
  if (spatial === 'diag') {
    const out = new Float64Array(pairs * Q);
    for (let e = 0; e < pairs; e++) {
      const ib = e * P;
      const ob = e * Q;
      for (let dy = 0; dy < k; dy++) {
        const y0 = lo(dy, pt);
        const y1 = hi(dy, pt, h, oh);
        for (let dx = 0; dx < k; dx++) {
          const x0 = lo(dx, pl);
          const x1 = hi(dx, pl, w, ow);
          for (let qy = y0; qy < y1; qy++) {
            const row = ib + (qy * s + dy - pt) * w + dx - pl;
            const orow = ob + qy * ow;
            for (let qx = x0; qx < x1; qx++) out[orow + qx] += src[row + qx * s];
          }
        }
      }
      for (let q = 0; q < Q; q++) out[ob + q] *= inv;
    }
    return out;
  }
  const out = new Float64Array(pairs * Q * Q);
  for (let e = 0; e < pairs; e++) {
    const ib = e * P * P;
    const ob = e * Q * Q;
    for (let dy = 0; dy < k; dy++) {
      const y0 = lo(dy, pt);
      const y1 = hi(dy, pt, h, oh);
      for (let dx = 0; dx < k; dx++) {
        const x0 = lo(dx, pl);
        const x1 = hi(dx, pl, w, ow);
        for (let qy = y0; qy < y1; qy++) {
          for (let qx = x0; qx < x1; qx++) {
            const p = (qy * s + dy - pt) * w + qx * s + dx - pl;
            const irow = ib + p * P + dx - pl;
            const orow = ob + (qy * ow + qx) * Q;
            for (let qy2 = y0; qy2 < y1; qy2++) {
              const ir = irow + (qy2 * s + dy - pt) * w;
              const or = orow + qy2 * ow;
              for (let qx2 = x0; qx2 < x1; qx2++) out[or + qx2] += src[ir + qx2 * s];
            }
          }
        }
      }
    }
    for (let q = 0; q < Q * Q; q++) out[ob + q] *= inv;
  }
  return out;
}

/** The first conv's patch-averaged input kernel, straight from image patches: patch(q)·patch′(q′)/K per pair. */
function patchGram(g: ConvGeom, b: InputBlock): KernelRecord {
  const pairs = pairsOf(b);
  const Q = g.P;
  const K = g.K;
  const nngp = new Float64Array(pairs * Q * Q);
  const pa = new Float64Array(Q * K);
  const pb = new Float64Array(Q * K);
  const img = b.h * b.w * b.c;
  const t = new Float64Array(Q * Q);
  for (let e = 0; e < pairs; e++) {
    const i = b.self ? e : Math.floor(e / b.n2);
    const j = b.self ? e : e - i * b.n2;
    pa.set(im2col(b.x1.subarray(i * img, (i + 1) * img), 1, g));
    pb.set(b.self ? pa : im2col(b.x2.subarray(j * img, (j + 1) * img), 1, g));
    gemm({ m: Q, n: Q, k: K, a: pa, b: pb, c: t, transB: true, alpha: 1 / K });
    nngp.set(t, e * Q * Q);
  }
  return {
    n1: b.n1,
    n2: b.n2,
    self: b.self,
    spatial: 'full',
    h: g.oh,
    w: g.ow,
    nngp,
    ntk: b.wantNtk ? new Float64Array(0) : null,
    var1: b.var1,
    var2: b.var2,
  };
}

/**
 * patchGram → affineKernel → relu → mean over all position pairs, fused in one vectorized native kernel (cross
 * blocks; the same bits as the three steps: src/linalg/simd.ts); null without it.
 */
function patchGramReluMean(
  g: ConvGeom,
  s: ConvSpec,
  param: Parameterization,
  b: InputBlock,
  var1: Float64Array,
  var2: Float64Array,
): KernelRecord | null {
  const vec = simdKernels();
  if (vec === null || b.self) return null;
  const { P: Q, K } = g;
  const img = b.h * b.w * b.c;
  const patches = () => im2col(b.x1.subarray(0, b.n1 * img), b.n1, g);
  // x2's patches transposed per image (K × Q): the Gram row of a patch of x1 is then a sum of contiguous rows
  const transposed = () => {
    const pb = im2col(b.x2.subarray(0, b.n2 * img), b.n2, g);
    const pbT = new Float64Array(pb.length);
    for (let j = 0; j < b.n2; j++)
      for (let q = 0; q < Q; q++) for (let t = 0; t < K; t++) pbT[(j * K + t) * Q + q] = pb[(j * Q + q) * K + t];
    return pbT;
  };
  // made once per block of rows in a job (the tiles of a row or column share them)
  const m = b.memo;
  const pa = m ? m.memo.get(`conv-pa:${m.i0}:${b.n1}`, patches) : patches();
  const pbT = m ? m.memo.get(`conv-pbT:${m.j0}:${b.n2}`, transposed) : transposed();
  const { sw2, sb2 } = affineVariances(s);
  // how Θ̃ follows from the Gram (affineKernel with avgT = 0): none, ntk (Θ = Σ), standard, frozen (Θ = 0)
  const mode = !b.wantNtk ? 0 : s.frozen ? 3 : param === 'ntk' ? 1 : 2;
  const pairs = b.n1 * b.n2;
  const nngp = new Float64Array(pairs);
  const ntk = b.wantNtk ? new Float64Array(pairs) : null;
  // a diagonal tile of K(x, x) (same block both sides): pairs below the diagonal as the 1 × 1 tiles compute them
  const lowerFirst = b.same === 0 && b.n1 === b.n2;
  vec.convReluMean(
    pa,
    pbT,
    b.n1,
    b.n2,
    Q,
    K,
    1 / K,
    sw2,
    sb2,
    mode,
    K,
    s.bstd !== 0 ? 1 : 0,
    var1,
    var2,
    nngp,
    ntk,
    lowerFirst,
  );
  return { n1: b.n1, n2: b.n2, self: false, spatial: 'flat', h: 1, w: 1, nngp, ntk, var1, var2 };
}

/** The self pass of patchGram → affineKernel → relu → mean over all positions, vectorized (same bits); null without it. */
function patchGramReluSelf(
  g: ConvGeom,
  s: ConvSpec,
  x: Float64Array,
  n: number,
): { conv: Float64Array; act: Float64Array; mean: Float64Array } | null {
  const vec = simdKernels();
  if (vec === null) return null;
  const pa = im2col(x.subarray(0, n * g.h * g.w * g.c), n, g);
  const { sw2, sb2 } = affineVariances(s);
  const out = { conv: new Float64Array(n * g.P), act: new Float64Array(n * g.P), mean: new Float64Array(n) };
  vec.convReluSelf(pa, n, g.P, g.K, 1 / g.K, sw2, sb2, out.conv, out.act, out.mean);
  return out;
}

export const conv: LayerModule = {
  names: ['conv'],
  affine: true,
  convention: 'conv `same` padding as TF/JAX (total max((⌈h/s⌉−1)s+k−h,0), top/left get the floor half)',
  parse(ctx) {
    const a = new LayerArgs(ctx).take([...AFFINE_OPTIONS, 'stride', 'padding'], [2, 2]);
    const padding = a.word('padding', PADDINGS, 'same');
    const spec: ConvSpec = {
      kind: 'conv',
      channels: a.pos(0, 'channels', true, 1),
      kernel: a.pos(1, 'kernel', true, 1),
      stride: a.opt('stride', true, 1, 1),
      padding,
      ...a.affine(),
    };
    return spec;
  },
  format(l) {
    const s = own(l, isConv, 'conv');
    return `conv(${s.channels},${s.kernel}${s.stride !== 1 ? `,stride=${s.stride}` : ''}${s.padding !== 'same' ? `,padding=${s.padding}` : ''}${formatAffine(s)})`;
  },
  compile(spec, ctx) {
    const s = own(spec, isConv, 'conv');
    const shape = ctx.inShape;
    if (shape.length !== 3)
      return ctx.bad(
        'an image input (h×w×c, NHWC)',
        'conv needs image inputs: give the input shape as h,w,c (e.g. --input-shape 28,28,1) and keep the input an image up to conv.',
      );
    const [h, w, c] = shape;
    const geom = convGeom(h, w, c, s.kernel, s.stride, s.padding);
    if (geom === null)
      return ctx.bad(
        `an image at least ${s.kernel}×${s.kernel} for padding=valid`,
        'the image is smaller than the kernel.',
      );
    const k = s.kernel;
    const p = ctx.addParams({
      spec: s,
      fanIn: geom.K,
      out: s.channels,
      kernel: k,
      inChannels: c,
      positions: geom.P,
      // internal (out, kh, kw, in) → PyTorch's (out, in, kh, kw)
      exportWeights: (W) => {
        const t = new Float64Array(W.length);
        for (let o = 0; o < s.channels; o++)
          for (let y = 0; y < k; y++)
            for (let x = 0; x < k; x++)
              for (let ch = 0; ch < c; ch++) t[((o * c + ch) * k + y) * k + x] = W[((o * k + y) * k + x) * c + ch];
        return { shape: [s.channels, c, k, k], data: t };
      },
      manifest: { kernel: k, stride: s.stride, padding: s.padding },
    });
    const rowMap = {
      rows: (n: number) => n * geom.P,
      gather: (x: Float64Array, n: number, out?: Float64Array) => im2col(x, n, geom, out),
      scatter: (dA: Float64Array, n: number, out: Float64Array) => col2im(dA, n, geom, out),
    };
    return {
      outShape: [geom.oh, geom.ow, s.channels],
      param: p,
      finite: affineFinite(p, h * w * c, geom.P * s.channels, rowMap),
      analytic: {
        gaussian: () => true,
        prepare: (_method, param) => ({
          apply(k, run) {
            // fromInput's record already holds the patch average of the input kernel; Θ̃ of the input is 0
            if (run.fusedInput) return affineKernel(k, s, geom.K, param, k.nngp, null, k.spatial, run.h, run.w);
            const pairs = pairsOf(k);
            const avgK = convAverage(k.nngp, pairs, k.spatial, geom);
            const avgT = k.ntk ? convAverage(k.ntk, pairs, k.spatial, geom) : null;
            return affineKernel(k, s, geom.K, param, avgK, avgT, k.spatial, run.h, run.w);
          },
          fromInput: (b) => patchGram(geom, b),
          fromInputReluMean: (b, v1, v2) => patchGramReluMean(geom, s, param, b, v1, v2),
          selfReluMean: (x, n) => patchGramReluSelf(geom, s, x, n),
        }),
      },
    };
  },
};
