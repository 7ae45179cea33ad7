/**
 * A kernel .npy written tile by tile in place: a float64 (rows, cols) file is laid out at full size in a temporary
 * (or resumable partial) file next to the target, tiles are written at their offsets (and their transposes at the
 * mirror offsets of a symmetric kernel), and the finished file is fsynced and renamed over the target — the bytes
 * writeMatrixNpy writes for the same matrix. Memory: one tile, never the kernel.
 */
import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { InvalidArgumentError, NonFiniteError, OutputError } from '../errors.js';
import type { Tile } from '../analytic/kernelFn.js';
import { errnoOf, describeErrno, resolveOutputTarget } from '../io/atomic.js';
import { npyHeader } from '../io/npy.js';

export class KernelFile {
  readonly path: string;
  readonly rows: number;
  readonly cols: number;
  /** whether an existing file of the same header was continued (resume) */
  readonly resumed: boolean;
  private fd: number;
  private readonly offset: number;

  /**
   * Open `path` for writing a (rows, cols) float64 kernel: an existing file with the same header is kept (resume),
   * anything else is replaced by a new file of full size.
   */
  constructor(path: string, rows: number, cols: number) {
    this.path = path;
    this.rows = rows;
    this.cols = cols;
    const header = npyHeader([rows, cols], 'float64');
    this.offset = header.byteLength;
    const size = header.byteLength + 8 * rows * cols;
    try {
      let keep = false;
      if (existsSync(path)) {
        const fd = openSync(path, 'r');
        const head = new Uint8Array(header.byteLength);
        const got = readSync(fd, head, 0, head.byteLength, 0);
        closeSync(fd);
        keep = got === head.byteLength && Buffer.from(head).equals(Buffer.from(header));
      }
      this.fd = openSync(
        path,
        keep ? constants.O_RDWR : constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC,
        0o644,
      );
      ftruncateSync(this.fd, size);
      if (!keep) writeSync(this.fd, header, 0, header.byteLength, 0);
      this.resumed = keep;
    } catch (e) {
      throw fail(path, e);
    }
  }

  /**
   * Write tile t's block (rows t.i0·R…, columns t.j0·R…) and, when `mirror`, its transpose. A non-finite entry is
   * refused (NonFiniteError naming the kernel entry) before anything of the tile is written.
   */
  put(t: Tile, R: number, block: Float64Array, mirror: boolean, tileName: string): void {
    const r0 = t.i0 * R;
    const c0 = t.j0 * R;
    const N1 = (t.i1 - t.i0) * R;
    const N2 = (t.j1 - t.j0) * R;
    if (block.length !== N1 * N2)
      throw new InvalidArgumentError('KernelFile.put', 'block', `${N1}×${N2} entries`, block.length);
    let bad = -1;
    let count = 0;
    for (let i = 0; i < block.length; i++)
      if (!Number.isFinite(block[i])) {
        if (bad < 0) bad = i;
        count++;
      }
    if (bad >= 0) {
      const r = Math.floor(bad / N2);
      throw new NonFiniteError(
        'ntk-lab distributed kernel',
        'kernel',
        [r0 + r, c0 + (bad % N2)],
        block[bad],
        count,
        `${tileName} holds non-finite values (overflow for these inputs: the single-machine run refuses them too)`,
      );
    }
    try {
      const bytes = new Uint8Array(block.buffer, block.byteOffset, block.byteLength);
      for (let r = 0; r < N1; r++)
        writeSync(this.fd, bytes, r * N2 * 8, N2 * 8, this.offset + ((r0 + r) * this.cols + c0) * 8);
      if (mirror) {
        const col = new Float64Array(N1);
        const cb = new Uint8Array(col.buffer);
        for (let c = 0; c < N2; c++) {
          for (let r = 0; r < N1; r++) col[r] = block[r * N2 + c];
          writeSync(this.fd, cb, 0, cb.byteLength, this.offset + ((c0 + c) * this.cols + r0) * 8);
        }
      }
    } catch (e) {
      throw fail(this.path, e);
    }
  }

  /** Flush the written tiles to disk (before recording them as done). */
  sync(): void {
    try {
      fsyncSync(this.fd);
    } catch (e) {
      throw fail(this.path, e);
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** fsync, close and rename over `target` (links followed, as writeFileAtomic does). */
  finish(target: string): void {
    this.sync();
    this.close();
    const t = resolveOutputTarget(target);
    if (t.kind !== 'file')
      throw new OutputError(target, 'a distributed kernel is written to a regular file (not a device or -)');
    try {
      renameSync(this.path, t.path);
    } catch (e) {
      throw fail(target, e);
    }
  }

  /** Close and remove the file. */
  discard(): void {
    this.close();
    rmSync(this.path, { force: true });
  }
}

function fail(path: string, e: unknown): unknown {
  const code = errnoOf(e);
  return code === undefined ? e : new OutputError(path, `cannot write (${describeErrno(code, e)})`, code);
}
