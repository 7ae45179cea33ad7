/**
 * residual(X) — x + X(x): the sum of two branches, the block X and the identity (neural-tangents' serial(FanOut(2),
 * parallel(X, Identity()), FanInSum())). The block must map its input shape to itself.
 *
 * Finite network: y = x + X(x); the cotangent of x is g + ∂X(x)ᵀg; tangents add.
 * Analytic kernel: the kernels of x and X(x) add, which holds when X(x) ends in a layer with fresh zero-mean weights
 * (then x and X(x) are uncorrelated); the sum is Gaussian when both terms are.
 */
import { InvalidArgumentError } from '../../errors.js';
import { own } from '../args.js';
import { showShape, size } from '../shape.js';
import type { LayerModule, LayerSpec } from '../types.js';

export interface ResidualSpec extends LayerSpec {
  readonly kind: 'residual';
  readonly block: readonly LayerSpec[];
}
const isResidual = (s: LayerSpec): s is ResidualSpec => s.kind === 'residual';

export const residual: LayerModule = {
  names: ['residual'],
  args: 'block',
  parse(ctx) {
    const a = ctx.call.args[0];
    if (!a || !('branches' in a)) return ctx.bad('residual(<layers>) with at least one layer', ctx.source);
    const spec: ResidualSpec = { kind: 'residual', block: ctx.layers(a.branches[0]) };
    return spec;
  },
  format: (l, formatLayers) => `residual(${formatLayers(own(l, isResidual, 'residual').block)})`,
  compile(spec, ctx) {
    const s = own(spec, isResidual, 'residual');
    const shape = ctx.inShape;
    const inner = ctx.branch(s.block, shape);
    if (inner.shape.length !== shape.length || inner.shape.some((v, j) => v !== shape[j])) {
      ctx.bad(
        `a block whose output shape equals its input shape`,
        `the block maps ${showShape(shape)} to ${showShape(inner.shape)}, so x + block(x) is undefined.`,
      );
    }
    const block = inner.nodes;
    const len = size(shape);
    const affine = ctx.namesWith((m) => m.affine === true);
    return {
      outShape: shape,
      branches: [block],
      finite: {
        forward(x, n, ctx) {
          const saved: Parameters<typeof ctx.run>[2] = [];
          const b = ctx.run(block, x, saved);
          const y = ctx.buf('f', n * len, false);
          for (let i = 0; i < x.length; i++) y[i] = x[i] + b[i];
          if (ctx.keep) ctx.saved.branches = [saved];
          return y;
        },
        backward(g, n, saved, ctx, wantDx) {
          const gb = ctx.run(block, saved.branches?.[0] ?? [], g);
          const r = ctx.buf('b', n * len, false);
          for (let i = 0; i < g.length; i++) r[i] = g[i] + gb[i];
          return wantDx ? r : null;
        },
        jvp(x, dx, _n, ctx) {
          const r = ctx.run(block, x, dx);
          const y = new Float64Array(x.length);
          const dy = new Float64Array(x.length);
          for (let i = 0; i < x.length; i++) {
            y[i] = x[i] + r.y[i];
            dy[i] = (dx === null ? 0 : dx[i]) + r.dy[i];
          }
          return { y, dy };
        },
      },
      analytic: {
        check(path) {
          const last = block[block.length - 1];
          if (last.param === null) {
            throw new InvalidArgumentError(
              'kernelFn',
              `arch: layer ${path} \`residual\``,
              `a block ending in a ${affine.join(' or ')} layer`,
              last.name,
              'The analytic kernel of x + block(x) adds the kernels of x and block(x), which holds when block(x) ends in a layer with fresh zero-mean weights (then x and block(x) are uncorrelated); for other blocks the cross-covariance is not tracked.',
            );
          }
        },
        // x + block(x): Gaussian when both terms are
        gaussian: (g, [afterBlock]) => g.gaussian && afterBlock,
        prepare: () => ({
          apply(k, run) {
            const b = run.run(0, k);
            const nngp = new Float64Array(k.nngp.length);
            for (let i = 0; i < nngp.length; i++) nngp[i] = k.nngp[i] + b.nngp[i];
            let ntk: Float64Array | null = null;
            if (k.ntk && b.ntk) {
              ntk = new Float64Array(k.ntk.length);
              for (let i = 0; i < ntk.length; i++) ntk[i] = k.ntk[i] + b.ntk[i];
            }
            return { ...k, nngp, ntk };
          },
        }),
      },
    };
  },
};
