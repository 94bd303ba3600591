import { decodeCursor, encodeCursor } from '../shared/cursor.js';
import type { Executor } from '../shared/db.js';
import type { Side } from '../shared/money.js';
import type { Network } from '../shared/networks.js';
import type { TradeRow } from './trades.service.js';

export interface TradeFilter {
  status?: string;
  side?: Side;
  network?: Network;
  clientId?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

/** Trades newest first (booked_at desc, id desc), a page at a time; `nextCursor` names the page's last row. */
export async function listTrades(
  ex: Executor,
  f: TradeFilter,
): Promise<{ items: TradeRow[]; nextCursor: string | null }> {
  let q = ex.selectFrom('trades').selectAll();
  if (f.status) q = q.where('status', '=', f.status);
  if (f.side) q = q.where('side', '=', f.side);
  if (f.network) q = q.where('network', '=', f.network);
  if (f.clientId) q = q.where('client_id', '=', f.clientId);
  if (f.from) q = q.where('booked_at', '>=', f.from);
  if (f.to) q = q.where('booked_at', '<', f.to);
  if (f.cursor) {
    const c = decodeCursor(f.cursor);
    q = q.where((eb) =>
      eb.or([eb('booked_at', '<', c.at), eb.and([eb('booked_at', '=', c.at), eb('id', '<', c.id)])]),
    );
  }
  const rows = await q
    .orderBy('booked_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute();
  const items = rows.slice(0, f.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > f.limit && last ? encodeCursor(last.booked_at, last.id) : null };
}
