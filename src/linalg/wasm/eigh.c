/*
 * WebAssembly (SIMD128) kernels of the portable backend's symmetric eigensolver: a packed, cache-blocked dgemm with
 * a 4×4 f64x2 micro-kernel, the blocked Householder tridiagonalization (dsytrd/dlatrd) and the compact-WY
 * back-transformation (dormtr). Same algorithms, same conventions (row-major, lower triangle) as the TypeScript
 * versions in ../portableEigh.ts, which remain the fallback where WebAssembly SIMD is unavailable.
 * Build: scripts/build-wasm.sh (clang --target=wasm32 -msimd128, no libc) → eighWasm.ts (base64 module).
 */
#include <wasm_simd128.h>

#define MC 128
#define KC 256
#define NC 1024

static double packA[MC * KC];
static double packB[KC * (NC + 4)];

static void pack(double *dst, const double *X, int ld, int trans, int r0, int rows, int p0, int kc) {
  int panels = (rows + 3) >> 2;
  for (int r = 0; r < panels; r++) {
    double *base = dst + r * kc * 4;
    for (int ii = 0; ii < 4; ii++) {
      int i = 4 * r + ii;
      if (i >= rows) {
        for (int p = 0; p < kc; p++) base[p * 4 + ii] = 0;
      } else if (trans) {
        const double *src = X + (long)p0 * ld + r0 + i;
        for (int p = 0; p < kc; p++, src += ld) base[p * 4 + ii] = *src;
      } else {
        const double *src = X + (long)(r0 + i) * ld + p0;
        for (int p = 0; p < kc; p++) base[p * 4 + ii] = src[p];
      }
    }
  }
}

/* C[0:rows, 0:cols] += alpha · Apanel·Bpanel (4×4 over kc). */
static void micro(const double *ap, const double *bp, int kc, double alpha, double *C, int ldc, int rows, int cols) {
  v128_t c00 = wasm_f64x2_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int p = 0; p < kc; p++, ap += 4, bp += 4) {
    v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 2);
    v128_t a = wasm_f64x2_splat(ap[0]);
    c00 = wasm_f64x2_add(c00, wasm_f64x2_mul(a, b0));
    c01 = wasm_f64x2_add(c01, wasm_f64x2_mul(a, b1));
    a = wasm_f64x2_splat(ap[1]);
    c10 = wasm_f64x2_add(c10, wasm_f64x2_mul(a, b0));
    c11 = wasm_f64x2_add(c11, wasm_f64x2_mul(a, b1));
    a = wasm_f64x2_splat(ap[2]);
    c20 = wasm_f64x2_add(c20, wasm_f64x2_mul(a, b0));
    c21 = wasm_f64x2_add(c21, wasm_f64x2_mul(a, b1));
    a = wasm_f64x2_splat(ap[3]);
    c30 = wasm_f64x2_add(c30, wasm_f64x2_mul(a, b0));
    c31 = wasm_f64x2_add(c31, wasm_f64x2_mul(a, b1));
  }
  double t[16];
  wasm_v128_store(t, c00);
  wasm_v128_store(t + 2, c01);
  wasm_v128_store(t + 4, c10);
  wasm_v128_store(t + 6, c11);
  wasm_v128_store(t + 8, c20);
  wasm_v128_store(t + 10, c21);
  wasm_v128_store(t + 12, c30);
  wasm_v128_store(t + 14, c31);
  if (rows == 4 && cols == 4) {
    v128_t al = wasm_f64x2_splat(alpha);
    for (int r = 0; r < 4; r++) {
      double *o = C + (long)r * ldc;
      wasm_v128_store(o, wasm_f64x2_add(wasm_v128_load(o), wasm_f64x2_mul(al, wasm_v128_load(t + 4 * r))));
      wasm_v128_store(o + 2, wasm_f64x2_add(wasm_v128_load(o + 2), wasm_f64x2_mul(al, wasm_v128_load(t + 4 * r + 2))));
    }
    return;
  }
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) C[(long)r * ldc + c] += alpha * t[r * 4 + c];
}

/* C = alpha·op(A)·op(B) + beta·C, row-major; op(A) m×k, op(B) k×n. */
void gemm(int ta, int tb, int m, int n, int k, double alpha, const double *A, int lda, const double *B, int ldb,
          double beta, double *C, int ldc) {
  if (m == 0 || n == 0) return;
  if (beta != 1) {
    for (int i = 0; i < m; i++) {
      double *o = C + (long)i * ldc;
      if (beta == 0)
        for (int j = 0; j < n; j++) o[j] = 0;
      else
        for (int j = 0; j < n; j++) o[j] *= beta;
    }
  }
  if (k == 0 || alpha == 0) return;
  for (int j0 = 0; j0 < n; j0 += NC) {
    int nc = n - j0 < NC ? n - j0 : NC;
    for (int p0 = 0; p0 < k; p0 += KC) {
      int kc = k - p0 < KC ? k - p0 : KC;
      pack(packB, B, ldb, !tb, j0, nc, p0, kc);
      for (int i0 = 0; i0 < m; i0 += MC) {
        int mc = m - i0 < MC ? m - i0 : MC;
        pack(packA, A, lda, ta, i0, mc, p0, kc);
        for (int jr = 0; jr < nc; jr += 4) {
          int cols = nc - jr < 4 ? nc - jr : 4;
          const double *bp = packB + (jr >> 2) * kc * 4;
          for (int ir = 0; ir < mc; ir += 4) {
            int rows = mc - ir < 4 ? mc - ir : 4;
            micro(packA + (ir >> 2) * kc * 4, bp, kc, alpha, C + (long)(i0 + ir) * ldc + j0 + jr, ldc, rows, cols);
          }
        }
      }
    }
  }
}

