import type { Selectable } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { Requester } from '../approvals/approvals.ports.js';
import type { ApprovalsService } from '../approvals/approvals.service.js';
import type { ClientsService } from '../clients/clients.service.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Executor, type Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import type { AddressesService } from '../clients/addresses.service.js';
import { limitRefusal } from '../clients/limits.js';
import type { LimitsService } from '../clients/limits.service.js';
import { formatUsdt, usdtToDecimal } from '../shared/money.js';
import { idempotentAccept } from './trades.idempotency.js';
import { listTrades, type TradeFilter } from './trades.list.js';
import { tradesOverview } from './trades.overview.js';
import type { WindowName } from '../shared/windows.js';
import type { TradesTable } from './trading.tables.js';
import type { TradingMetrics } from './trading.metrics.js';
import type { HousePricer } from './house.pricer.js';

export type TradeRow = Selectable<TradesTable>;

/** The settlement domain's hook, called in the booking transaction. */
export interface SettlementHook {
  onTradeBooked(tx: Tx, trade: TradeRow): Promise<void>;
}

/**
 * Trades: booking, listing and filing changes. Accepting a quote books a trade exactly once. One
 * transaction locks the quote row (so a second accept of the same quote waits and then finds the
 * trade), checks it is live and its price within the band around the reference now, the client active, a whitelisted address for the network, and — holding
 * the client's limits row, so that accepts by one client serialize — the per-trade and rolling 24 h
 * limits; then books the trade, records its audit event and hands it to settlement (`onTradeBooked`:
 * its reservation, settlement row and job, or a flagged event), all in that one transaction.
 */
