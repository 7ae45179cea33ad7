// Run-time dispatch of the vectorized analytic kernels (simd_kernels.h) by CPU feature.
#pragma once
#include <cstdint>

#include "simd_kernels.h"

namespace ntk_simd {

enum Path { kBaseline = 0, kAvx2 = 1, kAvx512 = 2 };

// The best path this CPU supports, the one in use, and a switch (false when the CPU lacks it).
Path bestPath();
Path currentPath();
bool setPath(Path p);
const char* pathName(Path p);

void runReluMeanAll(const double* nngp, const double* ntk, const double* var1, const double* var2, int64_t n1,
                    int64_t n2, int P, double* outK, double* outT);
void runReluFull(const double* nngp, const double* ntk, const double* var1, const double* var2, int64_t n1, int64_t n2,
                 bool self, int P, double* outK, double* outT);
void runConvReluMean(const double* pa, const double* pbT, int64_t n1, int64_t n2, int Q, int K, Affine aff,
                     bool lowerFirst, const double* var1, const double* var2, double* outK, double* outT);
void runConvReluSelf(const double* pa, int64_t n, int Q, int K, double alpha, double sw2, double sb2, double* outQ,
                     double* outR, double* outMean);
// reluPoolFull on the nngp (tin null) or the ntk (src = the nngp, tin = the ntk) of a cross record
void runReluPoolFull(const double* src, const double* tin, const double* var1, const double* var2, int64_t n1,
                     int64_t n2, int P, const double* taps, int T, const double* weights, int Q, double* out);
void runAcos(const double* x, double* out, int64_t n);
void runAcosPoly(const double* x, double* out, int64_t n);

}  // namespace ntk_simd
