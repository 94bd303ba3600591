import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { housePrice, isBetter, parseSpreadTiers, spreadFor } from './pricing.js';

const U = 1_000_000n;

describe('spread tiers', () => {
  const tiers = parseSpreadTiers('100000:10,0:15,1000000:7');
  it.each([
    [1n, '15'],
    [100_000n * U - 1n, '15'],
    [100_000n * U, '10'],
    [999_999n * U, '10'],
    [1_000_000n * U, '7'],
    [50_000_000n * U, '7'],
  ])('%s units → %s bps', (amount, bps) => {
    expect(spreadFor(tiers, amount).toFixed()).toBe(bps);
  });
  it.each([['5:10', /start at 0/], ['0:10,0:5', /same notional/], ['0:abc', /fromUsdt:bps/], ['', /fromUsdt:bps/]])('%j is refused', (text, reason) => {
    expect(() => parseSpreadTiers(text)).toThrow(reason);
  });
});

describe('house price', () => {
  it.each([
    ['1', '15', 'buy', '1.0015'],
    ['1', '15', 'sell', '0.9985'],
    ['0.99987654', '7', 'buy', '1.00057646'], // 0.99987654 × 1.0007 = 1.000576453578 → up
    ['0.99987654', '7', 'sell', '0.99917662'], // × 0.9993 = 0.999176626422 → down
  ] as const)('mid %s, %s bps, client %s → %s', (mid, bps, side, price) => {
    expect(housePrice(new Decimal(mid), new Decimal(bps), side).toFixed()).toBe(price);
  });
  it('best is the lowest to buy, the highest to sell', () => {
    expect(isBetter('buy', new Decimal('1.001'), new Decimal('1.002'))).toBe(true);
    expect(isBetter('sell', new Decimal('1.001'), new Decimal('1.002'))).toBe(false);
  });
});
