import { Migrator, type Migration, type MigrationResult, type Kysely } from 'kysely';
import { migrations } from '../migrations/index.js';

const MIGRATION_TABLE = 'desk_migrations';

function migrator(db: Kysely<unknown>, list: Record<string, Migration> = migrations): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => list },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: `${MIGRATION_TABLE}_lock`,
  });
}

export class MigrationError extends Error {
  constructor(
    readonly migration: string,
    cause: unknown,
  ) {
    super(`migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Applies every pending migration, in order, **each in its own transaction**: a failure rolls back
 * that migration only, keeps the ones before it, and names it. (Kysely's `migrateToLatest` would run
 * the whole pending batch in one transaction; `migrateUp` applies one at a time under the migration lock.)
 */
export async function migrateUp<T>(db: Kysely<T>, list?: Record<string, Migration>): Promise<string[]> {
  const m = migrator(db as Kysely<unknown>, list);
  const applied: string[] = [];
  for (;;) {
    const { error, results } = await m.migrateUp();
    if (error) {
      const failed = results?.find((r: MigrationResult) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new MigrationError(failed, error);
    }
    const done = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (done.length === 0) return applied;
    applied.push(...done);
  }
}

export interface MigrationStatus {
  name: string;
  appliedAt: Date | null;
}

export async function migrationStatus<T>(db: Kysely<T>): Promise<MigrationStatus[]> {
  const list = await migrator(db as Kysely<unknown>).getMigrations();
  return list.map((m) => ({ name: m.name, appliedAt: m.executedAt ?? null }));
}

export async function pendingMigrations<T>(db: Kysely<T>): Promise<string[]> {
  return (await migrationStatus(db)).filter((m) => !m.appliedAt).map((m) => m.name);
}
