import { sql, type RawBuilder } from 'kysely';

/** What search and export narrow events by; every field is optional and they combine with AND. */
export interface AuditFilter {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  /** `actorId`, or `actorType:actorId` (e.g. `operator:3f0c…`, `system:settlement`). */
  actor?: string;
  action?: string;
  /** `entityType`, or `entityType:entityId`. */
  entity?: string;
}

/** Splits at the first colon only: ids (Telegram, chain addresses) may contain colons themselves. */
function splitTyped(value: string): [string, string | undefined] {
  const i = value.indexOf(':');
  return i < 0 ? [value, undefined] : [value.slice(0, i), value.slice(i + 1)];
}

/** Conditions on `audit_events` columns; the caller decides whether they filter rows or mark them. */
export function filterConditions(f: AuditFilter, opts: { time?: boolean } = {}): RawBuilder<boolean>[] {
  const conds: RawBuilder<boolean>[] = [];
  const col = (name: string) => sql.ref(`audit_events.${name}`);
  if (opts.time !== false) {
    if (f.from) conds.push(sql<boolean>`${col('occurred_at')} >= ${f.from}`);
    if (f.to) conds.push(sql<boolean>`${col('occurred_at')} < ${f.to}`);
  }
  if (f.actor) {
    const [type, id] = splitTyped(f.actor);
    if (id === undefined) conds.push(sql<boolean>`${col('actor_id')} = ${type}`);
    else conds.push(sql<boolean>`${col('actor_type')} = ${type} and ${col('actor_id')} = ${id}`);
  }
  if (f.action) conds.push(sql<boolean>`${col('action')} = ${f.action}`);
  if (f.entity) {
    const [type, id] = splitTyped(f.entity);
    conds.push(sql<boolean>`${col('entity_type')} = ${type}`);
    if (id !== undefined) conds.push(sql<boolean>`${col('entity_id')} = ${id}`);
  }
  return conds;
}

export function allOf(conds: RawBuilder<boolean>[]): RawBuilder<boolean> {
  return conds.length === 0 ? sql<boolean>`true` : sql<boolean>`(${sql.join(conds, sql` and `)})`;
}

/** The filter as it is written into an export header: plain strings, absent fields omitted. */
export function describeFilter(f: AuditFilter): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.from) out.from = f.from.toISOString();
  if (f.to) out.to = f.to.toISOString();
  if (f.actor) out.actor = f.actor;
  if (f.action) out.action = f.action;
  if (f.entity) out.entity = f.entity;
  return out;
}
