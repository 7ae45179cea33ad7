// WebAssembly SIMD build of one native kernel (reluMeanAll, native/simd_kernels.h) for the native-vs-wasm
// measurement in docs/kernels.md. Build: bash bench/analytic/wasm/build.sh (clang ≥ 14 with the wasm32 target, lld).
#include "../../../native/simd_kernels.h"

extern "C" {
__attribute__((export_name("reluMeanAll"))) void reluMeanAllW(const double* nngp, const double* ntk, const double* var1,
                                                              const double* var2, int n1, int n2, int P, double* outK,
                                                              double* outT, double* scratch) {
  // scratch: 5P + 64 doubles (4(P + 16) for the kernel; the last P hold its P int indices)
  ntk_simd::reluMeanAll(nngp, ntk, var1, var2, n1, n2, P, outK, outT, scratch,
                        reinterpret_cast<int*>(scratch + 4 * (P + ntk_simd::kChunk)));
}
}
