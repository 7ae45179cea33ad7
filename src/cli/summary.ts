/**
 * What a command says when it is done: a human summary (stdout, or stderr when stdout carries a .npy: `--out -`)
 * or, with `--json`, one JSON object on stdout (the schemas: docs/json.md, schemas/ntk-json.schema.json).
 */
import { ConfigError } from '../errors.js';
import { writesToStdout } from '../io/output.js';

/** The `--json` flag, for a command's parseArgs options. */
export const JSON_FLAG = { json: { type: 'boolean', default: false } } as const;

/** Refuse `--json` when an output already owns standard output (checked before the work). */
export function checkJsonStdout(json: boolean | undefined, outputs: readonly (string | undefined)[]): void {
  if (!json) return;
  const taken = outputs.find((p) => writesToStdout(p));
  if (taken !== undefined)
    throw new ConfigError(
      '--json',
      'prints the summary on standard output, which an output given as - already writes to',
    );
}

/** One written file: its path, shape and what it holds (e.g. "1000×1000 trace NTK (empirical, seed 0)"). */
export interface OutputFile {
  readonly flag: string;
  readonly path: string;
  readonly shape?: readonly number[];
  readonly holds: string;
}

/** The summary every command's --json object starts with. */
export interface Summary {
  readonly command: string;
  /** false only for a run that ended without its result (ntk train: diverged or stopped; the exit code says which) */
  readonly ok: boolean;
  readonly seconds: number;
  readonly outputs: readonly OutputFile[];
  readonly [key: string]: unknown;
}

/** Print the summary: JSON (--json) or the human lines. */
export function emitSummary(json: boolean | undefined, summary: Summary, human: readonly string[]): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(summary, jsonReplacer, 2)}\n`);
    return;
  }
  const stdoutTaken = summary.outputs.some((f) => writesToStdout(f.path));
  (stdoutTaken ? process.stderr : process.stdout).write(human.map((l) => `${l}\n`).join(''));
}

/** Non-finite numbers as the strings "Infinity", "-Infinity", "NaN" (as `ntk analyze` writes them). */
function jsonReplacer(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** `--out -` shows as "standard output". */
export function where(path: string): string {
  return writesToStdout(path) ? 'standard output' : path;
}
