import { sql, type Selectable } from 'kysely';
import type { Logger } from '../shared/logger.js';
import { withTransaction, type Tx } from '../shared/db.js';
import { formatUsdt } from '../shared/money.js';
import type { Movement } from '../wallets/wallets.service.js';
import { insufficientDetail, retryDelayMs } from './settlement.rules.js';
import { AUTO_SETTLEMENT } from '../flags/flags.service.js';
import { settlementStore, type SettlementDeps } from './settlement.service.js';
import type { SettlementMetrics } from './settlement.metrics.js';
import type { FlagReason, SettlementsTable } from './settlement.tables.js';

type Settlement = Selectable<SettlementsTable>;

const movement = (s: Settlement): Movement => ({
  settlementId: s.id,
  walletId: s.wallet_id,
  side: s.side,
  clientId: s.client_id,
  amount: BigInt(s.amount_units),
});
const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

/**
 * The settlement worker. `process` takes a queued settlement to the chain in three steps, each safe to
 * repeat after a crash at any point:
 *   1. one transaction: lock the settlement and its trade, reserve in the ledger, build and sign the
 *      transfer and persist it (raw + hash) — nothing has left the desk yet;
 *   2. one transaction: lock it again, broadcast exactly the persisted transfer (the chain ignores one
 *      it already has), mark it submitted and schedule the confirmation poll — or count the failed
 *      attempt. Holding the settlement across the broadcast is what lets a hold or a give-up trust
 *      the chain's answer: no other run's broadcast of it can be in flight meanwhile.
 * `confirm` polls until the network's confirmations, then posts the final ledger entries, marks it
 * confirmed and tells the client. A sell waits for the client's deposit instead of sending.
 */
