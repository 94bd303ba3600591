import { sql } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { Executor, Tx } from '../shared/db.js';
import { formatUsdt } from '../shared/money.js';
import type { TradeRow } from './trades.service.js';

/**
 * What the settlement domain may do to a trade, and nothing else: a trade is `booked` until its
 * settlement starts (`settling`), then `settled`; a trade whose settlement is dismissed is
 * `cancelled`. Each step moves `trades.version` by one, so a pending trade.cancel / trade.amend
 * filed before it fails as stale.
 */
export function createTradeSettlementPort(deps: { audit: AuditService }) {
  async function move(tx: Tx, tradeId: string, from: string[], to: string) {
    const row = await tx
      .updateTable('trades')
      .set({ status: to, version: sql`version + 1` })
      .where('id', '=', tradeId)
      .where('status', 'in', from)
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  }
  return {
    /** Locks the trade for the settlement's transaction (a cancel or amend of it waits, or has already happened). */
    lock: (tx: Tx, tradeId: string): Promise<TradeRow> =>
      tx.selectFrom('trades').selectAll().where('id', '=', tradeId).forUpdate().executeTakeFirstOrThrow(),
    /** What the trade pays now (read without a lock, to plan a transfer; the settlement re-checks it locked). */
    peek: (ex: Executor, tradeId: string) =>
      ex
        .selectFrom('trades')
        .select(['amount_units', 'address'])
        .where('id', '=', tradeId)
        .executeTakeFirst(),
    markSettling: (tx: Tx, tradeId: string) => move(tx, tradeId, ['booked'], 'settling'),
    markSettled: (tx: Tx, tradeId: string) => move(tx, tradeId, ['settling'], 'settled'),
    /** A dismissed settlement cancels its trade (booked, or settling with nothing sent). */
    async cancel(
      tx: Tx,
      tradeId: string,
      audit: AuditContext,
      change: { approvalId: string; reason: string },
    ): Promise<TradeRow | null> {
      const before = await tx
        .selectFrom('trades')
        .select('status')
        .where('id', '=', tradeId)
        .executeTakeFirst();
      const t = await move(tx, tradeId, ['booked', 'settling'], 'cancelled');
      if (t) {
        await deps.audit.record(tx, {
          ...audit,
          action: 'trade.cancelled',
          entityType: 'trade',
          entityId: t.id,
          data: {
            requestId: change.approvalId,
            clientId: t.client_id,
            amountUsdt: formatUsdt(BigInt(t.amount_units)),
            before: before?.status,
            reason: change.reason,
            via: 'settlement.dismiss',
          },
        });
      }
      return t;
    },
  };
}

export type TradeSettlementPort = ReturnType<typeof createTradeSettlementPort>;
