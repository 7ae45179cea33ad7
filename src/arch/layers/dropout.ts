/**
 * dropout(rate) — neural-tangents' Dropout(rate, mode='train'): y = m ⊙ x / rate with m ~ Bernoulli(rate) per entry;
 * `rate` is the KEEP probability, as in NT and jax.example_libraries.stax (PyTorch's nn.Dropout(p) is rate = 1 − p),
 * 0 < rate ≤ 1 (rate = 1: the identity).
 *
 * Finite network: the masks are drawn from the network's noise seed (Params.noiseSeed, drawn by init from its rng),
 * the layer path and the example (types.ts NoiseFn): a fixed random function, like NT's apply_fn with a fixed `rng`;
 * the same example gets the same mask in every pass (forward, VJP, JVP, the empirical NTK's tiles), different examples
 * and different seeds independent ones. The mask is not redrawn per training step.
 *
 * Analytic kernel (NT's train-mode kernel): E[m_a m′_b]/rate² = 1/rate for the same entry of the same example, 1
 * otherwise, so Σ and Θ are multiplied by 1/rate on the pairs that are one example (K(x, x): NT's `x1_is_x2`) at equal
 * positions (p, p), and unchanged elsewhere; the variances q(x) likewise. As in NT, the output is no longer treated as
 * Gaussian (an activation right after dropout is rejected) and dropout on the network input is rejected.
 */
import { InvalidArgumentError } from '../../errors.js';
import { LayerArgs, own } from '../args.js';
import { type KernelRecord, pairsOf } from '../record.js';
import { size } from '../shape.js';
import type { LayerModule, LayerSpec, NoiseFn } from '../types.js';

export interface DropoutSpec extends LayerSpec {
  readonly kind: 'dropout';
  readonly rate: number;
}
const isDropout = (s: LayerSpec): s is DropoutSpec => s.kind === 'dropout';

/** The keep/drop multipliers m/rate of a batch (n × len): the same for an example in every pass. */
function masks(noise: NoiseFn | undefined, path: string, n: number, len: number, rate: number, out: Float64Array) {
  if (noise === undefined)
    throw new InvalidArgumentError(
      'dropout',
      `layer ${path}`,
      'run through src/nn (apply, forward, jvp), which supplies the random masks',
      'a pass context without `noise`',
    );
  const inv = 1 / rate;
  for (let e = 0; e < n; e++) {
    const r = noise(path, e);
    for (let i = 0; i < len; i++) out[e * len + i] = r.uniform() < rate ? inv : 0;
  }
  return out;
}

/** Σ and Θ × 1/rate on the entries (same example, same position). */
function dropoutKernel(k: KernelRecord, rate: number, same: number | null): KernelRecord {
  const f = 1 / rate;
  const P = k.h * k.w;
  const pairs = pairsOf(k);
  const nngp = k.nngp.slice();
  const ntk = k.ntk ? k.ntk.slice() : null;
  const scale = (e: number) => {
    if (k.spatial === 'full') {
      for (let p = 0; p < P; p++) {
        nngp[e * P * P + p * P + p] *= f;
        if (ntk) ntk[e * P * P + p * P + p] *= f;
      }
    } else {
      const S = k.spatial === 'diag' ? P : 1;
      for (let p = 0; p < S; p++) {
        nngp[e * S + p] *= f;
        if (ntk) ntk[e * S + p] *= f;
      }
    }
  };
  if (k.self) for (let e = 0; e < pairs; e++) scale(e);
  else if (same !== null)
    for (let i = 0; i < k.n1; i++) {
      const j = i + same;
      if (j >= 0 && j < k.n2) scale(i * k.n2 + j);
    }
  return { ...k, nngp, ntk };
}

export const dropout: LayerModule = {
  names: ['dropout'],
  convention: 'dropout(rate): rate = keep probability (NT), masks fixed per (noise seed, layer, example)',
  parse(ctx) {
    const a = new LayerArgs(ctx).take([], [1, 1]);
    const rate = a.pos(0, 'rate', false, -Infinity);
    if (!(rate > 0 && rate <= 1))
      ctx.bad('`rate` (the keep probability, as neural-tangents) in (0, 1]', a.positional[0]);
    const spec: DropoutSpec = { kind: 'dropout', rate };
    return spec;
  },
  format: (l) => `dropout(${own(l, isDropout, 'dropout').rate})`,
  compile(spec, ctx) {
    const { rate } = own(spec, isDropout, 'dropout');
    const len = size(ctx.inShape);
    const path = ctx.path;
    return {
      outShape: ctx.inShape,
      finite: {
        forward(x, n, fctx) {
          const m = masks(fctx.noise, path, n, len, rate, fctx.buf('m', n * len, false));
          const y = fctx.buf('f', n * len, false);
          for (let i = 0; i < y.length; i++) y[i] = m[i] * x[i];
          if (fctx.keep) fctx.saved.aux = m;
          return y;
        },
        backward(g, n, saved, bctx, wantDx) {
          if (!wantDx) return null;
          const m = saved.aux as Float64Array;
          const gin = bctx.buf('b', n * len, false);
          for (let i = 0; i < gin.length; i++) gin[i] = m[i] * g[i];
          return gin;
        },
        jvp(x, dx, n, jctx) {
          const m = masks(jctx.noise, path, n, len, rate, new Float64Array(n * len));
          const y = new Float64Array(n * len);
          const dy = new Float64Array(n * len);
          for (let i = 0; i < y.length; i++) {
            y[i] = m[i] * x[i];
            if (dx !== null) dy[i] = m[i] * dx[i];
          }
          return { y, dy };
        },
      },
      analytic: {
        gaussian(g) {
          if (g.atInput)
            throw new InvalidArgumentError(
              'kernelFn',
              `arch: layer ${g.path} \`dropout\``,
              'applied after a layer (not to the network input)',
              'the network input',
              "neural-tangents' Dropout kernel is defined for hidden layers only; put a dense or conv layer first.",
            );
          return false;
        },
        prepare: () => ({ apply: (k, run) => dropoutKernel(k, rate, run.same ?? null) }),
      },
    };
  },
};
