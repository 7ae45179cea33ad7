/**
 * Linear-algebra benchmark: ntk-lab (native and portable backends) against Debian numpy/scipy, in one process tree.
 *
 *   npx tsx bench/linalg/run.ts            # full table (several minutes: eigh 4000 dominates)
 *   npx tsx bench/linalg/run.ts --quick    # smaller sizes, for a smoke test
 *   npx tsx bench/linalg/run.ts --only='eigh 1000,Cholesky'   # rows whose name contains a substring
 *   npx tsx bench/linalg/run.ts --only='portable eigh'        # the portable eigensolver at n = 200…2000
 *   NTK_PORTABLE_WASM=0 npx tsx bench/linalg/run.ts --only='portable d,portable s'   # portable gemm/syrk, TS kernels
 *
 * Both sides use the same OpenBLAS (Debian 0.3.21) with the same OPENBLAS_CORETYPE (decided by ntk-lab's
 * chooseCoreType before the addon loads, then passed to Python's environment). Every row is the median of several
 * timed runs after one warm-up (except the largest sizes); ntk and numpy runs alternate (numpy is a persistent child
 * process) so that both see the same machine load; ratio = ntk / numpy (lower is better for ntk). Prints a markdown table.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Matrix } from '../../src/linalg/matrix.js';
import { cholesky, eigh, gram, matmul } from '../../src/linalg/ops.js';
import { backend, setBackend } from '../../src/linalg/registry.js';
import { Rng } from '../../src/util/random.js';
import { median } from '../../src/util/stats.js';

const quick = process.argv.includes('--quick');
/** --only=a,b: run only the rows whose name contains one of the substrings. */
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');

interface Row {
  readonly name: string;
  readonly op: 'gemm' | 'syrk' | 'eigh' | 'cholesky';
  readonly n: number;
  readonly k?: number;
  readonly runs: number;
  readonly backend: 'native' | 'portable';
}

const ALL_ROWS: Row[] = quick
  ? [
      { name: 'dgemm 512', op: 'gemm', n: 512, runs: 3, backend: 'native' },
      { name: 'syrk 2000×200 (gram)', op: 'syrk', n: 2000, k: 200, runs: 3, backend: 'native' },
      { name: 'eigh 300', op: 'eigh', n: 300, runs: 3, backend: 'native' },
      { name: 'Cholesky 500', op: 'cholesky', n: 500, runs: 3, backend: 'native' },
      { name: 'portable eigh 300', op: 'eigh', n: 300, runs: 3, backend: 'portable' },
    ]
  : [
      { name: 'dgemm 2048', op: 'gemm', n: 2048, runs: 5, backend: 'native' },
      { name: 'syrk 10000×1000 (gram, n×n out)', op: 'syrk', n: 10000, k: 1000, runs: 3, backend: 'native' },
      { name: 'eigh 1000', op: 'eigh', n: 1000, runs: 5, backend: 'native' },
      { name: 'eigh 2000', op: 'eigh', n: 2000, runs: 3, backend: 'native' },
      { name: 'eigh 4000', op: 'eigh', n: 4000, runs: 3, backend: 'native' },
      { name: 'Cholesky 4000', op: 'cholesky', n: 4000, runs: 3, backend: 'native' },
      { name: 'portable dgemm 1000 (vs numpy dgemm 1000)', op: 'gemm', n: 1000, runs: 5, backend: 'portable' },
      { name: 'portable syrk 2000×200 (vs numpy)', op: 'syrk', n: 2000, k: 200, runs: 5, backend: 'portable' },
      { name: 'portable eigh 200 (vs numpy eigh 200)', op: 'eigh', n: 200, runs: 7, backend: 'portable' },
      { name: 'portable eigh 500 (vs numpy eigh 500)', op: 'eigh', n: 500, runs: 5, backend: 'portable' },
      { name: 'portable eigh 1000 (vs numpy eigh 1000)', op: 'eigh', n: 1000, runs: 5, backend: 'portable' },
      { name: 'portable eigh 2000 (vs numpy eigh 2000)', op: 'eigh', n: 2000, runs: 3, backend: 'portable' },
    ];

const ROWS = only ? ALL_ROWS.filter((r) => only.some((o) => r.name.includes(o))) : ALL_ROWS;

