import { randomInt } from 'node:crypto';
import type { Db } from '../../src/shared/db.js';

/** A client row straight in the database (status `active` unless told), for trading tests. */
export async function newClient(
  t: { database: { db: Db } },
  opts: { status?: 'pending' | 'active' | 'suspended'; name?: string } = {},
) {
  return t.database.db
    .insertInto('clients')
    .values({
      telegram_user_id: String(randomInt(1, 2 ** 47)),
      telegram_username: null,
      name: opts.name ?? 'Alice Example',
      company: 'Example Trading Ltd',
      country: 'CH',
      monthly_volume: '1-5M',
      status: opts.status ?? 'active',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
