// `aggregate` (neural-tangents' Aggregate: message passing over a given adjacency) and the per-logit kernel outputs
// that node-level kernels use: NT's convention y_j = Σ_i A[i, j]·x_i checked by a direct loop, closed forms of
// linear graph networks, Monte Carlo of graph- and node-level kernels, workers, the CLI's --adjacency / --outputs.
// Finite differences and structured = Jacobian NTK: test/nn/grad.test.ts, test/empirical/ntk.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { empiricalNtk } from '../../src/empirical/ntk.js';
import { readMatrixNpy, writeMatrixNpy, writeNpy } from '../../src/io/npy.js';
import { Matrix } from '../../src/linalg/matrix.js';
import { apply, buildNetwork, init } from '../../src/nn/network.js';
import { Rng } from '../../src/util/random.js';
import { convergence, randn } from './helpers.js';

// a directed weighted graph on V = 5 nodes with self-loops on some (A[i][j]: edge i → j)
const V = 5;
const A = new Matrix(
  V,
  V,
  Float64Array.of(1, 1, 0, 0, 0.5, 0, 0, 1, 0, 0, 0.3, 0, 1, 1, 0, 0, 0.8, 0, 0, 1, 1, 0, 0, 0.6, 1),
);
const F = 3;
const X = randn(4, V * F, 21);
/** z = Aᵀ x per example, by the definition: z[j, c] = Σ_i A[i, j]·x[i, c] */
const aggregated = (x: Matrix): Float64Array => {
  const z = new Float64Array(x.data.length);
  for (let e = 0; e < x.rows; e++)
    for (let j = 0; j < V; j++)
      for (let c = 0; c < F; c++) {
        let s = 0;
        for (let i = 0; i < V; i++) s += A.get(i, j) * x.data[(e * V + i) * F + c];
        z[(e * V + j) * F + c] = s;
      }
  return z;
};
const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('aggregate: finite network', () => {
  it("node j receives Σ_i A[i, j]·x_i (NT's convention), for [V, 1, F] and for nodes on an h×w grid", () => {
    const z = aggregated(X);
    for (const shape of [
      [V, 1, F],
      [1, V, F],
    ]) {
      const y = apply(init(buildNetwork('aggregate', shape, 'ntk', { adjacency: A }), new Rng(0)), X).data;
      for (let i = 0; i < z.length; i++) assert.ok(close(y[i], z[i], 1e-15), `${i}: ${y[i]} vs ${z[i]}`);
    }
  });

  it('bad input: no adjacency, the wrong size, non-finite entries, a flat input → typed errors naming the layer', () => {
    assert.throws(
      () => buildNetwork('conv(4,1),aggregate,gap,dense(1)', [V, 1, F]),
      /layer 1 `aggregate`.*given an adjacency matrix \(5 × 5\).*--adjacency/,
    );
    assert.throws(
      () => buildNetwork('aggregate', [V, 1, F], 'ntk', { adjacency: new Matrix(4, 4) }),
      /layer 0 `aggregate`.*adjacency matrix of 5 × 5.*the adjacency is 4 × 4/,
    );
    const bad = new Matrix(V, V, A.data.slice());
    bad.data[7] = Number.NaN;
    assert.throws(
      () => buildNetwork('aggregate', [V, 1, F], 'ntk', { adjacency: bad }),
      /finite adjacency.*adjacency\[1\]\[2\] = NaN/,
    );
    assert.throws(
      () => buildNetwork('dense(4),aggregate', [V * F], 'ntk', { adjacency: A }),
      /layer 1 `aggregate`.*nodes as positions/,
    );
  });
});

