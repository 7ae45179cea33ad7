/**
 * Progress of a long command on stderr: one self-overwriting line with the fraction done, the elapsed time and an
 * ETA (linear in the work done so far), only when stderr is a terminal — pipes, files and CI logs get nothing.
 * `NTK_PROGRESS=0` turns it off on a terminal too, `NTK_PROGRESS=1` forces it on (tests).
 */

/** m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export interface Progress {
  /** `done` of `total` units finished. */
  update(done: number, total: number): void;
  /** Clear the line (call once, before the summary). */
  end(): void;
}

const NONE: Progress = { update() {}, end() {} };

export function progressEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  const env = process.env.NTK_PROGRESS;
  if (env === '0') return false;
  if (env === '1') return true;
  return stream.isTTY === true;
}

/** A progress line `label: 37% (12/32 unit) 0:04, ETA 0:07`, redrawn at most 10 times a second. */
export function progress(label: string, unit: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!progressEnabled(stream)) return NONE;
  const t0 = performance.now();
  let last = -Infinity;
  let drawn = false;
  const tty = stream.isTTY === true;
  return {
    update(done, total) {
      const now = performance.now();
      if (done < total && now - last < (tty ? 100 : 1000)) return;
      last = now;
      const el = (now - t0) / 1000;
      const eta = done > 0 ? (el * (total - done)) / done : NaN;
      const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
      const line = `${label}: ${pct}% (${done}/${total} ${unit}) ${formatDuration(el)}, ETA ${formatDuration(eta)}`;
      stream.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
      drawn = true;
    },
    end() {
      if (drawn && tty) stream.write('\r\x1b[K');
    },
  };
}
