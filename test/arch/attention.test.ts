// attention (neural-tangents' GlobalSelfAttention), one module: the finite network against a plain transcription of
// NT's apply_fn, its Jacobian (brute-force VJPs) against the structured empirical NTK, the analytic NNGP/NTK against
// Monte-Carlo means of finite networks (error falling with width), closed-form special cases, and the typed errors.
// (Central finite differences of VJP/JVP and structured = Jacobian-contraction NTK: test/nn/grad.test.ts and
// test/empirical/ntk.test.ts run attention networks among their cases.) Also dense on inputs with positions.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { formatArch, parseArch } from '../../src/arch/parse.js';
import { monteCarloNtk } from '../../src/empirical/montecarlo.js';
import { empiricalNtk } from '../../src/empirical/ntk.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { writeMatrixNpy } from '../../src/io/npy.js';
import { Matrix } from '../../src/linalg/index.js';
import { apply, buildNetwork, forward, init, layerParams, type Params, vjp } from '../../src/nn/index.js';
import { Rng } from '../../src/util/random.js';
import { randn as randX, relErr } from './helpers.js';

const throwsLike = (f: () => unknown, re: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof InvalidArgumentError && re.test(e.message));

describe('attention: parsing', () => {
  it('parses NT-style options with defaults and formats back', () => {
    const [a] = parseArch('attention(heads=4)');
    assert.deepEqual(a, {
      kind: 'attention',
      heads: 4,
      out: null,
      key: null,
      val: null,
      linearScaling: true,
      mechanism: 'softmax',
      keyStd: 1,
      queryStd: 1,
      valStd: 1,
      outStd: 1,
      bstd: 0,
      posEmb: 'none',
      posEmbChan: null,
      posEmbStd: 1,
      valPosEmb: false,
      frozen: false,
    });
    const s =
      'dense(8),attention(heads=2,out=6,key=3,val=5,linear_scaling=false,mechanism=identity,key_std=1.5,query_std=0.5,val_std=1.2,out_std=0.9,bstd=0.1,pos_emb=concat,pos_emb_chan=4,pos_emb_std=0.3,val_pos_emb=true,frozen),gap,dense(1)';
    assert.equal(formatArch(parseArch(s)), s);
    assert.deepEqual(parseArch(formatArch(parseArch(s))), parseArch(s));
  });
  it('bad arguments are typed errors naming the layer', () => {
    throwsLike(() => parseArch('attention(heads=0)'), /layer `attention`.*`heads` an integer ≥ 1/);
    throwsLike(() => parseArch('attention(mechanism=tanh)'), /`mechanism` softmax or identity or abs or relu/);
    throwsLike(() => parseArch('attention(pos_emb=rope)'), /`pos_emb` none or sum or concat/);
    throwsLike(() => parseArch('attention(linear_scaling=1)'), /`linear_scaling` true or false/);
    throwsLike(() => parseArch('attention(4)'), /0 positional/);
    // NT's distance-decay embeddings take a Python function: refused by name
    throwsLike(
      () => parseArch('attention(pos_emb=sum,pos_emb_decay_fn=exp)'),
      /independent per position.*pos_emb_decay_fn/,
    );
    throwsLike(() => parseArch('attention(pos_emb=sum,pos_emb_p_norm=1)'), /pos_emb_p_norm/);
  });
});

describe('attention: shape rules and errors', () => {
  it('attention on a flat input names the layer path', () => {
    throwsLike(
      () => buildNetwork('dense(8),attention(heads=2),dense(1)', [5]),
      /layer 1 `attention`.*positions.*T×1×d.*flat \(8\).*--input-shape T,D/,
    );
    throwsLike(() => buildNetwork('dense(8),residual(attention(heads=2)),dense(1)', [5]), /layer 1\.0 `attention`/);
  });
  it('heads must divide the channels unless key and val are given', () => {
    throwsLike(
      () => buildNetwork('dense(6),attention(heads=4),gap,dense(1)', [3, 1, 2]),
      /layer 1 `attention`.*`heads` dividing the input channels \(6\).*6\/4/,
    );
    assert.deepEqual(buildNetwork('dense(6),attention(heads=4,key=2,val=3)', [3, 1, 2]).outputShape, [3, 1, 6]);
    assert.deepEqual(buildNetwork('conv(6,2),attention(heads=3,out=5)', [3, 2, 1]).outputShape, [3, 2, 5]);
  });
  it('a summed embedding has the input channels', () =>
    throwsLike(
      () => buildNetwork('dense(6),attention(heads=2,pos_emb=sum,pos_emb_chan=4)', [3, 1, 2]),
      /`pos_emb_chan` equal to the input channels \(6\)/,
    ));
  it('√d_k logits with softmax: the finite network works, the kernel is refused (no closed form), naming the path', () => {
    const arch = 'dense(6),residual(attention(heads=2,linear_scaling=false),dense(6)),gap,dense(1)';
    const params = init(buildNetwork(arch, [3, 1, 2]), new Rng(0));
    assert.equal(empiricalNtk(params, randX(2, 6, 1)).rows, 2);
    throwsLike(
      () => kernelFn(arch, { inputShape: [3, 1, 2] }),
      /kernelFn.*layer 1\.0 `attention`.*linear_scaling=true, or mechanism=identity.*linear_scaling=false, mechanism=softmax.*NotImplementedError/,
    );
  });
});

