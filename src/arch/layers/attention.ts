/**
 * attention(heads=H[, out=, key=, val=, linear_scaling=, mechanism=, key_std=, query_std=, val_std=, out_std=, bstd=,
 * pos_emb=, pos_emb_chan=, pos_emb_std=, val_pos_emb=, frozen]) — global multi-head self-attention over all positions
 * of an image (h×w×c) or a sequence (T tokens × d features, the image T×1×d), neural-tangents' GlobalSelfAttention
 * with its conventions (Hron, Bahri, Sohl-Dickstein & Novak 2020, "Infinite attention: NNGP and NTK for deep attention
 * networks", ICML; NT v0.6.6 stax/linear.py). Per example, X is the P × C matrix of positions (P = h·w) and channels:
 *
 *   X̃ = X (pos_emb=none), X + σ_pe·E (sum), [X, σ_pe·E] (concat; E: P × n_pe, a trained parameter, N(0, 1));
 *   U = X̃·W_Kᵀ/√C̃ (keys), Q = U when linear_scaling (tied weights, NT's default) or X̃·W_Qᵀ/√C̃;
 *   per head h: S_h = σ_QK·Q_h·U_hᵀ / d_k (linear_scaling) or / √d_k,   A_h = mech(S_h) (softmax over key positions,
 *   identity, abs or relu),   Head_h = A_h·V_h with V = σ_V·X_v·W_Vᵀ/√C_v, X_v = X̃ when val_pos_emb (or no
 *   embedding) else X;   output Y = σ_O·[Head_1 … Head_H]·W_Oᵀ/√(H·d_v) + σ_b·b,
 * with σ_QK = key_std·query_std, every weight N(0, 1) (the NTK parameterization, whatever the network's: NT's
 * attention sub-layers always use it). The multipliers are NT's (its 1/(C̃·d_k) on the logits, σ_O·σ_V/√(d_v·H·C_v) on
 * the output) split between the sub-layers; the four projections and E are affine sub-layers (affine.ts: their passes,
 * their structured-NTK factors) with P rows per example.
 *
 * Analytic kernel, as the key/query/value widths, H·d_v and C → ∞ (NT's kernel_fn), on the full representation:
 *   linear_scaling: the logits converge to σ_QK·C̃ov(x) with C̃ov = w_x·K(x, x) + w_pe·R, R = I (independent embeddings
 *   per position; w_x = 1, w_pe = σ_pe² for sum; w_x = C/(C + n_pe), w_pe = σ_pe²·n_pe/(C + n_pe) for concat), so
 *   G(x) = mech(σ_QK·C̃ov(x)) is deterministic per example, and with K_v = w_x·K + w_pe·R (val_pos_emb) or K:
 *     Σ(x, x′) = σ_O²σ_V²·G(x)·K_v(x, x′)·G(x′)ᵀ + σ_b²,
 *     Θ(x, x′) = σ_O²σ_V²·G(x)·(Θ_v + 2·K_v)·G(x′)ᵀ + σ_b²,  Θ_v = w_x·Θ + w_pe·R (val_pos_emb) or Θ
 *   (the weights of values and output each add one K_v term; the key/query path's contribution vanishes);
 *   √d_k scaling with mechanism=identity (K̃ = w_x·K + w_pe·R, Θ̃ = w_x·Θ + w_pe·R, K_v/Θ_v as above, s = σ_QK·σ_O·σ_V,
 *   sums over all position pairs):  D = Σ K̃ ⊙ K_v,
 *     Σ = s²·D·K̃ + σ_b²,   Θ = s²·((Σ K̃ ⊙ Θ_v + Σ Θ̃ ⊙ K_v)·K̃ + D·Θ̃ + 4·D·K̃) + σ_b²;
 *   √d_k scaling with another mechanism has no closed form (NT raises NotImplementedError): refused in the kernel.
 * `frozen` (ntk-lab's, not NT's): every weight of the layer, E included, untrained (Θ drops their terms).
 * Not supported (typed errors): NT's pos_emb_decay_fn (a Python function of distances; the default None, R = I, is
 * what is implemented) and pos_emb_p_norm (used only with it); masks.
 */
import { InvalidArgumentError } from '../../errors.js';
import { gemm } from '../../linalg/blas.js';
import { LayerArgs, own } from '../args.js';
import { type KernelRecord, pairsOf } from '../record.js';
import type {
  AffineSpec,
  BackwardCtx,
  FiniteOps,
  ForwardCtx,
  JvpCtx,
  LayerModule,
  LayerSpec,
  ParamLayer,
} from '../types.js';
import { affineFinite, affineRows } from './affine.js';

