import { Kysely, sql } from 'kysely';
import type { AuditService } from '../../src/audit/audit.service.js';
import type { AuditFilter } from '../../src/audit/audit.filter.js';
import type { ExportFormatName } from '../../src/audit/audit.format.js';
import { MAX_PAGE, searchAuditEvents, type AuditEventView } from '../../src/audit/audit.search.js';
import { verifyExport, type VerifyOptions, type VerifyResult } from '../../src/audit/audit.verify.js';
import { createDb, createPool, type Db } from '../../src/shared/db.js';
import type { ActorType } from '../../src/shared/request-context.js';

/** A test server, a test database, or a Kysely handle: whatever the test has. */
export type DbSource = Db | { db: Db } | { database: { db: Db } };

export function dbOf(source: DbSource): Db {
  if (source instanceof Kysely) return source;
  return 'database' in source ? source.database.db : source.db;
}

/** Which events: every field is optional and they combine with AND, as in the audit search. */
export interface TrailFilter {
  action?: string;
  /** Any of these actions. */
  actions?: readonly string[];
  /** Actions starting with this, e.g. `auth.mfa`. */
  actionPrefix?: string;
  entityType?: string;
  /** `null`: events about no entity. */
  entityId?: string | null;
  actorType?: ActorType;
  actorId?: string;
  requestId?: string;
  /** Inclusive; compared by the search, in the database, at full precision. */
  from?: Date;
  /** Anything else about the event (tested after the search). */
  where?: (e: AuditEventView) => boolean;
}

function matches(e: AuditEventView, f: TrailFilter): boolean {
  return (
    (f.action === undefined || e.action === f.action) &&
    (f.actions === undefined || f.actions.includes(e.action)) &&
    (f.actionPrefix === undefined || e.action.startsWith(f.actionPrefix)) &&
    (f.entityType === undefined || e.entityType === f.entityType) &&
    (f.entityId === undefined || e.entityId === f.entityId) &&
    (f.actorType === undefined || e.actorType === f.actorType) &&
    (f.actorId === undefined || e.actorId === f.actorId) &&
    (f.requestId === undefined || e.requestId === f.requestId) &&
    (f.where === undefined || f.where(e))
  );
}

/** The part of a filter the audit search answers itself (it has no entity id without a type, no lists). */
function searchFilter(f: TrailFilter): AuditFilter {
  const out: AuditFilter = {};
  if (f.action !== undefined) out.action = f.action;
  if (f.from !== undefined) out.from = f.from;
  if (f.entityType !== undefined)
    out.entity = typeof f.entityId === 'string' ? `${f.entityType}:${f.entityId}` : f.entityType;
  if (f.actorType !== undefined && f.actorId !== undefined) out.actor = `${f.actorType}:${f.actorId}`;
  else if (f.actorId !== undefined && !f.actorId.includes(':')) out.actor = f.actorId;
  return out;
}

/**
 * The audit events matching `filter`, oldest first (by id), read through the audit domain's own
 * search (every page of it). `fields` keeps only those fields of each event, for exact comparisons.
 */
export async function auditTrail(source: DbSource, filter?: TrailFilter): Promise<AuditEventView[]>;
export async function auditTrail<K extends keyof AuditEventView>(
  source: DbSource,
  filter: TrailFilter & { fields: readonly K[] },
): Promise<Pick<AuditEventView, K>[]>;
export async function auditTrail(
  source: DbSource,
  filter: TrailFilter & { fields?: readonly (keyof AuditEventView)[] } = {},
): Promise<Partial<AuditEventView>[]> {
  const db = dbOf(source);
  const newestFirst: AuditEventView[] = [];
  let cursor: string | undefined;
  do {
    const page = await searchAuditEvents(db, { ...searchFilter(filter), limit: MAX_PAGE, cursor });
    newestFirst.push(...page.events.filter((e) => matches(e, filter)));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const events = newestFirst.reverse();
  const { fields } = filter;
  return fields ? events.map((e) => pick(e, fields)) : events;
}

export function pick<T extends object, K extends keyof T>(row: T, fields: readonly K[]): Pick<T, K> {
  return Object.fromEntries(fields.map((f) => [f, row[f]])) as Pick<T, K>;
}

/**
 * Seals until every committed event is chained. One seal is not always enough in tests: the horizon
 * is cluster-wide, so a transaction open in another test file's database holds sealing back until it ends.
 */
export async function sealAll(db: Db, audit: AuditService, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await audit.seal();
    const { rows } = await sql<{
      n: string;
    }>`select count(*) as n from audit_events e where not exists (select 1 from audit_chain c where c.event_id = e.id)`.execute(
      db,
    );
    if (rows[0]?.n === '0') return;
    if (Date.now() > deadline) throw new Error(`${rows[0]?.n} events still unsealed after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Inserts `count` events in one statement (fast fixtures for volume tests). */
export async function insertEvents(
  db: Db,
  count: number,
  opts: { action?: string; actorId?: string } = {},
): Promise<void> {
  const action = opts.action ?? 'test.bulk';
  const actor = opts.actorId ?? 'bulk-writer';
  await sql`
    insert into audit_events (actor_type, actor_id, action, entity_type, entity_id, request_id, ip, data)
    select 'system', ${actor}, ${action}, 'thing', g::text, 'req-' || g, '10.0.0.1',
           jsonb_build_object('n', g, 'note', 'row "' || g || '", with comma')
    from generate_series(1, ${count}::int) g`.execute(db);
}

/** A whole export as one string: for small test exports only. */
export async function exportText(
  audit: AuditService,
  format: ExportFormatName,
  filter: AuditFilter = {},
): Promise<string> {
  const file = await audit.export(format, filter, { actorType: 'system', actorId: 'test' });
  let text = '';
  for await (const chunk of file.chunks) text += chunk;
  return text;
}

export function verifyText(text: string, opts?: VerifyOptions): Promise<VerifyResult> {
  return verifyExport([Buffer.from(text)], opts);
}

/** `auditTrail` of a desk running in another process, through one short-lived connection to its database. */
export async function auditTrailAt(url: string, filter: TrailFilter): Promise<AuditEventView[]> {
  const db = createDb(createPool(url, 1));
  try {
    return await auditTrail(db, filter);
  } finally {
    await db.destroy();
  }
}

/** The oldest event matching `filter`; throws when there is none. */
export async function firstAuditEvent(source: DbSource, filter: TrailFilter): Promise<AuditEventView> {
  const [first] = await auditTrail(source, filter);
  if (!first) throw new Error(`no audit event matches ${JSON.stringify(filter)}`);
  return first;
}

/** The newest event matching `filter`; throws when there is none. */
export async function lastAuditEvent(source: DbSource, filter: TrailFilter): Promise<AuditEventView> {
  const last = (await auditTrail(source, filter)).at(-1);
  if (!last) throw new Error(`no audit event matches ${JSON.stringify(filter)}`);
  return last;
}
