import { describe, expect, it } from 'vitest';
import { effectiveLimits, limitRefusal } from './limits.js';

const U = 1_000_000n;
const defaults = { perTrade: 100n * U, perDay: 250n * U };

describe('limits', () => {
  it('a client without its own limits gets the defaults; its own replace them one by one', () => {
    expect(effectiveLimits(undefined, defaults)).toEqual(defaults);
    expect(effectiveLimits({ max_per_trade_units: null, max_per_day_units: null }, defaults)).toEqual(
      defaults,
    );
    expect(
      effectiveLimits({ max_per_trade_units: String(5n * U), max_per_day_units: null }, defaults),
    ).toEqual({ perTrade: 5n * U, perDay: 250n * U });
  });

  it.each([
    [100n * U, 0n, null],
    [100n * U + 1n, 0n, /above the client's maximum per trade of 100 USDT/],
    [50n * U, 200n * U, null],
    [50n * U + 1n, 200n * U, /24-hour maximum of 250 USDT \(50 USDT left\)/],
    [1n, 250n * U, /\(0 USDT left\)/],
    [1n, 300n * U, /\(0 USDT left\)/],
  ])('amount %s with %s booked → %s', (amount, booked, expected) => {
    const r = limitRefusal(amount, booked, defaults);
    if (expected === null) expect(r).toBeNull();
    else expect(r).toMatch(expected);
  });
});
