import { runMigrations } from 'graphile-worker';
import type { Config } from '../config.js';
import { assertReachable, createDb, createPool, safeUrl, type Db } from '../shared/db.js';
import { startEmbeddedPostgres } from '../shared/embedded-postgres.js';
import type { Logger } from '../shared/logger.js';
import { migrateUp } from '../shared/migrate.js';
import type pg from 'pg';

export interface OpenDatabase {
  url: string;
  pool: pg.Pool;
  db: Db;
  embedded: boolean;
  close: () => Promise<void>;
}

/**
 * The configured server (DATABASE_URL) or the embedded one under DESK_DATA_DIR. When a desk is
 * already running on the same data folder, this connects to its embedded server instead of starting
 * another, so `desk` subcommands work alongside `npm start`.
 */
export async function openDatabase(config: Config, logger: Logger, opts: { poolMax?: number } = {}): Promise<OpenDatabase> {
  let url: string;
  let stopEmbedded = async () => {};
  let embedded = false;
  if (config.DATABASE_URL) {
    await assertReachable(config.DATABASE_URL);
    url = config.DATABASE_URL;
    logger.info({ database: safeUrl(url) }, 'using external PostgreSQL');
  } else {
    const pg = await startEmbeddedPostgres({ dataDir: config.dataDir, log: (l) => logger.debug({ part: 'postgres' }, l) });
    url = pg.url('postgres');
    stopEmbedded = pg.stop;
    embedded = true;
    logger.info({ dataDir: config.dataDir, reused: !pg.owned }, pg.owned ? 'embedded PostgreSQL started' : 'connected to the running embedded PostgreSQL');
  }
  const pool = createPool(url, opts.poolMax ?? config.DB_POOL_MAX);
  const db = createDb(pool);
  return {
    url,
    pool,
    db,
    embedded,
    close: async () => {
      await db.destroy().catch(() => undefined);
      await stopEmbedded();
    },
  };
}

/** Applies the desk's migrations and graphile-worker's own schema. */
export async function migrateAll(database: OpenDatabase): Promise<string[]> {
  const applied = await migrateUp(database.db);
  await runMigrations({ pgPool: database.pool });
  return applied;
}
