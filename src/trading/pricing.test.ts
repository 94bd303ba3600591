import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import {
  housePrice,
  isBetter,
  MAX_SPREAD_BPS,
  spreadFor,
  spreadTiersView,
  validateSpreadTiers,
} from './pricing.js';
import { parseSpreadTiers } from '../config.parse.js';

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
  it.each([
    ['5:10', /start at 0/],
    ['0:10,0:5', /same notional/],
    ['0:abc', /fromUsdt:bps/],
    ['', /fromUsdt:bps/],
  ])('%j is refused', (text, reason) => {
    expect(() => parseSpreadTiers(text)).toThrow(reason);
  });
});

describe('spread tiers set through the API', () => {
  it('accepts ascending tiers from 0 with whole bps (0 and the maximum included)', () => {
    const checked = validateSpreadTiers([
      { fromUsdt: '0', bps: MAX_SPREAD_BPS },
      { fromUsdt: '100000', bps: 10 },
      { fromUsdt: '1000000', bps: 0 },
    ]);
    expect(checked.ok && spreadTiersView(checked.tiers)).toEqual([
      { fromUsdt: '0', bps: 1000 },
      { fromUsdt: '100000', bps: 10 },
      { fromUsdt: '1000000', bps: 0 },
    ]);
    expect(checked.ok && spreadFor(checked.tiers, 100_000n * U).toFixed()).toBe('10');
  });
  it.each([
    [[], [['tiers', /at least one/]]],
    [Array.from({ length: 21 }, (_, i) => ({ fromUsdt: String(i), bps: 1 })), [['tiers', /more than 20/]]],
    [[{ fromUsdt: '5', bps: 10 }], [['tiers.0.fromUsdt', /start at 0/]]],
    [
      [
        { fromUsdt: '0', bps: 10 },
        { fromUsdt: '0', bps: 5 },
      ],
      [['tiers.1.fromUsdt', /above the previous tier's 0/]],
    ],
    [
      [
        { fromUsdt: '0', bps: 10 },
        { fromUsdt: '100000', bps: 5 },
        { fromUsdt: '50000', bps: 7 },
      ],
      [['tiers.2.fromUsdt', /ascend/]],
    ],
    [
      [
        { fromUsdt: '0', bps: 10 },
        { fromUsdt: '1.5', bps: 5 },
      ],
      [['tiers.1.fromUsdt', /whole USDT/]],
    ],
    [
      [
        { fromUsdt: '0', bps: 10 },
        { fromUsdt: '-1', bps: 5 },
      ],
      [['tiers.1.fromUsdt', /whole USDT/]],
    ],
    [[{ fromUsdt: '0', bps: -1 }], [['tiers.0.bps', /whole number/]]],
    [[{ fromUsdt: '0', bps: 7.5 }], [['tiers.0.bps', /whole number/]]],
    [[{ fromUsdt: '0', bps: MAX_SPREAD_BPS + 1 }], [['tiers.0.bps', /from 0 to 1000/]]],
    [[{ fromUsdt: '0', bps: Number.NaN }], [['tiers.0.bps', /whole number/]]],
    [
      [
        { fromUsdt: '1', bps: 1e9 },
        { fromUsdt: '1', bps: 1 },
      ],
      [
        ['tiers.0.fromUsdt', /start at 0/],
        ['tiers.0.bps', /from 0/],
        ['tiers.1.fromUsdt', /above/],
      ],
    ],
  ] as const)('%j is refused, each problem at its path', (input, expected) => {
    const checked = validateSpreadTiers(input);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.errors.map((e) => e.path)).toEqual(expected.map(([path]) => path));
    checked.errors.forEach((e, i) => expect(e.message).toMatch(expected[i]?.[1] ?? /never/));
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
