/**
 * Kernel spectra: one float64 eigendecomposition (shared by every other analysis), PSD diagnostics, condition number,
 * effective ranks, spectral entropy and the power-law decay exponent of the eigenvalues.
 */
import { InvalidArgumentError, NumericalError } from '../errors.js';
import { backend, type Eigh, gemm, lanczos, Matrix } from '../linalg/index.js';
import { assertFinite } from '../linalg/validate.js';
import { checkEigh, defaultFloor, descendingValues, type LinearFit, linearFit, nonNegativeFinite } from './common.js';

/** An eigendecomposition of a kernel matrix plus what was measured on the way (an Eigh: ascending values). */
export interface KernelDecomposition extends Eigh {
  /** Kernel size n. */
  readonly n: number;
  /** max|K − Kᵀ| / max|K| of the input; K was replaced by (K + Kᵀ)/2 before decomposing. */
  readonly asymmetry: number;
  /** tr K (from the diagonal, so it is exact even for a top-k decomposition). */
  readonly trace: number;
  /** ‖K‖²_F of the symmetrized kernel (for alignment; exact even for top-k). */
  readonly frobeniusSq: number;
}

export interface DecomposeOptions {
  /** Only the k largest eigenpairs; default all (LAPACK dsyevd). */
  readonly topK?: number;
  /**
   * Solver for topK: `'syevr'` (LAPACK dsyevr: tridiagonalization, O(n³), exact; default) or `'lanczos'`
   * (src/linalg/lanczos: thick-restart Lanczos with K·v products, O(n²) per iteration; residuals ≤ 1e-10·|λ|,
   * NumericalError if it does not converge). Lanczos pays off when k ≪ n and the top eigenvalues are separated.
   */
  readonly topKMethod?: 'syevr' | 'lanczos';
  /** Largest accepted relative asymmetry max|K − Kᵀ|/max|K|; default 1e-6. */
  readonly symTol?: number;
}

/** One blocked pass: S = (K + Kᵀ)/2, the relative asymmetry, the trace and ‖S‖²_F. */
function symmetrizeMeasured(K: Matrix): { S: Float64Array; asymmetry: number; trace: number; frobeniusSq: number } {
  const n = K.rows;
  const a = K.data;
  const s = new Float64Array(n * n);
  let maxAbs = 0;
  let maxDiff = 0;
  let frob = 0;
  const B = 64;
  for (let i0 = 0; i0 < n; i0 += B) {
    const iMax = Math.min(i0 + B, n);
    for (let j0 = 0; j0 <= i0; j0 += B) {
      const jMax = Math.min(j0 + B, n);
      for (let i = i0; i < iMax; i++) {
        const jEnd = Math.min(jMax, i + 1);
        for (let j = j0; j < jEnd; j++) {
          const x = a[i * n + j];
          const y = a[j * n + i];
          const ax = Math.abs(x);
          if (ax > maxAbs) maxAbs = ax;
          const d = Math.abs(x - y);
          if (d > maxDiff) maxDiff = d;
          const v = 0.5 * (x + y);
          s[i * n + j] = v;
          s[j * n + i] = v;
          frob += i === j ? v * v : 2 * v * v;
        }
      }
    }
  }
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  return { S: s, asymmetry: maxAbs === 0 ? 0 : maxDiff / maxAbs, trace, frobeniusSq: frob };
}

function prepare(fn: string, K: Matrix, opts: DecomposeOptions) {
  if (K.rows !== K.cols) throw new InvalidArgumentError(fn, 'K', 'a square kernel matrix', `${K.rows}×${K.cols}`);
  if (K.rows < 1) throw new InvalidArgumentError(fn, 'K', 'a non-empty kernel matrix', '0×0');
  assertFinite(fn, 'K', K.data, K.cols);
  const n = K.rows;
  const symTol = nonNegativeFinite(fn, 'symTol', opts.symTol ?? 1e-6);
  const k = opts.topK ?? n;
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new InvalidArgumentError(fn, 'topK', `an integer in [1, n = ${n}]`, k);
  const m = symmetrizeMeasured(K);
  if (m.asymmetry > symTol) {
    throw new InvalidArgumentError(
      fn,
      'K',
      `symmetric (max|K − Kᵀ|/max|K| ≤ ${symTol})`,
      `asymmetry ${m.asymmetry.toExponential(3)}`,
      'A kernel matrix must be symmetric; check how it was computed or saved (transposed blocks?), or raise symTol if this is rounding error.',
    );
  }
  return { n, k, ...m };
}

function fail(info: number): never {
  throw new NumericalError(
    'no_convergence',
    `decomposeKernel: the eigensolver failed to converge (LAPACK info = ${info}).`,
  );
}

/**
 * Symmetrize, check and eigendecompose a kernel matrix in float64. The symmetrized copy is decomposed in place, so the
 * only O(n³) work is the LAPACK call. Throws InvalidArgumentError for non-square, non-finite or non-symmetric K.
 */
