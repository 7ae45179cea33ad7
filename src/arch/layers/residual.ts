/**
 * residual(X) — x + X(x), shorthand for `sum(X | identity)` (neural-tangents' serial(FanOut(2), parallel(X,
 * Identity()), FanInSum())) and compiled as exactly that by branching.ts; only its error texts are its own. The block
 * must map its input shape to itself, and (analytic kernel) end in a layer with fresh zero-mean weights, so that x
 * and X(x) are uncorrelated and their kernels add. X's layers have the paths i.0, i.1, … (the identity is i.m).
 */
import { InvalidArgumentError } from '../../errors.js';
import { own } from '../args.js';
import { showShape } from '../shape.js';
import type { LayerModule, LayerSpec } from '../types.js';
import { compileFanIn } from './branching.js';

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
    const affine = ctx.namesWith((m) => m.affine === true);
    return compileFanIn('sum', [s.block, [{ kind: 'identity' }]], ctx, {
      shape: (inShape, [out]) => ({
        constraint: 'a block whose output shape equals its input shape',
        why: `the block maps ${showShape(inShape)} to ${showShape(out)}, so x + block(x) is undefined.`,
      }),
      independence(path, [block]) {
        throw new InvalidArgumentError(
          'kernelFn',
          `arch: layer ${path} \`residual\``,
          `a block ending in a ${affine.join(' or ')} layer`,
          block[block.length - 1].name,
          'The analytic kernel of x + block(x) adds the kernels of x and block(x), which holds when block(x) ends in a layer with fresh zero-mean weights (then x and block(x) are uncorrelated); for other blocks the cross-covariance is not tracked.',
        );
      },
    });
  },
};
