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
#if defined(__x86_64__)
#include <immintrin.h>
#endif
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

// R(t) = asin(√t)/√t − 1 on [0, ¼] without a division: t·F(t) with F of degree 11 (a Chebyshev fit of F on [0, ¼],
// |error| < 6e-17; activations.ts asinPoly, the same coefficients and scheme). Multiplications and additions, no
// fma: the TypeScript reference computes the same IEEE operations.
NTK_INLINE double asinPoly(double t) {
  const double c0 = 0.1666666666666665, c1 = 0.07500000000020764, c2 = 0.044642857103423646,
               c3 = 0.03038194736709848, c4 = 0.02237204763174451, c5 = 0.017355259955786323,
               c6 = 0.013929652902326633, c7 = 0.011875494382636922, c8 = 0.0078029494773533175,
               c9 = 0.01603551434914882, c10 = -0.010749050339697808, c11 = 0.028169218060881414;
  // Estrin's scheme: 9 operations deep instead of Horner's 24 (the chain that bounded the kernel's throughput)
  const double t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
  const double q0 = (c0 + c1 * t) + (c2 + c3 * t) * t2, q1 = (c4 + c5 * t) + (c6 + c7 * t) * t2,
               q2 = (c8 + c9 * t) + (c10 + c11 * t) * t2;
  return t * ((q0 + q1 * t4) + q2 * t8);
}

// arccos on [−1, 1], branch-free, with R(t) = asin(√t)/√t − 1 on [0, ¼] given: with asinR bit-identical to
// activations.ts fastAcos for every x in [−1, 1] (at ±1 the |x| > ½ branch gives fastAcos's 0 and π exactly), with
// asinPoly to acosPoly. 1 + x for x < 0 is the same IEEE operation as 1 − |x|.
template <double (*R)(double)>
NTK_INLINE double acosReduced(double x) {
  const double ax = std::fabs(x);
  const bool small = ax <= 0.5;
  // z = small ? x² : ½(1 − |x|), written as the smaller of the two so that the compiler cannot duplicate the rational and the square
  // root per branch (it did: 3 divisions and 3 square roots per entry instead of 2 and 2). The same value: for
  // |x| < ½, x² rounds to ≤ ¼ < ½(1 − |x|) (exact: 1 − |x| by Sterbenz); for |x| > ½ the reverse; at |x| = ½ both
  // are ¼. (A NaN x gives NaN either way.)
  const double x2 = x * x, h = 0.5 * (1 - ax);
  const double z = x2 < h ? x2 : h;
  const double r = R(z);
  const double s = std::sqrt(z);
  const double big = 2 * (s + s * r);
  return small ? kHalfPi - (x + x * r) : (x > 0 ? big : kPi - big);
}

NTK_INLINE double acosSel(double x) { return acosReduced<asinR>(x); }
// the arccos of the relu kernels on full records (activations.ts acosPoly, bit for bit): no division, one square root
// (√z, used by the |x| > ½ branch)
NTK_INLINE double acosPolySel(double x) { return acosReduced<asinPoly>(x); }

NTK_INLINE double clamp1(double rho) {
  rho = rho > 1 ? 1 : rho;
  return rho < -1 ? -1 : rho;
}

// The relu kernels on full records compute, per entry with q1 > 0 and q2 > 0 (activations.ts, the same operations):
//   ρ = clamp((c·r1)·r2)  with r1 = 1/√q1, r2 = 1/√q2 per position (no division per entry),
//   pt = π − acosPolySel(ρ),  J = √((1 − ρ)(1 + ρ)) + pt·ρ,  K̃ term sq1·s2·J,  Θ̃ term Θ̃_in·pt.
// Per entry that is two square roots and no division.
//
// The means over all position pairs (reluMeanAll, convReluMean) add the terms of a pair into kLanes partial sums:
// in each row p (q1 > 0) the k-th position p2 with s2 > 0 goes to lane k mod kLanes, the lanes carry over the rows,
// and at the end they are added as ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)) (sumLanes). Every instruction
// set computes this order (the lanes are 1 AVX-512, 2 AVX2 or 4 SSE2 vectors), and so does the TypeScript reference.
constexpr int kLanes = 8;

