/**
 * The process's one pool of worker threads (node:worker_threads), kept alive across calls: a job is a handler module
 * (its URL), one init message for every worker that takes part, and a list of tasks fed one at a time to whichever
 * worker is free. Workers are started on first need, reused by later jobs (a job's init replaces the previous one's
 * state, which is released at the end of each job), and unref'd while idle, so an idle pool never keeps the process
 * alive: a CLI run exits as soon as its work is done, and signal handling stays with the main thread (worker threads
 * receive no signals).
 *
 * A handler module (see src/analytic/kernelWorker.ts) exports `setup(init)` returning `(task) => void`; it runs in
 * the worker (poolWorker.ts). Float64Arrays over SharedArrayBuffers in init are shared, not copied.
 *
 *   await runPool(new URL('./kernelWorker.js', import.meta.url).href, 4, init, tasks);
 */
import { Worker } from 'node:worker_threads';

interface Msg {
  readonly ready?: true;
  readonly done?: true;
  readonly error?: string;
}

interface PoolWorker {
  readonly w: Worker;
  /** the current job's listener, null while idle */
  onMessage: ((m: Msg) => void) | null;
  onError: ((e: Error) => void) | null;
}

const idle: PoolWorker[] = [];
let started = 0;

/** Worker threads started by this process so far (for tests: a second job reuses the first one's). */
export function poolStarted(): number {
  return started;
}

/** Idle workers held by the pool now. */
export function poolIdle(): number {
  return idle.length;
}

function spawn(): PoolWorker {
  const here = import.meta.url;
  let w: Worker;
  if (here.endsWith('.ts')) {
    // running from source under tsx: register tsx's loader inside the worker, then load poolWorker.ts
    const api = import.meta.resolve('tsx/esm/api');
    const target = new URL('./poolWorker.ts', here).href;
    const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
    w = new Worker(code, { eval: true });
  } else w = new Worker(new URL('./poolWorker.js', here));
  started++;
  const pw: PoolWorker = { w, onMessage: null, onError: null };
  w.on('message', (m: Msg) => pw.onMessage?.(m));
  w.on('error', (e: Error) => {
    drop(pw);
    pw.onError?.(e);
  });
  w.on('exit', () => drop(pw));
  return pw;
}

function drop(pw: PoolWorker): void {
  const i = idle.indexOf(pw);
  if (i >= 0) idle.splice(i, 1);
}

function release(pw: PoolWorker): void {
  pw.onMessage = null;
  pw.onError = null;
  pw.w.postMessage({ end: true });
  pw.w.unref();
  idle.push(pw);
}

/**
 * Run `tasks` on `n` workers (n ≥ 1) of the pool, each set up with `init` by the handler module at `handler` (a file
 * URL). Resolves when every task is done; rejects on the first error (the job's workers are then terminated).
 * `onTask` is called after each finished task (progress).
 */
export function runPool(
  handler: string,
  n: number,
  init: unknown,
  tasks: readonly unknown[],
  onTask?: () => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const mine: PoolWorker[] = [];
    while (mine.length < n) mine.push(idle.pop() ?? spawn());
    let next = 0;
    let running = mine.length;
    let failed = false;
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      for (const pw of mine) {
        pw.onMessage = null;
        pw.onError = null;
        drop(pw);
        void pw.w.terminate();
      }
      reject(e);
    };
    for (const pw of mine) {
      pw.w.ref();
      const feed = () => {
        if (failed) return;
        if (next < tasks.length) pw.w.postMessage({ task: tasks[next++] });
        else {
          release(pw);
          if (--running === 0) resolve();
        }
      };
      pw.onMessage = (m) => {
        if (m.error !== undefined) fail(new Error(`worker: ${m.error}`));
        else {
          if (m.done) onTask?.();
          feed();
        }
      };
      pw.onError = fail;
      pw.w.postMessage({ job: { handler, init } });
    }
  });
}
