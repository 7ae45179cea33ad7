// The activation kernels (act_kernels.h), compiled per instruction set — AVX-512, AVX2 + FMA, baseline — and
// dispatched on the path kernels.cc chose (ntk_simd::currentPath, NTK_SIMD). All paths give the same bits
// (-ffp-contract=off, only correctly rounded operations, no FMA in these bodies).
#include "act_kernels.h"

#include "kernels.h"

namespace ntk_act {

#if defined(__x86_64__) || defined(__i386__)
#define ACT_X86 1
// (the same target sets as kernels.cc's T512 / T256)
#define A512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,prefer-vector-width=512")))
#define A256 __attribute__((target("avx2,fma")))
#else
#define ACT_X86 0
#endif

#define ACT_VARIANT(SUFFIX, ATTR)                                                                                 \
  ATTR static bool act_##SUFFIX(int kind, const double* prm, int np, const double* nngp, const double* ntk,     \
                                const double* var1, const double* var2, int64_t n1, int64_t n2, bool self,      \
                                int64_t P, bool full, bool mean, double* outK, double* outT) {                  \
    switch (kind) {                                                                                             \
      case kRelu: actRun(Relu(), mean, nngp, ntk, var1, var2, n1, n2, self, P, full, outK, outT); return true;      \
      case kAbRelu:                                                                                             \
        if (np != 2) return false;                                                                              \
        actRun(AbRelu(prm[0], prm[1]), mean, nngp, ntk, var1, var2, n1, n2, self, P, full, outK, outT);             \
        return true;                                                                                            \
      case kErf: actRun(Erf{false, 1, 1, 0, 1}, mean, nngp, ntk, var1, var2, n1, n2, self, P, full, outK, outT);     \
        return true;                                                                                            \
      case kErfScaled: {                                                                                        \
        if (np != 3) return false;                                                                              \
        const double a2 = prm[0] * prm[0], b2 = prm[1] * prm[1], c2 = prm[2] * prm[2];                          \
        actRun(Erf{true, b2, a2, c2, a2 * b2}, mean, nngp, ntk, var1, var2, n1, n2, self, P, full, outK, outT);     \
        return true;                                                                                            \
      }                                                                                                         \
      case kGelu: actRun(Gelu(), mean, nngp, ntk, var1, var2, n1, n2, self, P, full, outK, outT); return true;      \
      case kTanh:                                                                                               \
        if (np % 2 != 0 || np / 2 > kMaxMix) return false;                                                      \
        actRun(Tanh(prm, prm + np / 2, np / 2), mean, nngp, ntk, var1, var2, n1, n2, self, P, full, outK, outT);    \
        return true;                                                                                            \
      default: return false;                                                                                    \
    }                                                                                                           \
  }                                                                                                             \
  ATTR static void math_##SUFFIX(int fn, const double* x, const double* y, double* out, int64_t n) {            \
    mathArray(fn, x, y, out, n);                                                                                \
  }

ACT_VARIANT(base, )
#if ACT_X86
ACT_VARIANT(avx2, A256)
ACT_VARIANT(avx512, A512)
#endif

bool runAct(int kind, const double* prm, int np, const double* nngp, const double* ntk, const double* var1,
            const double* var2, int64_t n1, int64_t n2, bool self, int64_t P, bool full, bool mean, double* outK,
            double* outT) {
#if ACT_X86
  switch (ntk_simd::currentPath()) {
    case ntk_simd::kAvx512: return act_avx512(kind, prm, np, nngp, ntk, var1, var2, n1, n2, self, P, full, mean, outK, outT);
    case ntk_simd::kAvx2: return act_avx2(kind, prm, np, nngp, ntk, var1, var2, n1, n2, self, P, full, mean, outK, outT);
    default: break;
  }
#endif
  return act_base(kind, prm, np, nngp, ntk, var1, var2, n1, n2, self, P, full, mean, outK, outT);
}

void runMath(int fn, const double* x, const double* y, double* out, int64_t n) {
#if ACT_X86
  switch (ntk_simd::currentPath()) {
    case ntk_simd::kAvx512: return math_avx512(fn, x, y, out, n);
    case ntk_simd::kAvx2: return math_avx2(fn, x, y, out, n);
    default: break;
  }
#endif
  math_base(fn, x, y, out, n);
}

}  // namespace ntk_act
