import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../../src/linalg/index.js';
import {
  apply,
  type BuildOptions,
  buildNetwork,
  forward,
  init,
  jvp,
  type Parameterization,
  vjp,
  Workspace,
} from '../../src/nn/index.js';
import { activation } from '../../src/arch/layers/activations.js';
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
function gradCheck(
  arch: string,
  inputShape: number[],
  param: Parameterization,
  opts: BuildOptions = {},
  n = 3,
  inputGrad = true,
): void {
  const net = buildNetwork(arch, inputShape, param, opts);
  const params = init(net, new Rng(7));
  const X = randMatrix(n, net.inDim, 11);
  const C = randMatrix(n, net.outDim, 13);
  const { out, tape } = forward(params, X);
  assert.deepEqual(out.data, apply(params, X).data);
  const { grad, dx } = vjp(tape, C, { inputGrad });
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
  if (!inputGrad) assert.equal(dx, null);
  else {
    assert.ok(dx !== null);
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
  // JVP is the adjoint of VJP: ⟨C, J u⟩ = ⟨Jᵀ C, u⟩ (frozen entries of u set to 0 so both sides agree)
  const u = new Rng(17).normals(net.numParams);
  for (const p of net.paramLayers) if (p.frozen) u.fill(0, p.wOffset, p.wOffset + p.wSize + p.bSize);
  const { out: y2, tangentOut } = jvp(params, X, u);
  assert.deepEqual(y2.data, out.data);
  const lhs = dot(C.data, tangentOut.data);
  const rhs = dot(grad, u);
  assert.ok(Math.abs(lhs - rhs) <= 1e-10 * Math.max(1, Math.abs(rhs)), `jvp/vjp adjoint: ${lhs} vs ${rhs}`);
}

// a directed, weighted 4-node graph with self-loops (A[i][j]: edge i → j), for `aggregate`
const GRAPH = new Matrix(4, 4, Float64Array.of(1, 0.5, 0, 0, 0, 1, 2, 0, 0.7, 0, 1, 1, 0, 0, 0.3, 1));

const CASES: [string, string, number[], BuildOptions?][] = [
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
  [
    'identity + sum of three branches',
    'dense(4),sum(relu,dense(4,bstd=0.2)|identity|tanh,dense(4,frozen)),dense(2)',
    [3],
  ],
  [
    'WideResNet block (projection shortcut)',
    'conv(3,3),sum(relu,conv(4,3,bstd=0.1),relu,conv(4,3)|conv(4,1)),relu,gap,dense(2)',
    [4, 4, 2],
  ],
  ['DenseNet-style concat', 'conv(3,3),concat(identity|relu,conv(2,3)),conv(3,1),relu,flatten,dense(2)', [4, 3, 1]],
  ['concat flat, three branches', 'dense(3),concat(relu,dense(2)|identity|dense(4,bstd=0.3)),dense(2)', [3]],
  ['prod', 'dense(4),prod(dense(4,bstd=0.2)|dense(4)|identity),relu,dense(2)', [3]],
  ['repeat', 'dense(4),repeat(3,relu,dense(4,bstd=0.1)),dense(2)', [3]],
  [
    'aggregate (graph)',
    'conv(3,1),relu,aggregate,conv(3,1,bstd=0.2),tanh,aggregate,gap,dense(2)',
    [4, 1, 2],
    { adjacency: GRAPH },
  ],
  ['attention (softmax, tied, sequence)', 'dense(4),attention(heads=2,bstd=0.3),gap,dense(2)', [3, 1, 2]],
  [
    'attention (identity, untied, concat embedding into values)',
    'conv(4,2),attention(heads=2,key=3,val=2,out=3,linear_scaling=false,mechanism=identity,key_std=1.3,pos_emb=concat,pos_emb_chan=2,pos_emb_std=0.7,val_pos_emb=true),flatten,dense(2)',
    [2, 2, 1],
  ],
  [
    'attention (abs, summed embedding)',
    'dense(4),attention(heads=1,mechanism=abs,pos_emb=sum,val_std=1.2),gap,dense(1)',
    [3, 1, 2],
  ],
  ['attention (relu, frozen)', 'conv(2,1),relu,attention(heads=2,mechanism=relu,frozen),flatten,dense(1)', [2, 2, 1]],
  // issue #14's transformer block at width 8 (test/arch/transformer.test.ts), on a sequence and on an image
  [
    'transformer block (sequence)',
    'dense(8),sum(layernorm,attention(heads=4) | identity),sum(layernorm,dense(16),relu,dense(8) | identity),gap,dense(10)',
    [3, 1, 4],
  ],
  [
    'transformer block (image)',
    'dense(8,bstd=0.2),sum(layernorm,attention(heads=4,bstd=0.1) | identity),sum(layernorm,dense(16,bstd=0.1),relu,dense(8) | identity),gap,dense(10)',
    [2, 2, 3],
  ],
];

describe('finite networks: VJP matches central finite differences (parameters and inputs), JVP is its adjoint', () => {
  for (const param of ['ntk', 'standard'] as const) {
    for (const [name, arch, shape, opts] of CASES) {
      it(`${name} [${param}]`, () => gradCheck(arch, shape, param, opts));
    }
  }
});

describe('VJP without the input gradient (stops at the first parametrized layer), JVP after parameter-free layers', () => {
  const cases: [string, number[]][] = [
    ['flatten,dense(3),relu,dense(2)', [2, 2, 1]],
    ['relu,erf,dense(3),relu,dense(2)', [4]],
    ['flatten,relu,repeat(2,dense(4),relu),dense(2)', [2, 2, 1]],
    ['relu,sum(identity|tanh,dense(4,frozen)),dense(3),dense(2)', [4]],
    ['dense(3,frozen),relu,dense(2)', [4]],
  ];
  for (const [arch, shape] of cases)
    for (const param of ['ntk', 'standard'] as const)
      it(`${arch} [${param}]`, () => gradCheck(arch, shape, param, {}, 3, false));
});

describe('workspaces: reused buffers give bit-identical passes', () => {
  for (const [name, arch, shape, opts] of CASES) {
    it(name, () => {
      const net = buildNetwork(arch, shape, 'ntk', opts);
      const ws = new Workspace();
      // three passes with different parameters, inputs and batch sizes through one workspace
      for (const [seed, n] of [
        [1, 4],
        [2, 4],
        [3, 2],
      ]) {
        const params = init(net, new Rng(seed));
        const X = randMatrix(n, net.inDim, 100 + seed);
        const C = randMatrix(n, net.outDim, 200 + seed);
        const fresh = forward(params, X);
        const reused = forward(params, X, { workspace: ws });
        assert.deepEqual(reused.out.data, fresh.out.data);
        assert.deepEqual(apply(params, X, { workspace: ws }).data, fresh.out.data);
        const g0 = vjp(fresh.tape, C);
        const g1 = vjp(forward(params, X, { workspace: ws }).tape, C, { workspace: ws });
        assert.deepEqual(g1.grad, g0.grad);
        assert.deepEqual(g1.dx?.data, g0.dx?.data);
      }
    });
  }
});

describe('activations: batched loops equal the scalar σ and σ′', () => {
  const xs = Float64Array.from([-3, -1e-300, -0, 0, 1e-300, 0.5, 2, Number.NaN, -7.25, 1e300]);
  const g = Float64Array.from(xs, (_, i) => 0.3 * i - 1);
  for (const spec of [
    { kind: 'relu' },
    { kind: 'abrelu', a: -0.3, b: 1.2 },
    { kind: 'erf' },
    { kind: 'tanh' },
    { kind: 'gelu' },
  ] as const) {
    it(spec.kind, () => {
      const fns = activation(spec);
      const y = new Float64Array(xs.length);
      const b = new Float64Array(xs.length);
      fns.fwd(xs, y);
      fns.bwd(xs, g, b);
      xs.forEach((x, i) => {
        const f = fns.f(x);
        // NaN in gives NaN out from the batched relu (as PyTorch), 0 from the scalar form; equal otherwise (+0 == −0)
        if (Number.isNaN(x) && spec.kind === 'relu') assert.ok(Number.isNaN(y[i]));
        else assert.ok(y[i] === f || (Number.isNaN(y[i]) && Number.isNaN(f)), `σ(${x}): ${y[i]} vs ${f}`);
        const d = g[i] * fns.df(x);
        assert.ok(b[i] === d || (Number.isNaN(b[i]) && Number.isNaN(d)), `g·σ′(${x}): ${b[i]} vs ${d}`);
      });
    });
  }
});
