// TEMPORARY stand-in for the typed BLAS layer (the `blas` branch brings the checked version); same API.
import type { FloatArray } from './backend.js';
import { backend } from './registry.js';
export interface GemmArgs {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: FloatArray;
  readonly b: FloatArray;
  readonly c: FloatArray;
  readonly transA?: boolean;
  readonly transB?: boolean;
  readonly alpha?: number;
  readonly beta?: number;
  readonly lda?: number;
  readonly ldb?: number;
  readonly ldc?: number;
}
export function gemm(g: GemmArgs): void {
  if (g.m === 0 || g.n === 0) return;
  const ta = g.transA ?? false;
  const tb = g.transB ?? false;
  backend().gemm(
    ta,
    tb,
    g.m,
    g.n,
    g.k,
    g.alpha ?? 1,
    g.a,
    g.lda ?? (ta ? g.m : g.k),
    g.b,
    g.ldb ?? (tb ? g.k : g.n),
    g.beta ?? 0,
    g.c,
    g.ldc ?? g.n,
  );
}
export interface SyrkArgs {
  readonly n: number;
  readonly k: number;
  readonly a: FloatArray;
  readonly c: FloatArray;
  readonly trans?: boolean;
  readonly alpha?: number;
  readonly beta?: number;
  readonly lda?: number;
  readonly ldc?: number;
}
export function syrk(s: SyrkArgs): void {
  const t = s.trans ?? false;
  backend().syrk(t, s.n, s.k, s.alpha ?? 1, s.a, s.lda ?? (t ? s.n : s.k), s.beta ?? 0, s.c, s.ldc ?? s.n);
}
