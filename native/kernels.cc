// One body (simd_kernels.h), three compilations: AVX-512 (512-bit vectors), AVX2 + FMA, and the x86-64 baseline
// (SSE2; elsewhere the compiler's default). Chosen at run time with __builtin_cpu_supports; setPath forces one
// (NTK_SIMD in src/analytic/simd.ts). All three give the same bits: the bodies use no contraction (-ffp-contract=off)
// and only correctly rounded operations, and the one explicit fma is an fma on every path.
#include "kernels.h"

#include <vector>

namespace ntk_simd {

#if defined(__x86_64__) || defined(__i386__)
#define NTK_X86 1
#define T512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,prefer-vector-width=512")))
#define T256 __attribute__((target("avx2,fma")))
#else
#define NTK_X86 0
#define T512
#define T256
#endif

#define NTK_VARIANT(SUFFIX, ATTR, IS512)                                                                             \
  ATTR static void reluMeanAll_##SUFFIX(const double* nngp, const double* ntk, const double* var1,                 \
                                        const double* var2, int64_t n1, int64_t n2, int P, double* outK,           \
                                        double* outT) {                                                            \
    std::vector<double> s(4 * (static_cast<size_t>(P) + kChunk));                                                \
    std::vector<int> idx(static_cast<size_t>(P));                                                                \
    reluMeanAll(nngp, ntk, var1, var2, n1, n2, P, outK, outT, s.data(), idx.data());                             \
  }                                                                                                                \
  ATTR static void reluFull_##SUFFIX(const double* nngp, const double* ntk, const double* var1, const double* var2, \
                                     int64_t n1, int64_t n2, bool self, int P, double* outK, double* outT) {       \
    std::vector<double> s(2 * static_cast<size_t>(P));                                                           \
    reluFull(nngp, ntk, var1, var2, n1, n2, self, P, outK, outT, s.data());                                        \
  }                                                                                                                \
  ATTR static void convReluMean_##SUFFIX(const double* pa, const double* pbT, int64_t n1, int64_t n2, int Q, int K, \
                                         Affine aff, bool lowerFirst, const double* var1, const double* var2,     \
                                         double* outK, double* outT) {                                             \
    std::vector<double> s((K + 2) * (static_cast<size_t>(Q) + kConvChunk));                                      \
    convReluMean<IS512>(pa, pbT, n1, n2, Q, K, aff, lowerFirst, var1, var2, outK, outT, s.data());                \
  }                                                                                                                \
  ATTR static void convReluSelf_##SUFFIX(const double* pa, int64_t n, int Q, int K, double alpha, double sw2,      \
                                         double sb2, double* outQ, double* outR, double* outMean) {                 \
    std::vector<double> s((2 * K + 4) * static_cast<size_t>(Q));                                                 \
    convReluSelf(pa, n, Q, K, alpha, sw2, sb2, outQ, outR, outMean, s.data());                                    \
  }                                                                                                                \
  ATTR static void reluPoolFull_##SUFFIX(const double* src, const double* tin, const double* var1,               \
                                         const double* var2, int64_t n1, int64_t n2, int P, const double* taps,    \
                                         int T, const double* weights, int Q, double* out) {                      \
    std::vector<double> s(static_cast<size_t>(P) * (Q + 3));                                                     \
    reluPoolFull(src, tin, var1, var2, n1, n2, P, taps, T, weights, Q, out, s.data());                            \
  }                                                                                                                \
  ATTR static void acos_##SUFFIX(const double* x, double* out, int64_t n) { acosArray(x, out, n); }                \
  ATTR static void acosPoly_##SUFFIX(const double* x, double* out, int64_t n) { acosPolyArray(x, out, n); }

NTK_VARIANT(base, , false)
#if NTK_X86
NTK_VARIANT(avx2, T256, false)
NTK_VARIANT(avx512, T512, true)
#endif

Path bestPath() {
#if NTK_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw"))
    return kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return kAvx2;
#endif
  return kBaseline;
}

static Path g_path = bestPath();

Path currentPath() { return g_path; }
bool setPath(Path p) {
  if (p > bestPath()) return false;
  g_path = p;
  return true;
}
const char* pathName(Path p) { return p == kAvx512 ? "avx512" : p == kAvx2 ? "avx2" : "baseline"; }

#if NTK_X86
#define NTK_DISPATCH(NAME, ...)                                 \
  switch (g_path) {                                             \
    case kAvx512: return NAME##_avx512(__VA_ARGS__);            \
    case kAvx2: return NAME##_avx2(__VA_ARGS__);                \
    default: return NAME##_base(__VA_ARGS__);                   \
  }
#else
#define NTK_DISPATCH(NAME, ...) return NAME##_base(__VA_ARGS__);
#endif

void runReluMeanAll(const double* nngp, const double* ntk, const double* var1, const double* var2, int64_t n1,
                    int64_t n2, int P, double* outK, double* outT) {
  NTK_DISPATCH(reluMeanAll, nngp, ntk, var1, var2, n1, n2, P, outK, outT)
}
void runReluFull(const double* nngp, const double* ntk, const double* var1, const double* var2, int64_t n1, int64_t n2,
                 bool self, int P, double* outK, double* outT) {
  NTK_DISPATCH(reluFull, nngp, ntk, var1, var2, n1, n2, self, P, outK, outT)
}
void runConvReluMean(const double* pa, const double* pbT, int64_t n1, int64_t n2, int Q, int K, Affine aff,
                     bool lowerFirst, const double* var1, const double* var2, double* outK, double* outT) {
  NTK_DISPATCH(convReluMean, pa, pbT, n1, n2, Q, K, aff, lowerFirst, var1, var2, outK, outT)
}
void runConvReluSelf(const double* pa, int64_t n, int Q, int K, double alpha, double sw2, double sb2, double* outQ,
                     double* outR, double* outMean) {
  NTK_DISPATCH(convReluSelf, pa, n, Q, K, alpha, sw2, sb2, outQ, outR, outMean)
}
void runReluPoolFull(const double* src, const double* tin, const double* var1, const double* var2, int64_t n1,
                     int64_t n2, int P, const double* taps, int T, const double* weights, int Q, double* out) {
  NTK_DISPATCH(reluPoolFull, src, tin, var1, var2, n1, n2, P, taps, T, weights, Q, out)
}
void runAcos(const double* x, double* out, int64_t n) { NTK_DISPATCH(acos, x, out, n) }
void runAcosPoly(const double* x, double* out, int64_t n) { NTK_DISPATCH(acosPoly, x, out, n) }

}  // namespace ntk_simd
