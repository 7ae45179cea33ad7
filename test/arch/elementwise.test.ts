// neural-tangents' elementwise layers (issue #14), each an activation module: parse/format and bad arguments; closed
// forms against the adaptive quadrature to 1e-10 (including ρ = ±1 and zero variances); NT's special cases; σ′
// through the finite network's VJP and JVP against central finite differences; structured = Jacobian-contraction
// empirical NTK; and analytic NNGP/NTK against Monte-Carlo means of finite networks, the error falling with width.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatArch, parseArch } from '../../src/arch/parse.js';
import { LAYER_NAMES } from '../../src/arch/registry.js';
import { buildNetwork } from '../../src/nn/network.js';
import { compileProgram } from '../../src/analytic/program.js';
import { gradCheck, monteCarloErrors, pairKernel, structuredVsJacobian } from './activationChecks.js';

// every new layer, in canonical form (formatArch writes exactly this)
const LAYERS = [
  'cos',
  'cos(0.7,1.8,0.4)',
  'rbf',
  'rbf(0.3)',
  'exp',
  'exp(0.5,-0.7)',
  'gaussian',
  'gaussian(2,-0.3)',
  'gabor',
  'expnormalized',
  'expnormalized(0.5,0.2)',
  'abs',
  'sign',
  'leaky_relu(0.2)',
  'leaky_relu(-0.5)',
  'monomial(0)',
  'monomial(1)',
  'monomial(2)',
  'monomial(3)',
  'monomial(4)',
  'rectified_monomial(0)',
  'rectified_monomial(2)',
  'rectified_monomial(3)',
  'polynomial(0.5,-1,0.3,0.2)',
  'hermite(0)',
  'hermite(1)',
  'hermite(3)',
  'hermite(4)',
  'erf(0.5,2,0.1)',
  'sigmoid_like',
  'gelu',
  'tanh',
];

