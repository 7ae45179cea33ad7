// Every `ntk …` command written in README.md and docs/*.md runs as written (issue #13 item 12, issue #16), with the
// `python3 -c` one-liners that write a page's example inputs: the rules,
// used by the *-commands.test.ts files beside it.
//
// Commands are read from the fenced shell blocks (```sh, ```bash or a bare ```), joined across trailing `\`, and run
// verbatim through bash with `ntk` defined as the README's tour defines it, one scratch folder per page, in page
// order (a later command may read what an earlier one wrote, as a reader following the page would).
// - A synopsis line (placeholders: SPEC, …, `[--`, `<name>`, FILE-like capitals) cannot run: its command must exist
//   and every flag it shows must appear in that command's --help.
// - A full-size preset run (`ntk run <preset>` without --quick) takes minutes to hours: it is started as written and
//   must get through config validation into its first unit (a progress line) before it is interrupted (SIGINT, exit 130).
// - Everything else must exit 0.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
export const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'), { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => `docs/${e.name}`)
    .sort(),
];

/** Pages with a *-commands.test.ts of their own. */
const OWN_FILE = ['README.md', 'docs/experiments.md', 'docs/json.md'];

/** The other pages, split in two halves by their number of commands (half 0 or 1), so each file stays short. */
export function otherPages(half: 0 | 1): string[] {
  const pages = PAGES.filter((p) => !OWN_FILE.includes(p));
  const counts = pages.map((p) => docCommands(p, readFileSync(join(ROOT, p), 'utf8')).length);
  const total = counts.reduce((a, b) => a + b, 0);
  let acc = 0;
  return pages.filter((_, i) => {
    const first = acc < total / 2;
    acc += counts[i];
    return half === 0 ? first : !first;
  });
}

interface DocCommand {
  readonly page: string;
  readonly line: number;
  readonly text: string;
}

/** The `ntk …` commands of a markdown page's shell blocks, comments stripped, continuations joined. */
export function docCommands(page: string, markdown: string): DocCommand[] {
  const out: DocCommand[] = [];
  const lines = markdown.split('\n');
  let inShell = false;
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*```(\w*)/.exec(lines[i]);
    if (fence) {
      if (inFence) inFence = inShell = false;
      else {
        inFence = true;
        inShell = ['', 'sh', 'bash', 'shell', 'console'].includes(fence[1]);
      }
      continue;
    }
    if (!inShell) continue;
    let text = lines[i].replace(/^\s*\$\s+/, '');
    // ntk commands, and the python3 one-liners that write a page's example inputs
    if (!/^\s*(ntk|python3)\s/.test(text)) continue;
    const start = i + 1;
    while (/\\\s*$/.test(text) && i + 1 < lines.length) text = `${text.replace(/\\\s*$/, ' ')}${lines[++i].trim()}`;
    out.push({ page, line: start, text: stripComment(text).trim() });
  }
  return out;
}

/** Drop a trailing `# comment` that is outside quotes. */
function stripComment(s: string): string {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) {
      if (c === q) q = null;
    } else if (c === "'" || c === '"') q = c;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]))) return s.slice(0, i);
  }
  return s;
}

const isSynopsis = (t: string): boolean => /^ntk\s/.test(t) && /SPEC|…|\s\[|<[a-z]/.test(t);
const isFullPreset = (t: string): boolean => /^ntk run\s/.test(t) && !/--quick\b/.test(t);

function usageOf(command: string): string {
  const r = spawnSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `ntk ${command} --help: ${r.stderr}`);
  return r.stdout;
}

/** A scratch folder standing in for the repository root: examples/ is linked in, outputs stay out of the checkout. */
function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'ntk-docs-'));
  symlinkSync(join(ROOT, 'examples'), join(d, 'examples'));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const bash = (text: string): string[] => ['-c', `ntk() { node ${JSON.stringify(CLI)} "$@"; }\n${text}`];

