import { sql, type Kysely } from 'kysely';

/**
 * One-time codes that link an operator's Telegram account (`/link CODE` to the bot). Only a keyed
 * hash of each code is stored; an operator has at most one unused code (a new one replaces it), and
 * a used code keeps its row as the record of which Telegram user it bound.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table operator_telegram_links (
      id uuid primary key default gen_random_uuid(),
      operator_id uuid not null references operators (id),
      code_hash text not null unique,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz,
      telegram_user_id bigint
    );
    create unique index operator_telegram_links_unused on operator_telegram_links (operator_id) where used_at is null;
  `.execute(db);
}
