/**
 * A kernel job cut into tiles that any machine can compute (`ntk kernel|empirical --shard i/N` or `--queue`,
 * docs/distributed.md): the job's description (JobSpec), its content hash, the tiles, and the encoding of one
 * computed tile.
 *
 * The tiles and each tile's block come from the single-machine code itself (analyticTiling in kernelFn,
 * empiricalTiling in empiricalNtk: same tile size, same per-tile computation), so a kernel put together from
 * tiles computed anywhere has the same bytes as the one `ntk kernel` writes on one machine.
 *
 * The job hash is a SHA-256 over the spec (architecture, parameterization, seed, outputs, tile size, ntk-lab
 * version, …) and the input bytes: every worker recomputes it from what it received and refuses a job whose hash
 * differs, or whose ntk-lab version is not its own (JobMismatchError).
 */
import { createHash } from 'node:crypto';
import { JobMismatchError } from '../errors.js';
import { analyticTiling, tiles as cutTiles } from '../analytic/kernelFn.js';
import type { KernelTiling, Tile } from '../analytic/kernelFn.js';
import { empiricalTiling, type NtkImplementation } from '../empirical/ntk.js';
import { Matrix } from '../linalg/matrix.js';
import { buildNetwork, init, parseArch } from '../nn/index.js';
import { Rng } from '../util/random.js';
import { VERSION } from '../version.js';
import { oocTileCount, oocTiling } from './oocJob.js';

export const JOB_FORMAT = 'ntk-lab job 1';

export interface JobSpec {
  readonly format: typeof JOB_FORMAT;
  /** the ntk-lab version that published the job; workers of another version refuse it */
  readonly version: string;
  /**
   * `kernel`: the analytic kernel (ntk kernel); `empirical`: the empirical NTK at a seeded init (ntk empirical);
   * `ooc`: the kernels phase of `ntk predict --solver ooc` (x1 the training inputs, x2 the test inputs, tile the
   * solver's tile side; its tiles are the solver's train–train and test–train tiles: src/distributed/oocJob.ts)
   */
  readonly kind: 'kernel' | 'empirical' | 'ooc';
  readonly arch: string;
  /** per-example input shape: [d] or [h, w, c] */
  readonly inputShape: readonly number[];
  readonly param: 'ntk' | 'standard';
  readonly get: 'ntk' | 'nngp';
  readonly outputs: 'trace' | 'full';
  /** an output with positions gives one output per position and channel (--per-position) */
  readonly perPosition: boolean;
  /** empirical: initialization seed and implementation; null for `kernel` */
  readonly seed: number | null;
  readonly implementation: NtkImplementation | null;
  /** examples per tile side (fixed by the publisher, so every worker cuts the same tiles) */
  readonly tile: number;
  readonly n1: number;
  /** rows of x2; equal to n1 when symmetric */
  readonly n2: number;
  /** features per example */
  readonly d: number;
  /** K(x1, x1): only the upper tile triangle is computed */
  readonly sym: boolean;
  /** nodes V of the `aggregate` layers' (V, V) adjacency, or null */
  readonly adjacency: number | null;
}

/** A job and its inputs (what a worker needs to compute any of its tiles). */
export interface JobData {
  readonly spec: JobSpec;
  readonly x1: Float64Array;
  /** null when symmetric */
  readonly x2: Float64Array | null;
  readonly adjacency: Float64Array | null;
}

/** The tiles of a job and each tile's block (analyticTiling / empiricalTiling; a promise for `ooc` jobs, whose tiles are kernelFn calls). */
export type Tiling = KernelTiling<Float64Array | Promise<Float64Array>>;

export interface OpenOptions {
  /** `ooc` jobs: kernelFn's worker threads per tile (0 inside a TilePool thread) */
  readonly workers?: number;
}

function bytesOf(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** The spec as JSON with its keys in a fixed order (what the hash covers). */
export function canonicalSpec(spec: JobSpec): string {
  const keys = Object.keys(spec).sort() as (keyof JobSpec)[];
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, spec[k]])));
}

/** SHA-256 (hex) over the canonical spec and the input bytes (x1, x2, adjacency, each with its length). */
export function jobHash(data: JobData): string {
  const h = createHash('sha256');
  h.update(`${canonicalSpec(data.spec)}\n`);
  for (const [name, a] of [
    ['x1', data.x1],
    ['x2', data.x2],
    ['adjacency', data.adjacency],
  ] as const) {
    h.update(`${name}:${a === null ? -1 : a.length}\n`);
    if (a !== null) h.update(bytesOf(a));
  }
  return h.digest('hex');
}

