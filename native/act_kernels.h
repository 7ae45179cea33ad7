// The activation step of the analytic kernel on every record (src/arch/layers/activations.ts activate(): relu,
// abrelu, erf, scaled erf / sigmoid_like, gelu, tanh), vectorized across entries: one body compiled per instruction
// set (act_kernels.cc: AVX-512, AVX2 + FMA, baseline) and dispatched at run time like simd_kernels.h.
//
// Bit-identity with the TypeScript pair kernels (reluKernel, abReluKernel, erfKernel, scaledErfKernel, geluKernel,
// tanhKernel): every entry is computed with the same IEEE operations in the same order (-ffp-contract=off), branches
// become selects of values computed on all lanes. Where the reference calls Math.asin (erf) or Math.atan2 (gelu),
// this file has V8's own algorithm (src/base/ieee754.cc, fdlibm's e_asin.c, s_atan.c, e_atan2.c) written branch-free:
// the same operations on each branch's operands, the branches selected afterwards, so the results equal Math.asin and
// Math.atan2 bit for bit (tested on 10⁷ arguments). Entries are independent (no sums across entries), so lanes are
// entries and the order of the tanh mixture's double sum is each lane's own.
#pragma once
#include <cmath>
#include <cstdint>

#include "simd_kernels.h"

