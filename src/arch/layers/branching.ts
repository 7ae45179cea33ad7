/**
 * Branches — the input goes through every branch, the outputs are merged (neural-tangents' serial(FanOut(k),
 * parallel(A, B, …), FanIn…)); `identity` is the skip branch:
 *
 *   sum(A | B | …)     y = A(x) + B(x) + …                       (NT's FanInSum)
 *   concat(A | B | …)  y = [A(x), B(x), …] on the channel axis   (NT's FanInConcat(axis=-1); flat: the feature axis)
 *   prod(A | B | …)    y = A(x) ⊙ B(x) ⊙ …                       (NT's FanInProd)
 *   residual(X)        = sum(X | identity), written by residual.ts through this file's code path
 *
 * Paths: a combinator at path i numbers the layers of all its branches consecutively, i.0, i.1, … (branch 1's
 * layers first), so every path stays unique and residual(X)'s layers keep the paths i.j of X's layers.
 *
 * Finite network: every branch runs on x; sum adds the outputs (the cotangent of x is the sum of the branches' input
 * cotangents for g), concat writes branch b's channels at its offset (and hands each branch its slice of g), prod
 * multiplies (branch b gets g ⊙ ∏_{j≠b} y_j). Forward mode: tangents add, concatenate, or follow the product rule.
 *
 * Analytic kernel (per entry of the record, every spatial representation):
 *   sum     Σ = Σ_b Σ_b,  Θ = Σ_b Θ_b  — exact when the branches are uncorrelated, which holds when all but at most
 *           one of them end in a layer with fresh zero-mean weights (E[A(x)B(x′)] = 0 over A's last weights, for the
 *           NNGP and for the NTK's cross terms alike); checked, since neural-tangents assumes it without checking.
 *           Gaussian when every branch is (NT refuses non-Gaussian summands; second moments add all the same).
 *   concat  Σ = Σ_b (C_b/C)·Σ_b, Θ likewise, C_b the branch's channels (NT's width-weighted mean): a following
 *           dense/conv layer sums over input channels with independent weights, so only equal channels pair up and
 *           no independence between branches is needed. The channels then have different kernels, so the output is
 *           not one Gaussian process (NT: is_gaussian = False): an activation right after concat is refused, an
 *           affine layer (or identity/pooling and then an affine layer) must come first.
 *   prod    Σ = ∏_b Σ_b,  Θ = Σ_b Θ_b·∏_{j≠b} Σ_j  (NT's FanInProd) — E[∏ f_b(x)f_b(x′)] factorizes for independent
 *           centred Gaussian branches: each branch must be Gaussian, and all but at most one must end in fresh
 *           weights. The product is not Gaussian.
 */
import { InvalidArgumentError } from '../../errors.js';
import { own } from '../args.js';
import type { KernelRecord } from '../record.js';
import { showShape, size } from '../shape.js';
import type {
  AnalyticOps,
  CompileCtx,
  CompiledLayer,
  FiniteOps,
  LayerModule,
  LayerSpec,
  Node,
  ParseCtx,
  Saved,
  Shape,
} from '../types.js';

export type FanIn = 'sum' | 'concat' | 'prod';

export interface BranchesSpec extends LayerSpec {
  readonly kind: FanIn;
  readonly branches: readonly (readonly LayerSpec[])[];
}
const isBranches = (s: LayerSpec): s is BranchesSpec => s.kind === 'sum' || s.kind === 'concat' || s.kind === 'prod';

/** Whether a branch's output is independent of everything computed beside it (AnalyticOps.fresh). */
export function freshOutput(nodes: readonly Node[]): boolean {
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (n.param !== null || n.analytic.fresh === 'out') return true;
    if (n.analytic.fresh !== 'through') return false;
  }
  // an empty tail: the branch passes its input through
  return false;
}

/** What residual.ts changes: its own error texts (residual(X) keeps the ones it had before it became a sum). */
export interface SumTexts {
  shape(inShape: Shape, outShapes: readonly Shape[]): { constraint: string; why: string };
  independence(path: string, branches: readonly (readonly Node[])[], notFresh: readonly number[]): never;
}

const sameShape = (a: Shape, b: Shape) => a.length === b.length && a.every((v, j) => v === b[j]);

