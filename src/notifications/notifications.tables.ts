import type { ColumnType, Generated } from 'kysely';

export type RecipientType = 'operator' | 'client' | 'ops_chat';

export interface NotificationsTable {
  id: Generated<string>;
  recipient_type: RecipientType;
  recipient_id: string | null;
  template: string;
  data: ColumnType<unknown, string, string>;
  status: Generated<'queued' | 'sending' | 'sent' | 'failed'>;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: Generated<Date>;
  sent_at: Date | null;
}

export interface NotificationTables {
  notifications: NotificationsTable;
}
