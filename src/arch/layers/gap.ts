/**
 * gap — global average pooling, the mean over positions: (h, w, c) → (c) (neural-tangents' GlobalAvgPool). Kernel:
 * the mean over all position pairs (p, p′) (full representation); an activation right before it fuses with it in
 * cross blocks (activations.ts). Linear, so a Gaussian process stays Gaussian.
 * gsp — global sum pooling, the sum over positions (NT's GlobalSumPool): P·gap, so its kernel is P²·(gap's kernel),
 * P = h·w (not fused with a preceding activation).
 */
import { LayerArgs, own } from '../args.js';
import { flattenRecord } from '../record.js';
import type { LayerModule, LayerSpec } from '../types.js';
import { image, linearOps } from './linear.js';

/** Global average pool: (n, hw, c) → (n, c). */
export function globalAvgPool(
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

/** Adjoint of globalAvgPool. */
export function globalAvgPoolBack(
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

/** Global sum pool: (n, hw, c) → (n, c). */
function globalSumPool(x: Float64Array, n: number, hw: number, c: number, out: Float64Array): Float64Array {
  for (let e = 0; e < n; e++)
    for (let p = 0; p < hw; p++) {
      const s = (e * hw + p) * c;
      for (let ch = 0; ch < c; ch++) out[e * c + ch] += x[s + ch];
    }
  return out;
}

/** Adjoint of globalSumPool. */
function globalSumPoolBack(g: Float64Array, n: number, hw: number, c: number, out: Float64Array): Float64Array {
  for (let e = 0; e < n; e++) for (let p = 0; p < hw; p++) out.set(g.subarray(e * c, (e + 1) * c), (e * hw + p) * c);
  return out;
}

const isGap = (s: LayerSpec): s is LayerSpec & { kind: 'gap' | 'gsp' } => s.kind === 'gap' || s.kind === 'gsp';

export const gap: LayerModule = {
  names: ['gap', 'gsp'],
  flattens: true,
  parse(ctx) {
    new LayerArgs(ctx).take([], [0, 0]);
    return { kind: ctx.call.name === 'gsp' ? 'gsp' : 'gap' };
  },
  format: (l) => own(l, isGap, 'gap').kind,
  compile(spec, ctx) {
    const sum = own(spec, isGap, 'gap').kind === 'gsp';
    const [h, w, c] = image(
      ctx,
      'an image input (h×w×c)',
      `${sum ? 'gsp' : 'gap'} turns an image into a vector; the input is already flat.`,
    );
    const P = h * w;
    return {
      outShape: [c],
      finite: linearOps(
        P * c,
        c,
        (x, n, out) =>
          sum ? globalSumPool(x, n, P, c, out ?? new Float64Array(n * c)) : globalAvgPool(x, n, P, c, out),
        (g, n, out) => (sum ? globalSumPoolBack(g, n, P, c, out) : globalAvgPoolBack(g, n, P, c, out)),
        false,
      ),
      analytic: {
        needsFull: true,
        meanAllPositions: !sum,
        outRep: () => 'flat',
        gaussian: (g) => g.gaussian,
        prepare: () => ({
          apply(r) {
            const f = flattenRecord(r, 'all');
            if (!sum) return f;
            const P2 = (r.h * r.w) ** 2;
            return { ...f, nngp: f.nngp.map((v) => v * P2), ntk: f.ntk ? f.ntk.map((v) => v * P2) : null };
          },
        }),
      },
    };
  },
};