NTK_INLINE double sumLanes(const double* l) { return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7])); }

// adds a chunk of C terms (C a multiple of kLanes) to the lanes, lane by lane in order
template <int C>
NTK_INLINE void addLanes(double* __restrict lanes, const double* __restrict t) {
  for (int b = 0; b < C; b += kLanes)
    for (int l = 0; l < kLanes; l++) lanes[l] += t[b + l];
}

// One relu entry of a mean: tk = sq1·s2·J(ρ), tt = Θ̃·(π − θ) (every s2 here is > 0).
NTK_INLINE void reluTerm(double c, double tin, double s2, double ir2, double sq1, double r1, double& tk, double& tt) {
  const double rho = clamp1((c * r1) * ir2);
  const double pt = kPi - acosPolySel(rho);
  const double j = std::sqrt((1 - rho) * (1 + rho)) + pt * rho;
  tk = sq1 * s2 * j;
  tt = tin * pt;
}

constexpr int kChunk = 16;
// convReluMean's chunk: 8 vectors of AVX-512 per step, so that the long dependency chains of one entry (Gram, ρ,
// the polynomial, the square roots) overlap across enough independent vectors
constexpr int kConvChunk = 64;

// One row of reluMeanAll: the m packed positions idx[k] (s2 = ps2[k] > 0, ir2 = pir2[k]) of row c (and tin),
// gathered into gc (gt), then in chunks of kChunk. Past m, ps2, pir2, gc and gt hold 0 (up to a whole chunk), so
// those lanes give the terms +0 (ρ = 0, s2 = 0) and add nothing.
NTK_INLINE void reluRowSum(const double* __restrict c, const double* __restrict tin, const int* __restrict idx,
                           const double* __restrict ps2, const double* __restrict pir2, int m, double sq1, double r1,
                           double* __restrict lk, double* __restrict lt, double* __restrict gc,
                           double* __restrict gt) {
  for (int k = 0; k < m; k++) gc[k] = c[idx[k]];
  if (tin)
    for (int k = 0; k < m; k++) gt[k] = tin[idx[k]];
  alignas(64) double tk[kChunk], tt[kChunk];
  for (int p0 = 0; p0 < m; p0 += kChunk) {
    for (int u = 0; u < kChunk; u++)
      reluTerm(gc[p0 + u], tin ? gt[p0 + u] : 0, ps2[p0 + u], pir2[p0 + u], sq1, r1, tk[u], tt[u]);
    addLanes<kChunk>(lk, tk);
    if (tin) addLanes<kChunk>(lt, tt);
  }
}

// activateMeanAll with the relu kernel on a cross record (full, P×P per pair, pairs = n1·n2): the per-pair means
// of K̃ and Θ̃ ⊙ Σ̇. Scratch: 4(P + kChunk) doubles, idx: P.
NTK_INLINE void reluMeanAll(const double* nngp, const double* ntk, const double* var1, const double* var2, int64_t n1,
                            int64_t n2, int P, double* outK, double* outT, double* scratch, int* idx) {
  const int64_t S = static_cast<int64_t>(P) * P;
  const int L = P + kChunk;
  double* ps2 = scratch;
  double* pir2 = scratch + L;
  double* gc = scratch + 2 * L;
  double* gt = scratch + 3 * L;
  for (int64_t e = 0; e < n1 * n2; e++) {
    const int64_t i = e / n2, j = e - i * n2;
    const double* v1 = var1 + i * P;
    const double* v2 = var2 + j * P;
    // (Math.max(NaN, 0) is NaN where fmax gives 0: either way the position is skipped, as !(s2 > 0))
    int m = 0;
    for (int p2 = 0; p2 < P; p2++) {
      const double s2 = std::sqrt(std::fmax(v2[p2], 0.0));
      if (!(s2 > 0)) continue;
      idx[m] = p2;
      ps2[m] = s2;
      pir2[m] = 1 / s2;
      m++;
    }
    for (int k = m; k < m + kChunk; k++) ps2[k] = pir2[k] = gc[k] = gt[k] = 0;
    alignas(64) double lk[kLanes] = {0}, lt[kLanes] = {0};
    for (int p = 0; p < P; p++) {
      const double q1 = v1[p];
      if (!(q1 > 0)) continue;
      const double sq1 = std::sqrt(q1);
      const double r1 = 1 / sq1;
      const int64_t row = e * S + static_cast<int64_t>(p) * P;
      reluRowSum(nngp + row, ntk ? ntk + row : nullptr, idx, ps2, pir2, m, sq1, r1, lk, lt, gc, gt);
    }
    outK[e] = (sumLanes(lk) * kInv2Pi) / S;
    if (outT) outT[e] = (sumLanes(lt) * kInv2Pi) / S;
  }
}

