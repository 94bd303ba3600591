import { sql } from 'kysely';
import type { Executor } from '../shared/db.js';
import type { RecipientType } from './notifications.tables.js';

export interface Notification {
  recipientType: RecipientType;
  recipientId?: string | null;
  template: string;
  data: Record<string, unknown>;
  /** The earliest delivery (the writer's clock); the database's now() when not given. */
  at?: Date;
}

/** A row taken for delivery (status `sending`); `attempts` already counts this try. */
export interface ClaimedNotification {
  id: string;
  recipientType: RecipientType;
  recipientId: string | null;
  template: string;
  data: Record<string, unknown>;
  attempts: number;
  createdAt: Date;
}

export interface Backlog {
  queued: number;
  oldestQueuedAt: Date | null;
  /** The earliest time a queued row may be tried (backoff, retry_after). */
  nextAttemptAt: Date | null;
}

/**
 * The notifications outbox: written inside the transaction of the change it announces, so a
 * notification exists if and only if the change committed. Delivery (Telegram) drains it later;
 * until then nothing is dropped.
 */
export interface NotificationsService {
  enqueue(tx: Executor, notifications: Notification[]): Promise<void>;
  queuedCount(db: Executor): Promise<number>;
  /**
   * Takes up to `limit` due rows for delivery (`FOR UPDATE SKIP LOCKED`: concurrent deliverers never
   * take the same row), oldest first, marking them `sending`.
   */
  claimDue(db: Executor, now: Date, limit: number): Promise<ClaimedNotification[]>;
  markSent(db: Executor, id: string, now: Date): Promise<void>;
  /**
   * Back to the queue, to be tried again no earlier than `at`. `refund` gives the attempt back when
   * the wait was asked for (Telegram's retry_after, our own throttling) rather than a failure.
   */
  retryAt(db: Executor, id: string, at: Date, error: string, refund?: boolean): Promise<void>;
  /** Gives up for good (blocked bot, chat not found, too many attempts). */
  markFailed(db: Executor, id: string, error: string): Promise<void>;
  /** Nobody can receive it (an operator without Telegram, no ops chat configured). */
  markSkipped(db: Executor, id: string, reason: string): Promise<void>;
  /** Returns rows a crashed deliverer held (`sending` since before `olderThan`) to the queue. */
  requeueStale(db: Executor, olderThan: Date): Promise<number>;
  backlog(db: Executor): Promise<Backlog>;
}

export interface NotificationsOptions {
  /** Called in the same transaction after notifications are written (e.g. to wake the deliverer). */
  afterEnqueue?: (tx: Executor) => Promise<void>;
}

export function createNotificationsService(opts: NotificationsOptions = {}): NotificationsService {
  return {
    async enqueue(tx, notifications) {
      if (notifications.length === 0) return;
      await tx
        .insertInto('notifications')
        .values(
          notifications.map((n) => ({
            recipient_type: n.recipientType,
            recipient_id: n.recipientId ?? null,
            template: n.template,
            data: JSON.stringify(n.data),
            ...(n.at ? { next_attempt_at: n.at } : {}),
          })),
        )
        .execute();
      await opts.afterEnqueue?.(tx);
    },
    async queuedCount(db) {
      const row = await db
        .selectFrom('notifications')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', '=', 'queued')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async claimDue(db, now, limit) {
      const { rows } = await sql<{
        id: string;
        recipient_type: RecipientType;
        recipient_id: string | null;
        template: string;
        data: Record<string, unknown>;
        attempts: number;
        created_at: Date;
      }>`
        update notifications set status = 'sending', attempts = attempts + 1, claimed_at = ${now}
        where id in (
          select id from notifications
          where status = 'queued' and next_attempt_at <= ${now}
          order by id
          limit ${limit}
          for update skip locked)
        returning id, recipient_type, recipient_id, template, data, attempts, created_at`.execute(db);
      return rows
        .sort((a, b) => Number(a.id) - Number(b.id))
        .map((r) => ({
          id: r.id,
          recipientType: r.recipient_type,
          recipientId: r.recipient_id,
          template: r.template,
          data: r.data,
          attempts: r.attempts,
          createdAt: r.created_at,
        }));
    },
    async markSent(db, id, now) {
      await db
        .updateTable('notifications')
        .set({ status: 'sent', sent_at: now, claimed_at: null, last_error: null })
        .where('id', '=', id)
        .execute();
    },
    async retryAt(db, id, at, error, refund = false) {
      await db
        .updateTable('notifications')
        .set((eb) => ({
          status: 'queued',
          next_attempt_at: at,
          claimed_at: null,
          last_error: error.slice(0, 500),
          attempts: refund ? eb('attempts', '-', 1) : eb.ref('attempts'),
        }))
        .where('id', '=', id)
        .execute();
    },
    async markFailed(db, id, error) {
      await db
        .updateTable('notifications')
        .set({ status: 'failed', claimed_at: null, last_error: error.slice(0, 500) })
        .where('id', '=', id)
        .execute();
    },
    async markSkipped(db, id, reason) {
      await db
        .updateTable('notifications')
        .set({ status: 'skipped', claimed_at: null, last_error: reason.slice(0, 500) })
        .where('id', '=', id)
        .execute();
    },
    async requeueStale(db, olderThan) {
      const r = await db
        .updateTable('notifications')
        .set({ status: 'queued', claimed_at: null })
        .where('status', '=', 'sending')
        .where('claimed_at', '<', olderThan)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    async backlog(db) {
      const row = await db
        .selectFrom('notifications')
        .select((eb) => [
          eb.fn.countAll<string>().as('n'),
          eb.fn.min('created_at').as('oldest'),
          eb.fn.min('next_attempt_at').as('next'),
        ])
        .where('status', '=', 'queued')
        .executeTakeFirstOrThrow();
      const date = (v: unknown) => (v ? new Date(v as string) : null);
      return { queued: Number(row.n), oldestQueuedAt: date(row.oldest), nextAttemptAt: date(row.next) };
    },
  };
}
