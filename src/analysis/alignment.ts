/**
 * Label–NTK and residual–NTK alignment: how the labels (or a residual) spread over the kernel's eigenvectors, the
 * power law pᵢ ≈ C·λᵢ^γ that links the two, and kernel–target alignment (Cristianini et al. 2002; Cortes, Mohri &
 * Rostamizadeh 2012, centered).
 */
import { InvalidArgumentError } from '../errors.js';
import { type Eigh, Matrix, matmul } from '../linalg/index.js';
import { assertFinite } from '../linalg/validate.js';
import {
  asTargets,
  checkEigh,
  defaultFloor,
  descendingValues,
  linearFit,
  nonNegativeFinite,
  squaredProjections,
  type Targets,
} from './common.js';

export interface AlignmentFit {
  /** Slope γ of log pᵢ against log λᵢ. */
  readonly gamma: number;
  readonly intercept: number;
  readonly r2: number;
  /** Number of (λᵢ, pᵢ) pairs fitted: λᵢ > eigenvalueFloor and pᵢ > projectionFloor. */
  readonly count: number;
}

export interface LabelAlignment {
  readonly n: number;
  /** Number of outputs O (columns of Y). */
  readonly outputs: number;
  /** Eigenvalues λ₁ ≥ λ₂ ≥ … (descending). */
  readonly eigenvalues: Float64Array;
  /** pᵢ = ‖vᵢᵀY‖²/‖Y‖²_F in the same (descending) order. */
  readonly projections: Float64Array;
  /** C(k) = Σ_{i≤k} pᵢ, k = 1..m (cumulative[k−1]). */
  readonly cumulative: Float64Array;
  /** 1 − Σpᵢ: the part of ‖Y‖² outside the computed eigenvectors (≈ 0 for a complete decomposition). */
  readonly unexplained: number;
  /** ‖Y‖_F. */
  readonly norm: number;
  /** Eigenvalues ≤ this are excluded from the fit and from the envelope (default 100·n·ε·λ_max). */
  readonly eigenvalueFloor: number;
  /** Projections ≤ this are excluded from the fit (default 1e-20; log 0 is undefined). */
  readonly projectionFloor: number;
  /** The least-squares fit log pᵢ = intercept + γ·log λᵢ; null with fewer than 2 usable pairs. */
  readonly fit: AlignmentFit | null;
  /** γ used for the envelope: the fitted one unless given. */
  readonly gamma: number | null;
  /**
   * Upper-envelope constant C = max pᵢ/λᵢ^γ over λᵢ > eigenvalueFloor, so pᵢ ≤ C·λᵢ^γ for all of them
   * (null without γ).
   */
  readonly envelope: number | null;
  /** Index (0-based, descending order) attaining the envelope maximum. */
  readonly envelopeIndex: number | null;
}

export interface AlignmentOptions {
  readonly eigenvalueFloor?: number;
  readonly projectionFloor?: number;
  /** Use this γ for the envelope instead of the fitted slope (C is still computed so the envelope holds). */
  readonly gamma?: number;
}

/**
 * Projections of labels Y (n-vector or n×O) onto the kernel eigenvectors, the power-law fit log pᵢ ~ γ log λᵢ, the
 * envelope constant C and the cumulative power C(k). Cost: one n×m×O GEMM.
 */
export function labelAlignment(e: Eigh, y: Targets, opts: AlignmentOptions = {}): LabelAlignment {
  const fn = 'labelAlignment';
  checkEigh(fn, e);
  const n = e.vectors.rows;
  const Y = asTargets(fn, 'y', y, n);
  const { q, total } = squaredProjections(e, Y);
  if (total === 0)
    throw new InvalidArgumentError(fn, 'y', 'non-zero (its projections are normalized by ‖y‖²)', 'all zeros');
  const lambda = descendingValues(e);
  const m = lambda.length;
  const p = new Float64Array(m);
  const cumulative = new Float64Array(m);
  let acc = 0;
  for (let i = 0; i < m; i++) {
    p[i] = q[i] / total;
    acc += p[i];
    cumulative[i] = acc;
  }
  const eigenvalueFloor =
    opts.eigenvalueFloor === undefined
      ? defaultFloor(n, lambda[0])
      : nonNegativeFinite(fn, 'eigenvalueFloor', opts.eigenvalueFloor);
  const projectionFloor =
    opts.projectionFloor === undefined ? 1e-20 : nonNegativeFinite(fn, 'projectionFloor', opts.projectionFloor);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < m; i++) {
    if (lambda[i] > eigenvalueFloor && lambda[i] > 0 && p[i] > projectionFloor) {
      xs.push(Math.log(lambda[i]));
      ys.push(Math.log(p[i]));
    }
  }
  const lf = linearFit(xs, ys);
  const fit: AlignmentFit | null = lf ? { gamma: lf.slope, intercept: lf.intercept, r2: lf.r2, count: lf.count } : null;
  let gamma: number | null = fit ? fit.gamma : null;
  if (opts.gamma !== undefined) {
    if (!Number.isFinite(opts.gamma)) throw new InvalidArgumentError(fn, 'gamma', 'a finite number', opts.gamma);
    gamma = opts.gamma;
  }
  let envelope: number | null = null;
  let envelopeIndex: number | null = null;
  if (gamma !== null) {
    const env = envelopeConstant(lambda, p, gamma, eigenvalueFloor);
    envelope = env.C;
    envelopeIndex = env.index;
  }
  return {
    n,
    outputs: Y.cols,
    eigenvalues: lambda,
    projections: p,
    cumulative,
    unexplained: Math.max(0, 1 - acc),
    norm: Math.sqrt(total),
    eigenvalueFloor,
    projectionFloor,
    fit,
    gamma,
    envelope,
    envelopeIndex,
  };
}

