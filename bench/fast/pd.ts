/**
 * `ntk kernel … --check-pd` at n = 10 000: the kernel's own time against the check's, interleaved in one run.
 *
 *   npx tsx bench/fast/pd.ts [--n 10000] [--reps 3] [--eigh]
 *
 * Each repetition computes the kernel the existing BENCHMARKS row uses (`dense(512),relu,dense(512),relu,dense(1)`
 * NTK on the first n MNIST training rows, inputShape 784, default workers) and then checks it the way
 * `ntk kernel --check-pd` does (checkPd(K, { inPlace: true }): the default method, Cholesky + Lanczos above
 * n = 512, in K's own storage), so both see the same load. Printed: the medians, the ratio of the medians and the
 * median of the per-repetition ratios; where the check's time goes (potrf, the triangular solves of the Lanczos
 * steps on K⁻¹, the products with K, the rest: the symmetry scan and Lanczos' own work), timed around the backend
 * calls; the verdict and λ_min, λ_max, the condition number. With --eigh, once at the end, the full
 * eigendecomposition's verdict on the same K (dsyevd: minutes at n = 10 000). The load average is printed before and
 * after: on a shared machine the ratios are the measurement, not the seconds.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { kernelFn } from '../../src/analytic/kernelFn.js';
import { checkPd, type PdReport } from '../../src/analytic/pd.js';
import { loadDataset } from '../../src/data/index.js';
import type { Backend } from '../../src/linalg/backend.js';
import type { Matrix } from '../../src/linalg/matrix.js';
import { backend } from '../../src/linalg/registry.js';
import { median } from '../../src/util/stats.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    reps: { type: 'string', default: '3' },
    eigh: { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const reps = Number(values.reps);
const load = () =>
  loadavg()
    .map((v) => v.toFixed(1))
    .join(' ');

// time spent inside the backend calls the check makes (the kernel's own calls are not counted: reset before a check)
const be = backend() as Backend & Record<string, unknown>;
const spent: Record<string, { calls: number; s: number }> = {};
for (const f of ['potrf', 'trsm', 'gemm'] as const) {
  const inner = be[f] as (...a: unknown[]) => unknown;
  (be as Record<string, unknown>)[f] = (...a: unknown[]) => {
    const t = performance.now();
    const r = inner(...a);
    const e = (spent[f] ??= { calls: 0, s: 0 });
    e.calls++;
    e.s += (performance.now() - t) / 1000;
    return r;
  };
}

const info = be.info();
console.log(`backend ${info.name} (${info.corename}, ${info.threads} threads); n = ${n}; load average ${load()}`);
const X = loadDataset(`mnist:train:n=${n}`).X;
const arch = 'dense(512),relu,dense(512),relu,dense(1)';
const kfn = kernelFn(arch, { inputShape: [784] });
const tKernel: number[] = [];
const tCheck: number[] = [];
const parts: Record<string, number[]> = { potrf: [], solves: [], products: [], rest: [] };
let pd: PdReport | null = null;
let last: Matrix | null = null;
for (let r = 0; r < reps; r++) {
  let t = performance.now();
  const K = await kfn(X, null, 'ntk');
  tKernel.push((performance.now() - t) / 1000);
  if (values.eigh && r === reps - 1) last = K.clone();
  for (const k of Object.keys(spent)) delete spent[k];
  t = performance.now();
  pd = checkPd(K, { inPlace: true });
  const check = (performance.now() - t) / 1000;
  tCheck.push(check);
  const s = (f: string) => spent[f]?.s ?? 0;
  parts.potrf.push(s('potrf'));
  parts.solves.push(s('trsm'));
  parts.products.push(s('gemm'));
  parts.rest.push(check - s('potrf') - s('trsm') - s('gemm'));
  console.log(
    `rep ${r + 1}: kernel ${tKernel[r].toFixed(2)} s, check ${check.toFixed(2)} s (ratio ${(check / tKernel[r]).toFixed(2)}): ` +
      `potrf ${s('potrf').toFixed(2)} s, ${(spent.trsm?.calls ?? 0) / 2} solves ${s('trsm').toFixed(2)} s, ` +
      `${spent.gemm?.calls ?? 0} products ${s('gemm').toFixed(2)} s; load ${load()}`,
  );
}
if (!pd) throw new Error('--reps must be at least 1');
console.log(`check-pd: ${JSON.stringify(pd)}`);
const mk = median(tKernel);
const mc = median(tCheck);
const ratios = tCheck.map((c, i) => c / tKernel[i]);
console.log(`\n| n = ${n}, ${reps} interleaved runs | median (s) | runs (s) |\n|---|---|---|`);
console.log(`| ${arch} NTK (the kernel itself) | ${mk.toFixed(2)} | ${tKernel.map((v) => v.toFixed(2)).join(', ')} |`);
console.log(
  `| checkPd(K, { inPlace: true }) (--check-pd) | ${mc.toFixed(2)} | ${tCheck.map((v) => v.toFixed(2)).join(', ')} |`,
);
for (const [k, v] of Object.entries(parts)) {
  console.log(`| — of which ${k} | ${median(v).toFixed(2)} | ${v.map((x) => x.toFixed(2)).join(', ')} |`);
}
console.log(
  `\ncheck / kernel: ratio of the medians ${(mc / mk).toFixed(2)}; median of the per-run ratios ` +
    `${median(ratios).toFixed(2)} (${ratios.map((v) => v.toFixed(2)).join(', ')}); strictlyPd ${pd.strictlyPd}, ` +
    `λ_min ${pd.lambdaMin.toExponential(6)}, λ_max ${pd.lambdaMax.toExponential(6)}, condition ${pd.condition.toExponential(4)}`,
);
console.log(`load average after: ${load()}`);
if (last) {
  const t = performance.now();
  const ref = checkPd(last, { method: 'eigh' });
  console.log(
    `eigh (${((performance.now() - t) / 1000).toFixed(1)} s): ${JSON.stringify(ref)}; same verdict ${ref.strictlyPd === pd.strictlyPd}; ` +
      `λ_min relative difference ${(Math.abs(ref.lambdaMin - pd.lambdaMin) / Math.abs(ref.lambdaMin)).toExponential(2)}`,
  );
}
process.exit(0);
