/**
 * Throughput of the Redis queue path against one process's worker threads (issue #19), on an analytic CNN kernel:
 *   A: ntk kernel … --workers 2                      (one process, 2 worker threads)
 *   B: ntk kernel … --queue URL, 2 × ntk worker --threads 1 already running (one per core)
 * alternating, `RUNS` times each; prints wall times, B's throughput as a fraction of A's, the coordinator's per-tile
 * figures, and the load average before and after (the machine may be shared).
 * Usage: npm run build && npx tsx bench/distributed/queue.ts [n=200] [runs=3]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '../../src/io/npy.js';
import { Rng } from '../../src/util/random.js';

const n = Number(process.argv[2] ?? 200);
const RUNS = Number(process.argv[3] ?? 3);
const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'ntk-bench-queue-'));
const port = 20000 + Math.floor(Math.random() * 20000);
const url = `redis://127.0.0.1:${port}/0`;
const X = join(dir, 'x.npy');
writeNpy(X, new Rng(1).normals(n * 64), [n, 8, 8, 1]);
const ARCH = 'conv(8,3,padding=same),relu,conv(8,3,padding=same),relu,gap,dense(1)';
const procs: ChildProcess[] = [];

function timed(args: string[]): { secs: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ntk ${args.join(' ')}: ${r.stderr}`);
  return { secs: (performance.now() - t0) / 1000, out: r.stdout + r.stderr };
}

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
try {
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''], {
    stdio: 'ignore',
  });
  procs.push(redis);
  for (let i = 0; i < 50; i++) {
    if (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (let i = 0; i < 2; i++)
    procs.push(spawn(process.execPath, [MAIN, 'worker', '--queue', url, '--threads', '1'], { stdio: 'ignore' }));
  console.log(`CNN ${ARCH} on ${n} 8×8 images; load average before: ${load()}`);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    a.push(timed(['kernel', '--arch', ARCH, '--x', X, '--workers', '2', '--out', join(dir, 'a.npy')]).secs);
    const q = timed(['kernel', '--arch', ARCH, '--x', X, '--queue', url, '--out', join(dir, 'b.npy')]);
    b.push(q.secs);
    const same = readFileSync(join(dir, 'a.npy')).equals(readFileSync(join(dir, 'b.npy')));
    const last = q.out.trim().split('\n').at(-1) ?? '';
    console.log(
      `run ${r + 1}: worker threads ${a[r].toFixed(2)} s, queue ${b[r].toFixed(2)} s, same bytes: ${same}\n  ${last}`,
    );
  }
  const med = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
  console.log(
    `median: worker threads ${med(a).toFixed(2)} s, queue ${med(b).toFixed(2)} s → queue throughput = ${((100 * med(a)) / med(b)).toFixed(0)} % of the worker threads'; load average after: ${load()}`,
  );
} finally {
  for (const p of procs) p.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
