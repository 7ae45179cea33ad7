/**
 * NTK-vector products without forming Θ: Θ·v = J(Jᵀv), one batched VJP (Jᵀv, summed over example tiles) and one
 * batched JVP per tile. Memory: one parameter vector plus one tile's activations, so it scales to any n (Lanczos on
 * large kernels: pass it as the matrix-vector product).
 */
import { requireFlatOutput } from '../arch/compile.js';
import { InvalidArgumentError } from '../errors.js';
import { Matrix } from '../linalg/matrix.js';
import { forward, jvp, type Params, type Tape, vjp } from '../nn/network.js';
import type { NtkOutputs } from './ntk.js';

export interface NtkvpOptions {
  /** `full`: V is n × O, returns Θ_full·vec(V) as n × O (row i, column o ↔ index i·O + o). `trace` (default): V is
   * n × 1, returns Θ_trace·v = (1/O)·Σ_o J_o J_oᵀ v as n × 1. */
  readonly outputs?: NtkOutputs;
  /** Examples per batched pass (default 256). */
  readonly tileSize?: number;
  /** a network whose output still has positions gives one output per position and channel, O = P·C (as empiricalNtk) */
  readonly perPosition?: boolean;
}

/** Jᵀ·V summed over example tiles; `tapes` (when given) keeps each tile's forward pass for the next call. */
function jtv(params: Params, X: Matrix, V: Matrix, t: number, tapes: Tape[] | null): Float64Array {
  const u = new Float64Array(params.net.numParams);
  for (let a = 0, T = 0; a < X.rows; a += t, T++) {
    const b = Math.min(X.rows, a + t);
    const tape = tapes?.[T] ?? forward(params, X.rowSlice(a, b)).tape;
    if (tapes) tapes[T] = tape;
    const { grad } = vjp(tape, V.rowSlice(a, b), { inputGrad: false });
    for (let k = 0; k < u.length; k++) u[k] += grad[k];
  }
  return u;
}

function ju(params: Params, X: Matrix, u: Float64Array, t: number): Matrix {
  const out = new Matrix(X.rows, params.net.outDim);
  for (let a = 0; a < X.rows; a += t) {
    const b = Math.min(X.rows, a + t);
    out.data.set(jvp(params, X.rowSlice(a, b), u).tangentOut.data, a * params.net.outDim);
  }
  return out;
}

/**
 * The operator V ↦ Θ·V of `params` on X, checked once (the same product as ntkvp). With `keepTapes`, each tile's
 * forward pass is kept across calls (memory: all of X's activations; for iterative solvers such as Lanczos).
 */
export function ntkOperator(
  params: Params,
  X: Matrix,
  opts: NtkvpOptions & { readonly keepTapes?: boolean } = {},
): (V: Matrix) => Matrix {
  requireFlatOutput(params.net, 'ntkvp', opts.perPosition === true);
  const outputs = opts.outputs ?? 'trace';
  const t = opts.tileSize ?? 256;
  if (outputs !== 'trace' && outputs !== 'full')
    throw new InvalidArgumentError('ntkvp', 'outputs', 'trace or full', outputs);
  if (!Number.isInteger(t) || t < 1) throw new InvalidArgumentError('ntkvp', 'tileSize', 'a positive integer', t);
  if (!(X instanceof Matrix) || X.cols !== params.net.inDim) {
    throw new InvalidArgumentError(
      'ntkvp',
      'X',
      `a Matrix with ${params.net.inDim} columns`,
      X instanceof Matrix ? `${X.rows}×${X.cols}` : X,
    );
  }
  const O = params.net.outDim;
  const want = outputs === 'full' ? O : 1;
  const tapes: Tape[] | null = opts.keepTapes ? [] : null;
  return (V) => {
    if (!(V instanceof Matrix) || V.rows !== X.rows || V.cols !== want) {
      throw new InvalidArgumentError(
        'ntkvp',
        'V',
        `a Matrix ${X.rows} × ${want}`,
        V instanceof Matrix ? `${V.rows}×${V.cols}` : V,
      );
    }
    if (outputs === 'full') return ju(params, X, jtv(params, X, V, t, tapes), t);
    const res = new Matrix(X.rows, 1);
    for (let o = 0; o < O; o++) {
      const Vo = new Matrix(X.rows, O);
      for (let i = 0; i < X.rows; i++) Vo.data[i * O + o] = V.data[i];
      const r = ju(params, X, jtv(params, X, Vo, t, tapes), t);
      for (let i = 0; i < X.rows; i++) res.data[i] += r.data[i * O + o] / O;
    }
    return res;
  };
}

/** Θ·V (see NtkvpOptions for the two output conventions). */
export function ntkvp(params: Params, X: Matrix, V: Matrix, opts: NtkvpOptions = {}): Matrix {
  return ntkOperator(params, X, opts)(V);
}
