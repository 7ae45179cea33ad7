/**
 * `ntk serve [RUN_DIR] [--port P]`: the browser lab (web/dist, built by `npm run build:web`) on a small static
 * HTTP server bound to 127.0.0.1, and a run folder under /run/ that the page opens (docs/web.md).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, InvalidArgumentError } from '../errors.js';
import { packageRoot } from '../data/paths.js';
import type { Command } from './command.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.npy': 'application/octet-stream',
  '.jsonl': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
};

/** The built app's folder: `<package root>/web/dist`; a ConfigError when it has not been built. */
export function webAppDir(root = packageRoot()): string {
  const dir = join(root, 'web', 'dist');
  if (!existsSync(join(dir, 'index.html')) || !existsSync(join(dir, 'worker.js')))
    throw new ConfigError(dir, 'the browser app is not built: run `npm run build:web` (docs/web.md)');
  return dir;
}

/** `file` under `base` for a URL path, or null when it leaves base or is not a file. */
function within(base: string, urlPath: string): string | null {
  const p = resolve(base, `.${normalize(`/${urlPath}`)}`);
  if (p !== base && !p.startsWith(base + sep)) return null;
  try {
    const s = statSync(p);
    if (s.isDirectory()) return within(base, `${urlPath}/index.html`);
    return s.isFile() ? p : null;
  } catch {
    return null;
  }
}

/** A static server for the app (and `runDir` under /run/) on 127.0.0.1:port (0: any free port). */
export function serveApp(
  appDir: string,
  runDir: string | null,
  port: number,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    const file =
      runDir !== null && (path === '/run' || path.startsWith('/run/'))
        ? within(runDir, path.slice(4))
        : within(appDir, path);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${path}\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const a = server.address();
      const p = typeof a === 'object' && a ? a.port : port;
      ok({ server, url: `http://127.0.0.1:${p}/${runDir !== null ? '#run=run/' : ''}` });
    });
  });
}

export const serve: Command = {
  usage: `ntk serve [RUN_DIR] [--port P] [--json]

Serves the browser lab (docs/web.md) on http://127.0.0.1:P/ (built by \`npm run build:web\` into web/dist; the
same folder works from any static host). With RUN_DIR, the folder of an \`ntk run\` is served under /run/ and the
page opens its report.json and figures. Stops on Ctrl-C.
  --port P    TCP port on 127.0.0.1 (default 8080; 0: any free port)
  --json      print {"url", "app", "run"} as JSON on stdout once listening

Exit codes: 0 ok (stopped), 2 bad input (the app not built, RUN_DIR without report.json, a bad port).`,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { port: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    const port = values.port === undefined ? 8080 : Number(values.port);
    if (!(Number.isInteger(port) && port >= 0 && port <= 65535))
      throw new InvalidArgumentError('serve', '--port', 'an integer in [0, 65535]', values.port);
    if (positionals.length > 1)
      throw new InvalidArgumentError('serve', 'RUN_DIR', 'at most one folder', positionals.join(' '));
    const runDir = positionals.length ? resolve(positionals[0]) : null;
    if (runDir !== null && !existsSync(join(runDir, 'report.json')))
      throw new ConfigError('RUN_DIR', `${runDir} has no report.json (a folder written by \`ntk run\`)`);
    const app = webAppDir();
    let url: string;
    let server: Server;
    try {
      ({ server, url } = await serveApp(app, runDir, port));
    } catch (e) {
      throw new InvalidArgumentError(
        'serve',
        '--port',
        'a free port on 127.0.0.1',
        `${port} (${(e as Error).message})`,
      );
    }
    if (values.json) process.stdout.write(`${JSON.stringify({ url, app, run: runDir })}\n`);
    else
      process.stdout.write(
        `ntk serve: the lab at ${url}  (app ${app}${runDir ? `, run ${runDir}` : ''}; Ctrl-C stops)\n`,
      );
    await new Promise<void>((done) => process.once('SIGINT', () => done()));
    // stop listening and drop idle keep-alive connections, so that the process exits
    server.close();
    server.closeAllConnections();
    return 0;
  },
};
