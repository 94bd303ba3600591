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

/** What a long-lived desk process can be asked to do on a signal. */
export interface Running {
  /** The orderly stop: drain HTTP, stop the worker, close the pool, give up the embedded PostgreSQL. */
  stop: () => Promise<void>;
  /** The shortened one: give up (and stop, when last) the embedded PostgreSQL now, without draining. */
  release?: () => Promise<void>;
}

/**
 * Signals: the first SIGINT/SIGTERM stops everything in order, then exits 0. A second one (`tsx`
 * forwards the signal it received to this process too, so `kill` to a process group — systemd,
 * `docker stop` — delivers two) shortens the drain but still stops what this process started: the
 * embedded PostgreSQL is given up at once (stopped when no other desk process uses it), then exit 0.
 * Only a third abandons it and exits 130 at once.
 */
function onShutdown(
  stop: () => Promise<void>,
  release: () => Promise<void>,
  log: (msg: string) => void,
): void {
  let signals = 0;
  const finish = (p: Promise<void>) =>
    p.then(
      () => process.exit(0),
      (err: unknown) => exitWithError(err),
    );
  const handler = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      log(`${signal} received: shutting down`);
      void finish(stop());
    } else if (signals === 2) {
      log(`${signal} received again: stopping the database without waiting for the drain`);
      void finish(release());
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/**
 * A lost database connection (or any other stray rejection) must not end a serving desk: it is logged,
 * and whatever failed recovers by itself (see docs/operations.md, "When the database goes away").
 */
export function survivePromiseRejections(log: (msg: string) => void): void {
  process.on('unhandledRejection', (reason) => {
    const message = reason instanceof Error ? reason.message : String(reason);
    log(`usdt-desk: unhandled rejection (the desk keeps running): ${message}`);
  });
}

/**
 * Runs a long-lived desk process (`npm start`, `desk serve`, `desk worker`) with SIGINT/SIGTERM handled
 * from its first moment: a signal during start-up (initdb, migrations…) aborts it, which stops what has
 * started so far — the embedded PostgreSQL included — and exits 0; once running, a signal stops
 * everything in order (see `onShutdown` for a second and a third). A start-up failure is printed by
 * `exitWithError`.
 */
export function runUntilSignal(
  start: (signal: AbortSignal) => Promise<Running>,
  log: (msg: string) => void,
): void {
  const abort = new AbortController();
  survivePromiseRejections((msg) => process.stderr.write(`${msg}\n`));
  const startup = start(abort.signal);
  const running = startup.catch(() => undefined); // an aborted start-up has already cleaned up
  onShutdown(
    async () => {
      abort.abort();
      await (await running)?.stop();
    },
    async () => {
      abort.abort();
      // Still starting: its abort stops what it started; wait for that rather than leave PostgreSQL behind.
      const r = await running;
      await (r?.release ?? r?.stop)?.();
    },
    log,
  );
  startup.catch((err: unknown) => {
    if (!abort.signal.aborted) exitWithError(err);
  });
}