export function decomposeKernel(K: Matrix, opts: DecomposeOptions = {}): KernelDecomposition {
  const p = prepare('decomposeKernel', K, opts);
  const { n, k } = p;
  const meta = { n, asymmetry: p.asymmetry, trace: p.trace, frobeniusSq: p.frobeniusSq };
  const method = opts.topKMethod ?? 'syevr';
  if (method !== 'syevr' && method !== 'lanczos') {
    throw new InvalidArgumentError('decomposeKernel', 'topKMethod', "'syevr' or 'lanczos'", method);
  }
  if (k < n && method === 'lanczos') {
    const S = p.S;
    const res = lanczos((v, out) => gemm({ m: n, n: 1, k: n, a: S, b: v, c: out }), n, {
      k,
      seed: 0,
      throwOnNoConvergence: true,
    });
    return { values: res.values, vectors: res.vectors, ...meta };
  }
  if (k < n) {
    const W = new Float64Array(k);
    const Z = new Matrix(n, k);
    const info = backend().syevr(n, p.S, n - k + 1, n, W, Z.data);
    if (info !== 0) fail(info);
    return { values: W, vectors: Z, ...meta };
  }
  const W = new Float64Array(n);
  const info = backend().syevd(n, p.S, W, true);
  if (info !== 0) fail(info);
  return { values: W, vectors: new Matrix(n, n, p.S), ...meta };
}

/** decomposeKernel off the event loop (full decompositions run on the libuv pool with the native backend). */
export async function decomposeKernelAsync(K: Matrix, opts: DecomposeOptions = {}): Promise<KernelDecomposition> {
  if (opts.topK !== undefined && opts.topK < K.rows) return decomposeKernel(K, opts);
  const p = prepare('decomposeKernelAsync', K, opts);
  const W = new Float64Array(p.n);
  const info = await backend().syevdAsync(p.n, p.S, W, true);
  if (info !== 0) fail(info);
  return {
    values: W,
    vectors: new Matrix(p.n, p.n, p.S),
    n: p.n,
    asymmetry: p.asymmetry,
    trace: p.trace,
    frobeniusSq: p.frobeniusSq,
  };
}

export interface PsdDiagnostics {
  /** max|K − Kᵀ|/max|K| of the input (null when only an Eigh was given). */
  readonly symmetrizationError: number | null;
  /** Number of eigenvalues < 0. */
  readonly negativeCount: number;
  /** Number of eigenvalues < −tolerance (significantly negative: not rounding noise). */
  readonly significantNegativeCount: number;
  /** The tolerance used: the eigenvalue floor 100·n·ε·λ_max unless given. */
  readonly tolerance: number;
  /** Σ|λᵢ| over negative eigenvalues. */
  readonly negativeMass: number;
  /** negativeMass / Σ|λᵢ|. */
  readonly negativeMassFraction: number;
  /** The most negative eigenvalue (0 when none is negative). */
  readonly mostNegative: number;
}

export interface PowerLawFit extends LinearFit {
  /** α in λᵢ ≈ A·i^(−α) (α = −slope of log λᵢ against log i, i 1-based in descending order). */
  readonly exponent: number;
  /** First and last index (1-based, descending order) of the fitted range. */
  readonly from: number;
  readonly to: number;
}

export interface Spectrum {
  readonly n: number;
  /** Number of eigenvalues computed (n unless topK). */
  readonly computed: number;
  readonly complete: boolean;
  /** Eigenvalues in descending order λ₁ ≥ λ₂ ≥ … */
  readonly values: Float64Array;
  readonly lambdaMax: number;
  /** null for a partial decomposition. */
  readonly lambdaMin: number | null;
  /** λ_max/λ_min; Infinity when λ_min ≤ 0; null for a partial decomposition. */
  readonly conditionNumber: number | null;
  readonly trace: number;
  /** Eigenvalues ≤ floor are treated as numerically zero in fits (default 100·n·ε·λ_max). */
  readonly floor: number;
  readonly psd: PsdDiagnostics;
  /** tr K / λ_max. */
  readonly traceOverMax: number;
  /** Σλᵢ/(λᵢ + ρ) for each requested ρ (negative eigenvalues clipped to 0); null for partial decompositions. */
  readonly effectiveRank: ReadonlyArray<{ readonly ridge: number; readonly value: number }> | null;
  /**
   * Shannon entropy H = −Σ pᵢ log pᵢ (natural log) of pᵢ = max(λᵢ, 0)/Σ max(λⱼ, 0) (the spectrum of K/tr K),
   * and exp(H) (the entropy effective rank, Roy & Vetterli 2007). null for partial decompositions.
   */
  readonly spectralEntropy: { readonly entropy: number; readonly effectiveRank: number } | null;
  /** Least-squares fit of log λᵢ against log i over eigenvalues above the floor; null with < 2 such eigenvalues. */
  readonly decay: PowerLawFit | null;
}