/** neural-tangents' apply_fn for one example, transcribed with plain loops from its documented conventions. */
function ntAttention(
  params: Params,
  layers: number[],
  x: number[][],
  o: {
    H: number;
    dk: number;
    dv: number;
    linear: boolean;
    qk: number;
    ov: number;
    bstd: number;
    pe?: 'concat';
    peStd?: number;
    valPe?: boolean;
  },
): number[][] {
  const P = x.length;
  const L = layers.map((i) => layerParams(params, params.net.paramLayers[i]));
  let k = 0;
  let Xk = x;
  if (o.pe) {
    const E = L[k++];
    const nPe = E.W.length / P;
    // NT's pos_emb (P × n_pe) scaled by W_pos_emb_std, concatenated on the channel axis
    Xk = x.map((row, p) => [...row, ...Array.from({ length: nPe }, (_, c) => (o.peStd ?? 1) * E.W[c * P + p])]);
  }
  const Ck = Xk[0].length;
  const WQ = o.linear ? null : L[k++].W;
  const WK = L[k++].W;
  const WV = L[k++].W;
  const { W: WO, b } = L[k++];
  const Xv = o.valPe ? Xk : x;
  const Cv = Xv[0].length;
  const proj = (X: number[][], W: Float64Array, rows: number, cols: number) =>
    X.map((r) => Array.from({ length: rows }, (_, j) => r.reduce((s, v, c) => s + v * W[j * cols + c], 0)));
  const keys = proj(Xk, WK, o.H * o.dk, Ck);
  const queries = WQ ? proj(Xk, WQ, o.H * o.dk, Ck) : keys;
  const vals = proj(Xv, WV, o.H * o.dv, Cv);
  const norm = Ck * (o.linear ? o.dk : Math.sqrt(o.dk));
  const heads = x.map(() => new Array(o.H * o.dv).fill(0));
  for (let h = 0; h < o.H; h++) {
    for (let p = 0; p < P; p++) {
      const g = Array.from({ length: P }, (_, q) => {
        let s = 0;
        for (let j = 0; j < o.dk; j++) s += queries[p][h * o.dk + j] * keys[q][h * o.dk + j];
        return (s * o.qk) / norm;
      });
      const m = Math.max(...g);
      const e = g.map((v) => Math.exp(v - m));
      const z = e.reduce((a, v) => a + v, 0);
      for (let q = 0; q < P; q++)
        for (let v = 0; v < o.dv; v++) heads[p][h * o.dv + v] += (e[q] / z) * vals[q][h * o.dv + v];
    }
  }
  const out = WO.length / (o.H * o.dv);
  const s = o.ov / Math.sqrt(o.dv * o.H * Cv);
  return heads.map((r) =>
    Array.from(
      { length: out },
      (_, c) => s * r.reduce((a, v, j) => a + v * WO[c * o.H * o.dv + j], 0) + (b ? o.bstd * b[c] : 0),
    ),
  );
}

describe("attention: the finite network is neural-tangents' apply_fn", () => {
  const cases: [string, Parameters<typeof ntAttention>[3], number[]][] = [
    [
      'attention(heads=2,key=3,val=2,out=4,key_std=1.3,query_std=0.8,val_std=1.1,out_std=0.7,bstd=0.4)',
      { H: 2, dk: 3, dv: 2, linear: true, qk: 1.3 * 0.8, ov: 1.1 * 0.7, bstd: 0.4 },
      [0, 1, 2],
    ],
    [
      'attention(heads=3,key=2,val=3,linear_scaling=false,pos_emb=concat,pos_emb_chan=2,pos_emb_std=0.6,val_pos_emb=true)',
      { H: 3, dk: 2, dv: 3, linear: false, qk: 1, ov: 1, bstd: 0, pe: 'concat', peStd: 0.6, valPe: true },
      [0, 1, 2, 3, 4],
    ],
  ];
  for (const [arch, o, layers] of cases) {
    it(arch, () => {
      const net = buildNetwork(arch, [2, 2, 3]);
      const params = init(net, new Rng(4));
      const X = randX(2, 12, 5);
      const Y = apply(params, X);
      const outC = net.outDim / 4;
      for (let e = 0; e < 2; e++) {
        const x = Array.from({ length: 4 }, (_, p) => Array.from(X.data.subarray(e * 12 + p * 3, e * 12 + p * 3 + 3)));
        const ref = ntAttention(params, layers, x, o);
        for (let p = 0; p < 4; p++)
          for (let c = 0; c < outC; c++) {
            const got = Y.data[e * net.outDim + p * outC + c];
            assert.ok(Math.abs(got - ref[p][c]) < 1e-12, `${arch} e=${e} p=${p} c=${c}: ${got} vs ${ref[p][c]}`);
          }
      }
    });
  }
});

