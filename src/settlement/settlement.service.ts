import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import { AUTO_SETTLEMENT, type FlagsService } from '../flags/flags.service.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { Clock } from '../shared/clock.js';
import type { Db, Executor, Tx } from '../shared/db.js';
import type { EventPublisher } from '../shared/events.js';
import type { Network } from '../shared/networks.js';
import type { TradeSettlementPort } from '../trading/trades.settlement.js';
import type { TradeRow } from '../trading/trades.service.js';
import type { WalletsService } from '../wallets/wallets.service.js';
import { enqueue } from '../shared/jobs.js';
import { SETTLEMENT_CONFIRM, SETTLEMENT_PROCESS } from './settlement.jobs.js';
import { formatUsdt } from '../shared/money.js';
import { gate, insufficientDetail, tradeSnapshot } from './settlement.rules.js';
import type { FlagReason, SettlementStatus } from './settlement.tables.js';

export interface SettlementSettings {
  largeNotionalUnits: bigint;
  maxAttempts: number;
  retryBaseMs: number;
  staleSeconds: number;
  confirmations: Record<Network, number>;
  /** How often a submitted settlement is polled for confirmations. */
  pollMs: number;
}

export interface SettlementDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  flags: Pick<FlagsService, 'isEnabled'>;
  wallets: WalletsService;
  trades: TradeSettlementPort;
  events: EventPublisher;
  notifications: NotificationsService;
  settings: SettlementSettings;
}

const jobKeys = {
  process: (id: string) => `settlement:${id}`,
  confirm: (id: string) => `settlement-confirm:${id}`,
};