function runToEnd(text: string, cwd: string): { status: number | null; out: string } {
  const r = spawnSync('bash', bash(text), {
    cwd,
    env: { ...process.env, HOME: cwd },
    encoding: 'utf8',
    timeout: 280_000,
    maxBuffer: 64 << 20,
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}`.slice(-3000) };
}

/**
 * Start a long run and wait for its first progress line (config validated, a unit under way); then interrupt it
 * (SIGINT, again after 3 s: the runner exits at once on the second; SIGKILL after 15 s if a native call holds the
 * thread). Resolves with whether progress was seen, the exit code (null when killed) and the output.
 */
function runUntilProgress(
  text: string,
  cwd: string,
): Promise<{ progressed: boolean; status: number | null; out: string }> {
  return new Promise((res) => {
    // exec: the shell becomes node, so the signals reach the run itself
    const child = spawn('bash', bash(`exec ${text.replace(/^ntk /, `node ${JSON.stringify(CLI)} `)}`), {
      cwd,
      env: { ...process.env, HOME: cwd },
    });
    let out = '';
    let progressed = false;
    const timers: NodeJS.Timeout[] = [setTimeout(() => child.kill('SIGKILL'), 200_000)];
    const onData = (b: Buffer): void => {
      out += b.toString();
      if (!progressed && /\] \d+\/\d+ \(\d+%\) /.test(out)) {
        progressed = true;
        child.kill('SIGINT');
        timers.push(setTimeout(() => child.kill('SIGINT'), 3000));
        timers.push(setTimeout(() => child.kill('SIGKILL'), 15_000));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (status) => {
      for (const t of timers) clearTimeout(t);
      res({ progressed, status, out: out.slice(-3000) });
    });
  });
}

const ALL = PAGES.flatMap((p) => docCommands(p, readFileSync(join(ROOT, p), 'utf8')));

const COMMANDS = new Set(
  (spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' }).stdout.match(/^ {2}(\w+) /gm) ?? []).map((s) =>
    s.trim(),
  ),
);

/** One suite per page, its commands in page order in one scratch folder (the test files split the pages so that
 * each file stays within the runner's 5-minute limit). */
export function testPages(pages: readonly string[]): void {
  it('the docs commands are found', () => {
    assert.ok(ALL.length >= 20, `only ${ALL.length} commands found in README.md and docs/`);
    assert.ok(ALL.some((c) => c.page === 'README.md' && c.text.startsWith('ntk train')));
  });
  for (const page of pages) testPage(page);
}

function testPage(page: string): void {
  const cmds = ALL.filter((c) => c.page === page);
  if (cmds.length === 0) return;
  describe(`${page}: every ntk command runs as written`, () => {
    const cwd = scratch();
    for (const c of cmds) {
      const name = `${c.page}:${c.line}  ${c.text}`;
      if (isSynopsis(c.text)) {
        it(`synopsis ${name}`, () => {
          const sub = c.text.split(/\s+/)[1];
          assert.ok(COMMANDS.has(sub), `'ntk ${sub}' is not a command`);
          const usage = usageOf(sub);
          for (const flag of c.text.match(/--[a-z][a-z0-9-]*/g) ?? []) {
            assert.ok(usage.includes(flag), `ntk ${sub} --help does not mention ${flag}`);
          }
        });
      } else if (isFullPreset(c.text)) {
        it(`starts ${name}`, async () => {
          const r = await runUntilProgress(c.text, cwd);
          assert.ok(r.progressed && (r.status === 130 || r.status === null), `expected a started run:\n${r.out}`);
        });
      } else {
        it(`runs ${name}`, () => {
          const r = runToEnd(c.text, cwd);
          assert.equal(r.status, 0, r.out);
        });
      }
    }
  });
}

/** The example commands of a --help text: the `ntk …` lines of its `examples` section(s). */
export function helpExamples(usage: string): string[] {
  const out: string[] = [];
  let inExamples = false;
  for (const line of usage.split('\n')) {
    if (/^examples\b/.test(line)) inExamples = true;
    else if (inExamples && /^\s+ntk\s/.test(line)) out.push(stripComment(line).trim());
    else if (!/^\s/.test(line) || line.trim() === '') inExamples = false;
  }
  return out;
}

/** Every example of every `ntk <command> --help` runs as written (the same rules), in command order, one folder. */
export function testHelpExamples(): void {
  describe('every example in ntk <command> --help runs as written', () => {
    const cwd = scratch();
    const all = [...COMMANDS].flatMap((c) => helpExamples(usageOf(c)).map((text) => ({ c, text })));
    it('the help texts have examples', () => {
      for (const c of ['data', 'kernel', 'empirical', 'analyze', 'train', 'run', 'report'])
        assert.ok(
          all.some((e) => e.c === c),
          `ntk ${c} --help has no examples section`,
        );
    });
    for (const { c, text } of all) {
      it(`ntk ${c} --help: ${text}`, async () => {
        if (isFullPreset(text)) {
          const r = await runUntilProgress(text, cwd);
          assert.ok(r.progressed && (r.status === 130 || r.status === null), `expected a started run:\n${r.out}`);
          return;
        }
        const r = runToEnd(text, cwd);
        assert.equal(r.status, 0, r.out);
      });
    }
  });
}
