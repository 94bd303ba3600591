import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../../test/support/db.js';
import { createDb, createPool } from './db.js';
import { migrations } from '../migrations/index.js';
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
      expect(applied).toEqual(Object.keys(migrations)); // every one, in file order
      expect(applied.slice(0, 2)).toEqual(['0001_audit', '0002_operators']);
      expect([...applied].sort()).toEqual(applied);
      expect(await pendingMigrations(db)).toEqual([]);
      expect(await migrateUp(db)).toEqual([]); // idempotent
      expect((await migrationStatus(db)).every((m) => m.appliedAt instanceof Date)).toBe(true);
    });
  });

  it('each migration runs in its own transaction: a failure names itself, rolls back only itself and keeps the ones before it', async () => {
    await withEmptyDb(async (db) => {
      const list = {
        '0001_good': {
          up: async (k: Kysely<unknown>) => void (await sql`create table good_one (id int)`.execute(k)),
        },
        '0002_broken': {
          up: async (k: Kysely<unknown>) => {
            await sql`create table half_done (id int)`.execute(k);
            await sql`create table oops (id nonexistent_type)`.execute(k);
          },
        },
        '0003_later': {
          up: async (k: Kysely<unknown>) => void (await sql`create table later_one (id int)`.execute(k)),
        },
      };
      const err = await migrateUp(db, list).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as MigrationError).migration).toBe('0002_broken');
      expect((err as Error).message).toMatch(/^migration 0002_broken failed: .*nonexistent_type/);
      const tables = async (name: string) =>
        (
          await sql<{
            n: number;
          }>`select count(*)::int as n from pg_tables where tablename = ${name}`.execute(db)
        ).rows[0]?.n;
      expect(await tables('good_one')).toBe(1); // committed in its own transaction
      expect(await tables('half_done')).toBe(0); // the failing migration left nothing behind
      expect(await tables('later_one')).toBe(0); // nothing after the failure ran
      const { rows } = await sql<{ name: string }>`select name from desk_migrations order by name`.execute(
        db,
      );
      expect(rows.map((r) => r.name)).toEqual(['0001_good']);
    });
  });
});