export type Mechanism = 'softmax' | 'identity' | 'abs' | 'relu';
export type PosEmb = 'none' | 'sum' | 'concat';

export interface AttentionSpec extends LayerSpec {
  readonly kind: 'attention';
  readonly heads: number;
  /** output channels (null: the input's) */
  readonly out: number | null;
  /** key/query and value channels per head (null: input channels / heads) */
  readonly key: number | null;
  readonly val: number | null;
  readonly linearScaling: boolean;
  readonly mechanism: Mechanism;
  readonly keyStd: number;
  readonly queryStd: number;
  readonly valStd: number;
  readonly outStd: number;
  readonly bstd: number;
  readonly posEmb: PosEmb;
  /** embedding channels for concat (null: the input's) */
  readonly posEmbChan: number | null;
  readonly posEmbStd: number;
  readonly valPosEmb: boolean;
  readonly frozen: boolean;
}

const isAttention = (s: LayerSpec): s is AttentionSpec => s.kind === 'attention';

const OPTIONS = [
  'heads',
  'out',
  'key',
  'val',
  'linear_scaling',
  'mechanism',
  'key_std',
  'query_std',
  'val_std',
  'out_std',
  'bstd',
  'pos_emb',
  'pos_emb_chan',
  'pos_emb_std',
  'val_pos_emb',
  'frozen',
] as const;
const MECHANISMS: readonly Mechanism[] = ['softmax', 'identity', 'abs', 'relu'];
const POS_EMB: readonly PosEmb[] = ['none', 'sum', 'concat'];

const DEFAULTS: Omit<AttentionSpec, 'kind' | 'heads'> = {
  out: null,
  key: null,
  val: null,
  linearScaling: true,
  mechanism: 'softmax',
  keyStd: 1,
  queryStd: 1,
  valStd: 1,
  outStd: 1,
  bstd: 0,
  posEmb: 'none',
  posEmbChan: null,
  posEmbStd: 1,
  valPosEmb: false,
  frozen: false,
};

// ---------------------------------------------------------------------------------------------------------------
// The attention map mech(S) row by row, and its Jacobian (symmetric for every mechanism: diag(a) − a·aᵀ for softmax)

function mechForward(mech: Mechanism, S: Float64Array, A: Float64Array, rows: number, P: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * P;
    if (mech === 'softmax') {
      let m = -Infinity;
      for (let q = 0; q < P; q++) m = Math.max(m, S[o + q]);
      let z = 0;
      for (let q = 0; q < P; q++) {
        const e = Math.exp(S[o + q] - m);
        A[o + q] = e;
        z += e;
      }
      for (let q = 0; q < P; q++) A[o + q] /= z;
    } else if (mech === 'identity') for (let q = 0; q < P; q++) A[o + q] = S[o + q];
    else if (mech === 'abs') for (let q = 0; q < P; q++) A[o + q] = Math.abs(S[o + q]);
    else for (let q = 0; q < P; q++) A[o + q] = S[o + q] > 0 ? S[o + q] : 0;
  }
}

