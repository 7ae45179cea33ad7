/**
 * The kernel recursion on one block of example pairs: input kernel → each layer's analytic step → one NNGP/NTK value
 * per pair. Generic over the program's steps (each layer's transform lives in its module, src/arch/layers/); runs in
 * the main thread or in a worker (worker.ts); knows nothing about tiling.
 */
import { type BlockMemo, type KernelRecord, meanOverPositions, pairsOf, selfDiagonal, toDiag } from '../arch/record.js';
import type { AnalyticStep } from '../arch/types.js';
import { gemm } from '../linalg/blas.js';
import { simdKernels } from '../linalg/simd.js';
import type { OpNode, Program } from './program.js';

/**
 * Variances of one example set along the recursion: `input` (n × P_in) and, per op id, n × P after that op; and,
 * where the next layer needs them (program.ts: keepFull, inputFull), the full self-covariances (n × P²).
 */
export interface Chain {
  readonly input: Float64Array;
  readonly ids: Float64Array[];
  readonly inputFull: Float64Array | null;
  readonly fulls: (Float64Array | null)[];
}

interface Vars {
  var1: Float64Array;
  var2: Float64Array;
  full1?: Float64Array;
  full2?: Float64Array;
}

/** Where the variances of a record come from after each op: computed from itself (self) or looked up (cross). */
interface VarSource {
  after(node: OpNode, rec: KernelRecord): Vars;
  /** pairs (i, j) with j = i + same are one example (AnalyticRunCtx.same) */
  readonly same: number | null;
}

export interface Block {
  /** x1 rows (n1 × inDim, row-major) */
  readonly x1: Float64Array;
  readonly n1: number;
  readonly x2: Float64Array;
  readonly n2: number;
  readonly self: boolean;
  /** flat inputs: the Gram block x1·x2ᵀ (n1 × n2; for self, length n1 with ‖xᵢ‖²) — from the backend's GEMM */
  readonly gram?: Float64Array;
  /** a block of K(x, x): x2 row i + same is x1 row i (AnalyticRunCtx.same); absent for K(x1, x2) */
  readonly same?: number;
  /** the job's memo (record.ts TileMemo): x1/x2 are rows `i0`/`j0` on of the job's inputs */
  readonly memo?: BlockMemo;
}

function rowsVar(x: Float64Array, n: number, P: number, C: number): Float64Array {
  const v = new Float64Array(n * P);
  for (let e = 0; e < n; e++)
    for (let p = 0; p < P; p++) {
      let s = 0;
      const b = (e * P + p) * C;
      for (let c = 0; c < C; c++) s += x[b + c] * x[b + c];
      v[e * P + p] = s / C;
    }
  return v;
}

/** Input variances of an example set (‖x‖²/d, or per pixel ‖x_p‖²/C). */
export function inputVariances(prog: Program, x: Float64Array, n: number): Float64Array {
  if (prog.input === 'flat') return rowsVar(x, n, 1, prog.inDim);
  return rowsVar(x, n, prog.inH * prog.inW, prog.inC);
}

/**
 * The input record of a block: x·x′/d (flat), per-pixel x_p·x′_p/C (diag), or x_p·x′_p′/C (full). With
 * `fusedInput`, the first step builds the record from the raw inputs itself.
 */
function inputRecord(prog: Program, b: Block, var1: Float64Array, var2: Float64Array, wantNtk: boolean): KernelRecord {
  const pairs = b.self ? b.n1 : b.n1 * b.n2;
  const { inH: h, inW: w, inC: C } = prog;
  const P = h * w;
  if (prog.input === 'flat') {
    const g = b.gram as Float64Array;
    const nngp = new Float64Array(pairs);
    const inv = 1 / prog.inDim;
    for (let e = 0; e < pairs; e++) nngp[e] = g[e] * inv;
    return {
      n1: b.n1,
      n2: b.n2,
      self: b.self,
      spatial: 'flat',
      h: 1,
      w: 1,
      nngp,
      ntk: wantNtk ? new Float64Array(pairs) : null,
      var1,
      var2,
    };
  }
  if (prog.input === 'diag') {
    const nngp = new Float64Array(pairs * P);
    for (let e = 0; e < pairs; e++) {
      const i = b.self ? e : Math.floor(e / b.n2);
      const j = b.self ? e : e - i * b.n2;
      for (let p = 0; p < P; p++) {
        let s = 0;
        const o1 = (i * P + p) * C;
        const o2 = (j * P + p) * C;
        for (let c = 0; c < C; c++) s += b.x1[o1 + c] * b.x2[o2 + c];
        nngp[e * P + p] = s / C;
      }
    }
    return {
      n1: b.n1,
      n2: b.n2,
      self: b.self,
      spatial: 'diag',
      h,
      w,
      nngp,
      ntk: wantNtk ? new Float64Array(nngp.length) : null,
      var1,
      var2,
    };
  }
  const fromInput = prog.fusedInput ? prog.nodes[0].step?.fromInput : undefined;
  if (fromInput)
    return fromInput({ x1: b.x1, n1: b.n1, x2: b.x2, n2: b.n2, self: b.self, h, w, c: C, var1, var2, wantNtk });
  const nngp = new Float64Array(pairs * P * P);
  const t = new Float64Array(P * P);
  const img = P * C;
  for (let e = 0; e < pairs; e++) {
    const i = b.self ? e : Math.floor(e / b.n2);
    const j = b.self ? e : e - i * b.n2;
    gemm({
      m: P,
      n: P,
      k: C,
      a: b.x1.subarray(i * img, (i + 1) * img),
      b: b.x2.subarray(j * img, (j + 1) * img),
      c: t,
      transB: true,
      alpha: 1 / C,
    });
    nngp.set(t, e * P * P);
  }
  return {
    n1: b.n1,
    n2: b.n2,
    self: b.self,
    spatial: 'full',
    h,
    w,
    nngp,
    ntk: wantNtk ? new Float64Array(nngp.length) : null,
    var1,
    var2,
  };
}

