// ntk_native: a thin N-API layer over OpenBLAS (CBLAS) and LAPACKE.
//
// Every routine works in place on the caller's Float64Array (or Float32Array where noted) buffers; nothing is
// copied. Matrices are row-major, as in src/linalg. Arguments are validated here as well as in TypeScript, so a
// bad call raises a JavaScript exception instead of reaching BLAS (whose xerbla would print and carry on).
// Routines that can take seconds also have an *Async form running on libuv's thread pool.

#include <napi.h>
#include <cblas.h>
#include <lapacke.h>

#include "kernels.h"
#include "act_kernels.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

extern "C" {
char* openblas_get_corename(void);
char* openblas_get_config(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);
}

namespace {

struct F64 {
  double* data;
  size_t length;
};
struct F32 {
  float* data;
  size_t length;
};

bool Fail(Napi::Env env, const std::string& msg) {
  Napi::TypeError::New(env, "ntk_native: " + msg).ThrowAsJavaScriptException();
  return false;
}

bool GetInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t& out, int64_t min = 0) {
  if (i >= info.Length() || !info[i].IsNumber()) return Fail(info.Env(), std::string("`") + name + "` must be a number");
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v == static_cast<double>(static_cast<int64_t>(v))) || v < static_cast<double>(min) || v > 2147483647.0)
    return Fail(info.Env(), std::string("`") + name + "` must be an integer >= " + std::to_string(min) + ". Value: " +
                                std::to_string(v));
  out = static_cast<int64_t>(v);
  return true;
}

bool GetDouble(const Napi::CallbackInfo& info, size_t i, const char* name, double& out) {
  if (i >= info.Length() || !info[i].IsNumber()) return Fail(info.Env(), std::string("`") + name + "` must be a number");
  out = info[i].As<Napi::Number>().DoubleValue();
  return true;
}

bool GetBool(const Napi::CallbackInfo& info, size_t i, const char* name, bool& out) {
  if (i >= info.Length() || !info[i].IsBoolean()) return Fail(info.Env(), std::string("`") + name + "` must be a boolean");
  out = info[i].As<Napi::Boolean>().Value();
  return true;
}

// A typed array argument of the requested element type, at least `need` elements long.
template <typename T>
bool GetArray(const Napi::CallbackInfo& info, size_t i, const char* name, size_t need, T*& out) {
  const napi_typedarray_type want = sizeof(T) == 8 ? napi_float64_array : napi_float32_array;
  const char* wantName = sizeof(T) == 8 ? "Float64Array" : "Float32Array";
  if (i >= info.Length() || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != want)
    return Fail(info.Env(), std::string("`") + name + "` must be a " + wantName);
  // napi_get_typedarray_info gives the element pointer directly, for ArrayBuffer- and SharedArrayBuffer-backed
  // arrays alike (Napi::ArrayBuffer::Data() is null for a SharedArrayBuffer).
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(info.Env(), info[i], &type, &length, &data, nullptr, nullptr) != napi_ok)
    return Fail(info.Env(), std::string("`") + name + "`: cannot read the typed array");
  if (length < need)
    return Fail(info.Env(), std::string("`") + name + "` is too short: need " + std::to_string(need) +
                                " elements, got " + std::to_string(length));
  if (data == nullptr && length > 0) return Fail(info.Env(), std::string("`") + name + "` has no backing store");
  out = static_cast<T*>(data);
  return true;
}

bool IsF32(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() && info[i].IsTypedArray() &&
         info[i].As<Napi::TypedArray>().TypedArrayType() == napi_float32_array;
}