// Per position of x2: s2 = √q2 and r2 = 1/√q2 (activate's hoisted square roots; values at q2 ≤ 0 are masked).
NTK_INLINE void reluPositions(const double* __restrict v2, int P, double* __restrict s2, double* __restrict ir2) {
  for (int p2 = 0; p2 < P; p2++) {
    s2[p2] = std::sqrt(v2[p2]);
    ir2[p2] = 1 / s2[p2];
  }
}

// One row of activate()'s relu on a full record: K̃ entries out[p2] for p2 < P (outT: the Θ̃ ⊙ Σ̇ entries of tin,
// when tin is given).
NTK_INLINE void reluFullRow(const double* __restrict c, const double* __restrict tin, const double* __restrict v2,
                            const double* __restrict s2, const double* __restrict ir2, int P, double q1,
                            double* __restrict out, double* __restrict outT) {
  const double r1 = q1 > 0 ? 1 / std::sqrt(q1) : 0;
  const double sq1 = std::sqrt(q1);
  if (tin) {
#pragma GCC ivdep
    for (int p2 = 0; p2 < P; p2++) {
      const double rho = clamp1((c[p2] * r1) * ir2[p2]);
      const double pt = kPi - acosPolySel(rho);
      const double jj = std::sqrt((1 - rho) * (1 + rho)) + pt * rho;
      const bool ok = (v2[p2] > 0) & (r1 != 0);
      if (out) out[p2] = ok ? sq1 * s2[p2] * jj * kInv2Pi : 0;
      outT[p2] = ok ? tin[p2] * pt * kInv2Pi : 0;
    }
  } else {
#pragma GCC ivdep
    for (int p2 = 0; p2 < P; p2++) {
      const double rho = clamp1((c[p2] * r1) * ir2[p2]);
      const double pt = kPi - acosPolySel(rho);
      const double jj = std::sqrt((1 - rho) * (1 + rho)) + pt * rho;
      const bool ok = (v2[p2] > 0) & (r1 != 0);
      out[p2] = ok ? sq1 * s2[p2] * jj * kInv2Pi : 0;
    }
  }
}

// activate() with the relu kernel on a full record: per entry K̃ and Θ̃ ⊙ Σ̇ (no sums: order-free). Scratch: 2P.
NTK_INLINE void reluFull(const double* nngp, const double* ntk, const double* var1, const double* var2, int64_t n1,
                         int64_t n2, bool self, int P, double* outK, double* outT, double* scratch) {
  const int64_t S = static_cast<int64_t>(P) * P;
  const int64_t pairs = self ? n1 : n1 * n2;
  double* s2 = scratch;
  double* ir2 = scratch + P;
  for (int64_t e = 0; e < pairs; e++) {
    const int64_t i = self ? e : e / n2, j = self ? e : e - i * n2;
    const double* v1 = var1 + i * P;
    const double* v2 = var2 + j * P;
    reluPositions(v2, P, s2, ir2);
    for (int p = 0; p < P; p++) {
      const int64_t row = e * S + static_cast<int64_t>(p) * P;
      reluFullRow(nngp + row, ntk ? ntk + row : nullptr, v2, s2, ir2, P, v1[p], outK + row,
                  ntk ? outT + row : nullptr);
    }
  }
}

