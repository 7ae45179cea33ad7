/**
 * gap — global average pooling, the mean over positions: (h, w, c) → (c) (neural-tangents' GlobalAvgPool). Kernel:
 * the mean over all position pairs (p, p′) (full representation); an activation right before it fuses with it in
 * cross blocks (activations.ts). Linear, so a Gaussian process stays Gaussian.
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

const isGap = (s: LayerSpec): s is LayerSpec & { kind: 'gap' } => s.kind === 'gap';

export const gap: LayerModule = {
  names: ['gap'],
  flattens: true,
  parse(ctx) {
    new LayerArgs(ctx).take([], [0, 0]);
    return { kind: 'gap' };
  },
  format: (l) => own(l, isGap, 'gap').kind,
  compile(spec, ctx) {
    own(spec, isGap, 'gap');
    const [h, w, c] = image(
      ctx,
      'an image input (h×w×c)',
      'gap turns an image into a vector; the input is already flat.',
    );
    return {
      outShape: [c],
      finite: linearOps(
        h * w * c,
        c,
        (x, n, out) => globalAvgPool(x, n, h * w, c, out),
        (g, n, out) => globalAvgPoolBack(g, n, h * w, c, out),
        false,
      ),
      analytic: {
        needsFull: true,
        meanAllPositions: true,
        outRep: () => 'flat',
        gaussian: (g) => g.gaussian,
        prepare: () => ({
          apply: (r) => flattenRecord(r, 'all'),
        }),
      },
    };
  },
};
