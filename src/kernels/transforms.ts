/**
 * Per-layer transforms of the kernel record (pure: each returns a new record; the caller's arrays are not written).
 * Formulas (neural-tangents' stax conventions; K̃ = kernel of the layer input, Θ̃ its NTK):
 *  - dense, NTK param. (Jacot et al. 2018, eq. in Thm 1; Lee et al. 2019 eq. 7):
 *        Σ = σ_w²·K̃ + σ_b²,   Θ = σ_w²·Θ̃ + Σ;
 *    standard param. (Sohl-Dickstein et al. 2020, "On the infinite width limit of NNs with a standard
 *    parameterization"; neural-tangents Dense(parameterization='standard')):
 *        Σ = σ_w²·K̃ + σ_b²,   Θ = σ_w²·Θ̃ + fan_in·K̃ + [bias]·1 — the weights' gradient is the raw input, so the
 *    NTK grows with the layer widths named in the architecture (it has no infinite-width limit; it is the mean of
 *    the empirical NTK of the finite network with those widths).
 *    `frozen` layers keep Σ but add nothing to Θ: Θ = σ_w²·Θ̃.
 *  - conv (Novak et al. 2019, "Bayesian deep CNNs…", eq. 7; Arora et al. 2019, "On exact computation…", §4):
 *    the same with K̃, Θ̃ replaced by their patch averages (1/k²)·Σ_δ K̃[s·q + δ − pad, s·q′ + δ − pad]
 *    (zero outside the image); fan_in = k²·C.
 *  - activation: Σ = K̃_φ(Σ_in), Θ = Θ_in ⊙ Σ̇_φ(Σ_in) (activations.ts).
 *  - avgpool(k): Σ[q, q′] = (1/k⁴)·Σ_{p∈win(q), p′∈win(q′)} Σ_in[p, p′] (needs the full representation).
 *  - gap: mean over all (p, p′); flatten: mean over the diagonal (p, p) (the dense layer that follows divides by
 *    fan_in = h·w·C, so only equal positions survive).
 */
import type { ConvSpec, DenseSpec, Parameterization } from '../nn/arch.js';
import type { ConvGeom } from '../nn/layers.js';
import type { PairKernel } from './activations.js';
import { reluKernel } from './activations.js';
import { type KernelRecord, entriesPerPair, pairsOf } from './record.js';
import type { Spatial } from './program.js';

