import { sql } from 'kysely';
import type { Db } from '../shared/db.js';
import type { AuditContext } from '../shared/request-context.js';
import { AppError } from '../shared/errors.js';

type Accept<T> = (input: { quoteId: string; clientId: string }, ctx: AuditContext) => Promise<T>;

/**
 * The client API's accept: an `Idempotency-Key` is pinned to the first quote it accepted, for good.
 * The same key with the same quote replays the accept (which is itself idempotent per quote); the
 * same key with another quote is `IDEMPOTENCY_CONFLICT`, whatever the order of concurrent requests.
 */
export function idempotentAccept<T>(db: Db, accept: Accept<T>) {
  return async (input: { quoteId: string; clientId: string; key: string }, ctx: AuditContext): Promise<T> => {
    const { quoteId, clientId, key } = input;
    const quote = await db
      .selectFrom('quotes')
      .select('id')
      .where('id', '=', quoteId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    if (!quote) throw new AppError('NOT_FOUND', 'There is no such quote.');
    // Pin the key to this quote, or read the quote it was pinned to before, in one statement.
    const { rows } = await sql<{ quote_id: string }>`
      with pinned as (
        insert into client_idempotency_keys (client_id, key, quote_id) values (${clientId}, ${key}, ${quote.id})
        on conflict (client_id, key) do nothing returning quote_id)
      select quote_id from pinned
      union all
      select quote_id from client_idempotency_keys where client_id = ${clientId} and key = ${key}
      limit 1`.execute(db);
    // Nothing seen: a concurrent request pinned the key after this statement's snapshot; read it now.
    const pinned =
      rows[0] ??
      (await db
        .selectFrom('client_idempotency_keys')
        .select('quote_id')
        .where('client_id', '=', clientId)
        .where('key', '=', key)
        .executeTakeFirstOrThrow());
    if (pinned.quote_id !== quote.id)
      throw new AppError('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was used to accept another quote.');
    return accept({ quoteId: quote.id, clientId }, ctx);
  };
}
