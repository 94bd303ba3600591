import { Decimal } from 'decimal.js';
import type { PricingSource } from './pricing.js';

/**
 * The price band (issue 14 item 8): one risk officer may move the house reference only a little, and
 * a quote is booked only near the reference. Pure rules here; the house pricer and the accept use them.
 */

/** How far `to` is from `from`, in basis points of `from` (never negative). */
export function moveBps(from: Decimal, to: Decimal): Decimal {
  return to.minus(from).abs().div(from).mul(10_000);
}

export function median(values: readonly Decimal[]): Decimal | null {
  const sorted = [...values].sort((a, b) => a.comparedTo(b));
  const n = sorted.length;
  if (n === 0) return null;
  const hi = sorted[Math.floor(n / 2)] as Decimal;
  return n % 2 === 1 ? hi : (sorted[n / 2 - 1] as Decimal).plus(hi).div(2);
}

export interface DirectMove {
  mid: Decimal;
  /** The reference in force now (stored, else `PRICING_REFERENCE_MID`); null on a fresh desk. */
  previous: Decimal | null;
  /** The last co-signed reference (else `PRICING_REFERENCE_MID`); null when none was ever co-signed. */
  anchor: Decimal | null;
  /** The median of the liquidity providers' mids; null when none answered (or none is configured). */
  lpMedian: Decimal | null;
  maxMoveBps: number;
}

const bps = (d: Decimal) => d.toDecimalPlaces(1, Decimal.ROUND_UP).toFixed();

/**
 * Why one person may not set this reference directly (it needs a co-signed `pricing.reference`), or
 * null if they may: it must be within `maxMoveBps` of the previous reference, of the last co-signed
 * one (so that many small moves cannot walk it away) and, when LPs answer, of their median. A desk
 * with no co-signed reference and no `PRICING_REFERENCE_MID` has nothing to measure from: its first
 * reference is co-signed.
 */
export function directMoveRefusal(m: DirectMove): string | null {
  if (m.previous === null || m.anchor === null)
    return m.previous === null
      ? 'the desk has no reference yet, and the first one is co-signed'
      : 'no reference has been co-signed yet to measure a move from';
  const checks: [string, Decimal | null][] = [
    ['the current reference', m.previous],
    ['the last co-signed reference', m.anchor],
    ["the liquidity providers' median", m.lpMedian],
  ];
  for (const [name, from] of checks) {
    if (from === null) continue;
    const moved = moveBps(from, m.mid);
    if (moved.gt(m.maxMoveBps))
      return `${m.mid.toFixed()} is ${bps(moved)} bps from ${name} (${from.toFixed()}), more than PRICING_MAX_MOVE_BPS (${m.maxMoveBps})`;
  }
  return null;
}

/**
 * Whether a quoted price may be booked against the reference now: within `maxMoveBps` plus the
 * spread the house would charge for that notional, either side of the mid. Null: in band.
 */
export function quoteOutOfBand(q: {
  price: Decimal;
  reference: Decimal;
  spreadBps: Decimal;
  maxMoveBps: number;
}): string | null {
  const allowed = q.spreadBps.plus(q.maxMoveBps);
  const moved = moveBps(q.reference, q.price);
  if (moved.lte(allowed)) return null;
  return `the quoted price ${q.price.toFixed()} is ${bps(moved)} bps from the reference ${q.reference.toFixed()}, more than the ${allowed.toFixed()} bps band (PRICING_MAX_MOVE_BPS plus the spread)`;
}

/** The notional the liquidity providers are asked for when a reference is checked against them. */
export const LP_CHECK_UNITS = 1_000n * 1_000_000n;

/**
 * The median of the liquidity providers' mids now: each is asked to buy and to sell 1,000 USDT with
 * the RFQ deadline; an LP's mid is the mean of the sides it answered. Null when none answered.
 */
export async function lpMedian(
  sources: readonly PricingSource[],
  deadlineMs: number,
): Promise<Decimal | null> {
  const mids = await Promise.all(
    sources.map(async (source) => {
      const sides = await Promise.all(
        (['buy', 'sell'] as const).map((side) => ask(source, side, deadlineMs)),
      );
      const answered = sides.filter((p): p is Decimal => p !== null);
      return answered.length === 0
        ? null
        : answered.reduce((a, b) => a.plus(b), new Decimal(0)).div(answered.length);
    }),
  );
  return median(mids.filter((m): m is Decimal => m !== null));
}

async function ask(source: PricingSource, side: 'buy' | 'sell', deadlineMs: number): Promise<Decimal | null> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadlineMs);
  try {
    const answer = source.quote(
      { side, network: 'tron', amountUnits: LP_CHECK_UNITS },
      { deadline: new Date(Date.now() + deadlineMs), signal: controller.signal },
    );
    const aborted = new Promise<null>((resolve) =>
      controller.signal.addEventListener('abort', () => resolve(null), { once: true }),
    );
    const result = await Promise.race([answer, aborted]);
    if (!result) return null;
    const price = new Decimal(result.price);
    return price.isFinite() && price.gt(0) ? price : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
