/**
 * dense(out[, wstd=σ_w | wvar=σ_w², bstd=σ_b | bvar=σ_b², frozen]) — a fully connected layer y = s·W·a + s_b·b on a flat input
 * (ntk parameterization s = σ_w/√fan_in, s_b = σ_b; standard s = s_b = 1 with W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²)).
 * Defaults σ_w = 1, σ_b = 0 (no bias parameter). Weights stored (out, in). Kernel: affine.ts (Jacot et al. 2018).
 */
import { AFFINE_OPTIONS, LayerArgs, formatAffine, own } from '../args.js';
import type { AffineSpec, LayerModule, LayerSpec } from '../types.js';
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
    if (shape.length !== 1) {
      const flat = ctx
        .namesWith((m) => m.flattens === true)
        .sort()
        .map((n) => `\`${n}\``);
      ctx.bad(
        'a flat input',
        `dense needs a flat vector per example: put ${flat.join(' or ')} between the image layers and \`dense\`.`,
      );
    }
    const d = shape[0];
    const p = ctx.addParams({
      spec: s,
      fanIn: d,
      out: s.out,
      kernel: 1,
      inChannels: d,
      positions: 1,
      exportWeights: (W) => ({ shape: [s.out, d], data: W }),
    });
    return {
      outShape: [s.out],
      param: p,
      finite: affineFinite(p, d, s.out, null),
      analytic: {
        outRep: () => 'flat',
        gaussian: () => true,
        prepare: (_method, param) => ({
          apply: (k) => affineKernel(k, s, d, param, k.nngp, k.ntk, 'flat', 1, 1),
        }),
      },
    };
  },
};