function runNodes(
  prog: Program,
  nodes: readonly OpNode[],
  rec: KernelRecord,
  src: VarSource,
  fusedFirst: boolean,
): KernelRecord {
  let k = rec;
  for (let idx = 0; idx < nodes.length; idx++) {
    let node = nodes[idx];
    let next: KernelRecord;
    const step = node.step;
    if (step === null) {
      // the engine's change of representation after the last layer that needs full covariances
      const P = k.h * k.w;
      const pairs = pairsOf(k);
      next = { ...k, spatial: 'diag', nngp: toDiag(k.nngp, pairs, P), ntk: k.ntk ? toDiag(k.ntk, pairs, P) : null };
    } else {
      const fused = step.fuse?.(k, nodes[idx + 1]?.layer ?? null) ?? null;
      if (fused !== null) {
        next = fused;
        idx++;
        node = nodes[idx];
      } else {
        const branches = node.branches;
        next = step.apply(k, {
          h: node.h,
          w: node.w,
          fusedInput: fusedFirst && idx === 0,
          same: src.same,
          run: (b, r) => runNodes(prog, branches[b], r, src, false),
        });
      }
    }
    const v = src.after(node, next);
    k = { ...next, var1: v.var1, var2: v.var2, full1: v.full1, full2: v.full2 };
  }
  return k;
}

/** One value per pair from the final record: the mean over output positions of the equal-position entries (the
 * `trace` convention: the mean over all output logits of the diagonal blocks). */
function finalValues(k: KernelRecord, a: Float64Array): Float64Array {
  if (k.spatial === 'flat') return a;
  return meanOverPositions(a, pairsOf(k), k.spatial, k.h * k.w, 'diagonal');
}

/** The variance chain of a set of examples (self pairs (i, i)). */
export function selfChain(prog: Program, x: Float64Array, n: number, norms?: Float64Array): Chain {
  const input = inputVariances(prog, x, n);
  const ids: Float64Array[] = new Array(prog.numIds);
  const fulls: (Float64Array | null)[] = new Array(prog.numIds).fill(null);
  const src: VarSource = {
    after(node, rec) {
      const d = selfDiagonal(rec);
      ids[node.id] = d;
      if (!node.keepFull) return { var1: d, var2: d };
      // a self record in the full representation holds each example's (p, p′) covariances
      fulls[node.id] = rec.nngp;
      return { var1: d, var2: d, full1: rec.nngp, full2: rec.nngp };
    },
    same: 0,
  };
  // conv, relu, gap vectorized (fusedPrefix): the three layers' variances from one kernel, then the rest
  const self = fusedPrefix(prog) > 0 ? prog.nodes[0].step?.selfReluMean?.(x, n) : null;
  if (self) {
    const [first, act, pool] = prog.nodes;
    ids[first.id] = self.conv;
    ids[act.id] = self.act;
    ids[pool.id] = self.mean;
    const v = self.mean;
    const flat: KernelRecord = {
      n1: n,
      n2: n,
      self: true,
      spatial: 'flat',
      h: 1,
      w: 1,
      nngp: v.slice(),
      ntk: null,
      var1: v,
      var2: v,
    };
    runNodes(prog, prog.nodes.slice(3), flat, src, false);
    return { input, ids, inputFull: null, fulls };
  }
  const gram = prog.input === 'flat' ? (norms ?? rowNorms(x, n, prog.inDim)) : undefined;
  const rec = inputRecord(prog, { x1: x, n1: n, x2: x, n2: n, self: true, gram }, input, input, false);
  const inputFull = prog.inputFull ? rec.nngp : null;
  const fused = prog.fusedInput;
  runNodes(
    prog,
    prog.nodes,
    fused
      ? { ...rec, var1: new Float64Array(0), var2: new Float64Array(0) }
      : inputFull
        ? { ...rec, full1: inputFull, full2: inputFull }
        : rec,
    src,
    fused,
  );
  return { input, ids, inputFull, fulls };
}

