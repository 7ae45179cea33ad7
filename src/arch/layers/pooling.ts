/**
 * Spatial reductions of NHWC images (neural-tangents' AvgPool, GlobalAvgPool, Flatten):
 *  - avgpool(k): k×k windows, stride k, valid: (h, w, c) → (⌊h/k⌋, ⌊w/k⌋, c). Kernel: Σ[q, q′] = (1/k⁴)·Σ_{p∈win(q),
 *    p′∈win(q′)} Σ_in[p, p′] (needs the full representation).
 *  - gap: the mean over positions, (h, w, c) → (c). Kernel: the mean over all position pairs (p, p′).
 *  - flatten: NHWC order, (h, w, c) → (h·w·c). Kernel: the mean over equal positions (p, p) (the dense layer that
 *    follows divides by fan_in = h·w·C, so only equal positions survive).
 * All three keep a Gaussian process Gaussian (they are linear).
 */
import { own } from '../args.js';
import { LayerArgs } from '../args.js';
import { meanOverPositions, pairsOf } from '../record.js';
import { size } from '../shape.js';
import type { CompileCtx, FiniteOps, LayerModule, LayerSpec, Shape } from '../types.js';

// ---------------------------------------------------------------------------------------------------------------
// Finite primitives on batched row-major buffers (`out` must be zeroed where the function accumulates)

/** k×k average pooling, stride k, valid: (n,h,w,c) → (n,⌊h/k⌋,⌊w/k⌋,c). */
export function avgPool(
  x: Float64Array,
  n: number,
  h: number,
  w: number,
  c: number,
  k: number,
  out: Float64Array = new Float64Array(n * Math.floor(h / k) * Math.floor(w / k) * c),
): Float64Array {
  const oh = Math.floor(h / k);
  const ow = Math.floor(w / k);
  const inv = 1 / (k * k);
  for (let e = 0; e < n; e++) {
    for (let py = 0; py < oh; py++) {
      for (let px = 0; px < ow; px++) {
        const o = ((e * oh + py) * ow + px) * c;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const s = ((e * h + py * k + ky) * w + px * k + kx) * c;
            for (let ch = 0; ch < c; ch++) out[o + ch] += x[s + ch];
          }
        }
        for (let ch = 0; ch < c; ch++) out[o + ch] *= inv;
      }
    }
  }
  return out;
}

/** Adjoint of avgPool. */
export function avgPoolBack(
  g: Float64Array,
  n: number,
  h: number,
  w: number,
  c: number,
  k: number,
  out: Float64Array = new Float64Array(n * h * w * c),
): Float64Array {
  const oh = Math.floor(h / k);
  const ow = Math.floor(w / k);
  const inv = 1 / (k * k);
  for (let e = 0; e < n; e++) {
    for (let py = 0; py < oh; py++) {
      for (let px = 0; px < ow; px++) {
        const o = ((e * oh + py) * ow + px) * c;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const s = ((e * h + py * k + ky) * w + px * k + kx) * c;
            for (let ch = 0; ch < c; ch++) out[s + ch] = g[o + ch] * inv;
          }
        }
      }
    }
  }
  return out;
}

/** Global average pool: (n, hw, c) → (n, c). */
export function globalAvgPool(
  x: Float64Array,
  n: number,
  hw: number,
  c: number,
  out: Float64Array = new Float64Array(n * c),
): Float64Array {
  const inv = 1 / hw;
  for (let e = 0; e < n; e++) {
    for (let p = 0; p < hw; p++) {
      const s = (e * hw + p) * c;
      for (let ch = 0; ch < c; ch++) out[e * c + ch] += x[s + ch];
    }
    for (let ch = 0; ch < c; ch++) out[e * c + ch] *= inv;
  }
  return out;
}

/** Adjoint of globalAvgPool. */
export function globalAvgPoolBack(
  g: Float64Array,
  n: number,
  hw: number,
  c: number,
  out: Float64Array = new Float64Array(n * hw * c),
): Float64Array {
  const inv = 1 / hw;
  for (let e = 0; e < n; e++) {
    for (let p = 0; p < hw; p++) {
      const s = (e * hw + p) * c;
      for (let ch = 0; ch < c; ch++) out[s + ch] = g[e * c + ch] * inv;
    }
  }
  return out;
}

