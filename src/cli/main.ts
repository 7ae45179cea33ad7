#!/usr/bin/env node
/** The `ntk` command: a thin shell over the library. Exit codes: 0 ok, 1 unexpected failure, 2 bad input. */
import { NtkError } from '../errors.js';
import { VERSION } from '../version.js';
import type { Command } from './command.js';
import { analyze } from './analyze.js';
import { data } from './data.js';
import { doctor } from './doctor.js';
import { kernel } from './kernel.js';
import { list } from './list.js';
import { report } from './report.js';
import { run } from './run.js';
import { empirical } from './empirical.js';
import { trainCommand } from './train.js';

const COMMANDS: readonly Command[] = [doctor, analyze, empirical, data, run, list, report, kernel, trainCommand];

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
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`ntk: unknown command '${name}'. Valid commands: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
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
