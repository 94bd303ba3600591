import { withTransaction, type Tx } from '../shared/db.js';
import { formatUsdt } from '../shared/money.js';
import type { AttemptInfo, FollowResult, WalletAdapter } from '../wallets/adapter.js';
import { movement, type Settlement, type WorkerDeps, type workerParts } from './settlement.steps.js';

/**
 * `confirm` follows a submitted settlement's transfer (a buy's payout, or a sell's deposit) outside
 * any transaction — the adapter may send the stored bytes again, or replace a stuck transfer — then
 * records what it saw, the settlement locked: confirmations counted from the receipt's block, and the
 * final ledger entries (with the gas paid) only at the required depth on the canonical chain. A
 * reverted transfer moved nothing: the attempt failed, the reservation stays, and the payout is signed
 * again (a new transfer) or, after the last attempt, flagged — the reservation released only then.
 */
export function createConfirmer(deps: WorkerDeps, parts: ReturnType<typeof workerParts>) {
  const { db, clock, wallets, settings } = deps;
  const { store, lockSettlement, attemptFailed } = parts;

  /** A sell: the first deposit from the client's address of exactly the amount, not claimed by another settlement. */
  async function claimDeposit(s: Settlement, adapter: WalletAdapter): Promise<string | null> {
    const wallet = await wallets.walletById(db, s.wallet_id);
    const incoming = await adapter.incomingTransfers(s.network, wallet.address, { from: s.counterparty });
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
        await store.step(tx, s.id, 'deposit_seen', { txHash: t.txHash, block: t.blockHeight });
        return true;
      }).catch(() => false); // another settlement claimed it first (tx_hash is unique): look further
      if (claimed) return t.txHash;
    }
    return null;
  }

  /** Replacements and fillers the adapter made since the timeline last heard: one step each. */
  async function recordAttempts(tx: Tx, id: string, attempts: AttemptInfo[]) {
    if (attempts.length < 2) return;
    const steps = await tx
      .selectFrom('settlement_steps')
      .select('detail')
      .where('settlement_id', '=', id)
      .where('step', 'in', ['prepared', 'replaced', 'filled'])
      .execute();
    const known = new Set(steps.map((s) => (s.detail as { txHash?: string }).txHash));
    for (const a of attempts) {
      if (known.has(a.txHash)) continue;
      await store.step(tx, id, a.filler ? 'filled' : 'replaced', {
        txHash: a.txHash,
        attempt: a.n,
        ...(a.maxFeeGwei ? { maxFeeGwei: a.maxFeeGwei, priorityFeeGwei: a.priorityFeeGwei } : {}),
      });
    }
  }

  async function confirmed(tx: Tx, s: Settlement, txHash: string, confirmations: number, paper: boolean) {
    await wallets.settle(tx, movement(s));
    if (txHash !== s.tx_hash)
      await tx.updateTable('settlements').set({ tx_hash: txHash }).where('id', '=', s.id).execute();
    await store.setStatus(tx, s.id, 'confirmed', { confirmations, confirmed_at: clock.now() });
    await store.step(tx, s.id, 'confirmed', { txHash, confirmations });
    await deps.trades.markSettled(tx, s.trade_id);
    await deps.notifications.enqueue(tx, [
      {
        recipientType: 'client',
        recipientId: s.client_id,
        template: 'settlement.confirmed',
        data: {
          tradeId: s.trade_id,
          side: s.side,
          network: s.network,
          amountUsdt: formatUsdt(BigInt(s.amount_units)),
          txHash,
          paper,
        },
      },
    ]);
  }

  async function confirm(id: string): Promise<void> {
    const s = await db.selectFrom('settlements').selectAll().where('id', '=', id).executeTakeFirst();
    if (!s || s.status !== 'submitted') return;
    const adapter = await wallets.adapterOfWallet(s.wallet_id);
    const hash = s.tx_hash ?? (s.side === 'sell' ? await claimDeposit(s, adapter) : null);
    const result: FollowResult | null = hash ? await adapter.follow(s.network, hash) : null;
    const needed = settings.confirmations[s.network];
    const next = await withTransaction(db, async (tx) => {
      const l = await lockSettlement(tx, id);
      if (!l || l.status !== 'submitted' || (hash && l.tx_hash !== hash)) return null;
      const fate = result?.fate;
      if (result) await recordAttempts(tx, id, result.attempts);
      const final = fate?.state === 'mined' && fate.confirmations >= needed;
      if (l.side === 'buy' && result && (final || fate?.state === 'dead'))
        await wallets.postGas(tx, { settlementId: id, walletId: l.wallet_id, fees: result.fees });
      if (fate?.state === 'mined' && final && fate.success) {
        await confirmed(tx, l, fate.txHash, fate.confirmations, adapter.paper);
        return 'done';
      }
      if (fate?.state === 'mined' && final && l.side === 'buy')
        return attemptFailed(
          tx,
          l,
          `reverted on chain in block ${fate.block} (${fate.txHash}): nothing moved`,
          { dead: true, counted: true },
        );
      if (fate?.state === 'dead' && l.side === 'buy')
        return attemptFailed(tx, l, fate.why, { dead: true, counted: true });
      if ((fate?.state === 'mined' && final) || (fate?.state === 'dead' && l.side === 'sell')) {
        // a deposit that failed on chain paid nothing: look for another one
        await tx.updateTable('settlements').set({ tx_hash: null }).where('id', '=', id).execute();
        await store.step(tx, id, 'deposit_failed', { txHash: hash });
      }
      const depth = fate?.state === 'mined' ? fate.confirmations : 0;
      if (l.confirmations > 0 && fate && fate.state !== 'mined')
        await store.step(tx, id, 'left_chain', { txHash: hash, confirmations: l.confirmations });
      const note = fate?.state === 'pending' ? (fate.note ?? null) : null;
      if (note && note !== l.last_error) await store.step(tx, id, 'waiting', { why: note });
      await tx
        .updateTable('settlements')
        .set({ confirmations: depth, updated_at: clock.now(), ...(note ? { last_error: note } : {}) })
        .where('id', '=', id)
        .execute();
      await store.enqueueConfirm(tx, id, new Date(clock.now().getTime() + settings.pollMs));
      return null;
    });
    if (next === 'done')
      deps.metrics.duration.observe((clock.now().getTime() - s.booked_at.getTime()) / 1000);
  }

  return { confirm };
}
