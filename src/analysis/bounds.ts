/**
 * Alignment bounds built from the projections pᵢ = ‖vᵢᵀY‖²/‖Y‖² of a target (labels or a residual) on the kernel's
 * eigenvectors (descending λᵢ), for the generalization quantity yᵀ(K + ρI)⁻¹y and for linearized GD.
 *
 * Conventions (the same as the alignment bound of convergence.ts): S = {i : λᵢ > floor} (floor default 100·n·ε·λ_max),
 * γ the least-squares slope of log pᵢ on log λᵢ over S (or given), and envelope constants C taken as maxima over S, so
 * pᵢ ≤ C·λᵢ^γ holds for every i ∈ S; directions outside S enter every bound exactly (with their own pᵢ).
 *
 * Generalization, with g = yᵀ(K + ρI)⁻¹y/‖y‖² = Σᵢ pᵢ/(λᵢ + ρ) and G = √(2‖y‖²g/n) (Arora et al. 2019, Thm 5.1):
 *   classical   g ≤ 1/(λ_min + ρ)                                  (Σpᵢ = 1)
 *   alignment   g ≤ C Σ_{i∈S} λᵢ^γ/(λᵢ + ρ) + Σ_{i∉S} pᵢ/(λᵢ + ρ)   (pᵢ ≤ Cλᵢ^γ on S)
 *   piecewise   g ≤ Σ_B C_B Σ_{i∈B} λᵢ^γ/(λᵢ + ρ) + (outside S)       (C_B = max_{i∈B} pᵢ/λᵢ^γ per band B)
 *   band mass   g ≤ Σ_B P_B/(min_{i∈B} λᵢ + ρ) + (outside S)          (P_B = Σ_{i∈B} pᵢ)
 *   banded      g ≤ Σ_B min(piecewise_B, bandMass_B) + (outside S)    (both bound the same band sum)
 *   γ-only      ĝ = Σ_{i∈S} λᵢ^γ/(λᵢ + ρ) / Σ_{i∈S} λᵢ^γ          (an estimate: pᵢ ∝ λᵢ^γ normalized on S; no
 *               eigenvectors beyond the fit of γ; equals g when pᵢ = λᵢ^γ/Σλ^γ exactly; not a bound)
 * Linearized GD from r₀ (rate a = η/N, φᵢ(k) = (1 − aλᵢ)^{2k}, or e^{−2aλᵢt} for gradient flow), bounds on
 * ‖r_k‖²/‖r₀‖² = Σᵢ pᵢ φᵢ(k): the same forms with 1/(λᵢ + ρ) replaced by φᵢ(k), and in band mass
 * max_{i∈B} φᵢ(k) (the slowest direction of the band).
 * Bands are `bands` equal intervals of log λ over S (empty ones dropped); with one band, piecewise = alignment.
 *
 * This module is the entry point; the parts: spectralBands.ts (bands, envelope constants, the five sums),
 * generalizationBounds.ts, convergenceBounds.ts (decay bounds, aligned convergence, the finite-width drift
 * correction), fitStats.ts (the fit of γ and its confidence interval, normal and t quantiles).
 */
export {
  alignedConvergence,
  type AlignedConvergence,
  type DecayBounds,
  decayBounds,
  driftCorrection,
} from './convergenceBounds.js';
export { normalQuantile, projectionFit, type SlopeInterval, slopeInterval, studentTQuantile } from './fitStats.js';
export { type GeneralizationBounds, generalizationAlignmentBounds } from './generalizationBounds.js';
export { type AlignmentBoundOptions, spectralBands } from './spectralBands.js';
