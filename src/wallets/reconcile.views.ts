import { formatUnits } from 'viem';
import type { ReconciliationService } from './reconcile.service.js';

/** Reconciliation runs and differences as the API and `desk wallets reconcile --json` show them (amounts in the asset, and in units). */
type RunRow = Awaited<ReturnType<ReconciliationService['recent']>>[number];
type DifferenceRow = Awaited<ReturnType<ReconciliationService['differencesOf']>>[number];
const DECIMALS: Record<string, number> = { USDT: 6, ETH: 18 };
const amount = (asset: string, units: string | null) =>
  units === null ? null : { amount: formatUnits(BigInt(units), DECIMALS[asset] ?? 0), units };

export const runView = (r: RunRow) => ({
  id: r.id,
  seq: r.seq,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at.toISOString(),
  trigger: r.trigger,
  actorId: r.actor_id,
  tolerance: amount('USDT', r.tolerance_units),
  wallets: r.wallets,
  beyondTolerance: r.beyond_tolerance,
});
export const differenceView = (d: DifferenceRow) => ({
  walletId: d.wallet_id,
  network: d.network,
  adapter: d.adapter,
  asset: d.asset,
  blockHeight: d.block_height === null ? null : Number(d.block_height),
  chain: amount(d.asset, d.chain_balance),
  ledger: amount(d.asset, d.ledger_balance),
  inFlight: amount(d.asset, d.in_flight),
  difference: amount(d.asset, d.difference),
  beyondTolerance: d.beyond_tolerance,
  error: d.error,
});
