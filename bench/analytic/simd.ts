/**
 * The vectorized analytic kernels (src/linalg/simd.ts) against the TypeScript loops, in one run:
 *
 *   npx tsx bench/analytic/simd.ts [--n 100] [--cases fused,flatten,avgpool] [--skip-kernel] [--skip-scalar]
 *
 * 1. kernel: one kernel (relu + mean over all positions on a full 784 × 784 record, activateMeanAll) in every form
 *    this machine runs — TypeScript, WebAssembly without and with SIMD (bench/analytic/wasm, built with clang when
 *    present), native baseline / AVX2 / AVX-512 — ns per entry (process CPU time, so the shared machine's load
 *    dilutes it less than wall time), bits compared with the TypeScript result.
 * 2. rows: CNN kernels on n MNIST images, NTK_SIMD=off vs the default, each in a child process (wall and CPU
 *    seconds, load average), and the worst relative difference of the outputs.
 * 3. the flop limit of conv(64,3),relu,gap,dense(1) (bench/analytic/flops.ts): the fused kernel's operation count
 *    over one core's peak FMA rate per CPU second, against the process's CPU seconds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { activateMeanAll, reluKernel } from '../../src/arch/layers/activations.js';
import type { KernelRecord } from '../../src/arch/record.js';
import { loadDataset } from '../../src/data/index.js';
import { readMatrixNpy, writeMatrixNpy } from '../../src/io/npy.js';
import { resetSimd, simdKernels, simdPaths } from '../../src/linalg/simd.js';
import { Rng } from '../../src/util/random.js';
import { FLOPS_PER_ENTRY, fusedEntries, peakFma } from './flops.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100' },
    cases: { type: 'string', default: 'fused,flatten,avgpool' },
    'skip-kernel': { type: 'boolean', default: false },
    'skip-scalar': { type: 'boolean', default: false },
    child: { type: 'string' },
    out: { type: 'string' },
  },
});
const CASES: Record<string, string> = {
  fused: 'conv(64,3),relu,gap,dense(1)',
  flatten: 'conv(32,3,stride=2),relu,conv(32,3,stride=2),relu,flatten,dense(1)',
  avgpool: 'conv(16,3),relu,avgpool(2),conv(16,3),relu,gap,dense(1)',
};
const n = Number(values.n);
const load = () => loadavg()[0].toFixed(1);
const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

// ---- child: one kernel, timed, written as .npy
if (values.child) {
  const X = loadDataset(`mnist:train:n=${n}`).X;
  const f = kernelFn(CASES[values.child], { inputShape: [28, 28, 1] });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const K = await f(X, null, 'ntk');
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(process.cpuUsage(c0));
  writeMatrixNpy(values.out as string, K);
  console.log(JSON.stringify({ wall, cpu, path: simdKernels()?.path ?? 'TypeScript' }));
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'ntk-bench-simd-'));
try {
  console.log(
    `load average at start ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; paths ${simdPaths().join(', ')}`,
  );
  // ---- 1. one kernel in every form
  if (!values['skip-kernel']) {
    const P = 784;
    const n2 = 4;
    const rec = randomFull(P, n2);
    const entries = n2 * P * P;
    const time = (f: () => void): number => {
      let best = Infinity;
      for (let r = 0; r < 3; r++) {
        const c0 = process.cpuUsage();
        f();
        best = Math.min(best, cpuSeconds(process.cpuUsage(c0)));
      }
      return (best / entries) * 1e9;
    };
    process.env.NTK_SIMD = 'off';
    resetSimd();
    let ref: Float64Array[] = [];
    const rows: [string, number, boolean][] = [];
    const tsNs = time(() => {
      const m = activateMeanAll(rec, reluKernel);
      ref = [m.nngp, m.ntk as Float64Array];
    });
    rows.push(['TypeScript (V8)', tsNs, true]);
    const same = (a: Float64Array[]) => a.every((x, k) => x.every((v, i) => Object.is(v, ref[k][i])));
    for (const [name, wasm] of wasmKernels(dir)) {
      const out: Float64Array[] = [];
      rows.push([name, time(() => out.splice(0, 2, ...wasm(rec))), false]);
      rows[rows.length - 1][2] = same(out);
    }
    for (const path of simdPaths().reverse()) {
      process.env.NTK_SIMD = path;
      resetSimd();
      let out: Float64Array[] = [];
      const ns = time(() => {
        const m = activateMeanAll(rec, reluKernel);
        out = [m.nngp, m.ntk as Float64Array];
      });
      rows.push([`native ${path}`, ns, same(out)]);
    }
    delete process.env.NTK_SIMD;
    resetSimd();
    console.log(`\nkernel: relu + mean over all positions, ${n2} pairs × ${P}², NTK (load ${load()})`);
    console.log('| implementation | ns / entry (CPU) | vs TypeScript | bits = TypeScript |\n|---|---|---|---|');
    for (const [name, ns, ok] of rows)
      console.log(`| ${name} | ${ns.toFixed(2)} | ${(tsNs / ns).toFixed(1)}× | ${ok ? 'yes' : 'NO'} |`);
  }

  // ---- 2. rows
  const peak = peakFma(dir);
  if (!peak) console.log('(flop limit skipped: g++ is needed for bench/analytic/peak_fma.cc)');
  const results: string[] = [];
  for (const c of (values.cases as string).split(',')) {
    const run = (mode: string) => {
      const out = join(dir, `${c}-${mode}.npy`);
      const l0 = load();
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', import.meta.filename, '--child', c, '--n', `${n}`, '--out', out],
        {
          encoding: 'utf8',
          env: { ...process.env, NTK_SIMD: mode },
        },
      );
      if (r.status !== 0) throw new Error(`child ${c} ${mode} failed: ${r.stderr}`);
      const j = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { wall: number; cpu: number; path: string };
      return { ...j, load: `${l0}→${load()}`, K: readMatrixNpy(out).data };
    };
    const fast = run('auto');
    const slow = values['skip-scalar'] ? null : run('off');
    let worst = 0;
    if (slow)
      for (let i = 0; i < fast.K.length; i++)
        worst = Math.max(worst, Math.abs(fast.K[i] - slow.K[i]) / Math.abs(slow.K[i]));
    const fmt = (r: { wall: number; cpu: number; load: string } | null) =>
      r ? `${r.wall.toFixed(2)} s (CPU ${r.cpu.toFixed(1)} s, load ${r.load})` : '—';
    results.push(
      `| ${CASES[c]}, n = ${n} | ${fmt(slow)} | ${fmt(fast)} [${fast.path}] | ${slow ? (slow.wall / fast.wall).toFixed(1) + '×' : '—'} | ${slow ? worst.toExponential(1) : '—'} |`,
    );
    if (c === 'fused' && peak) {
      const flops = fusedEntries(n) * FLOPS_PER_ENTRY;
      // CPU seconds at the peak: the flops over one core's rate (per CPU second)
      const limit = flops / (peak.perCore * 1e9);
      results.push(
        `|   ↳ flop count ${flops.toExponential(2)} (${FLOPS_PER_ENTRY} per computed entry); peak FMA ${peak.perCore.toFixed(1)} GFlop per CPU s per core → limit ${limit.toFixed(2)} CPU s | | CPU ${fast.cpu.toFixed(1)} s = ${(fast.cpu / limit).toFixed(2)}× the limit | | |`,
      );
    }
  }
  console.log(
    '\n| case | TypeScript loops (NTK_SIMD=off) | vectorized | speed-up | worst relative difference |\n|---|---|---|---|---|',
  );
  for (const r of results) console.log(r);
  if (peak) console.log(`\npeak FMA (bench/analytic/peak_fma.cc): ${JSON.stringify(peak.raw)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** A full cross record (1 × n2 pairs, P positions) with every variance positive and correlations spread over [−1, 1]. */
