// The checks every new layer goes through (docs/layers.md's checklist), for the pooling, conv-variant, normalization
// and noise layers: central finite differences of the VJP (and JVP as its adjoint), structured = Jacobian-contraction
// empirical NTK (and the Jacobian reference = brute-force single-example VJPs), analytic NNGP/NTK against
// Monte-Carlo means of finite networks, and independent numpy references of the forward maps.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { monteCarloNtk } from '../../src/empirical/montecarlo.js';
import { empiricalNtk } from '../../src/empirical/ntk.js';
import { Matrix } from '../../src/linalg/index.js';
import {
  apply,
  buildNetwork,
  forward,
  init,
  jvp,
  type Parameterization,
  type Params,
  vjp,
} from '../../src/nn/index.js';
import { Rng } from '../../src/util/random.js';

export const randMatrix = (rows: number, cols: number, seed: number): Matrix =>
  new Matrix(rows, cols, new Rng(seed).normals(rows * cols));

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** ‖a − b‖/‖b‖ (Frobenius). */
export function relFro(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/**
 * Central finite differences of L(θ, X) = Σ C ⊙ f(X; θ) against the VJP on every parameter (and, unless `inputs` is
 * false, every input entry), and ⟨C, J u⟩ = ⟨Jᵀ C, u⟩ for the JVP. θ is perturbed through {...params, theta}, so
 * random layers keep their masks.
 */
export function gradCheck(arch: string, shape: number[], param: Parameterization, inputs = true, n = 3): void {
  const net = buildNetwork(arch, shape, param);
  const params = init(net, new Rng(7));
  const X = randMatrix(n, net.inDim, 11);
  const C = randMatrix(n, net.outDim, 13);
  const { out, tape } = forward(params, X);
  assert.deepEqual(out.data, apply(params, X).data);
  const { grad, dx } = vjp(tape, C);
  const h = 1e-6;
  const loss = (theta: Float64Array, x: Matrix) => dot(C.data, apply({ ...params, theta }, x).data);
  const scale = Math.max(1, ...Array.from(grad, Math.abs));
  for (const p of net.paramLayers) {
    for (let i = p.wOffset; i < p.wOffset + p.wSize + p.bSize; i++) {
      const t = params.theta.slice();
      t[i] += h;
      const up = loss(t, X);
      t[i] -= 2 * h;
      const dn = loss(t, X);
      const fd = (up - dn) / (2 * h);
      const expected = p.frozen ? 0 : fd;
      assert.ok(
        Math.abs(grad[i] - expected) <= 1e-6 * scale,
        `${arch} [${param}] θ[${i}] (layer ${p.path}): vjp ${grad[i]} vs fd ${fd}`,
      );
    }
  }
  assert.ok(dx !== null, 'no input cotangent');
  if (inputs) {
    const dscale = Math.max(1, ...Array.from(dx.data, Math.abs));
    for (let i = 0; i < X.data.length; i++) {
      const x = X.clone();
      x.data[i] += h;
      const up = loss(params.theta, x);
      x.data[i] -= 2 * h;
      const dn = loss(params.theta, x);
      const fd = (up - dn) / (2 * h);
      assert.ok(
        Math.abs(dx.data[i] - fd) <= 1e-6 * dscale,
        `${arch} [${param}] x[${i}]: vjp ${dx.data[i]} vs fd ${fd}`,
      );
    }
  }
  const u = new Rng(17).normals(net.numParams);
  for (const p of net.paramLayers) if (p.frozen) u.fill(0, p.wOffset, p.wOffset + p.wSize + p.bSize);
  const { out: y2, tangentOut } = jvp(params, X, u);
  assert.deepEqual(y2.data, out.data);
  const lhs = dot(C.data, tangentOut.data);
  const rhs = dot(grad, u);
  assert.ok(Math.abs(lhs - rhs) <= 1e-10 * Math.max(1, Math.abs(rhs)), `${arch}: jvp/vjp adjoint ${lhs} vs ${rhs}`);
}

/** Θ_full by brute force: one single-example VJP per (example, logit), Jacobian rows dotted (as test/empirical). */
function bruteForceFull(params: Params, X: Matrix, X2: Matrix): Matrix {
  const O = params.net.outDim;
  const rows = (Y: Matrix) => {
    const J: Float64Array[] = [];
    for (let i = 0; i < Y.rows; i++) {
      const { tape } = forward(params, Y.rowSlice(i, i + 1));
      for (let o = 0; o < O; o++) {
        const e = new Matrix(1, O);
        e.data[o] = 1;
        J.push(vjp(tape, e, { inputGrad: false }).grad);
      }
    }
    return J;
  };
  const J1 = rows(X);
  const J2 = rows(X2);
  const K = new Matrix(J1.length, J2.length);
  for (let a = 0; a < J1.length; a++) for (let b = 0; b < J2.length; b++) K.data[a * J2.length + b] = dot(J1[a], J2[b]);
  return K;
}

const maxRel = (a: Matrix, b: Matrix): number => {
  let m = 0;
  let s = 0;
  for (let i = 0; i < a.data.length; i++) {
    m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
    s = Math.max(s, Math.abs(b.data[i]));
  }
  return m / s;
};

/** Structured = Jacobian-contraction empirical NTK to 1e-10 (trace and full, every contraction order, tiled), and the
 * Jacobian reference = brute-force single-example VJPs to 1e-12 (which also checks batch independence). */
export function ntkCheck(arch: string, shape: number[], param: Parameterization): void {
  const net = buildNetwork(arch, shape, param);
  const params = init(net, new Rng(3));
  const X = randMatrix(5, net.inDim, 5);
  const X2 = randMatrix(3, net.inDim, 6);
  for (const outputs of ['trace', 'full'] as const) {
    const ref = empiricalNtk(params, X, X2, { implementation: 'jacobian', outputs });
    for (const convStrategy of ['auto', 'pairs', 'jacobian'] as const)
      for (const tileSize of [undefined, 2]) {
        const got = empiricalNtk(params, X, X2, { outputs, convStrategy, tileSize });
        assert.ok(
          maxRel(got, ref) < 1e-10,
          `${arch} [${param}] ${outputs}/${convStrategy}/${tileSize}: ${maxRel(got, ref)}`,
        );
      }
    const symRef = empiricalNtk(params, X, null, { implementation: 'jacobian', outputs, tileSize: 2 });
    assert.ok(maxRel(empiricalNtk(params, X, null, { outputs, tileSize: 3 }), symRef) < 1e-10, `${arch}: symmetric`);
  }
  const bf = bruteForceFull(params, X.rowSlice(0, 3), X2);
  const jac = empiricalNtk(params, X.rowSlice(0, 3), X2, { implementation: 'jacobian', outputs: 'full' });
  assert.ok(maxRel(jac, bf) < 1e-12, `${arch} [${param}]: Jacobian reference vs brute force ${maxRel(jac, bf)}`);
}

/**
 * Relative Frobenius errors of the Monte-Carlo means of finite networks against the analytic kernels at each width:
 * the NTK from `monteCarloNtk` over `samples` seeds, the NNGP from f(x)·f(x′)/256 with a 256-wide readout (the last
 * dense layer widened) over 3·samples seeds.
 */
export async function mcErrors(
  arch: (w: number) => string,
  shape: number[],
  X: Matrix,
  widths: readonly number[],
  samples: number,
  param: Parameterization = 'ntk',
): Promise<{ nngp: number; ntk: number }[]> {
  const out: { nngp: number; ntk: number }[] = [];
  for (const w of widths) {
    const a = arch(w);
    const an = await kernelFn(a, { inputShape: shape, param, workers: 0 })(X, null, 'both');
    const mc = monteCarloNtk(buildNetwork(a, shape, param), X, null, { samples, seed: 3 });
    const wide = buildNetwork(a.replace(/dense\(\d+([^)]*)\)$/, 'dense(256$1)'), shape, param);
    const n = X.rows;
    const K = new Float64Array(n * n);
    const ns = 3 * samples; // forward passes only: cheap
    for (let s = 0; s < ns; s++) {
      const Y = apply(init(wide, new Rng(100 + s)), X);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let v = 0;
          for (let o = 0; o < 256; o++) v += Y.data[i * 256 + o] * Y.data[j * 256 + o];
          K[i * n + j] += v / 256 / ns;
        }
    }
    out.push({ nngp: relFro(K, an.nngp.data), ntk: relFro(mc.mean.data, an.ntk.data) });
  }
  return out;
}

/**
 * Asserts the errors at the large width are below `tol` and the NTK error below the one at the small width (the NNGP
 * estimate's own noise, ≈ √2/√(256·samples), hides its width dependence at these sizes, as in sin.test.ts).
 */
export function assertFalls(name: string, errs: { nngp: number; ntk: number }[], tol = 0.05): void {
  const [small, large] = errs;
  const msg = `${name}: NNGP ${small.nngp.toExponential(2)} → ${large.nngp.toExponential(2)}, NTK ${small.ntk.toExponential(2)} → ${large.ntk.toExponential(2)}`;
  assert.ok(large.nngp < tol && large.ntk < tol, msg);
  assert.ok(large.ntk < small.ntk, msg);
}

/** The numpy references of test/arch/nt_reference.py for a list of jobs (one Python process). */
export function numpyRef(jobs: Record<string, unknown>[]): { shape: number[]; y: number[] }[] {
  const r = spawnSync('/usr/bin/python3', [new URL('./nt_reference.py', import.meta.url).pathname], {
    input: JSON.stringify(jobs),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { shape: number[]; y: number[] }[];
}
