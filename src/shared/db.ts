import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { AppError, sqlState, TRANSIENT_SQLSTATES } from './errors.js';
import type { Database } from './database.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Either the pool or an open transaction: services take this so callers can compose them. */
export type Executor = Kysely<Database>;

// NUMERIC and INT8 come back as strings; money code converts them to bigint explicitly.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export function createPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, application_name: 'usdt-desk' });
  // Idle-client errors (a server restart) surface on the next query instead of crashing the process.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export function createDb(pool: pg.Pool): Db {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Runs `fn` in one transaction: a state change, its audit event and its follow-up job commit together
 * or not at all. Serialization failures and deadlocks are retried (the function must be re-runnable).
 * Called with a transaction already open, it joins it rather than nesting. After the commit it runs
 * what the committed attempt registered with `onCommit` (a retried attempt's go with its transaction).
 */
export async function withTransaction<T>(db: Executor, fn: (tx: Tx) => Promise<T>, attempts = 3): Promise<T> {
  if (db.isTransaction) return fn(db as Tx);
  for (let attempt = 1; ; attempt++) {
    let last: Tx | undefined;
    try {
      const result = await db.transaction().execute((tx) => {
        last = tx;
        return fn(tx);
      });
      for (const callback of (last && afterCommit.get(last)) ?? []) callback();
      return result;
    } catch (err) {
      if (err instanceof AppError || attempt >= attempts || !TRANSIENT_SQLSTATES.has(sqlState(err) ?? ''))
        throw err;
    }
  }
}

const afterCommit = new WeakMap<Tx, (() => void)[]>();

/**
 * Runs `callback` once `tx` has committed, through the outermost `withTransaction` (so metrics never
 * count what rolled back). Callbacks must not throw.
 */
export function onCommit(tx: Tx, callback: () => void): void {
  const list = afterCommit.get(tx) ?? [];
  list.push(callback);
  afterCommit.set(tx, list);
}

/** Checks that a server answers, translating connection failures into a sentence a person can act on. */
export async function assertReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    const where = safeUrl(url);
    throw new Error(
      `cannot reach PostgreSQL at ${where} (${(err as Error).message}): check DATABASE_URL and that the server is running`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A connection URL with the password masked, for logs and error messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
