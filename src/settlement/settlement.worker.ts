import { sql } from 'kysely';
import { withTransaction } from '../shared/db.js';
import { formatUsdt } from '../shared/money.js';
import { FeeCapExceeded, TransferDead, type TransferPlan, type WalletAdapter } from '../wallets/adapter.js';
import { insufficientDetail } from './settlement.rules.js';
import { AUTO_SETTLEMENT } from '../flags/flags.service.js';
import { createConfirmer } from './settlement.confirm.js';
import { message, movement, workerParts, type Settlement, type WorkerDeps } from './settlement.steps.js';

/**
 * The settlement worker. `process` takes a queued settlement to the chain, each step safe to repeat
 * after a crash at any point, and no network call inside a transaction that holds the settlement,
 * its trade or the wallet:
 *   1. plan the transfer on the network (fees, gas), holding nothing;
 *   2. one transaction: lock the settlement and its trade, reserve in the ledger, sign the transfer
 *      and persist it (raw bytes and hash; the adapter takes its nonce there) — nothing has left yet;
 *   3. broadcast exactly the persisted transfer, holding nothing (the chain ignores one it has);
 *   4. one transaction: record the outcome — submitted, or a failed attempt.
 * A transfer that may be out there is never released: holding one back (AUTO_SETTLEMENT off, the last
 * attempt failed) first makes the chain refuse it for good (`abandon`) or finds it landed.
 * `confirm` (settlement.confirm.ts) follows it to the required depth. A sell waits for the deposit.
 */