// Runs `work` on the thread pool, keeping the JS buffers alive until it finishes; resolves with its int result.
class Worker : public Napi::AsyncWorker {
 public:
  Worker(Napi::Env env, std::function<int()> work, std::vector<Napi::Value> keep)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)) {
    for (auto& v : keep) refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override { result_ = work_(); }
  void OnOK() override { deferred_.Resolve(Napi::Number::New(Env(), result_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<int()> work_;
  std::vector<Napi::ObjectReference> refs_;
  int result_ = 0;
};

Napi::Value Run(const Napi::CallbackInfo& info, bool async, std::function<int()> work, std::vector<Napi::Value> keep) {
  if (!async) return Napi::Number::New(info.Env(), work());
  auto* w = new Worker(info.Env(), std::move(work), std::move(keep));
  auto p = w->Promise();
  w->Queue();
  return p;
}

// gemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc): C = alpha·op(A)·op(B) + beta·C, row-major.
// Float64Array or Float32Array (all three of one type).
Napi::Value Gemm(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  bool ta, tb;
  int64_t m, n, k, lda, ldb, ldc;
  double alpha, beta;
  if (!GetBool(info, 0, "transA", ta) || !GetBool(info, 1, "transB", tb) || !GetInt(info, 2, "m", m) ||
      !GetInt(info, 3, "n", n) || !GetInt(info, 4, "k", k) || !GetDouble(info, 5, "alpha", alpha) ||
      !GetInt(info, 7, "lda", lda, 1) || !GetInt(info, 9, "ldb", ldb, 1) || !GetDouble(info, 10, "beta", beta) ||
      !GetInt(info, 12, "ldc", ldc, 1))
    return env.Undefined();
  // Row-major: op(A) is m×k, stored as m×k (lda ≥ k) or k×m (lda ≥ m).
  const int64_t aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
  if (lda < aCols || ldb < bCols || ldc < n) return Fail(env, "leading dimension smaller than the row length"), env.Undefined();
  auto need = [](int64_t rows, int64_t ld, int64_t cols) -> size_t {
    return rows == 0 || cols == 0 ? 0 : static_cast<size_t>((rows - 1) * ld + cols);
  };
  const auto ta_ = ta ? CblasTrans : CblasNoTrans, tb_ = tb ? CblasTrans : CblasNoTrans;
  if (IsF32(info, 6)) {
    float *A, *B, *C;
    if (!GetArray(info, 6, "A", need(aRows, lda, aCols), A) || !GetArray(info, 8, "B", need(bRows, ldb, bCols), B) ||
        !GetArray(info, 11, "C", need(m, ldc, n), C))
      return env.Undefined();
    return Run(info, async, [=] {
      cblas_sgemm(CblasRowMajor, ta_, tb_, m, n, k, (float)alpha, A, lda, B, ldb, (float)beta, C, ldc);
      return 0;
    }, {info[6], info[8], info[11]});
  }
  double *A, *B, *C;
  if (!GetArray(info, 6, "A", need(aRows, lda, aCols), A) || !GetArray(info, 8, "B", need(bRows, ldb, bCols), B) ||
      !GetArray(info, 11, "C", need(m, ldc, n), C))
    return env.Undefined();
  return Run(info, async, [=] {
    cblas_dgemm(CblasRowMajor, ta_, tb_, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    return 0;
  }, {info[6], info[8], info[11]});
}

// syrk(trans, n, k, alpha, A, lda, beta, C, ldc): C = alpha·A·Aᵀ + beta·C (trans=false, A n×k) or alpha·AᵀA + beta·C
// (trans=true, A k×n). Only the lower triangle of C (row-major) is written. Float64Array or Float32Array.
Napi::Value Syrk(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  bool tr;
  int64_t n, k, lda, ldc;
  double alpha, beta;
  if (!GetBool(info, 0, "trans", tr) || !GetInt(info, 1, "n", n) || !GetInt(info, 2, "k", k) ||
      !GetDouble(info, 3, "alpha", alpha) || !GetInt(info, 5, "lda", lda, 1) || !GetDouble(info, 6, "beta", beta) ||
      !GetInt(info, 8, "ldc", ldc, 1))
    return env.Undefined();
  const int64_t aRows = tr ? k : n, aCols = tr ? n : k;
  if (lda < aCols || ldc < n) return Fail(env, "leading dimension smaller than the row length"), env.Undefined();
  const size_t needA = aRows == 0 || aCols == 0 ? 0 : (aRows - 1) * lda + aCols;
  const size_t needC = n == 0 ? 0 : (n - 1) * ldc + n;
  const auto t = tr ? CblasTrans : CblasNoTrans;
  if (IsF32(info, 4)) {
    float *A, *C;
    if (!GetArray(info, 4, "A", needA, A) || !GetArray(info, 7, "C", needC, C)) return env.Undefined();
    return Run(info, async, [=] {
      cblas_ssyrk(CblasRowMajor, CblasLower, t, n, k, (float)alpha, A, lda, (float)beta, C, ldc);
      return 0;
    }, {info[4], info[7]});
  }
  double *A, *C;
  if (!GetArray(info, 4, "A", needA, A) || !GetArray(info, 7, "C", needC, C)) return env.Undefined();
  return Run(info, async, [=] {
    cblas_dsyrk(CblasRowMajor, CblasLower, t, n, k, alpha, A, lda, beta, C, ldc);
    return 0;
  }, {info[4], info[7]});
}

// In-place transpose of a square n×n row-major matrix, by 32×32 tile pairs (a plain loop walks a column per row:
// for n = 4000 that is ~10× slower, a visible part of eigh's time).
void TransposeSquare(double* a, int64_t n) {
  const int64_t B = 32;
  for (int64_t i0 = 0; i0 < n; i0 += B) {
    const int64_t i1 = std::min(i0 + B, n);
    for (int64_t j0 = i0; j0 < n; j0 += B) {
      const int64_t j1 = std::min(j0 + B, n);
      for (int64_t i = i0; i < i1; i++)
        for (int64_t j = std::max(j0, i + 1); j < j1; j++) std::swap(a[i * n + j], a[j * n + i]);
    }
  }
}

// syevd(n, A, W, vectors): all eigenpairs of the symmetric n×n A (both triangles read as one: the lower one of the
// row-major matrix). W receives ascending eigenvalues. With vectors, A is overwritten by V (row-major, column j is
// the eigenvector of W[j]). Returns LAPACK's info (0 = success, > 0 = failed to converge).
Napi::Value Syevd(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  int64_t n;
  bool vectors;
  double *A, *W;
  if (!GetInt(info, 0, "n", n) || !GetArray(info, 1, "A", n * n, A) || !GetArray(info, 2, "W", n, W) ||
      !GetBool(info, 3, "vectors", vectors))
    return env.Undefined();
  return Run(info, async, [=] {
    if (n == 0) return 0;
    // Row-major lower triangle == column-major upper triangle.
    int r = LAPACKE_dsyevd(LAPACK_COL_MAJOR, vectors ? 'V' : 'N', 'U', n, A, n, W);
    if (r == 0 && vectors) TransposeSquare(A, n);  // column-major eigenvectors -> row-major V
    return r;
  }, {info[1], info[2]});
}

// syevr(n, A, il, iu, W, Z): eigenpairs il..iu (1-based, ascending) of the symmetric A (A is destroyed). W receives
// m = iu-il+1 eigenvalues; Z (n×m row-major) the eigenvectors as columns. Returns info.
Napi::Value Syevr(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  int64_t n, il, iu;
  double *A, *W, *Z;
  if (!GetInt(info, 0, "n", n, 1) || !GetArray(info, 1, "A", n * n, A) || !GetInt(info, 2, "il", il, 1) ||
      !GetInt(info, 3, "iu", iu, 1))
    return env.Undefined();
  if (il > iu || iu > n) return Fail(env, "need 1 <= il <= iu <= n"), env.Undefined();
  const int64_t m = iu - il + 1;
  if (!GetArray(info, 4, "W", m, W) || !GetArray(info, 5, "Z", n * m, Z)) return env.Undefined();
  return Run(info, async, [=] {
    lapack_int found = 0;
    std::vector<double> w(n);
    std::vector<double> zc(static_cast<size_t>(n) * m);
    std::vector<lapack_int> isuppz(2 * m);
    int r = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'U', n, A, n, 0.0, 0.0, il, iu, 0.0, &found, w.data(),
                           zc.data(), n, isuppz.data());
    if (r != 0) return r;
    if (found != m) return -1000;
    for (int64_t j = 0; j < m; j++) {
      W[j] = w[j];
      for (int64_t i = 0; i < n; i++) Z[i * m + j] = zc[j * n + i];
    }
    return 0;
  }, {info[1], info[4], info[5]});
}

// potrf(n, A): Cholesky A = L·Lᵀ of the row-major lower triangle, L written over it (the strict upper triangle is
// left untouched). Returns info (> 0: the leading minor of that order is not positive definite).
Napi::Value Potrf(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  int64_t n;
  double* A;
  if (!GetInt(info, 0, "n", n) || !GetArray(info, 1, "A", n * n, A)) return env.Undefined();
  return Run(info, async, [=] { return n == 0 ? 0 : (int)LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', n, A, n); },
             {info[1]});
}

// potrs(n, nrhs, L, B): solves (L·Lᵀ) X = B in place for row-major B (n×nrhs), L from potrf. Implemented as two
// triangular solves so that row-major B is never transposed.
Napi::Value Potrs(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  int64_t n, nrhs;
  double *L, *B;
  if (!GetInt(info, 0, "n", n) || !GetInt(info, 1, "nrhs", nrhs) || !GetArray(info, 2, "L", n * n, L) ||
      !GetArray(info, 3, "B", n * nrhs, B))
    return env.Undefined();
  return Run(info, async, [=] {
    if (n == 0 || nrhs == 0) return 0;
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, nrhs, 1.0, L, n, B, nrhs);
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, n, nrhs, 1.0, L, n, B, nrhs);
    return 0;
  }, {info[2], info[3]});
}

// trsm(right, lower, transA, unitDiag, m, n, alpha, A, lda, B, ldb): B = alpha·op(A)⁻¹·B (left) or
// alpha·B·op(A)⁻¹ (right), row-major.
Napi::Value Trsm(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  bool right, lower, trans, unit;
  int64_t m, n, lda, ldb;
  double alpha;
  if (!GetBool(info, 0, "right", right) || !GetBool(info, 1, "lower", lower) || !GetBool(info, 2, "transA", trans) ||
      !GetBool(info, 3, "unitDiag", unit) || !GetInt(info, 4, "m", m) || !GetInt(info, 5, "n", n) ||
      !GetDouble(info, 6, "alpha", alpha) || !GetInt(info, 8, "lda", lda, 1) || !GetInt(info, 10, "ldb", ldb, 1))
    return env.Undefined();
  const int64_t ka = right ? n : m;
  if (lda < ka || ldb < n) return Fail(env, "leading dimension smaller than the row length"), env.Undefined();
  double *A, *B;
  if (!GetArray(info, 7, "A", ka == 0 ? 0 : (ka - 1) * lda + ka, A) ||
      !GetArray(info, 9, "B", m == 0 ? 0 : (m - 1) * ldb + n, B))
    return env.Undefined();
  return Run(info, async, [=] {
    if (m == 0 || n == 0) return 0;
    cblas_dtrsm(CblasRowMajor, right ? CblasRight : CblasLeft, lower ? CblasLower : CblasUpper,
                trans ? CblasTrans : CblasNoTrans, unit ? CblasUnit : CblasNonUnit, m, n, alpha, A, lda, B, ldb);
    return 0;
  }, {info[7], info[9]});
}

// ---- vectorized analytic kernels (kernels.h): synchronous, called from the kernel's worker threads

// reluMeanAll(nngp, ntk|null, var1, var2, n1, n2, P, outK, outT|null): activateMeanAll's relu case (cross record).
Napi::Value ReluMeanAll(const Napi::CallbackInfo& info) {
  int64_t n1, n2, P;
  if (!GetInt(info, 4, "n1", n1) || !GetInt(info, 5, "n2", n2) || !GetInt(info, 6, "P", P)) return info.Env().Undefined();
  const size_t pairs = static_cast<size_t>(n1 * n2), S = static_cast<size_t>(P * P);
  const bool t = !info[1].IsNull();
  double *K, *T = nullptr, *v1, *v2, *oK, *oT = nullptr;
  if (!GetArray(info, 0, "nngp", pairs * S, K) || (t && !GetArray(info, 1, "ntk", pairs * S, T)) ||
      !GetArray(info, 2, "var1", static_cast<size_t>(n1 * P), v1) || !GetArray(info, 3, "var2", static_cast<size_t>(n2 * P), v2) ||
      !GetArray(info, 7, "outK", pairs, oK) || (t && !GetArray(info, 8, "outT", pairs, oT)))
    return info.Env().Undefined();
  ntk_simd::runReluMeanAll(K, T, v1, v2, n1, n2, static_cast<int>(P), oK, oT);
  return info.Env().Undefined();
}

// reluFull(nngp, ntk|null, var1, var2, n1, n2, self, P, outK, outT|null): activate()'s relu case, full record.
Napi::Value ReluFull(const Napi::CallbackInfo& info) {
  int64_t n1, n2, P;
  bool self;
  if (!GetInt(info, 4, "n1", n1) || !GetInt(info, 5, "n2", n2) || !GetBool(info, 6, "self", self) ||
      !GetInt(info, 7, "P", P))
    return info.Env().Undefined();
  const size_t pairs = static_cast<size_t>(self ? n1 : n1 * n2), S = static_cast<size_t>(P * P);
  const bool t = !info[1].IsNull();
  double *K, *T = nullptr, *v1, *v2, *oK, *oT = nullptr;
  if (!GetArray(info, 0, "nngp", pairs * S, K) || (t && !GetArray(info, 1, "ntk", pairs * S, T)) ||
      !GetArray(info, 2, "var1", static_cast<size_t>(n1 * P), v1) ||
      !GetArray(info, 3, "var2", static_cast<size_t>((self ? n1 : n2) * P), v2) ||
      !GetArray(info, 8, "outK", pairs * S, oK) || (t && !GetArray(info, 9, "outT", pairs * S, oT)))
    return info.Env().Undefined();
  ntk_simd::runReluFull(K, T, v1, v2, n1, n2, self, static_cast<int>(P), oK, oT);
  return info.Env().Undefined();
}

// convReluMean(pa, pbT, n1, n2, Q, K, alpha, sw2, sb2, mode, fanIn, b, var1, var2, outK, outT|null, lowerFirst):
// the first conv's patch Gram → affine → relu → mean over all position pairs, fused (simd_kernels.h convReluMean).
Napi::Value ConvReluMean(const Napi::CallbackInfo& info) {
  int64_t n1, n2, Q, K, mode;
  ntk_simd::Affine a;
  if (!GetInt(info, 2, "n1", n1) || !GetInt(info, 3, "n2", n2) || !GetInt(info, 4, "Q", Q, 1) ||
      !GetInt(info, 5, "K", K, 1) || !GetDouble(info, 6, "alpha", a.alpha) || !GetDouble(info, 7, "sw2", a.sw2) ||
      !GetDouble(info, 8, "sb2", a.sb2) || !GetInt(info, 9, "mode", mode) || !GetDouble(info, 10, "fanIn", a.fanIn) ||
      !GetDouble(info, 11, "b", a.b))
    return info.Env().Undefined();
  bool lowerFirst;
  if (!GetBool(info, 16, "lowerFirst", lowerFirst)) return info.Env().Undefined();
  if (mode > 3) return Fail(info.Env(), "`mode` must be 0..3"), info.Env().Undefined();
  if (lowerFirst && n1 != n2) return Fail(info.Env(), "`lowerFirst` needs n1 == n2"), info.Env().Undefined();
  a.mode = static_cast<int>(mode);
  const size_t pairs = static_cast<size_t>(n1 * n2);
  const bool t = !info[15].IsNull();
  double *pa, *pb, *v1, *v2, *oK, *oT = nullptr;
  if (!GetArray(info, 0, "pa", static_cast<size_t>(n1 * Q * K), pa) ||
      !GetArray(info, 1, "pbT", static_cast<size_t>(n2 * Q * K), pb) ||
      !GetArray(info, 12, "var1", static_cast<size_t>(n1 * Q), v1) ||
      !GetArray(info, 13, "var2", static_cast<size_t>(n2 * Q), v2) || !GetArray(info, 14, "outK", pairs, oK) ||
      (t && !GetArray(info, 15, "outT", pairs, oT)))
    return info.Env().Undefined();
  ntk_simd::runConvReluMean(pa, pb, n1, n2, static_cast<int>(Q), static_cast<int>(K), a, lowerFirst, v1, v2, oK, oT);
  return info.Env().Undefined();
}

// convReluSelf(pa, n, Q, K, alpha, sw2, sb2, outQ, outR, outMean): the self pass of conv → relu → gap
// (simd_kernels.h convReluSelf).
Napi::Value ConvReluSelf(const Napi::CallbackInfo& info) {
  int64_t n, Q, K;
  double alpha, sw2, sb2;
  if (!GetInt(info, 1, "n", n) || !GetInt(info, 2, "Q", Q, 1) || !GetInt(info, 3, "K", K, 1) ||
      !GetDouble(info, 4, "alpha", alpha) || !GetDouble(info, 5, "sw2", sw2) || !GetDouble(info, 6, "sb2", sb2))
    return info.Env().Undefined();
  double *pa, *oQ, *oR, *oM;
  if (!GetArray(info, 0, "pa", static_cast<size_t>(n * Q * K), pa) ||
      !GetArray(info, 7, "outQ", static_cast<size_t>(n * Q), oQ) ||
      !GetArray(info, 8, "outR", static_cast<size_t>(n * Q), oR) || !GetArray(info, 9, "outMean", static_cast<size_t>(n), oM))
    return info.Env().Undefined();
  ntk_simd::runConvReluSelf(pa, n, static_cast<int>(Q), static_cast<int>(K), alpha, sw2, sb2, oQ, oR, oM);
  return info.Env().Undefined();
}

// reluPoolFull(nngp, ntk|null, var1, var2, n1, n2, P, taps, T, weights, Q, out): relu then full-representation
// average pooling of the nngp (ntk null) or of the ntk entries (simd_kernels.h reluPoolFull); taps as doubles.
Napi::Value ReluPoolFull(const Napi::CallbackInfo& info) {
  int64_t n1, n2, P, T, Q;
  if (!GetInt(info, 4, "n1", n1) || !GetInt(info, 5, "n2", n2) || !GetInt(info, 6, "P", P, 1) ||
      !GetInt(info, 8, "T", T, 1) || !GetInt(info, 10, "Q", Q, 1))
    return info.Env().Undefined();
  const size_t pairs = static_cast<size_t>(n1 * n2), S = static_cast<size_t>(P * P);
  const bool t = !info[1].IsNull();
  double *K, *Tn = nullptr, *v1, *v2, *taps, *w, *o;
  if (!GetArray(info, 0, "nngp", pairs * S, K) || (t && !GetArray(info, 1, "ntk", pairs * S, Tn)) ||
      !GetArray(info, 2, "var1", static_cast<size_t>(n1 * P), v1) ||
      !GetArray(info, 3, "var2", static_cast<size_t>(n2 * P), v2) ||
      !GetArray(info, 7, "taps", static_cast<size_t>(Q * T), taps) || !GetArray(info, 9, "weights", static_cast<size_t>(Q), w) ||
      !GetArray(info, 11, "out", pairs * static_cast<size_t>(Q * Q), o))
    return info.Env().Undefined();
  for (int64_t k = 0; k < Q * T; k++)
    if (!(taps[k] >= -1 && taps[k] < static_cast<double>(P) && taps[k] == static_cast<double>(static_cast<int64_t>(taps[k]))))
      return Fail(info.Env(), "`taps` must be integers in [-1, P)"), info.Env().Undefined();
  ntk_simd::runReluPoolFull(K, Tn, v1, v2, n1, n2, static_cast<int>(P), taps, static_cast<int>(T), w,
                            static_cast<int>(Q), o);
  return info.Env().Undefined();
}

// vecAcos(x, out, poly?): the vectorized arccos (x clamped to [−1, 1]), for tests: acosSel, or with poly true
// acosPolySel (the relu kernels' division-free one).
Napi::Value VecAcos(const Napi::CallbackInfo& info) {
  double *x, *o;
  if (!GetArray(info, 0, "x", 0, x)) return info.Env().Undefined();
  const size_t n = info[0].As<Napi::TypedArray>().ElementLength();
  if (!GetArray(info, 1, "out", n, o)) return info.Env().Undefined();
  if (info.Length() > 2 && info[2].ToBoolean().Value())
    ntk_simd::runAcosPoly(x, o, static_cast<int64_t>(n));
  else
    ntk_simd::runAcos(x, o, static_cast<int64_t>(n));
  return info.Env().Undefined();
}

// activate(kind, params, nngp, ntk|null, var1, var2, n1, n2, self, P, full, outK, outT|null[, mean]): the activation
// step with a closed-form pair kernel on any record (act_kernels.h; kinds in src/linalg/simd.ts); mean (full
// records): activateMeanAll's per-pair means, outK/outT one entry per pair.
Napi::Value Activate(const Napi::CallbackInfo& info) {
  int64_t kind, n1, n2, P;
  bool self, full, mean = false;
  if (!GetInt(info, 0, "kind", kind) || !GetInt(info, 6, "n1", n1) || !GetInt(info, 7, "n2", n2) ||
      !GetBool(info, 8, "self", self) || !GetInt(info, 9, "P", P, 1) || !GetBool(info, 10, "full", full) ||
      (info.Length() > 13 && !GetBool(info, 13, "mean", mean)))
    return info.Env().Undefined();
  if (mean && !full) return Fail(info.Env(), "`mean` needs a full record"), info.Env().Undefined();
  const size_t pairs = static_cast<size_t>(self ? n1 : n1 * n2), S = static_cast<size_t>(full ? P * P : P);
  const size_t outLen = mean ? pairs : pairs * S;
  const bool t = !info[3].IsNull();
  double *prm, *K, *T = nullptr, *v1, *v2, *oK, *oT = nullptr;
  if (!GetArray(info, 1, "params", 0, prm) || !GetArray(info, 2, "nngp", pairs * S, K) ||
      (t && !GetArray(info, 3, "ntk", pairs * S, T)) || !GetArray(info, 4, "var1", static_cast<size_t>(n1 * P), v1) ||
      !GetArray(info, 5, "var2", static_cast<size_t>((self ? n1 : n2) * P), v2) ||
      !GetArray(info, 11, "outK", outLen, oK) || (t && !GetArray(info, 12, "outT", outLen, oT)))
    return info.Env().Undefined();
  const int np = static_cast<int>(info[1].As<Napi::TypedArray>().ElementLength());
  if (!ntk_act::runAct(static_cast<int>(kind), prm, np, K, T, v1, v2, n1, n2, self, P, full, mean, oK, oT))
    return Fail(info.Env(), "unknown activation kind or wrong parameter count"), info.Env().Undefined();
  return info.Env().Undefined();
}

// vecMath(fn, x, y|null, out): the vectorized elementary functions for tests (0 asin, 1 atan2(x, y), 2 fastAsin).
Napi::Value VecMath(const Napi::CallbackInfo& info) {
  int64_t fn;
  double *x, *y = nullptr, *o;
  if (!GetInt(info, 0, "fn", fn) || !GetArray(info, 1, "x", 0, x)) return info.Env().Undefined();
  const size_t n = info[1].As<Napi::TypedArray>().ElementLength();
  if (fn < 0 || fn > 2 || (fn == 1) == info[2].IsNull())
    return Fail(info.Env(), "`fn` must be 0..2, with y exactly for 1"), info.Env().Undefined();
  if ((fn == 1 && !GetArray(info, 2, "y", n, y)) || !GetArray(info, 3, "out", n, o)) return info.Env().Undefined();
  ntk_act::runMath(static_cast<int>(fn), x, y, o, static_cast<int64_t>(n));
  return info.Env().Undefined();
}

// simdPath() → the path in use; simdPath(name) switches ('avx512' | 'avx2' | 'baseline'), false when unsupported.
Napi::Value SimdPath(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsString()) {
    const std::string s = info[0].As<Napi::String>().Utf8Value();
    ntk_simd::Path p = s == "avx512" ? ntk_simd::kAvx512 : s == "avx2" ? ntk_simd::kAvx2 : ntk_simd::kBaseline;
    if (s != "avx512" && s != "avx2" && s != "baseline") return Fail(info.Env(), "unknown SIMD path " + s), info.Env().Undefined();
    return Napi::Boolean::New(info.Env(), ntk_simd::setPath(p));
  }
  return Napi::String::New(info.Env(), ntk_simd::pathName(ntk_simd::currentPath()));
}

#define SYNC_ASYNC(name, fn)                                                                   \
  exports.Set(name, Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return fn(i, false); })); \
  exports.Set(name "Async", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return fn(i, true); }));

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  SYNC_ASYNC("gemm", Gemm);
  SYNC_ASYNC("syrk", Syrk);
  SYNC_ASYNC("syevd", Syevd);
  SYNC_ASYNC("syevr", Syevr);
  SYNC_ASYNC("potrf", Potrf);
  SYNC_ASYNC("potrs", Potrs);
  SYNC_ASYNC("trsm", Trsm);
  exports.Set("reluMeanAll", Napi::Function::New(env, ReluMeanAll));
  exports.Set("reluFull", Napi::Function::New(env, ReluFull));
  exports.Set("convReluMean", Napi::Function::New(env, ConvReluMean));
  exports.Set("convReluSelf", Napi::Function::New(env, ConvReluSelf));
  exports.Set("reluPoolFull", Napi::Function::New(env, ReluPoolFull));
  exports.Set("vecAcos", Napi::Function::New(env, VecAcos));
  exports.Set("activate", Napi::Function::New(env, Activate));
  exports.Set("vecMath", Napi::Function::New(env, VecMath));
  exports.Set("simdPath", Napi::Function::New(env, SimdPath));
  exports.Set("simdBest", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
                return Napi::String::New(i.Env(), ntk_simd::pathName(ntk_simd::bestPath()));
              }));
  exports.Set("corename", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
                return Napi::String::New(i.Env(), openblas_get_corename());
              }));
  exports.Set("config", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
                return Napi::String::New(i.Env(), openblas_get_config());
              }));
  exports.Set("getThreads", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
                return Napi::Number::New(i.Env(), openblas_get_num_threads());
              }));
  exports.Set("setThreads", Napi::Function::New(env, [](const Napi::CallbackInfo& i) {
                int64_t t;
                if (GetInt(i, 0, "threads", t, 1)) openblas_set_num_threads(static_cast<int>(t));
                return i.Env().Undefined();
              }));
  return exports;
}

}  // namespace

NODE_API_MODULE(ntk_native, Init)
