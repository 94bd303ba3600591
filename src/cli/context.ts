import os from 'node:os';
import { loadConfig, type Config } from '../config.js';
import { connectConfiguredEvm } from '../wallets/evm/evm.connect.js';
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
 * DESK_DATA_DIR (joining the running desk's if `npm start` or another command is up, otherwise started
 * just for this command; either way it is stopped afterwards only if no other desk process uses it).
 * Logs go to stderr so stdout stays machine-readable.
 *
 * SIGINT/SIGTERM while the command runs (or while the database opens) give up the embedded database
 * the same way before exiting 128+signal, so an interrupted command leaves no PostgreSQL behind.
 */
export async function withDesk<T>(
  fn: (ctx: CliContext) => Promise<T>,
  opts: { migrate?: boolean } = {},
): Promise<T> {
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr);
  // Before the database: an unusable data folder or a malformed key is one line, not a half-done command.
  const secrets = resolveSecrets(config);
  const evm = await connectConfiguredEvm(config.evm);
  let database: OpenDatabase | undefined;
  let exiting: Promise<never> | undefined;
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) dieBy(signal); // a second signal: leave now
    signalled = signal;
    process.stderr.write(`desk: ${signal} received: stopping\n`);
    // While the database is still opening, the code below leaves once it is open.
    if (database) void leave(signal);
  };
  const leave = (signal: NodeJS.Signals): Promise<never> =>
    (exiting ??= (database?.release() ?? Promise.resolve()).then(
      () => dieBy(signal),
      (err: unknown) => {
        process.stderr.write(`desk: ${err instanceof Error ? err.message : String(err)}\n`);
        return dieBy(signal);
      },
    ));
  // Dies by the signal itself (exit status 128 + its number), as Unix tools do after cleaning up.
  // process.exit() would wait for libuv's threads, and one may be blocked for good, e.g. opening
  // `--out` on a FIFO that nobody reads.
  function dieBy(signal: NodeJS.Signals): never {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.kill(process.pid, signal);
    return process.exit(128 + (os.constants.signals[signal] ?? 2)); // only if the signal was caught elsewhere
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    database = await openDatabase(config, logger, { poolMax: 4 });
    if (signalled) return await leave(signalled);
    if (opts.migrate !== false) await migrateAll(database);
    const desk = compose({
      config,
      db: database.db,
      pool: database.pool,
      logger,
      clock: systemClock,
      secrets,
      evm,
    });
    return await fn({ config, logger, database, desk });
  } catch (err) {
    // Interrupted: the failure is the interruption's doing (a closed connection); exit as the signal says.
    if (exiting) return await exiting;
    throw err;
  } finally {
    if (!exiting) await database?.close(); // a signal meanwhile still leaves through `leave`
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Reads all of stdin (for --password-stdin), without the trailing newline. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
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