export function createTradesService(deps: {
  db: Db;
  audit: AuditService;
  clock: Clock;
  clients: Pick<ClientsService, 'get'>;
  addresses: AddressesService;
  limits: LimitsService;
  settlement: SettlementHook;
  metrics: TradingMetrics;
  approvals: Pick<ApprovalsService, 'file'>;
  /** The price band: throws PRICE_OUT_OF_BAND for a quoted price too far from the reference now. */
  priceBand: Pick<HousePricer, 'checkQuote'>;
}) {
  const { db, audit, clock, approvals } = deps;

  /** The trade if the requester may ask to change it: a client only its own trades. */
  async function changeable(tradeId: string, requester: Requester) {
    const trade = isUuid(tradeId)
      ? await db.selectFrom('trades').select(['id', 'client_id']).where('id', '=', tradeId).executeTakeFirst()
      : undefined;
    if (!trade || (requester.type === 'client' && trade.client_id !== requester.id))
      throw new AppError('NOT_FOUND', 'There is no such trade.');
    return trade;
  }

  /** Files `trade.cancel` (applied only when co-signed, and only if the trade is still `booked`). */
  async function fileCancel(tradeId: string, requester: Requester, ctx: AuditContext, note?: string) {
    const trade = await changeable(tradeId, requester);
    return approvals.file({ kind: 'trade.cancel', payload: { tradeId: trade.id }, note }, requester, ctx);
  }

  /** Files `trade.amend`: `amountUnits` (USDT smallest units) and/or a new whitelisted payout address. */
  async function fileAmend(
    tradeId: string,
    change: { amountUnits?: bigint; address?: string; addressId?: string },
    requester: Requester,
    ctx: AuditContext,
    note?: string,
  ) {
    const trade = await changeable(tradeId, requester);
    const payload = {
      tradeId: trade.id,
      ...(change.amountUnits !== undefined ? { amount: change.amountUnits.toString() } : {}),
      ...(change.address !== undefined ? { address: change.address } : {}),
      ...(change.addressId !== undefined ? { addressId: change.addressId } : {}),
    };
    return approvals.file({ kind: 'trade.amend', payload, note }, requester, ctx);
  }

  const service = {
    fileCancel,
    fileAmend,
    /** For the bot: a client asks to cancel its own trade. */
    requestTradeCancel: (clientId: string, tradeId: string, ctx: AuditContext, note?: string) =>
      fileCancel(tradeId, { type: 'client', id: clientId }, ctx, note),
    /** For the bot: a client asks to change its own trade's amount or payout address. */
    requestTradeAmend: (
      clientId: string,
      tradeId: string,
      change: { amountUnits?: bigint; address?: string; addressId?: string },
      ctx: AuditContext,
      note?: string,
    ) => fileAmend(tradeId, change, { type: 'client', id: clientId }, ctx, note),

    get: (id: string, ex: Executor = db) =>
      /^[0-9a-f-]{36}$/i.test(id)
        ? ex.selectFrom('trades').selectAll().where('id', '=', id).executeTakeFirst()
        : Promise.resolve(undefined),

    /** Operator list, newest first, filtered by status, side, network, client and booking time; keyset pages. */
    list: (f: TradeFilter, ex: Executor = db) => listTrades(ex, f),

    /** The overview's trade volume by network over a window. */
    overview: (window: WindowName, ex: Executor = db) => tradesOverview(ex, window, clock.now()),

    /** The RFQ a trade answered: what the client asked for and when. */
    rfqOf: (rfqId: string, ex: Executor = db) =>
      ex.selectFrom('rfqs').selectAll().where('id', '=', rfqId).executeTakeFirst(),

    /** The clients who booked a trade since a time (the clients list's activity filter). */
    async clientsTradingSince(since: Date, ex: Executor = db): Promise<string[]> {
      const rows = await ex
        .selectFrom('trades')
        .select('client_id')
        .distinct()
        .where('booked_at', '>=', since)
        .execute();
      return rows.map((r) => r.client_id);
    },

    /** Every quote received for the trade's RFQ: the best-execution record. */
    quotesOf: (rfqId: string, ex: Executor = db) =>
      ex
        .selectFrom('quotes')
        .selectAll()
        .where('rfq_id', '=', rfqId)
        .orderBy('received_at')
        .orderBy('source')
        .execute(),

    async accept(
      input: { quoteId: string; clientId: string },
      ctx: AuditContext,
    ): Promise<{ trade: TradeRow; replayed: boolean }> {
      if (!isUuid(input.quoteId)) throw new AppError('NOT_FOUND', 'There is no such quote.');
      const result = await withTransaction(db, async (tx) => {
        const quote = await tx
          .selectFrom('quotes')
          .selectAll()
          .where('id', '=', input.quoteId)
          .forUpdate()
          .executeTakeFirst();
        if (!quote || quote.client_id !== input.clientId)
          throw new AppError('NOT_FOUND', 'There is no such quote.');
        const existing = await tx
          .selectFrom('trades')
          .selectAll()
          .where('quote_id', '=', quote.id)
          .executeTakeFirst();
        if (existing) return { trade: existing, replayed: true };
        if (quote.status !== 'offered' || !quote.price || !quote.total || !quote.expires_at)
          throw new AppError(
            'NO_QUOTE',
            'This quote was not offered to you: only the best quote of a request can be accepted.',
          );
        const now = clock.now();
        if (quote.expires_at <= now)
          throw new AppError(
            'QUOTE_EXPIRED',
            `The quote expired at ${quote.expires_at.toISOString()}. Ask for a new quote.`,
          );
        // The reference may have moved (co-signed) since the quote: book only a price near it now.
        await deps.priceBand.checkQuote(tx, { price: quote.price, amount_units: quote.amount_units });

        const client = await deps.clients.get(quote.client_id, tx);
        if (!client) throw new AppError('NOT_FOUND', 'There is no such client.');
        if (client.status !== 'active')
          throw new AppError(
            'CLIENT_NOT_ACTIVE',
            `The client's account is ${client.status}: it cannot trade.`,
          );
        const address = await deps.addresses.whitelisted(tx, client.id, quote.network);
        if (!address)
          throw new AppError(
            'ADDRESS_NOT_WHITELISTED',
            `There is no whitelisted ${quote.network === 'tron' ? 'TRON' : 'Ethereum'} payout address: register one and wait for it to be approved.`,
          );

        const amount = BigInt(quote.amount_units);
        const { limits, bookedLast24h } = await deps.limits.lockForTrade(tx, client.id, now);
        const refusal = limitRefusal(amount, bookedLast24h, limits);
        if (refusal) throw new AppError('LIMIT_EXCEEDED', `The trade is refused: ${refusal}.`);

        const trade = await tx
          .insertInto('trades')
          .values({
            quote_id: quote.id,
            rfq_id: quote.rfq_id,
            client_id: client.id,
            side: quote.side,
            network: quote.network,
            amount_units: quote.amount_units,
            price: quote.price,
            total: quote.total,
            address_id: address.id,
            address: address.address,
            booked_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await tx.updateTable('quotes').set({ status: 'accepted' }).where('id', '=', quote.id).execute();
        await audit.record(tx, {
          ...ctx,
          action: 'trade.booked',
          entityType: 'trade',
          entityId: trade.id,
          data: {
            clientId: client.id,
            quoteId: quote.id,
            source: quote.source,
            side: trade.side,
            network: trade.network,
            amountUsdt: formatUsdt(amount),
            price: trade.price,
            total: trade.total,
            address: trade.address,
          },
        });
        await deps.settlement.onTradeBooked(tx, trade);
        return { trade, replayed: false };
      });
      if (!result.replayed) {
        deps.metrics.trades.inc({ side: result.trade.side, network: result.trade.network });
        deps.metrics.notional.inc(Number(usdtToDecimal(BigInt(result.trade.amount_units)).toFixed()));
      }
      return result;
    },
  };
  return {
    ...service,
    acceptWithIdempotencyKey: idempotentAccept(db, (input, ctx) => service.accept(input, ctx)),
  };
}

export type TradesService = ReturnType<typeof createTradesService>;
