/**
 * The WebAssembly SIMD kernels of the portable eigensolver (src/linalg/wasm/eigh.c, built into eighWasm.ts by
 * scripts/build-wasm.sh): gemm and the tridiagonalization panel (latrd), on buffers inside the module's memory. An
 * Arena hands out Float64Array views of that memory; the TypeScript algorithms run on those views and call the
 * kernels with their byte offsets. Where WebAssembly SIMD is unavailable (or the synchronous compile is refused, as
 * on a browser's main thread for modules over 4 KB: then an asynchronous compile starts and later calls use it),
 * `arena()` returns null and the caller uses the TypeScript kernels. NTK_PORTABLE_WASM=0 in the environment forces
 * that fallback.
 */
import { EIGH_WASM_BASE64 } from './eighWasm.js';

/** The little of the WebAssembly JS API used here (the project's TypeScript lib is ES2022 without DOM). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
  compile(bytes: Uint8Array): Promise<object>;
}
const WA = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

interface Exports {
  readonly memory: WasmMemory;
  readonly __heap_base: { readonly value: number };
  gemm(
    ta: number,
    tb: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: number,
    lda: number,
    B: number,
    ldb: number,
    beta: number,
    C: number,
    ldc: number,
  ): void;
  latrd(
    n: number,
    a: number,
    j0: number,
    jb: number,
    nb: number,
    V: number,
    W: number,
    vc: number,
    y: number,
    t: number,
    d: number,
    e: number,
    tau: number,
  ): void;
}

let module: object | null | undefined; // undefined: not tried; null: unavailable
let instance: Exports | null = null;
/** The background compile started where the synchronous one was refused. */
let pending: Promise<void> | null = null;
/** Memory above this is given back (the instance dropped) after each use. */
const KEEP_BYTES = 64 * 2 ** 20;
/** The most one arena may take (wasm32 memories stop at 4 GiB). */
const MAX_BYTES = 2 ** 31;

function bytes(): Uint8Array {
  const bin = atob(EIGH_WASM_BASE64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function disabled(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.NTK_PORTABLE_WASM === '0';
}

function getModule(): object | null {
  if (module !== undefined) return module;
  module = null;
  if (!WA) return null;
  const b = bytes();
  if (!WA.validate(b)) return null; // no SIMD128 or bulk memory
  try {
    module = new WA.Module(b);
  } catch {
    // Synchronous compilation refused (browser main thread): compile in the background for later calls.
    pending = WA.compile(b).then(
      (m) => void (module = m),
      () => undefined,
    );
  }
  return module;
}

/** A bump allocator of float64 views over the module's memory, sized once (growing memory detaches views). */
export class Arena {
  private top: number;
  private readonly end: number;
  constructor(
    private readonly ex: Exports,
    base: number,
    doubles: number,
  ) {
    this.top = base;
    this.end = base + doubles * 8;
  }
  /** `len` doubles, zeroed unless `zero` is false (for a buffer that is overwritten before it is read). */
  f64(len: number, zero = true): Float64Array {
    if (this.top + len * 8 > this.end) throw new Error(`wasm arena overflow (${len} doubles)`);
    const v = new Float64Array(this.ex.memory.buffer, this.top, len);
    if (zero) v.fill(0);
    this.top += len * 8;
    return v;
  }
  mark(): number {
    return this.top;
  }
  reset(mark: number): void {
    this.top = mark;
  }
  gemm(
    ta: boolean,
    tb: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: Float64Array,
    lda: number,
    B: Float64Array,
    ldb: number,
    beta: number,
    C: Float64Array,
    ldc: number,
  ): void {
    this.ex.gemm(+ta, +tb, m, n, k, alpha, A.byteOffset, lda, B.byteOffset, ldb, beta, C.byteOffset, ldc);
  }
  latrd(
    n: number,
    a: Float64Array,
    j0: number,
    jb: number,
    nb: number,
    V: Float64Array,
    W: Float64Array,
    vc: Float64Array,
    y: Float64Array,
    t: Float64Array,
    d: Float64Array,
    e: Float64Array,
    tau: Float64Array,
  ): void {
    const o = (x: Float64Array): number => x.byteOffset;
    this.ex.latrd(n, o(a), j0, jb, nb, o(V), o(W), o(vc), o(y), o(t), o(d), o(e), o(tau));
  }
}

/** An arena of `doubles` float64 slots in the kernels' memory, or null where the kernels cannot be used. */
export function arena(doubles: number): Arena | null {
  if (disabled()) return null;
  const mod = getModule();
  if (!mod) return null;
  try {
    if (!instance) instance = new WA!.Instance(mod, {}).exports as unknown as Exports;
    const base = (instance.__heap_base.value + 15) & ~15;
    const need = base + doubles * 8;
    if (need > MAX_BYTES) return null;
    const have = instance.memory.buffer.byteLength;
    if (need > have) instance.memory.grow(Math.ceil((need - have) / 65536));
    return new Arena(instance, base, doubles);
  } catch {
    return null; // out of memory: the TypeScript kernels need less
  }
}

/** Drops a large instance after use so that its memory can be collected (the compiled module is kept). */
export function releaseArena(): void {
  if (instance && instance.memory.buffer.byteLength > KEEP_BYTES) instance = null;
}

/** Whether the WebAssembly kernels can be used here (compiled, and not turned off by NTK_PORTABLE_WASM=0). */
export function wasmKernelsAvailable(): boolean {
  return !disabled() && getModule() !== null;
}

/**
 * Compiles the kernels asynchronously (for a browser's main thread, which refuses the synchronous compile of a
 * module over 4 KB: await this once before the first eigh there). Resolves true when the kernels are usable.
 */
export async function prepareWasmKernels(): Promise<boolean> {
  if (module === undefined && WA) {
    const b = bytes();
    module = null;
    if (WA.validate(b))
      pending = WA.compile(b).then(
        (m) => void (module = m),
        () => undefined,
      );
  }
  if (pending) await pending;
  return wasmKernelsAvailable();
}
