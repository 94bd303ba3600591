import { ConfigError } from '../config.js';
import { EmbeddedPostgresError } from '../shared/embedded-postgres.js';
import { MigrationError } from '../shared/migrate.js';
import { StartupError } from './run.js';
import { EvmConfigError } from '../wallets/evm/evm.connect.js';

/** Errors a person can act on get one line on stderr; anything else keeps its stack. Exit non-zero. */
export function exitWithError(err: unknown): never {
  const known =
    err instanceof ConfigError ||
    err instanceof StartupError ||
    err instanceof EvmConfigError ||
    err instanceof EmbeddedPostgresError ||
    err instanceof MigrationError;
  const message = err instanceof Error ? err.message : String(err);
  if (known || (err instanceof Error && message.startsWith('cannot reach PostgreSQL'))) {
    process.stderr.write(`usdt-desk: ${message}\n`);
  } else {
    process.stderr.write(
      `usdt-desk: unexpected failure: ${err instanceof Error ? (err.stack ?? message) : message}\n`,
    );
  }
  process.exit(1);
}

/** Runs `stop` once on SIGINT/SIGTERM, then exits 0; a second signal forces exit. */
function onShutdown(stop: () => Promise<void>, log: (msg: string) => void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    log(`${signal} received: shutting down`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => exitWithError(err),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/**
 * Runs a long-lived desk process (`npm start`, `desk serve`, `desk worker`) with SIGINT/SIGTERM handled
 * from its first moment: a signal during start-up (initdb, migrations…) aborts it, which stops what has
 * started so far — the embedded PostgreSQL included — and exits 0; once running, a signal stops
 * everything in order. A start-up failure is printed by `exitWithError`.
 */
export function runUntilSignal(
  start: (signal: AbortSignal) => Promise<{ stop: () => Promise<void> }>,
  log: (msg: string) => void,
): void {
  const abort = new AbortController();
  const startup = start(abort.signal);
  onShutdown(async () => {
    abort.abort();
    const running = await startup.catch(() => undefined); // an aborted start-up has already cleaned up
    await running?.stop();
  }, log);
  startup.catch((err: unknown) => {
    if (!abort.signal.aborted) exitWithError(err);
  });
}