/** C = max pᵢ/λᵢ^γ over λᵢ > floor (descending arrays). */
export function envelopeConstant(
  lambda: Float64Array,
  p: Float64Array,
  gamma: number,
  floor: number,
): { C: number; index: number | null } {
  let C = 0;
  let index: number | null = null;
  for (let i = 0; i < lambda.length; i++) {
    if (lambda[i] > floor && lambda[i] > 0) {
      const r = p[i] / lambda[i] ** gamma;
      if (index === null || r > C) {
        C = r;
        index = i;
      }
    }
  }
  return { C, index };
}

/**
 * Residual–NTK alignment: labelAlignment of r = f − y. The eigenbasis can come from the kernel at t = 0 or from any
 * other kernel (e.g. the empirical NTK at step k); pass its Eigh.
 */
export function residualAlignment(e: Eigh, f: Targets, y: Targets, opts: AlignmentOptions = {}): LabelAlignment {
  const fn = 'residualAlignment';
  checkEigh(fn, e);
  const n = e.vectors.rows;
  const F = asTargets(fn, 'f', f, n);
  const Y = asTargets(fn, 'y', y, n);
  if (F.cols !== Y.cols)
    throw new InvalidArgumentError(fn, 'f', `with ${Y.cols} output column(s) like y`, `${F.cols} columns`);
  const R = new Matrix(n, Y.cols);
  for (let i = 0; i < R.data.length; i++) R.data[i] = F.data[i] - Y.data[i];
  return labelAlignment(e, R, opts);
}

export interface KernelTargetAlignment {
  /** ⟨K, YYᵀ⟩_F / (‖K‖_F ‖YYᵀ‖_F) (Cristianini, Shawe-Taylor, Elisseeff & Kandola 2002). */
  readonly raw: number;
  /** The same with K and YYᵀ centered by H = I − 11ᵀ/n (Cortes, Mohri & Rostamizadeh 2012, Def. 1). */
  readonly centered: number;
}

/**
 * Kernel–target alignment, raw and centered. Cost O(n²·O) (one pass over K for the row means and one K·Y product),
 * no decomposition needed. ⟨HKH, HYYᵀH⟩ = ⟨K, Y_c Y_cᵀ⟩ with Y_c = HY, and ‖HKH‖²_F is accumulated from
 * (HKH)ᵢⱼ = Kᵢⱼ − rᵢ − rⱼ + r̄ (r = row means).
 */
export function kernelTargetAlignment(K: Matrix, y: Targets): KernelTargetAlignment {
  const fn = 'kernelTargetAlignment';
  if (K.rows !== K.cols) throw new InvalidArgumentError(fn, 'K', 'a square kernel matrix', `${K.rows}×${K.cols}`);
  const n = K.rows;
  assertFinite(fn, 'K', K.data, K.cols);
  const Y = asTargets(fn, 'y', y, n);
  const O = Y.cols;
  const k = K.data;
  const r = new Float64Array(n);
  let frob = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) {
      const v = k[i * n + j];
      s += v;
      frob += v * v;
    }
    r[i] = s / n;
  }
  let rbar = 0;
  for (let i = 0; i < n; i++) rbar += r[i] / n;
  let frobC = 0;
  for (let i = 0; i < n; i++) {
    const ri = r[i] - rbar;
    for (let j = 0; j < n; j++) frobC += (k[i * n + j] - ri - r[j]) ** 2;
  }
  // K·Y by one GEMM; K·Y_c = K·Y − n·r·meanᵀ since K·1 = n·r.
  const KY = matmul(K, Y);
  const mean = new Float64Array(O);
  for (let i = 0; i < n; i++) for (let c = 0; c < O; c++) mean[c] += Y.data[i * O + c] / n;
  const inner = (centered: boolean): { kyy: number; yy: number } => {
    let kyy = 0;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < O; c++) {
        const z = Y.data[i * O + c] - (centered ? mean[c] : 0);
        kyy += z * (KY.data[i * O + c] - (centered ? n * r[i] * mean[c] : 0));
      }
    }
    // ‖ZZᵀ‖_F = ‖ZᵀZ‖_F
    let yy = 0;
    for (let a = 0; a < O; a++) {
      for (let b = 0; b < O; b++) {
        let s = 0;
        for (let i = 0; i < n; i++) {
          s += (Y.data[i * O + a] - (centered ? mean[a] : 0)) * (Y.data[i * O + b] - (centered ? mean[b] : 0));
        }
        yy += s * s;
      }
    }
    return { kyy, yy: Math.sqrt(yy) };
  };
  const raw = inner(false);
  const cen = inner(true);
  return {
    raw: raw.kyy / (Math.sqrt(frob) * raw.yy),
    centered: cen.kyy / (Math.sqrt(frobC) * cen.yy),
  };
}
