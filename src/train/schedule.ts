/** Which steps the trainer records metrics at. Step 0 (initialization) and the final step are always included. */
import { InvalidArgumentError } from '../errors.js';

export type TrackSchedule =
  | { readonly kind: 'log'; readonly points: number }
  | { readonly kind: 'every'; readonly every: number }
  | { readonly kind: 'list'; readonly steps: readonly number[] };

/** Default: about 40 log-spaced points. */
export const DEFAULT_SCHEDULE: TrackSchedule = { kind: 'log', points: 40 };

/**
 * Parse `log:40` (≈40 log-spaced steps in [1, steps], plus 0), `every:100`, or an explicit list `0,1,10,100`.
 */
export function parseSchedule(text: string): TrackSchedule {
  const t = text.trim();
  const m = /^(log|every):(\d+)$/.exec(t);
  if (m) {
    const v = Number(m[2]);
    if (v < 1) throw new InvalidArgumentError('parseSchedule', 'track', 'log:P or every:K with P, K ≥ 1', text);
    return m[1] === 'log' ? { kind: 'log', points: v } : { kind: 'every', every: v };
  }
  const parts = t.split(',').map((s) => s.trim());
  if (parts.length > 0 && parts.every((s) => /^\d+$/.test(s))) return { kind: 'list', steps: parts.map(Number) };
  throw new InvalidArgumentError(
    'parseSchedule',
    'track',
    '`log:P` (P log-spaced steps), `every:K`, or a comma-separated list of step numbers',
    text,
  );
}

/** The sorted, distinct steps in [0, steps] at which metrics are recorded. */
export function scheduleSteps(s: TrackSchedule, steps: number): number[] {
  const set = new Set<number>([0, steps]);
  if (s.kind === 'log') {
    if (!Number.isInteger(s.points) || s.points < 1)
      throw new InvalidArgumentError('scheduleSteps', 'schedule.points', 'a positive integer', s.points);
    if (steps >= 1) {
      const lmax = Math.log(steps);
      for (let i = 0; i < s.points; i++) {
        const v = s.points === 1 ? steps : Math.round(Math.exp((lmax * i) / (s.points - 1)));
        set.add(Math.min(steps, Math.max(1, v)));
      }
    }
  } else if (s.kind === 'every') {
    if (!Number.isInteger(s.every) || s.every < 1)
      throw new InvalidArgumentError('scheduleSteps', 'schedule.every', 'a positive integer', s.every);
    for (let k = 0; k <= steps; k += s.every) set.add(k);
  } else {
    for (const k of s.steps) {
      if (!Number.isInteger(k) || k < 0)
        throw new InvalidArgumentError('scheduleSteps', 'schedule.steps', 'non-negative integers', s.steps);
      if (k <= steps) set.add(k);
    }
  }
  return [...set].sort((a, b) => a - b);
}
