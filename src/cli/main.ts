#!/usr/bin/env node
/** The `ntk` command: a thin shell over the library. Exit codes: 0 ok, 1 unexpected failure, 2 bad input. */
import { NtkError } from '../errors.js';
import { VERSION } from '../version.js';
import type { CommandEntry } from './command.js';

// each module is imported only when its command runs (start-up loads one command, not all of them)
const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'doctor',
    summary: 'show the linear-algebra backend, OpenBLAS core type, threads and library paths',
    load: async () => (await import('./doctor.js')).doctor,
  },
  {
    name: 'analyze',
    summary: 'spectrum, label alignment, convergence bounds and generalization of a kernel matrix (.npy)',
    load: async () => (await import('./analyze.js')).analyze,
  },
  {
    name: 'empirical',
    summary: 'empirical NTK of a finite network at initialization (structured or Jacobian), as .npy',
    load: async () => (await import('./empirical.js')).empirical,
  },
  {
    name: 'data',
    summary: 'describe a dataset spec (n, d, classes, norms, coherence ρ) and export X/y as .npy',
    load: async () => (await import('./data.js')).data,
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
    name: 'kernel',
    summary: 'analytic infinite-width NTK / NNGP of an architecture on data (--check-pd: λ_min, condition number)',
    load: async () => (await import('./kernel.js')).kernel,
  },
  {
    name: 'train',
    summary: 'train a network and its linearization by GD (mse/ce/soft-ce, regularization), tracking NTK dynamics',
    load: async () => (await import('./train.js')).trainCommand,
  },
];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `ntk ${VERSION}: Neural Tangent Kernel research from the command line`,
    '',
    'usage: ntk <command> [options]     (ntk <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
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
    process.stderr.write(`ntk: unknown command '${name}'. Valid commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  const cmd = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof NtkError) {
      process.stderr.write(`ntk ${name}: ${e.message}\n`);
      return 2;
    }
    // node:util parseArgs errors (unknown option, missing value) are bad input too.
    if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`ntk ${name}: ${e.message}\n${cmd.usage}\n`);
      return 2;
    }
    process.stderr.write(`ntk ${name}: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
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
