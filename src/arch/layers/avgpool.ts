/**
 * avgpool(k) — k×k windows, stride k, valid: (h, w, c) → (⌊h/k⌋, ⌊w/k⌋, c) (neural-tangents' AvgPool without
 * padding). Kernel: Σ[q, q′] = (1/k⁴)·Σ_{p∈win(q), p′∈win(q′)} Σ_in[p, p′], which needs the full representation.
 * Linear, so a Gaussian process stays Gaussian.
 */
import { LayerArgs, own } from '../args.js';
import { pairsOf } from '../record.js';
import { size } from '../shape.js';
import type { LayerModule, LayerSpec, Shape } from '../types.js';
import { image, linearOps } from './linear.js';

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

/** k×k average pooling (stride k, valid) of the full kernel representation. */
export function avgPoolFull(src: Float64Array, pairs: number, h: number, w: number, kk: number): Float64Array {
  const oh = Math.floor(h / kk);
  const ow = Math.floor(w / kk);
  const P = h * w;
  const Q = oh * ow;
  const tmp = new Float64Array(P * Q);
  const out = new Float64Array(pairs * Q * Q);
  const inv = 1 / (kk * kk);
  for (let e = 0; e < pairs; e++) {
    tmp.fill(0);
    const ib = e * P * P;
    // pool the second index
    for (let p = 0; p < P; p++) {
      const row = ib + p * P;
      for (let qy = 0; qy < oh; qy++)
        for (let qx = 0; qx < ow; qx++) {
          let s = 0;
          for (let a = 0; a < kk; a++) for (let b = 0; b < kk; b++) s += src[row + (qy * kk + a) * w + qx * kk + b];
          tmp[p * Q + qy * ow + qx] = s * inv;
        }
    }
    // pool the first index
    const ob = e * Q * Q;
    for (let qy = 0; qy < oh; qy++)
      for (let qx = 0; qx < ow; qx++) {
        const orow = ob + (qy * ow + qx) * Q;
        for (let a = 0; a < kk; a++)
          for (let b = 0; b < kk; b++) {
            const p = (qy * kk + a) * w + qx * kk + b;
            for (let q2 = 0; q2 < Q; q2++) out[orow + q2] += tmp[p * Q + q2] * inv;
          }
      }
  }
  return out;
}

interface AvgPoolSpec extends LayerSpec {
  readonly kind: 'avgpool';
  readonly k: number;
}
const isAvgPool = (s: LayerSpec): s is AvgPoolSpec => s.kind === 'avgpool';

export const avgpool: LayerModule = {
  names: ['avgpool'],
  parse(ctx) {
    const a = new LayerArgs(ctx).take([], [1, 1]);
    const spec: AvgPoolSpec = { kind: 'avgpool', k: a.pos(0, 'k', true, 1) };
    return spec;
  },
  format: (l) => `avgpool(${own(l, isAvgPool, 'avgpool').k})`,
  compile(spec, ctx) {
    const { k } = own(spec, isAvgPool, 'avgpool');
    const [h, w, c] = image(ctx, 'an image input (h×w×c)', 'avgpool pools over image positions.');
    if (h < k || w < k) ctx.bad(`an image at least ${k}×${k}`, 'the image is smaller than the pooling window.');
    const outShape: Shape = [Math.floor(h / k), Math.floor(w / k), c];
    return {
      outShape,
      finite: linearOps(
        h * w * c,
        size(outShape),
        (x, n, out) => avgPool(x, n, h, w, c, k, out),
        (g, n, out) => avgPoolBack(g, n, h, w, c, k, out),
        true,
      ),
      analytic: {
        needsFull: true,
        gaussian: (g) => g.gaussian,
        prepare: () => ({
          apply(r, run) {
            const pairs = pairsOf(r);
            return {
              ...r,
              h: run.h,
              w: run.w,
              nngp: avgPoolFull(r.nngp, pairs, r.h, r.w, k),
              ntk: r.ntk ? avgPoolFull(r.ntk, pairs, r.h, r.w, k) : null,
            };
          },
        }),
      },
    };
  },
};