function rowNorms(x: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += x[e * d + c] * x[e * d + c];
    out[e] = s;
  }
  return out;
}

/** Calls f on every op node, depth-first through branches. */
export function eachOp(nodes: readonly OpNode[], f: (n: OpNode) => void): void {
  for (const n of nodes) {
    f(n);
    for (const b of n.branches) eachOp(b, f);
  }
}

/** Per op id, the number of variance entries per example. */
export function chainSizes(prog: Program): number[] {
  const sizes: number[] = new Array(prog.numIds).fill(0);
  eachOp(prog.nodes, (n) => (sizes[n.id] = n.out === 'flat' ? 1 : n.h * n.w));
  return sizes;
}

/** Chain rows [i0, i1) as views. */
export function sliceChain(c: Chain, i0: number, i1: number, prog: Program): Chain {
  const sizes = chainSizes(prog);
  const Pin = prog.input === 'flat' ? 1 : prog.inH * prog.inW;
  return {
    input: c.input.subarray(i0 * Pin, i1 * Pin),
    ids: c.ids.map((a, id) => a.subarray(i0 * sizes[id], i1 * sizes[id])),
    inputFull: c.inputFull ? c.inputFull.subarray(i0 * Pin * Pin, i1 * Pin * Pin) : null,
    fulls: c.fulls.map((a, id) => (a ? a.subarray(i0 * sizes[id] ** 2, i1 * sizes[id] ** 2) : null)),
  };
}

/**
 * How many leading steps of the program cross blocks run as one fused vectorized kernel: 3 for conv (fromInput),
 * relu, gap with the native kernels available, else 0.
 */
export function fusedPrefix(prog: Program): number {
  const [first, act, pool] = prog.nodes;
  if (!prog.fusedInput || pool === undefined || !first.step?.fromInputReluMean) return 0;
  if (act.step?.simd !== 'relu' || pool.layer?.analytic.meanAllPositions !== true) return 0;
  return simdKernels() === null ? 0 : 3;
}

/**
 * A program that starts conv (fromInput), relu, gap: the three steps as one vectorized kernel on a cross block
 * (conv.ts patchGramReluMean), then the rest; null when that does not apply or the kernels are not available.
 */
function fusedReluMean(
  prog: Program,
  b: Block,
  c1: Chain,
  c2: Chain,
  src: VarSource,
  wantNtk: boolean,
): KernelRecord | null {
  if (b.self || fusedPrefix(prog) === 0) return null;
  const [first, , pool] = prog.nodes;
  const fused = first.step?.fromInputReluMean as NonNullable<AnalyticStep['fromInputReluMean']>;
  const { inH: h, inW: w, inC: c } = prog;
  const input = { x1: b.x1, n1: b.n1, x2: b.x2, n2: b.n2, self: false, h, w, c, var1: c1.input, var2: c2.input };
  const same = b.same === undefined ? {} : { same: b.same };
  const memo = b.memo === undefined ? {} : { memo: b.memo };
  const r = fused({ ...input, wantNtk, ...same, ...memo }, c1.ids[first.id], c2.ids[first.id]);
  if (r === null) return null;
  const k = { ...r, var1: c1.ids[pool.id], var2: c2.ids[pool.id] };
  return runNodes(prog, prog.nodes.slice(3), k, src, false);
}

/** The general path's first record of a cross block: the input record, with both sides' full self-covariances. */
function generalStart(prog: Program, b: Block, c1: Chain, c2: Chain, wantNtk: boolean): KernelRecord {
  const rec = inputRecord(prog, b, c1.input, c2.input, wantNtk);
  return c1.inputFull && c2.inputFull ? { ...rec, full1: c1.inputFull, full2: c2.inputFull } : rec;
}

/** NNGP and/or NTK values (n1 × n2, row-major) of a cross block, given both sides' chains; with per-logit outputs,
 * per pair the final record's entries (1 flat, P² full). */
export function crossBlock(
  prog: Program,
  b: Block,
  c1: Chain,
  c2: Chain,
  wantNtk: boolean,
): { nngp: Float64Array; ntk: Float64Array | null } {
  const full = (c: Chain, id: number) => c.fulls[id] ?? undefined;
  const src: VarSource = {
    after: (node) => ({
      var1: c1.ids[node.id],
      var2: c2.ids[node.id],
      full1: full(c1, node.id),
      full2: full(c2, node.id),
    }),
    same: b.same ?? null,
  };
  // the fused kernel first: the general path's input record (for a conv first layer, every pair's full patch Gram)
  // is built only when it does not apply
  const out =
    fusedReluMean(prog, b, c1, c2, src, wantNtk) ??
    runNodes(prog, prog.nodes, generalStart(prog, b, c1, c2, wantNtk), src, prog.fusedInput);
  // per-logit outputs: the final record itself (one value per pair when flat, P² when full)
  if (prog.outputs === 'full') return { nngp: out.nngp, ntk: out.ntk };
  return { nngp: finalValues(out, out.nngp), ntk: out.ntk ? finalValues(out, out.ntk) : null };
}