describe('elementwise layers: names and arguments', () => {
  it('parse and format round-trip in canonical form; NT defaults', () => {
    for (const l of LAYERS) {
      const a = parseArch(`dense(3),${l},dense(1)`);
      assert.equal(formatArch(a), `dense(3),${l},dense(1)`);
      assert.deepEqual(parseArch(formatArch(a)), a);
      assert.ok(LAYER_NAMES.includes(a[1].kind), a[1].kind);
    }
    assert.deepEqual(parseArch('cos(1,1,0)'), [{ kind: 'cos', a: 1, b: 1, c: 0 }]);
    assert.deepEqual(parseArch('exp(2)'), [{ kind: 'exp', a: 2, b: 1 }]);
    assert.deepEqual(parseArch('gaussian'), [{ kind: 'gaussian', a: 1, b: -1 }]);
    assert.deepEqual(parseArch('rbf'), [{ kind: 'rbf', gamma: 1 }]);
    assert.deepEqual(parseArch('expnormalized(2)'), [{ kind: 'expnormalized', gamma: 2, shift: -1 }]);
    // erf with its defaults is today's erf, spec unchanged
    assert.deepEqual(parseArch('erf'), [{ kind: 'erf' }]);
    assert.deepEqual(parseArch('erf(1,1,0)'), [{ kind: 'erf' }]);
    assert.deepEqual(parseArch('erf(2)'), [{ kind: 'erf', a: 2, b: 1, c: 0 }]);
    assert.deepEqual(parseArch('polynomial(1)'), [{ kind: 'polynomial', coef: [1] }]);
  });

  it('bad arguments name the layer and the constraint', () => {
    const bad: [string, RegExp][] = [
      ['monomial(-1)', /`monomial`.*`k` an integer ≥ 0/],
      ['monomial(1.5)', /`k` an integer/],
      ['monomial(21)', /`k` an integer in \[0, 20\]/],
      ['monomial', /`monomial`.*1 positional/],
      ['rectified_monomial(2,3)', /1 positional/],
      ['hermite(21)', /`k` an integer in \[0, 20\]/],
      ['polynomial', /`polynomial`.*1–21 positional/],
      [`polynomial(${Array(22).fill(1).join(',')})`, /1–21 positional/],
      ['polynomial(1,x)', /`c1` a number/],
      ['leaky_relu', /`leaky_relu`.*1 positional/],
      ['abs(1)', /`abs`.*0 positional/],
      ['gaussian(1,0.5)', /`b` ≤ 0/],
      ['rbf(-1)', /`gamma` a number ≥ 0/],
      ['expnormalized(-1)', /`gamma` a number ≥ 0/],
      ['erf(1,2,3,4)', /`erf`.*0–3 positional/],
      ['cos(a)', /`a` a number/],
      ['sigmoid_like(2)', /0 positional/],
      ['gabor(1)', /0 positional/],
    ];
    for (const [l, re] of bad) assert.throws(() => parseArch(`dense(3),${l}`), re, l);
  });

  it('an activation needs a Gaussian input (raw data or another activation is rejected, naming the layer)', () => {
    for (const l of ['cos', 'sign', 'monomial(2)', 'polynomial(1,2)', 'expnormalized', 'gabor']) {
      const name = l.replace(/\(.*/, '');
      buildNetwork(`${l},dense(1)`, [3]); // the finite network is fine
      assert.throws(
        () => compileProgram(`${l},dense(1)`, [3]),
        new RegExp(`layer 0 \`${name}\`.*Gaussian.*network input`),
      );
      assert.throws(() => compileProgram(`dense(3),relu,${l}`, [3]), new RegExp(`layer 2 \`${name}\`.*non-Gaussian`));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

const Q_PAIRS = [
  [0.3, 0.8],
  [1.4, 0.6],
];
const RHOS = [-1, -0.6, 0, 0.35, 0.9, 1];

describe('closed forms = adaptive quadrature to 1e-10 (grid of q, q′, ρ with ρ = ±1, and zero variances)', () => {
  for (const l of LAYERS) {
    it(l, () => {
      // relative to the Cauchy–Schwarz scales √(K̃(x,x)K̃(x′,x′)), √(Σ̇(x,x)Σ̇(x′,x′)) (floored for zero kernels)
      const self = (q: number) => pairKernel(l, 'exact', q, q, q);
      const check = (q1: number, q2: number, c: number) => {
        const ex = pairKernel(l, 'exact', q1, q2, c);
        const qu = pairKernel(l, 'quadrature', q1, q2, c);
        const [a, b] = [self(q1), self(q2)];
        const s0 = Math.max(Math.sqrt(Math.abs(a[0] * b[0])), 1e-3);
        const s1 = Math.max(Math.sqrt(Math.abs(a[1] * b[1])), 1e-3);
        const what = `${l} q=${q1},${q2} c=${c}: exact ${ex} vs quadrature ${qu}`;
        assert.ok(Math.abs(ex[0] - qu[0]) <= 1e-10 * s0, `K̃ ${what}`);
        assert.ok(Math.abs(ex[1] - qu[1]) <= 1e-10 * s1, `Σ̇ ${what}`);
      };
      for (const [q1, q2] of Q_PAIRS) for (const rho of RHOS) check(q1, q2, rho * Math.sqrt(q1 * q2));
      check(0, 0.7, 0);
      check(0.7, 0, 0);
      check(0, 0, 0);
    });
  }
});

describe("neural-tangents' special cases", () => {
  const grid: [number, number, number][] = [];
  for (const [q1, q2] of Q_PAIRS) for (const rho of RHOS) grid.push([q1, q2, rho * Math.sqrt(q1 * q2)]);
  const same = (x: string, y: string, tol: number, g = grid) => {
    for (const [q1, q2, c] of g) {
      const a = pairKernel(x, 'exact', q1, q2, c);
      const b = pairKernel(y, 'exact', q1, q2, c);
      const s = Math.max(1, Math.abs(b[0]), Math.abs(b[1]));
      assert.ok(
        Math.abs(a[0] - b[0]) <= tol * s && Math.abs(a[1] - b[1]) <= tol * s,
        `${x} vs ${y} at ${q1},${q2},${c}`,
      );
    }
  };
  const formula = (l: string, k: (q1: number, q2: number, c: number) => number[], tol: number) => {
    for (const [q1, q2, c] of grid) {
      const a = pairKernel(l, 'exact', q1, q2, c);
      const e = k(q1, q2, c);
      const s = Math.max(1, Math.abs(e[0]), Math.abs(e[1]));
      assert.ok(
        Math.abs(a[0] - e[0]) <= tol * s && Math.abs(a[1] - e[1]) <= tol * s,
        `${l} at ${q1},${q2},${c}: ${a} vs ${e}`,
      );
    }
  };
  it('leaky_relu(0) = relu, leaky_relu(α) = abrelu(α, 1), abs = leaky_relu(−1) (bit for bit)', () => {
    same('leaky_relu(0)', 'relu', 0);
    same('leaky_relu(0.2)', 'abrelu(0.2,1)', 0);
    same('abs', 'leaky_relu(-1)', 0);
  });
  it('monomial(1) = linear (K̃ = c, Σ̇ = 1), monomial(0) = 1, rectified_monomial(1) = relu', () => {
    formula('monomial(1)', (_q1, _q2, c) => [c, 1], 1e-15);
    formula('monomial(0)', () => [1, 0], 1e-15);
    same('rectified_monomial(1)', 'relu', 0);
  });
  it('monomial(k) = polynomial(0, …, 0, 1): the arc-cosine recurrence and the Hermite expansion agree', () => {
    for (let k = 0; k <= 6; k++) {
      const coef = [...Array(k).fill(0), 1].join(',');
      same(`monomial(${k})`, `polynomial(${coef})`, 1e-13);
    }
  });
  it("NT's monomial closed forms (degrees 2–5), sign = 1 − 2θ/π, Cho & Saul's J₂ for rectified_monomial(2)", () => {
    formula('monomial(2)', (q1, q2, c) => [2 * c * c + q1 * q2, 4 * c], 1e-14);
    formula('monomial(3)', (q1, q2, c) => [6 * c ** 3 + 9 * c * q1 * q2, 9 * (2 * c * c + q1 * q2)], 1e-14);
    const p = (q1: number, q2: number) => q1 * q2;
    formula(
      'monomial(4)',
      (q1, q2, c) => [
        3 * (8 * c ** 4 + 3 * p(q1, q2) * (8 * c * c + p(q1, q2))),
        16 * (6 * c ** 3 + 9 * c * p(q1, q2)),
      ],
      1e-13,
    );
    formula(
      'monomial(5)',
      (q1, q2, c) => [
        15 * c * (8 * c ** 4 + 5 * p(q1, q2) * (8 * c * c + 3 * p(q1, q2))),
        25 * 3 * (8 * c ** 4 + 3 * p(q1, q2) * (8 * c * c + p(q1, q2))),
      ],
      1e-13,
    );
    formula(
      'sign',
      (q1, q2, c) => [1 - (2 / Math.PI) * Math.acos(Math.max(-1, Math.min(1, c / Math.sqrt(q1 * q2)))), 0],
      1e-15,
    );
    formula(
      'rectified_monomial(2)',
      (q1, q2, c) => {
        const t = Math.acos(Math.max(-1, Math.min(1, c / Math.sqrt(q1 * q2))));
        const J2 = 3 * Math.sin(t) * Math.cos(t) + (Math.PI - t) * (1 + 2 * Math.cos(t) ** 2);
        const J1 = Math.sin(t) + (Math.PI - t) * Math.cos(t);
        return [(q1 * q2 * J2) / (2 * Math.PI), (4 * Math.sqrt(q1 * q2) * J1) / (2 * Math.PI)];
      },
      1e-14,
    );
  });
  it("hermite(k) at unit variances is NT's K̃ = c^k, Σ̇ = k·c^{k−1}", () => {
    for (let k = 0; k <= 5; k++)
      for (const c of [-1, -0.4, 0, 0.3, 1]) {
        const [a, b] = pairKernel(`hermite(${k})`, 'exact', 1, 1, c);
        assert.ok(Math.abs(a - c ** k) < 1e-14, `hermite(${k}) c=${c}: ${a}`);
        assert.ok(Math.abs(b - (k === 0 ? 0 : k * c ** (k - 1))) < 1e-13, `hermite(${k}) Σ̇ c=${c}: ${b}`);
      }
  });
  it('cos(a, b, c) = sin(a, b, c + π/2); rbf(γ) = NT exp(−γ(q + q′ − 2c)); sigmoid_like = erf(½, 1/2.4020563531719796, ½)', () => {
    same('cos(0.7,1.8,0.4)', `sin(0.7,1.8,${0.4 + Math.PI / 2})`, 1e-15);
    formula(
      'rbf(0.3)',
      (q1, q2, c) => [Math.exp(-0.3 * (q1 + q2 - 2 * c)), 0.6 * Math.exp(-0.3 * (q1 + q2 - 2 * c))],
      1e-15,
    );
    same('sigmoid_like', `erf(0.5,${1 / 2.4020563531719796},0.5)`, 0);
    // erf's default is today's erf, and erf(a, b, c) = a²·K̃_erf(b²Σ) + c²
    same('erf(1,1,0)', 'erf', 0);
    formula(
      'erf(0.5,2,0.1)',
      (q1, q2, c) => [
        0.25 * (2 / Math.PI) * Math.asin((8 * c) / Math.sqrt((1 + 8 * q1) * (1 + 8 * q2))) + 0.01,
        (0.25 * 4 * 4) / Math.PI / Math.sqrt((1 + 8 * q1) * (1 + 8 * q2) - 64 * c * c),
      ],
      1e-12,
    );
  });
  it("exp, gaussian and gelu: NT's formulas; gaussian(a, 0) is the constant a; expnormalized at ρ = 1", () => {
    formula(
      'exp(0.5,-0.7)',
      (q1, q2, c) => {
        const k = 0.25 * Math.exp((0.49 * (q1 + q2 + 2 * c)) / 2);
        return [k, 0.49 * k];
      },
      1e-15,
    );
    formula('gaussian(2,0)', () => [4, 0], 1e-15);
    // NT's gelu diagonal: q·(1/4 + (q/((q+1)√(1+2q)) + atan2(q, √(1+2q))/2)/π)
    for (const q of [0.1, 1, 3.7]) {
      const [k] = pairKernel('gelu', 'exact', q, q, q);
      const d = q * (0.25 + (q / ((q + 1) * Math.sqrt(1 + 2 * q)) + Math.atan2(q, Math.sqrt(1 + 2 * q)) / 2) / Math.PI);
      assert.ok(Math.abs(k - d) < 1e-14 * Math.max(1, d), `gelu diag q=${q}: ${k} vs ${d}`);
      const [e, ed] = pairKernel('expnormalized(0.5,0.2)', 'exact', q, q, q);
      assert.ok(Math.abs(e - q * Math.exp(0.5 * 1.2)) < 1e-14 * q && Math.abs(ed - 0.5 * Math.exp(0.6)) < 1e-14);
    }
    // gelu at a zero variance: K̃ = 0, Σ̇ = gelu′(0)·E[gelu′(v)] = ½·½
    const [g0, g1] = pairKernel('gelu', 'exact', 0, 0.7, 0);
    assert.ok(g0 === 0 && Math.abs(g1 - 0.25) < 1e-16);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('finite networks: VJP/JVP = central finite differences; structured = Jacobian-contraction NTK to 1e-10', () => {
  for (const l of LAYERS) {
    it(l, () => {
      // smooth layers on dense inputs; monomials and exponentials with small weights keep values moderate
      const arch = `dense(4,wstd=0.8,bstd=0.3),${l},dense(2)`;
      gradCheck(arch, [3]);
      const e = structuredVsJacobian(arch, [3]);
      assert.ok(e < 1e-10, `${l}: structured vs Jacobian ${e}`);
    });
  }
  it('expnormalized on images normalizes over channels at each position (conv, flatten)', () => {
    const arch = 'conv(3,3,bstd=0.2),expnormalized(0.7,-0.5),flatten,dense(2)';
    gradCheck(arch, [4, 4, 2]);
    assert.ok(structuredVsJacobian(arch, [4, 4, 2]) < 1e-10);
    gradCheck('conv(3,3,bstd=0.2),gabor,conv(2,3),sign,gap,dense(2)', [4, 4, 1]);
  });
});

describe('analytic NNGP and NTK = Monte-Carlo means of finite networks, error falling with width', () => {
  // chains of the new layers (each after a dense layer: Gaussian inputs), 16 samples; width 16 vs `w`
  const nets: [string, (w: number) => string, number][] = [
    [
      'leaky_relu, abs, sign',
      (w) => `dense(${w},bstd=0.2),leaky_relu(0.2),dense(${w}),abs,dense(${w}),sign,dense(1)`,
      512,
    ],
    [
      'polynomial, hermite(2)',
      (w) => `dense(${w},bstd=0.2),polynomial(0.1,1,0.3),dense(${w},wstd=0.6),hermite(2),dense(1)`,
      512,
    ],
    ['hermite(3)', (w) => `dense(${w},wstd=0.8,bstd=0.2),hermite(3),dense(1)`, 512],
    ['monomial(3)', (w) => `dense(${w},wstd=0.8,bstd=0.2),monomial(3),dense(1)`, 1024],
    ['rectified_monomial(2)', (w) => `dense(${w},bstd=0.2),rectified_monomial(2),dense(1)`, 1024],
    [
      'exp, gaussian, gabor, cos, rbf',
      (w) =>
        `dense(${w},bstd=0.2),exp(0.5,0.3),dense(${w}),gaussian,dense(${w},wstd=2),gabor,dense(${w},wstd=3),cos(1,1.5,0.3),dense(${w}),rbf(0.5),dense(1)`,
      512,
    ],
    [
      'erf(a,b,c), sigmoid_like, expnormalized, gelu, tanh',
      (w) =>
        `dense(${w},bstd=0.2),erf(0.8,1.2,0.1),dense(${w}),sigmoid_like,dense(${w},wstd=2),expnormalized(0.7,-0.5),dense(${w}),gelu,dense(${w},wstd=1.5),tanh,dense(1)`,
      512,
    ],
  ];
  for (const [name, arch, w] of nets) {
    it(name, async () => {
      const small = await monteCarloErrors(arch, [3], 16);
      const large = await monteCarloErrors(arch, [3], w);
      assert.ok(large[0] < 0.08 && large[1] < 0.08, `width ${w}: NNGP ${large[0]}, NTK ${large[1]}`);
      assert.ok(large[1] < small[1], `NTK error ${small[1]} → ${large[1]}`);
    });
  }
});
