/**
 * Memory estimates, checked before a big allocation so that a job that cannot fit is refused up front with the
 * figure it needs and the figure available (a ResourceError naming the argument that sets the size), instead of a
 * RangeError from `new Float64Array` or the kernel's OOM killer halfway through.
 *
 * The library's entry points call `requireMemory` with the estimate of what they are about to allocate: kernelFn
 * (`kernelJobNeed`), empiricalNtk (`empiricalJobNeed`), init (`paramsNeed`), loadDataset for synthetic sets
 * (`datasetNeed`), presets that build n×n kernels (`float64Need` of their matrices). Estimates count the large
 * float64 arrays (n², n·d, θ) and the working buffers that scale with them; small bookkeeping is ignored.
 *
 * Available memory: `NTK_MEMORY_LIMIT` (bytes, or with a unit: `512MB`, `8G`, `1.5GiB`) when set — tests use it so
 * they do not depend on the machine — else `process.availableMemory()` (free memory, within a cgroup's limit).
 * Independently of memory, no single array may exceed MAX_ARRAY_LENGTH entries (what a Float64Array can hold).
 */
import { constants } from 'node:buffer';
import { freemem } from 'node:os';
import { ConfigError, ResourceError } from '../errors.js';

/** The most entries one typed array can hold in this Node (2³² in Node 20): larger sizes throw a RangeError. */
export const MAX_ARRAY_LENGTH: number = Math.min(constants.MAX_LENGTH, Math.floor(Number.MAX_SAFE_INTEGER / 8));

/** What a job allocates: its peak bytes, the entries of its largest single array, and a phrase for messages. */
export interface MemoryNeed {
  readonly bytes: number;
  readonly largestArray: number;
  /** e.g. "a 100000×100000 float64 kernel and its input Gram" */
  readonly what: string;
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  p: 1e15,
  pb: 1e15,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
};

/** Bytes from `123`, `512MB`, `8G`, `1.5GiB` (k/M/G/T/P decimal, KiB/MiB/GiB/TiB/PiB binary). */
export function parseBytes(text: string, name = 'NTK_MEMORY_LIMIT'): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  const v = m && unit !== undefined ? Number(m[1]) * unit : Number.NaN;
  if (!(Number.isFinite(v) && v > 0))
    throw new ConfigError(name, `must be a positive size in bytes, e.g. 8GB, 512MiB or 1e9; got '${text}'`);
  return v;
}

/** Decimal units, one decimal: 80.0 GB, 512.0 MB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} B`;
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let u = 0;
  let v = bytes;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Bytes a job may allocate now, and where the figure comes from. */
export function availableMemory(): { readonly bytes: number; readonly fromEnv: boolean } {
  const env = process.env.NTK_MEMORY_LIMIT;
  if (env !== undefined && env.trim() !== '') return { bytes: parseBytes(env), fromEnv: true };
  const bytes = typeof process.availableMemory === 'function' ? process.availableMemory() : freemem();
  return { bytes, fromEnv: false };
}

/**
 * Throws a ResourceError naming `argument` when `need` does not fit: more bytes than available, or one array longer
 * than MAX_ARRAY_LENGTH. `subject` says what sets the size, e.g. "n = 100000".
 */
export function requireMemory(argument: string, subject: string, need: MemoryNeed): void {
  const avail = availableMemory();
  if (need.bytes > avail.bytes) {
    const have = avail.fromEnv
      ? `the limit NTK_MEMORY_LIMIT is ${formatBytes(avail.bytes)}`
      : `this machine has ${formatBytes(avail.bytes)} available`;
    throw new ResourceError(
      argument,
      `${subject} needs ${need.what} (${formatBytes(need.bytes)}); ${have}`,
      need.bytes,
      avail.bytes,
    );
  }
  if (!(need.largestArray <= MAX_ARRAY_LENGTH)) {
    throw new ResourceError(
      argument,
      `${subject} needs ${need.what}, one array of ${need.largestArray} entries, more than the ${MAX_ARRAY_LENGTH} a Float64Array can hold`,
      need.bytes,
      avail.bytes,
    );
  }
}

