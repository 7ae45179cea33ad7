/** A thread of the worker pool (workerPool.ts): sets up each job from its handler module, then runs its tasks. */
import { parentPort } from 'node:worker_threads';

interface Handler {
  setup(init: unknown): (task: unknown) => void;
}

const port = parentPort;
const errorText = (e: unknown): string => (e instanceof Error ? (e.stack ?? e.message) : String(e));

if (port) {
  let run: ((task: unknown) => void) | null = null;
  // messages are handled in order: a job's tasks wait for its (asynchronous) setup
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (m: { job?: { handler: string; init: unknown }; task?: unknown; end?: true }) => {
    queue = queue.then(async () => {
      try {
        if (m.job) {
          const mod = (await import(m.job.handler)) as Handler;
          run = mod.setup(m.job.init);
          port.postMessage({ ready: true });
        } else if (m.end) run = null;
        else if (run) {
          run(m.task);
          port.postMessage({ done: true });
        }
      } catch (e) {
        port.postMessage({ error: errorText(e) });
      }
    });
  });
}
