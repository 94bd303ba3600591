import { Decimal } from 'decimal.js';
import type { Comparison } from './alerts.definitions.js';
import type { AlertStateName } from './alerts.tables.js';

/** What the evaluator keeps of a rule between cycles (alert_state, less the bookkeeping). */
export interface RuleState {
  state: AlertStateName;
  /** When the current state began. */
  since: Date;
  episode: string | null;
  firingSince: Date | null;
  /** While firing: since when the condition has been clear (keepFiringFor counts from here). */
  clearedSince: Date | null;
  lastNotifiedAt: Date | null;
}

export interface Timing {
  forSeconds: number;
  keepFiringForSeconds: number;
  repeatSeconds: number;
}

export type Notice = 'firing' | 'repeat' | 'resolved';

export interface Step {
  next: RuleState;
  /** Transitions in order (each becomes one alert_events row), e.g. ['pending', 'firing'] when `for` is 0. */
  transitions: { from: AlertStateName; to: AlertStateName }[];
  notice: Notice | null;
}

export const initialState = (now: Date): RuleState => ({
  state: 'inactive',
  since: now,
  episode: null,
  firingSince: null,
  clearedSince: null,
  lastNotifiedAt: null,
});

/** `value comparison threshold`, exactly (decimal strings; a missing value never holds). */
export function holds(value: string | null, comparison: Comparison, threshold: string): boolean {
  if (value === null) return false;
  const c = new Decimal(value).comparedTo(new Decimal(threshold));
  switch (comparison) {
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
  }
}

const elapsed = (from: Date, now: Date) => (now.getTime() - from.getTime()) / 1000;

/**
 * One evaluation of one rule: inactive → pending (condition seen) → firing (held for `for`) →
 * resolved (clear for `keepFiringFor`), and back to pending when it holds again. A pending condition
 * that clears goes back to inactive without ever firing. While firing, a reminder every
 * `repeatSeconds`. Pure: the evaluator stores what it returns.
 */
export function step(
  prev: RuleState,
  condition: boolean,
  now: Date,
  t: Timing,
  newEpisode: () => string,
): Step {
  const transitions: Step['transitions'] = [];
  let s = { ...prev };
  let notice: Notice | null = null;
  const move = (to: AlertStateName) => {
    transitions.push({ from: s.state, to });
    s = { ...s, state: to, since: now };
  };
  const fire = () => {
    move('firing');
    s = { ...s, episode: newEpisode(), firingSince: now, clearedSince: null, lastNotifiedAt: now };
    notice = 'firing';
  };

  switch (prev.state) {
    case 'inactive':
    case 'resolved':
      if (condition) {
        move('pending');
        if (t.forSeconds === 0) fire();
      }
      break;
    case 'pending':
      if (!condition) move('inactive');
      else if (elapsed(prev.since, now) >= t.forSeconds) fire();
      break;
    case 'firing':
      if (condition) {
        s.clearedSince = null;
        if (s.lastNotifiedAt && elapsed(s.lastNotifiedAt, now) >= t.repeatSeconds) {
          s.lastNotifiedAt = now;
          notice = 'repeat';
        }
      } else {
        s.clearedSince = s.clearedSince ?? now;
        if (elapsed(s.clearedSince, now) >= t.keepFiringForSeconds) {
          move('resolved');
          s.clearedSince = null;
          notice = 'resolved';
        }
      }
      break;
  }
  return { next: s, transitions, notice };
}

/**
 * A counter's increase over `windowSeconds` from bounded samples `[ms, value]`: the difference from
 * the newest sample at or before the window's start (else the oldest kept). Returns the samples to
 * keep: that baseline and everything newer. A counter that went down (reset) counts from zero.
 */
export function increase(
  samples: [number, number][],
  nowMs: number,
  total: number,
  windowSeconds: number,
): { increase: number; samples: [number, number][] } {
  const start = nowMs - windowSeconds * 1000;
  const kept = samples.filter(([at]) => at <= nowMs);
  let baselineIndex = -1;
  for (let i = 0; i < kept.length; i++) if ((kept[i] as [number, number])[0] <= start) baselineIndex = i;
  const window = kept.slice(Math.max(0, baselineIndex));
  const baseline = window[0]?.[1] ?? total;
  const inc = total >= baseline ? total - baseline : total;
  return { increase: inc, samples: [...window, [nowMs, total]] };
}
