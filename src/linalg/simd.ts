/**
 * The vectorized analytic kernels of the native addon (native/simd_kernels.h, dispatched by CPU feature in
 * native/kernels.cc): the relu arc-cosine steps on full records, their fused mean over all positions, and the first
 * conv's patch Gram fused with relu and global average pooling. Each gives the same bits as the TypeScript loops it
 * replaces (src/arch/layers/activations.ts, conv.ts), which stay the reference and the fallback (docs/kernels.md,
 * "Vectorized kernels").
 *
 * `NTK_SIMD` chooses: unset or `auto` the best path the CPU has (avx512, avx2, baseline); `avx512`, `avx2` or
 * `baseline` that path (an error when the CPU lacks it); `off` the TypeScript loops. With the portable backend
 * (`NTK_BACKEND=portable`) or without the addon the TypeScript loops run.
 */
import { createRequire } from 'node:module';
import { ConfigError } from '../errors.js';
import { ADDON_PATH } from './native.js';
import { backend } from './registry.js';

export type SimdPath = 'avx512' | 'avx2' | 'baseline';
const PATHS: readonly string[] = ['avx512', 'avx2', 'baseline'];

export interface SimdKernels {
  /** the instruction set in use */
  readonly path: SimdPath;
  reluMeanAll(
    nngp: Float64Array,
    ntk: Float64Array | null,
    var1: Float64Array,
    var2: Float64Array,
    n1: number,
    n2: number,
    P: number,
    outK: Float64Array,
    outT: Float64Array | null,
  ): void;
  reluFull(
    nngp: Float64Array,
    ntk: Float64Array | null,
    var1: Float64Array,
    var2: Float64Array,
    n1: number,
    n2: number,
    self: boolean,
    P: number,
    outK: Float64Array,
    outT: Float64Array | null,
  ): void;
  convReluMean(
    pa: Float64Array,
    pbT: Float64Array,
    n1: number,
    n2: number,
    Q: number,
    K: number,
    alpha: number,
    sw2: number,
    sb2: number,
    mode: number,
    fanIn: number,
    b: number,
    var1: Float64Array,
    var2: Float64Array,
    outK: Float64Array,
    outT: Float64Array | null,
    lowerFirst: boolean,
  ): void;
  convReluSelf(
    pa: Float64Array,
    n: number,
    Q: number,
    K: number,
    alpha: number,
    sw2: number,
    sb2: number,
    outQ: Float64Array,
    outR: Float64Array,
    outMean: Float64Array,
  ): void;
  reluPoolFull(
    nngp: Float64Array,
    ntk: Float64Array | null,
    var1: Float64Array,
    var2: Float64Array,
    n1: number,
    n2: number,
    P: number,
    taps: Float64Array,
    T: number,
    weights: Float64Array,
    Q: number,
    out: Float64Array,
  ): void;
  /** arccos of x clamped to [−1, 1] (tests): fastAcos's bits, or with poly acosPoly's (the relu kernels on full records) */
  vecAcos(x: Float64Array, out: Float64Array, poly?: boolean): void;
  /**
   * activate() with a closed-form pair kernel on any record (native/act_kernels.h): `kind` one of ACT_KINDS, params
   * abrelu [a, b], scaled erf [a, b, c], tanh the mixture's [...a, ...b]. Absent in an addon built before it existed.
   */
  activate?(
    kind: number,
    params: Float64Array,
    nngp: Float64Array,
    ntk: Float64Array | null,
    var1: Float64Array,
    var2: Float64Array,
    n1: number,
    n2: number,
    self: boolean,
    P: number,
    full: boolean,
    outK: Float64Array,
    outT: Float64Array | null,
    /** activateMeanAll's per-pair means (full records; outK, outT one entry per pair) */
    mean?: boolean,
  ): void;
  /** the vectorized elementary functions, for tests: fn 0 Math.asin (x clamped), 1 Math.atan2(x, y), 2 fastAsin */
  vecMath?(fn: 0 | 1 | 2, x: Float64Array, y: Float64Array | null, out: Float64Array): void;
}

/** The pair kernels of native/act_kernels.h (its enum Kind). */
export const ACT_KINDS = { relu: 0, abrelu: 1, erf: 2, erfScaled: 3, gelu: 4, tanh: 5 } as const;

interface Addon extends Omit<SimdKernels, 'path'> {
  simdPath(name?: string): string | boolean;
  simdBest(): string;
}

let cached: SimdKernels | null | undefined;

/** The vectorized kernels per NTK_SIMD, or null when the TypeScript loops run. */
export function simdKernels(): SimdKernels | null {
  if (cached !== undefined) return cached;
  const want = process.env.NTK_SIMD ?? 'auto';
  if (want !== 'auto' && want !== 'off' && !PATHS.includes(want))
    throw new ConfigError('NTK_SIMD', `must be auto, off, avx512, avx2 or baseline. Value: ${want}`);
  cached = null;
  if (want === 'off' || backend().name !== 'native') return cached;
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
  } catch {
    return cached;
  }
  // an addon built before the vectorized kernels existed
  if (typeof addon.simdPath !== 'function') return cached;
  if (addon.simdPath(want === 'auto' ? addon.simdBest() : want) !== true)
    throw new ConfigError('NTK_SIMD', `this CPU supports at most ${addon.simdBest()}. Value: ${want}`);
  cached = { ...bind(addon), path: addon.simdPath() as SimdPath };
  return cached;
}

function bind(a: Addon): Omit<SimdKernels, 'path'> {
  return {
    reluMeanAll: a.reluMeanAll,
    reluFull: a.reluFull,
    convReluMean: a.convReluMean,
    convReluSelf: a.convReluSelf,
    reluPoolFull: a.reluPoolFull,
    vecAcos: a.vecAcos,
    ...(typeof a.activate === 'function' ? { activate: a.activate, vecMath: a.vecMath } : {}),
  };
}

/** Forget the choice (tests switch NTK_SIMD between calls). */
export function resetSimd(): void {
  cached = undefined;
}

/** The paths this CPU runs, best first ([] without the addon's kernels): for tests of every dispatch path. */
export function simdPaths(): SimdPath[] {
  if (backend().name !== 'native') return [];
  try {
    const a = createRequire(import.meta.url)(ADDON_PATH) as Addon;
    if (typeof a.simdBest !== 'function') return [];
    const best = PATHS.indexOf(a.simdBest());
    return PATHS.slice(best) as SimdPath[];
  } catch {
    return [];
  }
}
