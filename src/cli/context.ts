import os from 'node:os';
import { loadConfig, type Config } from '../config.js';
import { compose, type Composition } from '../main/compose.js';
import { migrateAll, openDatabase, type OpenDatabase } from '../main/database.js';
import { resolveSecrets } from '../main/secrets.js';
import { systemClock } from '../shared/clock.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { AppError } from '../shared/errors.js';

export interface CliContext {
  config: Config;
  logger: Logger;
  database: OpenDatabase;
  desk: Composition;
}

/**
 * Opens the desk for one CLI command: the configured database, or the embedded one under
 * DESK_DATA_DIR (the running desk's if `npm start` is up, otherwise started just for this command and
 * stopped after it). Logs go to stderr so stdout stays machine-readable.
 */
export async function withDesk<T>(fn: (ctx: CliContext) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr);
  const database = await openDatabase(config, logger, { poolMax: 4 });
  try {
    if (opts.migrate !== false) await migrateAll(database);
    const desk = compose({ config, db: database.db, pool: database.pool, logger, clock: systemClock, secrets: resolveSecrets(config) });
    return await fn({ config, logger, database, desk });
  } finally {
    await database.close();
  }
}

/** Reads all of stdin (for --password-stdin), without the trailing newline. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** The OS account that ran the command: the closest thing the CLI has to an actor. */
export function cliUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

export function fail(message: string): void {
  process.stderr.write(`desk: ${message}\n`);
  process.exitCode = 1;
}

/** Domain errors become one line and exit code 1; anything else propagates to the generic handler. */
export async function runOrFail(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    fail(err.detail);
  }
}
