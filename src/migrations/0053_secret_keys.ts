import { sql, type Kysely } from 'kysely';

/**
 * The key ring (issue 15, secret rotation): keys made by `desk secrets rotate`, their material sealed
 * under the master key (derived from DATA_ENCRYPTION_KEY), and tombstones for the keys that came from
 * env once they are retired or pruned. Running desks re-read it, so a rotation needs no restart.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table secret_keys (
      purpose text not null check (purpose in ('jwt', 'audit', 'data')),
      id text not null,
      -- 'ring': made by a rotation, material below; 'env': came from env/*_FILE, material never stored.
      source text not null check (source in ('ring', 'env')),
      sealed text,
      public_key text,
      created_at timestamptz not null default now(),
      retired_at timestamptz,
      pruned_at timestamptz,
      check (source = 'env' or pruned_at is not null or sealed is not null),
      primary key (purpose, id)
    );
  `.execute(db);
}
