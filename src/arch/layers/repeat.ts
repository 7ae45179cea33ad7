/**
 * repeat(n, X) — X applied n times in series, each copy with its own parameters (neural-tangents' repeat(layer, n),
 * which scans over freshly initialized copies: the same as serial(X, X, …)). X must map its input shape to itself;
 * n ≥ 1 (NT's n = 0, the identity, is refused: write `identity`). The copies are compiled as one layer list with the
 * paths i.0, i.1, … numbered through all copies (copy r's layer j is i.(r·m + j) for m layers in X), so the finite
 * network, the empirical NTK and the analytic kernel run them like any other layer list.
 */
import { own } from '../args.js';
import { showShape } from '../shape.js';
import type { LayerModule, LayerSpec, Node } from '../types.js';
import { freshOutput } from './branching.js';

export interface RepeatSpec extends LayerSpec {
  readonly kind: 'repeat';
  readonly n: number;
  readonly block: readonly LayerSpec[];
}
const isRepeat = (s: LayerSpec): s is RepeatSpec => s.kind === 'repeat';

export const repeat: LayerModule = {
  names: ['repeat'],
  args: 'countBlock',
  parse(ctx) {
    const [c, b] = ctx.call.args;
    if (!c || 'branches' in c || !b || !('branches' in b))
      return ctx.bad('repeat(n, <layers>): a count and a layer list', ctx.source);
    const n = Number(c.value);
    if (c.key !== undefined || !Number.isInteger(n) || n < 1)
      return ctx.bad('`n` an integer ≥ 1 (the number of copies; `identity` is the empty repeat)', c.value);
    const spec: RepeatSpec = { kind: 'repeat', n, block: ctx.layers(b.branches[0]) };
    return spec;
  },
  format(l, formatLayers) {
    const s = own(l, isRepeat, 'repeat');
    return `repeat(${s.n},${formatLayers(s.block)})`;
  },
  compile(spec, ctx) {
    const s = own(spec, isRepeat, 'repeat');
    const shape = ctx.inShape;
    const m = s.block.length;
    const nodes: Node[] = [];
    for (let r = 0; r < s.n; r++) {
      const c = ctx.branch(s.block, shape, r * m);
      if (c.shape.length !== shape.length || c.shape.some((v, j) => v !== shape[j])) {
        ctx.bad(
          'a block whose output shape equals its input shape',
          `the block maps ${showShape(shape)} to ${showShape(c.shape)}, so it cannot be applied again.`,
        );
      }
      nodes.push(...c.nodes);
    }
    return {
      outShape: shape,
      branches: [nodes],
      finite: {
        forward(x, _n, ctx) {
          const saved: Parameters<typeof ctx.run>[2] = [];
          const y = ctx.run(nodes, x, saved);
          if (ctx.keep) ctx.saved.branches = [saved];
          return y;
        },
        backward(g, _n, saved, ctx, wantDx) {
          const gin = ctx.run(nodes, saved.branches?.[0] ?? [], g);
          return wantDx ? gin : null;
        },
        jvp: (x, dx, _n, ctx) => ctx.run(nodes, x, dx),
      },
      analytic: {
        ...(freshOutput(nodes) ? { fresh: 'out' as const } : {}),
        // the copies run in series inside the one branch: its result is the Gaussian-ness after the last copy
        gaussian: (_g, [after]) => after,
        prepare: () => ({ apply: (k, run) => run.run(0, k) }),
      },
    };
  },
};
