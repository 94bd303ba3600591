import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { Role } from '../shared/roles.js';
import type { Clock } from '../shared/clock.js';
import { decodeCursor, encodeCursor } from '../shared/cursor.js';
import { withTransaction, type Db, type Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import type { EventPublisher } from '../shared/events.js';
import { isValidReason, MIN_REASON_LENGTH } from '../approvals/approvals.rules.js';
import { runbookPath, type AlertRegistry, type AlertRule } from './alerts.definitions.js';
import { promqlOf } from './alerts.promql.js';
import {
  beat,
  findRule,
  findState,
  listEvents,
  rulesAndStates,
  seedRule,
  setSilence,
} from './alerts.repo.js';
import { seedsFrom } from './alerts.rules.js';

export interface AlertsSettings {
  silenceMaxMinutes: number;
  silenceMaxCriticalMinutes: number;
  /** ALERT_<RULE>_THRESHOLD / _FOR as configured: read once, when a rule is first seeded. */
  alertSettings: Record<string, string>;
  /** Where docs/runbooks/ is (the repository's docs folder). */
  docsDir: string;
}

export interface AlertsDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  events: EventPublisher;
  rules: AlertRegistry;
  settings: AlertsSettings;
}

export interface RuleChange {
  name: string;
  threshold?: string;
  forSeconds?: number;
  keepFiringForSeconds?: number;
}