namespace ntk_act {

using ntk_simd::asinR;
using ntk_simd::acosSel;
using ntk_simd::clamp1;
using ntk_simd::kPi;
using ntk_simd::kInv2Pi;

#define ACT_INLINE inline __attribute__((always_inline))

ACT_INLINE uint64_t bitsOf(double x) { return __builtin_bit_cast(uint64_t, x); }
ACT_INLINE double fromBits(uint64_t b) { return __builtin_bit_cast(double, b); }
// Math.max(x, 0): NaN stays NaN, −0 becomes +0
ACT_INLINE double max0(double x) { return x > 0 ? x : (x != x ? x : 0.0); }

// fdlibm's high-word thresholds (|x| < 0x3FDC0000_00000000 and the like) as comparisons of |x| with that double:
// the same decision, since a double's high word is below H exactly when the double is below H·2³².
constexpr double hiWord(uint64_t h) { return __builtin_bit_cast(double, h << 32); }

// The smaller of two non-negative doubles (or NaN when both are), as the unsigned minimum of their bits: the same
// value as a < b ? a : b, but opaque to GCC's if-conversion, which otherwise splits the lanes by the caller's
// clamp and computes the rational and the square root once per branch (3 divisions + 3 square roots per entry
// instead of 2 + 2, seen in the assembly of the tanh mixture).
ACT_INLINE double minNonNeg(double a, double b) {
  const uint64_t ua = bitsOf(a), ub = bitsOf(b);
  return fromBits(ua < ub ? ua : ub);
}

// Math.asin (V8 ieee754::asin, fdlibm e_asin.c) for x ∈ [−1, 1] (NaN outside, as Math.asin), branch-free. The
// rational R is evaluated once, at t = x² (|x| < ½) or t = (1 − |x|)/2 (|x| ≥ ½), chosen as the smaller of the
// two (the same value: see acosSel; minNonNeg).
ACT_INLINE double asinFd(double x) {
  const double pio2_hi = 1.57079632679489655800e+00, pio2_lo = 6.12323399573676603587e-17,
               pio4_hi = 7.85398163397448278999e-01;
  const double ax = std::fabs(x);
  const bool small = ax < 0.5;
  const double x2 = x * x, h = (1 - ax) * 0.5;
  const double t = minNonNeg(x2, h);
  const double w = asinR(t);
  // |x| < ½ (|x| < 2⁻²⁷: x itself)
  const double rs = ax < hiWord(0x3E400000) ? x : x + x * w;
  // ½ ≤ |x| < 1
  const double s = std::sqrt(t);
  const double r1 = pio2_hi - (2.0 * (s + s * w) - pio2_lo);  // |x| ≥ 0.975
  const double f = fromBits(bitsOf(s) & 0xFFFFFFFF00000000ull);
  const double c = (t - f * f) / (s + f);
  const double p = 2.0 * s * w - (pio2_lo - 2.0 * c);
  const double q = pio4_hi - 2.0 * f;
  const double r2 = pio4_hi - (p - q);
  const double rb = ax >= hiWord(0x3FEF3333) ? r1 : r2;
  const double rbs = x > 0 ? rb : -rb;
  const double one = x * pio2_hi + x * pio2_lo;  // |x| = 1
  const double res = small ? rs : ax == 1 ? one : rbs;
  return ax > 1 ? __builtin_nan("") : res;
}

// Math.atan (V8 ieee754::atan, fdlibm s_atan.c), branch-free: the argument reduction's five intervals select the
// numerator and denominator of one division (the same operands as each branch's own division).
ACT_INLINE double atanFd(double x) {
  const double atanhi0 = 4.63647609000806093515e-01, atanhi1 = 7.85398163397448278999e-01,
               atanhi2 = 9.82793723247329054082e-01, atanhi3 = 1.57079632679489655800e+00;
  const double atanlo0 = 2.26987774529616870924e-17, atanlo1 = 3.06161699786838301793e-17,
               atanlo2 = 1.39033110312309984516e-17, atanlo3 = 6.12323399573676603587e-17;
  const double aT0 = 3.33333333333329318027e-01, aT1 = -1.99999999998764832476e-01, aT2 = 1.42857142725034663711e-01,
               aT3 = -1.11111104054623557880e-01, aT4 = 9.09088713343650656196e-02,
               aT5 = -7.69187620504482999495e-02, aT6 = 6.66107313738753120669e-02,
               aT7 = -5.83357013379057348645e-02, aT8 = 4.97687799461593236017e-02,
               aT9 = -3.65315727442169155270e-02, aT10 = 1.62858201153657823623e-02;
  const double ax = std::fabs(x);
  const bool id_1 = ax < hiWord(0x3FDC0000);  // |x| < 7/16
  const bool id0 = ax < hiWord(0x3FE60000);   // < 11/16
  const bool id1 = ax < hiWord(0x3FF30000);   // < 19/16
  const bool id2 = ax < hiWord(0x40038000);   // < 39/16
  const double num = id0 ? 2.0 * ax - 1.0 : id1 ? ax - 1.0 : id2 ? ax - 1.5 : -1.0;
  const double den = id0 ? 2.0 + ax : id1 ? ax + 1.0 : id2 ? 1.0 + 1.5 * ax : ax;
  const double xr = id_1 ? x : num / den;
  const double hi = id0 ? atanhi0 : id1 ? atanhi1 : id2 ? atanhi2 : atanhi3;
  const double lo = id0 ? atanlo0 : id1 ? atanlo1 : id2 ? atanlo2 : atanlo3;
  const double z = xr * xr;
  const double w = z * z;
  const double s1 = z * (aT0 + w * (aT2 + w * (aT4 + w * (aT6 + w * (aT8 + w * aT10)))));
  const double s2 = w * (aT1 + w * (aT3 + w * (aT5 + w * (aT7 + w * aT9))));
  const double small = ax < hiWord(0x3E400000) ? x : xr - xr * (s1 + s2);
  const double zr = hi - ((xr * (s1 + s2) - lo) - xr);
  const double red = x < 0 ? -zr : zr;
  const double huge = x > 0 ? atanhi3 + atanlo3 : -atanhi3 - atanlo3;  // |x| ≥ 2⁶⁶
  const double res = id_1 ? small : ax >= hiWord(0x44100000) ? huge : red;
  return x != x ? x + x : res;
}

// Math.atan2(y, x) (V8 ieee754::atan2, fdlibm e_atan2.c), branch-free: every special case of the reference selected
// in its order of precedence.
ACT_INLINE double atan2Fd(double y, double x) {
  const double pi_o_4 = 7.8539816339744827900E-01, pi_o_2 = 1.5707963267948965580E+00,
               pi = 3.1415926535897931160E+00, pi_lo = 1.2246467991473531772E-16, tiny = 1.0e-300;
  const uint64_t bx = bitsOf(x), by = bitsOf(y);
  const int64_t ix = static_cast<int64_t>((bx >> 32) & 0x7FFFFFFF), iy = static_cast<int64_t>((by >> 32) & 0x7FFFFFFF);
  const bool xneg = (bx >> 63) != 0, yneg = (by >> 63) != 0;
  const double ax = std::fabs(x), ay = std::fabs(y);
  const double inf = __builtin_inf();
  // the general case: k = (iy − ix) >> 20 (k > 60: iy − ix ≥ 61·2²⁰; k < −60: iy − ix < −60·2²⁰)
  const int64_t dk = iy - ix;
  const bool kbig = dk >= (int64_t{61} << 20);
  const bool ksmall = dk < -(int64_t{60} << 20);
  const double za = atanFd(std::fabs(y / x));
  const double z = kbig ? pi_o_2 + 0.5 * pi_lo : (xneg && ksmall) ? 0.0 : za;
  // (k > 60 clears x's sign from m)
  const bool mx = xneg && !kbig;
  const double gen = !mx ? (yneg ? -z : z) : (yneg ? (z - pi_lo) - pi : pi - (z - pi_lo));
  // y infinite; x infinite; x = 0; y = 0
  const double ypio2 = yneg ? -pi_o_2 - tiny : pi_o_2 + tiny;
  const double xinfYinf = !xneg ? (yneg ? -pi_o_4 - tiny : pi_o_4 + tiny)
                                : (yneg ? -3.0 * pi_o_4 - tiny : 3.0 * pi_o_4 + tiny);
  const double xinfYfin = !xneg ? (yneg ? -0.0 : 0.0) : (yneg ? -pi - tiny : pi + tiny);
  const double xinf = ay == inf ? xinfYinf : xinfYfin;
  const double y0 = !xneg ? y : (yneg ? -pi - tiny : pi + tiny);
  double r = ay == inf ? ypio2 : gen;
  r = ax == inf ? xinf : r;
  r = x == 0 ? ypio2 : r;
  r = y == 0 ? y0 : r;
  r = x == 1.0 ? atanFd(y) : r;
  return (x != x || y != y) ? x + y : r;
}

// activations.ts fastAsin (fdlibm's rational, |x| ≤ ½ inclusive), branch-free; x ∈ [−1, 1].
ACT_INLINE double fastAsinSel(double x) {
  const double ax = std::fabs(x);
  const bool small = ax <= 0.5;
  const double x2 = x * x, h = 0.5 * (1 - ax);
  const double z = minNonNeg(x2, h);
  const double r = asinR(z);
  const double s = std::sqrt(z);
  // (|x| = 1: z = 0, so this is fastAsin's π/2 exactly; big > 0, so copysign is fastAsin's sign select. Fewer
  // selects: GCC had turned them into masked duplicates of the division and the square root.)
  const double big = ntk_simd::kHalfPi - 2 * (s + s * r);
  return small ? x + x * r : std::copysign(big, x);
}

// ---- the pair kernels (activations.ts), per lane: k = K̃, d = Σ̇

constexpr int kLanes = 32;

struct Relu {
  ACT_INLINE void operator()(const double* c, const double* q1, const double* q2, double* k, double* d) const {
    for (int l = 0; l < kLanes; l++) {
      const double qq = q1[l] * q2[l];
      const double s = std::sqrt(qq);
      const double rho = clamp1(c[l] / s);
      const double pt = kPi - acosSel(rho);
      const double j = std::sqrt((1 - rho) * (1 + rho)) + pt * rho;
      const bool ok = qq > 0;
      k[l] = ok ? s * j * kInv2Pi : 0;
      d[l] = ok ? pt * kInv2Pi : 0;
    }
  }
};

struct AbRelu {
  double a, b, ab, d2, half, aa;
  AbRelu(double a_, double b_)
      : a(a_), b(b_), ab(a_ * b_), d2((b_ - a_) * (b_ - a_)), half((a_ * (a_ + b_)) / 2), aa(a_ * a_) {}
  ACT_INLINE void operator()(const double* c, const double* q1, const double* q2, double* k, double* d) const {
    Relu()(c, q1, q2, k, d);
    for (int l = 0; l < kLanes; l++) {
      k[l] = ab * c[l] + d2 * k[l];
      const bool p1 = q1[l] > 0, p2 = q2[l] > 0;
      d[l] = (p1 & p2) ? ab + d2 * d[l] : (p1 | p2) ? half : aa;
    }
  }
};

// erf (scaled: erf(a, b, c) with pre = b², a2 = a², c2 = c², a2b2 = a²·b²)
struct Erf {
  bool scaled;
  double pre, a2, c2, a2b2;
  ACT_INLINE void operator()(const double* cc, const double* qa, const double* qb, double* k, double* d) const {
    const double twoOverPi = 2 / kPi, fourOverPi = 4 / kPi;
    for (int l = 0; l < kLanes; l++) {
      const double c = scaled ? pre * cc[l] : cc[l], q1 = scaled ? pre * qa[l] : qa[l],
                   q2 = scaled ? pre * qb[l] : qb[l];
      const double dd = (1 + 2 * q1) * (1 + 2 * q2);
      const double r = clamp1((2 * c) / std::sqrt(dd));
      const double k0 = twoOverPi * asinFd(r);
      const double d0 = fourOverPi / std::sqrt(max0(dd - 4 * c * c));
      k[l] = scaled ? a2 * k0 + c2 : k0;
      d[l] = scaled ? a2b2 * d0 : d0;
    }
  }
};

struct Gelu {
  ACT_INLINE void operator()(const double* cc, const double* qa, const double* qb, double* k, double* d) const {
    for (int l = 0; l < kLanes; l++) {
      const double c = cc[l], q1 = qa[l], q2 = qb[l];
      const double P = q1 * q2;
      const double P1 = (1 + q1) * (1 + q2);
      const double d2 = max0(P1 - c * c);
      const double dl = std::sqrt(d2);
      const double alpha = atan2Fd(c, dl);
      k[l] = 0.25 * c + ((c * c + P * d2) / (P1 * dl) + c * alpha) * kInv2Pi;
      d[l] = 0.25 + alpha * kInv2Pi + (c / dl) * (1 / d2 + (1 - P) / P1 + 1) * kInv2Pi;
    }
  }
};

// the tanh mixture Σᵢ aᵢ·erf(bᵢx) (activations.ts tanhKernel; n ≤ kMaxMix terms)
constexpr int kMaxMix = 40;
struct Tanh {
  int n;
  double a[kMaxMix], b[kMaxMix], ab[kMaxMix], b2[kMaxMix];
  Tanh(const double* a_, const double* b_, int n_) : n(n_) {
    for (int i = 0; i < n; i++) {
      a[i] = a_[i];
      b[i] = b_[i];
      ab[i] = a_[i] * b_[i];
      b2[i] = 2 * b_[i] * b_[i];
    }
  }
  ACT_INLINE void operator()(const double* c, const double* q1, const double* q2, double* k, double* d) const {
    alignas(64) double u[kMaxMix][kLanes], r[kMaxMix][kLanes], v[kMaxMix][kLanes], w[kMaxMix][kLanes];
    for (int i = 0; i < n; i++) {
      for (int l = 0; l < kLanes; l++) {
        const double s1 = 1 / std::sqrt(1 + b2[i] * q1[l]);
        u[i][l] = 2 * c[l] * b[i] * s1;
        r[i][l] = ab[i] * s1;
        const double s2 = 1 / std::sqrt(1 + b2[i] * q2[l]);
        v[i][l] = b[i] * s2;
        w[i][l] = ab[i] * s2;
      }
    }
    alignas(64) double kk[kLanes], kd[kLanes];
    for (int l = 0; l < kLanes; l++) kk[l] = kd[l] = 0;
    for (int i = 0; i < n; i++) {
      alignas(64) double si[kLanes], di[kLanes];
      for (int l = 0; l < kLanes; l++) si[l] = di[l] = 0;
      for (int j = 0; j < n; j++) {
        const double aj = a[j];
#pragma GCC ivdep
        for (int l = 0; l < kLanes; l++) {
          const double t = clamp1(u[i][l] * v[j][l]);
          si[l] += aj * fastAsinSel(t);
          di[l] += w[j][l] / std::sqrt((1 - t) * (1 + t));
        }
      }
      const double ai = a[i];
      for (int l = 0; l < kLanes; l++) {
        kk[l] += ai * si[l];
        kd[l] += r[i][l] * di[l];
      }
    }
    for (int l = 0; l < kLanes; l++) {
      k[l] = (2 / kPi) * kk[l];
      d[l] = (4 / kPi) * kd[l];
    }
  }
};

// activate(): every entry of a record (flat or diag: S = P entries per pair, variances var[i·P + p]; full: S = P²,
// var1[i·P + p] and var2[j·P + p2]), in entry order, kLanes at a time; outT = tin ⊙ Σ̇.
template <class F>
ACT_INLINE void actApply(const F& f, const double* nngp, const double* ntk, const double* var1, const double* var2,
                         int64_t n1, int64_t n2, bool self, int64_t P, bool full, double* outK, double* outT) {
  const int64_t pairs = self ? n1 : n1 * n2;
  const int64_t S = full ? P * P : P;
  const int64_t N = pairs * S;
  alignas(64) double c[kLanes], q1[kLanes], q2[kLanes], k[kLanes], d[kLanes];
  // the entry being gathered: pair e = (i, j), position p (and p2 on full records)
  int64_t e = 0, i = 0, j = 0, p = 0, p2 = 0;
  for (int64_t start = 0; start < N; start += kLanes) {
    const int m = N - start < kLanes ? static_cast<int>(N - start) : kLanes;
    for (int l = 0; l < m; l++) {
      c[l] = nngp[start + l];
      q1[l] = var1[i * P + p];
      q2[l] = var2[j * P + (full ? p2 : p)];
      // advance (p2, p, e)
      if (full && ++p2 < P) continue;
      p2 = 0;
      if (++p < P) continue;
      p = 0;
      ++e;
      if (self) {
        i = j = e;
      } else if (++j == n2) {
        j = 0;
        ++i;
      }
    }
    for (int l = m; l < kLanes; l++) c[l] = 0, q1[l] = 1, q2[l] = 1;
    f(c, q1, q2, k, d);
    for (int l = 0; l < m; l++) outK[start + l] = k[l];
    if (ntk)
      for (int l = 0; l < m; l++) outT[start + l] = ntk[start + l] * d[l];
  }
}

// activateMeanAll() on a full record (P² entries per pair): per pair the means of K̃ and tin ⊙ Σ̇ over its entries,
// summed one by one in entry order as the reference does (sk += K̃·2·π, st += tin·Σ̇·2·π, then (s·(1/2π))/P²);
// chunks end at the end of their pair.
template <class F>
ACT_INLINE void actMean(const F& f, const double* nngp, const double* ntk, const double* var1, const double* var2,
                        int64_t n1, int64_t n2, bool self, int64_t P, double* outK, double* outT) {
  const int64_t pairs = self ? n1 : n1 * n2;
  const int64_t S = P * P;
  alignas(64) double c[kLanes], q1[kLanes], q2[kLanes], k[kLanes], d[kLanes];
  for (int64_t e = 0; e < pairs; e++) {
    const int64_t i = self ? e : e / n2, j = self ? e : e - i * n2;
    const double* v1 = var1 + i * P;
    const double* v2 = var2 + j * P;
    const double* ce = nngp + e * S;
    const double* te = ntk ? ntk + e * S : nullptr;
    double sk = 0, st = 0;
    int64_t p = 0, p2 = 0;
    for (int64_t at = 0; at < S; at += kLanes) {
      const int m = S - at < kLanes ? static_cast<int>(S - at) : kLanes;
      for (int l = 0; l < m; l++) {
        c[l] = ce[at + l];
        q1[l] = v1[p];
        q2[l] = v2[p2];
        if (++p2 == P) p2 = 0, ++p;
      }
      for (int l = m; l < kLanes; l++) c[l] = 0, q1[l] = 1, q2[l] = 1;
      f(c, q1, q2, k, d);
      for (int l = 0; l < m; l++) sk += k[l] * 2 * kPi;
      if (te)
        for (int l = 0; l < m; l++) st += te[at + l] * d[l] * 2 * kPi;
    }
    outK[e] = (sk * kInv2Pi) / static_cast<double>(S);
    if (te) outT[e] = (st * kInv2Pi) / static_cast<double>(S);
  }
}

// activate() (mean false) or activateMeanAll() (mean true, full records) with the pair kernel f
template <class F>
ACT_INLINE void actRun(const F& f, bool mean, const double* nngp, const double* ntk, const double* var1,
                       const double* var2, int64_t n1, int64_t n2, bool self, int64_t P, bool full, double* outK,
                       double* outT) {
  if (mean)
    actMean(f, nngp, ntk, var1, var2, n1, n2, self, P, outK, outT);
  else
    actApply(f, nngp, ntk, var1, var2, n1, n2, self, P, full, outK, outT);
}

// the vectorized elementary functions, for tests: 0 asinFd(clamp x), 1 atan2Fd(y = x, x = y2), 2 fastAsinSel(clamp x)
ACT_INLINE void mathArray(int fn, const double* __restrict x, const double* __restrict y2, double* __restrict out,
                          int64_t n) {
  if (fn == 0)
    for (int64_t i = 0; i < n; i++) out[i] = asinFd(clamp1(x[i]));
  else if (fn == 1)
    for (int64_t i = 0; i < n; i++) out[i] = atan2Fd(x[i], y2[i]);
  else
    for (int64_t i = 0; i < n; i++) out[i] = fastAsinSel(clamp1(x[i]));
}

}  // namespace ntk_act

namespace ntk_act {
// the kinds (src/linalg/simd.ts ACT_KINDS)
enum Kind { kRelu = 0, kAbRelu = 1, kErf = 2, kErfScaled = 3, kGelu = 4, kTanh = 5 };
// activate() on a record with the pair kernel `kind` and its parameters (abrelu: a, b; scaled erf: a, b, c; tanh:
// the mixture's a then b); false for an unknown kind or wrong parameter count.
// mean: activateMeanAll's per-pair means instead (full records; outK, outT of one entry per pair).
bool runAct(int kind, const double* prm, int np, const double* nngp, const double* ntk, const double* var1,
            const double* var2, int64_t n1, int64_t n2, bool self, int64_t P, bool full, bool mean, double* outK,
            double* outT);
// out = fn(x[, y]) for the tests (mathArray)
void runMath(int fn, const double* x, const double* y, double* out, int64_t n);
}  // namespace ntk_act
