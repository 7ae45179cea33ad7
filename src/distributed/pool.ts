/**
 * Worker threads that compute a job's tiles (`ntk worker`): each thread opens the job's tiling once (the same code
 * as the single-machine path) and computes the tiles it is sent; blocks come back as transferred buffers.
 */
import { Worker } from 'node:worker_threads';
import type { JobData } from './job.js';

type Reply = { ready: true } | { k: number; block: Float64Array } | { k?: number; error: string };

export class TilePool {
  private readonly threads: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private readonly pending = new Map<Worker, { resolve: (b: Float64Array) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;

  constructor(data: JobData, threads: number) {
    for (let i = 0; i < Math.max(1, threads); i++) {
      const w = spawn(data);
      this.threads.push(w);
      this.idle.push(w);
      w.on('message', (m: Reply) => {
        if ('ready' in m) return;
        const p = this.pending.get(w);
        this.pending.delete(w);
        if ('error' in m) p?.reject(new Error(m.error));
        else p?.resolve(m.block);
        this.release(w);
      });
      w.on('error', (e) => {
        this.failure = e;
        const p = this.pending.get(w);
        this.pending.delete(w);
        p?.reject(e);
      });
    }
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  /** Tile k's block, computed on the next free thread. */
  async compute(k: number): Promise<Float64Array> {
    if (this.failure) throw this.failure;
    const w = this.idle.pop() ?? (await new Promise<Worker>((r) => this.waiting.push(r)));
    return new Promise((resolve, reject) => {
      this.pending.set(w, { resolve, reject });
      w.postMessage({ k });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((w) => w.terminate()));
  }
}

function spawn(data: JobData): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // running from source under tsx: register tsx's loader inside the thread, then load thread.ts
    const api = import.meta.resolve('tsx/esm/api');
    const target = new URL('./thread.ts', here).href;
    const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
    return new Worker(code, { eval: true, workerData: data });
  }
  return new Worker(new URL('./thread.js', here), { workerData: data });
}
