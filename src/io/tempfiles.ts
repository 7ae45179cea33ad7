/**
 * The temporary files of atomic writes: one process-wide set of the temp paths that exist right now, removed on
 * 'exit' and when SIGINT, SIGTERM or SIGHUP arrives.
 *
 * Node runs signal listeners from the event loop, so a listener never interrupts a synchronous write; what leaves
 * a temp file behind is a signal's default action (the kernel ends the process at once, mid-write). So, while a
 * temp file exists, a listener is installed on those signals: a signal arriving during the write then waits until
 * the write has finished (renamed or removed its temp file); the listener removes anything left and, when it is the
 * signal's only listener, restores the default action and re-raises the signal, so the process still ends as it
 * would have (killed by that signal, exit status 128 + n). A process with handlers of its own (`ntk run`,
 * `ntk train`) keeps reacting exactly as they decide.
 *
 * The listeners are taken off only after the event loop has polled once more after the last write: node drops a
 * signal that is still queued when its last listener goes, and the queued one must reach the listener above. Between
 * writes nothing is installed, so a long synchronous computation can still be stopped by the first Ctrl-C; code
 * that starts one right after a write awaits `tempFilesSettled()` first (otherwise a signal waits for its end).
 */
import { rmSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const temps = new Set<string>();
let exitHooked = false;
let listening = false;
let releasing = false;
let generation = 0;
let settledWaiters: (() => void)[] = [];

/** Remove every registered temp file (errors ignored: the process is ending or the file is gone already). */
function removeAll(): void {
  for (const p of temps) {
    try {
      rmSync(p, { force: true });
    } catch {
      // nothing more can be done here
    }
  }
  temps.clear();
}

function stopListening(): void {
  if (!listening) return;
  for (const s of SIGNALS) process.off(s, onSignal);
  listening = false;
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  if (process.listenerCount(signal) === 1) {
    // Ours is the only listener: end the process the way the signal's default action would have.
    stopListening();
    process.kill(process.pid, signal);
  }
}

/** Take the listeners off once the loop has polled (two check phases later) with no temp file in between. */
function releaseLater(): void {
  generation++;
  if (releasing) return;
  releasing = true;
  const wait = (gen: number): void => {
    setImmediate(() =>
      setImmediate(() => {
        if (gen !== generation || temps.size > 0) wait(generation);
        else {
          releasing = false;
          stopListening();
          const waiters = settledWaiters;
          settledWaiters = [];
          for (const w of waiters) w();
        }
      }),
    );
  };
  wait(generation);
}

/** Record a temp file that is about to be created (call before creating it). */
export function registerTemp(path: string): void {
  temps.add(path);
  if (!exitHooked) {
    process.on('exit', removeAll);
    exitHooked = true;
  }
  // Worker threads receive no signals; the main thread's listeners cover the process.
  if (!listening && isMainThread) {
    for (const s of SIGNALS) process.on(s, onSignal);
    listening = true;
  }
}

/** The temp file is gone (renamed into place or removed). */
export function releaseTemp(path: string): void {
  temps.delete(path);
  if (temps.size === 0 && listening) releaseLater();
}

/** The temp files registered right now (for tests). */
export function pendingTemps(): readonly string[] {
  return [...temps];
}

/**
 * Resolves once no temp file exists and the signal listeners installed for them are off again (a signal that came
 * during a write has been handled). Await it between a write and a long synchronous computation.
 */
export function tempFilesSettled(): Promise<void> {
  if (!listening) return Promise.resolve();
  return new Promise((resolve) => settledWaiters.push(resolve));
}
