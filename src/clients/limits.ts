import { formatUsdt } from '../shared/money.js';

export interface Limits {
  perTrade: bigint;
  perDay: bigint;
}

/** A client's own limits where set, the desk's defaults otherwise. */
export function effectiveLimits(
  row: { max_per_trade_units: string | null; max_per_day_units: string | null } | undefined,
  defaults: Limits,
): Limits {
  return {
    perTrade: row?.max_per_trade_units != null ? BigInt(row.max_per_trade_units) : defaults.perTrade,
    perDay: row?.max_per_day_units != null ? BigInt(row.max_per_day_units) : defaults.perDay,
  };
}

/** Why a trade of `amount` would break the limits given what the client booked in the last 24 h, or null. */
export function limitRefusal(amount: bigint, bookedLast24h: bigint, limits: Limits): string | null {
  if (amount > limits.perTrade)
    return `${formatUsdt(amount)} USDT is above the client's maximum per trade of ${formatUsdt(limits.perTrade)} USDT`;
  if (bookedLast24h + amount > limits.perDay) {
    const left = limits.perDay > bookedLast24h ? limits.perDay - bookedLast24h : 0n;
    return `${formatUsdt(amount)} USDT would exceed the client's 24-hour maximum of ${formatUsdt(limits.perDay)} USDT (${formatUsdt(left)} USDT left)`;
  }
  return null;
}
