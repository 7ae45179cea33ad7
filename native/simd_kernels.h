// The analytic CNN kernel's hot loops (src/arch/layers/activations.ts, conv.ts), written as plain loops that the
// compiler vectorizes: one body, compiled once per instruction set (kernels.cc: AVX-512, AVX2+FMA, baseline x86-64)
// and dispatched at run time. Pure C++ without N-API, so the same source also builds for WebAssembly SIMD (the
// measurement in docs/kernels.md).
//
// Bit-identity with the TypeScript reference: every per-entry value is computed with the same IEEE operations in the
// same order as the scalar code (fdlibm's rational arccos as fastAcos, (c·r1)/s2, no contraction into FMA: the file
// is compiled with -ffp-contract=off), branches become selects of values computed on all lanes, and the sums over
// entries are added one by one in the reference's order. The one FMA is the patch Gram's dot product, which mirrors
// OpenBLAS's dgemm kernels (acc = fma(a_t, b_t, acc) for t = 0..K−1, then alpha·acc), the reference's GEMM.
#pragma once
#if defined(__wasm__) && !defined(__wasi__)
// freestanding WebAssembly (bench/analytic/wasm): the few libm functions used, as wasm instructions
#include <stdint.h>
namespace std {
inline double sqrt(double x) { return __builtin_sqrt(x); }
inline double fabs(double x) { return __builtin_fabs(x); }
inline double fmax(double x, double y) { return x != x ? y : y != y ? x : x > y ? x : y; }
// (no fused multiply-add in WebAssembly SIMD 1.0: convReluMean is not built for it)
inline double fma(double a, double b, double c) { return __builtin_fma(a, b, c); }
}  // namespace std
#else
#include <cmath>
#include <cstdint>
#endif

#define NTK_INLINE inline __attribute__((always_inline))

