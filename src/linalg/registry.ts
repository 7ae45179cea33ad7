import type { Backend } from './backend.js';
import { loadNativeBackend } from './native.js';
import { portableBackend } from './portable.js';

export type BackendName = 'native' | 'portable';

let current: Backend | undefined;
let nativeError: string | undefined;

/**
 * The backend in use. The first call picks `native` unless `NTK_BACKEND=portable`; if the addon cannot be loaded it
 * falls back to `portable` and prints a one-line warning on stderr saying why.
 */
export function backend(): Backend {
  if (current) return current;
  const wanted = process.env.NTK_BACKEND === 'portable' ? 'portable' : 'native';
  current = wanted === 'portable' ? portableBackend : (tryNative() ?? portableBackend);
  if (wanted === 'native' && current.name === 'portable') {
    process.stderr.write(
      `ntk-lab: warning: native backend unavailable (${nativeError}); using the portable TypeScript backend (much slower)\n`,
    );
  }
  return current;
}

function tryNative(): Backend | undefined {
  try {
    return loadNativeBackend();
  } catch (e) {
    nativeError = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return undefined;
  }
}

/** Switch backends explicitly (tests run the same suite on both). Throws if `native` cannot be loaded. */
export function setBackend(name: BackendName): Backend {
  if (name === 'portable') current = portableBackend;
  else {
    const b = tryNative();
    if (!b) throw new Error(`native backend unavailable: ${nativeError}`);
    current = b;
  }
  return current;
}

/** Why the native backend failed to load, if it did. */
export function nativeLoadError(): string | undefined {
  return nativeError;
}
