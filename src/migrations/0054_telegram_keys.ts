import { sql, type Kysely } from 'kysely';

/**
 * `desk secrets rotate telegram` (issue 15): the bot token and webhook secret join the key ring, sealed
 * under the master key like the other ring keys, so every desk switches to a new token without a restart.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table secret_keys drop constraint secret_keys_purpose_check`.execute(db);
  await sql`
    alter table secret_keys add constraint secret_keys_purpose_check
      check (purpose in ('jwt', 'audit', 'data', 'telegram'))
  `.execute(db);
}