describe('aggregate: analytic kernel', () => {
  it('closed forms: graph-level aggregate,gap,dense and node-level aggregate,conv(1,1) (outputs full)', async () => {
    const z = aggregated(X);
    const n = X.rows;
    const g = await kernelFn('aggregate,gap,dense(1)', { inputShape: [V, 1, F], adjacency: A, workers: 0 })(
      X,
      null,
      'both',
    );
    // NNGP = NTK = (1/F)·mean_j z_j · mean_j z′_j
    const mean = (e: number, c: number) => {
      let s = 0;
      for (let j = 0; j < V; j++) s += z[(e * V + j) * F + c];
      return s / V;
    };
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let k = 0;
        for (let c = 0; c < F; c++) k += mean(i, c) * mean(j, c);
        assert.ok(close(g.nngp.get(i, j), k / F, 1e-13) && close(g.ntk.get(i, j), k / F, 1e-13));
      }
    const nl = await kernelFn('aggregate,conv(1,1)', {
      inputShape: [V, 1, F],
      adjacency: A,
      outputs: 'full',
      workers: 0,
    })(X, null, 'both');
    assert.deepEqual([nl.nngp.rows, nl.nngp.cols], [n * V, n * V]);
    for (let a = 0; a < n * V; a++)
      for (let b = 0; b < n * V; b++) {
        let k = 0;
        for (let c = 0; c < F; c++) k += z[a * F + c] * z[b * F + c];
        assert.ok(close(nl.nngp.get(a, b), k / F, 1e-13), `${a},${b}: ${nl.nngp.get(a, b)} vs ${k / F}`);
        assert.ok(close(nl.ntk.get(a, b), k / F, 1e-13));
      }
  });

  it('outputs full: zero between channels, its diagonal blocks average to the trace kernel; workers agree', async () => {
    const arch = 'conv(3,1),relu,aggregate,conv(4,1,bstd=0.2),erf,aggregate,conv(2,1)';
    const opts = { inputShape: [V, 1, F], adjacency: A } as const;
    const X2 = randn(3, V * F, 22);
    const tr = await kernelFn(arch, { ...opts, workers: 0 })(X, X2, 'ntk');
    const full = await kernelFn(arch, { ...opts, outputs: 'full', workers: 0 })(X, X2, 'ntk');
    const O = V * 2;
    assert.deepEqual([full.rows, full.cols], [4 * O, 3 * O]);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let o = 0; o < O; o++) {
          s += full.get(i * O + o, j * O + o);
          for (let o2 = 0; o2 < O; o2++) if (o % 2 !== o2 % 2) assert.equal(full.get(i * O + o, j * O + o2), 0);
        }
        assert.ok(close(s / O, tr.get(i, j), 1e-13));
      }
    // symmetric per-logit kernel and worker threads (the adjacency travels to them)
    const sym0 = await kernelFn(arch, { ...opts, outputs: 'full', workers: 0, tile: 2 })(X, null, 'both');
    const sym2 = await kernelFn(arch, { ...opts, outputs: 'full', workers: 2, tile: 2 })(X, null, 'both');
    assert.deepEqual(Array.from(sym2.ntk.data), Array.from(sym0.ntk.data));
    assert.deepEqual(Array.from(sym2.nngp.data), Array.from(sym0.nngp.data));
    for (let a = 0; a < 4 * O; a++) for (let b = 0; b < a; b++) assert.equal(sym0.ntk.get(a, b), sym0.ntk.get(b, a));
  });

  it('graph-level kernel = Monte-Carlo mean of finite GNNs, error falling with width', async () => {
    const [small, large] = await convergence(
      (w) => `conv(${w},1),relu,aggregate,conv(${w},1,bstd=0.1),relu,aggregate,gap,dense(1)`,
      [V, 1, F],
      X,
      [16, 256],
      16,
      { adjacency: A },
    );
    assert.ok(large.nngp < 0.06 && large.ntk < 0.06, JSON.stringify([small, large]));
    assert.ok(large.ntk < small.ntk && large.nngp < small.nngp, JSON.stringify([small, large]));
  });

  it('node-level kernel (outputs full) = Monte-Carlo mean of the finite per-node NTK, error falling with width', async () => {
    const [small, large] = await convergence(
      (w) => `conv(${w},1),relu,aggregate,conv(${w},1),erf,aggregate,conv(1,1)`,
      [V, 1, F],
      X.rowSlice(0, 2),
      [16, 256],
      16,
      { adjacency: A, outputs: 'full' },
    );
    assert.ok(large.nngp < 0.06 && large.ntk < 0.06, JSON.stringify([small, large]));
    assert.ok(large.ntk < small.ntk && large.nngp < small.nngp, JSON.stringify([small, large]));
  });
});

describe('CLI: --adjacency (ntk kernel, ntk empirical) and ntk kernel --outputs full', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ntk-aggregate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const ntk = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  const x = join(dir, 'x.npy');
  const adj = join(dir, 'a.npy');
  writeNpy(x, X.data, [4, V, 1, F]);
  writeMatrixNpy(adj, A);
  const arch = 'conv(4,1),relu,aggregate,conv(1,1)';
  it('ntk kernel writes the node-level kernel kernelFn computes; ntk empirical the finite one', async () => {
    const out = join(dir, 'k.npy');
    const r = ntk('kernel', '--arch', arch, '--x', x, '--adjacency', adj, '--outputs', 'full', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const ref = await kernelFn(arch, { inputShape: [V, 1, F], adjacency: A, outputs: 'full' })(X, null, 'ntk');
    assert.deepEqual(Array.from(readMatrixNpy(out).data), Array.from(ref.data));
    const eout = join(dir, 'e.npy');
    const e = ntk('empirical', '--arch', arch, '--x', x, '--adjacency', adj, '--outputs', 'full', '--out', eout);
    assert.equal(e.status, 0, e.stderr);
    const net = buildNetwork(arch, [V, 1, F], 'ntk', { adjacency: A });
    const eref = empiricalNtk(init(net, new Rng(0)), X, null, { outputs: 'full' });
    assert.deepEqual(Array.from(readMatrixNpy(eout).data), Array.from(eref.data));
  });
  it('a non-square adjacency: exit 2 with the reason', () => {
    const bad = join(dir, 'bad.npy');
    writeNpy(bad, new Float64Array(V * 4), [V, 4]);
    const r = ntk('kernel', '--arch', arch, '--x', x, '--adjacency', bad, '--out', join(dir, 'k2.npy'));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--adjacency: must be a square 2-D \(V, V\) array.*\(5, 4\)/);
  });
});
