/**
 * layernorm[(axis=channel|all, eps=1e-12)] — neural-tangents' LayerNorm(axis, eps): y = (x − mean)/√(eps + var) over
 * a group of entries (biased variance, no learned scale or shift, as NT):
 *   axis=channel (default; NT's axis=-1) — the features of a flat input; per position, over the channels of an image;
 *   axis=all     — all non-batch axes (NT's axis=(1, 2, 3) on NHWC images; the same as `channel` on flat inputs).
 * Normalizing over spatial axes without the channels (NT's axis=(1, 2)) has no infinite-width kernel (NT raises the
 * same error): `axis=spatial` is rejected.
 *
 * Finite network: per group of N entries, s = 1/√(eps + var), y = (x − μ)·s;
 *   VJP dx = s·(g − mean(g) − y·mean(g ⊙ y)),   JVP dy = s·(dx − mean(dx) − y·mean(dx ⊙ y)).
 * Analytic kernel (Gaussian input required, as NT): at infinite width the group mean is 0 and its variance the
 * kernel diagonal q, deterministic, so Σ[p, p′] and Θ[p, p′] are divided by √((eps + q₁)(eps + q₂)) with q the
 * variance at p and p′ (`channel`) or the mean of q over positions (`all`); the output stays Gaussian.
 */
import { InvalidArgumentError } from '../../errors.js';
import { LayerArgs, own } from '../args.js';
import { type KernelRecord, pairsOf } from '../record.js';
import { size } from '../shape.js';
import type { LayerModule, LayerSpec } from '../types.js';

export type NormAxis = 'channel' | 'all';

export interface LayerNormSpec extends LayerSpec {
  readonly kind: 'layernorm';
  readonly axis: NormAxis;
  readonly eps: number;
}
const isLayerNorm = (s: LayerSpec): s is LayerNormSpec => s.kind === 'layernorm';
const EPS = 1e-12;

/** y = (x − μ)·s per group of `N` consecutive entries; s per group into `inv`. */
function normalize(x: Float64Array, groups: number, N: number, eps: number, y: Float64Array, inv: Float64Array): void {
  for (let g = 0; g < groups; g++) {
    const o = g * N;
    let mu = 0;
    for (let i = 0; i < N; i++) mu += x[o + i];
    mu /= N;
    let v = 0;
    for (let i = 0; i < N; i++) v += (x[o + i] - mu) ** 2;
    const s = 1 / Math.sqrt(eps + v / N);
    inv[g] = s;
    for (let i = 0; i < N; i++) y[o + i] = (x[o + i] - mu) * s;
  }
}

/** out = s·(t − mean(t) − y·mean(t ⊙ y)) per group: the Jacobian of the normalization (symmetric) applied to t. */
function normJacobian(
  t: Float64Array,
  y: Float64Array,
  inv: Float64Array,
  groups: number,
  N: number,
  out: Float64Array,
): void {
  for (let g = 0; g < groups; g++) {
    const o = g * N;
    let m = 0;
    let my = 0;
    for (let i = 0; i < N; i++) {
      m += t[o + i];
      my += t[o + i] * y[o + i];
    }
    m /= N;
    my /= N;
    const s = inv[g];
    for (let i = 0; i < N; i++) out[o + i] = s * (t[o + i] - m - y[o + i] * my);
  }
}