/** The tiling a job's spec and inputs define (validates: architecture, shapes, finite inputs). */
export function openTiling(data: JobData, opts: OpenOptions = {}): Tiling {
  const { spec } = data;
  if (spec.kind === 'ooc') return oocTiling(data, opts.workers);
  const d = spec.d;
  const X1 = new Matrix(spec.n1, d, data.x1);
  const X2 = data.x2 === null ? null : new Matrix(spec.n2, d, data.x2);
  const adjacency =
    data.adjacency === null || spec.adjacency === null
      ? undefined
      : new Matrix(spec.adjacency, spec.adjacency, data.adjacency);
  if (spec.kind === 'kernel') {
    return analyticTiling(
      spec.arch,
      {
        inputShape: spec.inputShape,
        param: spec.param,
        outputs: spec.outputs,
        perPosition: spec.perPosition,
        tile: spec.tile,
        ...(adjacency ? { adjacency } : {}),
      },
      X1,
      X2,
      spec.get,
    );
  }
  const net = buildNetwork(parseArch(spec.arch), spec.inputShape, spec.param, adjacency ? { adjacency } : {});
  const params = init(net, new Rng(spec.seed ?? 0));
  return empiricalTiling(params, X1, X2, {
    implementation: spec.implementation ?? 'structured',
    outputs: spec.outputs,
    perPosition: spec.perPosition,
    tileSize: spec.tile,
  });
}

/**
 * A worker's checks before it computes anything of a job: its ntk-lab version is the job's, the inputs it
 * received hash to the job's hash, and its own tiling has the job's tiles. Throws JobMismatchError.
 */
export function verifyJob(data: JobData, hash: string, who: string): void {
  if (data.spec.format !== JOB_FORMAT)
    throw new JobMismatchError(
      hash,
      who,
      `job format '${String(data.spec.format)}', this worker reads '${JOB_FORMAT}'`,
    );
  if (data.spec.version !== VERSION)
    throw new JobMismatchError(
      hash,
      who,
      `the job was published by ntk-lab ${data.spec.version}, this worker is ntk-lab ${VERSION} (the bytes could differ: run workers of the coordinator's version)`,
    );
  const mine = jobHash(data);
  if (mine !== hash)
    throw new JobMismatchError(
      hash,
      who,
      `what this worker received hashes to ${mine.slice(0, 16)}…, not the job's ${hash.slice(0, 16)}… (inputs or spec changed in transit or in storage)`,
    );
}

/** The number of tiles a job's spec cuts. */
export function tileCount(spec: JobSpec): number {
  return spec.kind === 'ooc'
    ? oocTileCount(spec.n1, spec.n2, spec.tile)
    : cutTiles(spec.n1, spec.n2, spec.tile, spec.sym).length;
}

/** Check a tiling's shape against its spec (a worker whose code cuts other tiles refuses the job). */
export function verifyTiling(t: Tiling, spec: JobSpec, hash: string, who: string, tileCount: number): void {
  if (t.tile !== spec.tile || t.tiles.length !== tileCount)
    throw new JobMismatchError(
      hash,
      who,
      `this worker cuts ${t.tiles.length} tiles of ${t.tile} examples, the job has ${tileCount} of ${spec.tile}`,
    );
}

// ---------------------------------------------------------------------------------------------------------------
// One computed tile: 'NTKTILE1', u32 header length, a JSON header (padded so the data starts 8-aligned), float64 LE.

const MAGIC = Buffer.from('NTKTILE1', 'latin1');

export interface TileHeader {
  readonly job: string;
  readonly tile: number;
  readonly rows: number;
  readonly cols: number;
  /** queue workers: when the tile was taken (ms since the epoch), compute time (ms), host:pid */
  readonly picked?: number;
  readonly ms?: number;
  readonly worker?: string;
}

export function encodeTile(h: TileHeader, block: Float64Array): Buffer {
  let json = JSON.stringify(h);
  const pad = (8 - ((12 + json.length) % 8)) % 8;
  json += ' '.repeat(pad);
  const out = Buffer.alloc(12 + json.length + block.byteLength);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, 8);
  out.write(json, 12, 'latin1');
  Buffer.from(block.buffer, block.byteOffset, block.byteLength).copy(out, 12 + json.length);
  return out;
}

/**
 * A tile's header from its first bytes (at least 12 + the header length; 4 KiB hold any header), and the length the
 * whole tile must have; null when the bytes are not a tile's start.
 */
export function decodeTileHeader(buf: Uint8Array): { header: TileHeader; dataOffset: number; bytes: number } | null {
  if (buf.byteLength < 12) return null;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (!b.subarray(0, 8).equals(MAGIC)) return null;
  const len = b.readUInt32LE(8);
  if (12 + len > b.byteLength) return null;
  let header: TileHeader;
  try {
    header = JSON.parse(b.toString('latin1', 12, 12 + len)) as TileHeader;
  } catch {
    return null;
  }
  const n = header.rows * header.cols;
  if (!Number.isSafeInteger(n)) return null;
  return { header, dataOffset: 12 + len, bytes: 12 + len + 8 * n };
}

/** Decode a tile; null when the bytes are not a whole tile (truncated, bad magic, wrong length). */
export function decodeTile(buf: Uint8Array): { header: TileHeader; block: Float64Array } | null {
  const h = decodeTileHeader(buf);
  if (h === null || buf.byteLength !== h.bytes) return null;
  const block = new Float64Array(h.header.rows * h.header.cols);
  new Uint8Array(block.buffer).set(buf.subarray(h.dataOffset));
  return { header: h.header, block };
}

/** Rows and columns of tile t's block. */
export function blockShape(t: Tile, perExample: number): { rows: number; cols: number } {
  return { rows: (t.i1 - t.i0) * perExample, cols: (t.j1 - t.j0) * perExample };
}
