import { Decimal } from 'decimal.js';
import type { Network } from './addresses.js';
import type { Side } from './trading.tables.js';

/** What a pricing source is asked. `side` is the client's: `buy` means the client buys USDT. */
export interface PriceRequest {
  side: Side;
  network: Network;
  amountUnits: bigint;
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

export interface SpreadTier {
  fromUnits: bigint;
  bps: Decimal;
}

/** `fromUsdt:bps,…` → tiers sorted by notional; the first tier must start at 0. */
export function parseSpreadTiers(text: string): SpreadTier[] {
  const tiers = text.split(',').map((pair) => {
    const [from = '', bps = ''] = pair.split(':');
    if (!/^\d+$/.test(from) || !/^\d+(\.\d+)?$/.test(bps)) throw new Error(`spread tier "${pair}" is not fromUsdt:bps`);
    return { fromUnits: BigInt(from) * 1_000_000n, bps: new Decimal(bps) };
  });
  tiers.sort((a, b) => (a.fromUnits < b.fromUnits ? -1 : a.fromUnits > b.fromUnits ? 1 : 0));
  if (tiers[0]?.fromUnits !== 0n) throw new Error('the first spread tier must start at 0');
  if (new Set(tiers.map((t) => t.fromUnits)).size !== tiers.length) throw new Error('two spread tiers start at the same notional');
  return tiers;
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