/** k×k average pooling (stride k, valid) of the full kernel representation. */
export function avgPoolFull(src: Float64Array, pairs: number, h: number, w: number, kk: number): Float64Array {
  const oh = Math.floor(h / kk);
  const ow = Math.floor(w / kk);
  const P = h * w;
  const Q = oh * ow;
  const tmp = new Float64Array(P * Q);
  const out = new Float64Array(pairs * Q * Q);
  const inv = 1 / (kk * kk);
  for (let e = 0; e < pairs; e++) {
    tmp.fill(0);
    const ib = e * P * P;
    // pool the second index
    for (let p = 0; p < P; p++) {
      const row = ib + p * P;
      for (let qy = 0; qy < oh; qy++)
        for (let qx = 0; qx < ow; qx++) {
          let s = 0;
          for (let a = 0; a < kk; a++) for (let b = 0; b < kk; b++) s += src[row + (qy * kk + a) * w + qx * kk + b];
          tmp[p * Q + qy * ow + qx] = s * inv;
        }
    }
    // pool the first index
    const ob = e * Q * Q;
    for (let qy = 0; qy < oh; qy++)
      for (let qx = 0; qx < ow; qx++) {
        const orow = ob + (qy * ow + qx) * Q;
        for (let a = 0; a < kk; a++)
          for (let b = 0; b < kk; b++) {
            const p = (qy * kk + a) * w + qx * kk + b;
            for (let q2 = 0; q2 < Q; q2++) out[orow + q2] += tmp[p * Q + q2] * inv;
          }
      }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Modules

function image(ctx: CompileCtx, constraint: string, why: string): readonly [number, number, number] {
  const s = ctx.inShape;
  if (s.length !== 3) return ctx.bad(constraint, why);
  return s;
}

/** Finite passes of a linear reduction given its forward map and adjoint (into zeroed buffers when `zero*`). */
function linearOps(
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

interface AvgPoolSpec extends LayerSpec {
  readonly kind: 'avgpool';
  readonly k: number;
}
const isAvgPool = (s: LayerSpec): s is AvgPoolSpec => s.kind === 'avgpool';

export const avgpool: LayerModule = {
  names: ['avgpool'],
  parse(ctx) {
    const a = new LayerArgs(ctx).take([], [1, 1]);
    const spec: AvgPoolSpec = { kind: 'avgpool', k: a.pos(0, 'k', true, 1) };
    return spec;
  },
  format: (l) => `avgpool(${own(l, isAvgPool, 'avgpool').k})`,
  compile(spec, ctx) {
    const { k } = own(spec, isAvgPool, 'avgpool');
    const [h, w, c] = image(ctx, 'an image input (h×w×c)', 'avgpool pools over image positions.');
    if (h < k || w < k) ctx.bad(`an image at least ${k}×${k}`, 'the image is smaller than the pooling window.');
    const outShape: Shape = [Math.floor(h / k), Math.floor(w / k), c];
    return {
      outShape,
      finite: linearOps(
        h * w * c,
        size(outShape),
        (x, n, out) => avgPool(x, n, h, w, c, k, out),
        (g, n, out) => avgPoolBack(g, n, h, w, c, k, out),
        true,
      ),
      analytic: {
        needsFull: true,
        gaussian: (g) => g.gaussian,
        prepare: () => ({
          apply(r, run) {
            const pairs = pairsOf(r);
            return {
              ...r,
              h: run.h,
              w: run.w,
              nngp: avgPoolFull(r.nngp, pairs, r.h, r.w, k),
              ntk: r.ntk ? avgPoolFull(r.ntk, pairs, r.h, r.w, k) : null,
            };
          },
        }),
      },
    };
  },
};

/** gap and flatten: image → vector, kernels by the mean over all or over equal positions. */
function reduction(name: 'gap' | 'flatten'): LayerModule {
  const is = (s: LayerSpec): s is LayerSpec & { kind: typeof name } => s.kind === name;
  const which = name === 'gap' ? 'all' : 'diagonal';
  return {
    names: [name],
    flattens: true,
    ...(name === 'flatten' ? { convention: 'flatten in NHWC order' } : {}),
    parse(ctx) {
      new LayerArgs(ctx).take([], [0, 0]);
      return { kind: name };
    },
    format: (l) => own(l, is, name).kind,
    compile(spec, ctx) {
      own(spec, is, name);
      const [h, w, c] = image(
        ctx,
        'an image input (h×w×c)',
        `${name} turns an image into a vector; the input is already flat.`,
      );
      const inSize = h * w * c;
      const finite: FiniteOps =
        name === 'gap'
          ? linearOps(
              inSize,
              c,
              (x, n, out) => globalAvgPool(x, n, h * w, c, out),
              (g, n, out) => globalAvgPoolBack(g, n, h * w, c, out),
              false,
            )
          : {
              forward: (x) => x,
              backward: (g, _n, _s, _ctx, wantDx) => (wantDx ? g : null),
              jvp: (x, dx) => ({ y: x, dy: dx ?? new Float64Array(x.length) }),
            };
      return {
        outShape: name === 'gap' ? [c] : [inSize],
        finite,
        analytic: {
          needsFull: name === 'gap',
          meanAllPositions: name === 'gap',
          outRep: () => 'flat',
          gaussian: (g) => g.gaussian,
          prepare: () => ({
            apply(r) {
              const pairs = pairsOf(r);
              const P = r.h * r.w;
              return {
                ...r,
                spatial: 'flat',
                h: 1,
                w: 1,
                nngp: meanOverPositions(r.nngp, pairs, r.spatial, P, which),
                ntk: r.ntk ? meanOverPositions(r.ntk, pairs, r.spatial, P, which) : null,
              };
            },
          }),
        },
      };
    },
  };
}

export const gap = reduction('gap');
export const flatten = reduction('flatten');
