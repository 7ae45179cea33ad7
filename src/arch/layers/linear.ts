/**
 * What the linear pooling layers share: the input must be an image, and their finite passes follow
 * from the forward map and its adjoint (forward-mode = the forward map applied to the tangent).
 */
import type { CompileCtx, FiniteOps } from '../types.js';

export function image(ctx: CompileCtx, constraint: string, why: string): readonly [number, number, number] {
  const s = ctx.inShape;
  if (s.length !== 3) return ctx.bad(constraint, why);
  return s;
}

/** Finite passes of a linear reduction given its forward map and adjoint (into zeroed buffers when `zero*`). */
export function linearOps(
  inSize: number,
  outSize: number,
  fwd: (x: Float64Array, n: number, out?: Float64Array) => Float64Array,
  back: (g: Float64Array, n: number, out: Float64Array) => Float64Array,
  zeroBack: boolean,
): FiniteOps {
  return {
    forward: (x, n, ctx) => fwd(x, n, ctx.buf('f', n * outSize, true)),
    backward(g, n, _s, ctx, wantDx) {
      const gin = back(g, n, ctx.buf('b', n * inSize, zeroBack));
      return wantDx ? gin : null;
    },
    jvp(x, dx, n) {
      const y = fwd(x, n);
      return { y, dy: dx === null ? new Float64Array(y.length) : fwd(dx, n) };
    },
  };
}