/*
 * y[j1..n) = A[j1.., j1..]·v from the lower triangle of the row-major n×n A (the dlatrd panel's symv): per row i a
 * dot over k < i and an axpy into y[k], two rows at a time so that each y[k] is loaded and stored once per pair.
 */
void symv_lower(int n, const double *a, int j1, const double *v, double *y) {
  for (int i = j1; i < n; i++) y[i] = 0;
  int i = j1;
  for (; i + 1 < n; i += 2) {
    const double *r0 = a + (long)i * n;
    const double *r1 = r0 + n;
    double v0 = v[i], v1 = v[i + 1];
    v128_t s0 = wasm_f64x2_splat(0), s1 = s0;
    v128_t w0 = wasm_f64x2_splat(v0), w1 = wasm_f64x2_splat(v1);
    int k = j1;
    for (; k + 1 < i; k += 2) {
      v128_t x0 = wasm_v128_load(r0 + k), x1 = wasm_v128_load(r1 + k), vk = wasm_v128_load(v + k);
      s0 = wasm_f64x2_add(s0, wasm_f64x2_mul(x0, vk));
      s1 = wasm_f64x2_add(s1, wasm_f64x2_mul(x1, vk));
      wasm_v128_store(y + k, wasm_f64x2_add(wasm_v128_load(y + k),
                                            wasm_f64x2_add(wasm_f64x2_mul(x0, w0), wasm_f64x2_mul(x1, w1))));
    }
    double t0 = wasm_f64x2_extract_lane(s0, 0) + wasm_f64x2_extract_lane(s0, 1);
    double t1 = wasm_f64x2_extract_lane(s1, 0) + wasm_f64x2_extract_lane(s1, 1);
    for (; k < i; k++) {
      t0 += r0[k] * v[k];
      t1 += r1[k] * v[k];
      y[k] += r0[k] * v0 + r1[k] * v1;
    }
    /* k = i: row i's diagonal, row i+1's entry (i+1, i); then row i+1's diagonal. */
    t0 += r0[i] * v0;
    t1 += r1[i] * v0;
    y[i] += r1[i] * v1;
    t1 += r1[i + 1] * v1;
    y[i] += t0;
    y[i + 1] += t1;
  }
  if (i < n) {
    const double *r0 = a + (long)i * n;
    double v0 = v[i], t0 = 0;
    for (int k = j1; k < i; k++) {
      t0 += r0[k] * v[k];
      y[k] += r0[k] * v0;
    }
    y[i] += t0 + r0[i] * v0;
  }
}

static double sqrt_(double x) { return __builtin_sqrt(x); }

/*
 * One dlatrd panel of the tridiagonalization: columns j0..j0+jb−1 of the row-major n×n a (lower triangle), exactly
 * as the TypeScript loop in sytrd (../portableEigh.ts): column update by the panel's earlier V, W; Householder
 * reflector (v back into a[j+2.., j]); w = τ·(A22·v − V·(Wᵀv) − W·(Vᵀv)) − ½τ²(wᵀv)·v. V, W: n×nb (zeroed by the
 * caller), vc, y: n; t: 2·nb; d, e, tau: n.
 */
void latrd(int n, double *a, int j0, int jb, int nb, double *V, double *W, double *vc, double *y, double *t,
           double *d, double *e, double *tau) {
  double *t1 = t, *t2 = t + nb;
  for (int c = 0; c < jb; c++) {
    int j = j0 + c;
    for (int i = j; i < n; i++) vc[i] = a[(long)i * n + j];
    if (c > 0) {
      const double *vj = V + (long)j * nb, *wj = W + (long)j * nb;
      for (int i = j; i < n; i++) {
        const double *vi = V + (long)i * nb, *wi = W + (long)i * nb;
        double s = 0;
        for (int q = 0; q < c; q++) s += vi[q] * wj[q] + wi[q] * vj[q];
        vc[i] -= s;
      }
    }
    d[j] = vc[j];
    if (j == n - 1) break;
    int j1 = j + 1;
    double alpha = vc[j1], xn = 0;
    for (int i = j + 2; i < n; i++) xn += vc[i] * vc[i];
    V[(long)j1 * nb + c] = 1;
    if (xn == 0) {
      tau[j] = 0;
      e[j] = alpha;
      continue;
    }
    double r = sqrt_(alpha * alpha + xn);
    double beta = alpha >= 0 ? -r : r;
    double tj = (beta - alpha) / beta, sc = 1 / (alpha - beta);
    tau[j] = tj;
    e[j] = beta;
    vc[j1] = 1;
    for (int i = j + 2; i < n; i++) {
      double v = vc[i] * sc;
      vc[i] = v;
      a[(long)i * n + j] = v;
      V[(long)i * nb + c] = v;
    }
    symv_lower(n, a, j1, vc, y);
    if (c > 0) {
      for (int q = 0; q < c; q++) t1[q] = t2[q] = 0;
      for (int i = j1; i < n; i++) {
        double vi = vc[i];
        const double *Vi = V + (long)i * nb, *Wi = W + (long)i * nb;
        for (int q = 0; q < c; q++) {
          t1[q] += Wi[q] * vi;
          t2[q] += Vi[q] * vi;
        }
      }
      for (int i = j1; i < n; i++) {
        const double *Vi = V + (long)i * nb, *Wi = W + (long)i * nb;
        double s = 0;
        for (int q = 0; q < c; q++) s += Vi[q] * t1[q] + Wi[q] * t2[q];
        y[i] -= s;
      }
    }
    double yv = 0;
    for (int i = j1; i < n; i++) {
      y[i] *= tj;
      yv += y[i] * vc[i];
    }
    double al = -0.5 * tj * yv;
    for (int i = j1; i < n; i++) W[(long)i * nb + c] = y[i] + al * vc[i];
  }
}
