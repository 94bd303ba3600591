import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatPrice,
  formatUsdt,
  formatUsdtFixed,
  MAX_USDT_UNITS,
  parsePrice,
  parseUsdt,
  quoteTotal,
} from './money.js';

describe('parseUsdt', () => {
  it.each([
    ['25000', 25_000_000_000n],
    ['1', 1_000_000n],
    ['0.000001', 1n],
    ['1234.56', 1_234_560_000n],
    ['1234.560000', 1_234_560_000n],
    [' 10 ', 10_000_000n],
    ['1_000', 1_000_000_000n],
    ['1000000000000000', MAX_USDT_UNITS],
  ])('%s → %s units', (text, units) => {
    expect(parseUsdt(text)).toEqual({ ok: true, units });
  });

  it.each([
    ['', /empty/],
    ['-5', /positive/],
    ['0', /positive/],
    ['0.0000001', /at most 6 decimals/],
    ['1.1234567', /at most 6 decimals/],
    ['1e6', /exponent/],
    ['1E-3', /exponent/],
    ['00.5', /decimal number/],
    ['.5', /decimal number/],
    ['5.', /decimal number/],
    ['1,000', /decimal number/],
    ['abc', /decimal number/],
    ['Infinity', /decimal number/],
    ['NaN', /decimal number/],
    ['0x10', /decimal number/],
    ['+5', /decimal number/],
    ['1000000000000000.000001', /too large/],
    ['99999999999999999999999999', /too large/],
  ])('%j is refused (%s)', (text, reason) => {
    const r = parseUsdt(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('round-trips every amount exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_USDT_UNITS }), (units) => {
        expect(parseUsdt(formatUsdt(units))).toEqual({ ok: true, units });
        expect(parseUsdt(formatUsdtFixed(units))).toEqual({ ok: true, units });
      }),
    );
  });
});

describe('formatUsdt', () => {
  it.each([
    [1n, '0.000001', '0.000001'],
    [1_000_000n, '1', '1.000000'],
    [1_234_500_000n, '1234.5', '1234.500000'],
    [-1_500_000n, '-1.5', '-1.500000'],
    [0n, '0', '0.000000'],
  ])('%s → %s / %s', (units, short, fixed) => {
    expect(formatUsdt(units)).toBe(short);
    expect(formatUsdtFixed(units)).toBe(fixed);
  });
});

describe('prices', () => {
  it.each(['1', '0.9987', '1.00012345'])('accepts %s', (p) => {
    const r = parsePrice(p);
    expect(r.ok && r.price.toFixed()).toBe(p);
  });
  it.each(['0', '-1', '1e2', 'abc', ''])('refuses %j', (p) => {
    expect(parsePrice(p).ok).toBe(false);
  });
  it('formats without exponent notation and rounds half to even', () => {
    expect(formatPrice(new Decimal('0.0000000001'))).toBe('0');
    expect(formatPrice(new Decimal('1e21'))).toBe('1000000000000000000000');
    expect(formatPrice(new Decimal('1.000000125'))).toBe('1.00000012');
  });
});

describe('quoteTotal', () => {
  it.each([
    // 25000 USDT at 1.00123456: exact 25030.864 → buyer pays 25030.87, seller receives 25030.86
    [25_000_000_000n, '1.00123456', 'buy', '25030.87'],
    [25_000_000_000n, '1.00123456', 'sell', '25030.86'],
    [1n, '1', 'buy', '0.01'],
    [1n, '1', 'sell', '0.00'],
    [10_000_000n, '0.999', 'buy', '9.99'],
  ] as const)('%s units at %s, client %s → %s', (units, price, side, total) => {
    expect(quoteTotal(units, new Decimal(price), side)).toBe(total);
  });
});