/** out = J_mech(S)·d per row (= J_mechᵀ·d: the VJP and the JVP of mech are the same product). */
function mechJacobian(
  mech: Mechanism,
  S: Float64Array,
  A: Float64Array,
  d: Float64Array,
  out: Float64Array,
  rows: number,
  P: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * P;
    if (mech === 'softmax') {
      let s = 0;
      for (let q = 0; q < P; q++) s += A[o + q] * d[o + q];
      for (let q = 0; q < P; q++) out[o + q] = A[o + q] * (d[o + q] - s);
    } else if (mech === 'identity') for (let q = 0; q < P; q++) out[o + q] = d[o + q];
    else if (mech === 'abs') for (let q = 0; q < P; q++) out[o + q] = Math.sign(S[o + q]) * d[o + q];
    else for (let q = 0; q < P; q++) out[o + q] = S[o + q] > 0 ? d[o + q] : 0;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Geometry and the sub-layers

interface Geom {
  readonly P: number;
  readonly C: number;
  readonly H: number;
  readonly dk: number;
  readonly dv: number;
  readonly out: number;
  /** embedding channels (0 without) */
  readonly nPe: number;
  /** key/query input channels (C, or C + n_pe for concat) */
  readonly Ck: number;
  /** the values read the key input X̃ (no embedding, or val_pos_emb) */
  readonly shareKV: boolean;
  readonly Cv: number;
  /** the logits' multiplier σ_QK/d_k or σ_QK/√d_k */
  readonly c: number;
}

interface Sub {
  readonly pe: ParamLayer | null;
  readonly q: ParamLayer | null;
  readonly k: ParamLayer;
  readonly v: ParamLayer;
  readonly o: ParamLayer;
}

const prefixed = <T extends { buf(role: string, len: number, zero: boolean): Float64Array }>(ctx: T, p: string): T => ({
  ...ctx,
  buf: (role: string, len: number, zero: boolean) => ctx.buf(p + role, len, zero),
});

/** One-hot position rows (n·P × P): the embedding sub-layer's input, so that its affine rows give E's row p. */
function oneHot(n: number, P: number, out: Float64Array = new Float64Array(n * P * P)): Float64Array {
  out.fill(0);
  for (let e = 0; e < n; e++) for (let p = 0; p < P; p++) out[(e * P + p) * P + p] = 1;
  return out;
}

/** X̃ from X and the embedding rows (sum or concat), into `out`. */
function withEmbedding(
  g: Geom,
  mode: PosEmb,
  x: Float64Array | null,
  pe: Float64Array,
  rows: number,
  out: Float64Array,
): Float64Array {
  const { C, Ck, nPe } = g;
  for (let r = 0; r < rows; r++) {
    if (mode === 'sum') for (let c = 0; c < C; c++) out[r * C + c] = (x ? x[r * C + c] : 0) + pe[r * nPe + c];
    else {
      for (let c = 0; c < C; c++) out[r * Ck + c] = x ? x[r * C + c] : 0;
      for (let c = 0; c < nPe; c++) out[r * Ck + C + c] = pe[r * nPe + c];
    }
  }
  return out;
}

function finiteOps(s: AttentionSpec, g: Geom, sub: Sub): FiniteOps {
  const { P, C, H, dk, dv, Ck, Cv, nPe, shareKV, c: scale } = g;
  const HK = H * dk;
  const HV = H * dv;
  const P2 = P * P;
  const mech = s.mechanism;
  const tied = sub.q === null;
  const aff = (p: ParamLayer, fanIn: number) => affineFinite(p, P * fanIn, P * p.out, null);
  const fPe = sub.pe ? aff(sub.pe, P) : null;
  const fQ = sub.q ? aff(sub.q, Ck) : null;
  const fK = aff(sub.k, Ck);
  const fV = aff(sub.v, Cv);
  const fO = aff(sub.o, HV);

  /** S, A and the heads of n examples from queries Qs, keys U and values V (row layouts (e, p) × channels). */
  function attend(
    Qs: Float64Array,
    U: Float64Array,
    V: Float64Array,
    n: number,
    S: Float64Array,
    A: Float64Array,
    Hc: Float64Array,
  ) {
    for (let e = 0; e < n; e++)
      for (let h = 0; h < H; h++) {
        const sh = S.subarray((e * H + h) * P2);
        gemm({
          m: P,
          n: P,
          k: dk,
          a: Qs.subarray(e * P * HK + h * dk),
          lda: HK,
          b: U.subarray(e * P * HK + h * dk),
          ldb: HK,
          transB: true,
          c: sh,
          alpha: scale,
        });
      }
    mechForward(mech, S, A, n * H * P, P);
    for (let e = 0; e < n; e++)
      for (let h = 0; h < H; h++)
        gemm({
          m: P,
          n: dv,
          k: P,
          a: A.subarray((e * H + h) * P2),
          b: V.subarray(e * P * HV + h * dv),
          ldb: HV,
          c: Hc.subarray(e * P * HV + h * dv),
          ldc: HV,
        });
  }

  /** the saved intermediates of a batch of n, as views of one buffer */
  function layout(buf: Float64Array, n: number) {
    const R = n * P;
    let off = 0;
    const take = (len: number) => {
      const v = buf.subarray(off, off + len);
      off += len;
      return v;
    };
    return {
      Xk: s.posEmb === 'none' ? null : take(R * Ck),
      Qm: tied ? null : take(R * HK),
      U: take(R * HK),
      V: take(R * HV),
      S: take(n * H * P2),
      A: take(n * H * P2),
      Hc: take(R * HV),
    };
  }
  const auxLen = (n: number) => {
    const R = n * P;
    return (s.posEmb === 'none' ? 0 : R * Ck) + (tied ? 0 : R * HK) + R * HK + 2 * R * HV + 2 * n * H * P2;
  };

  const embedding = (theta: Float64Array, n: number, oh: Float64Array) =>
    affineRows(theta, sub.pe as ParamLayer, oh, n * P);

  return {
    forward(x, n, ctx: ForwardCtx) {
      const R = n * P;
      const aux = ctx.buf('a', auxLen(n), false);
      const t = layout(aux, n);
      let Xk = x;
      if (t.Xk)
        Xk = withEmbedding(g, s.posEmb, x, embedding(ctx.theta, n, oneHot(n, P, ctx.buf('h', R * P, false))), R, t.Xk);
      const Xv = shareKV ? Xk : x;
      affineRows(ctx.theta, sub.k, Xk, R, t.U);
      if (t.Qm) affineRows(ctx.theta, sub.q as ParamLayer, Xk, R, t.Qm);
      affineRows(ctx.theta, sub.v, Xv, R, t.V);
      attend(t.Qm ?? t.U, t.U, t.V, n, t.S, t.A, t.Hc);
      if (ctx.keep) ctx.saved.aux = aux;
      return affineRows(ctx.theta, sub.o, t.Hc, R, ctx.buf('f', R * g.out, false));
    },
    backward(gy, n, saved, ctx: BackwardCtx, wantDx) {
      const R = n * P;
      const t = layout(saved.aux as Float64Array, n);
      const x = saved.x;
      const Xk = t.Xk ?? x;
      const Xv = shareKV ? Xk : x;
      const Qs = t.Qm ?? t.U;
      const dHc = fO.backward(gy, n, { x: t.Hc }, prefixed(ctx, 'O'), true) as Float64Array;
      const dV = ctx.buf('v', R * HV, false);
      const dU = ctx.buf('u', R * HK, false);
      const dQ = tied ? dU : ctx.buf('q', R * HK, false);
      const dA = ctx.buf('s', P2, false);
      const dS = ctx.buf('t', P2, false);
      for (let e = 0; e < n; e++)
        for (let h = 0; h < H; h++) {
          const o = (e * H + h) * P2;
          const Ah = t.A.subarray(o);
          const dHh = dHc.subarray(e * P * HV + h * dv);
          const Vh = t.V.subarray(e * P * HV + h * dv);
          // dA = dHead·Vᵀ, dV = Aᵀ·dHead
          gemm({ m: P, n: P, k: dv, a: dHh, lda: HV, b: Vh, ldb: HV, transB: true, c: dA });
          gemm({
            m: P,
            n: dv,
            k: P,
            a: Ah,
            transA: true,
            b: dHh,
            ldb: HV,
            c: dV.subarray(e * P * HV + h * dv),
            ldc: HV,
          });
          mechJacobian(mech, t.S.subarray(o, o + P2), Ah, dA, dS, P, P);
          // dQ = c·dS·K, dK = c·dSᵀ·Q (tied: both into dU)
          const off = e * P * HK + h * dk;
          gemm({ m: P, n: dk, k: P, a: dS, b: t.U.subarray(off), ldb: HK, c: dQ.subarray(off), ldc: HK, alpha: scale });
          gemm({
            m: P,
            n: dk,
            k: P,
            a: dS,
            transA: true,
            b: Qs.subarray(off),
            ldb: HK,
            c: dU.subarray(off),
            ldc: HK,
            alpha: scale,
            beta: tied ? 1 : 0,
          });
        }
      // the input cotangents of the projections (needed for dX and for the embedding's gradient)
      const needIn = wantDx || (fPe !== null && !s.frozen);
      const gv = fV.backward(dV, n, { x: Xv }, prefixed(ctx, 'V'), needIn);
      const gk = fK.backward(dU, n, { x: Xk }, prefixed(ctx, 'K'), needIn);
      const gq = fQ ? fQ.backward(dQ, n, { x: Xk }, prefixed(ctx, 'Q'), needIn) : null;
      if (!needIn) return null;
      // cotangent of X̃: keys (+ queries) (+ values when they read X̃)
      const gx = ctx.buf('g', R * Ck, false);
      for (let i = 0; i < R * Ck; i++)
        gx[i] = (gk as Float64Array)[i] + (gq ? gq[i] : 0) + (shareKV ? (gv as Float64Array)[i] : 0);
      if (fPe) {
        let gpe = gx;
        if (s.posEmb === 'concat') {
          gpe = ctx.buf('e', R * nPe, false);
          for (let r = 0; r < R; r++) for (let c = 0; c < nPe; c++) gpe[r * nPe + c] = gx[r * Ck + C + c];
        }
        fPe.backward(gpe, n, { x: oneHot(n, P, ctx.buf('h', R * P, false)) }, prefixed(ctx, 'E'), false);
      }
      if (!wantDx) return null;
      if (s.posEmb === 'none') return gx;
      const dx = ctx.buf('b', R * C, false);
      for (let r = 0; r < R; r++)
        for (let c = 0; c < C; c++) dx[r * C + c] = gx[r * Ck + c] + (shareKV ? 0 : (gv as Float64Array)[r * C + c]);
      return dx;
    },
    jvp(x, dx, n, ctx: JvpCtx) {
      const R = n * P;
      let Xk = x;
      let dXk = dx;
      if (fPe) {
        const pe = fPe.jvp(oneHot(n, P), null, n, ctx);
        Xk = withEmbedding(g, s.posEmb, x, pe.y, R, new Float64Array(R * Ck));
        dXk = withEmbedding(g, s.posEmb, dx, pe.dy, R, new Float64Array(R * Ck));
      }
      const Xv = shareKV ? Xk : x;
      const dXv = shareKV ? dXk : dx;
      const k = fK.jvp(Xk, dXk, n, ctx);
      const q = fQ ? fQ.jvp(Xk, dXk, n, ctx) : k;
      const v = fV.jvp(Xv, dXv, n, ctx);
      const S = new Float64Array(n * H * P2);
      const A = new Float64Array(n * H * P2);
      const Hc = new Float64Array(R * HV);
      attend(q.y, k.y, v.y, n, S, A, Hc);
      const dHc = new Float64Array(R * HV);
      const dS = new Float64Array(P2);
      const dA = new Float64Array(P2);
      for (let e = 0; e < n; e++)
        for (let h = 0; h < H; h++) {
          const o = (e * H + h) * P2;
          const off = e * P * HK + h * dk;
          // dS = c·(dQ·Kᵀ + Q·dKᵀ)
          gemm({
            m: P,
            n: P,
            k: dk,
            a: q.dy.subarray(off),
            lda: HK,
            b: k.y.subarray(off),
            ldb: HK,
            transB: true,
            c: dS,
            alpha: scale,
          });
          gemm({
            m: P,
            n: P,
            k: dk,
            a: q.y.subarray(off),
            lda: HK,
            b: k.dy.subarray(off),
            ldb: HK,
            transB: true,
            c: dS,
            alpha: scale,
            beta: 1,
          });
          mechJacobian(mech, S.subarray(o, o + P2), A.subarray(o, o + P2), dS, dA, P, P);
          // dHead = dA·V + A·dV
          const vo = e * P * HV + h * dv;
          gemm({ m: P, n: dv, k: P, a: dA, b: v.y.subarray(vo), ldb: HV, c: dHc.subarray(vo), ldc: HV });
          gemm({
            m: P,
            n: dv,
            k: P,
            a: A.subarray(o),
            b: v.dy.subarray(vo),
            ldb: HV,
            c: dHc.subarray(vo),
            ldc: HV,
            beta: 1,
          });
        }
      return fO.jvp(Hc, dHc, n, ctx);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The analytic kernel

interface KernelCfg {
  readonly P: number;
  /** σ_QK, (σ_O·σ_V)², σ_b² */
  readonly qk: number;
  readonly ov2: number;
  readonly b2: number;
  readonly wx: number;
  readonly wpe: number;
}

/** Per example, the attention weights G = mech(σ_QK·(w_x·K(x, x) + w_pe·I)) (n × P²). */
function attentionWeights(s: AttentionSpec, cfg: KernelCfg, full: Float64Array, n: number): Float64Array {
  const { P, qk, wx, wpe } = cfg;
  const P2 = P * P;
  const M = new Float64Array(n * P2);
  for (let i = 0; i < n * P2; i++) M[i] = qk * wx * full[i];
  if (wpe !== 0) for (let e = 0; e < n; e++) for (let p = 0; p < P; p++) M[e * P2 + p * P + p] += qk * wpe;
  const G = new Float64Array(n * P2);
  mechForward(s.mechanism, M, G, n * P, P);
  return G;
}

/** a + w·I on one P×P block, into out (w = 0: a copy) */
function plusDiag(a: Float64Array, scaleA: number, w: number, P: number, out: Float64Array): Float64Array {
  for (let i = 0; i < P * P; i++) out[i] = scaleA * a[i];
  if (w !== 0) for (let p = 0; p < P; p++) out[p * P + p] += w;
  return out;
}

function linearKernel(s: AttentionSpec, cfg: KernelCfg, k: KernelRecord, path: string): KernelRecord {
  const { P, ov2, b2, wx, wpe } = cfg;
  const P2 = P * P;
  if (k.spatial !== 'full' || k.full1 === undefined || k.full2 === undefined)
    throw new InvalidArgumentError(
      'kernelFn',
      `arch: layer ${path} \`attention\``,
      'a full input record with the self-covariances',
      k.spatial,
      'internal: the engine did not keep the input self-covariances this layer needs.',
    );
  const G1 = attentionWeights(s, cfg, k.full1, k.n1);
  const G2 = k.self ? G1 : attentionWeights(s, cfg, k.full2, k.n2);
  const pairs = pairsOf(k);
  const nngp = new Float64Array(pairs * P2);
  const ntk = k.ntk ? new Float64Array(pairs * P2) : null;
  const bias = s.bstd !== 0 && !s.frozen ? b2 : 0;
  const kv = new Float64Array(P2);
  const tmp = new Float64Array(P2);
  const blk = new Float64Array(P2);
  // one block: out = ov2·G1·M·G2ᵀ
  const sandwich = (g1: Float64Array, m: Float64Array, g2: Float64Array, out: Float64Array) => {
    gemm({ m: P, n: P, k: P, a: g1, b: m, c: tmp });
    gemm({ m: P, n: P, k: P, a: tmp, b: g2, transB: true, c: out, alpha: ov2 });
  };
  for (let e = 0; e < pairs; e++) {
    const i = k.self ? e : Math.floor(e / k.n2);
    const j = k.self ? e : e - i * k.n2;
    const g1 = G1.subarray(i * P2, (i + 1) * P2);
    const g2 = G2.subarray(j * P2, (j + 1) * P2);
    const o = e * P2;
    if (s.valPosEmb) plusDiag(k.nngp.subarray(o, o + P2), wx, wpe, P, kv);
    else kv.set(k.nngp.subarray(o, o + P2));
    sandwich(g1, kv, g2, blk);
    for (let t = 0; t < P2; t++) nngp[o + t] = blk[t] + b2;
    if (ntk && k.ntk) {
      const th = k.ntk.subarray(o, o + P2);
      // Θ_v (+ 2·K_v for the trained value and output weights)
      const m = s.valPosEmb ? plusDiag(th, wx, s.frozen ? 0 : wpe, P, tmp.slice()) : th.slice();
      if (!s.frozen) for (let t = 0; t < P2; t++) m[t] += 2 * kv[t];
      sandwich(g1, m, g2, blk);
      for (let t = 0; t < P2; t++) ntk[o + t] = blk[t] + bias;
    }
  }
  return { ...k, nngp, ntk };
}

function identitySqrtKernel(s: AttentionSpec, cfg: KernelCfg, k: KernelRecord): KernelRecord {
  const { P, qk, ov2, b2, wx, wpe } = cfg;
  const P2 = P * P;
  const s2 = qk * qk * ov2;
  const pairs = pairsOf(k);
  const nngp = new Float64Array(pairs * P2);
  const ntk = k.ntk ? new Float64Array(pairs * P2) : null;
  const bias = s.bstd !== 0 && !s.frozen ? b2 : 0;
  const kt = new Float64Array(P2);
  const tt = new Float64Array(P2);
  for (let e = 0; e < pairs; e++) {
    const o = e * P2;
    const K = k.nngp.subarray(o, o + P2);
    plusDiag(K, wx, wpe, P, kt);
    const Kv = s.valPosEmb ? kt : K;
    let D = 0;
    for (let t = 0; t < P2; t++) D += kt[t] * Kv[t];
    for (let t = 0; t < P2; t++) nngp[o + t] = s2 * D * kt[t] + b2;
    if (ntk && k.ntk) {
      const T = k.ntk.subarray(o, o + P2);
      plusDiag(T, wx, s.frozen ? 0 : wpe, P, tt);
      const Tv = s.valPosEmb ? tt : T;
      let In = 0;
      for (let t = 0; t < P2; t++) In += kt[t] * Tv[t] + tt[t] * Kv[t];
      const own = s.frozen ? 0 : 4 * D;
      for (let t = 0; t < P2; t++) ntk[o + t] = s2 * (In * kt[t] + D * tt[t] + own * kt[t]) + bias;
    }
  }
  return { ...k, nngp, ntk };
}

// ---------------------------------------------------------------------------------------------------------------
// The module

export const attention: LayerModule = {
  names: ['attention'],
  convention:
    'attention sub-layers as (out, in) matrices with heads stacked on the out axis (head h = rows h·d…(h+1)·d); the positional embedding as (h, w, n_pe)',
  parse(ctx) {
    // NT's distance-decay embeddings (a Python function of distances, and its p-norm) are refused by name
    for (const a of ctx.call.args)
      if (
        !('branches' in a) &&
        (a.key === 'pos_emb_decay_fn' || a.key === 'pos_emb_p_norm' || a.key === 'pos_emb_decay')
      )
        ctx.bad(
          "positional embeddings independent per position (neural-tangents' pos_emb_decay_fn = None; a decay function and its pos_emb_p_norm are not supported)",
          a.key,
        );
    const a = new LayerArgs(ctx).take(OPTIONS, [0, 0]);
    const bool = (key: string, dflt: boolean) => a.word(key, ['true', 'false'], dflt ? 'true' : 'false') === 'true';
    const optInt = (key: string) => (a.named.has(key) ? a.opt(key, true, 1, 1) : null);
    const f = a.named.get('frozen');
    if (f !== undefined && f !== 'true' && f !== 'false') ctx.bad('`frozen` true or false', f);
    const spec: AttentionSpec = {
      kind: 'attention',
      heads: a.opt('heads', true, 1, 1),
      out: optInt('out'),
      key: optInt('key'),
      val: optInt('val'),
      linearScaling: bool('linear_scaling', true),
      mechanism: a.word('mechanism', MECHANISMS, 'softmax'),
      keyStd: a.opt('key_std', false, 0, 1),
      queryStd: a.opt('query_std', false, 0, 1),
      valStd: a.opt('val_std', false, 0, 1),
      outStd: a.opt('out_std', false, 0, 1),
      bstd: a.opt('bstd', false, 0, 0),
      posEmb: a.word('pos_emb', POS_EMB, 'none'),
      posEmbChan: optInt('pos_emb_chan'),
      posEmbStd: a.opt('pos_emb_std', false, 0, 1),
      valPosEmb: bool('val_pos_emb', false),
      frozen: f === 'true',
    };
    return spec;
  },
  format(l) {
    const s = own(l, isAttention, 'attention');
    const parts = [`heads=${s.heads}`];
    const d = DEFAULTS;
    if (s.out !== d.out) parts.push(`out=${s.out}`);
    if (s.key !== d.key) parts.push(`key=${s.key}`);
    if (s.val !== d.val) parts.push(`val=${s.val}`);
    if (s.linearScaling !== d.linearScaling) parts.push(`linear_scaling=${s.linearScaling}`);
    if (s.mechanism !== d.mechanism) parts.push(`mechanism=${s.mechanism}`);
    if (s.keyStd !== d.keyStd) parts.push(`key_std=${String(s.keyStd)}`);
    if (s.queryStd !== d.queryStd) parts.push(`query_std=${String(s.queryStd)}`);
    if (s.valStd !== d.valStd) parts.push(`val_std=${String(s.valStd)}`);
    if (s.outStd !== d.outStd) parts.push(`out_std=${String(s.outStd)}`);
    if (s.bstd !== d.bstd) parts.push(`bstd=${String(s.bstd)}`);
    if (s.posEmb !== d.posEmb) parts.push(`pos_emb=${s.posEmb}`);
    if (s.posEmbChan !== d.posEmbChan) parts.push(`pos_emb_chan=${s.posEmbChan}`);
    if (s.posEmbStd !== d.posEmbStd) parts.push(`pos_emb_std=${String(s.posEmbStd)}`);
    if (s.valPosEmb !== d.valPosEmb) parts.push(`val_pos_emb=${s.valPosEmb}`);
    if (s.frozen) parts.push('frozen');
    return `attention(${parts.join(',')})`;
  },
  compile(spec, ctx) {
    const s = own(spec, isAttention, 'attention');
    const shape = ctx.inShape;
    if (shape.length !== 3)
      return ctx.bad(
        'an input with positions: an image h×w×c, or a sequence of T tokens × d features given as T×1×d',
        'attention attends over the positions of its input and a flat vector has none: give sequences as --input-shape T,D (images as H,W,C) and keep the positions up to attention (no flatten or gap before it).',
      );
    const [h, w, C] = shape;
    const P = h * w;
    const H = s.heads;
    if ((s.key === null || s.val === null) && C % H !== 0)
      ctx.bad(
        `\`heads\` dividing the input channels (${C}) when \`key\` or \`val\` is not given`,
        `the default key/value channels per head are channels/heads = ${C}/${H}; give heads dividing ${C}, or key= and val=.`,
      );
    if (s.posEmb === 'sum' && s.posEmbChan !== null && s.posEmbChan !== C)
      ctx.bad(
        `\`pos_emb_chan\` equal to the input channels (${C}) for pos_emb=sum`,
        `a summed embedding has the input's ${C} channels (neural-tangents refuses another n_chan_pos_emb); pos_emb=concat takes any.`,
      );
    const dk = s.key ?? C / H;
    const dv = s.val ?? C / H;
    const out = s.out ?? C;
    const nPe = s.posEmb === 'none' ? 0 : (s.posEmbChan ?? C);
    const Ck = s.posEmb === 'concat' ? C + nPe : C;
    const shareKV = s.posEmb === 'none' || s.valPosEmb;
    const Cv = shareKV ? Ck : C;
    const qk = s.keyStd * s.queryStd;
    const g: Geom = {
      P,
      C,
      H,
      dk,
      dv,
      out,
      nPe,
      Ck,
      shareKV,
      Cv,
      c: qk / (s.linearScaling ? dk : Math.sqrt(dk)),
    };
    const sublayer = (role: string, fanIn: number, n: number, wScale: number, bstd: number, bScale: number) => {
      const a: AffineSpec = { kind: 'attention', wstd: wScale * Math.sqrt(fanIn), bstd, frozen: s.frozen };
      return ctx.addParams({
        spec: a,
        fanIn,
        out: n,
        kernel: 1,
        inChannels: fanIn,
        positions: P,
        ntkScales: { w: wScale, b: bScale },
        exportWeights:
          role === 'pos_emb'
            ? (W) => {
                // stored (n_pe, P) → (h, w, n_pe) as neural-tangents' pos_emb (without its batch axis)
                const t = new Float64Array(W.length);
                for (let c = 0; c < n; c++) for (let p = 0; p < P; p++) t[p * n + c] = W[c * P + p];
                return { shape: [h, w, n], data: t };
              }
            : (W) => ({ shape: [n, fanIn], data: W }),
        manifest: { role, heads: H },
      });
    };
    const pe = s.posEmb === 'none' ? null : sublayer('pos_emb', P, nPe, s.posEmbStd, 0, 0);
    const q = s.linearScaling ? null : sublayer('query', Ck, H * dk, 1 / Math.sqrt(Ck), 0, 0);
    const k = sublayer(s.linearScaling ? 'key_query' : 'key', Ck, H * dk, 1 / Math.sqrt(Ck), 0, 0);
    const v = sublayer('value', Cv, H * dv, s.valStd / Math.sqrt(Cv), 0, 0);
    const o = sublayer('out', H * dv, out, s.outStd / Math.sqrt(H * dv), s.bstd, s.bstd);
    const cfg: KernelCfg = {
      P,
      qk,
      ov2: (s.outStd * s.valStd) ** 2,
      b2: s.bstd * s.bstd,
      wx: s.posEmb === 'concat' ? C / Ck : 1,
      wpe: s.posEmb === 'none' ? 0 : (s.posEmbStd ** 2 * nPe) / Ck,
    };
    return {
      outShape: [h, w, out],
      param: o,
      finite: finiteOps(s, g, { pe, q, k, v, o }),
      analytic: {
        needsFull: true,
        needsSelfFull: s.linearScaling,
        check(path) {
          if (!s.linearScaling && s.mechanism !== 'identity')
            throw new InvalidArgumentError(
              'kernelFn',
              `arch: layer ${path} \`attention\``,
              'linear_scaling=true, or mechanism=identity with linear_scaling=false',
              `linear_scaling=false, mechanism=${s.mechanism}`,
              'With logits scaled by 1/√key the infinite-width kernel is an integral with no known closed form except for mechanism=identity (neural-tangents raises NotImplementedError); the finite network and its empirical NTK support every combination.',
            );
        },
        // the output is a sum over fresh zero-mean value and output weights: Gaussian whatever the input
        gaussian: () => true,
        prepare: () => ({
          apply: (r) => (s.linearScaling ? linearKernel(s, cfg, r, ctx.path) : identitySqrtKernel(s, cfg, r)),
        }),
      },
    };
  },
};
