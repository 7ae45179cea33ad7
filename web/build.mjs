// Builds the browser lab (docs/web.md) into web/dist/: the page (index.html, app.js, style.css), the Web Worker
// (worker.js) and the shipped data subset (data/*.npy: uint8 images and labels cut from the dataset loaders' files).
// Run by `npm run build:web` (through tsx: the data step calls the library's loaders from src/).
//   node --import tsx web/build.mjs [--no-data] [--minify]
import { builtinModules } from 'node:module';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const WEB = dirname(fileURLToPath(import.meta.url));
const ROOT = join(WEB, '..');
const OUT = join(WEB, 'dist');
const args = new Set(process.argv.slice(2));

/** The shipped subset: the first N rows of each split, as the loaders read them. */
export const SUBSET = { train: 2000, test: 1000 };

/**
 * The few values the library reads from node built-ins when its modules load or to size work: what they are in a
 * browser tab (one thread in the worker; typed arrays up to 2³² elements). Everything else throws when called.
 */
const BROWSER_VALUES = `{
  buffer: { constants: { MAX_LENGTH: 2 ** 32 } },
  os: { availableParallelism: () => 1, cpus: () => [{}], freemem: () => 2 ** 31, totalmem: () => 2 ** 31 },
}`;

const NODE = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/**
 * Node built-ins are unavailable in the browser: importing one gives a module whose functions throw when called
 * (the library only calls them on file paths, which the lab never takes). src/linalg/native.ts is replaced by
 * native.browser.ts (no addon), as a package.json "browser" field would.
 */
const browserSeams = {
  name: 'browser-seams',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (a) => {
      if (NODE.has(a.path)) return { path: a.path.replace(/^node:/, ''), namespace: 'node-unavailable' };
      if (a.path === './native.js' && a.importer.endsWith(join('src', 'linalg', 'registry.ts')))
        return { path: join(ROOT, 'src', 'linalg', 'native.browser.ts') };
      if (a.path === './native.js' && a.importer.endsWith(join('src', 'linalg', 'simd.ts')))
        return { path: join(ROOT, 'src', 'linalg', 'native.browser.ts') };
      return undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'node-unavailable' }, (a) => ({
      contents: `const name = ${JSON.stringify(a.path)};
const known = (${BROWSER_VALUES})[name] ?? {};
module.exports = new Proxy(known, { get: (t, k) => k in t ? t[k] : k === '__esModule' ? false : (k === 'default' ? module.exports : () => {
  throw new Error('node:' + name + '.' + String(k) + ' is not available in the browser');
}) });`,
      loader: 'js',
    }));
  },
};

/**
 * Each file written whole under a temporary name, then renamed: a build running beside another (the web and the
 * package tests each build the app) or beside `npm pack` never leaves a half-written file for them to read.
 */
function writeAtomic(path, bytes) {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

async function bundle(minify) {
  mkdirSync(OUT, { recursive: true });
  const common = {
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'chrome110',
    sourcemap: false,
    minify,
    legalComments: 'none',
    logLevel: 'warning',
    inject: [join(WEB, 'src', 'processShim.ts')],
    plugins: [browserSeams],
    metafile: true,
  };
  const r = await esbuild.build({
    ...common,
    entryPoints: { app: join(WEB, 'src', 'main.ts'), worker: join(WEB, 'src', 'worker.ts') },
    outdir: OUT,
    write: false,
  });
  for (const f of r.outputFiles) writeAtomic(f.path, f.contents);
  writeAtomic(join(OUT, 'index.html'), readFileSync(join(WEB, 'src', 'index.html')));
  writeAtomic(join(OUT, 'style.css'), readFileSync(join(WEB, 'src', 'style.css')));
  return r.metafile;
}

async function data() {
  const dir = join(OUT, 'data');
  mkdirSync(dir, { recursive: true });
  const names = ['mnist', 'fashion-mnist'].flatMap((d) =>
    Object.keys(SUBSET).flatMap((s) => [`${d}-${s}-x.npy`, `${d}-${s}-y.npy`]),
  );
  if (names.every((f) => existsSync(join(dir, f)))) return [];
  const lib = await import(pathToFileURL(join(ROOT, 'src', 'index.ts')).href);
  const sets = [
    ['mnist', (s) => lib.loadMnistRaw(s)],
    ['fashion-mnist', (s) => lib.loadFashionMnistRaw(s)],
  ];
  const made = [];
  for (const [name, load] of sets) {
    for (const [split, n] of Object.entries(SUBSET)) {
      const x = join(dir, `${name}-${split}-x.npy`);
      const y = join(dir, `${name}-${split}-y.npy`);
      if (existsSync(x) && existsSync(y)) continue;
      let raw;
      try {
        raw = load(split);
      } catch (e) {
        console.warn(`web: ${name} ${split} not shipped: ${e.message.split('\n')[0]}`);
        continue;
      }
      const [h, w, c] = raw.imageShape;
      const d = raw.features.d;
      writeAtomic(x, lib.encodeNpy(raw.features.data.subarray(0, n * d), [n, h, w, c], 'uint8'));
      writeAtomic(y, lib.encodeNpy(Uint8Array.from(raw.y.subarray(0, n)), [n], 'uint8'));
      made.push(x, y);
    }
  }
  return made;
}

/** Bundle the app and (unless `noData`) write the shipped subset's files that are missing; returns web/dist. */
export async function buildWeb({ noData = false, minify = true, quiet = false } = {}) {
  await bundle(minify);
  if (!noData) await data();
  const size = (f) => statSync(join(OUT, f)).size;
  if (!quiet)
    console.log(
      `web/dist: app.js ${(size('app.js') / 1024).toFixed(0)} KiB, worker.js ${(size('worker.js') / 1024).toFixed(0)} KiB`,
    );
  return OUT;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  await buildWeb({ noData: args.has('--no-data'), minify: args.has('--minify') });