/** "branch 2 (layers 3.2–3.4)" */
function describeBranch(path: string, b: number, start: number, len: number): string {
  const first = `${path}.${start}`;
  return `branch ${b + 1} (${len === 1 ? `layer ${first}` : `layers ${first}–${path}.${start + len - 1}`})`;
}

/** Compile every branch on the combinator's input, numbering their layers consecutively. */
function compileBranches(
  ctx: CompileCtx,
  blocks: readonly (readonly LayerSpec[])[],
): { nodes: Node[][]; shapes: Shape[]; names: string[] } {
  const nodes: Node[][] = [];
  const shapes: Shape[] = [];
  const names: string[] = [];
  let start = 0;
  for (const block of blocks) {
    const c = ctx.branch(block, ctx.inShape, start);
    names.push(describeBranch(ctx.path, nodes.length, start, block.length));
    nodes.push(c.nodes);
    shapes.push(c.shape);
    start += block.length;
  }
  return { nodes, shapes, names };
}

/** Buffer roles per branch: letters only (paths are digits and dots, so role + path keys stay unique). */
const role = (prefix: string, b: number): string =>
  `${prefix}${'abcdefghijklmnopqrstuvwxyz'[b % 26]}${'z'.repeat(Math.floor(b / 26))}`;

/** out[i] = Σ_b a_b[i], in branch order. */
function addAll(a: readonly Float64Array[], out: Float64Array): Float64Array {
  const [a0, a1] = a;
  if (a.length === 2) for (let i = 0; i < out.length; i++) out[i] = a0[i] + a1[i];
  else
    for (let i = 0; i < out.length; i++) {
      let s = a0[i];
      for (let b = 1; b < a.length; b++) s += a[b][i];
      out[i] = s;
    }
  return out;
}

/** ∏_{j≠b} a_j[i] (all factors when b = −1). */
function productBut(a: readonly Float64Array[], b: number, i: number): number {
  let p = 1;
  for (let j = 0; j < a.length; j++) if (j !== b) p *= a[j][i];
  return p;
}

/** The finite passes of a fan-in; inLen/outLen are per-example sizes of the combinator's input and output. */
function fanInFinite(
  kind: FanIn,
  branches: readonly (readonly Node[])[],
  inLen: number,
  outLen: number,
  chans: readonly number[],
): FiniteOps {
  const B = branches.length;
  const C = chans.reduce((a, b) => a + b, 0);
  const offsets = chans.map((_, b) => chans.slice(0, b).reduce((a, c) => a + c, 0));
  // concat: y[(r, off_b + c)] = y_b[(r, c)] over rows r = (example, position)
  const concatInto = (parts: readonly Float64Array[], out: Float64Array): Float64Array => {
    const rows = out.length / C;
    parts.forEach((src, b) => {
      const cb = chans[b];
      const off = offsets[b];
      for (let r = 0; r < rows; r++) for (let c = 0; c < cb; c++) out[r * C + off + c] = src[r * cb + c];
    });
    return out;
  };
  const merge = (parts: readonly Float64Array[], out: Float64Array): Float64Array => {
    if (kind === 'sum') return addAll(parts, out);
    if (kind === 'concat') return concatInto(parts, out);
    for (let i = 0; i < out.length; i++) out[i] = productBut(parts, -1, i);
    return out;
  };
  return {
    forward(x, n, ctx) {
      const saved: Saved[][] = [];
      const outs = branches.map((br) => {
        const s: Saved[] = [];
        saved.push(s);
        return ctx.run(br, x, s);
      });
      const y = merge(outs, ctx.buf('f', n * outLen, false));
      if (ctx.keep) {
        ctx.saved.branches = saved;
        if (kind === 'prod') {
          // the factors, for the cotangents g ⊙ ∏_{j≠b} y_j
          const aux = ctx.buf('a', B * n * outLen, false);
          outs.forEach((o, b) => aux.set(o, b * n * outLen));
          ctx.saved.aux = aux;
        }
      }
      return y;
    },
    backward(g, n, saved, ctx, wantDx) {
      const m = n * outLen;
      const factors =
        kind === 'prod' ? branches.map((_, b) => (saved.aux as Float64Array).subarray(b * m, (b + 1) * m)) : [];
      const gs = branches.map((br, b) => {
        let gb = g;
        if (kind === 'concat') {
          const cb = chans[b];
          const off = offsets[b];
          const rows = m / C;
          gb = ctx.buf(role('g', b), rows * cb, false);
          for (let r = 0; r < rows; r++) for (let c = 0; c < cb; c++) gb[r * cb + c] = g[r * C + off + c];
        } else if (kind === 'prod') {
          gb = ctx.buf(role('g', b), m, false);
          for (let i = 0; i < m; i++) gb[i] = g[i] * productBut(factors, b, i);
        }
        return ctx.run(br, saved.branches?.[b] ?? [], gb);
      });
      return wantDx ? addAll(gs, ctx.buf('b', n * inLen, false)) : null;
    },
    jvp(x, dx, n, ctx) {
      const rs = branches.map((br) => ctx.run(br, x, dx));
      const ys = rs.map((r) => r.y);
      const y = merge(ys, new Float64Array(n * outLen));
      let dy: Float64Array;
      if (kind === 'prod') {
        dy = new Float64Array(n * outLen);
        for (let i = 0; i < dy.length; i++) {
          let s = 0;
          for (let b = 0; b < B; b++) s += rs[b].dy[i] * productBut(ys, b, i);
          dy[i] = s;
        }
      } else
        dy = merge(
          rs.map((r) => r.dy),
          new Float64Array(n * outLen),
        );
      return { y, dy };
    },
  };
}

