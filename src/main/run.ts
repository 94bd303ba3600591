import net from 'node:net';
import { loadConfig, type Config } from '../config.js';
import { connectConfiguredEvm } from '../wallets/evm/evm.connect.js';
import { systemClock } from '../shared/clock.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { startWorker, workerTuning, type DeskWorker } from '../worker/worker.js';
import { GrammyError } from 'grammy';
import type { TelegramRuntime } from '../telegram/runtime.js';
import { compose } from './compose.js';
import { migrateAll, openDatabase } from './database.js';
import { resolveSecrets } from './secrets.js';
import { superviseEmbedded } from './pg-supervisor.js';
import { withTransaction } from '../shared/db.js';

export interface RunOptions {
  http: boolean;
  worker: boolean;
  /**
   * Aborted by a SIGINT/SIGTERM that arrives while the desk is still starting: `runDesk` then stops
   * what it has started so far (the embedded PostgreSQL included) and rejects with `StartupAborted`.
   */
  signal?: AbortSignal;
}

/** The start-up was interrupted by a signal; whatever had started has been stopped. */
class StartupAborted extends Error {
  constructor() {
    super('start-up interrupted by a signal');
  }
}

/** A failure the person starting the desk can fix: printed as one line, exit code 1. */
export class StartupError extends Error {}

async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        new StartupError(
          err.code === 'EADDRINUSE'
            ? `port ${port} on ${host} is already in use: stop whatever uses it or set PORT to another port`
            : `cannot listen on ${host}:${port} (${err.code ?? err.message}): set HOST/PORT to an address this machine has`,
        ),
      );
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/**
 * Starts the bot. A token Telegram refuses is a startup error (fix the setting); Telegram being
 * unreachable is not: the desk serves, notifications queue, and the bot retries every minute.
 */
async function startBot(telegram: TelegramRuntime, logger: Logger): Promise<() => Promise<void>> {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = async (): Promise<void> => {
    try {
      await telegram.start();
    } catch (err) {
      if (err instanceof GrammyError && (err.error_code === 401 || err.error_code === 404)) {
        throw new StartupError(
          `Telegram refused TELEGRAM_BOT_TOKEN (${err.description}): copy the token from BotFather again, or unset it to run without the bot`,
        );
      }
      if (err instanceof GrammyError)
        throw new StartupError(`Telegram refused to start the bot: ${err.description}`);
      logger.error(
        { err: (err as Error).message },
        'Telegram is unreachable: the bot retries in a minute; notifications stay queued meanwhile',
      );
      if (!stopped)
        timer = setTimeout(
          () =>
            void attempt().catch((e: unknown) =>
              logger.error({ err: (e as Error).message }, 'Telegram bot cannot start'),
            ),
          60_000,
        );
    }
  };
  await attempt();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await telegram.stop();
  };
}

/**
 * Starts the desk: database (embedded or DATABASE_URL), migrations, HTTP API and/or worker.
 * Resolves once serving; the returned `stop` drains HTTP, stops the worker, closes the pool and stops
 * the embedded PostgreSQL (unless another desk process still uses it), in that order. If `opts.signal`
 * aborts first, it stops what has started and rejects with `StartupAborted`.
 */
export async function runDesk(
  opts: RunOptions,
  config: Config = loadConfig(),
  logger: Logger = createLogger(config.LOG_LEVEL),
) {
  opts = { ...opts, worker: opts.worker && config.WORKER_ENABLED };
  const checkAborted = () => {
    if (opts.signal?.aborted) throw new StartupAborted();
  };
  if (opts.http) await assertPortFree(config.HOST, config.PORT);
  // Before the database: an unusable data folder or a malformed key is a one-line error, not a half start.
  const secrets = resolveSecrets(config);
  checkAborted();
  // The chain's settings checked against the node (chain id, the token's decimals) before anything starts.
  const evm = await connectConfiguredEvm(config.evm);
  checkAborted();
  const database = await openDatabase(config, logger);
  let worker: DeskWorker | undefined;
  let closeHttp = async () => {};
  let stopBot = async () => {};
  let unsupervise = () => {};
  let stopping = false;
  try {
    checkAborted();
    const applied = await migrateAll(database);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    checkAborted();
    const desk = compose({
      config,
      db: database.db,
      pool: database.pool,
      logger,
      clock: systemClock,
      secrets,
      evm,
      workerRunning: opts.worker ? () => worker?.running() ?? false : undefined,
    });
    if (opts.worker || opts.http) await desk.prepare();
    // The embedded server died (killed, crashed): start it again, and say so in the audit trail.
    if (database.server)
      unsupervise = superviseEmbedded(database.server, logger, (info) => {
        // Retried until it lands: the server may die again before the first attempt commits.
        void retryUntilStopped(
          () =>
            withTransaction(database.db, (tx) =>
              desk.services.audit.record(tx, {
                actorType: 'system',
                action: 'database.restarted',
                data: { embedded: true, downMs: info.downMs, attempts: info.attempts },
              }),
            ),
          () => stopping,
        ).catch((err: unknown) =>
          logger.warn({ err: (err as Error).message }, 'the database restart could not be audited'),
        );
      });
    checkAborted();
    if (opts.worker) {
      worker = await startWorker({
        pool: database.pool,
        modules: desk.jobs,
        concurrency: config.WORKER_CONCURRENCY,
        logger,
        tuning: workerTuning(config),
        onJobFailed: () => desk.metrics.errors.note('job'),
      });
    }
    checkAborted();
    let address: string | undefined;
    if (opts.http) {
      const app = await desk.buildHttp();
      address = await app.listen({ host: config.HOST, port: config.PORT });
      closeHttp = () => app.close();
      logger.info({ address }, 'usdt-desk is serving');
      const setupUrl = await desk.services.operators.ensureSetupToken();
      // Printed plainly (not only logged) so the person starting the desk sees it, like Jenkins' first password.
      if (setupUrl)
        process.stdout.write(
          `\nNo operator exists yet. Create the first platform_admin at:\n\n  ${setupUrl}\n\n(or POST /api/setup with {token, email, name, password}; the token works until used)\n\n`,
        );
      // The serving process receives updates (long polling, or the webhook it serves); any worker delivers.
      if (desk.telegram) {
        stopBot = await startBot(desk.telegram, logger);
      } else {
        const queued = await desk.services.notifications.queuedCount(database.db);
        logger.warn(
          { queued },
          `Telegram bot is off (${desk.telegramOff}): notifications stay queued in the outbox and are delivered once a token is configured`,
        );
      }
    }
    checkAborted();
    const stop = async () => {
      stopping = true;
      unsupervise();
      await stopBot();
      await closeHttp();
      await worker?.stop();
      await database.close();
    };
    const release = async () => {
      stopping = true;
      unsupervise();
      await database.release();
    };
    return { address, desk, database, stop, release };
  } catch (err) {
    stopping = true;
    unsupervise();
    await stopBot().catch(() => undefined);
    await worker?.stop().catch(() => undefined);
    await closeHttp().catch(() => undefined);
    await database.close();
    throw err;
  }
}

/** Runs `attempt` until it succeeds, every 500 ms, for at most 2 minutes or until `stopped()`. */
async function retryUntilStopped(attempt: () => Promise<unknown>, stopped: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 120_000; ;) {
    try {
      await attempt();
      return;
    } catch (err) {
      if (stopped() || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500).unref());
    }
  }
}
