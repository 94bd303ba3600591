import net from 'node:net';
import { loadConfig, type Config } from '../config.js';
import { systemClock } from '../shared/clock.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { startWorker, type DeskWorker } from '../worker/worker.js';
import { compose } from './compose.js';
import { migrateAll, openDatabase } from './database.js';
import { resolveSecrets } from './secrets.js';

export interface RunOptions {
  http: boolean;
  worker: boolean;
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
 * Starts the desk: database (embedded or DATABASE_URL), migrations, HTTP API and/or worker.
 * Resolves once serving; the returned `stop` drains HTTP, stops the worker, closes the pool and stops
 * the embedded PostgreSQL, in that order.
 */
export async function runDesk(opts: RunOptions, config: Config = loadConfig(), logger: Logger = createLogger(config.LOG_LEVEL)) {
  opts = { ...opts, worker: opts.worker && config.WORKER_ENABLED };
  if (opts.http) await assertPortFree(config.HOST, config.PORT);
  const database = await openDatabase(config, logger);
  let worker: DeskWorker | undefined;
  let closeHttp = async () => {};
  try {
    const applied = await migrateAll(database);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    const secrets = resolveSecrets(config);
    const desk = compose({ config, db: database.db, pool: database.pool, logger, clock: systemClock, secrets, workerRunning: opts.worker ? () => worker?.running() ?? false : undefined });
    if (opts.worker) {
      worker = await startWorker({ pool: database.pool, modules: desk.jobs, concurrency: config.WORKER_CONCURRENCY, logger });
    }
    let address: string | undefined;
    if (opts.http) {
      const app = await desk.buildHttp();
      address = await app.listen({ host: config.HOST, port: config.PORT });
      closeHttp = () => app.close();
      logger.info({ address }, 'usdt-desk is serving');
      const setupUrl = await desk.services.operators.ensureSetupToken();
      // Printed plainly (not only logged) so the person starting the desk sees it, like Jenkins' first password.
      if (setupUrl) process.stdout.write(`\nNo operator exists yet. Create the first platform_admin at:\n\n  ${setupUrl}\n\n(or POST /api/setup with {token, email, name, password}; the token works until used)\n\n`);
    }
    const stop = async () => {
      await closeHttp();
      await worker?.stop();
      await database.close();
    };
    return { address, desk, database, stop };
  } catch (err) {
    await worker?.stop().catch(() => undefined);
    await closeHttp().catch(() => undefined);
    await database.close();
    throw err;
  }
}