/** Dense or conv affine step given the (patch-averaged) input kernels; avgT null means Θ̃ = 0 (network input). */
export function affine(
  k: KernelRecord,
  spec: DenseSpec | ConvSpec,
  fanIn: number,
  param: Parameterization,
  avgK: Float64Array,
  avgT: Float64Array | null,
  spatial: Spatial,
  h: number,
  w: number,
): KernelRecord {
  const sw2 = spec.wstd * spec.wstd;
  const sb2 = spec.bstd * spec.bstd;
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

/** Patch average (1/k²)·Σ_δ of one array in the full or diag representation. */
export function convAverage(src: Float64Array, pairs: number, spatial: Spatial, g: ConvGeom): Float64Array {
  const { h, w, k, stride: s, padTop: pt, padLeft: pl, oh, ow } = g;
  const P = h * w;
  const Q = oh * ow;
  const inv = 1 / (k * k);
  // valid output range for an offset d along an axis: 0 ≤ q·s + d − pad < size
  const lo = (d: number, pad: number) => Math.max(0, Math.ceil((pad - d) / s));
  const hi = (d: number, pad: number, size: number, n: number) => Math.min(n, Math.floor((size - 1 + pad - d) / s) + 1);
  if (spatial === 'diag') {
    const out = new Float64Array(pairs * Q);
    for (let e = 0; e < pairs; e++) {
      const ib = e * P;
      const ob = e * Q;
      for (let dy = 0; dy < k; dy++) {
        const y0 = lo(dy, pt);
        const y1 = hi(dy, pt, h, oh);
        for (let dx = 0; dx < k; dx++) {
          const x0 = lo(dx, pl);
          const x1 = hi(dx, pl, w, ow);
          for (let qy = y0; qy < y1; qy++) {
            const row = ib + (qy * s + dy - pt) * w + dx - pl;
            const orow = ob + qy * ow;
            for (let qx = x0; qx < x1; qx++) out[orow + qx] += src[row + qx * s];
          }
        }
      }
      for (let q = 0; q < Q; q++) out[ob + q] *= inv;
    }
    return out;
  }
  const out = new Float64Array(pairs * Q * Q);
  for (let e = 0; e < pairs; e++) {
    const ib = e * P * P;
    const ob = e * Q * Q;
    for (let dy = 0; dy < k; dy++) {
      const y0 = lo(dy, pt);
      const y1 = hi(dy, pt, h, oh);
      for (let dx = 0; dx < k; dx++) {
        const x0 = lo(dx, pl);
        const x1 = hi(dx, pl, w, ow);
        for (let qy = y0; qy < y1; qy++) {
          for (let qx = x0; qx < x1; qx++) {
            const p = (qy * s + dy - pt) * w + qx * s + dx - pl;
            const irow = ib + p * P + dx - pl;
            const orow = ob + (qy * ow + qx) * Q;
            for (let qy2 = y0; qy2 < y1; qy2++) {
              const ir = irow + (qy2 * s + dy - pt) * w;
              const or = orow + qy2 * ow;
              for (let qx2 = x0; qx2 < x1; qx2++) out[or + qx2] += src[ir + qx2 * s];
            }
          }
        }
      }
    }
    for (let q = 0; q < Q * Q; q++) out[ob + q] *= inv;
  }
  return out;
}

/** Activation: Σ = K̃_φ, Θ = Θ_in ⊙ Σ̇_φ, entry by entry with the variances of both sides. */
export function activate(k: KernelRecord, fn: PairKernel): KernelRecord {
  const pairs = pairsOf(k);
  const P = k.h * k.w;
  const S = entriesPerPair(k.spatial, k.h, k.w);
  const nngp = new Float64Array(k.nngp.length);
  const ntk = k.ntk ? new Float64Array(k.ntk.length) : null;
  const tin = k.ntk;
  const { var1, var2 } = k;
  const o = new Float64Array(2);
  const relu = fn === reluKernel;
  const INV_2PI = 1 / (2 * Math.PI);
  for (let e = 0; e < pairs; e++) {
    const i = k.self ? e : Math.floor(e / k.n2);
    const j = k.self ? e : e - i * k.n2;
    const v1 = i * P;
    const v2 = j * P;
    const base = e * S;
    if (k.spatial === 'full') {
      for (let p = 0; p < P; p++) {
        const q1 = var1[v1 + p];
        const row = base + p * P;
        if (relu) {
          // inlined arc-cosine kernel: the hot loop of CNN kernels with gap
          const r1 = q1 > 0 ? 1 / Math.sqrt(q1) : 0;
          const sq1 = Math.sqrt(q1);
          for (let p2 = 0; p2 < P; p2++) {
            const q2 = var2[v2 + p2];
            const idx = row + p2;
            if (!(q2 > 0) || r1 === 0) {
              nngp[idx] = 0;
              if (ntk) ntk[idx] = 0;
              continue;
            }
            const rs2 = Math.sqrt(q2);
            let rho = (k.nngp[idx] * r1) / rs2;
            if (rho > 1) rho = 1;
            else if (rho < -1) rho = -1;
            const th = acosInline(rho);
            nngp[idx] = sq1 * rs2 * (Math.sqrt((1 - rho) * (1 + rho)) + (Math.PI - th) * rho) * INV_2PI;
            if (ntk && tin) ntk[idx] = tin[idx] * (Math.PI - th) * INV_2PI;
          }
        } else {
          for (let p2 = 0; p2 < P; p2++) {
            const idx = row + p2;
            fn(k.nngp[idx], q1, var2[v2 + p2], o);
            nngp[idx] = o[0];
            if (ntk && tin) ntk[idx] = tin[idx] * o[1];
          }
        }
      }
    } else {
      for (let p = 0; p < S; p++) {
        const idx = base + p;
        fn(k.nngp[idx], var1[v1 + p], var2[v2 + p], o);
        nngp[idx] = o[0];
        if (ntk && tin) ntk[idx] = tin[idx] * o[1];
      }
    }
  }
  return { ...k, nngp, ntk };
}

/**
 * activation followed by gap on the full representation, fused: the per-pair means of K̃_φ and Θ̃ ⊙ Σ̇_φ are
 * accumulated without materializing the activated P×P arrays (the hot path of CNN kernels with gap). Same values as
 * reduceSpatial(activate(k)) up to summation order.
 */
export function activateGap(k: KernelRecord, fn: PairKernel): KernelRecord {
  const pairs = pairsOf(k);
  const P = k.h * k.w;
  const S = P * P;
  const nngp = new Float64Array(pairs);
  const ntk = k.ntk ? new Float64Array(pairs) : null;
  const tin = k.ntk;
  const { var1, var2 } = k;
  const o = new Float64Array(2);
  const relu = fn === reluKernel;
  const INV_2PI = 1 / (2 * Math.PI);
  const rs2 = new Float64Array(P);
  for (let e = 0; e < pairs; e++) {
    const i = k.self ? e : Math.floor(e / k.n2);
    const j = k.self ? e : e - i * k.n2;
    const v1 = i * P;
    const v2 = j * P;
    const base = e * S;
    let sk = 0;
    let st = 0;
    for (let p2 = 0; p2 < P; p2++) rs2[p2] = Math.sqrt(Math.max(var2[v2 + p2], 0));
    for (let p = 0; p < P; p++) {
      const q1 = var1[v1 + p];
      const row = base + p * P;
      if (relu) {
        if (!(q1 > 0)) continue;
        const sq1 = Math.sqrt(q1);
        const r1 = 1 / sq1;
        for (let p2 = 0; p2 < P; p2++) {
          const s2 = rs2[p2];
          if (!(s2 > 0)) continue;
          const idx = row + p2;
          let rho = (k.nngp[idx] * r1) / s2;
          if (rho > 1) rho = 1;
          else if (rho < -1) rho = -1;
          const pt = Math.PI - acosInline(rho);
          sk += sq1 * s2 * (Math.sqrt((1 - rho) * (1 + rho)) + pt * rho);
          if (tin) st += tin[idx] * pt;
        }
      } else {
        for (let p2 = 0; p2 < P; p2++) {
          const idx = row + p2;
          fn(k.nngp[idx], q1, var2[v2 + p2], o);
          sk += o[0] * 2 * Math.PI;
          if (tin) st += tin[idx] * o[1] * 2 * Math.PI;
        }
      }
    }
    nngp[e] = (sk * INV_2PI) / S;
    if (ntk) ntk[e] = (st * INV_2PI) / S;
  }
  return { ...k, spatial: 'flat', h: 1, w: 1, nngp, ntk };
}

// fdlibm asin rational approximation (see activations.ts), repeated here so the hot loop inlines it.
function acosInline(x: number): number {
  const ax = x < 0 ? -x : x;
  if (ax <= 0.5) {
    const t = x * x;
    const p =
      t *
      (1.66666666666666657415e-1 +
        t *
          (-3.25565818622400915405e-1 +
            t *
              (2.01212532134862925881e-1 +
                t * (-4.00555345006794114027e-2 + t * (7.91534994289814532176e-4 + t * 3.4793310759602116757e-5)))));
    const q =
      1 +
      t *
        (-2.40339491173441421878 +
          t * (2.02094576023350569471 + t * (-6.8828397160545329303e-1 + t * 7.70381505559019352791e-2)));
    return Math.PI / 2 - (x + (x * p) / q);
  }
  const z = 0.5 * (1 - ax);
  const s = Math.sqrt(z);
  const p =
    z *
    (1.66666666666666657415e-1 +
      z *
        (-3.25565818622400915405e-1 +
          z *
            (2.01212532134862925881e-1 +
              z * (-4.00555345006794114027e-2 + z * (7.91534994289814532176e-4 + z * 3.4793310759602116757e-5)))));
  const q =
    1 +
    z *
      (-2.40339491173441421878 +
        z * (2.02094576023350569471 + z * (-6.8828397160545329303e-1 + z * 7.70381505559019352791e-2)));
  const a = 2 * (s + (s * p) / q);
  return x > 0 ? a : Math.PI - a;
}

/** k×k average pooling (stride k, valid) of the full representation. */
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

/** gap (mean over all position pairs) or flatten (mean over equal positions) of one array → one value per pair. */
export function reduceSpatial(
  src: Float64Array,
  pairs: number,
  spatial: Spatial,
  P: number,
  kind: 'gap' | 'flatten',
): Float64Array {
  const out = new Float64Array(pairs);
  for (let e = 0; e < pairs; e++) {
    let s = 0;
    if (spatial === 'diag') {
      const b = e * P;
      for (let p = 0; p < P; p++) s += src[b + p];
      out[e] = s / P;
    } else if (kind === 'flatten') {
      const b = e * P * P;
      for (let p = 0; p < P; p++) s += src[b + p * P + p];
      out[e] = s / P;
    } else {
      const b = e * P * P;
      for (let p = 0; p < P * P; p++) s += src[b + p];
      out[e] = s / (P * P);
    }
  }
  return out;
}

/** The equal-position entries of the full representation. */
export function toDiag(src: Float64Array, pairs: number, P: number): Float64Array {
  const out = new Float64Array(pairs * P);
  for (let e = 0; e < pairs; e++) for (let p = 0; p < P; p++) out[e * P + p] = src[e * P * P + p * P + p];
  return out;
}
