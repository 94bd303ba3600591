import { runMigrations } from 'graphile-worker';
import type { Config } from '../config.js';
import { assertReachable, createDb, createPool, safeUrl, type Db } from '../shared/db.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../shared/embedded-postgres.js';
import type { Logger } from '../shared/logger.js';
import { migrateUp, MigrationError } from '../shared/migrate.js';
import type pg from 'pg';

export interface OpenDatabase {
  url: string;
  pool: pg.Pool;
  db: Db;
  embedded: boolean;
  /** The embedded server this process uses (started or joined); undefined with DATABASE_URL. */
  server?: EmbeddedPostgres;
  /** Closes the pool, then gives up the embedded PostgreSQL (stopped if no other desk process uses it). */
  close: () => Promise<void>;
  /**
   * On a signal: gives up the embedded PostgreSQL without waiting for the pool (a command may be in the
   * middle of a query); the process exits right after.
   */
  release: () => Promise<void>;
}

/**
 * The configured server (DATABASE_URL) or the embedded one under DESK_DATA_DIR. When another desk
 * process already runs the embedded server on the same data folder, this joins it (a lease, see
 * `src/shared/embedded-postgres.ts`) instead of starting another, so `desk` subcommands work alongside
 * `npm start`, and whichever process finishes last stops it.
 */
export async function openDatabase(
  config: Config,
  logger: Logger,
  opts: { poolMax?: number } = {},
): Promise<OpenDatabase> {
  let url: string;
  let stopEmbedded = async () => {};
  let embedded = false;
  let server: EmbeddedPostgres | undefined;
  if (config.DATABASE_URL) {
    await assertReachable(config.DATABASE_URL);
    url = config.DATABASE_URL;
    logger.info({ database: safeUrl(url) }, 'using external PostgreSQL');
  } else {
    const pg = await startEmbeddedPostgres({ dataDir: config.dataDir });
    url = pg.url('postgres');
    stopEmbedded = pg.stop;
    embedded = true;
    server = pg;
    logger.info(
      { dataDir: config.dataDir, reused: !pg.started },
      pg.started ? 'embedded PostgreSQL started' : 'connected to the running embedded PostgreSQL',
    );
  }
  const pool = createPool(url, opts.poolMax ?? config.DB_POOL_MAX);
  const db = createDb(pool);
  return {
    url,
    pool,
    db,
    embedded,
    server,
    close: async () => {
      await db.destroy().catch(() => undefined);
      await stopEmbedded();
    },
    release: () => stopEmbedded(),
  };
}

/** Applies the desk's migrations and graphile-worker's own schema; a failure names which. */
export async function migrateAll(database: OpenDatabase): Promise<string[]> {
  const applied = await migrateUp(database.db);
  try {
    await runMigrations({ pgPool: database.pool });
  } catch (err) {
    throw new MigrationError('graphile-worker (its job queue schema)', err);
  }
  return applied;
}