/** Float64 arrays of the given entry counts. */
export function float64Need(what: string, arrays: readonly number[]): MemoryNeed {
  let total = 0;
  let largest = 0;
  for (const a of arrays) {
    total += a;
    largest = Math.max(largest, a);
  }
  return { bytes: 8 * total, largestArray: largest, what };
}

/**
 * kernelFn (src/analytic/kernelFn.ts) on n1 × n2 pairs: each requested output (NNGP, NTK), the input Gram of flat
 * inputs, their SharedArrayBuffer twins when workers run, the self records of the variance chains (n · perPair
 * entries per set and record), each thread's tile buffers (about 4·perPair entries per pair of a tile) and what each
 * thread keeps across its tiles (`perThread` entries).
 */
export function kernelJobNeed(j: {
  readonly n1: number;
  readonly n2: number;
  readonly sym: boolean;
  readonly outputs: number;
  readonly flatGram: boolean;
  readonly workers: number;
  /** float64 entries per pair of examples at the widest layer */
  readonly perPair: number;
  readonly tile: number;
  readonly perThread?: number;
}): MemoryNeed {
  const pairs = j.n1 * j.n2;
  const twin = j.workers > 0 ? 2 : 1;
  const arrays: number[] = [];
  for (let k = 0; k < j.outputs * twin; k++) arrays.push(pairs);
  if (j.flatGram) for (let k = 0; k < twin; k++) arrays.push(pairs);
  for (const n of j.sym ? [j.n1] : [j.n1, j.n2]) arrays.push(2 * n * j.perPair);
  arrays.push(Math.max(1, j.workers) * 4 * Math.min(j.tile, j.n1) * Math.min(j.tile, j.n2) * j.perPair);
  if (j.perThread) arrays.push(Math.max(1, j.workers) * j.perThread);
  const what = `a ${j.n1}×${j.n2} float64 kernel${j.outputs > 1 ? ' pair (NNGP and NTK)' : ''}${j.flatGram ? ', the input Gram' : ''} and working buffers`;
  return float64Need(what, arrays);
}

/**
 * empiricalNtk (src/empirical/ntk.ts): the rows × cols output (`copies` of it: Monte-Carlo keeps a sample, the mean,
 * the running M2 and the standard error), and the tiles' factors: `perExample` float64 entries per example, up to
 * the tile budget but at least a minimal tile's (a row tile, a column tile and the probe).
 */
export function empiricalJobNeed(j: {
  readonly rows: number;
  readonly cols: number;
  readonly copies: number;
  readonly examples: number;
  readonly perExample: number;
  /** the largest single per-example buffer (entries) */
  readonly largestPerExample: number;
  readonly tileBytes: number;
}): MemoryNeed {
  const out = j.rows * j.cols;
  const factors = Math.max(Math.min(j.tileBytes / 8, j.examples * j.perExample), 4 * j.perExample);
  const arrays: number[] = [];
  for (let k = 0; k < j.copies; k++) arrays.push(out);
  const need = float64Need(`a ${j.rows}×${j.cols} float64 kernel and the factors of its tiles`, [...arrays, factors]);
  return { ...need, largestArray: Math.max(out, 2 * j.largestPerExample) };
}

/** A network's parameter vector θ (init). */
export function paramsNeed(numParams: number): MemoryNeed {
  return float64Need(`a parameter vector θ of ${numParams} float64 entries`, [numParams]);
}

/** A synthetic data set's n × d features (generated, then copied by the pipeline) and its targets. */
export function datasetNeed(n: number, d: number, targetCols: number): MemoryNeed {
  return float64Need(`${n}×${d} float64 features (and their working copy) with ${n}×${targetCols} targets`, [
    n * d,
    n * d,
    n * (targetCols + 1),
  ]);
}
