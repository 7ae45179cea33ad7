/**
 * The browser build's stand-in for native.ts (web/build.mjs substitutes it, as a package.json "browser" field
 * would): there is no addon in a browser, so loading it fails and the registry uses the portable backend.
 */
import type { Backend } from './backend.js';

export const ADDON_PATH = '';

export function chooseCoreType(): string {
  return 'OPENBLAS_CORETYPE: not applicable (browser)';
}

export function loadNativeBackend(): Backend {
  throw new Error('the native addon is not available in a browser');
}