describe('attention: the empirical NTK equals the Gram of brute-force Jacobian rows', () => {
  for (const arch of [
    'dense(5,bstd=0.1),attention(heads=1,key=3,val=2,pos_emb=sum,val_pos_emb=true,bstd=0.3),flatten,dense(2)',
    'conv(4,2),attention(heads=2,linear_scaling=false,mechanism=relu,pos_emb=concat),gap,dense(3)',
  ]) {
    it(arch, () => {
      const net = buildNetwork(arch, [2, 2, 1]);
      const params = init(net, new Rng(8));
      const X = randX(3, 4, 9);
      const O = net.outDim;
      const J: Float64Array[] = [];
      for (let i = 0; i < 3; i++) {
        const { tape } = forward(params, X.rowSlice(i, i + 1));
        for (let o = 0; o < O; o++) {
          const e = new Matrix(1, O);
          e.data[o] = 1;
          J.push(vjp(tape, e, { inputGrad: false }).grad);
        }
      }
      const K = empiricalNtk(params, X, null, { outputs: 'full' });
      let scale = 0;
      for (const v of K.data) scale = Math.max(scale, Math.abs(v));
      for (let a = 0; a < J.length; a++)
        for (let b = 0; b < J.length; b++) {
          let s = 0;
          for (let t = 0; t < J[a].length; t++) s += J[a][t] * J[b][t];
          assert.ok(Math.abs(K.get(a, b) - s) < 1e-10 * scale, `(${a}, ${b}): ${K.get(a, b)} vs ${s}`);
        }
    });
  }
});

describe('attention: analytic kernels', () => {
  it('one position: attention is the two affine maps of values and output (dense, dense) exactly', async () => {
    const X = randX(4, 3, 2);
    const att = await kernelFn(
      'dense(8,bstd=0.3),relu,attention(heads=2,val_std=1.3,out_std=0.8,bstd=0.2),gap,dense(1)',
      {
        inputShape: [1, 1, 3],
      },
    )(X, null, 'both');
    const dd = await kernelFn('dense(8,bstd=0.3),relu,dense(8,wstd=1.3),dense(8,wstd=0.8,bstd=0.2),gap,dense(1)', {
      inputShape: [1, 1, 3],
    })(X, null, 'both');
    assert.ok(relErr(att.ntk.data, dd.ntk.data) < 1e-13 && relErr(att.nngp.data, dd.nngp.data) < 1e-13);
  });

  it('cross kernels equal the blocks of the joint kernel; workers give the same values', async () => {
    const arch = 'dense(8),attention(heads=2,pos_emb=concat,val_pos_emb=true,bstd=0.1),relu,gap,dense(1)';
    const X = randX(5, 6, 3);
    const X2 = randX(3, 6, 4);
    const both = new Matrix(8, 6, Float64Array.from([...X.data, ...X2.data]));
    const kf = kernelFn(arch, { inputShape: [3, 1, 2], workers: 0 });
    const joint = await kf(both, null, 'ntk');
    const cross = await kf(X, X2, 'ntk');
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 3; j++) assert.ok(Math.abs(cross.get(i, j) - joint.get(i, 5 + j)) < 1e-12 * joint.get(i, i));
    const w = await kernelFn(arch, { inputShape: [3, 1, 2], workers: 2, tile: 2 })(X, X2, 'ntk');
    assert.ok(relErr(w.data, cross.data) < 1e-14);
  });

  // Monte-Carlo means over seeds of the finite network: the NTK by empirical NTKs, the NNGP by f(x)f(x′) over a
  // 256-wide readout; the relative error at width 512 is small and below the error at width 16
  const seqX = randX(4, 6, 7);
  const imgX = randX(4, 4, 8);
  const mcCases: [string, (w: number) => string, number[], Matrix, [number, number]][] = [
    [
      'softmax, linear scaling (sequence)',
      (w) => `dense(${w},bstd=0.2),attention(heads=4,bstd=0.3),gap,dense(1)`,
      [3, 1, 2],
      seqX,
      // (the NNGP of softmax attention converges more slowly: all channels share one random attention matrix per seed)
      [0.1, 0.05],
    ],
    [
      'softmax + concat embedding into values (image, after conv and relu)',
      (w) =>
        `conv(${w},2),relu,attention(heads=2,key_std=2,pos_emb=concat,pos_emb_std=1.5,val_pos_emb=true),flatten,dense(1)`,
      [2, 2, 1],
      imgX,
      [0.05, 0.05],
    ],
    [
      // (1/√d_k logits stay random at any d_k: the output averages over heads, so the heads grow with the width)
      'identity, √d_k scaling, summed embedding',
      (w) =>
        `dense(${w}),attention(heads=${w / 8},key=8,val=8,linear_scaling=false,mechanism=identity,pos_emb=sum,pos_emb_std=0.5),gap,dense(1)`,
      [3, 1, 2],
      seqX,
      [0.1, 0.1],
    ],
  ];
  for (const [name, arch, shape, X, tol] of mcCases) {
    it(`${name}: analytic NNGP and NTK = Monte-Carlo means, error falling with width`, async () => {
      const errs: number[][] = [];
      for (const w of [16, 512]) {
        const an = await kernelFn(arch(w), { inputShape: shape, workers: 0 })(X, null, 'both');
        const mc = monteCarloNtk(buildNetwork(arch(w), shape), X, null, { samples: 16, seed: 3 });
        const net = buildNetwork(arch(w).replace(/dense\(1\)$/, 'dense(256)'), shape);
        const K = new Float64Array(16);
        for (let s = 0; s < 16; s++) {
          const Y = apply(init(net, new Rng(100 + s)), X);
          for (let i = 0; i < 4; i++)
            for (let j = 0; j < 4; j++) {
              let v = 0;
              for (let o = 0; o < 256; o++) v += Y.data[i * 256 + o] * Y.data[j * 256 + o];
              K[i * 4 + j] += v / 256 / 16;
            }
        }
        errs.push([relErr(K, an.nngp.data), relErr(mc.mean.data, an.ntk.data)]);
      }
      const [small, large] = errs;
      assert.ok(large[0] < tol[0] && large[1] < tol[1], `width 512: NNGP ${large[0]}, NTK ${large[1]}`);
      assert.ok(large[1] < small[1], `NTK error ${small[1]} → ${large[1]}`);
    });
  }
});

