/** A TilePool thread: opens the job's tiling once, then computes the tiles it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { type JobData, openTiling, type Tiling } from './job.js';

const port = parentPort;
const message = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
if (port) {
  let tiling: Tiling | null = null;
  let failure: string | null = null;
  try {
    tiling = openTiling(workerData as JobData, { workers: 0 });
  } catch (e) {
    failure = message(e);
  }
  port.on('message', async ({ k }: { k: number }) => {
    if (tiling === null) {
      port.postMessage({ k, error: failure ?? 'no tiling' });
      return;
    }
    try {
      const block = (await tiling.block(k)).slice();
      port.postMessage({ k, block }, [block.buffer]);
    } catch (e) {
      port.postMessage({ k, error: message(e) });
    }
  });
  port.postMessage({ ready: true });
}
