import type { NotificationsService } from '../notifications/notifications.service.js';
import type { Clock } from '../shared/clock.js';
import type { Db, Executor } from '../shared/db.js';
import type { Logger } from '../shared/logger.js';
import { cron, defineTask, enqueue, handle, type JobsModule } from '../shared/jobs.js';
import type { Deliverer } from './delivery.js';
import type { TelegramStore } from './telegram.store.js';

/** Drains the notifications outbox to Telegram. */
export const DELIVER_TASK = defineTask('telegram_deliver', {});
/** Prunes the bot's bookkeeping (processed updates, spent callback tokens). */
export const PRUNE_TASK = defineTask('telegram_prune', {});

/** Wakes the deliverer in the transaction that wrote notifications (one pending job, whatever the number). */
export const wakeDeliverer = (tx: Executor) =>
  enqueue(tx, DELIVER_TASK, {}, { jobKey: DELIVER_TASK.name, maxAttempts: 3 });

/**
 * Delivery runs as a worker task: woken when notifications are written, every minute as a safety net
 * (rows waiting for a retry, or queued while the bot was off), and again at the next retry time when
 * that is sooner. Pruning of the bot's bookkeeping runs daily.
 */
export function telegramJobs(deps: {
  deliverer: Deliverer;
  store: TelegramStore;
  notifications: NotificationsService;
  db: Db;
  clock: Clock;
  logger: Logger;
}): JobsModule {
  return {
    tasks: {
      ...handle(DELIVER_TASK, async () => {
        const tally = await deps.deliverer.drain();
        if (Object.keys(tally).length > 0) deps.logger.info({ tally }, 'telegram deliveries');
        const { nextAttemptAt } = await deps.notifications.backlog(deps.db);
        const now = deps.clock.now().getTime();
        if (nextAttemptAt && nextAttemptAt.getTime() - now < 60_000) {
          await enqueue(
            deps.db,
            DELIVER_TASK,
            {},
            {
              jobKey: `${DELIVER_TASK.name}_retry`,
              runAt: new Date(Math.max(now, nextAttemptAt.getTime())),
              maxAttempts: 3,
            },
          );
        }
      }),
      ...handle(PRUNE_TASK, async () => deps.store.prune(deps.clock.now())),
    },
    crontab: [cron('* * * * *', DELIVER_TASK), cron('23 3 * * *', PRUNE_TASK)],
  };
}