// activate() with relu then avgpool.ts poolFull, fused on a cross record (full, P×P per pair → Q×Q): each relu row
// is pooled over its second index as soon as it is computed (tmp, P × Q), then the first index is pooled, in
// poolFull's order. taps: Q × T input positions (−1: none), weights: Q. Scratch: 3P + P·Q.
NTK_INLINE void reluPoolFull(const double* src, const double* tin, const double* var1, const double* var2, int64_t n1,
                             int64_t n2, int P, const double* taps, int T, const double* weights, int Q, double* out,
                             double* scratch) {
  double* row = scratch;
  double* s2 = scratch + P;
  double* ir2 = scratch + 2 * P;
  double* tmp = scratch + 3 * P;
  const int64_t S = static_cast<int64_t>(P) * P, SQ = static_cast<int64_t>(Q) * Q;
  for (int64_t e = 0; e < n1 * n2; e++) {
    const int64_t i = e / n2, j = e - i * n2;
    const double* v1 = var1 + i * P;
    const double* v2 = var2 + j * P;
    reluPositions(v2, P, s2, ir2);
    for (int p = 0; p < P; p++) {
      const int64_t r = e * S + static_cast<int64_t>(p) * P;
      if (tin)
        reluFullRow(src + r, tin + r, v2, s2, ir2, P, v1[p], nullptr, row);
      else
        reluFullRow(src + r, nullptr, v2, s2, ir2, P, v1[p], row, nullptr);
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

// One chunk of C packed positions p0.. of convReluMean's row p: the Gram entry g = alpha·(a · b[·, p2]) (an fma
// chain over t = 0..K−1, as the reference's dgemm), Σ = sw2·g + sb2, Θ̃ as `aff.mode`, then the relu terms
// (reluTerm's operations), written to tk, tt; lanes u ≥ len give 0. Fused per chunk: the Gram accumulators stay in
// registers.
template <bool kWantT, int C>
NTK_INLINE void convReluTerms(const double* __restrict a, const double* __restrict bc, int64_t ld, int p0, int len,
                              int K, const Affine& aff, const double* __restrict cs2, const double* __restrict ci2,
                              double sq1, double r1, double* __restrict tk, double* __restrict tt) {
  double acc[C];
  for (int u = 0; u < C; u++) acc[u] = 0;
  for (int t = 0; t < K; t++) {
    const double at = a[t];
    const double* __restrict b = bc + static_cast<int64_t>(t) * ld + p0;
    for (int u = 0; u < C; u++) acc[u] = std::fma(at, b[u], acc[u]);
  }
  // in stages over the chunk (reluTerm's operations): each stage's loop body is short, so that the out-of-order
  // core overlaps its independent vectors (written as one loop per entry, the dependency chain of one vector was too
  // long for that: 30 % slower)
  double rho[C], z[C], tin[C];
  for (int u = 0; u < C; u++) {
    const double g = aff.alpha * acc[u];
    const double s = aff.sw2 * g + aff.sb2;
    tin[u] = kWantT ? (aff.mode == 1 ? 0 + s : aff.mode == 2 ? 0 + (aff.fanIn * g + aff.b) : 0) : 0;
    const double r = clamp1((s * r1) * ci2[p0 + u]);
    const double ax = std::fabs(r), x2 = r * r, h = 0.5 * (1 - ax);
    rho[u] = r;
    z[u] = x2 < h ? x2 : h;
  }
  double rr[C], sz[C], sj[C];
  for (int u = 0; u < C; u++) {
    rr[u] = asinPoly(z[u]);
    sz[u] = std::sqrt(z[u]);
    sj[u] = std::sqrt((1 - rho[u]) * (1 + rho[u]));
  }
  for (int u = 0; u < C; u++) {
    // acosPolySel and reluTerm from here
    const double x = rho[u], r = rr[u], sq = sz[u];
    const double big = 2 * (sq + sq * r);
    const double ac = std::fabs(x) <= 0.5 ? kHalfPi - (x + x * r) : (x > 0 ? big : kPi - big);
    const double pt = kPi - ac;
    const double j = sj[u] + pt * x;
    tk[u] = sq1 * cs2[p0 + u] * j;
    if (kWantT) tt[u] = tin[u] * pt;
  }
  // (a separate loop: with the mask in the loop above the compiler gave up vectorizing it)
  for (int u = len; u < C; u++) tk[u] = tt[u] = 0;
}

template <bool kWantT>
NTK_INLINE void convReluRowSum(const double* a, const double* bc, int64_t ld, int m, int K, const Affine& aff,
                               const double* cs2, const double* ci2, double sq1, double r1, double* __restrict lk,
                               double* __restrict lt) {
  alignas(64) double tk[kConvChunk], tt[kConvChunk];
  int p0 = 0;
  for (; p0 + kConvChunk <= m; p0 += kConvChunk) {
    convReluTerms<kWantT, kConvChunk>(a, bc, ld, p0, kConvChunk, K, aff, cs2, ci2, sq1, r1, tk, tt);
    addLanes<kConvChunk>(lk, tk);
    if (kWantT) addLanes<kConvChunk>(lt, tt);
  }
  // the rest in chunks of kChunk (the last one partly past m: its extra lanes are computed and give 0)
  for (; p0 < m; p0 += kChunk) {
    const int len = m - p0 < kChunk ? m - p0 : kChunk;
    convReluTerms<kWantT, kChunk>(a, bc, ld, p0, len, K, aff, cs2, ci2, sq1, r1, tk, tt);
    addLanes<kChunk>(lk, tk);
    if (kWantT) addLanes<kChunk>(lt, tt);
  }
}

#if defined(__x86_64__) && !defined(__wasm__)
// (GCC's own intrinsics start some results from _mm512_undefined_pd: its maybe-uninitialized warnings are noise)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define NTK_AVX512_ROWSUM 1
#define NTK_T512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,prefer-vector-width=512")))
// convReluRowSum for AVX-512, written with intrinsics: the same IEEE operations as convReluTerms (so the same bits as
// the other paths and the TypeScript reference), but scheduled by hand: the lanes are one vector (lane l = element l),
// the clamp and the choice of z are vminpd/vmaxpd (x86's min/max are exactly `a < b ? a : b`), the arccos's two
// branches share one multiply (y + y·r with y = x or √z: 2·(s + s·r) = q + q exactly), and groups of NV vectors go
// through each stage together so that their dependency chains overlap. (The compiler's version of convReluTerms
// spent more instructions on compares, masked moves and spills than on the arithmetic.)
template <bool kWantT, int kMode, int NV>
NTK_INLINE NTK_T512 void convReluGroup512(const double* __restrict a, const double* __restrict bc, int64_t ld, int p0,
                                          int len, int K, const Affine& aff, const double* __restrict cs2,
                                          const double* __restrict ci2, __m512d vsq1, __m512d vr1, __m512d& lk,
                                          __m512d& lt) {
  __m512d acc[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) acc[v] = _mm512_setzero_pd();
  for (int t = 0; t < K; t++) {
    const __m512d at = _mm512_set1_pd(a[t]);
    const double* b = bc + static_cast<int64_t>(t) * ld + p0;
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[v] = _mm512_fmadd_pd(at, _mm512_loadu_pd(b + 8 * v), acc[v]);
  }
  const __m512d one = _mm512_set1_pd(1), mone = _mm512_set1_pd(-1), half = _mm512_set1_pd(0.5),
                zero = _mm512_setzero_pd();
  __m512d rho[NV], z[NV], tin[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) {
    const __m512d g = _mm512_mul_pd(_mm512_set1_pd(aff.alpha), acc[v]);
    const __m512d s = _mm512_add_pd(_mm512_mul_pd(_mm512_set1_pd(aff.sw2), g), _mm512_set1_pd(aff.sb2));
    if (kWantT)
      tin[v] = kMode == 1   ? _mm512_add_pd(zero, s)
               : kMode == 2 ? _mm512_add_pd(zero, _mm512_add_pd(_mm512_mul_pd(_mm512_set1_pd(aff.fanIn), g),
                                                                _mm512_set1_pd(aff.b)))
                            : zero;
    __m512d r = _mm512_mul_pd(_mm512_mul_pd(s, vr1), _mm512_loadu_pd(ci2 + p0 + 8 * v));
    r = _mm512_max_pd(mone, _mm512_min_pd(one, r));  // clamp1: (1 < r ? 1 : r), then (−1 > r ? −1 : r)
    rho[v] = r;
    const __m512d ax = _mm512_abs_pd(r);
    const __m512d h = _mm512_mul_pd(half, _mm512_sub_pd(one, ax));
    z[v] = _mm512_min_pd(_mm512_mul_pd(r, r), h);  // x2 < h ? x2 : h
  }
  __m512d rr[NV], sz[NV], sj[NV];
  const __m512d c0 = _mm512_set1_pd(0.1666666666666665), c1 = _mm512_set1_pd(0.07500000000020764),
                c2 = _mm512_set1_pd(0.044642857103423646), c3 = _mm512_set1_pd(0.03038194736709848),
                c4 = _mm512_set1_pd(0.02237204763174451), c5 = _mm512_set1_pd(0.017355259955786323),
                c6 = _mm512_set1_pd(0.013929652902326633), c7 = _mm512_set1_pd(0.011875494382636922),
                c8 = _mm512_set1_pd(0.0078029494773533175), c9 = _mm512_set1_pd(0.01603551434914882),
                c10 = _mm512_set1_pd(-0.010749050339697808), c11 = _mm512_set1_pd(0.028169218060881414);
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) {
    const __m512d t = z[v];
    // asinPoly (Estrin)
    const __m512d t2 = _mm512_mul_pd(t, t), t4 = _mm512_mul_pd(t2, t2), t8 = _mm512_mul_pd(t4, t4);
    const __m512d q0 = _mm512_add_pd(_mm512_add_pd(c0, _mm512_mul_pd(c1, t)),
                                     _mm512_mul_pd(_mm512_add_pd(c2, _mm512_mul_pd(c3, t)), t2));
    const __m512d q1 = _mm512_add_pd(_mm512_add_pd(c4, _mm512_mul_pd(c5, t)),
                                     _mm512_mul_pd(_mm512_add_pd(c6, _mm512_mul_pd(c7, t)), t2));
    const __m512d q2 = _mm512_add_pd(_mm512_add_pd(c8, _mm512_mul_pd(c9, t)),
                                     _mm512_mul_pd(_mm512_add_pd(c10, _mm512_mul_pd(c11, t)), t2));
    const __m512d p = _mm512_add_pd(_mm512_add_pd(q0, _mm512_mul_pd(q1, t4)), _mm512_mul_pd(q2, t8));
    rr[v] = _mm512_mul_pd(t, p);
    sz[v] = _mm512_sqrt_pd(t);
    const __m512d x = rho[v];
    sj[v] = _mm512_sqrt_pd(_mm512_mul_pd(_mm512_sub_pd(one, x), _mm512_add_pd(one, x)));
  }
  const __m512d pi = _mm512_set1_pd(kPi), hpi = _mm512_set1_pd(kHalfPi);
  const __mmask8 keep = len >= 8 * NV ? 0xff : 0;
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) {
    const __m512d x = rho[v];
    const __mmask8 small = _mm512_cmp_pd_mask(_mm512_abs_pd(x), half, _CMP_LE_OQ);
    const __mmask8 pos = _mm512_cmp_pd_mask(x, zero, _CMP_GT_OQ);
    const __m512d y = _mm512_mask_blend_pd(small, sz[v], x);
    const __m512d q = _mm512_add_pd(y, _mm512_mul_pd(y, rr[v]));
    const __m512d big = _mm512_add_pd(q, q);
    // ac = small ? π/2 − q : (x > 0 ? big : π − big)
    __m512d ac = _mm512_mask_blend_pd(pos, _mm512_sub_pd(pi, big), big);
    ac = _mm512_mask_blend_pd(small, ac, _mm512_sub_pd(hpi, q));
    const __m512d pt = _mm512_sub_pd(pi, ac);
    const __m512d j = _mm512_add_pd(sj[v], _mm512_mul_pd(pt, x));
    __m512d tk = _mm512_mul_pd(_mm512_mul_pd(vsq1, _mm512_loadu_pd(cs2 + p0 + 8 * v)), j);
    __m512d tt = kWantT ? _mm512_mul_pd(tin[v], pt) : zero;
    // lanes past len add 0 (only the last group is partial)
    const int rest = len - 8 * v;
    const __mmask8 m8 = keep | (rest >= 8 ? 0xff : rest <= 0 ? 0 : static_cast<__mmask8>((1u << rest) - 1));
    lk = _mm512_add_pd(lk, _mm512_maskz_mov_pd(m8, tk));
    if (kWantT) lt = _mm512_add_pd(lt, _mm512_maskz_mov_pd(m8, tt));
  }
}

template <bool kWantT, int kMode>
inline NTK_T512 void convReluRowSum512(const double* a, const double* bc, int64_t ld, int m, int K,
                                       const Affine& aff, const double* cs2, const double* ci2, double sq1,
                                           double r1, double* __restrict lk, double* __restrict lt) {
  __m512d vk = _mm512_loadu_pd(lk), vt = _mm512_loadu_pd(lt);
  const __m512d vsq1 = _mm512_set1_pd(sq1), vr1 = _mm512_set1_pd(r1);
  constexpr int NV = 2;
  int p0 = 0;
  for (; p0 + 8 * NV <= m; p0 += 8 * NV)
    convReluGroup512<kWantT, kMode, NV>(a, bc, ld, p0, 8 * NV, K, aff, cs2, ci2, vsq1, vr1, vk, vt);
  for (; p0 < m; p0 += 8)
    convReluGroup512<kWantT, kMode, 1>(a, bc, ld, p0, m - p0, K, aff, cs2, ci2, vsq1, vr1, vk, vt);
  _mm512_storeu_pd(lk, vk);
  _mm512_storeu_pd(lt, vt);
}
#pragma GCC diagnostic pop
#endif

// conv (first layer, patch Gram of the raw inputs) → affine → relu → mean over all position pairs, fused, on a
// cross block: per pair (i, j) and row p with q1 > 0, the Gram row g[p2] = alpha·(patch_i(p) · patch_j(p2)) (pa:
// n1·Q × K row-major; pbT: per j the transposed patches K × Q), Σ = sw2·g + sb2, Θ̃ as `aff.mode`, then the relu
// terms and the means, in the reference's order (reluMeanAll's lanes). Only the positions p2 of x2 with √q2 > 0 are
// computed (the reference skips the others): they are packed first (bc: K × m, cs2, ci2: m). var1/var2: the
// variances after the conv (n × Q). Scratch: (K + 4)·Q + kConvChunk (a row's last chunk reads, and ignores, up to
// kChunk − 1 columns past m).
// `lowerFirst` (x1 and x2 are the same block of a symmetric job): pairs (i, j) with
// j < i take (j, i)'s values, as a 1 × 1 tile of the symmetric job computes them, so the result does not depend on
// the tiling (the sums over p run over x1's side: K(a, b) and K(b, a) may differ in the last bits).
template <bool kAvx512 = false>
NTK_INLINE void convReluMean(const double* pa, const double* pbT, int64_t n1, int64_t n2, int Q, int K, Affine aff,
                             bool lowerFirst, const double* var1, const double* var2, double* outK, double* outT,
                             double* scratch) {
  double* __restrict cs2 = scratch;
  double* __restrict ci2 = scratch + Q + kConvChunk;
  double* __restrict bc = scratch + 2 * (Q + kConvChunk);
  const int ld = Q + kConvChunk;
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
      ci2[m] = 1 / s2;
      for (int t = 0; t < K; t++) bc[static_cast<int64_t>(t) * ld + m] = bT[static_cast<int64_t>(t) * Q + p2];
      m++;
    }
    alignas(64) double lk[kLanes] = {0}, lt[kLanes] = {0};
    for (int p = 0; p < Q; p++) {
      const double q1 = v1[p];
      if (!(q1 > 0)) continue;
      const double sq1 = std::sqrt(q1);
      const double* a = pa + (i * Q + p) * K;
#if NTK_AVX512_ROWSUM
      if (kAvx512) {
        if (aff.mode == 1)
          convReluRowSum512<true, 1>(a, bc, ld, m, K, aff, cs2, ci2, sq1, 1 / sq1, lk, lt);
        else if (aff.mode == 2)
          convReluRowSum512<true, 2>(a, bc, ld, m, K, aff, cs2, ci2, sq1, 1 / sq1, lk, lt);
        else if (aff.mode == 3)
          convReluRowSum512<true, 3>(a, bc, ld, m, K, aff, cs2, ci2, sq1, 1 / sq1, lk, lt);
        else
          convReluRowSum512<false, 0>(a, bc, ld, m, K, aff, cs2, ci2, sq1, 1 / sq1, lk, lt);
        continue;
      }
#endif
      if (wantT)
        convReluRowSum<true>(a, bc, ld, m, K, aff, cs2, ci2, sq1, 1 / sq1, lk, lt);
      else
        convReluRowSum<false>(a, bc, ld, m, K, aff, cs2, ci2, sq1, 1 / sq1, lk, lt);
    }
    outK[e] = (sumLanes(lk) * kInv2Pi) / S;
    if (outT) outT[e] = (sumLanes(lt) * kInv2Pi) / S;
  }
}