/** Same constructions as the Python side: Gaussian A, B; symmetric (G + Gᵀ)/2; SPD X·Xᵀ/n + I. */
function inputs(row: Row, rng: Rng): () => void {
  const { n } = row;
  if (row.op === 'gemm') {
    const A = new Matrix(n, n, rng.normals(n * n));
    const B = new Matrix(n, n, rng.normals(n * n));
    return () => void matmul(A, B);
  }
  if (row.op === 'syrk') {
    const X = new Matrix(n, row.k ?? n, rng.normals(n * (row.k ?? n)));
    return () => void gram(X);
  }
  if (row.op === 'eigh') {
    const A = new Matrix(n, n, rng.normals(n * n));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const v = 0.5 * (A.data[i * n + j] + A.data[j * n + i]);
        A.data[i * n + j] = v;
        A.data[j * n + i] = v;
      }
    }
    return () => void eigh(A);
  }
  const X = new Matrix(n, n, rng.normals(n * n));
  const S = gram(X, 1 / n);
  for (let i = 0; i < n; i++) S.data[i * n + i] += 1;
  return () => void cholesky(S);
}

const PY = String.raw`
import json, sys, time
import numpy as np
rng = np.random.default_rng(1)
f = None
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd['cmd'] == 'setup':
        row = cmd['row']; n = row['n']; f = None
        if row['op'] == 'gemm':
            A = rng.standard_normal((n, n)); B = rng.standard_normal((n, n)); f = lambda: A @ B
        elif row['op'] == 'syrk':
            X = rng.standard_normal((n, row['k'])); f = lambda: X @ X.T   # numpy dispatches A @ A.T to syrk
        elif row['op'] == 'eigh':
            G = rng.standard_normal((n, n)); A = (G + G.T) / 2; del G; f = lambda: np.linalg.eigh(A)
        else:
            X = rng.standard_normal((n, n)); S = X @ X.T / n + np.eye(n); del X; f = lambda: np.linalg.cholesky(S)
        print(json.dumps(0), flush=True)
    else:
        t = time.perf_counter(); f(); print(json.dumps(time.perf_counter() - t), flush=True)
`;

/** A persistent numpy process: one request per timed run, so ntk and numpy runs interleave under the same load. */
class Peer {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  constructor() {
    this.proc = spawn('/usr/bin/python3', ['-c', PY], { env: process.env });
    this.proc.stderr.on('data', (d: Buffer) => process.stderr.write(`python: ${d}`));
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }
  async call(cmd: object): Promise<number> {
    this.proc.stdin.write(`${JSON.stringify(cmd)}\n`);
    const r = await this.lines.next();
    if (r.done) throw new Error('python peer exited');
    return JSON.parse(r.value) as number;
  }
  close(): void {
    this.proc.stdin.end();
  }
}

async function timeRow(row: Row, peer: Peer): Promise<{ ntk: number[]; py: number[] }> {
  setBackend(row.backend);
  const f = inputs(row, new Rng(1));
  await peer.call({ cmd: 'setup', row });
  const warm = row.n <= 2048 || row.op === 'gemm';
  if (warm) {
    f();
    await peer.call({ cmd: 'run' });
  }
  const ntk: number[] = [];
  const py: number[] = [];
  for (let r = 0; r < row.runs; r++) {
    const t = performance.now();
    f();
    ntk.push((performance.now() - t) / 1000);
    py.push(await peer.call({ cmd: 'run' }));
  }
  setBackend('native');
  return { ntk, py };
}

function flops(row: Row): number | undefined {
  if (row.op === 'gemm') return 2 * row.n ** 3;
  if (row.op === 'syrk') return row.n * row.n * (row.k ?? row.n);
  if (row.op === 'cholesky') return row.n ** 3 / 3;
  return undefined;
}

backend(); // loads the addon: sets OPENBLAS_CORETYPE where needed, before Python inherits the environment
const info = backend().info();
const lines: string[] = [];
lines.push(`ntk-lab linalg benchmark — ${new Date().toISOString()}`);
lines.push(
  `native: OpenBLAS core ${info.corename}, ${info.threads} threads; OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}; node ${process.version}`,
);
lines.push('');
lines.push(
  '| operation | runs | ntk-lab median (s) | numpy median (s) | ratio ntk/numpy | ntk GF/s | ntk runs (s) | numpy runs (s) |',
);
lines.push('|---|---|---|---|---|---|---|---|');
const peer = new Peer();
for (const row of ROWS) {
  process.stderr.write(`${row.name}…\n`);
  const { ntk, py } = await timeRow(row, peer);
  const a = median(ntk);
  const b = median(py);
  const f = flops(row);
  const list = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(', ');
  lines.push(
    `| ${row.name} | ${row.runs} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(2)} | ${f ? (f / a / 1e9).toFixed(1) : '—'} | ${list(ntk)} | ${list(py)} |`,
  );
}
peer.close();
console.log(lines.join('\n'));
