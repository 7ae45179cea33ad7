/**
 * The `process` the library's modules see in the browser (esbuild `inject`): the portable backend, no native
 * SIMD kernels, no memory limit from the environment, and what `process.availableMemory()` gives a 32-bit-heap
 * tab (2 GiB). Only read by the library (src/linalg/registry.ts, simd.ts, src/util/memory.ts).
 */
export const process = {
  env: { NTK_BACKEND: 'portable', NTK_SIMD: 'off' } as Record<string, string | undefined>,
  availableMemory: (): number => 2 ** 31,
  stderr: { write: (s: string): boolean => (console.warn(s), true) },
};

/** node's setImmediate (the trainer yields with it between steps): a MessageChannel task, without setTimeout's 4 ms clamp. */
const queue: (() => void)[] = [];
let channel: MessageChannel | undefined;
export function setImmediate(fn: (...a: unknown[]) => void, ...args: unknown[]): void {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => queue.shift()?.();
  }
  queue.push(() => fn(...args));
  channel.port2.postMessage(0);
}
