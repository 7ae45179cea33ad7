/** Worker thread of kernelFn: compiles the same program, then computes the tiles it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { type Job, type Tile, type WorkerInit, runTile } from './kernelFn.js';
import { compileProgram } from './program.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (port) {
  try {
    const prog = compileProgram(init.arch, init.inputShape, init.param, init.method, init.options);
    // the native backend cannot take SharedArrayBuffer views: keep private copies of the inputs
    const x1 = init.x1.slice();
    const x2 = init.x2 === init.x1 ? x1 : init.x2.slice();
    const job: Job = { ...init, prog, x1, x2 };
    port.on('message', (t: Tile) => {
      try {
        runTile(job, t);
        port.postMessage({ done: true });
      } catch (e) {
        port.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    });
    port.postMessage({ ready: true });
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
}
