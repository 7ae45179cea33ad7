/** kernelFn's handler in the worker pool (src/util/workerPool.ts): compiles the same program, then computes tiles. */
import { type Job, type Tile, type WorkerInit, runTile } from './kernelFn.js';
import { compileProgram } from './program.js';
import { TileMemo } from '../arch/record.js';

export function setup(init: WorkerInit): (t: Tile) => void {
  const prog = compileProgram(init.arch, init.inputShape, init.param, init.method, init.options);
  // the native backend cannot take SharedArrayBuffer views: keep private copies of the inputs
  const x1 = init.x1.slice();
  const x2 = init.x2 === init.x1 ? x1 : init.x2.slice();
  const job: Job = { ...init, prog, x1, x2, memo: new TileMemo() };
  return (t) => runTile(job, t);
}