// The self pass of conv (fromInput) → relu → gap (engine.ts selfChain), per example i: the conv record's diagonal
// q[p] = sw2·g[p, p] + sb2 (outQ), the relu record's diagonal (outR) and the mean over all (p, p2) of the relu
// record (outMean), with the reference's arithmetic: the patch Gram as convReluMean, relu entries as reluFullRow
// (sq1·s2·J·(1/2π)), their sum in row-major order (gap's) divided by Q². pa: n·Q × K. Scratch: (2K + 4)·Q.
NTK_INLINE void convReluSelf(const double* pa, int64_t n, int Q, int K, double alpha, double sw2, double sb2,
                             double* outQ, double* outR, double* outMean, double* scratch) {
  double* __restrict acc = scratch;
  double* __restrict cs2 = scratch + Q;
  double* __restrict row = scratch + 2 * Q;
  double* __restrict ci2 = scratch + 3 * Q;
  double* __restrict bc = scratch + 4 * Q;
  double* __restrict bT = scratch + (4 + K) * Q;
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
      ci2[m] = 1 / cs2[m];
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
        const double rho = clamp1((c * r1) * ci2[p2]);
        const double pt = kPi - acosPolySel(rho);
        const double jj = std::sqrt((1 - rho) * (1 + rho)) + pt * rho;
        row[p2] = sq1 * cs2[p2] * jj * kInv2Pi;
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

NTK_INLINE void acosPolyArray(const double* __restrict x, double* __restrict out, int64_t n) {
#pragma GCC ivdep
  for (int64_t k = 0; k < n; k++) out[k] = acosPolySel(clamp1(x[k]));
}

}  // namespace ntk_simd
