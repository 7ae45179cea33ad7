/**
 * identity — y = x (neural-tangents' Identity): the second branch of a skip connection, `sum(X | identity)`. Kernel
 * unchanged; keeps the input's Gaussian-ness and its independence (`fresh: 'through'`).
 */
import { LayerArgs, own } from '../args.js';
import type { LayerModule, LayerSpec } from '../types.js';

const isIdentity = (s: LayerSpec): s is LayerSpec & { kind: 'identity' } => s.kind === 'identity';

export const identity: LayerModule = {
  names: ['identity'],
  parse(ctx) {
    new LayerArgs(ctx).take([], [0, 0]);
    return { kind: 'identity' };
  },
  format: (l) => own(l, isIdentity, 'identity').kind,
  compile(spec, ctx) {
    own(spec, isIdentity, 'identity');
    return {
      outShape: ctx.inShape,
      finite: {
        forward: (x) => x,
        backward: (g, _n, _s, _ctx, wantDx) => (wantDx ? g : null),
        jvp: (x, dx) => ({ y: x, dy: dx ?? new Float64Array(x.length) }),
      },
      analytic: {
        fresh: 'through',
        gaussian: (g) => g.gaussian,
        prepare: () => ({ apply: (k) => k }),
      },
    };
  },
};