/** The alerts domain's read and write side: rules with their stored parameters and state, history, silences. */
export function createAlertsService(deps: AlertsDeps) {
  const { db, clock } = deps;

  function rule(name: string): AlertRule {
    const r = deps.rules.get(name);
    if (!r) throw new AppError('NOT_FOUND', `There is no alert rule ${name}.`);
    return r;
  }

  /** First start: every registered rule not yet stored gets its configured (or default) parameters. */
  async function seed(): Promise<string[]> {
    const seeds = seedsFrom(deps.rules.all(), deps.settings.alertSettings);
    const created: string[] = [];
    await withTransaction(db, async (tx) => {
      for (const s of seeds) if (await seedRule(tx, { ...s, now: clock.now() })) created.push(s.name);
    });
    return created;
  }

  async function list() {
    const now = clock.now();
    const stored = new Map((await rulesAndStates(db)).map((r) => [r.name, r]));
    return deps.rules.all().map((r) => {
      const s = stored.get(r.name);
      const threshold = s?.threshold ?? r.threshold;
      const silenced = s?.silenced_until && s.silenced_until > now ? s : null;
      return {
        name: r.name,
        summary: r.summary,
        measure: r.measure,
        unit: r.unit,
        comparison: r.comparison,
        threshold,
        forSeconds: s?.for_seconds ?? r.forSeconds,
        keepFiringForSeconds: s?.keep_firing_for_seconds ?? r.keepFiringForSeconds,
        version: s?.version ?? null,
        severity: r.severity,
        owner: r.owner,
        runbook: runbookPath(r.name),
        expr: promqlOf(r, threshold),
        state: s?.state ?? 'inactive',
        value: s?.value ?? null,
        since: s?.since ?? null,
        firingSince: s?.state === 'firing' ? s.firing_since : null,
        evaluatedAt: s?.evaluated_at ?? null,
        silence: silenced
          ? { until: silenced.silenced_until, reason: silenced.silence_reason, by: silenced.silenced_by }
          : null,
      };
    });
  }

  async function events(f: { rule?: string; from?: Date; to?: Date; cursor?: string; limit?: number }) {
    if (f.rule) rule(f.rule);
    const limit = Math.min(Math.max(f.limit ?? 50, 1), 200);
    const rows = await listEvents(db, {
      rule: f.rule,
      from: f.from,
      to: f.to,
      after: f.cursor ? decodeCursor(f.cursor) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((e) => ({
        id: e.id,
        rule: e.rule,
        from: e.from_state,
        to: e.to_state,
        value: e.value,
        threshold: e.threshold,
        labels: e.labels,
        episode: e.episode,
        startedAt: e.started_at,
        endedAt: e.ended_at,
        at: e.at,
        silenced: e.silenced,
      })),
      nextCursor: rows.length > limit && last ? encodeCursor(last.at, last.id) : null,
    };
  }

  function assertOwner(r: AlertRule, roles: readonly Role[]) {
    if (!roles.includes(r.owner))
      throw new AppError(
        'FORBIDDEN',
        `Only an operator holding ${r.owner} (the rule's owner) may silence ${r.name}.`,
      );
  }

  /** Mutes a rule's notices for a bounded time; its events and metric go on. Step-up is the route's. */
  async function silence(
    name: string,
    input: { minutes: number; reason: string },
    who: { roles: readonly Role[]; ctx: AuditContext },
  ) {
    const r = rule(name);
    assertOwner(r, who.roles);
    const max =
      r.severity === 'critical' ? deps.settings.silenceMaxCriticalMinutes : deps.settings.silenceMaxMinutes;
    if (input.minutes > max)
      throw new AppError(
        'SILENCE_TOO_LONG',
        `${r.name} is ${r.severity}: it can be silenced for at most ${max} minutes.`,
        [{ path: 'minutes', message: `must be at most ${max} minutes for a ${r.severity} rule` }],
      );
    if (!isValidReason(input.reason))
      throw new AppError('REASON_REQUIRED', 'Say why the alert is silenced (at least 10 characters).', [
        { path: 'reason', message: `needs at least ${MIN_REASON_LENGTH} visible characters` },
      ]);
    const until = new Date(clock.now().getTime() + input.minutes * 60_000);
    return withTransaction(db, async (tx) => {
      await lockedState(tx, name);
      await setSilence(tx, name, { until, reason: input.reason.trim(), by: who.ctx.actorId ?? null });
      await deps.audit.record(tx, {
        ...who.ctx,
        action: 'alert.silenced',
        entityType: 'alert_rule',
        entityId: name,
        data: { until: until.toISOString(), minutes: input.minutes, reason: input.reason.trim() },
      });
      await deps.events.publish(tx, { type: 'alert.changed', id: name, silenced: true });
      return { name, until, reason: input.reason.trim() };
    });
  }

  async function unsilence(name: string, who: { roles: readonly Role[]; ctx: AuditContext }) {
    const r = rule(name);
    assertOwner(r, who.roles);
    return withTransaction(db, async (tx) => {
      const s = await lockedState(tx, name);
      // Idempotent: lifting a silence that is not there (any more) changes nothing and is not audited.
      if (!s.silenced_until || s.silenced_until <= clock.now()) return { name, changed: false };
      await setSilence(tx, name, { until: null, reason: null, by: null });
      await deps.audit.record(tx, {
        ...who.ctx,
        action: 'alert.unsilenced',
        entityType: 'alert_rule',
        entityId: name,
        data: { wasUntil: s.silenced_until.toISOString() },
      });
      await deps.events.publish(tx, { type: 'alert.changed', id: name, silenced: false });
      return { name, changed: true };
    });
  }

  async function lockedState(tx: Tx, name: string) {
    // Rows exist from the first start (prepare) or the evaluator's first cycle in this process.
    const s = await findState(tx, name, true);
    if (!s) throw new AppError('NOT_FOUND', `There is no alert rule ${name}.`);
    return s;
  }

  /** Applies a co-signed `alert.rule` change (the kind checked the version); audited with the request. */
  async function applyRuleChange(tx: Tx, c: RuleChange, requestId: string, ctx: AuditContext) {
    const current = await findRule(tx, c.name, true);
    if (!current) throw new AppError('NOT_FOUND', `There is no alert rule ${c.name}.`);
    await deps.audit.record(tx, {
      ...ctx,
      action: 'alert.rule_changed',
      entityType: 'alert_rule',
      entityId: c.name,
      data: {
        requestId,
        before: {
          threshold: current.threshold,
          forSeconds: current.for_seconds,
          keepFiringForSeconds: current.keep_firing_for_seconds,
        },
        after: c,
      },
    });
    await tx
      .updateTable('alert_rules')
      .set({
        ...(c.threshold !== undefined ? { threshold: c.threshold } : {}),
        ...(c.forSeconds !== undefined ? { for_seconds: c.forSeconds } : {}),
        ...(c.keepFiringForSeconds !== undefined ? { keep_firing_for_seconds: c.keepFiringForSeconds } : {}),
        version: sql`version + 1`,
        updated_at: clock.now(),
        updated_by_request: requestId,
      })
      .where('name', '=', c.name)
      .execute();
    await deps.events.publish(tx, { type: 'alert.changed', id: c.name });
  }

  async function runbook(name: string) {
    rule(name);
    const file = path.join(deps.settings.docsDir, 'runbooks', `${name}.md`);
    const markdown = await fs.readFile(file, 'utf8').catch(() => null);
    if (markdown === null) throw new AppError('NOT_FOUND', `The runbook of ${name} is missing.`);
    return { name, path: runbookPath(name), markdown };
  }

  /** A worker's heartbeat (the job queue ran its heartbeat job): what `worker_down` measures. */
  const heartbeat = (workerId: string) => beat(db, workerId, clock.now());

  return { rule, seed, list, events, silence, unsilence, applyRuleChange, findRule, runbook, heartbeat };
}

export type AlertsService = ReturnType<typeof createAlertsService>;
