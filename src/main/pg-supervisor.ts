import type { EmbeddedPostgres } from '../shared/embedded-postgres.js';
import type { Logger } from '../shared/logger.js';

/** How often the supervisor looks at the embedded server, and its back-off when a restart fails. */
const CHECK_MS = 1_000;
const RETRY_MAX_MS = 8_000;

/**
 * Watches the embedded PostgreSQL this desk process uses and starts it again when it died (SIGKILL,
 * a crash, the OOM killer), on the same port so the pool reconnects by itself. A restart that fails
 * (the dead server's backends still hold its shared memory for a moment) is retried with back-off,
 * 1 s doubling to 8 s. `onRestarted` runs after each restart this process made (the desk audits it).
 * Returns the function that stops watching (called before the desk gives the server up).
 */
export function superviseEmbedded(
  pg: EmbeddedPostgres,
  logger: Logger,
  onRestarted: (info: { downMs: number; attempts: number }) => void,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let downSince: number | undefined;
  let attempts = 0;
  let delay = CHECK_MS;

  const tick = async () => {
    if (await pg.alive()) {
      downSince = undefined;
      attempts = 0;
      delay = CHECK_MS;
      return;
    }
    if (downSince === undefined) {
      downSince = Date.now();
      logger.error('the embedded PostgreSQL is not running: starting it again');
    }
    attempts++;
    try {
      const restarted = await pg.revive();
      if (restarted) {
        const info = { downMs: Date.now() - downSince, attempts };
        logger.warn(info, 'the embedded PostgreSQL was restarted');
        onRestarted(info);
      }
      downSince = undefined;
      attempts = 0;
      delay = CHECK_MS;
    } catch (err) {
      delay = Math.min(delay * 2, RETRY_MAX_MS);
      logger.warn(
        { err: (err as Error).message, attempts, retryInMs: delay },
        'the embedded PostgreSQL cannot start yet',
      );
    }
  };

  const loop = () => {
    timer = setTimeout(() => {
      tick()
        .catch((err: unknown) => logger.error({ err: (err as Error).message }, 'database supervisor failed'))
        .finally(() => {
          if (!stopped) loop();
        });
    }, delay);
    timer.unref();
  };
  loop();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
