import { sql } from 'kysely';
import type { NotificationStatus, RecipientType } from '../../src/notifications/notifications.tables.js';
import { dbOf, pick, type DbSource } from './audit.js';

/** One row of the notifications outbox, as a test reads it. */
export interface NotificationRow {
  id: string;
  recipientType: RecipientType;
  recipientId: string | null;
  template: string;
  data: Record<string, unknown>;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
  nextAttemptAt: Date;
  claimedAt: Date | null;
}

/** Which notifications: every field is optional and they combine with AND. */
export interface NotificationFilter {
  template?: string;
  /** Templates starting with this, e.g. `approval.`. */
  templatePrefix?: string;
  recipientType?: RecipientType;
  recipientId?: string;
  /** Any of these recipients. */
  recipientIds?: readonly string[];
  /** The approval request it is about (`data.requestId`). */
  requestId?: string;
  /** Anything else about the row (tested after the query). */
  where?: (n: NotificationRow) => boolean;
}

/**
 * The outbox rows matching `filter`, oldest first (by id). The notifications service has no read of
 * its rows (delivery claims them), so this is the one query tests make on the table.
 * `fields` keeps only those fields of each row, for exact comparisons.
 */
export async function notificationsFor(
  source: DbSource,
  filter?: NotificationFilter,
): Promise<NotificationRow[]>;
export async function notificationsFor<K extends keyof NotificationRow>(
  source: DbSource,
  filter: NotificationFilter & { fields: readonly K[] },
): Promise<Pick<NotificationRow, K>[]>;
export async function notificationsFor(
  source: DbSource,
  filter: NotificationFilter & { fields?: readonly (keyof NotificationRow)[] } = {},
): Promise<Partial<NotificationRow>[]> {
  let query = dbOf(source).selectFrom('notifications').selectAll().orderBy('id');
  if (filter.template !== undefined) query = query.where('template', '=', filter.template);
  if (filter.templatePrefix !== undefined)
    query = query.where('template', 'like', `${filter.templatePrefix.replace(/[\\%_]/g, '\\$&')}%`);
  if (filter.recipientType !== undefined) query = query.where('recipient_type', '=', filter.recipientType);
  if (filter.recipientId !== undefined) query = query.where('recipient_id', '=', filter.recipientId);
  if (filter.recipientIds !== undefined)
    query =
      filter.recipientIds.length === 0
        ? query.where(sql<boolean>`false`)
        : query.where('recipient_id', 'in', filter.recipientIds);
  if (filter.requestId !== undefined)
    query = query.where(sql<string>`data->>'requestId'`, '=', filter.requestId);
  const rows = (await query.execute()).map((r): NotificationRow => ({
    id: r.id,
    recipientType: r.recipient_type,
    recipientId: r.recipient_id,
    template: r.template,
    data: r.data as Record<string, unknown>,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    nextAttemptAt: r.next_attempt_at,
    claimedAt: r.claimed_at,
  }));
  const matching = filter.where ? rows.filter(filter.where) : rows;
  const { fields } = filter;
  return fields ? matching.map((n) => pick(n, fields)) : matching;
}
