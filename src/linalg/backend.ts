/**
 * The Backend interface: the few BLAS/LAPACK-shaped kernels everything else is built on. All matrices are row-major
 * and all routines work in place on the caller's buffers. Two implementations exist: `native` (N-API addon over
 * OpenBLAS + LAPACKE, the default) and `portable` (pure TypeScript). Both are tested by the same suite.
 *
 * Shapes use BLAS names: op(A) is m×k, op(B) is k×n, C is m×n; `ld*` are row strides (≥ the row length).
 * Validation happens in ops.ts; backends may assume valid arguments.
 */

export type FloatArray = Float64Array | Float32Array;

export interface BackendInfo {
  readonly name: 'native' | 'portable';
  /** OpenBLAS core type in use, e.g. `SkylakeX`, `Zen`, `Haswell`; `none` for the portable backend. */
  readonly corename: string;
  readonly threads: number;
  /** Free-form build information (OpenBLAS config string; library paths). */
  readonly details: string;
}

export interface Backend {
  readonly name: 'native' | 'portable';
  info(): BackendInfo;
  /** C = alpha·op(A)·op(B) + beta·C. Float64Array, or Float32Array for all three. */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: FloatArray,
    lda: number,
    B: FloatArray,
    ldb: number,
    beta: number,
    C: FloatArray,
    ldc: number,
  ): void;
  gemmAsync(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: FloatArray,
    lda: number,
    B: FloatArray,
    ldb: number,
    beta: number,
    C: FloatArray,
    ldc: number,
  ): Promise<void>;
  /** Lower triangle of C = alpha·A·Aᵀ + beta·C (trans=false, A is n×k) or alpha·Aᵀ·A + beta·C (trans=true, A k×n). */
  syrk(
    trans: boolean,
    n: number,
    k: number,
    alpha: number,
    A: FloatArray,
    lda: number,
    beta: number,
    C: FloatArray,
    ldc: number,
  ): void;
  syrkAsync(
    trans: boolean,
    n: number,
    k: number,
    alpha: number,
    A: FloatArray,
    lda: number,
    beta: number,
    C: FloatArray,
    ldc: number,
  ): Promise<void>;
  /**
   * All eigenpairs of the symmetric n×n A, reading its lower triangle. W gets ascending eigenvalues; if `vectors`,
   * A is overwritten by V with column j the unit eigenvector of W[j]. Returns 0, or > 0 if it failed to converge.
   */
  syevd(n: number, A: Float64Array, W: Float64Array, vectors: boolean): number;
  syevdAsync(n: number, A: Float64Array, W: Float64Array, vectors: boolean): Promise<number>;
  /** Eigenpairs il..iu (1-based, ascending) of symmetric A (destroyed); W (m), Z (n×m, columns). Returns info. */
  syevr(n: number, A: Float64Array, il: number, iu: number, W: Float64Array, Z: Float64Array): number;
  /** Cholesky of the lower triangle: A = L·Lᵀ, L overwrites the lower triangle. Returns 0 or the order of the
   * first non-positive leading minor. */
  potrf(n: number, A: Float64Array): number;
  potrfAsync(n: number, A: Float64Array): Promise<number>;
  /** Solves (L·Lᵀ)·X = B in place (B is n×nrhs), L from potrf. */
  potrs(n: number, nrhs: number, L: Float64Array, B: Float64Array): void;
  /** B = alpha·op(A)⁻¹·B (left) or alpha·B·op(A)⁻¹ (right), A triangular; B is m×n. */
  trsm(
    right: boolean,
    lower: boolean,
    transA: boolean,
    unitDiag: boolean,
    m: number,
    n: number,
    alpha: number,
    A: Float64Array,
    lda: number,
    B: Float64Array,
    ldb: number,
  ): void;
}
