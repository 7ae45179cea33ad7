/**
 * avgpool(k[, stride=s, padding=valid|same|circular, normalize_edges=true]) and sumpool(k[, stride=, padding=]) —
 * neural-tangents' AvgPool / SumPool with a square k×k window: y_q = w_q·Σ_{p ∈ win(q)} x_p per channel, windows
 * placed as a conv's (conv.ts: `same` pads as TF/JAX, `circular` wraps around), w_q = 1/k² (avgpool; the zeros of
 * `same` padding count, NT's default normalize_edges=False), 1/|win(q) ∩ image| (avgpool with normalize_edges=true
 * and padding=same, as jax.example_libraries.stax.AvgPool), or 1 (sumpool).
 * Default stride = k (non-overlapping windows, PyTorch's default); NT's default is stride 1 — write `stride=1`.
 * `avgpool(k)` = k×k windows, stride k, valid: (h, w, c) → (⌊h/k⌋, ⌊w/k⌋, c).
 *
 * Kernel: Σ[q, q′] = w_q·w_q′·Σ_{p ∈ win(q), p′ ∈ win(q′)} Σ_in[p, p′] (the same for Θ), which needs the full
 * representation; computed separably (second index, then first). Linear, so a Gaussian process stays Gaussian.
 */
import { LayerArgs, own } from '../args.js';
import { pairsOf } from '../record.js';
import { size } from '../shape.js';
import type { LayerModule, LayerSpec, Shape } from '../types.js';
import { type ConvGeom, PADDINGS, type Padding, convGeom, tapPositions } from './conv.js';
import { image, linearOps } from './linear.js';

/** A pooling layer's windows: per output position its T = k² input positions (−1: padding) and its weight. */
export interface PoolWindows {
  readonly g: ConvGeom;
  readonly taps: Int32Array;
  readonly T: number;
  readonly weights: Float64Array;
}

export function poolWindows(g: ConvGeom, kind: 'avg' | 'sum', normalizeEdges: boolean): PoolWindows {
  const taps = tapPositions(g);
  const T = g.k * g.k;
  const weights = new Float64Array(g.P);
  for (let q = 0; q < g.P; q++) {
    let count = T;
    if (normalizeEdges) {
      count = 0;
      for (let t = 0; t < T; t++) if (taps[q * T + t] >= 0) count++;
    }
    weights[q] = kind === 'sum' ? 1 : 1 / count;
  }
  return { g, taps, T, weights };
}

/** Pooling of n NHWC images (into a zeroed `out`). */
export function pool(x: Float64Array, n: number, win: PoolWindows, out: Float64Array): Float64Array {
  const { g, taps, T, weights } = win;
  const { c, P: Q } = g;
  const P = g.h * g.w;
  for (let e = 0; e < n; e++) {
    for (let q = 0; q < Q; q++) {
      const o = (e * Q + q) * c;
      for (let t = 0; t < T; t++) {
        const p = taps[q * T + t];
        if (p < 0) continue;
        const s = (e * P + p) * c;
        for (let ch = 0; ch < c; ch++) out[o + ch] += x[s + ch];
      }
      const wq = weights[q];
      if (wq !== 1) for (let ch = 0; ch < c; ch++) out[o + ch] *= wq;
    }
  }
  return out;
}

/** Adjoint of pool (into a zeroed `out`). */
export function poolBack(gr: Float64Array, n: number, win: PoolWindows, out: Float64Array): Float64Array {
  const { g, taps, T, weights } = win;
  const { c, P: Q } = g;
  const P = g.h * g.w;
  for (let e = 0; e < n; e++) {
    for (let q = 0; q < Q; q++) {
      const o = (e * Q + q) * c;
      const wq = weights[q];
      for (let t = 0; t < T; t++) {
        const p = taps[q * T + t];
        if (p < 0) continue;
        const s = (e * P + p) * c;
        for (let ch = 0; ch < c; ch++) out[s + ch] += gr[o + ch] * wq;
      }
    }
  }
  return out;
}

