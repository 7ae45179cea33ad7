// The package installs as documented (issue #16): `npm pack` the built tree, install the tarball into a fresh folder
// (offline: its dependencies are linked from this checkout's node_modules, so no registry is needed), then
// - every subpath in package.json "exports" imports, and the documented names are there (`parseArch`, `Rng`, …);
// - the tarball ships what error messages and docs point to (scripts/setup-data.sh, examples/, LICENSE, …);
// - every ```ts / ```js block of README.md and docs/*.md that imports from 'ntk-lab' runs as written (TypeScript
//   through tsx), from the installed package, each in its own file (top-level await allowed);
// - the installed `ntk` bin answers --version, and its `ntk serve` serves the built browser lab (web/dist) that the
//   tarball ships;
// - where this checkout's own addon is built (the toolchain exists), `npm rebuild ntk-lab` builds the installed
//   package's addon and it reports the native backend. The install itself runs with --ignore-scripts because the
//   dependencies are linked as directories, and npm runs a directory dependency's `prepare` (bullmq's `husky`,
//   absent here); npm 11 does run a tarball's `install` script (node-gyp) otherwise — README, "Installing the package".
// Blocks without an `ntk-lab` import are signature listings (types, call shapes) and are not run.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { PAGES } from './commands.js';

const ROOT = resolve(import.meta.dirname, '../..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  exports: Record<string, unknown>;
  dependencies: Record<string, string>;
};
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
/** The native toolchain exists here when this checkout's own addon was built (scripts/setup.sh, npm ci). */
const HAVE_TOOLCHAIN = existsSync(join(ROOT, 'build/Release/ntk_native.node'));

interface Snippet {
  readonly page: string;
  readonly line: number;
  readonly code: string;
}

