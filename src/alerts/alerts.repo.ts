import { sql, type Selectable } from 'kysely';
import type { Executor } from '../shared/db.js';
import type { AlertRulesTable, AlertStateName, AlertStateTable } from './alerts.tables.js';
import type { RuleState } from './alerts.transitions.js';

export type StoredRule = Selectable<AlertRulesTable>;
export type StoredState = Selectable<AlertStateTable>;

export async function rulesAndStates(db: Executor, lock = false) {
  let q = db
    .selectFrom('alert_rules as r')
    .innerJoin('alert_state as s', 's.name', 'r.name')
    .select([
      'r.name',
      'r.threshold',
      'r.for_seconds',
      'r.keep_firing_for_seconds',
      'r.version',
      's.state',
      's.value',
      's.since',
      's.episode',
      's.firing_since',
      's.cleared_since',
      's.last_notified_at',
      's.samples',
      's.evaluated_at',
      's.transitions',
      's.silenced_until',
      's.silence_reason',
      's.silenced_by',
    ])
    .orderBy('r.name');
  if (lock) q = q.forUpdate('s');
  return q.execute();
}
export type RuleAndState = Awaited<ReturnType<typeof rulesAndStates>>[number];

export const toRuleState = (r: RuleAndState): RuleState => ({
  state: r.state,
  since: r.since,
  episode: r.episode,
  firingSince: r.firing_since,
  clearedSince: r.cleared_since,
  lastNotifiedAt: r.last_notified_at,
});

export async function findRule(db: Executor, name: string, lock = false) {
  const q = db.selectFrom('alert_rules').selectAll().where('name', '=', name);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

export async function findState(db: Executor, name: string, lock = false) {
  const q = db.selectFrom('alert_state').selectAll().where('name', '=', name);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

/** Seeds a rule once: an existing row (and whatever a co-signed request made of it) is never touched. */
export async function seedRule(
  db: Executor,
  r: {
    name: string;
    threshold: string;
    forSeconds: number;
    keepFiringForSeconds: number;
    seededFrom: Record<string, string>;
    now: Date;
  },
): Promise<boolean> {
  const inserted = await db
    .insertInto('alert_rules')
    .values({
      name: r.name,
      threshold: r.threshold,
      for_seconds: r.forSeconds,
      keep_firing_for_seconds: r.keepFiringForSeconds,
      seeded_from: JSON.stringify(r.seededFrom),
      updated_at: r.now,
      updated_by_request: null,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .returning('name')
    .executeTakeFirst();
  await db
    .insertInto('alert_state')
    .values({
      name: r.name,
      state: 'inactive',
      value: null,
      since: r.now,
      episode: null,
      firing_since: null,
      cleared_since: null,
      last_notified_at: null,
      evaluated_at: null,
      silenced_until: null,
      silence_reason: null,
      silenced_by: null,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  return inserted !== undefined;
}

export async function saveState(
  db: Executor,
  name: string,
  s: RuleState & {
    value: string | null;
    samples: [number, number][];
    evaluatedAt: Date;
    transitions: Partial<Record<AlertStateName, number>>;
  },
): Promise<void> {
  await db
    .updateTable('alert_state')
    .set({
      state: s.state,
      since: s.since,
      episode: s.episode,
      firing_since: s.firingSince,
      cleared_since: s.clearedSince,
      last_notified_at: s.lastNotifiedAt,
      value: s.value,
      samples: JSON.stringify(s.samples),
      evaluated_at: s.evaluatedAt,
      transitions: JSON.stringify(s.transitions),
    })
    .where('name', '=', name)
    .execute();
}

export async function saveBaseline(db: Executor, name: string, samples: [number, number][]): Promise<void> {
  await db
    .updateTable('alert_state')
    .set({ samples: JSON.stringify(samples) })
    .where('name', '=', name)
    .execute();
}

export async function appendEvent(
  db: Executor,
  e: {
    rule: string;
    from: AlertStateName;
    to: AlertStateName;
    value: string | null;
    threshold: string;
    labels: Record<string, string>;
    episode: string | null;
    startedAt: Date;
    endedAt: Date | null;
    at: Date;
    silenced: boolean;
  },
) {
  return db
    .insertInto('alert_events')
    .values({
      rule: e.rule,
      from_state: e.from,
      to_state: e.to,
      value: e.value,
      threshold: e.threshold,
      labels: JSON.stringify(e.labels),
      episode: e.episode,
      started_at: e.startedAt,
      ended_at: e.endedAt,
      at: e.at,
      silenced: e.silenced,
    })
    .returning(['id', 'at'])
    .executeTakeFirstOrThrow();
}

export async function listEvents(
  db: Executor,
  f: { rule?: string; from?: Date; to?: Date; after?: { at: Date; id: string }; limit: number },
) {
  let q = db.selectFrom('alert_events').selectAll();
  if (f.rule) q = q.where('rule', '=', f.rule);
  if (f.from) q = q.where('at', '>=', f.from);
  if (f.to) q = q.where('at', '<', f.to);
  if (f.after) {
    const { at, id } = f.after;
    q = q.where((eb) => eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('id', '<', id)])]));
  }
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

export async function setSilence(
  db: Executor,
  name: string,
  s: { until: Date | null; reason: string | null; by: string | null },
): Promise<void> {
  await db
    .updateTable('alert_state')
    .set({ silenced_until: s.until, silence_reason: s.reason, silenced_by: s.by })
    .where('name', '=', name)
    .execute();
}

/** Takes the cluster-wide evaluator lock for this transaction, or says another evaluator holds it. */
export async function tryEvaluatorLock(tx: Executor): Promise<boolean> {
  // 0x616c7274 = 'alrt': one key for the desk's evaluator, released when the transaction ends.
  const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(1634496116) as ok`.execute(tx);
  return rows[0]?.ok === true;
}

export async function beat(db: Executor, workerId: string, at: Date): Promise<void> {
  await db
    .insertInto('worker_heartbeats')
    .values({ worker_id: workerId, beat_at: at })
    .onConflict((oc) => oc.column('worker_id').doUpdateSet({ beat_at: at }))
    .execute();
}

export async function newestBeat(db: Executor): Promise<Date | null> {
  const row = await db
    .selectFrom('worker_heartbeats')
    .select((eb) => eb.fn.max('beat_at').as('at'))
    .executeTakeFirst();
  return row?.at ? new Date(row.at) : null;
}
