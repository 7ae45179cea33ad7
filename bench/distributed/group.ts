/**
 * Tiles per queue job (issue #19): the queue's per-tile overhead, and what grouping small tiles into one queue job
 * (--tiles-per-job G) buys. An empirical MLP kernel with one-pair tiles (--tile-size 1: n(n+1)/2 tiles of ≈ 0.3 ms of
 * compute), 2 `ntk worker --threads 1` already running, coordinator runs alternating G = 1 and G = 16 (`RUNS` times
 * each); prints wall times, tiles/s, the coordinator's per-tile figures (compute; picked → written minus compute),
 * whether the kernels are byte-identical to the single-machine one, the medians and the ratio, and the load average.
 * Usage: npm run build && npx tsx bench/distributed/group.ts [n=60] [runs=3] [G=16]
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '../../src/io/npy.js';
import { Rng } from '../../src/util/random.js';

const n = Number(process.argv[2] ?? 60);
const RUNS = Number(process.argv[3] ?? 3);
const G = Number(process.argv[4] ?? 16);
const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'ntk-bench-group-'));
const port = 20000 + Math.floor(Math.random() * 20000);
const url = `redis://127.0.0.1:${port}/0`;
const X = join(dir, 'x.npy');
writeNpy(X, new Rng(1).normals(n * 6), [n, 6]);
const CMD = ['empirical', '--arch', 'dense(32),relu,dense(1)', '--x', X, '--tile-size', '1'];
const T = (n * (n + 1)) / 2;
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
const med = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
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
  timed([...CMD, '--out', join(dir, 'ref.npy')]);
  console.log(`empirical MLP, n = ${n}: ${T} one-pair tiles; G = 1 against G = ${G}; load average before: ${load()}`);
  const secs: Record<string, number[]> = { 1: [], [G]: [] };
  for (let r = 0; r < RUNS; r++)
    for (const g of [1, G]) {
      const q = timed([...CMD, '--queue', url, '--tiles-per-job', String(g), '--out', join(dir, `g${g}.npy`)]);
      secs[g].push(q.secs);
      const same = readFileSync(join(dir, 'ref.npy')).equals(readFileSync(join(dir, `g${g}.npy`)));
      const per = /per tile: (.*)$/m.exec(q.out)?.[1] ?? '';
      console.log(
        `run ${r + 1}, G = ${g}: ${q.secs.toFixed(2)} s (${(T / q.secs).toFixed(0)} tiles/s), same bytes: ${same}; ${per}`,
      );
    }
  console.log(
    `median: G = 1 ${med(secs[1]).toFixed(2)} s (${(T / med(secs[1])).toFixed(0)} tiles/s), G = ${G} ${med(secs[G]).toFixed(2)} s (${(T / med(secs[G])).toFixed(0)} tiles/s) → ${(med(secs[1]) / med(secs[G])).toFixed(2)}× faster grouped; load average after: ${load()}`,
  );
} finally {
  for (const p of procs) p.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(dir, { recursive: true, force: true });
}
