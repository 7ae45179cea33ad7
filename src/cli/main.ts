#!/usr/bin/env node
/** The `ntk` command: a thin shell over the library. Exit codes: 0 ok, 1 unexpected failure, 2 bad input. */
import { NtkError } from '../errors.js';
import { VERSION } from '../version.js';
import type { CommandEntry } from './command.js';
import { usageFlags } from './completion.js';
import { didYouMean } from '../util/suggest.js';

// each module is imported only when its command runs (start-up loads one command, not all of them).
// Listed in workflow order: data → kernels (analytic, empirical) → analysis → training → experiments → tools.
const COMMANDS: CommandEntry[] = [
  {
    name: 'data',
    summary: 'describe a dataset spec (n, d, classes, norms, coherence ρ) and export X/y as .npy',
    load: async () => (await import('./data.js')).data,
  },
  {
    name: 'kernel',
    summary: 'analytic infinite-width NTK / NNGP of an architecture on data (--check-pd: λ_min, condition number)',
    load: async () => (await import('./kernel.js')).kernel,
  },
  {
    name: 'empirical',
    summary: 'empirical NTK of a finite network at initialization (structured or Jacobian), as .npy',
    load: async () => (await import('./empirical.js')).empirical,
  },
  {
    name: 'analyze',
    summary: 'spectrum, label alignment, convergence bounds and generalization of a kernel matrix (.npy)',
    load: async () => (await import('./analyze.js')).analyze,
  },
  {
    name: 'predict',
    summary: 'NNGP posterior and NTK-GP predictions on a test set (times, covariances, leave-one-out ridge, accuracy)',
    load: async () => (await import('./predict.js')).predict,
  },
  {
    name: 'train',
    summary: 'train a network and its linearization by GD (mse/ce/soft-ce, regularization), tracking NTK dynamics',
    load: async () => (await import('./train.js')).trainCommand,
  },
  {
    name: 'run',
    summary: 'run an experiment (config file or preset name) and write its run folder and report.html',
    load: async () => (await import('./run.js')).run,
  },
  {
    name: 'list',
    summary: 'list experiment presets with what they reproduce and their expected run times',
    load: async () => (await import('./list.js')).list,
  },
  {
    name: 'report',
    summary: 're-render report.html of a run or training folder (--png, --pdf: figures for papers)',
    load: async () => (await import('./report.js')).report,
  },
  {
    name: 'compare',
    summary: 'one report putting run folders of a preset side by side (settings, verdicts, figures)',
    load: async () => (await import('./compare.js')).compare,
  },
  {
    name: 'assemble',
    summary: 'write the kernel .npy from the shards of `ntk kernel|empirical --shard i/N` (checks every tile)',
    load: async () => (await import('./assemble.js')).assemble,
  },
  {
    name: 'worker',
    summary: 'compute kernel tiles from a Redis queue (`ntk kernel|empirical --queue redis://…`)',
    load: async () => (await import('./worker.js')).worker,
  },
  {
    name: 'doctor',
    summary: 'show the linear-algebra backend, OpenBLAS core type, threads and library paths',
    load: async () => (await import('./doctor.js')).doctor,
  },
  {
    name: 'serve',
    summary: 'the browser lab (web/dist) on 127.0.0.1, optionally with a run folder to explore (docs/web.md)',
    load: async () => (await import('./serve.js')).serve,
  },
  {
    name: 'completion',
    summary: 'print a bash or zsh completion script (commands, flags, preset names)',
    load: async () => (await import('./completion.js')).completion(COMMANDS),
  },
];

/** The exit codes every command shares (commands with more say so in their --help). */
const EXIT_CODES =
  'Exit codes: 0 ok, 1 unexpected failure (a bug: please report it), 2 bad input (the message names it).';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `ntk ${VERSION}: Neural Tangent Kernel research from the command line`,
    '',
    'usage: ntk <command> [options]     (ntk <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --json (a machine-readable summary on stdout, docs/json.md) except completion.',
    `${EXIT_CODES} run: 130 interrupted; train: 3 diverged, 130 stopped.`,
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    const names = COMMANDS.map((c) => c.name);
    process.stderr.write(
      `ntk: unknown command '${name}'${didYouMean(name, names)}. Valid commands: ${names.join(', ')}\n`,
    );
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${cmd.usage}${/Exit codes:/.test(cmd.usage) ? '' : `\n${EXIT_CODES}`}\n`);
    return 0;
  }
  // --json: failures are a JSON object on stdout too ({ command, ok: false, exitCode, error }), beside the message
  const json = rest.includes('--json') && name !== 'completion';
  const fail = (code: number, kind: string, message: string): number => {
    if (json)
      process.stdout.write(
        `${JSON.stringify({ command: name, ok: false, exitCode: code, error: { kind, message } }, null, 2)}\n`,
      );
    return code;
  };
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof NtkError) {
      process.stderr.write(`ntk ${name}: ${e.message}\n`);
      return fail(2, e.constructor.name, e.message);
    }
    // node:util parseArgs errors (unknown option, missing value) are bad input too.
    if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) {
      let message = e.message;
      const unknown = /^Unknown option '(--?[^']+)'/.exec(message);
      if (unknown) message += didYouMean(unknown[1], usageFlags(cmd.usage));
      process.stderr.write(`ntk ${name}: ${message}\n${cmd.usage}\n`);
      return fail(2, 'UsageError', message);
    }
    process.stderr.write(`ntk ${name}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return fail(1, 'UnexpectedError', e instanceof Error ? e.message : String(e));
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`ntk: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
