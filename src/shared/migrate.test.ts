import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../../test/support/db.js';
import { createDb, createPool } from './db.js';
import { migrateUp, MigrationError, migrationStatus, pendingMigrations } from './migrate.js';

async function withEmptyDb(fn: (db: Kysely<unknown>) => Promise<void>) {
  const empty = await createEmptyDatabase();
  const db = createDb(createPool(empty.url, 2)) as unknown as Kysely<unknown>;
  try {
    await fn(db);
  } finally {
    await db.destroy();
    await empty.drop();
  }
}

describe('migrations', () => {
  it('apply every migration to an empty database, then report nothing pending', async () => {
    await withEmptyDb(async (db) => {
      const applied = await migrateUp(db);
      expect(applied).toEqual(['0001_audit', '0002_operators', '0003_approvals', '0004_flags', '0005_telegram_links', '0006_telegram', '0007_clients', '0008_trading', '0009_client_api_keys', '0010_pricing_spreads', '0011_wallets', '0012_settlement', '0013_telegram_client_buttons', '0014_change_requests_immutable', '0015_session_revoked_event', '0016_flag_outside_api_unforgeable']);
      expect(await pendingMigrations(db)).toEqual([]);
      expect(await migrateUp(db)).toEqual([]); // idempotent
      expect((await migrationStatus(db)).every((m) => m.appliedAt instanceof Date)).toBe(true);
    });
  });

  it('a failing migration names itself and leaves the schema as it was', async () => {
    await withEmptyDb(async (db) => {
      const list = {
        '0001_good': { up: async (k: Kysely<unknown>) => void (await sql`create table good_one (id int)`.execute(k)) },
        '0002_broken': { up: async (k: Kysely<unknown>) => void (await sql`create table oops (id nonexistent_type)`.execute(k)) },
      };
      const err = await migrateUp(db, list).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as MigrationError).migration).toBe('0002_broken');
      expect((err as Error).message).toMatch(/^migration 0002_broken failed: .*nonexistent_type/);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_tables where tablename = 'good_one'`.execute(db);
      expect(rows[0]?.n).toBe(0);
    });
  });
});
