/**
 * The kernels phase of `ntk predict --solver ooc` as a distributed job (`--shard i/N`, `--queue URL`;
 * docs/predict-scale.md): its tiles are the solver's own (oocKernelTiles: the lower triangle of the train–train
 * kernel, then the test–train tiles, b rows a side), and each tile is the same kernelFn call on the same two row
 * blocks that outOfCoreRegression makes, so a tile computed on another machine has the bytes of the one the solver
 * computes itself. A finished tile is the solver's raw float64 file DIR/kernel/NAME.bin.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { kernelFn } from '../analytic/kernelFn.js';
import { InvalidArgumentError } from '../errors.js';
import { Matrix } from '../linalg/matrix.js';
import { type OocKernelTile, oocKernelTiles } from '../predict/outOfCore.js';
import { writeFileAtomic } from '../io/atomic.js';
import { haveTile, oocKernelPath } from '../predict/outOfCore.js';
import type { JobData, Tiling } from './job.js';
import type { TileSink } from './queue.js';

export function oocTileCount(n: number, m: number, b: number): number {
  const T = Math.ceil(n / b);
  return (T * (T + 1)) / 2 + Math.ceil(m / b) * T;
}

/** The tiling of an `ooc` job: x1 the training inputs (n1 × d), x2 the test inputs (n2 × d). */
export function oocTiling(data: JobData, workers?: number): Tiling & { readonly tiles: readonly OocKernelTile[] } {
  const { spec } = data;
  const X = new Matrix(spec.n1, spec.d, data.x1);
  const Xs = new Matrix(spec.n2, spec.d, data.x2 ?? new Float64Array(0));
  const kfn = kernelFn(spec.arch, {
    inputShape: spec.inputShape,
    param: spec.param,
    ...(workers !== undefined ? { workers } : {}),
  });
  const list = oocKernelTiles(spec.n1, spec.n2, spec.tile);
  const rowsOf = (A: Matrix, i0: number, i1: number) =>
    new Matrix(i1 - i0, A.cols, A.data.subarray(i0 * A.cols, i1 * A.cols));
  return {
    rows: spec.n1 + spec.n2,
    cols: spec.n1,
    sym: false,
    tile: spec.tile,
    perExample: 1,
    tiles: list,
    async block(k: number): Promise<Float64Array> {
      const t = list[k];
      const rows = rowsOf(t.test ? Xs : X, t.i0, t.i1);
      const K = t.diag ? await kfn(rows, null, spec.get) : await kfn(rows, rowsOf(X, t.j0, t.j1), spec.get);
      return K.data;
    },
  };
}

/**
 * The queue coordinator's sink for an ooc job: each finished tile is written (atomically: temp file, fsync, rename)
 * as the solver's DIR/kernel/NAME.bin; tiles already there with the right size (an earlier run, the solver's own)
 * are not enqueued, as the solver skips them.
 */
export function oocSink(data: JobData, dir: string): TileSink {
  const list = oocKernelTiles(data.spec.n1, data.spec.n2, data.spec.tile);
  const len = (k: number) => (list[k].i1 - list[k].i0) * (list[k].j1 - list[k].j0);
  mkdirSync(join(dir, 'kernel'), { recursive: true });
  const done = new Set<number>();
  for (let k = 0; k < list.length; k++) if (haveTile(oocKernelPath(dir, list[k].name), len(k))) done.add(k);
  return {
    done,
    where: join(dir, 'kernel'),
    put(k, block) {
      if (block.length !== len(k))
        throw new InvalidArgumentError('oocSink', 'block', `${len(k)} entries (${list[k].name})`, block.length);
      writeFileAtomic(
        oocKernelPath(dir, list[k].name),
        new Uint8Array(block.buffer, block.byteOffset, block.byteLength),
      );
    },
    sync: () => undefined,
    finish: () => undefined,
    close: () => undefined,
  };
}
