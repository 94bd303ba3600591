import { Decimal } from 'decimal.js';
import type { ColumnType } from 'kysely';

/**
 * USDT amounts are bigint smallest units (6 decimals) end to end: parsed once from a decimal
 * string at the edge, formatted back exactly. Prices are decimal strings computed with decimal.js,
 * never JavaScript numbers, so no amount or price ever passes through a binary float.
 */
const USDT_DECIMALS = 6;

/** The client's side of a trade: a buy pays USDT out to the client, a sell takes it in. */
export type Side = 'buy' | 'sell';

/** A spread each side of the mid (`bps`) for notionals from `fromUnits` up. */
export interface SpreadTier {
  fromUnits: bigint;
  bps: Decimal;
}

/** A numeric(38,0) column of smallest units: read as a string, written from a bigint's string. */
export type Units = ColumnType<string, string, string>;
const UNIT = 10n ** BigInt(USDT_DECIMALS);
/** Larger than any trade the desk will see; bounds parsing so a huge string cannot pass as an amount. */
export const MAX_USDT_UNITS = 10n ** 15n * UNIT;

const AMOUNT = /^(0|[1-9]\d*)(?:\.(\d+))?$/;

export type ParsedAmount = { ok: true; units: bigint } | { ok: false; reason: string };

/** Parses a positive USDT amount such as `25000` or `1234.56` (at most 6 decimals). */
export function parseUsdt(input: string): ParsedAmount {
  const text = input.trim().replace(/_/g, '');
  if (text === '') return { ok: false, reason: 'the amount is empty' };
  if (text.startsWith('-')) return { ok: false, reason: 'the amount must be positive' };
  if (/[eE]/.test(text)) return { ok: false, reason: 'write the amount in plain digits (no exponent)' };
  const m = AMOUNT.exec(text);
  if (!m) return { ok: false, reason: 'the amount must be a decimal number such as 25000 or 1234.56' };
  const [, whole = '0', frac = ''] = m;
  if (frac.length > USDT_DECIMALS) return { ok: false, reason: `USDT has at most ${USDT_DECIMALS} decimals` };
  if (whole.length > 16) return { ok: false, reason: 'the amount is too large' };
  const units = BigInt(whole) * UNIT + BigInt(frac.padEnd(USDT_DECIMALS, '0'));
  if (units <= 0n) return { ok: false, reason: 'the amount must be positive' };
  if (units > MAX_USDT_UNITS) return { ok: false, reason: 'the amount is too large' };
  return { ok: true, units };
}

/** Formats smallest units as a decimal string without trailing zeros (`25000`, `1234.5`). */
export function formatUsdt(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = (abs / UNIT).toString();
  const frac = (abs % UNIT).toString().padStart(USDT_DECIMALS, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** Formats smallest units with exactly 6 decimals (for records and APIs that want fixed width). */
export function formatUsdtFixed(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  return `${negative ? '-' : ''}${(abs / UNIT).toString()}.${(abs % UNIT).toString().padStart(USDT_DECIMALS, '0')}`;
}

export function usdtToDecimal(units: bigint): Decimal {
  return new Decimal(units.toString()).div(UNIT.toString());
}

const PRICE = /^(0|[1-9]\d*)(?:\.\d+)?$/;

/** A positive price as a decimal string (plain digits, no exponent). */
export function parsePrice(input: string): { ok: true; price: Decimal } | { ok: false; reason: string } {
  const text = input.trim();
  if (!PRICE.test(text))
    return { ok: false, reason: 'the price must be a positive decimal number in plain digits' };
  const price = new Decimal(text);
  if (price.lte(0)) return { ok: false, reason: 'the price must be positive' };
  return { ok: true, price };
}

/** A price as a plain decimal string (never exponent notation), at most `dp` decimals, no trailing zeros. */
export function formatPrice(price: Decimal, dp = 8): string {
  return price.toDecimalPlaces(dp, Decimal.ROUND_HALF_EVEN).toFixed();
}

/**
 * The quote-currency total of a trade, rounded as a desk does: the client never gets the better
 * side of a rounding. When the client buys USDT (pays the total) it rounds up; when the client
 * sells (receives the total) it rounds down. `dp` is the quote currency's decimals (2 for USD).
 */
export function quoteTotal(units: bigint, price: Decimal, clientSide: 'buy' | 'sell', dp = 2): string {
  const exact = usdtToDecimal(units).mul(price);
  return exact.toDecimalPlaces(dp, clientSide === 'buy' ? Decimal.ROUND_UP : Decimal.ROUND_DOWN).toFixed(dp);
}
