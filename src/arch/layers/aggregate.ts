/**
 * aggregate — message passing over a given graph (neural-tangents' Aggregate, dense implementation, aggregating
 * over all positions; Du et al. 2019, "Graph Neural Tangent Kernel"). Node features are laid out as an image: an
 * input of shape [V, 1, F] holds V nodes with F features each (any h×w with h·w = V works: nodes are the positions in
 * row-major order, features are the channels). The adjacency A (V × V) comes beside the architecture
 * (buildNetwork / kernelFn option `adjacency`, CLI `--adjacency A.npy`) and is shared by all examples; entry
 * A[i, j] weights the edge from node i to node j, and every node receives the weighted sum of its predecessors:
 *
 *   y[j, c] = Σ_i A[i, j]·x[i, c]      (per example: Y = Aᵀ X; no self-loop unless A[j, j] ≠ 0, no normalization)
 *
 * Finite network: the backward map is X̄ = A·Ȳ, forward mode applies the same map to the tangent.
 * Analytic kernel: Σ′ = Aᵀ Σ A and Θ′ = Aᵀ Θ A per pair of examples, on the full (node, node′) covariances (NT:
 * K_agg[n1, n2] = A1ᵀ·K[n1, n2]·A2 with A1 = A2 = A here). Linear, so a Gaussian process stays Gaussian.
 * Graph-level kernels read out with `gap` (mean over nodes) then `dense`; node-level kernels end on the node
 * layout (e.g. `conv(1,1)`) and ask for per-output kernels (kernelFn `outputs: 'full'`, CLI `--outputs full`).
 */
import { gemm } from '../../linalg/blas.js';
import { LayerArgs, own } from '../args.js';
import { pairsOf } from '../record.js';
import type { LayerModule, LayerSpec } from '../types.js';
import { image, linearOps } from './linear.js';

const isAggregate = (s: LayerSpec): s is LayerSpec & { kind: 'aggregate' } => s.kind === 'aggregate';

export const aggregate: LayerModule = {
  names: ['aggregate'],
  perPosition: true,
  parse(ctx) {
    new LayerArgs(ctx).take([], [0, 0]);
    return { kind: 'aggregate' };
  },
  format: (l) => own(l, isAggregate, 'aggregate').kind,
  compile(spec, ctx) {
    own(spec, isAggregate, 'aggregate');
    const [h, w, c] = image(
      ctx,
      'an input with nodes as positions ([V, 1, F]: V nodes, F features)',
      'aggregate passes messages between the nodes of a graph, laid out as the positions of an image-shaped input.',
    );
    const P = h * w;
    const adj = ctx.options.adjacency;
    if (adj === undefined)
      return ctx.bad(
        `given an adjacency matrix (${P} × ${P})`,
        'aggregate needs the graph: pass buildNetwork(…, { adjacency }) / kernelFn(…, { adjacency }) or --adjacency A.npy.',
      );
    if (adj.rows !== P || adj.cols !== P || !(adj.data instanceof Float64Array) || adj.data.length !== P * P)
      ctx.bad(
        `given an adjacency matrix of ${P} × ${P} (one row and column per node)`,
        `the adjacency is ${adj.rows} × ${adj.cols}.`,
      );
    const A = adj.data;
    for (let i = 0; i < A.length; i++)
      if (!Number.isFinite(A[i]))
        ctx.bad('given a finite adjacency matrix', `adjacency[${Math.floor(i / P)}][${i % P}] = ${A[i]}.`);
    const len = P * c;
    // per example: Y = Aᵀ X (P × c) and its adjoint X̄ = A Ȳ
    const apply = (x: Float64Array, n: number, out: Float64Array, trans: boolean): Float64Array => {
      for (let e = 0; e < n; e++)
        gemm({
          m: P,
          n: c,
          k: P,
          a: A,
          b: x.subarray(e * len, (e + 1) * len),
          c: out.subarray(e * len, (e + 1) * len),
          transA: trans,
        });
      return out;
    };
    return {
      outShape: ctx.inShape,
      finite: linearOps(
        len,
        len,
        (x, n, out) => apply(x, n, out ?? new Float64Array(n * len), true),
        (g, n, out) => apply(g, n, out, false),
        false,
      ),
      analytic: {
        needsFull: true,
        fresh: 'through',
        gaussian: (g) => g.gaussian,
        prepare: () => ({
          apply(r) {
            const pairs = pairsOf(r);
            const t = new Float64Array(P * P);
            const both = (src: Float64Array): Float64Array => {
              const out = new Float64Array(src.length);
              for (let e = 0; e < pairs; e++) {
                // Aᵀ K A: T = Aᵀ K, then T A
                gemm({ m: P, n: P, k: P, a: A, b: src.subarray(e * P * P, (e + 1) * P * P), c: t, transA: true });
                gemm({ m: P, n: P, k: P, a: t, b: A, c: out.subarray(e * P * P, (e + 1) * P * P) });
              }
              return out;
            };
            return { ...r, nngp: both(r.nngp), ntk: r.ntk ? both(r.ntk) : null };
          },
        }),
      },
    };
  },
};
