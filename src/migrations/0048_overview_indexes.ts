import { sql, type Kysely } from 'kysely';

/**
 * The console overview's charts (issue 16) read only the chosen window (1 h, 24 h, 7 d) through these
 * indexes, so their cost follows the window's activity, not the whole history: settlements that moved
 * (`updated_at`: outcomes, exits from the queue, booked → confirmed latency) and flagged events opened
 * and closed. Settlements entering the queue use `settlements_list` (created_at), requests filed and
 * decided `change_requests_recent` and `change_requests_decided`, trades `trades_recent` (0047).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index settlements_moved on settlements (updated_at);
    create index settlement_flagged_opened on settlement_flagged_events (created_at);
    create index settlement_flagged_closed on settlement_flagged_events (resolved_at) where resolved_at is not null;
  `.execute(db);
}