export interface SpectrumOptions {
  /** Ridges ρ for Σλ/(λ + ρ); default [tr K / n]. */
  readonly ridges?: readonly number[];
  /** Eigenvalue floor (absolute); default 100·n·ε·λ_max. */
  readonly floor?: number;
  /** Range [from, to] (1-based, descending order, inclusive) of the decay fit; default all eigenvalues above the floor. */
  readonly decayRange?: readonly [number, number];
}

/** Spectral summary of a kernel from its eigendecomposition (O(n) after the decomposition). */
export function spectrum(e: Eigh | KernelDecomposition, opts: SpectrumOptions = {}): Spectrum {
  const fn = 'spectrum';
  checkEigh(fn, e);
  const n = e.vectors.rows;
  const values = descendingValues(e);
  const m = values.length;
  const complete = m === n;
  const lambdaMax = values[0];
  const lambdaMin = complete ? values[m - 1] : null;
  const dec = 'trace' in e ? (e as KernelDecomposition) : null;
  let sum = 0;
  for (let i = 0; i < m; i++) sum += values[i];
  const trace = dec ? dec.trace : sum;
  if (!dec && !complete) {
    // A partial Eigh without the kernel: trace is unknown.
    throw new InvalidArgumentError(
      fn,
      'e',
      'a complete Eigh or a KernelDecomposition (which records tr K)',
      `${m} of ${n} eigenpairs`,
    );
  }
  const floor = opts.floor === undefined ? defaultFloor(n, lambdaMax) : nonNegativeFinite(fn, 'floor', opts.floor);
  // PSD diagnostics
  let negativeCount = 0;
  let significantNegativeCount = 0;
  let negativeMass = 0;
  let absMass = 0;
  let mostNegative = 0;
  for (let i = 0; i < m; i++) {
    const v = values[i];
    absMass += Math.abs(v);
    if (v < 0) {
      negativeCount++;
      negativeMass -= v;
      if (v < -floor) significantNegativeCount++;
      if (v < mostNegative) mostNegative = v;
    }
  }
  const psd: PsdDiagnostics = {
    symmetrizationError: dec ? dec.asymmetry : null,
    negativeCount,
    significantNegativeCount,
    tolerance: floor,
    negativeMass,
    negativeMassFraction: absMass === 0 ? 0 : negativeMass / absMass,
    mostNegative,
  };
  let effectiveRank: Spectrum['effectiveRank'] = null;
  let spectralEntropy: Spectrum['spectralEntropy'] = null;
  if (complete) {
    if (opts.ridges === undefined && !(trace / n > 0))
      throw new InvalidArgumentError(
        fn,
        'K',
        'a kernel with positive trace (the default effective-rank ridge is tr K / n)',
        `tr K = ${trace}`,
        values.every((v) => v === 0)
          ? 'The kernel is zero (every eigenvalue is 0): e.g. all-zero inputs, or a network without a trained layer.'
          : 'Pass `ridges` explicitly.',
      );
    const ridges = opts.ridges ?? [trace / n];
    effectiveRank = ridges.map((rho, j) => {
      positiveFinite0(fn, `ridges[${j}]`, rho);
      let s = 0;
      for (let i = 0; i < m; i++) {
        const l = Math.max(values[i], 0);
        s += l / (l + rho);
      }
      return { ridge: rho, value: s };
    });
    let pos = 0;
    for (let i = 0; i < m; i++) pos += Math.max(values[i], 0);
    let h = 0;
    if (pos > 0) {
      for (let i = 0; i < m; i++) {
        const p = Math.max(values[i], 0) / pos;
        if (p > 0) h -= p * Math.log(p);
      }
    }
    spectralEntropy = { entropy: h, effectiveRank: Math.exp(h) };
  }
  return {
    n,
    computed: m,
    complete,
    values,
    lambdaMax,
    lambdaMin,
    conditionNumber: lambdaMin === null ? null : lambdaMin > 0 ? lambdaMax / lambdaMin : Number.POSITIVE_INFINITY,
    trace,
    floor,
    psd,
    traceOverMax: lambdaMax > 0 ? trace / lambdaMax : Number.NaN,
    effectiveRank,
    spectralEntropy,
    decay: decayFit(fn, values, floor, opts.decayRange),
  };
}

function positiveFinite0(fn: string, arg: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(fn, arg, 'a positive finite ridge', v);
}

/** Fit log λᵢ = intercept + slope·log i on descending eigenvalues above the floor within [from, to]. */
export function decayFit(
  fn: string,
  values: Float64Array,
  floor: number,
  range?: readonly [number, number],
): PowerLawFit | null {
  const m = values.length;
  let from = 1;
  let to = m;
  if (range) {
    [from, to] = range;
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to > m || from >= to) {
      throw new InvalidArgumentError(fn, 'decayRange', `integers 1 ≤ from < to ≤ ${m}`, `[${range.join(', ')}]`);
    }
  }
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = from; i <= to; i++) {
    const l = values[i - 1];
    if (l > floor && l > 0) {
      xs.push(Math.log(i));
      ys.push(Math.log(l));
    }
  }
  const f = linearFit(xs, ys);
  if (!f) return null;
  return { ...f, exponent: -f.slope, from, to };
}