/** The kernel step of a fan-in: each branch's record, merged entry by entry. */
function fanInKernel(kind: FanIn, B: number, chans: readonly number[]): AnalyticOps['prepare'] {
  const C = chans.reduce((a, b) => a + b, 0);
  const weights = chans.map((c) => c / C);
  const merge = (parts: readonly Float64Array[], ntkParts: readonly Float64Array[] | null): Float64Array => {
    const out = new Float64Array(parts[0].length);
    if (kind === 'sum') return addAll(parts, out);
    if (kind === 'concat') {
      for (let i = 0; i < out.length; i++) {
        let s = 0;
        for (let b = 0; b < B; b++) s += weights[b] * parts[b][i];
        out[i] = s;
      }
      return out;
    }
    if (ntkParts === null) {
      for (let i = 0; i < out.length; i++) out[i] = productBut(parts, -1, i);
      return out;
    }
    // NTK of a product: Θ = Σ_b Θ_b·∏_{j≠b} Σ_j, accumulated as neural-tangents does
    for (let i = 0; i < out.length; i++) {
      let t = 0;
      let k = 1;
      for (let b = 0; b < B; b++) {
        t = t * parts[b][i] + k * ntkParts[b][i];
        k *= parts[b][i];
      }
      out[i] = t;
    }
    return out;
  };
  return () => ({
    apply(k, run) {
      const rs: KernelRecord[] = [];
      for (let b = 0; b < B; b++) rs.push(run.run(b, k));
      const nngps = rs.map((r) => r.nngp);
      const ntks = rs.every((r) => r.ntk !== null) ? rs.map((r) => r.ntk as Float64Array) : null;
      const nngp = merge(nngps, null);
      const ntk = ntks === null ? null : kind === 'prod' ? merge(nngps, ntks) : merge(ntks, null);
      // the branches' layout (a branch may end flat on an image input: gap, flatten)
      const { spatial, h, w } = rs[0];
      return { ...k, spatial, h, w, nngp, ntk };
    },
  });
}

const TEXTS: Record<FanIn, string> = {
  sum: 'adds the branch kernels',
  concat: 'averages the branch kernels over channels',
  prod: 'multiplies the branch kernels',
};

/** The default error texts of sum and prod (residual.ts has its own). */
function fanInTexts(kind: FanIn, names: readonly string[], affine: string): SumTexts {
  return {
    shape: (_in, outs) => ({
      constraint: `branches whose outputs have ${kind === 'concat' ? 'equal shapes except the last axis (channels or features)' : 'one shape'}`,
      why: `${names
        .map((nm, b) => `${nm} gives ${showShape(outs[b])}`)
        .join(
          ', ',
        )}: ${kind === 'concat' ? 'concat joins the branches on the channel axis (the feature axis of flat outputs)' : `${kind} merges the branches entry by entry`}.`,
    }),
    independence(path, branches, notFresh) {
      const last = (b: number) => branches[b][branches[b].length - 1]?.name ?? '(empty)';
      throw new InvalidArgumentError(
        'kernelFn',
        `arch: layer ${path} \`${kind}\``,
        `branches of which all but at most one end in a ${affine} layer (possibly followed by identity or aggregate)`,
        notFresh.map((b) => `${names[b]} ends in \`${last(b)}\``).join(', '),
        `The analytic kernel ${TEXTS[kind]}, which holds when the branches are independent: a branch ending in a layer with fresh zero-mean weights is uncorrelated with every other branch; between ${notFresh.length} branches without one the cross-covariance is not tracked (neural-tangents assumes independence without checking).`,
      );
    },
  };
}

