import { formatUsdt } from '../shared/money.js';
import type { TradeRow } from '../trading/trades.service.js';
import { tradeView } from '../trading/trades.views.js';
import type { FlagReason } from './settlement.tables.js';

/** What the gate reads when a trade is booked. */
export interface GateInput {
  autoSettlement: boolean;
  amount: bigint;
  largeNotional: bigint;
  /** Whether the trade's network has a hot wallet at all. */
  hotWallet: boolean;
}

/**
 * The AUTO_SETTLEMENT gate and the risk rules, in the order they are checked: the first that trips
 * names the reason the fill is held back. `null`: settle — and then a buy the hot wallet cannot pay
 * is still held back, by the ledger's reservation (`insufficientDetail`).
 */
export function gate(i: GateInput): { reason: FlagReason; detail: string } | null {
  if (!i.autoSettlement)
    return {
      reason: 'AUTO_SETTLEMENT_DISABLED',
      detail: 'AUTO_SETTLEMENT is off: nothing settles until it is turned on and the event is requeued.',
    };
  if (i.amount > i.largeNotional)
    return {
      reason: 'LARGE_NOTIONAL_REVIEW',
      detail: `${formatUsdt(i.amount)} USDT is above the ${formatUsdt(i.largeNotional)} USDT review threshold.`,
    };
  if (!i.hotWallet)
    return { reason: 'INSUFFICIENT_HOT_WALLET_BALANCE', detail: 'There is no hot wallet for this network.' };
  return null;
}

export const insufficientDetail = (available: bigint, amount: bigint) =>
  `The hot wallet can pay ${formatUsdt(available)} USDT, the trade needs ${formatUsdt(amount)} USDT.`;

/** Exponential backoff for the next attempt: base, 2×base, 4×base … capped at ten minutes. */
export function retryDelayMs(attempts: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), 10 * 60 * 1000);
}

/** `tron:19,ethereum:12` → per-network confirmations (networks not named need 1). */
/** The trade as it was when its fill was held back (kept with the flagged event for ever). */
export function tradeSnapshot(t: TradeRow): Record<string, unknown> {
  return { ...tradeView(t), amountUnits: t.amount_units };
}