function randomFull(P: number, n2: number): KernelRecord {
  const rng = new Rng(1);
  const var1 = Float64Array.from({ length: P }, () => 1 + Math.abs(rng.normal()));
  const var2 = Float64Array.from({ length: n2 * P }, () => 1 + Math.abs(rng.normal()));
  const nngp = new Float64Array(n2 * P * P);
  const ntk = new Float64Array(nngp.length);
  for (let j = 0; j < n2; j++)
    for (let p = 0; p < P; p++)
      for (let q = 0; q < P; q++) {
        const i = (j * P + p) * P + q;
        nngp[i] = 0.99 * Math.sqrt(var1[p] * var2[j * P + q]) * Math.tanh(rng.normal());
        ntk[i] = rng.normal();
      }
  return { n1: 1, n2, self: false, spatial: 'full', h: 28, w: 28, nngp, ntk, var1, var2 };
}

/** The part of the WebAssembly JS API used here (tsconfig has no DOM lib). */
interface Wasm {
  Memory: new (d: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}

/** The same kernel built for WebAssembly (scalar and SIMD), when clang can build it. */
function wasmKernels(d: string): [string, (k: KernelRecord) => Float64Array[]][] {
  const WA = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
  try {
    execFileSync('bash', [join(import.meta.dirname, 'wasm', 'build.sh'), d], { stdio: 'pipe' });
  } catch {
    console.log('(WebAssembly rows skipped: clang with the wasm32 target and wasm-ld are needed)');
    return [];
  }
  return (['scalar', 'simd'] as const).map((v) => {
    const memory = new WA.Memory({ initial: 4096, maximum: 4096 });
    const mod = new WA.Module(readFileSync(join(d, `relu_mean_${v}.wasm`)));
    const inst = new WA.Instance(mod, { env: { memory } });
    const f = inst.exports.reluMeanAll as (...a: number[]) => void;
    return [
      `WebAssembly ${v === 'simd' ? 'SIMD (f64x2)' : 'scalar'}`,
      (k: KernelRecord) => {
        const pairs = k.n1 * k.n2;
        const P = k.h * k.w;
        // above the module's data and its 64 KiB stack
        let off = 1 << 20;
        const put = (a: Float64Array) => {
          const at = off;
          new Float64Array(memory.buffer, at, a.length).set(a);
          off += a.length * 8;
          return at;
        };
        const pK = put(k.nngp);
        const pT = put(k.ntk as Float64Array);
        const p1 = put(k.var1);
        const p2 = put(k.var2);
        const oK = put(new Float64Array(pairs));
        const oT = put(new Float64Array(pairs));
        const s = put(new Float64Array(5 * P + 64));
        f(pK, pT, p1, p2, k.n1, k.n2, P, oK, oT, s);
        return [new Float64Array(memory.buffer, oK, pairs).slice(), new Float64Array(memory.buffer, oT, pairs).slice()];
      },
    ];
  });
}
