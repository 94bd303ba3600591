import { Migrator, type Migration, type MigrationResult, type Kysely } from 'kysely';
import { migrations } from '../migrations/index.js';

export const MIGRATION_TABLE = 'desk_migrations';

function migrator(db: Kysely<unknown>, list: Record<string, Migration> = migrations): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => list },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: `${MIGRATION_TABLE}_lock`,
  });
}

export class MigrationError extends Error {
  constructor(readonly migration: string, cause: unknown) {
    super(`migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Applies every pending migration; a failure names the migration that failed. */
export async function migrateUp<T>(db: Kysely<T>, list?: Record<string, Migration>): Promise<string[]> {
  const { error, results } = await migrator(db as Kysely<unknown>, list).migrateToLatest();
  if (error) {
    const failed = results?.find((r: MigrationResult) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(failed, error);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
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
