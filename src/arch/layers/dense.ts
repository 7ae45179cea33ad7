/**
 * dense(out[, wstd=σ_w | wvar=σ_w², bstd=σ_b | bvar=σ_b², frozen]) — a fully connected layer y = s·W·a + s_b·b on the
 * feature axis (ntk parameterization s = σ_w/√fan_in, s_b = σ_b; standard s = s_b = 1 with W ~ N(0, σ_w²/fan_in),
 * b ~ N(0, σ_b²)).
 * Defaults σ_w = 1, σ_b = 0 (no bias parameter). Weights stored (out, in). Kernel: affine.ts (Jacot et al. 2018).
 *
 * On an input with positions (an image h×w×c, or a sequence T×1×d) it acts on the channel axis at every position with
 * shared weights, (h, w, c) → (h, w, out), as neural-tangents' Dense (channel_axis = −1): the same map as a 1×1
 * convolution, so the affine rows are the positions (fan_in = c) and the kernel step is the affine one applied
 * entry by entry in the record's spatial representation (the patch average of a 1×1 window is the identity).
 */
import { AFFINE_OPTIONS, LayerArgs, formatAffine, own } from '../args.js';
import type { AffineSpec, LayerModule, LayerSpec, Shape } from '../types.js';
import { affineFinite, affineKernel } from './affine.js';

export interface DenseSpec extends AffineSpec {
  readonly kind: 'dense';
  readonly out: number;
}

const isDense = (s: LayerSpec): s is DenseSpec => s.kind === 'dense';

export const dense: LayerModule = {
  names: ['dense'],
  affine: true,
  parse(ctx) {
    const a = new LayerArgs(ctx).take(AFFINE_OPTIONS, [1, 1]);
    const spec: DenseSpec = { kind: 'dense', out: a.pos(0, 'out', true, 1), ...a.affine() };
    return spec;
  },
  format(l) {
    const s = own(l, isDense, 'dense');
    return `dense(${s.out}${formatAffine(s)})`;
  },
  compile(spec, ctx) {
    const s = own(spec, isDense, 'dense');
    const shape = ctx.inShape;
    // the feature axis is the last one; an image's positions are rows with shared weights
    const d = shape[shape.length - 1];
    const positions = shape.length === 3 ? shape[0] * shape[1] : 1;
    const outShape: Shape = shape.length === 3 ? [shape[0], shape[1], s.out] : [s.out];
    const p = ctx.addParams({
      spec: s,
      fanIn: d,
      out: s.out,
      kernel: 1,
      inChannels: d,
      positions,
      exportWeights: (W) => ({ shape: [s.out, d], data: W }),
    });
    return {
      outShape,
      param: p,
      finite: affineFinite(p, positions * d, positions * s.out, null),
      analytic: {
        gaussian: () => true,
        prepare: (_method, param) => ({
          apply: (k) => affineKernel(k, s, d, param, k.nngp, k.ntk, k.spatial, k.h, k.w),
        }),
      },
    };
  },
};
