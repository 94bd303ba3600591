import { Decimal } from 'decimal.js';
import type { Network } from '../shared/networks.js';
import type { Side, SpreadTier } from '../shared/money.js';

/** What a pricing source is asked. `side` is the client's: `buy` means the client buys USDT. */
export interface PriceRequest {
  side: Side;
  network: Network;
  amountUnits: bigint;
  /** The RFQ being priced (external sources get it for their own records). */
  rfqId?: string;
}

/**
 * A source of firm prices (quote currency per USDT). The house pricer is one; an external
 * liquidity provider over HTTP is another. Each call gets a deadline and a signal that aborts when
 * it passes: an answer after the deadline is not used.
 */
export interface PricingSource {
  readonly name: string;
  quote(request: PriceRequest, options: { deadline: Date; signal: AbortSignal }): Promise<{ price: string }>;
}

export function spreadFor(tiers: readonly SpreadTier[], amountUnits: bigint): Decimal {
  let bps = tiers[0]?.bps ?? new Decimal(0);
  for (const t of tiers) if (amountUnits >= t.fromUnits) bps = t.bps;
  return bps;
}

/**
 * The house price from a mid: the spread each side, rounded to 8 decimals against the client
 * (a buyer's price up, a seller's down).
 */
export function housePrice(mid: Decimal, bps: Decimal, side: Side): Decimal {
  const factor = bps.div(10_000);
  const raw = side === 'buy' ? mid.mul(factor.plus(1)) : mid.mul(new Decimal(1).minus(factor));
  return raw.toDecimalPlaces(8, side === 'buy' ? Decimal.ROUND_UP : Decimal.ROUND_DOWN);
}

/** The best price for the client: the lowest to buy at, the highest to sell at. */
export function isBetter(side: Side, a: Decimal, b: Decimal): boolean {
  return side === 'buy' ? a.lt(b) : a.gt(b);
}

/** A tier as the API and the `pricing_spreads` row carry it: whole USDT from which it applies, whole bps. */
export interface SpreadTierInput {
  fromUsdt: string;
  bps: number;
}

/** The widest spread the API accepts (10 %): anything wider is a typo, not a price. */
export const MAX_SPREAD_BPS = 1_000;
const MAX_SPREAD_TIERS = 20;

/**
 * Spread tiers set through the API: ascending by notional from 0, whole USDT, whole bps from `minBps`
 * (`PRICING_MIN_SPREAD_BPS` for a new change; 0 when reading what is stored) to `MAX_SPREAD_BPS`.
 * Every problem is reported with its path (`tiers.1.bps`), not just the first.
 */
export function validateSpreadTiers(
  input: readonly SpreadTierInput[],
  minBps = 0,
): { ok: true; tiers: SpreadTier[] } | { ok: false; errors: { path: string; message: string }[] } {
  const errors: { path: string; message: string }[] = [];
  if (input.length === 0) errors.push({ path: 'tiers', message: 'needs at least one tier (from 0)' });
  if (input.length > MAX_SPREAD_TIERS)
    errors.push({ path: 'tiers', message: `has more than ${MAX_SPREAD_TIERS} tiers` });
  let previous: bigint | undefined;
  input.forEach((t, i) => {
    const from = /^\d{1,13}$/.test(t.fromUsdt) ? BigInt(t.fromUsdt) : undefined;
    if (from === undefined)
      errors.push({ path: `tiers.${i}.fromUsdt`, message: 'must be whole USDT (digits only, at most 13)' });
    else if (i === 0 && from !== 0n)
      errors.push({ path: `tiers.${i}.fromUsdt`, message: 'the first tier must start at 0' });
    else if (previous !== undefined && from <= previous)
      errors.push({
        path: `tiers.${i}.fromUsdt`,
        message: `must be above the previous tier's ${previous.toString()} (tiers ascend by notional)`,
      });
    if (from !== undefined) previous = from;
    if (!Number.isInteger(t.bps) || t.bps < 0 || t.bps > MAX_SPREAD_BPS)
      errors.push({
        path: `tiers.${i}.bps`,
        message: `must be a whole number of basis points from ${minBps} to ${MAX_SPREAD_BPS}`,
      });
    else if (t.bps < minBps)
      errors.push({
        path: `tiers.${i}.bps`,
        message: `is below the desk's minimum spread of ${minBps} bps (PRICING_MIN_SPREAD_BPS)`,
      });
  });
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    tiers: input.map((t) => ({ fromUnits: BigInt(t.fromUsdt) * 1_000_000n, bps: new Decimal(t.bps) })),
  };
}

/** Tiers as the API shows them (config tiers may have fractional bps: `7.5`). */
export function spreadTiersView(tiers: readonly SpreadTier[]): SpreadTierInput[] {
  return tiers.map((t) => ({ fromUsdt: (t.fromUnits / 1_000_000n).toString(), bps: t.bps.toNumber() }));
}
