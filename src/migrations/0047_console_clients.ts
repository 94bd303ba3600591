import { sql, type Kysely } from 'kysely';

/**
 * Console clients and trades screens (issue 16): a client registered by an operator for API-only use
 * has no Telegram account (`telegram_user_id` null; still unique when set), the clients list searches
 * names and companies, and the trades list filters by side and network over the booking time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table clients alter column telegram_user_id drop not null;
    alter table clients add column registered_by uuid;
    create index clients_recent on clients (created_at desc, id desc);
    create index trades_recent on trades (booked_at desc, id desc);
    create index trades_network on trades (network, booked_at desc);
  `.execute(db);
}
