import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../../src/linalg/index.js';
import { apply, buildNetwork, forward, init, jvp, type Parameterization, vjp } from '../../src/nn/index.js';
import { Rng } from '../../src/util/random.js';

function randMatrix(rows: number, cols: number, seed: number): Matrix {
  return new Matrix(rows, cols, new Rng(seed).normals(rows * cols));
}
function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Central finite differences of L(θ, X) = Σ c ⊙ f(X; θ) against vjp, on every parameter and input entry. */
function gradCheck(arch: string, inputShape: number[], param: Parameterization, n = 3): void {
  const net = buildNetwork(arch, inputShape, param);
  const params = init(net, new Rng(7));
  const X = randMatrix(n, net.inDim, 11);
  const C = randMatrix(n, net.outDim, 13);
  const { out, tape } = forward(params, X);
  assert.deepEqual(out.data, apply(params, X).data);
  const { grad, dx } = vjp(tape, C);
  const h = 1e-6;
  const loss = (theta: Float64Array, x: Matrix) => dot(C.data, apply({ net, theta }, x).data);
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
  assert.ok(dx !== null);
  const dscale = Math.max(1, ...Array.from(dx.data, Math.abs));
  for (let i = 0; i < X.data.length; i++) {
    const x = X.clone();
    x.data[i] += h;
    const up = loss(params.theta, x);
    x.data[i] -= 2 * h;
    const dn = loss(params.theta, x);
    const fd = (up - dn) / (2 * h);
    assert.ok(Math.abs(dx.data[i] - fd) <= 1e-6 * dscale, `${arch} [${param}] x[${i}]: vjp ${dx.data[i]} vs fd ${fd}`);
  }
  // JVP is the adjoint of VJP: ⟨C, J u⟩ = ⟨Jᵀ C, u⟩ (frozen entries of u set to 0 so both sides agree)
  const u = new Rng(17).normals(net.numParams);
  for (const p of net.paramLayers) if (p.frozen) u.fill(0, p.wOffset, p.wOffset + p.wSize + p.bSize);
  const { out: y2, tangentOut } = jvp(params, X, u);
  assert.deepEqual(y2.data, out.data);
  const lhs = dot(C.data, tangentOut.data);
  const rhs = dot(grad, u);
  assert.ok(Math.abs(lhs - rhs) <= 1e-10 * Math.max(1, Math.abs(rhs)), `jvp/vjp adjoint: ${lhs} vs ${rhs}`);
}

const CASES: [string, string, number[]][] = [
  ['dense with bias + relu', 'dense(5,bstd=0.3),relu,dense(2,wstd=1.5,bstd=0.1)', [4]],
  ['abrelu', 'dense(5),abrelu(-0.3,1.2),dense(2)', [3]],
  ['erf', 'dense(5,bstd=0.5),erf,dense(2)', [3]],
  ['tanh', 'dense(5),tanh,dense(3)', [3]],
  ['gelu', 'dense(5),gelu,dense(2)', [3]],
  ['frozen layer', 'dense(5,frozen),relu,dense(4),relu,dense(2,bstd=1,frozen)', [3]],
  ['conv same + flatten', 'conv(3,3,bstd=0.2),relu,flatten,dense(2)', [5, 5, 2]],
  ['conv valid stride 2 + gap', 'conv(3,3,stride=2,padding=valid),tanh,gap,dense(2)', [7, 6, 2]],
  [
    'conv same stride 2 (asymmetric pad)',
    'conv(2,2,stride=2),erf,conv(3,3,stride=2,bstd=0.4),flatten,dense(2)',
    [6, 5, 1],
  ],
  ['avgpool', 'conv(3,3),relu,avgpool(2),flatten,dense(2)', [5, 4, 2]],
  ['residual dense', 'dense(4),residual(relu,dense(4,bstd=0.2),tanh,dense(4)),relu,dense(2)', [3]],
  ['residual conv', 'conv(3,3),residual(relu,conv(3,3)),gap,dense(2)', [4, 4, 1]],
  ['nested residual', 'dense(3),residual(dense(3),residual(gelu,dense(3))),dense(1)', [2]],
];

describe('finite networks: VJP matches central finite differences (parameters and inputs), JVP is its adjoint', () => {
  for (const param of ['ntk', 'standard'] as const) {
    for (const [name, arch, shape] of CASES) {
      it(`${name} [${param}]`, () => gradCheck(arch, shape, param));
    }
  }
});
