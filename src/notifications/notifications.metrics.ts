import { Gauge, type Registry } from 'prom-client';
import type { Db } from '../shared/db.js';
import type { NotificationsService } from './notifications.service.js';

/** `desk_notifications_queued`: the outbox rows waiting for delivery (the partial index of queued rows). */
export function createNotificationMetrics(registry: Registry, db: Db, notifications: NotificationsService) {
  new Gauge({
    name: 'desk_notifications_queued',
    help: 'Notifications queued for delivery (waiting, retrying or throttled)',
    registers: [registry],
    async collect() {
      this.set(await notifications.queuedCount(db));
    },
  });
}