export function createSettlementWorker(deps: WorkerDeps) {
  const { db, clock, wallets, settings } = deps;
  const parts = workerParts(deps);
  const { store, lockWithTrade, lockSettlement, hold, attemptFailed } = parts;
  const confirmer = createConfirmer(deps, parts);

  const read = (id: string) =>
    db.selectFrom('settlements').selectAll().where('id', '=', id).executeTakeFirst();

  /** The network asks the desk to wait (fees above the cap): said once on the timeline, checked again later. */
  async function wait(id: string, why: string) {
    await withTransaction(db, async (tx) => {
      const s = await lockSettlement(tx, id);
      if (!s || s.status !== 'queued') return;
      if (s.last_error !== why) {
        await store.step(tx, id, 'waiting', { why });
        await tx.updateTable('settlements').set({ last_error: why }).where('id', '=', id).execute();
      }
      await store.enqueueProcess(tx, id, new Date(clock.now().getTime() + settings.pollMs));
    });
  }

  /** Gives a prepared transfer up: abandoned on the chain first (outside any transaction), then held. */
  async function giveUp(id: string, adapter: WalletAdapter): Promise<void> {
    const s = await read(id);
    if (!s || s.status !== 'queued' || !s.raw_tx || !s.tx_hash) return;
    const { outcome: fate, fees } = await adapter.abandon(s.network, s.tx_hash);
    await withTransaction(db, async (tx) => {
      const l = await lockSettlement(tx, id);
      if (!l || l.status !== 'queued' || l.raw_tx !== s.raw_tx) return;
      await wallets.postGas(tx, { settlementId: id, walletId: l.wallet_id, fees });
      if (fate === 'landed') {
        await store.setStatus(tx, id, 'submitted');
        await store.step(tx, id, 'broadcast', { txHash: l.tx_hash, found: 'on chain when it was given up' });
        await store.enqueueConfirm(tx, id);
        return;
      }
      if (fate === 'pending') {
        await store.enqueueProcess(tx, id, new Date(clock.now().getTime() + settings.pollMs));
        return;
      }
      await tx.updateTable('settlements').set({ raw_tx: null }).where('id', '=', id).execute();
      await store.step(tx, id, 'abandoned', { txHash: l.tx_hash });
      if (l.attempts >= settings.maxAttempts) {
        await store.count(tx, 'attempts', 'failed');
        await hold(
          tx,
          l,
          'MAX_RETRIES_EXCEEDED',
          `${l.attempts} attempts failed; the last: ${l.last_error ?? 'unknown'}`,
          'failed',
        );
      } else if (!(await deps.flags.isEnabled(tx, AUTO_SETTLEMENT))) {
        await hold(
          tx,
          l,
          'AUTO_SETTLEMENT_DISABLED',
          'AUTO_SETTLEMENT was turned off before this settlement was sent: nothing left the desk.',
        );
      } else {
        await store.enqueueProcess(tx, id); // turned back on meanwhile: sign it again
      }
    });
  }

  /** Broadcasts the persisted transfer, holding nothing, then records the outcome. */
  async function send(id: string, adapter: WalletAdapter, network: Settlement['network'], raw: string) {
    let error: unknown;
    try {
      await adapter.broadcast(network, raw);
    } catch (err) {
      error = err;
      deps.logger.warn({ settlementId: id, error: message(err) }, 'settlement broadcast failed');
    }
    const next = await withTransaction(db, async (tx) => {
      const s = await lockSettlement(tx, id);
      if (!s || s.status !== 'queued' || s.raw_tx !== raw) return null;
      if (error !== undefined)
        return attemptFailed(tx, s, message(error), { dead: error instanceof TransferDead });
      await store.setStatus(tx, s.id, 'submitted', { attempts: s.attempts + 1, last_error: null });
      await store.step(tx, s.id, 'broadcast', { txHash: s.tx_hash });
      await store.count(tx, 'attempts', 'ok');
      await store.enqueueConfirm(tx, s.id, new Date(clock.now().getTime() + settings.pollMs));
      return null;
    });
    if (next === 'give-up') await giveUp(id, adapter);
  }

  async function process(id: string): Promise<void> {
    const s0 = await read(id);
    if (!s0 || s0.status !== 'queued') return;
    const adapter = await wallets.adapterOfWallet(s0.wallet_id);
    if (
      s0.raw_tx &&
      (s0.attempts >= settings.maxAttempts || !(await deps.flags.isEnabled(db, AUTO_SETTLEMENT)))
    )
      return giveUp(id, adapter);

    // 1. Plan an unsigned buy on the network, holding nothing.
    let plan: TransferPlan | undefined;
    if (s0.side === 'buy' && !s0.raw_tx) {
      const trade = await deps.trades.peek(db, s0.trade_id);
      const wallet = await wallets.walletById(db, s0.wallet_id);
      if (!trade) return;
      try {
        plan = await adapter.plan({
          network: s0.network,
          from: wallet.address,
          to: trade.address,
          amountUnits: BigInt(trade.amount_units),
          reference: s0.id,
        });
      } catch (err) {
        if (err instanceof FeeCapExceeded) return wait(id, err.message);
        const next = await withTransaction(db, async (tx) => {
          const s = await lockSettlement(tx, id);
          if (!s || s.status !== 'queued' || s.raw_tx) return null;
          return attemptFailed(tx, s, message(err), { dead: false });
        });
        if (next === 'give-up') await giveUp(id, adapter);
        return;
      }
    }

    // 2. Reserve, sign and persist, in one transaction.
    const prepared = await withTransaction(db, async (tx) => {
      const locked = await lockWithTrade(tx, id);
      if (!locked || locked.settlement.status !== 'queued') return null;
      const { settlement: s, trade } = locked;
      if (trade.status === 'cancelled') {
        await wallets.release(tx, movement(s));
        await store.setStatus(tx, s.id, 'cancelled');
        await store.step(tx, s.id, 'cancelled', { why: 'the trade was cancelled' });
        return null;
      }
      if (!(await deps.flags.isEnabled(tx, AUTO_SETTLEMENT))) {
        if (s.raw_tx) {
          await store.enqueueProcess(tx, s.id); // a prepared transfer is given up outside this transaction
          return null;
        }
        await hold(
          tx,
          s,
          'AUTO_SETTLEMENT_DISABLED',
          'AUTO_SETTLEMENT was turned off before this settlement was sent: nothing left the desk.',
        );
        return null;
      }
      // Not yet prepared: the trade may have been amended while it waited, so settle what it says now
      // (moving the reservation made at booking). Prepared: the signed transfer fixes what is sent.
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
      const r = plan?.request;
      if (!plan || r?.to !== current.counterparty || r.amountUnits !== BigInt(current.amount_units)) {
        await store.enqueueProcess(tx, s.id); // planned for what the trade said before: plan again
        return null;
      }
      const t = await adapter.sign(tx, plan);
      await tx
        .updateTable('settlements')
        .set({ raw_tx: t.raw, tx_hash: t.txHash, updated_at: clock.now() })
        .where('id', '=', s.id)
        .execute();
      await store.step(tx, s.id, 'prepared', { txHash: t.txHash, ...t.detail });
      return { ...current, raw_tx: t.raw, tx_hash: t.txHash };
    });
    if (!prepared?.raw_tx) return;
    await send(id, adapter, prepared.network, prepared.raw_tx);
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

  return { process, confirm: confirmer.confirm, sweep };
}

export type SettlementWorker = ReturnType<typeof createSettlementWorker>;