export function createSettlementWorker(
  deps: SettlementDeps & { metrics: SettlementMetrics; logger: Logger },
) {
  const { db, clock, wallets, settings } = deps;
  const store = settlementStore(deps);

  /**
   * Locks a settlement and its trade, the trade first: trade.cancel / trade.amend lock the trade and
   * then the settlement, so taking them in the same order everywhere leaves no room for a deadlock.
   */
  async function lockWithTrade(tx: Tx, id: string) {
    const peek = await tx
      .selectFrom('settlements')
      .select('trade_id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!peek) return undefined;
    const trade = await deps.trades.lock(tx, peek.trade_id);
    const settlement = await tx
      .selectFrom('settlements')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    return settlement ? { settlement, trade } : undefined;
  }
  const lockSettlement = async (tx: Tx, id: string) => (await lockWithTrade(tx, id))?.settlement;

  /** Holds a settlement back as a flagged event (nothing was sent; any reservation is released). */
  async function hold(
    tx: Tx,
    s: Settlement,
    reason: FlagReason,
    detail: string,
    status: 'held' | 'failed' = 'held',
  ) {
    await wallets.release(tx, movement(s));
    await store.setStatus(tx, s.id, status);
    await store.step(tx, s.id, status, { reason, detail });
    const trade = await deps.trades.lock(tx, s.trade_id);
    await store.flag(tx, { trade, settlementId: s.id, reason, detail });
  }

  /**
   * A failed attempt, inside the broadcasting transaction (the settlement locked): retry later with
   * backoff, or give up and flag it (releasing the reservation).
   */
  async function attemptFailed(tx: Tx, s: Settlement, err: unknown) {
    const adapter = wallets.adapter;
    const attempts = s.attempts + 1;
    await store.step(tx, s.id, 'attempt_failed', { attempt: attempts, error: message(err) });
    if (attempts < settings.maxAttempts) {
      await tx
        .updateTable('settlements')
        .set({ attempts, last_error: message(err), updated_at: clock.now() })
        .where('id', '=', s.id)
        .execute();
      await store.count(tx, 'attempts', 'retry');
      await store.enqueueProcess(
        tx,
        s.id,
        new Date(clock.now().getTime() + retryDelayMs(attempts, settings.retryBaseMs)),
      );
      return;
    }
    // Before giving up: if the chain has the transfer, it was sent — follow it, never release it.
    if (s.tx_hash && (await adapter.confirmations(s.network, s.tx_hash, tx)) !== null) {
      await store.setStatus(tx, s.id, 'submitted', { attempts });
      await store.step(tx, s.id, 'broadcast', {
        txHash: s.tx_hash,
        found: 'on chain after a failed attempt',
      });
      await store.enqueueConfirm(tx, s.id);
      return;
    }
    await tx
      .updateTable('settlements')
      .set({ attempts, last_error: message(err) })
      .where('id', '=', s.id)
      .execute();
    await store.count(tx, 'attempts', 'failed');
    await hold(
      tx,
      { ...s, attempts },
      'MAX_RETRIES_EXCEEDED',
      `${attempts} attempts failed; the last: ${message(err)}`,
      'failed',
    );
  }

  async function process(id: string): Promise<void> {
    const adapter = wallets.adapter;
    const prepared = await withTransaction(db, async (tx) => {
      const locked = await lockWithTrade(tx, id);
      if (!locked || locked.settlement.status !== 'queued') return null;
      // The trade as locked just now (a second lock would read the same row again).
      const { settlement: s, trade } = locked;
      if (trade.status === 'cancelled') {
        await wallets.release(tx, movement(s));
        await store.setStatus(tx, s.id, 'cancelled');
        await store.step(tx, s.id, 'cancelled', { why: 'the trade was cancelled' });
        return null;
      }
      if (!(await deps.flags.isEnabled(tx, AUTO_SETTLEMENT))) {
        // A transfer the chain already has is out of the desk's hands: follow it to confirmation.
        const sent =
          s.tx_hash && s.side === 'buy'
            ? (await adapter.confirmations(s.network, s.tx_hash)) !== null
            : false;
        if (!sent) {
          await hold(
            tx,
            s,
            'AUTO_SETTLEMENT_DISABLED',
            'AUTO_SETTLEMENT was turned off before this settlement was sent: nothing left the desk.',
          );
          return null;
        }
      }
      // Not yet prepared: the trade may have been amended while it waited, so settle what it says now
      // (moving the reservation made at booking). Prepared (before a crash, a failed broadcast or a
      // hold): the signed transfer fixes what is sent.
      let current: Settlement = s;
      if (!s.raw_tx && (trade.amount_units !== s.amount_units || trade.address !== s.counterparty)) {
        await wallets.release(tx, movement(s));
        current = { ...s, amount_units: trade.amount_units, counterparty: trade.address };
        await tx
          .updateTable('settlements')
          .set({ amount_units: current.amount_units, counterparty: current.counterparty })
          .where('id', '=', s.id)
          .execute();
        await store.step(tx, s.id, 'amended', {
          amountUsdt: formatUsdt(BigInt(current.amount_units)),
          counterparty: current.counterparty,
        });
      }
      const reserved = await wallets.reserve(tx, movement(current));
      if (reserved === 'insufficient') {
        const wallet = await wallets.walletById(tx, s.wallet_id);
        await hold(
          tx,
          current,
          'INSUFFICIENT_HOT_WALLET_BALANCE',
          insufficientDetail(await wallets.available(tx, wallet), BigInt(current.amount_units)),
        );
        return null;
      }
      await deps.trades.markSettling(tx, trade.id);
      if (reserved === 'reserved')
        await store.step(tx, s.id, 'reserved', { amountUsdt: formatUsdt(BigInt(current.amount_units)) });
      if (s.raw_tx) return s;
      const wallet = await wallets.walletById(tx, s.wallet_id);
      if (s.side === 'sell') {
        await store.setStatus(tx, s.id, 'submitted');
        await store.step(tx, s.id, 'awaiting_deposit', { from: current.counterparty, to: wallet.address });
        // The client needs to know where to send, from where, and exactly how much.
        await deps.notifications.enqueue(tx, [
          {
            recipientType: 'client',
            recipientId: s.client_id,
            template: 'settlement.deposit_requested',
            data: {
              tradeId: s.trade_id,
              network: s.network,
              amountUsdt: formatUsdt(BigInt(current.amount_units)),
              from: current.counterparty,
              to: wallet.address,
              paper: adapter.paper,
            },
          },
        ]);
        await store.enqueueConfirm(tx, s.id);
        return null;
      }
      const t = await wallets.adapter.prepareTransfer({
        network: s.network,
        from: wallet.address,
        to: current.counterparty,
        amountUnits: BigInt(current.amount_units),
        reference: s.id,
      });
      await tx
        .updateTable('settlements')
        .set({ raw_tx: t.raw, tx_hash: t.txHash, updated_at: clock.now() })
        .where('id', '=', s.id)
        .execute();
      await store.step(tx, s.id, 'prepared', { txHash: t.txHash });
      return { ...current, raw_tx: t.raw, tx_hash: t.txHash };
    });
    if (!prepared?.raw_tx) return;

    // Broadcast while holding the settlement (and its trade): a hold, a give-up, a dismissal or a
    // second run of this job waits until the transfer is either on the chain and the settlement
    // `submitted`, or known not to be. Broadcast outside it, a transfer still in flight could land
    // after another run had released its reservation and held it (paid, yet held or cancelled).
    // The paper chain broadcasts in this very transaction, so the transfer and `submitted` commit
    // together; an adapter for a real chain sends it and the commit follows.
    await withTransaction(db, async (tx) => {
      const s = await lockSettlement(tx, id);
      if (!s || s.status !== 'queued' || s.raw_tx !== prepared.raw_tx || !s.raw_tx) return;
      try {
        await adapter.broadcast(s.network, s.raw_tx, tx);
      } catch (err) {
        deps.logger.warn({ settlementId: id, error: message(err) }, 'settlement broadcast failed');
        await attemptFailed(tx, s, err);
        return;
      }
      await store.setStatus(tx, s.id, 'submitted', { attempts: s.attempts + 1 });
      await store.step(tx, s.id, 'broadcast', { txHash: s.tx_hash });
      await store.count(tx, 'attempts', 'ok');
      await store.enqueueConfirm(tx, s.id, new Date(clock.now().getTime() + settings.pollMs));
    });
  }

  /** A sell: the first deposit from the client's address of exactly the amount, not claimed by another settlement. */
  async function claimDeposit(s: Settlement): Promise<string | null> {
    const wallet = await wallets.walletById(db, s.wallet_id);
    const incoming = await wallets.adapter.incomingTransfers(s.network, wallet.address, {
      from: s.counterparty,
    });
    for (const t of incoming) {
      if (t.amountUnits !== BigInt(s.amount_units)) continue;
      const taken = await db
        .selectFrom('settlements')
        .select('id')
        .where('tx_hash', '=', t.txHash)
        .executeTakeFirst();
      if (taken) continue;
      const claimed = await withTransaction(db, async (tx) => {
        const locked = await lockSettlement(tx, s.id);
        if (!locked || locked.status !== 'submitted' || locked.tx_hash) return false;
        await tx
          .updateTable('settlements')
          .set({ tx_hash: t.txHash, updated_at: clock.now() })
          .where('id', '=', s.id)
          .execute();
        await store.step(tx, s.id, 'deposit_seen', { txHash: t.txHash });
        return true;
      }).catch(() => false); // another settlement claimed it first (tx_hash is unique): look further
      if (claimed) return t.txHash;
    }
    return null;
  }

  async function confirm(id: string): Promise<void> {
    const s = await db.selectFrom('settlements').selectAll().where('id', '=', id).executeTakeFirst();
    if (!s || s.status !== 'submitted') return;
    const adapter = wallets.adapter;
    const hash = s.tx_hash ?? (s.side === 'sell' ? await claimDeposit(s) : null);
    let confirmations: number | null = null;
    if (hash) {
      confirmations = await adapter.confirmations(s.network, hash);
      // Submitted but unknown to the chain (a node that lost it): send the persisted transfer again.
      if (confirmations === null && s.side === 'buy' && s.raw_tx)
        await adapter.broadcast(s.network, s.raw_tx);
    }
    const needed = settings.confirmations[s.network];
    const done = await withTransaction(db, async (tx) => {
      const locked = await lockSettlement(tx, id);
      if (!locked || locked.status !== 'submitted') return false;
      if (confirmations === null || confirmations < needed) {
        await tx
          .updateTable('settlements')
          .set({ confirmations: confirmations ?? locked.confirmations, updated_at: clock.now() })
          .where('id', '=', id)
          .execute();
        await store.enqueueConfirm(tx, id, new Date(clock.now().getTime() + settings.pollMs));
        return false;
      }
      await wallets.settle(tx, movement(locked));
      await store.setStatus(tx, id, 'confirmed', { confirmations, confirmed_at: clock.now() });
      await store.step(tx, id, 'confirmed', { txHash: locked.tx_hash, confirmations });
      await deps.trades.markSettled(tx, locked.trade_id);
      await deps.notifications.enqueue(tx, [
        {
          recipientType: 'client',
          recipientId: locked.client_id,
          template: 'settlement.confirmed',
          data: {
            tradeId: locked.trade_id,
            side: locked.side,
            network: locked.network,
            amountUsdt: formatUsdt(BigInt(locked.amount_units)),
            txHash: locked.tx_hash,
            paper: adapter.paper,
          },
        },
      ]);
      return true;
    });
    if (done) deps.metrics.duration.observe((clock.now().getTime() - s.booked_at.getTime()) / 1000);
  }

  /**
   * Jobs of a worker that died stay locked (graphile-worker frees them hours later): every settlement
   * left queued or submitted longer than the stale threshold whose job is missing, or locked for longer
   * than that, gets its job again — prepared transfers first, so what is signed and reserved goes out
   * before the rest of a backlog. A job that is simply waiting (a backoff, a poll) is left alone. Both
   * jobs are safe to run twice, so a duplicate is harmless.
   */
  async function sweep(): Promise<number> {
    const before = new Date(clock.now().getTime() - settings.staleSeconds * 1000);
    const { rows: stale } = await sql<{ id: string; status: 'queued' | 'submitted' }>`
      select s.id, s.status from settlements s
      where s.status in ('queued', 'submitted') and s.updated_at < ${before}
        and not exists (
          select 1 from graphile_worker.jobs j
          where j.key = (case when s.status = 'queued' then 'settlement:' else 'settlement-confirm:' end) || s.id::text
            and (j.locked_at is null or j.locked_at >= ${before}))
      order by (s.raw_tx is null), s.updated_at
      limit 1000`.execute(db);
    for (const s of stale) {
      await withTransaction(db, async (tx) => {
        await tx
          .updateTable('settlements')
          .set({ updated_at: clock.now() })
          .where('id', '=', s.id)
          .where('status', '=', s.status)
          .execute();
        if (s.status === 'queued') await store.enqueueProcess(tx, s.id);
        else await store.enqueueConfirm(tx, s.id);
      });
    }
    return stale.length;
  }

  return { process, confirm, sweep };
}

export type SettlementWorker = ReturnType<typeof createSettlementWorker>;
