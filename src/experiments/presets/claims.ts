/**
 * Paper versus here: the helpers every preset's report uses to state a claim of its paper beside this run's
 * measurement with a verdict computed from the numbers (src/report/html.ts renders the block first in the report).
 */
import type { ReportClaim, Verdict } from '../../report/html.js';

/** reproduced when `ok`, not reproduced when `fails`, inconclusive otherwise (too close to call at this size). */
export function verdict(ok: boolean, fails: boolean): Verdict {
  return ok ? 'reproduced' : fails ? 'not reproduced' : 'inconclusive';
}

/** The verdict over units that each pass or not: all → reproduced, none → not reproduced, some → inconclusive. */
export function verdictOfCount(passed: number, total: number): Verdict {
  return total > 0 && passed === total ? 'reproduced' : passed === 0 ? 'not reproduced' : 'inconclusive';
}

export function claim(c: ReportClaim): ReportClaim {
  return c;
}

/**
 * The setting line: this run's sizes against the paper's; in quick mode it says so and how far it is (the factors
 * given in `gaps`, e.g. ["n = 300 vs the paper's 10 000 (33× fewer points)"]).
 */
export function settingLine(quick: boolean, here: string, paper: string, gaps: readonly string[] = []): string {
  const far = gaps.length ? ` Distance from the paper's setting: ${gaps.join('; ')}.` : '';
  return quick
    ? `Quick mode — a reduced run, so verdicts are indicative: ${here}. The paper: ${paper}.${far}`
    : `This run: ${here}. The paper: ${paper}.${far}`;
}

/** "n× smaller" between a run's size and the paper's. */
export function times(here: number, paper: number): string {
  const f = paper / here;
  return f >= 1 ? `${f >= 10 ? Math.round(f) : f.toFixed(1)}× smaller` : `${(1 / f).toFixed(1)}× larger`;
}
