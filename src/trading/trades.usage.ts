import { sql } from 'kysely';
import type { Executor } from '../shared/db.js';

/** What a client booked since a time, in USDT units (trades not cancelled): the limits' rolling sum. */
export async function bookedSince(ex: Executor, clientId: string, since: Date): Promise<bigint> {
  const r = await ex
    .selectFrom('trades')
    .select(sql<string>`coalesce(sum(amount_units), 0)::text`.as('total'))
    .where('client_id', '=', clientId)
    .where('booked_at', '>', since)
    .where('status', '<>', 'cancelled')
    .executeTakeFirstOrThrow();
  return BigInt(r.total);
}