/** Compile a fan-in over `blocks` (residual.ts calls this with [X, [identity]] and its own texts). */
export function compileFanIn(
  kind: FanIn,
  blocks: readonly (readonly LayerSpec[])[],
  ctx: CompileCtx,
  texts?: SumTexts,
): CompiledLayer {
  const { nodes: branches, shapes, names } = compileBranches(ctx, blocks);
  const affine = ctx.namesWith((m) => m.affine === true).join(' or ');
  const t = texts ?? fanInTexts(kind, names, affine);
  const s0 = shapes[0];
  const ok =
    kind === 'concat'
      ? shapes.every((s) => s.length === s0.length && s.every((v, j) => j === s.length - 1 || v === s0[j]))
      : shapes.every((s) => sameShape(s, s0));
  if (!ok) {
    const e = t.shape(ctx.inShape, shapes);
    ctx.bad(e.constraint, e.why);
  }
  const chans = shapes.map((s) => s[s.length - 1]);
  const C = chans.reduce((a, b) => a + b, 0);
  const outShape: Shape = kind !== 'concat' ? s0 : s0.length === 1 ? [C] : [s0[0], s0[1], C];
  const fresh = branches.map(freshOutput);
  const notFresh = fresh.flatMap((f, b) => (f ? [] : [b]));
  return {
    outShape,
    branches,
    finite: fanInFinite(kind, branches, size(ctx.inShape), size(outShape), chans),
    analytic: {
      // concat and sum are independent of the rest when every branch is; a product when one factor is
      ...((kind === 'prod' ? notFresh.length < branches.length : notFresh.length === 0)
        ? { fresh: 'out' as const }
        : {}),
      check(path) {
        if (kind !== 'concat' && notFresh.length > 1) t.independence(path, branches, notFresh);
      },
      gaussian(g, results) {
        if (kind === 'sum') return results.every((r) => r);
        if (kind === 'concat') return false;
        const bad = results.flatMap((r, b) => (r ? [] : [b]));
        if (bad.length > 0) {
          throw new InvalidArgumentError(
            'kernelFn',
            `arch: layer ${g.path} \`prod\``,
            `a product of Gaussian branches (each ending in a ${affine} layer, or passing a Gaussian input through)`,
            bad.map((b) => `${names[b]} is not Gaussian`).join(', '),
            "The analytic kernel of a product (neural-tangents' FanInProd) is E[∏ f_b(x)f_b(x′)] = ∏ Σ_b, which holds for independent centred Gaussian factors only; put a dense/conv layer at the end of the branch.",
          );
        }
        return false;
      },
      prepare: fanInKernel(kind, branches.length, chans),
    },
  };
}

function parseBranches(kind: FanIn, ctx: ParseCtx): BranchesSpec {
  const a = ctx.call.args[0];
  if (!a || !('branches' in a) || a.branches.length < 2 || ctx.call.args.length !== 1)
    return ctx.bad(
      `${kind}(A | B | …): at least two layer lists separated by \`|\` (\`identity\` for a skip branch)`,
      a && 'branches' in a ? `${a.branches.length} branch` : 'no layer list',
    );
  return { kind, branches: a.branches.map((b) => ctx.layers(b)) };
}

function fanInModule(kind: FanIn): LayerModule {
  return {
    names: [kind],
    args: 'branches',
    parse: (ctx) => parseBranches(kind, ctx),
    format: (l, formatLayers) =>
      `${kind}(${own(l, isBranches, kind)
        .branches.map((b) => formatLayers(b))
        .join('|')})`,
    compile: (spec, ctx) => compileFanIn(kind, own(spec, isBranches, kind).branches, ctx),
  };
}

export const sum = fanInModule('sum');
export const concat = fanInModule('concat');
export const prod = fanInModule('prod');
