import type { Selectable } from 'kysely';
import { decodeCursor, encodeCursor } from '../shared/cursor.js';
import type { Executor } from '../shared/db.js';
import type { WindowName } from '../shared/windows.js';
import { settlementOverview } from './settlement.overview.js';
import {
  SETTLEMENT_STATUSES,
  type FlagReason,
  type FlaggedStatus,
  type SettlementFlaggedEventsTable,
  type SettlementStatus,
  type SettlementsTable,
} from './settlement.tables.js';

export type SettlementRow = Selectable<SettlementsTable>;
export type FlaggedRow = Selectable<SettlementFlaggedEventsTable>;

function page<T extends { id: string }>(rows: T[], limit: number, at: (r: T) => Date) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(at(last), last.id) : null };
}

/** The read side of settlement: lists by keyset, a settlement's timeline, the queue summary. */
export function createSettlementQueries(db: Executor) {
  return {
    /** The overview's settlement charts over a window (bucketed, indexed, bounded by the window). */
    overview: (window: WindowName, now: Date) => settlementOverview(db, window, now),
    async list(f: {
      status?: SettlementStatus;
      network?: string;
      tradeId?: string;
      cursor?: string;
      limit: number;
    }) {
      let q = db.selectFrom('settlements').selectAll();
      if (f.status) q = q.where('status', '=', f.status);
      if (f.network) q = q.where('network', '=', f.network as SettlementRow['network']);
      if (f.tradeId) q = q.where('trade_id', '=', f.tradeId);
      if (f.cursor) {
        const c = decodeCursor(f.cursor);
        q = q.where((eb) =>
          eb.or([eb('created_at', '<', c.at), eb.and([eb('created_at', '=', c.at), eb('id', '<', c.id)])]),
        );
      }
      return page(
        await q
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(f.limit + 1)
          .execute(),
        f.limit,
        (r) => r.created_at,
      );
    },

    get: (id: string) => db.selectFrom('settlements').selectAll().where('id', '=', id).executeTakeFirst(),
    /** Settlements whose transfer may have moved on chain while the ledger does not show it yet (reconciliation). */
    inFlight: (ex: Executor) =>
      ex
        .selectFrom('settlements')
        .select(['id', 'wallet_id', 'side', 'amount_units', 'tx_hash'])
        .where('status', 'in', ['queued', 'submitted'])
        .where('tx_hash', 'is not', null)
        .execute(),
    steps: (id: string) =>
      db.selectFrom('settlement_steps').selectAll().where('settlement_id', '=', id).orderBy('id').execute(),
    eventsOfTrade: (tradeId: string) =>
      db
        .selectFrom('settlement_flagged_events')
        .selectAll()
        .where('trade_id', '=', tradeId)
        .orderBy('created_at')
        .execute(),

    async flagged(f: { status?: FlaggedStatus; reason?: FlagReason; cursor?: string; limit: number }) {
      let q = db.selectFrom('settlement_flagged_events').selectAll();
      if (f.status) q = q.where('status', '=', f.status);
      if (f.reason) q = q.where('reason', '=', f.reason);
      if (f.cursor) {
        const c = decodeCursor(f.cursor);
        q = q.where((eb) =>
          eb.or([eb('created_at', '<', c.at), eb.and([eb('created_at', '=', c.at), eb('id', '<', c.id)])]),
        );
      }
      return page(
        await q
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(f.limit + 1)
          .execute(),
        f.limit,
        (r) => r.created_at,
      );
    },

    /** Queue depth by status and open flagged by reason from the counters; the oldest queued through the status index. */
    async summary() {
      const counts = await db
        .selectFrom('settlement_counts')
        .select(['metric', 'label', (eb) => eb.fn.sum<string>('n').as('n')])
        .where('metric', 'in', ['queue', 'flagged_open'])
        .groupBy(['metric', 'label'])
        .execute();
      const byStatus: Record<string, number> = Object.fromEntries(
        SETTLEMENT_STATUSES.map((status) => [status, 0]),
      );
      const openByReason: Record<string, number> = {};
      for (const c of counts) {
        if (c.metric === 'queue') byStatus[c.label] = Number(c.n);
        else if (Number(c.n) > 0) openByReason[c.label] = Number(c.n);
      }
      const oldest = await db
        .selectFrom('settlements')
        .select('created_at')
        .where('status', '=', 'queued')
        .orderBy('created_at')
        .limit(1)
        .executeTakeFirst();
      return {
        byStatus,
        oldestQueuedAt: oldest?.created_at ?? null,
        openFlaggedByReason: openByReason,
        openFlagged: Object.values(openByReason).reduce((a, b) => a + b, 0),
      };
    },
  };
}

export type SettlementQueries = ReturnType<typeof createSettlementQueries>;
