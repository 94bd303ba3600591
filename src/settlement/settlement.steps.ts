import type { Selectable } from 'kysely';
import type { Logger } from '../shared/logger.js';
import type { Tx } from '../shared/db.js';
import type { Movement } from '../wallets/wallets.service.js';
import { retryDelayMs } from './settlement.rules.js';
import { settlementStore, type SettlementDeps } from './settlement.service.js';
import type { SettlementMetrics } from './settlement.metrics.js';
import type { FlagReason, SettlementsTable } from './settlement.tables.js';

export type Settlement = Selectable<SettlementsTable>;

export const movement = (s: Settlement): Movement => ({
  settlementId: s.id,
  walletId: s.wallet_id,
  side: s.side,
  clientId: s.client_id,
  amount: BigInt(s.amount_units),
});
export const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

export type WorkerDeps = SettlementDeps & { metrics: SettlementMetrics; logger: Logger };

/** What every step of the worker shares: locks, holding back, counting a failed attempt. */
export function workerParts(deps: WorkerDeps) {
  const { clock, wallets, settings } = deps;
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

  /** Holds a settlement back as a flagged event (nothing was sent or can land; any reservation is released). */
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
   * A failed attempt (the settlement locked): retry later with backoff, with a new transfer when the
   * chain says this one can never be mined; or, after the last attempt, give it up. `give-up`: a
   * transfer that may still land exists, so it must be abandoned before anything is released.
   */
  async function attemptFailed(
    tx: Tx,
    s: Settlement,
    error: string,
    o: { dead: boolean; counted?: boolean },
  ): Promise<'retry' | 'give-up' | 'held'> {
    // A broadcast counts when it is made; its failure on chain later is the same attempt.
    const attempts = o.counted ? Math.max(1, s.attempts) : s.attempts + 1;
    await store.step(tx, s.id, 'attempt_failed', { attempt: attempts, error });
    const raw = o.dead ? null : s.raw_tx;
    if (attempts < settings.maxAttempts) {
      await store.setStatus(tx, s.id, 'queued', { attempts, last_error: error });
      await tx.updateTable('settlements').set({ raw_tx: raw }).where('id', '=', s.id).execute();
      await store.count(tx, 'attempts', 'retry');
      await store.enqueueProcess(
        tx,
        s.id,
        new Date(clock.now().getTime() + retryDelayMs(attempts, settings.retryBaseMs)),
      );
      return 'retry';
    }
    await tx
      .updateTable('settlements')
      .set({ attempts, last_error: error, raw_tx: raw })
      .where('id', '=', s.id)
      .execute();
    if (raw && s.side === 'buy') {
      if (s.status !== 'queued') await store.setStatus(tx, s.id, 'queued');
      await store.enqueueProcess(tx, s.id);
      return 'give-up';
    }
    await store.count(tx, 'attempts', 'failed');
    await hold(
      tx,
      { ...s, attempts },
      'MAX_RETRIES_EXCEEDED',
      `${attempts} attempts failed; the last: ${error}`,
      'failed',
    );
    return 'held';
  }

  return { store, lockWithTrade, lockSettlement, hold, attemptFailed };
}
