import { sql } from 'kysely';
import { decodeCursor, encodeCursor } from '../shared/cursor.js';
import type { Executor } from '../shared/db.js';
import type { Network } from '../shared/networks.js';
import type { ClientStatus } from './clients.tables.js';
import type { ClientRow } from './clients.service.js';

export interface ClientFilter {
  /** Part of the name, company or Telegram username (case-insensitive). */
  q?: string;
  status?: ClientStatus;
  /** Clients with a live (pending or whitelisted) payout address on this network. */
  network?: Network;
  /** Only these ids (`only`) or none of these (`except`): the trading domain's answer to "who traded lately". */
  only?: string[];
  except?: string[];
  cursor?: string;
  limit: number;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The operators' clients list, newest first, a page at a time (keyset over created_at, id). */
export async function searchClients(
  ex: Executor,
  f: ClientFilter,
): Promise<{ items: ClientRow[]; nextCursor: string | null }> {
  if (f.only && f.only.length === 0) return { items: [], nextCursor: null };
  let q = ex.selectFrom('clients').selectAll('clients');
  if (f.status) q = q.where('status', '=', f.status);
  const text = f.q?.trim();
  if (text) {
    const like = `%${escapeLike(text)}%`;
    q = q.where((eb) =>
      eb.or([
        eb('name', 'ilike', like),
        eb('company', 'ilike', like),
        eb('telegram_username', 'ilike', like),
      ]),
    );
  }
  if (f.network) {
    const network = f.network;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('client_addresses as a')
          .select(sql.lit(1).as('one'))
          .whereRef('a.client_id', '=', 'clients.id')
          .where('a.network', '=', network)
          .where('a.status', '<>', 'removed'),
      ),
    );
  }
  if (f.only) q = q.where('id', 'in', f.only);
  if (f.except?.length) q = q.where('id', 'not in', f.except);
  if (f.cursor) {
    const c = decodeCursor(f.cursor);
    q = q.where((eb) =>
      eb.or([eb('created_at', '<', c.at), eb.and([eb('created_at', '=', c.at), eb('id', '<', c.id)])]),
    );
  }
  const rows = await q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute();
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    items: page,
    nextCursor: rows.length > f.limit && last ? encodeCursor(last.created_at, last.id) : null,
  };
}