/** Pooling of the full kernel representation: both position indices, the second first. */
export function poolFull(src: Float64Array, pairs: number, win: PoolWindows): Float64Array {
  const { g, taps, T, weights } = win;
  const P = g.h * g.w;
  const Q = g.P;
  const tmp = new Float64Array(P * Q);
  const out = new Float64Array(pairs * Q * Q);
  for (let e = 0; e < pairs; e++) {
    const ib = e * P * P;
    // pool the second index
    for (let p = 0; p < P; p++) {
      const row = ib + p * P;
      for (let q2 = 0; q2 < Q; q2++) {
        let s = 0;
        for (let t = 0; t < T; t++) {
          const p2 = taps[q2 * T + t];
          if (p2 >= 0) s += src[row + p2];
        }
        tmp[p * Q + q2] = s * weights[q2];
      }
    }
    // pool the first index
    const ob = e * Q * Q;
    for (let q = 0; q < Q; q++) {
      const orow = ob + q * Q;
      const wq = weights[q];
      for (let t = 0; t < T; t++) {
        const p = taps[q * T + t];
        if (p < 0) continue;
        for (let q2 = 0; q2 < Q; q2++) out[orow + q2] += tmp[p * Q + q2] * wq;
      }
    }
  }
  return out;
}

interface PoolSpec extends LayerSpec {
  readonly kind: 'avgpool' | 'sumpool';
  readonly k: number;
  /** omitted when it is k (the default) */
  readonly stride?: number;
  /** omitted when `valid` */
  readonly padding?: Exclude<Padding, 'valid'>;
  /** avgpool only; omitted when false */
  readonly normalizeEdges?: true;
}
const isPool = (s: LayerSpec): s is PoolSpec => s.kind === 'avgpool' || s.kind === 'sumpool';

export const avgpool: LayerModule = {
  names: ['avgpool', 'sumpool'],
  parse(ctx) {
    const avg = ctx.call.name === 'avgpool';
    const a = new LayerArgs(ctx).take(avg ? ['stride', 'padding', 'normalize_edges'] : ['stride', 'padding'], [1, 1]);
    const k = a.pos(0, 'k', true, 1);
    const stride = a.opt('stride', true, 1, k);
    const padding = a.word('padding', PADDINGS, 'valid');
    const ne = a.word('normalize_edges', ['true', 'false'], 'false') === 'true';
    const spec: PoolSpec = {
      kind: avg ? 'avgpool' : 'sumpool',
      k,
      ...(stride !== k ? { stride } : {}),
      ...(padding !== 'valid' ? { padding } : {}),
      ...(ne ? { normalizeEdges: true as const } : {}),
    };
    return spec;
  },
  format(l) {
    const s = own(l, isPool, 'avgpool');
    const opts = [
      s.stride !== undefined ? `stride=${s.stride}` : '',
      s.padding !== undefined ? `padding=${s.padding}` : '',
      s.normalizeEdges ? 'normalize_edges=true' : '',
    ].filter(Boolean);
    return `${s.kind}(${[String(s.k), ...opts].join(',')})`;
  },
  compile(spec, ctx) {
    const s = own(spec, isPool, 'avgpool');
    const { k } = s;
    const [h, w, c] = image(ctx, 'an image input (h×w×c)', `${s.kind} pools over image positions.`);
    const padding = s.padding ?? 'valid';
    const g = convGeom(h, w, c, k, s.stride ?? k, padding);
    if (g === null)
      return ctx.bad(
        `an image at least ${k}×${k} for padding=valid`,
        'the image is smaller than the pooling window (padding=same or circular pools windows that extend past the edges).',
      );
    // normalize_edges only changes windows that reach into `same` padding (as NT)
    const win = poolWindows(g, s.kind === 'sumpool' ? 'sum' : 'avg', s.normalizeEdges === true && padding === 'same');
    const outShape: Shape = [g.oh, g.ow, c];
    return {
      outShape,
      finite: linearOps(
        h * w * c,
        size(outShape),
        (x, n, out) => pool(x, n, win, out ?? new Float64Array(n * size(outShape))),
        (gr, n, out) => poolBack(gr, n, win, out),
        true,
      ),
      analytic: {
        needsFull: true,
        poolWindows: { taps: win.taps, T: win.T, weights: win.weights, h: win.g.oh, w: win.g.ow },
        gaussian: (gc) => gc.gaussian,
        prepare: () => ({
          apply(r, run) {
            const pairs = pairsOf(r);
            return {
              ...r,
              h: run.h,
              w: run.w,
              nngp: poolFull(r.nngp, pairs, win),
              ntk: r.ntk ? poolFull(r.ntk, pairs, win) : null,
            };
          },
        }),
      },
    };
  },
};
