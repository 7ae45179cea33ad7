// Peak double-precision FMA rate of this machine, for the flop limit in bench/analytic (docs/kernels.md): 12
// independent chains of vfmadd per thread (enough to cover the FMA latency on every x86 core since Haswell), AVX-512
// and AVX2, on 1..T threads. Prints one JSON line. Build: g++ -O2 -pthread peak_fma.cc (bench/analytic/simd.ts does).
#include <immintrin.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <thread>
#include <vector>

#define PEAK_BODY(V, SET, FMA)                                                                   \
  const V x = SET(0.999999), y = SET(1e-7);                                                      \
  V a0 = SET(1.0), a1 = SET(1.1), a2 = SET(1.2), a3 = SET(1.3), a4 = SET(1.4), a5 = SET(1.5);   \
  V a6 = SET(1.6), a7 = SET(1.7), a8 = SET(1.8), a9 = SET(1.9), a10 = SET(2.0), a11 = SET(2.1); \
  for (long i = 0; i < iters; i++) {                                                             \
    a0 = FMA(a0, x, y), a1 = FMA(a1, x, y), a2 = FMA(a2, x, y), a3 = FMA(a3, x, y);             \
    a4 = FMA(a4, x, y), a5 = FMA(a5, x, y), a6 = FMA(a6, x, y), a7 = FMA(a7, x, y);             \
    a8 = FMA(a8, x, y), a9 = FMA(a9, x, y), a10 = FMA(a10, x, y), a11 = FMA(a11, x, y);         \
  }                                                                                              \
  V t = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;                            \
  return reinterpret_cast<double*>(&t)[0];

__attribute__((target("avx512f"))) static double run512(long iters) { PEAK_BODY(__m512d, _mm512_set1_pd, _mm512_fmadd_pd) }
__attribute__((target("avx2,fma"))) static double run256(long iters) { PEAK_BODY(__m256d, _mm256_set1_pd, _mm256_fmadd_pd) }

static double threadCpu() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

// GFlop/s per thread-CPU-second summed over the threads (a rate the shared machine's load does not dilute), and
// per wall second
static void gflops(bool wide, int threads, long iters, double& perCpu, double& perWall) {
  std::vector<std::thread> ts;
  std::vector<double> sink(threads), cpu(threads);
  const auto t0 = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; t++)
    ts.emplace_back([&, t] {
      const double c0 = threadCpu();
      sink[t] = wide ? run512(iters) : run256(iters);
      cpu[t] = threadCpu() - c0;
    });
  for (auto& t : ts) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double flops = 2.0 * (wide ? 8 : 4) * 12 * static_cast<double>(iters);
  if (sink[0] == 12345) std::puts("");
  perCpu = 0;
  for (int t = 0; t < threads; t++) perCpu += flops / cpu[t] / 1e9;
  perWall = flops * threads / s / 1e9;
}

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  const long iters = argc > 2 ? std::atol(argv[2]) : 50000000;
  __builtin_cpu_init();
  const bool has512 = __builtin_cpu_supports("avx512f");
  // best of 3 (the machine may be shared)
  double r[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int rep = 0; rep < 3; rep++)
    for (int w = 0; w < (has512 ? 2 : 1); w++)
      for (int m = 0; m < 2; m++) {
        double c, wl;
        gflops(w == 1, m == 0 ? 1 : threads, iters, c, wl);
        r[w * 4 + m * 2] = std::max(r[w * 4 + m * 2], c);
        r[w * 4 + m * 2 + 1] = std::max(r[w * 4 + m * 2 + 1], wl);
      }
  std::printf(
      "{\"threads\":%d,\"avx2\":{\"cpu1\":%.2f,\"wall1\":%.2f,\"cpuT\":%.2f,\"wallT\":%.2f},"
      "\"avx512\":{\"cpu1\":%.2f,\"wall1\":%.2f,\"cpuT\":%.2f,\"wallT\":%.2f}}\n",
      threads, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
}
