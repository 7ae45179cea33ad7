/**
 * The activation steps on flat records (native/act_kernels.h): MLP NTKs dense(512),ACT,dense(512),ACT,dense(1) on n
 * MNIST images (784-d), ACT ∈ relu, erf, gelu, tanh — ntk-lab with the vectorized kernels (NTK_SIMD=auto), ntk-lab with
 * the TypeScript loops (NTK_SIMD=off), and numpy (bench/analytic/act_peer.py), interleaved rep by rep; each ntk-lab
 * measurement in its own child process (the worker pool reads NTK_SIMD when it starts), timed inside it (the kernel
 * call only). Prints the medians, the ratios and the largest difference to numpy (relative to max |K|).
 *
 * Then the activation step alone (activate() on a flat cross record of --step-entries entries from a Gram matrix,
 * one thread, in this process, NTK_SIMD switched between reps): CPU ns per entry, vectorized vs TypeScript.
 *
 *   npx tsx bench/analytic/act.ts [--n 2000] [--n-tanh 500] [--reps 3] [--acts relu,erf,gelu,tanh]
 *                                 [--step-entries 1000000] [--skip-mlp] [--cnn erf,gelu] [--n-cnn 12]
 *
 * --cnn: conv(16,3),ACT,gap,dense(1) NTKs on --n-cnn images (the activation fused with gap on full records, 784²
 * entries per pair), vectorized vs TypeScript (no numpy); --cnn '' skips them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { TANH_MIXTURE, activate, activationKernel } from '../../src/arch/layers/activations.js';
import { parseArch } from '../../src/arch/parse.js';
import type { KernelRecord } from '../../src/arch/record.js';
import { resetSimd } from '../../src/linalg/simd.js';
import { Rng } from '../../src/util/random.js';
import { loadDataset } from '../../src/data/index.js';
import { readMatrixNpy, writeMatrixNpy } from '../../src/io/npy.js';
import type { Matrix } from '../../src/linalg/matrix.js';
import { median } from '../../src/util/stats.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    'n-tanh': { type: 'string', default: '500' },
    reps: { type: 'string', default: '3' },
    acts: { type: 'string', default: 'relu,erf,gelu,tanh' },
    'step-entries': { type: 'string', default: '1000000' },
    'skip-mlp': { type: 'boolean', default: false },
    'n-cnn': { type: 'string', default: '12' },
    cnn: { type: 'string', default: 'erf,gelu' },
    child: { type: 'string' },
  },
});
// ACT, or cnn-ACT: conv(16,3),ACT,gap,dense(1) on 28 × 28 images (the activation fused with gap on full records)
const archOf = (act: string) =>
  act.startsWith('cnn-')
    ? `conv(16,3),${act.slice(4)},gap,dense(1)`
    : `dense(512,wstd=1.4,bstd=0.1),${act},dense(512,wstd=1.4,bstd=0.1),${act},dense(1,wstd=1.4,bstd=0.1)`;

if (values.child !== undefined) {
  // child: --child ACT,N,OUT.npy → {"seconds"} after writing K(X, X)
  const [act, n, out] = values.child.split(',');
  const X = loadDataset(`mnist:train:n=${n}`).X;
  const f = kernelFn(archOf(act), { inputShape: act.startsWith('cnn-') ? [28, 28, 1] : [X.cols] });
  // (the worker pool starts on the first call: not timed)
  await f(X.rowSlice(0, 4), null, 'ntk');
  const t = performance.now();
  const K = await f(X, null, 'ntk');
  const seconds = (performance.now() - t) / 1000;
  writeMatrixNpy(out, K);
  console.log(JSON.stringify({ seconds }));
  process.exit(0);
}

const reps = Number(values.reps);
const dir = mkdtempSync(join(tmpdir(), 'ntk-bench-act-'));
const last = (s: string) => JSON.parse(s.trim().split('\n').pop() as string) as { seconds: number };
function ours(act: string, n: number, simd: string, out: string): number {
  const r = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, '--child', `${act},${n},${out}`], {
    encoding: 'utf8',
    env: { ...process.env, NTK_SIMD: simd },
  });
  if (r.status !== 0) throw new Error(`ntk-lab child failed: ${r.stderr}`);
  return last(r.stdout).seconds;
}
function numpy(act: string, xPath: string, out: string): number {
  const mix = JSON.stringify({ a: Array.from(TANH_MIXTURE.a), b: Array.from(TANH_MIXTURE.b) });
  const args = [join(import.meta.dirname, 'act_peer.py'), act, xPath, '1.4', '0.1', out, mix];
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`numpy peer failed: ${r.stderr}`);
  return last(r.stdout).seconds;
}
const maxRel = (a: Matrix, b: Matrix) => {
  let m = 0;
  let s = 0;
  for (let i = 0; i < a.data.length; i++) {
    m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
    s = Math.max(s, Math.abs(b.data[i]));
  }
  return m / s;
};

/** activate() alone on a flat cross record of about `entries` entries (an n1 × n2 Gram of random features). */
function stepRows(entries: number): string[] {
  const out: string[] = [];
  const rng = new Rng(1);
  for (const spec of ['relu', 'abrelu(0.2,1)', 'erf', 'sigmoid_like', 'gelu', 'tanh']) {
    const kind = spec.split('(')[0];
    // (tanh: a 27 × 27 mixture per entry, 1/100 of the entries)
    const m = Math.round(Math.sqrt(kind === 'tanh' ? entries / 100 : entries));
    const D = 8;
    const z1 = Array.from({ length: m }, () => rng.normals(D));
    const z2 = Array.from({ length: m }, () => rng.normals(D));
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((t, x, i) => t + x * b[i], 0) / D;
    const nngp = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) nngp[i * m + j] = dot(z1[i], z2[j]);
    const k: KernelRecord = {
      n1: m,
      n2: m,
      self: false,
      spatial: 'flat',
      h: 1,
      w: 1,
      nngp,
      ntk: nngp.map((x) => x + 0.5),
      var1: Float64Array.from(z1, (v) => dot(v, v)),
      var2: Float64Array.from(z2, (v) => dot(v, v)),
    };
    const fn = activationKernel(parseArch(spec)[0] as Parameters<typeof activationKernel>[0]);
    const ns: Record<string, number[]> = { auto: [], off: [] };
    // (rep −1: untimed, warms up the JIT and the allocator)
    for (let r = -1; r < reps; r++)
      for (const mode of ['auto', 'off']) {
        process.env.NTK_SIMD = mode;
        resetSimd();
        const c0 = process.cpuUsage();
        activate(k, fn);
        const c = process.cpuUsage(c0);
        if (r >= 0) ns[mode].push(((c.user + c.system) * 1000) / (m * m));
      }
    const [v, o] = [median(ns.auto), median(ns.off)];
    out.push(`| ${spec} | ${m * m} | ${v.toFixed(1)} | ${o.toFixed(1)} | ${(o / v).toFixed(2)}× | ${reps} |`);
    console.log(`step ${spec}: vectorized ${v.toFixed(1)} ns/entry, TypeScript ${o.toFixed(1)} ns/entry`);
  }
  delete process.env.NTK_SIMD;
  resetSimd();
  return out;
}

