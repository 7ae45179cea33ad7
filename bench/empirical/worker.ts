/**
 * One measurement in its own process (so the RSS high-water mark belongs to it):
 *   npx tsx bench/empirical/worker.ts <structured|jacobian> ARCH INPUT_SHAPE X.npy N REPEATS [TILE_BYTES] [CACHE_BYTES]
 * Prints one JSON line: seconds of each repeat, RSS before (after reading X) and the peak RSS during the first repeat.
 */
import { empiricalNtk } from '../../src/empirical/index.js';
import { readNpy, npyToFloat64 } from '../../src/io/index.js';
import { Matrix, backend } from '../../src/linalg/index.js';
import { buildNetwork, init } from '../../src/nn/index.js';
import { Rng } from '../../src/util/random.js';

const [impl, arch, shapeText, xPath, nText, repText, tileText, cacheText] = process.argv.slice(2);
const shape = shapeText.split(',').map(Number);
const a = readNpy(xPath);
const n = Number(nText);
const d = shape.reduce((p, q) => p * q, 1);
const X = new Matrix(n, d, npyToFloat64(a).slice(0, n * d));
const params = init(buildNetwork(arch, shape, 'ntk'), new Rng(0));
backend();
const rssBefore = process.memoryUsage().rss;
const times: number[] = [];
let trace = 0;
let peakFirst = 0;
for (let r = 0; r < Number(repText); r++) {
  const t0 = performance.now();
  const K = empiricalNtk(params, X, null, {
    implementation: impl as 'structured' | 'jacobian',
    outputs: 'trace',
    ...(tileText ? { tileBytes: Number(tileText) } : {}),
    ...(cacheText ? { cacheBytes: Number(cacheText) } : {}),
  });
  times.push((performance.now() - t0) / 1000);
  // the peak of one computation: later repeats also hold the previous repeat's uncollected output and buffers
  if (r === 0) peakFirst = process.resourceUsage().maxRSS / 1024;
  trace = 0;
  for (let i = 0; i < n; i++) trace += K.data[i * n + i];
}
process.stdout.write(
  `${JSON.stringify({ impl, n, times, rssBeforeMB: rssBefore / 2 ** 20, peakRssMB: peakFirst, trace })}\n`,
);