/** Σ and Θ divided by √((eps + q₁)(eps + q₂)) (per position, or the mean over positions for `all`). */
function layerNormKernel(k: KernelRecord, axis: NormAxis, eps: number): KernelRecord {
  const P = k.h * k.w;
  const pairs = pairsOf(k);
  const per = k.spatial === 'full' ? P * P : k.spatial === 'diag' ? P : 1;
  const Pv = k.spatial === 'flat' ? 1 : P;
  // per example: the normalizers 1/√(eps + q) at each position (or of the mean over positions)
  const norm = (v: Float64Array, n: number) => {
    const out = new Float64Array(n * Pv);
    for (let e = 0; e < n; e++) {
      if (axis === 'all') {
        let m = 0;
        for (let p = 0; p < Pv; p++) m += v[e * Pv + p];
        out.fill(1 / Math.sqrt(eps + m / Pv), e * Pv, (e + 1) * Pv);
      } else for (let p = 0; p < Pv; p++) out[e * Pv + p] = 1 / Math.sqrt(eps + v[e * Pv + p]);
    }
    return out;
  };
  const r1 = norm(k.var1, k.n1);
  const r2 = k.self ? r1 : norm(k.var2, k.n2);
  const nngp = new Float64Array(k.nngp.length);
  const ntk = k.ntk ? new Float64Array(k.ntk.length) : null;
  const put = (idx: number, f: number) => {
    nngp[idx] = k.nngp[idx] * f;
    if (ntk && k.ntk) ntk[idx] = k.ntk[idx] * f;
  };
  for (let e = 0; e < pairs; e++) {
    const i = k.self ? e : Math.floor(e / k.n2);
    const j = k.self ? e : e - i * k.n2;
    const b = e * per;
    if (k.spatial === 'full') {
      for (let p = 0; p < P; p++) for (let p2 = 0; p2 < P; p2++) put(b + p * P + p2, r1[i * P + p] * r2[j * P + p2]);
    } else for (let q = 0; q < per; q++) put(b + q, r1[i * Pv + q] * r2[j * Pv + q]);
  }
  return { ...k, nngp, ntk };
}

export const layernorm: LayerModule = {
  names: ['layernorm'],
  parse(ctx) {
    const a = new LayerArgs(ctx).take(['axis', 'eps'], [0, 0]);
    if (a.named.get('axis') === 'spatial')
      ctx.bad(
        '`axis` channel or all (normalizing over positions without the channels has no infinite-width kernel, as in neural-tangents)',
        'spatial',
      );
    const spec: LayerNormSpec = {
      kind: 'layernorm',
      axis: a.word('axis', ['channel', 'all'], 'channel'),
      eps: a.opt('eps', false, 0, EPS),
    };
    return spec;
  },
  format(l) {
    const s = own(l, isLayerNorm, 'layernorm');
    const args = [s.axis !== 'channel' ? `axis=${s.axis}` : '', s.eps !== EPS ? `eps=${s.eps}` : ''].filter(Boolean);
    return args.length ? `layernorm(${args.join(',')})` : 'layernorm';
  },
  compile(spec, ctx) {
    const { axis, eps } = own(spec, isLayerNorm, 'layernorm');
    const shape = ctx.inShape;
    const len = size(shape);
    // entries per group: the channels (features), or the whole example
    const N = axis === 'all' || shape.length === 1 ? len : shape[2];
    const perExample = len / N;
    const affine = ctx.namesWith((m) => m.affine === true).join(' or ');
    return {
      outShape: shape,
      finite: {
        forward(x, n, fctx) {
          const groups = n * perExample;
          const y = fctx.buf('f', n * len, false);
          const inv = fctx.buf('s', groups, false);
          normalize(x, groups, N, eps, y, inv);
          if (fctx.keep) {
            // backward needs y and s: kept as one array [y, s]
            const aux = fctx.buf('a', n * len + groups, false);
            aux.set(y);
            aux.set(inv, n * len);
            fctx.saved.aux = aux;
          }
          return y;
        },
        backward(g, n, saved, bctx, wantDx) {
          if (!wantDx) return null;
          const aux = saved.aux as Float64Array;
          const gin = bctx.buf('b', n * len, false);
          normJacobian(g, aux.subarray(0, n * len), aux.subarray(n * len), n * perExample, N, gin);
          return gin;
        },
        jvp(x, dx, n) {
          const groups = n * perExample;
          const y = new Float64Array(n * len);
          const inv = new Float64Array(groups);
          normalize(x, groups, N, eps, y, inv);
          const dy = new Float64Array(n * len);
          if (dx !== null) normJacobian(dx, y, inv, groups, N, dy);
          return { y, dy };
        },
      },
      analytic: {
        gaussian(g) {
          if (!g.gaussian)
            throw new InvalidArgumentError(
              'kernelFn',
              `arch: layer ${g.path} \`layernorm\``,
              `applied to a Gaussian input (the output of a ${affine} layer, possibly pooled or summed)`,
              g.atInput ? 'the network input' : 'a non-Gaussian input',
              "The infinite-width kernel of layer normalization (neural-tangents' LayerNorm) divides by the deterministic variance of a Gaussian input; here the input is not Gaussian.",
            );
          return true;
        },
        prepare: () => ({ apply: (k) => layerNormKernel(k, axis, eps) }),
      },
    };
  },
};
