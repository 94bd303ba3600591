import { sql, type Selectable } from 'kysely';
import type { Executor } from '../shared/db.js';
import type { Role } from '../shared/roles.js';
import type { Policy, PolicyTier, RequestStatus } from './approvals.rules.js';
import type { ChangeRequestsTable } from './approvals.tables.js';

/**
 * The engine's reads and writes of requests, their events and the policies (find, lock, update), shared
 * by the decisions, the service and the queries; the list, the report and the metrics keep their own
 * reads beside them. Nothing outside src/approvals queries these tables.
 */
export type RequestRow = Selectable<ChangeRequestsTable>;

export async function findPolicy(
  db: Executor,
  kind: string,
): Promise<(Policy & { version: number }) | undefined> {
  const row = await db
    .selectFrom('approval_policies')
    .selectAll()
    .where('kind', '=', kind)
    .executeTakeFirst();
  return row && toPolicy(row);
}

export async function listPolicies(db: Executor): Promise<(Policy & { version: number; updatedAt: Date })[]> {
  const rows = await db.selectFrom('approval_policies').selectAll().orderBy('kind').execute();
  return rows.map((r) => ({ ...toPolicy(r), updatedAt: r.updated_at }));
}

function toPolicy(r: {
  kind: string;
  primary_roles: Role[];
  secondary_roles: Role[];
  ttl_seconds: number;
  tiers: PolicyTier[];
  version: number;
}) {
  return {
    kind: r.kind,
    primaryRoles: r.primary_roles,
    secondaryRoles: r.secondary_roles,
    ttlSeconds: r.ttl_seconds,
    tiers: r.tiers,
    version: r.version,
  };
}

export async function savePolicy(
  db: Executor,
  p: Policy,
  expectedVersion: number,
  requestId: string,
): Promise<boolean> {
  const res = await db
    .updateTable('approval_policies')
    .set({
      primary_roles: p.primaryRoles,
      secondary_roles: p.secondaryRoles,
      ttl_seconds: p.ttlSeconds,
      tiers: JSON.stringify(p.tiers),
      version: sql`version + 1`,
      updated_at: sql`now()`,
      updated_by_request: requestId,
    })
    .where('kind', '=', p.kind)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return res.numUpdatedRows === 1n;
}

export async function lockRequest(db: Executor, id: string): Promise<RequestRow | undefined> {
  return db.selectFrom('change_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function findRequest(db: Executor, id: string): Promise<RequestRow | undefined> {
  return db.selectFrom('change_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findByIdempotencyKey(
  db: Executor,
  requester: { type: string; id: string | null },
  key: string,
): Promise<RequestRow | undefined> {
  return db
    .selectFrom('change_requests')
    .selectAll()
    .where('requested_by_type', '=', requester.type as RequestRow['requested_by_type'])
    .where('requested_by_id', requester.id === null ? 'is' : '=', requester.id)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

export type RequestUpdate = Partial<
  Omit<RequestRow, 'id' | 'payload' | 'digest' | 'diff' | 'policy' | 'notional' | 'kind' | 'created_at'>
>;

export async function updateRequest(
  db: Executor,
  id: string,
  changes: RequestUpdate & { status: RequestStatus },
): Promise<RequestRow> {
  return db
    .updateTable('change_requests')
    .set({ ...changes, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function insertEvent(
  db: Executor,
  e: {
    requestId: string;
    action: string;
    actorType: string;
    actorId: string | null;
    reason?: string | null;
    data?: unknown;
    at: Date;
  },
): Promise<void> {
  await db
    .insertInto('change_request_events')
    .values({
      request_id: e.requestId,
      action: e.action,
      actor_type: e.actorType,
      actor_id: e.actorId,
      reason: e.reason ?? null,
      data: JSON.stringify(e.data ?? {}),
      at: e.at,
    })
    .execute();
}

export async function listEvents(db: Executor, requestId: string) {
  return db
    .selectFrom('change_request_events')
    .selectAll()
    .where('request_id', '=', requestId)
    .orderBy('id')
    .execute();
}

/** Open requests whose TTL has passed, locked and skipped if another expirer holds them. */
export async function lockExpired(db: Executor, now: Date, limit: number): Promise<RequestRow[]> {
  return db
    .selectFrom('change_requests')
    .selectAll()
    .where('status', 'in', ['pending', 'awaiting_secondary'])
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function countOpenByKind(db: Executor): Promise<{ kind: string; n: number }[]> {
  const rows = await db
    .selectFrom('change_requests')
    .select(['kind', (eb) => eb.fn.countAll<string>().as('n')])
    .where('status', 'in', ['pending', 'awaiting_secondary'])
    .groupBy('kind')
    .execute();
  return rows.map((r) => ({ kind: r.kind, n: Number(r.n) }));
}

/** The oldest open request's filing time, through the partial index of open requests. */
export async function oldestOpenAt(db: Executor): Promise<Date | null> {
  const row = await db
    .selectFrom('change_requests')
    .select('created_at')
    .where('status', 'in', ['pending', 'awaiting_secondary'])
    .orderBy('created_at', 'asc')
    .limit(1)
    .executeTakeFirst();
  return row?.created_at ?? null;
}

/**
 * When the desk's first change request was decided (approved, rejected, or co-signed but failed to
 * apply), if one was: it ends the operators' bootstrap. Expired and cancelled requests decide nothing.
 */
export async function firstDecisionAt(db: Executor): Promise<Date | null> {
  const row = await db
    .selectFrom('change_requests')
    .select((eb) => eb.fn.min('decided_at').as('at'))
    .where('status', 'in', ['approved', 'rejected', 'failed'])
    .executeTakeFirst();
  return row?.at ? new Date(row.at) : null;
}
