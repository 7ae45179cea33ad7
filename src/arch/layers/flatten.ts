/**
 * flatten — NHWC order, (h, w, c) → (h·w·c) (neural-tangents' Flatten). Kernel: the mean over equal positions (p, p):
 * the dense layer that follows divides by fan_in = h·w·C, so only equal positions survive — the diagonal
 * representation suffices (cost ∝ pixels per pair). The identity on values, so Gaussian stays Gaussian.
 */
import { LayerArgs, own } from '../args.js';
import { flattenRecord } from '../record.js';
import type { LayerModule, LayerSpec } from '../types.js';
import { image } from './linear.js';

const isFlatten = (s: LayerSpec): s is LayerSpec & { kind: 'flatten' } => s.kind === 'flatten';

export const flatten: LayerModule = {
  names: ['flatten'],
  flattens: true,
  convention: 'flatten in NHWC order',
  parse(ctx) {
    new LayerArgs(ctx).take([], [0, 0]);
    return { kind: 'flatten' };
  },
  format: (l) => own(l, isFlatten, 'flatten').kind,
  compile(spec, ctx) {
    own(spec, isFlatten, 'flatten');
    const [h, w, c] = image(
      ctx,
      'an image input (h×w×c)',
      'flatten turns an image into a vector; the input is already flat.',
    );
    return {
      outShape: [h * w * c],
      finite: {
        forward: (x) => x,
        backward: (g, _n, _s, _ctx, wantDx) => (wantDx ? g : null),
        jvp: (x, dx) => ({ y: x, dy: dx ?? new Float64Array(x.length) }),
      },
      analytic: {
        outRep: () => 'flat',
        gaussian: (g) => g.gaussian,
        prepare: () => ({
          apply: (r) => flattenRecord(r, 'diagonal'),
        }),
      },
    };
  },
};
