import { AppError } from '../shared/errors.js';
import type { Db } from '../shared/db.js';
import { allOf, filterConditions, type AuditFilter } from './audit.filter.js';
import { occurredAtText } from './audit.sealer.js';

export interface AuditSearchQuery extends AuditFilter {
  cursor?: string;
  limit?: number;
}

export interface AuditEventView {
  id: string;
  occurredAt: string;
  actorType: string;
  actorId: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  requestId: string | null;
  ip: string | null;
  data: unknown;
  /** Present once the sealer has chained the event. */
  chain: { seq: string; hash: string } | null;
}

export interface AuditPage {
  events: AuditEventView[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;

// Opaque to clients so the key can change (e.g. to a compound one) without breaking them.
const encodeCursor = (id: string) => Buffer.from(`a1:${id}`).toString('base64url');

function decodeCursor(cursor: string): string {
  const m = /^a1:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m?.[1] || BigInt(m[1]) > 9223372036854775807n)
    throw new AppError('VALIDATION_FAILED', 'The cursor is not one this API handed out.', [
      { path: 'querystring.cursor', message: 'is invalid' },
    ]);
  return m[1];
}

/** Newest first, keyset-paginated by id: page N costs the same as page 1. */
export async function searchAuditEvents(db: Db, q: AuditSearchQuery): Promise<AuditPage> {
  const limit = Math.min(Math.max(q.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
  const conds = filterConditions(q);
  let query = db
    .selectFrom('audit_events')
    .leftJoin('audit_chain', 'audit_chain.event_id', 'audit_events.id')
    .select([
      'audit_events.id',
      occurredAtText.as('occurred_at'),
      'actor_type',
      'actor_id',
      'action',
      'entity_type',
      'entity_id',
      'request_id',
      'ip',
      'data',
      'audit_chain.seq',
      'audit_chain.hash',
    ])
    .where(allOf(conds))
    .orderBy('audit_events.id', 'desc')
    .limit(limit + 1);
  if (q.cursor) query = query.where('audit_events.id', '<', decodeCursor(q.cursor));
  const rows = await query.execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    events: page.map((r) => ({
      id: r.id,
      occurredAt: r.occurred_at,
      actorType: r.actor_type,
      actorId: r.actor_id,
      action: r.action,
      entityType: r.entity_type,
      entityId: r.entity_id,
      requestId: r.request_id,
      ip: r.ip,
      data: r.data,
      chain: r.seq && r.hash ? { seq: r.seq, hash: r.hash } : null,
    })),
    nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null,
  };
}
