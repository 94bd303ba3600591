import type { Executor } from '../shared/db.js';
import type { RecipientType } from './notifications.tables.js';

export interface Notification {
  recipientType: RecipientType;
  recipientId?: string | null;
  template: string;
  data: Record<string, unknown>;
}

/**
 * The notifications outbox: written inside the transaction of the change it announces, so a
 * notification exists if and only if the change committed. Delivery (Telegram) drains it later;
 * until then nothing is dropped.
 */
export interface NotificationsService {
  enqueue(tx: Executor, notifications: Notification[]): Promise<void>;
  queuedCount(db: Executor): Promise<number>;
}

export function createNotificationsService(): NotificationsService {
  return {
    async enqueue(tx, notifications) {
      if (notifications.length === 0) return;
      await tx
        .insertInto('notifications')
        .values(notifications.map((n) => ({ recipient_type: n.recipientType, recipient_id: n.recipientId ?? null, template: n.template, data: JSON.stringify(n.data) })))
        .execute();
    },
    async queuedCount(db) {
      const row = await db.selectFrom('notifications').select((eb) => eb.fn.countAll<string>().as('n')).where('status', '=', 'queued').executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
