import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, BackendInfo, FloatArray } from './backend.js';

/** Functions exported by native/ntk_native.cc (argument order mirrors the Backend interface). */
interface Addon {
  gemm(...a: unknown[]): number;
  gemmAsync(...a: unknown[]): Promise<number>;
  syrk(...a: unknown[]): number;
  syrkAsync(...a: unknown[]): Promise<number>;
  syevd(n: number, A: Float64Array, W: Float64Array, vectors: boolean): number;
  syevdAsync(n: number, A: Float64Array, W: Float64Array, vectors: boolean): Promise<number>;
  syevr(n: number, A: Float64Array, il: number, iu: number, W: Float64Array, Z: Float64Array): number;
  potrf(n: number, A: Float64Array): number;
  potrfAsync(n: number, A: Float64Array): Promise<number>;
  potrs(n: number, nrhs: number, L: Float64Array, B: Float64Array): number;
  trsm(...a: unknown[]): number;
  corename(): string;
  config(): string;
  getThreads(): number;
  setThreads(t: number): void;
}

/** Path of the compiled addon: `<package root>/build/Release/ntk_native.node` (from src/linalg or dist/linalg). */
export const ADDON_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../build/Release/ntk_native.node');

/** CPU feature flags from /proc/cpuinfo (empty off Linux). */
function cpuFlags(): Set<string> {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    return new Set(line ? line.split(':')[1].trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}

/**
 * Debian's OpenBLAS 0.3.21 does not recognise some AVX-512 CPUs and falls back to pre-AVX kernels (4× slower). When
 * the CPU has AVX-512 and the user has not chosen a core type, choose SkylakeX. Must run before the library loads.
 * Returns a note describing what was decided.
 */
export function chooseCoreType(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OPENBLAS_CORETYPE) return `OPENBLAS_CORETYPE=${env.OPENBLAS_CORETYPE} (set by the user)`;
  const f = cpuFlags();
  if (f.has('avx512f') && f.has('avx512bw') && f.has('avx512vl') && f.has('avx512dq')) {
    env.OPENBLAS_CORETYPE = 'SkylakeX';
    return 'OPENBLAS_CORETYPE=SkylakeX (set by ntk-lab: the CPU has AVX-512)';
  }
  return 'OPENBLAS_CORETYPE unset (OpenBLAS detects the core)';
}

/** Load the addon; throws if it is missing or cannot be loaded (the caller falls back to the portable backend). */
export function loadNativeBackend(): Backend {
  const coreNote = chooseCoreType();
  const addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
  const info = (): BackendInfo => ({
    name: 'native',
    corename: addon.corename(),
    threads: addon.getThreads(),
    details: `${addon.config().trim()}; ${coreNote}; addon ${ADDON_PATH}`,
  });
  return {
    name: 'native',
    info,
    gemm: (ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc) => {
      addon.gemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    },
    gemmAsync: async (ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc) => {
      await addon.gemmAsync(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    },
    syrk: (t, n, k, alpha, A: FloatArray, lda, beta, C: FloatArray, ldc) => {
      addon.syrk(t, n, k, alpha, A, lda, beta, C, ldc);
    },
    syrkAsync: async (t, n, k, alpha, A, lda, beta, C, ldc) => {
      await addon.syrkAsync(t, n, k, alpha, A, lda, beta, C, ldc);
    },
    syevd: (n, A, W, v) => addon.syevd(n, A, W, v),
    syevdAsync: (n, A, W, v) => addon.syevdAsync(n, A, W, v),
    syevr: (n, A, il, iu, W, Z) => addon.syevr(n, A, il, iu, W, Z),
    potrf: (n, A) => addon.potrf(n, A),
    potrfAsync: (n, A) => addon.potrfAsync(n, A),
    potrs: (n, nrhs, L, B) => {
      addon.potrs(n, nrhs, L, B);
    },
    trsm: (right, lower, ta, unit, m, n, alpha, A, lda, B, ldb) => {
      addon.trsm(right, lower, ta, unit, m, n, alpha, A, lda, B, ldb);
    },
  };
}
