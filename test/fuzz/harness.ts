/**
 * The fuzz harness: seeded inputs through one parser, every outcome classified.
 *
 *   typed    the parser threw an NtkError (InvalidArgumentError, FormatError, ConfigError, …): a clean refusal
 *   ok       it returned, and the parser's own correctness check (round trip, independent reference) passed
 *   crash    anything else was thrown (TypeError, RangeError, a plain Error…)
 *   hang     one input took longer than HANG_MS (a generous bound: the inputs are small, each takes well under 1 ms
 *            to parse; this catches runaway loops, not slowness)
 *   wrong    the parser returned, but the check found a wrong result (`check` returned a message)
 *
 * `fuzzParser` returns the counts and the first few failures with a reproducer (seed, index, the input shown);
 * `assertClean` fails the test listing them. Inputs come from `generate(rng, i)` with rng = new Rng(seed).split(i),
 * so an input is reproduced from (seed, i) alone. Locally, NTK_FUZZ_COUNT and NTK_FUZZ_SEED explore more inputs,
 * NTK_FUZZ_VERBOSE=1 prints each parser's counts and NTK_FUZZ_PROFILE=MS lists inputs slower than MS.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { NtkError } from '../../src/errors.js';
import { Rng } from '../../src/util/random.js';

export const HANG_MS = 3000;

export type Verdict = string | undefined | void;

export interface FuzzOptions<I> {
  readonly name: string;
  readonly seed: number;
  readonly count: number;
  readonly generate: (rng: Rng, i: number) => I;
  /** Parse the input and check the result; return a message when the result is wrong. Throws when refused. */
  readonly run: (input: I, i: number) => Verdict;
  /** The input, shortened, for a failure report. */
  readonly show?: (input: I) => string;
}

export interface Failure {
  readonly kind: 'crash' | 'hang' | 'wrong';
  readonly index: number;
  readonly input: string;
  readonly detail: string;
}

export interface FuzzReport {
  readonly name: string;
  readonly inputs: number;
  readonly typed: number;
  readonly ok: number;
  readonly crash: number;
  readonly hang: number;
  readonly wrong: number;
  readonly failures: Failure[];
  /** Error classes of the typed refusals, with counts (to see that both branches are exercised). */
  readonly refusals: Record<string, number>;
}

export function defaultShow(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (v instanceof Uint8Array) s = `bytes(${v.length}) ${Buffer.from(v.subarray(0, 160)).toString('latin1')}`;
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  return s.length > 400 ? `${s.slice(0, 400)}…` : s;
}

export function fuzzParser<I>(o: FuzzOptions<I>): FuzzReport {
  const root = new Rng(o.seed);
  const show = o.show ?? defaultShow;
  const failures: Failure[] = [];
  const refusals: Record<string, number> = {};
  let typed = 0;
  let ok = 0;
  let crash = 0;
  let hang = 0;
  let wrong = 0;
  const fail = (f: Failure): void => {
    if (failures.length < 25) failures.push(f);
  };
  for (let i = 0; i < o.count; i++) {
    const input = o.generate(root.split(i), i);
    const t0 = performance.now();
    let verdict: Verdict;
    let thrown: unknown = null;
    let threw = false;
    try {
      verdict = o.run(input, i);
    } catch (e) {
      threw = true;
      thrown = e;
    }
    const ms = performance.now() - t0;
    if (process.env.NTK_FUZZ_PROFILE && ms > Number(process.env.NTK_FUZZ_PROFILE))
      process.stderr.write(`slow ${o.name} #${i} ${ms.toFixed(0)} ms ${show(input).slice(0, 150)}\n`);
    if (ms > HANG_MS) {
      hang++;
      fail({ kind: 'hang', index: i, input: show(input), detail: `${ms.toFixed(0)} ms` });
    } else if (threw && thrown instanceof NtkError) {
      typed++;
      refusals[thrown.name] = (refusals[thrown.name] ?? 0) + 1;
    } else if (threw) {
      crash++;
      const detail = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
      fail({ kind: 'crash', index: i, input: show(input), detail: detail.slice(0, 400) });
    } else if (typeof verdict === 'string') {
      wrong++;
      fail({ kind: 'wrong', index: i, input: show(input), detail: verdict.slice(0, 400) });
    } else ok++;
  }
  return { name: o.name, inputs: o.count, typed, ok, crash, hang, wrong, failures, refusals };
}

/** One summary line (the counts the closing note of issue #13 tabulates). */
export function summary(r: FuzzReport): string {
  const kinds = Object.entries(r.refusals)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `fuzz ${r.name}: ${r.inputs} inputs, ${r.typed} typed errors (${kinds}), ${r.ok} correct results, ${r.crash} crashes, ${r.hang} hangs, ${r.wrong} silent-wrong`;
}

/**
 * Fail unless every input ended in a typed error or a correct result; `minOk`/`minTyped` make sure the generator
 * reaches both sides (a fuzzer whose inputs are all refused at the first byte tests nothing).
 */
export function assertClean(r: FuzzReport, o: { minOk?: number; minTyped?: number } = {}): void {
  if (process.env.NTK_FUZZ_VERBOSE) process.stderr.write(`${summary(r)}\n`);
  const lines = r.failures.map((f) => `  [${f.kind} #${f.index}] ${f.detail}\n      input: ${f.input}`);
  assert.equal(r.crash + r.hang + r.wrong, 0, `${summary(r)}\n${lines.join('\n')}`);
  if (o.minOk !== undefined) assert.ok(r.ok >= o.minOk, `${summary(r)}: expected ≥ ${o.minOk} correct results`);
  if (o.minTyped !== undefined)
    assert.ok(r.typed >= o.minTyped, `${summary(r)}: expected ≥ ${o.minTyped} typed errors`);
}

/** The files under `dir` (recursively), sorted: to check that a reader left nothing behind. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** Fuzz input count per parser per CI run (NTK_FUZZ_COUNT raises it for a longer local run). */
export function fuzzCount(dflt = 1000): number {
  const v = Number(process.env.NTK_FUZZ_COUNT);
  return Number.isInteger(v) && v > 0 ? v : dflt;
}

/** Fuzz seed (NTK_FUZZ_SEED explores other inputs locally; CI always runs the default). */
export function fuzzSeed(dflt: number): number {
  const v = Number(process.env.NTK_FUZZ_SEED);
  return Number.isInteger(v) && v >= 0 ? v : dflt;
}
