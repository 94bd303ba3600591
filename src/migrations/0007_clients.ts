import { sql, type Kysely } from 'kysely';

/**
 * Clients: Telegram users who applied through the bot. `status` changes only through `client.access`
 * requests (grant, suspend, reinstate), each moving `version` by one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table clients (
      id uuid primary key default gen_random_uuid(),
      telegram_user_id bigint not null unique,
      telegram_username text,
      name text not null,
      company text not null,
      country text not null,
      monthly_volume text not null,
      status text not null default 'pending' check (status in ('pending', 'active', 'suspended')),
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index clients_status on clients (status, created_at desc);
  `.execute(db);
}
