import type { NotificationsService } from '../notifications/notifications.service.js';
import type { ReadinessCheck } from '../http/health.routes.js';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../shared/db.js';
import { isConnectionError } from '../shared/errors.js';
import { pendingMigrations } from '../shared/migrate.js';

/** What /ready says while PostgreSQL cannot be reached (public: no host, user or driver message). */
export const DATABASE_UNREACHABLE = 'PostgreSQL cannot be reached; the desk reconnects by itself';

/** Notifications older than this in the queue are flagged in /ready. */
const QUEUED_TOO_LONG_SECONDS = 600;

/**
 * What `GET /ready` checks: the database answers, migrations are current, the worker runs (when this
 * process runs one), and — informational only — the notifications backlog.
 */
export function readinessChecks(deps: {
  db: Db;
  clock: Clock;
  notifications: Pick<NotificationsService, 'backlog'>;
  /** Whether this process's worker runs; undefined when the worker is another process. */
  workerRunning?: () => boolean;
  /** How notifications are delivered, in words ("telegram (polling)", "off (…): notifications stay queued"). */
  delivery: string;
}): ReadinessCheck[] {
  const { db, clock } = deps;
  return [
    {
      name: 'database',
      check: async () => {
        try {
          return { ok: (await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute()).length === 1 };
        } catch (err) {
          if (!isConnectionError(err)) throw err;
          return { ok: false, detail: DATABASE_UNREACHABLE };
        }
      },
    },
    {
      name: 'migrations',
      check: async () => {
        const pending = await pendingMigrations(db);
        return { ok: pending.length === 0, detail: pending.length ? { pending } : undefined };
      },
    },
    {
      name: 'worker',
      check: async () => {
        if (!deps.workerRunning) return { ok: true, detail: 'runs in a separate process' };
        const ok = deps.workerRunning();
        return { ok, detail: ok ? undefined : 'the worker is not running jobs; it restarts by itself' };
      },
    },
    // Informational: a Telegram backlog must not take a serving node out of its load balancer.
    {
      name: 'notifications',
      check: async () => ({
        ok: true,
        detail: notificationsDetail(await deps.notifications.backlog(db), clock.now(), deps.delivery),
      }),
    },
  ];
}

function notificationsDetail(
  b: { queued: number; oldestQueuedAt: Date | null },
  now: Date,
  delivery: string,
) {
  const oldestQueuedSeconds = b.oldestQueuedAt
    ? Math.max(0, Math.round((now.getTime() - b.oldestQueuedAt.getTime()) / 1000))
    : 0;
  return {
    delivery,
    queued: b.queued,
    oldestQueuedSeconds,
    queuedTooLong: oldestQueuedSeconds > QUEUED_TOO_LONG_SECONDS,
  };
}
