import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { Registry } from 'prom-client';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Tx } from '../shared/db.js';
import type { EventPublisher } from '../shared/events.js';
import type { AlertRegistry, AlertRule } from './alerts.definitions.js';
import { alertNotifications, type OwnersOf } from './alerts.notices.js';
import { metricReader } from './alerts.promql.js';
import {
  appendEvent,
  rulesAndStates,
  saveBaseline,
  saveState,
  toRuleState,
  tryEvaluatorLock,
  type RuleAndState,
} from './alerts.repo.js';
import type { AlertStateName } from './alerts.tables.js';
import { holds, increase, step } from './alerts.transitions.js';

export interface EvaluatorDeps {
  db: Db;
  clock: Clock;
  rules: AlertRegistry;
  metrics: Registry;
  notifications: NotificationsService;
  events: EventPublisher;
  owners: OwnersOf;
  /** Seeds rules not yet stored (idempotent); run before the first cycle of each process. */
  seed: () => Promise<void>;
  settings: { repeatSeconds: number; publicUrl: string };
}

export interface CycleResult {
  /** False when another evaluator held the lock, or this cycle's time was not after the last one's. */
  evaluated: boolean;
  transitions: { rule: string; from: AlertStateName; to: AlertStateName }[];
  notices: number;
}

const toDecimal = (v: number | null) =>
  v === null || !Number.isFinite(v) ? null : new Decimal(v).toDecimalPlaces(6).toString();

/**
 * One evaluation cycle over every rule: read each rule's sample from the registry's collectors (a few
 * indexed reads, whatever the size of the tables), then, under a cluster-wide advisory lock, step each
 * rule's stored state and write the state, one alert_events row per transition, the notices and the
 * live event in ONE transaction. A second evaluator at the same moment finds the lock taken (or the
 * cycle already done) and records nothing, so each transition is recorded and notified once.
 */
export function createEvaluator(deps: EvaluatorDeps) {
  let primed: Promise<void> | null = null;

  /**
   * First start: seeds the rules, and gives each counter rule never evaluated its baseline (the
   * counter as it stands), so what happens after the start is measured from there: a flag changed in
   * SQL a second after the start fires at the first evaluation.
   */
  async function prime(): Promise<void> {
    await deps.seed();
    const read = metricReader(deps.metrics);
    const now = deps.clock.now();
    await withTransaction(deps.db, async (tx) => {
      const stored = new Map((await rulesAndStates(tx, true)).map((r) => [r.name, r]));
      for (const rule of deps.rules.all()) {
        const row = stored.get(rule.name);
        if (!rule.sample.increaseOverSeconds || !row || row.evaluated_at || row.samples.length > 0) continue;
        const total = await read(rule.sample);
        if (total !== null) await saveBaseline(tx, rule.name, [[now.getTime(), total]]);
      }
    });
  }

  async function cycle(): Promise<CycleResult> {
    primed ??= prime().catch((err: unknown) => {
      primed = null;
      throw err;
    });
    await primed;
    const now = deps.clock.now();
    const read = metricReader(deps.metrics);
    const rules = deps.rules.all();
    const samples = new Map<string, number | null>();
    for (const rule of rules) samples.set(rule.name, await read(rule.sample));

    return withTransaction(deps.db, async (tx) => {
      const result: CycleResult = { evaluated: false, transitions: [], notices: 0 };
      if (!(await tryEvaluatorLock(tx))) return result;
      const stored = new Map((await rulesAndStates(tx, true)).map((r) => [r.name, r]));
      for (const rule of rules) {
        const row = stored.get(rule.name);
        if (!row) continue;
        // Time only moves forward: a cycle whose clock is not past the stored one was already done.
        if (row.evaluated_at && row.evaluated_at.getTime() >= now.getTime()) continue;
        result.evaluated = true;
        await evaluateRule(tx, rule, row, samples.get(rule.name) ?? null, now, result);
      }
      return result;
    });
  }

  async function evaluateRule(
    tx: Tx,
    rule: AlertRule,
    row: RuleAndState,
    sample: number | null,
    now: Date,
    result: CycleResult,
  ): Promise<void> {
    let value = sample;
    let kept = row.samples;
    if (rule.sample.increaseOverSeconds && sample !== null) {
      const inc = increase(row.samples, now.getTime(), sample, rule.sample.increaseOverSeconds);
      value = inc.increase;
      kept = inc.samples;
    }
    const valueText = toDecimal(value);
    const condition = holds(valueText, rule.comparison, row.threshold);
    const s = step(
      toRuleState(row),
      condition,
      now,
      {
        forSeconds: row.for_seconds,
        keepFiringForSeconds: row.keep_firing_for_seconds,
        repeatSeconds: deps.settings.repeatSeconds,
      },
      randomUUID,
    );
    const silenced = row.silenced_until !== null && row.silenced_until > now;
    const counts = { ...row.transitions };
    for (const t of s.transitions) {
      counts[t.to] = (counts[t.to] ?? 0) + 1;
      const episodeStart = t.to === 'resolved' ? row.firing_since : null;
      await appendEvent(tx, {
        rule: rule.name,
        from: t.from,
        to: t.to,
        value: valueText,
        threshold: row.threshold,
        labels: { severity: rule.severity, owner: rule.owner },
        episode: t.to === 'firing' || t.to === 'resolved' ? s.next.episode : null,
        startedAt: episodeStart ?? (t.from === 'pending' ? row.since : now),
        endedAt: t.to === 'resolved' || t.to === 'inactive' ? now : null,
        at: now,
        silenced,
      });
      result.transitions.push({ rule: rule.name, from: t.from, to: t.to });
    }
    await saveState(tx, rule.name, {
      ...s.next,
      value: valueText,
      samples: kept,
      evaluatedAt: now,
      transitions: counts,
    });
    if (s.notice && !silenced && s.next.episode) {
      const notices = await alertNotifications(tx, deps.owners, {
        rule,
        notice: s.notice,
        value: valueText,
        threshold: row.threshold,
        forSeconds: row.for_seconds,
        episode: s.next.episode,
        firingSince: s.next.firingSince ?? row.firing_since ?? now,
        at: now,
        publicUrl: deps.settings.publicUrl,
      });
      await deps.notifications.enqueue(tx, notices);
      result.notices += notices.length;
    }
    if (s.transitions.length > 0)
      await deps.events.publish(tx, { type: 'alert.changed', id: rule.name, state: s.next.state });
  }

  return { cycle, prime };
}

export type Evaluator = ReturnType<typeof createEvaluator>;