const rows: string[] = [];
try {
  for (const act of values['skip-mlp'] ? [] : (values.acts as string).split(',')) {
    const n = Number(act === 'tanh' ? values['n-tanh'] : values.n);
    const xPath = join(dir, `x${n}.npy`);
    writeMatrixNpy(xPath, loadDataset(`mnist:train:n=${n}`).X);
    const t = { vec: [] as number[], off: [] as number[], np: [] as number[] };
    for (let r = 0; r < reps; r++) {
      const [kv, ko, kn] = ['vec', 'off', 'np'].map((w) => join(dir, `k_${w}.npy`));
      t.vec.push(ours(act, n, 'auto', kv));
      t.off.push(ours(act, n, 'off', ko));
      t.np.push(numpy(act, xPath, kn));
      if (r === 0) {
        const [a, b, c] = [kv, ko, kn].map(readMatrixNpy);
        console.log(
          `${act} n=${n}: vectorized vs TypeScript max rel diff ${maxRel(a, b).toExponential(1)}, vs numpy ${maxRel(a, c).toExponential(1)}`,
        );
      }
      console.log(
        `${act} rep ${r}: vectorized ${t.vec[r].toFixed(3)} s, TypeScript ${t.off[r].toFixed(3)} s, numpy ${t.np[r].toFixed(3)} s`,
      );
    }
    const [v, o, p] = [median(t.vec), median(t.off), median(t.np)];
    rows.push(
      `| ${act} MLP NTK, n = ${n} | ${v.toFixed(3)} s | ${o.toFixed(3)} s | ${p.toFixed(3)} s | ${(o / v).toFixed(2)}× | ${(p / v).toFixed(2)}× | ${reps} |`,
    );
  }
  if (rows.length > 0) {
    console.log(
      '\n| dense(512),ACT,dense(512),ACT,dense(1) on MNIST | vectorized | TypeScript (NTK_SIMD=off) | numpy | TypeScript / vectorized | numpy / vectorized | runs |\n|---|---|---|---|---|---|---|',
    );
    for (const r of rows) console.log(r);
  }
  // CNN + gap (no numpy peer here: bench/analytic/run.ts has the relu one)
  const cnnRows: string[] = [];
  const nCnn = Number(values['n-cnn']);
  for (const act of (values.cnn as string).split(',').filter((a) => a !== '')) {
    const t = { vec: [] as number[], off: [] as number[] };
    const [kv, ko] = [join(dir, 'c_vec.npy'), join(dir, 'c_off.npy')];
    for (let r = 0; r < reps; r++) {
      t.vec.push(ours(`cnn-${act}`, nCnn, 'auto', kv));
      t.off.push(ours(`cnn-${act}`, nCnn, 'off', ko));
      if (r === 0)
        console.log(
          `cnn ${act}: vectorized vs TypeScript max rel diff ${maxRel(readMatrixNpy(kv), readMatrixNpy(ko)).toExponential(1)}`,
        );
      console.log(`cnn ${act} rep ${r}: vectorized ${t.vec[r].toFixed(3)} s, TypeScript ${t.off[r].toFixed(3)} s`);
    }
    const [v, o] = [median(t.vec), median(t.off)];
    cnnRows.push(
      `| conv(16,3),${act},gap,dense(1), n = ${nCnn} | ${v.toFixed(3)} s | ${o.toFixed(3)} s | ${(o / v).toFixed(2)}× | ${reps} |`,
    );
  }
  if (cnnRows.length > 0) {
    console.log(
      '\n| CNN NTK on MNIST 28×28 | vectorized | TypeScript (NTK_SIMD=off) | TypeScript / vectorized | runs |\n|---|---|---|---|---|',
    );
    for (const r of cnnRows) console.log(r);
  }
  const steps = stepRows(Number(values['step-entries']));
  console.log(
    '\n| activation step alone (flat cross record) | entries | vectorized CPU ns/entry | TypeScript CPU ns/entry | TypeScript / vectorized | runs |\n|---|---|---|---|---|---|',
  );
  for (const r of steps) console.log(r);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