describe('dense on inputs with positions (NT: the channel axis at every position)', () => {
  it('is conv(out, 1): same outputs, empirical NTK and analytic kernels', async () => {
    const shape = [3, 2, 2];
    const a = 'dense(5,bstd=0.2),relu,gap,dense(1)';
    const b = 'conv(5,1,bstd=0.2),relu,gap,dense(1)';
    const X = randX(3, 12, 1);
    const pa = init(buildNetwork(a, shape), new Rng(2));
    const pb = init(buildNetwork(b, shape), new Rng(2));
    assert.deepEqual(pa.theta, pb.theta);
    assert.ok(relErr(apply(pa, X).data, apply(pb, X).data) < 1e-15);
    assert.ok(relErr(empiricalNtk(pa, X).data, empiricalNtk(pb, X).data) < 1e-13);
    for (const param of ['ntk', 'standard'] as const) {
      const ka = await kernelFn(a, { inputShape: shape, param })(X, null, 'both');
      const kb = await kernelFn(b, { inputShape: shape, param })(X, null, 'both');
      assert.ok(relErr(ka.ntk.data, kb.ntk.data) < 1e-13 && relErr(ka.nngp.data, kb.nngp.data) < 1e-13);
    }
  });

  const dir = mkdtempSync(join(tmpdir(), 'ntk-attn-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const ntk = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  it('CLI: a sequence is --input-shape T,D; an output with positions is refused with the same text in both paths', () => {
    const x = join(dir, 'x.npy');
    writeMatrixNpy(x, randX(3, 6, 3));
    const arch = 'dense(4),attention(heads=2),gap,dense(1)';
    for (const cmd of ['kernel', 'empirical'])
      assert.equal(
        ntk(cmd, '--arch', arch, '--x', x, '--input-shape', '3,2', '--out', join(dir, `${cmd}.npy`)).status,
        0,
      );
    const msgs = ['kernel', 'empirical'].map((cmd) => {
      const r = ntk(
        cmd,
        '--arch',
        'dense(4),relu,dense(1)',
        '--x',
        x,
        '--input-shape',
        '3,2',
        '--out',
        join(dir, 'e.npy'),
      );
      assert.equal(r.status, 2);
      return r.stderr.replace(/^.*?(kernelFn|empiricalNtk): /, '');
    });
    assert.match(msgs[0], /output is flat.*image 3×1×1.*layer 2 `dense`.*`flatten` or `gap`/);
    assert.equal(msgs[0], msgs[1]);
  });
});
