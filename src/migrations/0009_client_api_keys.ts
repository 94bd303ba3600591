import { sql, type Kysely } from 'kysely';

/**
 * API keys for institutional clients: issued by an ops approver, shown once, only a SHA-256 of the
 * (high-entropy) key stored, revocable. Idempotency keys pin a client's `Idempotency-Key` to the
 * quote it accepted, so reusing one for another quote is refused.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table client_api_keys (
      id uuid primary key default gen_random_uuid(),
      client_id uuid not null references clients (id),
      prefix text not null,
      key_hash text not null unique,
      label text,
      created_by uuid not null references operators (id),
      created_at timestamptz not null default now(),
      revoked_at timestamptz,
      revoked_by uuid references operators (id),
      last_used_at timestamptz
    );
    create index client_api_keys_client on client_api_keys (client_id, created_at desc);

    create table client_idempotency_keys (
      client_id uuid not null references clients (id),
      key text not null,
      quote_id uuid not null references quotes (id),
      created_at timestamptz not null default now(),
      primary key (client_id, key)
    );
  `.execute(db);
}
