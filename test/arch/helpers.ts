// Monte-Carlo references for the analytic kernels of test/arch: means over seeded finite networks (src/nn,
// src/empirical), independent of src/analytic.
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { formatArch, parseArch } from '../../src/arch/parse.js';
import type { BuildOptions } from '../../src/arch/types.js';
import { monteCarloNtk } from '../../src/empirical/montecarlo.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { apply, buildNetwork, init } from '../../src/nn/network.js';
import { Rng } from '../../src/util/random.js';

export const randn = (rows: number, cols: number, seed: number): Matrix =>
  new Matrix(rows, cols, new Rng(seed).normals(rows * cols));

/** ‖a − b‖ / ‖b‖ (Frobenius), of matrices or plain arrays. */
export const relErr = (a: Matrix | ArrayLike<number>, b: Matrix | ArrayLike<number>): number => {
  const x = a instanceof Matrix ? a.data : a;
  const y = b instanceof Matrix ? b.data : b;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num += (x[i] - y[i]) ** 2;
    den += y[i] ** 2;
  }
  return Math.sqrt(num / den);
};

/**
 * Monte-Carlo NNGP with the readout integrated out exactly: the architecture ends in `dense(k)` (per example) or a
 * 1×1 `conv(k,1)` (per position, `perPosition`), and E_W[f(x)f(x′) | φ] = σ_w²·φ(x)·φ(x′)/fan_in + σ_b² given the
 * readout's input features φ; the mean of that over seeds leaves only the finite-width error (no readout noise).
 * Per position: (n·P) × (n·P), row i·P + p.
 */
export function mcNngp(arch: string, shape: number[], X: Matrix, samples: number, opts: BuildOptions = {}): Matrix {
  const layers = parseArch(arch);
  const last = layers[layers.length - 1] as unknown as { kind: string; wstd: number; bstd: number; kernel?: number };
  if (last.kind !== 'dense' && !(last.kind === 'conv' && last.kernel === 1))
    throw new Error(`mcNngp: ${arch} must end in dense or conv(·,1)`);
  const net = buildNetwork(formatArch(layers.slice(0, -1)), shape, 'ntk', opts);
  const s = net.outputShape;
  const P = s.length === 3 ? s[0] * s[1] : 1;
  const C = s[s.length - 1];
  const rows = X.rows * (last.kind === 'conv' ? P : 1);
  const K = new Matrix(rows, rows);
  const sw2 = last.wstd * last.wstd;
  const sb2 = last.bstd * last.bstd;
  for (let t = 0; t < samples; t++) {
    const Y = apply(init(net, new Rng(1000 + t)), X).data;
    // feature rows: one per example (dense reads the whole output) or per (example, position)
    const d = last.kind === 'conv' ? C : Y.length / X.rows;
    for (let a = 0; a < rows; a++)
      for (let b = 0; b < rows; b++) {
        let v = 0;
        for (let c = 0; c < d; c++) v += Y[a * d + c] * Y[b * d + c];
        K.data[a * rows + b] += (sw2 * (v / d) + sb2) / samples;
      }
  }
  return K;
}

/** Relative errors of the analytic NNGP and NTK against Monte-Carlo means at each width. */
export async function convergence(
  archAt: (w: number) => string,
  shape: number[],
  X: Matrix,
  widths: readonly number[],
  samples: number,
  opts: BuildOptions & { outputs?: 'trace' | 'full' } = {},
): Promise<{ nngp: number; ntk: number }[]> {
  const out: { nngp: number; ntk: number }[] = [];
  const build = opts.adjacency ? { adjacency: opts.adjacency } : {};
  for (const w of widths) {
    const arch = archAt(w);
    const an = await kernelFn(arch, { inputShape: shape, workers: 0, ...opts })(X, null, 'both');
    const mc = monteCarloNtk(buildNetwork(arch, shape, 'ntk', build), X, null, {
      samples,
      seed: 11,
      outputs: opts.outputs ?? 'trace',
    });
    out.push({ nngp: relErr(mcNngp(arch, shape, X, samples, build), an.nngp), ntk: relErr(mc.mean, an.ntk) });
  }
  return out;
}
