/**
 * What the parametrized layers share: an affine map y_p = s·W·a_p + s_b·b over the layer's input rows a_p (one row
 * per example, or one im2col patch per output position), with its batched passes and its analytic kernel step.
 *
 * Finite network: forward Y = s·A·Wᵀ + s_b·1bᵀ; backward ∂W = s·GᵀA (summed over the batch), ∂b = s_b·Σ G, ∂A = s·G·W;
 * forward-mode dY = s·(dA·Wᵀ + A·dWᵀ) + s_b·db. The structured empirical NTK gets (A, G) per trained layer.
 *
 * Analytic kernel, NTK parameterization (Jacot et al. 2018, eq. in Thm 1; Lee et al. 2019 eq. 7):
 *     Σ = σ_w²·K̃ + σ_b²,   Θ = σ_w²·Θ̃ + Σ;
 * standard parameterization (Sohl-Dickstein et al. 2020, "On the infinite width limit of NNs with a standard
 * parameterization"; neural-tangents Dense(parameterization='standard')):
 *     Σ = σ_w²·K̃ + σ_b²,   Θ = σ_w²·Θ̃ + fan_in·K̃ + [bias]·1 — the weights' gradient is the raw input, so the NTK
 * grows with the layer widths named in the architecture (it has no infinite-width limit; it is the mean of the
 * empirical NTK of the finite network with those widths).
 * `frozen` layers keep Σ but add nothing to Θ: Θ = σ_w²·Θ̃. K̃, Θ̃ are the input's kernels (patch-averaged for convolutions).
 */
import { gemm } from '../../linalg/blas.js';
import { affineVariances } from '../args.js';
import type { KernelRecord, Spatial } from '../record.js';
import type { AffineSpec, BackwardCtx, FiniteOps, ForwardCtx, Parameterization, ParamLayer } from '../types.js';

/** Y (rows × out) = wScale·A·Wᵀ + bScale·b, with W and b read from `theta` at the layer's offsets. */
export function affineRows(
  theta: Float64Array,
  p: ParamLayer,
  A: Float64Array,
  rows: number,
  Y: Float64Array = new Float64Array(rows * p.out),
): Float64Array {
  gemm({
    m: rows,
    n: p.out,
    k: p.fanIn,
    a: A,
    b: theta.subarray(p.wOffset, p.wOffset + p.wSize),
    c: Y,
    transB: true,
    alpha: p.wScale,
  });
  if (p.bOffset >= 0) {
    const b = theta.subarray(p.bOffset, p.bOffset + p.out);
    const s = p.bScale;
    for (let r = 0; r < rows; r++) for (let o = 0; o < p.out; o++) Y[r * p.out + o] += s * b[o];
  }
  return Y;
}

/** How a layer's input becomes affine rows (im2col patches); without one, the input rows themselves. */
export interface RowMap {
  /** rows per batch of n examples */
  rows(n: number): number;
  /** the rows of x (into `out` when given, which is zeroed) */
  gather(x: Float64Array, n: number, out?: Float64Array): Float64Array;
  /** adjoint of gather: row cotangents back onto the input (into a zeroed `out`) */
  scatter(dA: Float64Array, n: number, out: Float64Array): Float64Array;
}

/**
 * The finite passes of an affine layer; `rowMap` null when the rows are the input's own rows: the examples (flat
 * inputs) or each example's p.positions positions (a dense layer on the channel axis of an image, a 1×1 convolution).
 */
export function affineFinite(p: ParamLayer, inSize: number, outSize: number, rowMap: RowMap | null): FiniteOps {
  const rowsOf = (n: number) => (rowMap ? rowMap.rows(n) : n * p.positions);
  const inputRows = (x: Float64Array, n: number, ctx: ForwardCtx | BackwardCtx): Float64Array =>
    rowMap ? rowMap.gather(x, n, ctx.buf('p', rowMap.rows(n) * p.fanIn, true)) : x;
  return {
    forward(x, n, ctx) {
      const A = inputRows(x, n, ctx);
      if (rowMap && ctx.keep) ctx.saved.aux = A;
      return affineRows(ctx.theta, p, A, rowsOf(n), ctx.buf('f', n * outSize, false));
    },
    backward(g, n, s, ctx, wantDx) {
      const rows = rowsOf(n);
      const A = s.aux ?? inputRows(s.x, n, ctx);
      if (ctx.terms && !p.frozen) ctx.terms.push({ layer: p, A, G: g });
      if (ctx.grad && !p.frozen && rows > 0) {
        gemm({
          m: p.out,
          n: p.fanIn,
          k: rows,
          a: g,
          b: A,
          c: ctx.grad.subarray(p.wOffset, p.wOffset + p.wSize),
          transA: true,
          alpha: p.wScale,
          beta: 1,
        });
        if (p.bOffset >= 0) {
          const gb = ctx.grad;
          for (let r = 0; r < rows; r++)
            for (let o = 0; o < p.out; o++) gb[p.bOffset + o] += p.bScale * g[r * p.out + o];
        }
      }
      if (!wantDx) return null;
      const dA = ctx.buf(rowMap ? 'd' : 'b', rows * p.fanIn, false);
      gemm({
        m: rows,
        n: p.fanIn,
        k: p.out,
        a: g,
        b: ctx.theta.subarray(p.wOffset, p.wOffset + p.wSize),
        c: dA,
        alpha: p.wScale,
      });
      return rowMap ? rowMap.scatter(dA, n, ctx.buf('b', n * inSize, true)) : dA;
    },
    jvp(x, dx, n, ctx) {
      const rows = rowsOf(n);
      const A = rowMap ? rowMap.gather(x, n) : x;
      const y = affineRows(ctx.theta, p, A, rows);
      // dy = wScale·(dA Wᵀ + A dWᵀ) + bScale·db
      const dy = affineRows(ctx.tangent, p, A, rows);
      if (dx !== null)
        gemm({
          m: rows,
          n: p.out,
          k: p.fanIn,
          a: rowMap ? rowMap.gather(dx, n) : dx,
          b: ctx.theta.subarray(p.wOffset, p.wOffset + p.wSize),
          c: dy,
          transB: true,
          alpha: p.wScale,
          beta: 1,
        });
      return { y, dy };
    },
  };
}

/** The affine kernel step given the (patch-averaged) input kernels; avgT null means Θ̃ = 0 (network input). */
export function affineKernel(
  k: KernelRecord,
  spec: AffineSpec,
  fanIn: number,
  param: Parameterization,
  avgK: Float64Array,
  avgT: Float64Array | null,
  spatial: Spatial,
  h: number,
  w: number,
): KernelRecord {
  const { sw2, sb2 } = affineVariances(spec);
  const n = avgK.length;
  const nngp = new Float64Array(n);
  for (let i = 0; i < n; i++) nngp[i] = sw2 * avgK[i] + sb2;
  let ntk: Float64Array | null = null;
  if (k.ntk !== null) {
    ntk = new Float64Array(n);
    if (avgT) for (let i = 0; i < n; i++) ntk[i] = sw2 * avgT[i];
    if (!spec.frozen) {
      if (param === 'ntk') for (let i = 0; i < n; i++) ntk[i] += nngp[i];
      else {
        const b = spec.bstd !== 0 ? 1 : 0;
        for (let i = 0; i < n; i++) ntk[i] += fanIn * avgK[i] + b;
      }
    }
  }
  return { ...k, spatial, h, w, nngp, ntk };
}