namespace ntk_simd {

constexpr double kPi = 3.141592653589793;
constexpr double kHalfPi = kPi / 2;
constexpr double kInv2Pi = 1 / (2 * kPi);

// fdlibm e_asin.c's rational approximation R(t) on [0, 0.25] (activations.ts asinR)
NTK_INLINE double asinR(double t) {
  const double pS0 = 1.66666666666666657415e-1, pS1 = -3.25565818622400915405e-1, pS2 = 2.01212532134862925881e-1,
               pS3 = -4.00555345006794114027e-2, pS4 = 7.91534994289814532176e-4, pS5 = 3.4793310759602116757e-5,
               qS1 = -2.40339491173441421878, qS2 = 2.02094576023350569471, qS3 = -6.8828397160545329303e-1,
               qS4 = 7.70381505559019352791e-2;
  const double p = t * (pS0 + t * (pS1 + t * (pS2 + t * (pS3 + t * (pS4 + t * pS5)))));
  const double q = 1 + t * (qS1 + t * (qS2 + t * (qS3 + t * qS4)));
  return p / q;
}

// arccos on [−1, 1], branch-free and bit-identical to activations.ts fastAcos for every x in [−1, 1] (at ±1 the
// |x| > ½ branch gives fastAcos's 0 and π exactly). 1 + x for x < 0 is the same IEEE operation as 1 − |x|.
NTK_INLINE double acosSel(double x) {
  const double ax = std::fabs(x);
  const bool small = ax <= 0.5;
  // z = small ? x² : ½(1 − |x|), written as the smaller of the two so that the compiler cannot duplicate the rational and the square
  // root per branch (it did: 3 divisions and 3 square roots per entry instead of 2 and 2). The same value: for
  // |x| < ½, x² rounds to ≤ ¼ < ½(1 − |x|) (exact: 1 − |x| by Sterbenz); for |x| > ½ the reverse; at |x| = ½ both
  // are ¼. (A NaN x gives NaN either way.)
  const double x2 = x * x, h = 0.5 * (1 - ax);
  const double z = x2 < h ? x2 : h;
  const double r = asinR(z);
  const double s = std::sqrt(z);
  const double big = 2 * (s + s * r);
  return small ? kHalfPi - (x + x * r) : (x > 0 ? big : kPi - big);
}

NTK_INLINE double clamp1(double rho) {
  rho = rho > 1 ? 1 : rho;
  return rho < -1 ? -1 : rho;
}

// The relu arc-cosine terms of one row p (q1 > 0) against positions p2 < n (activations.ts activateMeanAll),
// added to sk (sq1·s2·J(ρ)) and st (Θ̃·(π − θ)) one by one in the reference's order; entries whose s2 = √max(q2, 0)
// is not > 0 add nothing (skipping them or adding +0 is the same: a sum that starts at +0 never becomes −0). The sums
// are in-order reductions: the compiler keeps their order (no -ffast-math) and overlaps them with the next terms.
// One relu entry: tk = sq1·s2·J(ρ), tt = Θ̃·(π − θ), both 0 unless s2 > 0.
NTK_INLINE void reluTerm(double c, double tin, double s2, double sq1, double r1, double& tk, double& tt) {
  const double rho = clamp1((c * r1) / s2);
  const double pt = kPi - acosSel(rho);
  const double j = std::sqrt((1 - rho) * (1 + rho)) + pt * rho;
  const bool ok = s2 > 0;
  tk = ok ? sq1 * s2 * j : 0;
  tt = ok ? tin * pt : 0;
}

constexpr int kChunk = 16;
// convReluMean's chunk: 8 vectors of AVX-512 per step, so that the long dependency chains of one entry (Gram, ρ,
// the rational, the square roots: ~200 cycles) overlap across enough independent vectors
constexpr int kConvChunk = 64;

NTK_INLINE void reluRowSum(const double* __restrict c, const double* __restrict tin, const double* __restrict rs2,
                           int n, double sq1, double r1, double& sk, double& st) {
  double a = sk, b = st;
  alignas(64) double tk[kChunk], tt[kChunk];
  int p0 = 0;
  // chunks of terms computed as vectors, then added in order: the adds of one chunk overlap the next chunk's terms
  for (; p0 + kChunk <= n; p0 += kChunk) {
    if (tin) {
      for (int u = 0; u < kChunk; u++) reluTerm(c[p0 + u], tin[p0 + u], rs2[p0 + u], sq1, r1, tk[u], tt[u]);
      for (int u = 0; u < kChunk; u++) {
        a += tk[u];
        b += tt[u];
      }
    } else {
      for (int u = 0; u < kChunk; u++) reluTerm(c[p0 + u], 0, rs2[p0 + u], sq1, r1, tk[u], tt[u]);
      for (int u = 0; u < kChunk; u++) a += tk[u];
    }
  }
  for (int p2 = p0; p2 < n; p2++) {
    double x, y;
    reluTerm(c[p2], tin ? tin[p2] : 0, rs2[p2], sq1, r1, x, y);
    a += x;
    b += y;
  }
  sk = a;
  st = tin ? b : st;
}

// activateMeanAll with the relu kernel on a cross record (full, P×P per pair, pairs = n1·n2): the per-pair means
// of K̃ and Θ̃ ⊙ Σ̇. rs2: scratch of P.
NTK_INLINE void reluMeanAll(const double* nngp, const double* ntk, const double* var1, const double* var2, int64_t n1,
                            int64_t n2, int P, double* outK, double* outT, double* rs2) {
  const int64_t S = static_cast<int64_t>(P) * P;
  for (int64_t e = 0; e < n1 * n2; e++) {
    const int64_t i = e / n2, j = e - i * n2;
    const double* v1 = var1 + i * P;
    const double* v2 = var2 + j * P;
    // (Math.max(NaN, 0) is NaN where fmax gives 0: either way the entry is skipped, as !(s2 > 0))
    for (int p2 = 0; p2 < P; p2++) rs2[p2] = std::sqrt(std::fmax(v2[p2], 0.0));
    double sk = 0, st = 0;
    for (int p = 0; p < P; p++) {
      const double q1 = v1[p];
      if (!(q1 > 0)) continue;
      const double sq1 = std::sqrt(q1);
      const double r1 = 1 / sq1;
      const int64_t row = e * S + static_cast<int64_t>(p) * P;
      reluRowSum(nngp + row, ntk ? ntk + row : nullptr, rs2, P, sq1, r1, sk, st);
    }
    outK[e] = (sk * kInv2Pi) / S;
    if (outT) outT[e] = (st * kInv2Pi) / S;
  }
}

// activate() with the relu kernel on a full record: per entry K̃ and Θ̃ ⊙ Σ̇ (no sums: order-free).
NTK_INLINE void reluFull(const double* nngp, const double* ntk, const double* var1, const double* var2, int64_t n1,
                         int64_t n2, bool self, int P, double* outK, double* outT) {
  const int64_t S = static_cast<int64_t>(P) * P;
  const int64_t pairs = self ? n1 : n1 * n2;
  for (int64_t e = 0; e < pairs; e++) {
    const int64_t i = self ? e : e / n2, j = self ? e : e - i * n2;
    const double* v1 = var1 + i * P;
    const double* __restrict v2 = var2 + j * P;
    for (int p = 0; p < P; p++) {
      const double q1 = v1[p];
      const double r1 = q1 > 0 ? 1 / std::sqrt(q1) : 0;
      const double sq1 = std::sqrt(q1);
      const int64_t row = e * S + static_cast<int64_t>(p) * P;
      const double* __restrict c = nngp + row;
      double* __restrict ok_ = outK + row;
      if (ntk) {
        const double* __restrict tin = ntk + row;
        double* __restrict ot = outT + row;
#pragma GCC ivdep
        for (int p2 = 0; p2 < P; p2++) {
          const double q2 = v2[p2];
          const double rs2 = std::sqrt(q2);
          const double rho = clamp1((c[p2] * r1) / rs2);
          const double pt = kPi - acosSel(rho);
          const double jj = std::sqrt((1 - rho) * (1 + rho)) + pt * rho;
          const bool ok = (q2 > 0) & (r1 != 0);
          ok_[p2] = ok ? sq1 * rs2 * jj * kInv2Pi : 0;
          ot[p2] = ok ? tin[p2] * pt * kInv2Pi : 0;
        }
      } else {
#pragma GCC ivdep
        for (int p2 = 0; p2 < P; p2++) {
          const double q2 = v2[p2];
          const double rs2 = std::sqrt(q2);
          const double rho = clamp1((c[p2] * r1) / rs2);
          const double pt = kPi - acosSel(rho);
          const double jj = std::sqrt((1 - rho) * (1 + rho)) + pt * rho;
          const bool ok = (q2 > 0) & (r1 != 0);
          ok_[p2] = ok ? sq1 * rs2 * jj * kInv2Pi : 0;
        }
      }
    }
  }
}

// One row of activate()'s relu on a full record (reluFull's arithmetic): out[p2] for p2 < P.
NTK_INLINE void reluFullRow(const double* __restrict c, const double* __restrict v2, int P, double q1,
                            double* __restrict out) {
  const double r1 = q1 > 0 ? 1 / std::sqrt(q1) : 0;
  const double sq1 = std::sqrt(q1);
#pragma GCC ivdep
  for (int p2 = 0; p2 < P; p2++) {
    const double q2 = v2[p2];
    const double rs2 = std::sqrt(q2);
    const double rho = clamp1((c[p2] * r1) / rs2);
    const double pt = kPi - acosSel(rho);
    const double jj = std::sqrt((1 - rho) * (1 + rho)) + pt * rho;
    const bool ok = (q2 > 0) & (r1 != 0);
    out[p2] = ok ? sq1 * rs2 * jj * kInv2Pi : 0;
  }
}

// The same row's Θ̃ ⊙ Σ̇ entries.
NTK_INLINE void reluFullRowT(const double* __restrict c, const double* __restrict tin, const double* __restrict v2,
                             int P, double q1, double* __restrict out) {
  const double r1 = q1 > 0 ? 1 / std::sqrt(q1) : 0;
#pragma GCC ivdep
  for (int p2 = 0; p2 < P; p2++) {
    const double q2 = v2[p2];
    const double rs2 = std::sqrt(q2);
    const double rho = clamp1((c[p2] * r1) / rs2);
    const double pt = kPi - acosSel(rho);
    const bool ok = (q2 > 0) & (r1 != 0);
    out[p2] = ok ? tin[p2] * pt * kInv2Pi : 0;
  }
}

// activate() with relu then avgpool.ts poolFull, fused on a cross record (full, P×P per pair → Q×Q): each relu row
// is pooled over its second index as soon as it is computed (tmp, P × Q), then the first index is pooled, in
// poolFull's order. taps: Q × T input positions (−1: none), weights: Q. Scratch: P + P·Q.
NTK_INLINE void reluPoolFull(const double* src, const double* tin, const double* var1, const double* var2, int64_t n1,
                             int64_t n2, int P, const double* taps, int T, const double* weights, int Q, double* out,
                             double* scratch) {
  double* row = scratch;
  double* tmp = scratch + P;
  const int64_t S = static_cast<int64_t>(P) * P, SQ = static_cast<int64_t>(Q) * Q;
  for (int64_t e = 0; e < n1 * n2; e++) {
    const int64_t i = e / n2, j = e - i * n2;
    const double* v1 = var1 + i * P;
    const double* v2 = var2 + j * P;
    for (int p = 0; p < P; p++) {
      const int64_t r = e * S + static_cast<int64_t>(p) * P;
      if (tin)
        reluFullRowT(src + r, tin + r, v2, P, v1[p], row);
      else
        reluFullRow(src + r, v2, P, v1[p], row);
      for (int q2 = 0; q2 < Q; q2++) {
        double s = 0;
        for (int t = 0; t < T; t++) {
          const int p2 = static_cast<int>(taps[q2 * T + t]);
          if (p2 >= 0) s += row[p2];
        }
        tmp[static_cast<int64_t>(p) * Q + q2] = s * weights[q2];
      }
    }
    double* o = out + e * SQ;
    for (int64_t k = 0; k < SQ; k++) o[k] = 0;
    for (int q = 0; q < Q; q++) {
      const double wq = weights[q];
      double* __restrict orow = o + static_cast<int64_t>(q) * Q;
      for (int t = 0; t < T; t++) {
        const int p = static_cast<int>(taps[q * T + t]);
        if (p < 0) continue;
        const double* __restrict tr = tmp + static_cast<int64_t>(p) * Q;
#pragma GCC ivdep
        for (int q2 = 0; q2 < Q; q2++) orow[q2] += tr[q2] * wq;
      }
    }
  }
}

// How the first conv's NTK input Θ̃ follows from its patch Gram g (affine.ts affineKernel with avgT = 0):
// 0: NNGP only; 1: ntk parameterization, Θ = 0 + Σ; 2: standard, Θ = 0 + (fanIn·g + b); 3: frozen, Θ = 0.
struct Affine {
  double alpha, sw2, sb2, fanIn, b;
  int mode;
};

// One chunk of kChunk packed positions p0.. of convReluMean's row p: p2 < m, the Gram entry g = alpha·(a · b[·, p2]) (an fma chain
// over t = 0..K−1, as the reference's dgemm), Σ = sw2·g + sb2, Θ̃ as `aff.mode`, then the relu terms, added to sk
// (convReluRowSum) in order. Fused per chunk: the Gram accumulators stay in registers, and each term is computed
// once with reluTerm's operations (every packed s2 is > 0, so reluTerm's mask is always true here).
template <bool kWantT, int C>
NTK_INLINE void convReluTerms(const double* __restrict a, const double* __restrict bc, int64_t ld, int p0, int K,
                              const Affine& aff, const double* __restrict cs2, double sq1, double r1,
                              double* __restrict tk, double* __restrict tt) {
  double acc[C];
  for (int u = 0; u < C; u++) acc[u] = 0;
  for (int t = 0; t < K; t++) {
    const double at = a[t];
    const double* __restrict b = bc + static_cast<int64_t>(t) * ld + p0;
    for (int u = 0; u < C; u++) acc[u] = std::fma(at, b[u], acc[u]);
  }
  // in stages over the chunk (reluTerm's operations; separate loops keep the compiler from duplicating the
  // arccos's rational and square root per branch)
  double rho[C], z[C], tin[C];
  for (int u = 0; u < C; u++) {
    const double g = aff.alpha * acc[u];
    const double s = aff.sw2 * g + aff.sb2;
    tin[u] = kWantT ? (aff.mode == 1 ? 0 + s : aff.mode == 2 ? 0 + (aff.fanIn * g + aff.b) : 0) : 0;
    const double r = clamp1((s * r1) / cs2[p0 + u]);
    const double ax = std::fabs(r), x2 = r * r, h = 0.5 * (1 - ax);
    rho[u] = r;
    z[u] = ax <= 0.5 ? x2 : h;
  }
  double rr[C], sz[C];
  for (int u = 0; u < C; u++) {
    rr[u] = asinR(z[u]);
    sz[u] = std::sqrt(z[u]);
  }
  for (int u = 0; u < C; u++) {
    const double x = rho[u], r = rr[u], sq = sz[u];
    const double big = 2 * (sq + sq * r);
    const double ac = std::fabs(x) <= 0.5 ? kHalfPi - (x + x * r) : (x > 0 ? big : kPi - big);
    const double pt = kPi - ac;
    const double j = std::sqrt((1 - x) * (1 + x)) + pt * x;
    tk[u] = sq1 * cs2[p0 + u] * j;
    tt[u] = tin[u] * pt;
  }
}

template <bool kWantT>
NTK_INLINE void convReluRowSum(const double* a, const double* bc, int64_t ld, int m, int K, const Affine& aff,
                               const double* cs2, double sq1, double r1, double& sk, double& st) {
  double x = sk, y = st;
  alignas(64) double tk[kConvChunk], tt[kConvChunk];
  int p0 = 0;
  for (; p0 + kConvChunk <= m; p0 += kConvChunk) {
    convReluTerms<kWantT, kConvChunk>(a, bc, ld, p0, K, aff, cs2, sq1, r1, tk, tt);
    for (int u = 0; u < kConvChunk; u++) {
      x += tk[u];
      if (kWantT) y += tt[u];
    }
  }
  // the rest in chunks of kChunk (the last one partly past m: its extra lanes are computed and ignored)
  for (; p0 < m; p0 += kChunk) {
    const int len = m - p0 < kChunk ? m - p0 : kChunk;
    convReluTerms<kWantT, kChunk>(a, bc, ld, p0, K, aff, cs2, sq1, r1, tk, tt);
    for (int u = 0; u < len; u++) {
      x += tk[u];
      if (kWantT) y += tt[u];
    }
  }
  sk = x;
  st = y;
}

// conv (first layer, patch Gram of the raw inputs) → affine → relu → mean over all position pairs, fused, on a
// cross block: per pair (i, j) and row p with q1 > 0, the Gram row g[p2] = alpha·(patch_i(p) · patch_j(p2)) (pa:
// n1·Q × K row-major; pbT: per j the transposed patches K × Q), Σ = sw2·g + sb2, Θ̃ as `aff.mode`, then the relu
// terms and the means, in the reference's order. Only the positions p2 of x2 with √q2 > 0 are computed (the
// reference skips the others): they are packed first (bc: K × m, cs2: m). var1/var2: the variances after the conv
// (n × Q). Scratch: (K + 3)·Q + kConvChunk (a row's last chunk reads, and ignores, up to kConvChunk − 1 columns
// past m).
// `lowerFirst` (x1 and x2 are the same block of a symmetric job): pairs (i, j) with
// j < i take (j, i)'s values, as a 1 × 1 tile of the symmetric job computes them, so the result does not depend on
// the tiling (the sums over p run over x1's side: K(a, b) and K(b, a) may differ in the last bits).
NTK_INLINE void convReluMean(const double* pa, const double* pbT, int64_t n1, int64_t n2, int Q, int K, Affine aff,
                             bool lowerFirst, const double* var1, const double* var2, double* outK, double* outT,
                             double* scratch) {
  double* __restrict cs2 = scratch;
  double* __restrict bc = scratch + Q;
  const int64_t S = static_cast<int64_t>(Q) * Q;
  const bool wantT = aff.mode != 0;
  for (int64_t e = 0; e < n1 * n2; e++) {
    const int64_t i = e / n2, j = e - i * n2;
    if (lowerFirst && j < i) {
      // (j, i)'s values, computed at an earlier e
      outK[e] = outK[j * n2 + i];
      if (outT) outT[e] = outT[j * n2 + i];
      continue;
    }
    const double* v1 = var1 + i * Q;
    const double* v2 = var2 + j * Q;
    const double* bT = pbT + j * static_cast<int64_t>(K) * Q;
    int m = 0;
    for (int p2 = 0; p2 < Q; p2++) {
      const double s2 = std::sqrt(std::fmax(v2[p2], 0.0));
      if (!(s2 > 0)) continue;
      cs2[m] = s2;
      for (int t = 0; t < K; t++) bc[static_cast<int64_t>(t) * Q + m] = bT[static_cast<int64_t>(t) * Q + p2];
      m++;
    }
    double sk = 0, st = 0;
    for (int p = 0; p < Q; p++) {
      const double q1 = v1[p];
      if (!(q1 > 0)) continue;
      const double sq1 = std::sqrt(q1);
      const double* a = pa + (i * Q + p) * K;
      if (wantT)
        convReluRowSum<true>(a, bc, Q, m, K, aff, cs2, sq1, 1 / sq1, sk, st);
      else
        convReluRowSum<false>(a, bc, Q, m, K, aff, cs2, sq1, 1 / sq1, sk, st);
    }
    outK[e] = (sk * kInv2Pi) / S;
    if (outT) outT[e] = (st * kInv2Pi) / S;
  }
}

// The self pass of conv (fromInput) → relu → gap (engine.ts selfChain), per example i: the conv record's diagonal
// q[p] = sw2·g[p, p] + sb2 (outQ), the relu record's diagonal (outR) and the mean over all (p, p2) of the relu
// record (outMean), with the reference's arithmetic: the patch Gram as convReluMean, relu entries as reluFull
// (sq1·rs2·J·(1/2π)), their sum in row-major order divided by Q². pa: n·Q × K. Scratch: (2K + 3)·Q.
NTK_INLINE void convReluSelf(const double* pa, int64_t n, int Q, int K, double alpha, double sw2, double sb2,
                             double* outQ, double* outR, double* outMean, double* scratch) {
  double* __restrict acc = scratch;
  double* __restrict cs2 = scratch + Q;
  double* __restrict row = scratch + 2 * Q;
  double* __restrict bc = scratch + 3 * Q;
  double* __restrict bT = scratch + (3 + K) * Q;
  const double S = static_cast<double>(Q) * Q;
  for (int64_t i = 0; i < n; i++) {
    const double* a0 = pa + i * Q * K;
    double* q = outQ + i * Q;
    double* rd = outR + i * Q;
    for (int p = 0; p < Q; p++)
      for (int t = 0; t < K; t++) bT[static_cast<int64_t>(t) * Q + p] = a0[static_cast<int64_t>(p) * K + t];
    // the diagonal: the Gram entry (p, p) as every other entry (fma chain, then alpha), then the affine step
    for (int p = 0; p < Q; p++) {
      double d = 0;
      for (int t = 0; t < K; t++) d = std::fma(a0[static_cast<int64_t>(p) * K + t], a0[static_cast<int64_t>(p) * K + t], d);
      q[p] = sw2 * (alpha * d) + sb2;
    }
    // positions with q > 0 (the others give relu entries 0 in row and column)
    int m = 0;
    for (int p2 = 0; p2 < Q; p2++) {
      if (!(q[p2] > 0)) continue;
      cs2[m] = std::sqrt(q[p2]);
      for (int t = 0; t < K; t++) bc[static_cast<int64_t>(t) * Q + m] = bT[static_cast<int64_t>(t) * Q + p2];
      m++;
    }
    double sum = 0;
    int mi = 0;
    for (int p = 0; p < Q; p++) {
      const double q1 = q[p];
      rd[p] = 0;
      if (!(q1 > 0)) continue;
      const double r1 = 1 / std::sqrt(q1);
      const double sq1 = std::sqrt(q1);
      const double* a = a0 + static_cast<int64_t>(p) * K;
      for (int p2 = 0; p2 < m; p2++) acc[p2] = 0;
      for (int t = 0; t < K; t++) {
        const double at = a[t];
        const double* __restrict b = bc + static_cast<int64_t>(t) * Q;
#pragma GCC ivdep
        for (int p2 = 0; p2 < m; p2++) acc[p2] = std::fma(at, b[p2], acc[p2]);
      }
#pragma GCC ivdep
      for (int p2 = 0; p2 < m; p2++) {
        const double c = sw2 * (alpha * acc[p2]) + sb2;
        const double rs2 = cs2[p2];
        const double rho = clamp1((c * r1) / rs2);
        const double pt = kPi - acosSel(rho);
        const double jj = std::sqrt((1 - rho) * (1 + rho)) + pt * rho;
        row[p2] = sq1 * rs2 * jj * kInv2Pi;
      }
      for (int p2 = 0; p2 < m; p2++) sum += row[p2];
      // this row's own position is the mi-th packed one (rows with q1 > 0 are exactly the packed positions)
      rd[p] = row[mi++];
    }
    outMean[i] = sum / S;
  }
}

NTK_INLINE void acosArray(const double* __restrict x, double* __restrict out, int64_t n) {
#pragma GCC ivdep
  for (int64_t k = 0; k < n; k++) out[k] = acosSel(clamp1(x[k]));
}

}  // namespace ntk_simd