/** The ```ts/```js blocks of a page that import from ntk-lab. */
export function librarySnippets(page: string, markdown: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|js|typescript|javascript)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    const body: string[] = [];
    while (++i < lines.length && !/^```/.test(lines[i])) body.push(lines[i]);
    const code = body.join('\n');
    if (/from '(ntk-lab)(\/[a-z]+)?'/.test(code)) out.push({ page, line: start, code });
  }
  return out;
}

describe('the packed package, installed into a fresh folder', () => {
  let dir = '';
  let app = '';
  let tarball = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ntk-pack-'));
    app = join(dir, 'app');
    // the browser lab ships built (web/dist, as prepack builds it)
    const { buildWeb } = (await import(join(ROOT, 'web', 'build.mjs'))) as {
      buildWeb(o: { quiet: boolean; minify: boolean }): Promise<string>;
    };
    await buildWeb({ quiet: true, minify: true });
    // dist/ is built before the suite; --ignore-scripts: no prepack rebuild, no native build on install
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const info = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
    tarball = join(dir, info[0].filename);
    execFileSync('mkdir', ['-p', app]);
    const deps: Record<string, string> = { 'ntk-lab': `file:${tarball}` };
    for (const name of Object.keys(PKG.dependencies)) deps[name] = `file:${join(ROOT, 'node_modules', name)}`;
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: deps }),
    );
    execFileSync('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: app,
      encoding: 'utf8',
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const node = (file: string, cwd: string) =>
    spawnSync(process.execPath, ['--import', TSX, file], {
      cwd,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });

  it('ships the files its errors and docs point to', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const f of [
      'LICENSE',
      'CHANGELOG.md',
      'CONTRIBUTING.md',
      'README.md',
      'scripts/setup-data.sh',
      'examples/label-alignment.yaml',
      'docs/data.md',
      'dist/cli/main.js',
      'dist/index.d.ts',
      'web/dist/index.html',
      'web/dist/app.js',
      'web/dist/worker.js',
      'web/dist/style.css',
      'web/dist/data/mnist-train-x.npy',
    ])
      assert.ok(listing.includes(`package/${f}`), `the tarball lacks ${f}`);
    assert.ok(!listing.some((f) => f.includes('/test/') || (f.endsWith('.ts') && !f.endsWith('.d.ts'))));
  });

  it('every "exports" subpath imports, with the documented names', () => {
    const subpaths = Object.keys(PKG.exports).filter((k) => k !== './package.json');
    const lines = subpaths.map((s) => {
      const spec = s === '.' ? 'ntk-lab' : `ntk-lab/${s.slice(2)}`;
      return `{ const m = await import('${spec}'); if (Object.keys(m).length === 0) throw new Error('${spec}: empty'); }`;
    });
    lines.push(
      "import { parseArch, Rng, nn, empirical, corruptTargets } from 'ntk-lab';",
      "import { buildNetwork, init, Rng as NnRng } from 'ntk-lab/nn';",
      "import { empiricalNtk } from 'ntk-lab/empirical';",
      "if (typeof parseArch !== 'function' || Rng !== NnRng || nn.Rng !== Rng) throw new Error('Rng/parseArch');",
      "if (typeof empirical.empiricalNtk !== 'function' || empiricalNtk !== empirical.empiricalNtk) throw new Error('e');",
      "if (typeof corruptTargets !== 'function' || typeof buildNetwork !== 'function') throw new Error('c');",
      "init(buildNetwork('dense(2)', [3]), new Rng(0));",
    );
    writeFileSync(join(app, 'exports.ts'), lines.join('\n'));
    const r = node('exports.ts', app);
    assert.equal(r.status, 0, r.stderr);
  });

  it(
    'npm rebuild ntk-lab builds the installed addon: the package reports the native backend',
    { skip: !HAVE_TOOLCHAIN },
    () => {
      writeFileSync(
        join(app, 'backend.ts'),
        "import { backend } from 'ntk-lab/linalg';\nconsole.log(backend().info().name);\n",
      );
      assert.equal(node('backend.ts', app).stdout.trim(), 'portable', 'installed with --ignore-scripts: no addon yet');
      execFileSync('npm', ['rebuild', 'ntk-lab', '--offline'], { cwd: app, encoding: 'utf8' });
      assert.ok(existsSync(join(app, 'node_modules/ntk-lab/build/Release/ntk_native.node')), 'the addon was built');
      const r = node('backend.ts', app);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'native', r.stderr);
    },
  );

  it('the installed ntk bin runs', () => {
    const r = spawnSync(join(app, 'node_modules/.bin/ntk'), ['--version'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), PKG.version);
  });

  it('the installed `ntk serve` serves the browser lab from the package', async () => {
    const child = spawn(join(app, 'node_modules/.bin/ntk'), ['serve', '--port', '0', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const line = await new Promise<string>((ok, fail) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('\n')) ok(out.split('\n')[0]);
        });
        child.once('exit', (code) => fail(new Error(`ntk serve exited (${code}) before listening:\n${err}`)));
      });
      const info = JSON.parse(line) as { url: string; app: string };
      assert.equal(info.app, join(realpathSync(join(app, 'node_modules/ntk-lab')), 'web', 'dist'));
      assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await fetch(new URL('index.html', info.url));
      assert.equal(index.status, 200);
      const html = await index.text();
      assert.equal(html, readFileSync(join(app, 'node_modules/ntk-lab/web/dist/index.html'), 'utf8'));
      assert.match(html, /<script type="module" src="app\.js"><\/script>/);
      for (const f of ['app.js', 'worker.js', 'style.css', 'data/mnist-train-x.npy'])
        assert.equal((await fetch(new URL(f, info.url), { method: 'HEAD' })).status, 200, f);
    } finally {
      // Ctrl-C stops it: exit 0 (a server left listening would keep the process alive: killed after 10 s, fails)
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      assert.equal(code, 0, `ntk serve did not exit on SIGINT\n${err}`);
    }
  });

  const snippets = PAGES.flatMap((p) => librarySnippets(p, readFileSync(join(ROOT, p), 'utf8')));
  it('finds the library snippets of README.md and docs/', () => {
    assert.ok(snippets.some((s) => s.page === 'README.md'));
    assert.ok(snippets.length >= 8, `${snippets.length} snippets`);
  });
  for (const s of snippets) {
    it(`${s.page}:${s.line} runs as written`, () => {
      const file = `snippet-${s.page.replace(/\W/g, '_')}-${s.line}.ts`;
      writeFileSync(join(app, file), `${s.code}\nexport {};\n`);
      const r = node(file, app);
      assert.equal(r.status, 0, `${s.page}:${s.line}\n${r.stdout}\n${r.stderr}`);
    });
  }
});