/** The pieces every settlement transition is made of; shared by the service and the worker. */
export function settlementStore(deps: Pick<SettlementDeps, 'clock' | 'events' | 'notifications'>) {
  const { clock } = deps;
  return {
    async step(tx: Executor, settlementId: string, step: string, detail: Record<string, unknown> = {}) {
      await tx
        .insertInto('settlement_steps')
        .values({ settlement_id: settlementId, at: clock.now(), step, detail: JSON.stringify(detail) })
        .execute();
    },
    async setStatus(
      tx: Executor,
      id: string,
      status: SettlementStatus,
      extra: {
        attempts?: number;
        last_error?: string | null;
        confirmed_at?: Date;
        confirmations?: number;
      } = {},
    ) {
      await tx
        .updateTable('settlements')
        .set({ status, ...extra, updated_at: clock.now(), version: sql`version + 1` })
        .where('id', '=', id)
        .execute();
      await deps.events.publish(tx, { type: 'settlement.changed', id, status });
    },
    async enqueueProcess(tx: Executor, id: string, runAt?: Date) {
      await enqueue(tx, SETTLEMENT_PROCESS, { id }, { jobKey: jobKeys.process(id), runAt, maxAttempts: 25 });
    },
    async enqueueConfirm(tx: Executor, id: string, runAt?: Date) {
      await enqueue(tx, SETTLEMENT_CONFIRM, { id }, { jobKey: jobKeys.confirm(id), runAt, maxAttempts: 25 });
    },
    async flag(
      tx: Executor,
      f: { trade: TradeRow; settlementId: string | null; reason: FlagReason; detail: string },
    ) {
      const row = await tx
        .insertInto('settlement_flagged_events')
        .values({
          trade_id: f.trade.id,
          settlement_id: f.settlementId,
          reason: f.reason,
          detail: f.detail,
          trade_snapshot: JSON.stringify(tradeSnapshot(f.trade)),
          created_at: clock.now(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await sql`select settlement_count('flagged_total', ${f.reason}, 1)`.execute(tx);
      // The ops chat hears about fills held back by a risk rule or a failure; while AUTO_SETTLEMENT is
      // off every fill is held by design, and the header and the flag's own alert already say so.
      if (f.reason !== 'AUTO_SETTLEMENT_DISABLED') {
        await deps.notifications.enqueue(tx, [
          {
            recipientType: 'ops_chat',
            recipientId: null,
            template: 'settlement.flagged',
            data: {
              eventId: row.id,
              reason: f.reason,
              detail: f.detail,
              tradeId: f.trade.id,
              side: f.trade.side,
              network: f.trade.network,
              amountUsdt: formatUsdt(BigInt(f.trade.amount_units)),
            },
          },
        ]);
      }
      await deps.events.publish(tx, { type: 'settlement.flagged', id: row.id, reason: f.reason });
      return row.id;
    },
    count: (tx: Executor, metric: string, label: string) =>
      sql`select settlement_count(${metric}, ${label}, 1)`.execute(tx),
  };
}

/**
 * The AUTO_SETTLEMENT gate and what operators do with held-back fills. `onTradeBooked` runs in the
 * booking transaction: the trade, its settlement (or flagged event) and the worker's job commit
 * together or not at all.
 */
export function createSettlementService(deps: SettlementDeps) {
  const { db, clock } = deps;
  const store = settlementStore(deps);

  /**
   * Reserves the trade's amount in the ledger and queues its settlement with its job, in the caller's
   * transaction. A buy the hot wallet cannot pay is not queued (`insufficient`) unless `anyway`: a
   * requeue queues it unreserved and the worker holds it again if the funds are still missing.
   */
  async function queueNew(
    tx: Tx,
    trade: TradeRow,
    anyway: boolean,
    requeued?: Record<string, unknown>,
  ): Promise<{ id: string } | { insufficient: string }> {
    const wallet = await deps.wallets.hotWallet(tx, trade.network);
    if (!wallet) throw new Error(`no hot wallet for ${trade.network}`);
    const id = randomUUID();
    const amount = BigInt(trade.amount_units);
    const reserved = await deps.wallets.reserve(tx, {
      settlementId: id,
      walletId: wallet.id,
      side: trade.side,
      clientId: trade.client_id,
      amount,
    });
    if (reserved === 'insufficient' && !anyway)
      return { insufficient: insufficientDetail(await deps.wallets.available(tx, wallet), amount) };
    const now = clock.now();
    await tx
      .insertInto('settlements')
      .values({
        id,
        trade_id: trade.id,
        client_id: trade.client_id,
        side: trade.side,
        network: trade.network,
        amount_units: trade.amount_units,
        counterparty: trade.address,
        wallet_id: wallet.id,
        status: 'queued',
        booked_at: trade.booked_at,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await store.step(tx, id, 'queued', {});
    if (requeued) await store.step(tx, id, 'requeued', requeued);
    if (reserved === 'reserved') await store.step(tx, id, 'reserved', { amountUsdt: formatUsdt(amount) });
    await store.enqueueProcess(tx, id);
    await deps.events.publish(tx, { type: 'settlement.changed', id, status: 'queued' });
    return { id };
  }

  async function openEvents(tx: Tx, ids: string[]) {
    if (ids.length === 0) return [];
    return tx
      .selectFrom('settlement_flagged_events')
      .selectAll()
      .where('id', 'in', ids)
      .orderBy('created_at')
      .forUpdate()
      .execute();
  }

  return {
    store,

    async onTradeBooked(tx: Tx, trade: TradeRow): Promise<void> {
      const held = gate({
        autoSettlement: await deps.flags.isEnabled(tx, AUTO_SETTLEMENT),
        amount: BigInt(trade.amount_units),
        largeNotional: deps.settings.largeNotionalUnits,
        hotWallet: (await deps.wallets.hotWallet(tx, trade.network)) !== undefined,
      });
      if (held) {
        await store.flag(tx, { trade, settlementId: null, ...held });
        return;
      }
      const queued = await queueNew(tx, trade, false);
      if ('insufficient' in queued)
        await store.flag(tx, {
          trade,
          settlementId: null,
          reason: 'INSUFFICIENT_HOT_WALLET_BALANCE',
          detail: queued.insufficient,
        });
    },

    /** A co-signed trade.cancel: open flagged events are dismissed and a queued settlement cancelled. */
    async onTradeCancelled(tx: Tx, trade: { id: string }, change: { approvalId: string }): Promise<void> {
      const now = clock.now();
      await tx
        .updateTable('settlement_flagged_events')
        .set({
          status: 'dismissed',
          resolved_at: now,
          resolved_by_request: change.approvalId,
          resolution_note: 'the trade was cancelled',
        })
        .where('trade_id', '=', trade.id)
        .where('status', '=', 'open')
        .execute();
      const s = await tx
        .selectFrom('settlements')
        .selectAll()
        .where('trade_id', '=', trade.id)
        .forUpdate()
        .executeTakeFirst();
      if (s && (s.status === 'queued' || s.status === 'held' || s.status === 'failed')) {
        await deps.wallets.release(tx, {
          settlementId: s.id,
          walletId: s.wallet_id,
          side: s.side,
          clientId: s.client_id,
          amount: BigInt(s.amount_units),
        });
        await store.setStatus(tx, s.id, 'cancelled');
        await store.step(tx, s.id, 'cancelled', { approvalId: change.approvalId, why: 'trade cancelled' });
      }
    },

    /** The open events a requeue or dismissal names: explicit ids, or every open event of a reason. */
    async resolveTargets(tx: Tx, target: { eventIds?: string[]; reason?: FlagReason }) {
      if (target.eventIds) return openEvents(tx, target.eventIds);
      const ids = await tx
        .selectFrom('settlement_flagged_events')
        .select('id')
        .where('status', '=', 'open')
        .where('reason', '=', target.reason ?? 'AUTO_SETTLEMENT_DISABLED')
        .execute();
      return openEvents(
        tx,
        ids.map((r) => r.id),
      );
    },

    /** Applies a co-signed settlement.requeue: each open event becomes a queued settlement, in this transaction. */
    async requeue(
      tx: Tx,
      eventIds: string[],
      ctx: { approvalId: string; audit: AuditContext },
    ): Promise<string[]> {
      const events = await openEvents(tx, eventIds);
      const now = clock.now();
      const settlementIds: string[] = [];
      for (const e of events) {
        if (e.status !== 'open') throw new Error(`flagged event ${e.id} is ${e.status}`);
        const trade = await deps.trades.lock(tx, e.trade_id);
        const existing = await tx
          .selectFrom('settlements')
          .selectAll()
          .where('trade_id', '=', e.trade_id)
          .forUpdate()
          .executeTakeFirst();
        let id: string;
        if (existing) {
          id = existing.id;
          await store.setStatus(tx, id, 'queued', { attempts: 0, last_error: null });
          await store.step(tx, id, 'requeued', {
            approvalId: ctx.approvalId,
            eventId: e.id,
            reason: e.reason,
          });
          const reserved = await deps.wallets.reserve(tx, {
            settlementId: id,
            walletId: existing.wallet_id,
            side: existing.side,
            clientId: existing.client_id,
            amount: BigInt(existing.amount_units),
          });
          if (reserved === 'reserved')
            await store.step(tx, id, 'reserved', { amountUsdt: formatUsdt(BigInt(existing.amount_units)) });
          await store.enqueueProcess(tx, id);
        } else {
          const queued = await queueNew(tx, trade, true, {
            approvalId: ctx.approvalId,
            eventId: e.id,
            reason: e.reason,
          });
          if (!('id' in queued)) throw new Error('a requeue always queues');
          id = queued.id;
        }
        await tx
          .updateTable('settlement_flagged_events')
          .set({
            status: 'requeued',
            settlement_id: id,
            resolved_at: now,
            resolved_by_request: ctx.approvalId,
          })
          .where('id', '=', e.id)
          .execute();
        await deps.audit.record(tx, {
          ...ctx.audit,
          action: 'settlement.requeued',
          entityType: 'settlement',
          entityId: id,
          data: { requestId: ctx.approvalId, eventId: e.id, reason: e.reason, tradeId: e.trade_id },
        });
        settlementIds.push(id);
      }
      return settlementIds;
    },

    /** Applies a co-signed settlement.dismiss: the events are closed with the reason and their trades cancelled. */
    async dismiss(
      tx: Tx,
      eventIds: string[],
      reason: string,
      ctx: { approvalId: string; audit: AuditContext },
    ): Promise<void> {
      const events = await openEvents(tx, eventIds);
      const now = clock.now();
      for (const e of events) {
        await deps.trades.lock(tx, e.trade_id); // the trade before its settlement, as everywhere
        await tx
          .updateTable('settlement_flagged_events')
          .set({
            status: 'dismissed',
            resolved_at: now,
            resolved_by_request: ctx.approvalId,
            resolution_note: reason,
          })
          .where('id', '=', e.id)
          .execute();
        const s = await tx
          .selectFrom('settlements')
          .selectAll()
          .where('trade_id', '=', e.trade_id)
          .forUpdate()
          .executeTakeFirst();
        if (s) {
          await deps.wallets.release(tx, {
            settlementId: s.id,
            walletId: s.wallet_id,
            side: s.side,
            clientId: s.client_id,
            amount: BigInt(s.amount_units),
          });
          await store.setStatus(tx, s.id, 'cancelled');
          await store.step(tx, s.id, 'dismissed', { approvalId: ctx.approvalId, eventId: e.id, reason });
        }
        await deps.trades.cancel(tx, e.trade_id, ctx.audit, { approvalId: ctx.approvalId, reason });
        await deps.audit.record(tx, {
          ...ctx.audit,
          action: 'settlement.dismissed',
          entityType: 'settlement_flagged_event',
          entityId: e.id,
          data: { requestId: ctx.approvalId, tradeId: e.trade_id, reason: e.reason, note: reason },
        });
      }
    },

    autoSettlementOn: (ex: Executor = db) => deps.flags.isEnabled(ex, AUTO_SETTLEMENT),
  };
}

export type SettlementService = ReturnType<typeof createSettlementService>;
