import type { ColumnType, Generated } from 'kysely';

export type RecipientType = 'operator' | 'client' | 'ops_chat';
export type NotificationStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'skipped';

export interface NotificationsTable {
  id: Generated<string>;
  recipient_type: RecipientType;
  recipient_id: string | null;
  template: string;
  data: ColumnType<unknown, string, string>;
  /** `skipped`: nobody can receive it (operator without Telegram, no ops chat configured). */
  status: Generated<NotificationStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: Generated<Date>;
  sent_at: Date | null;
  /** Delivery tries again no earlier than this (backoff, Telegram's retry_after, throttling). */
  next_attempt_at: Generated<Date>;
  /** When a deliverer took the row (`sending`); a row held too long is returned to the queue. */
  claimed_at: Date | null;
}

export interface NotificationTables {
  notifications: NotificationsTable;
}
