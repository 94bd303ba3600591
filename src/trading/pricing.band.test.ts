import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { directMoveRefusal, median, moveBps, quoteOutOfBand } from './pricing.band.js';

const d = (s: string) => new Decimal(s);
const dn = (s: string | null) => (s === null ? null : d(s));

describe('the price band rules', () => {
  it('moveBps and median', () => {
    expect(moveBps(d('1'), d('1.02')).toFixed()).toBe('200');
    expect(moveBps(d('1'), d('0.98')).toFixed()).toBe('200');
    expect(median([])).toBeNull();
    expect(median([d('3'), d('1'), d('2')])?.toFixed()).toBe('2');
    expect(median([d('4'), d('1'), d('2'), d('3')])?.toFixed()).toBe('2.5');
  });

  // mid, previous, anchor, LP median → refused because of (null: allowed)
  const rows: [string, string | null, string | null, string | null, RegExp | null][] = [
    ['1.02', '1', '1', null, null],
    ['1.0201', '1', '1', null, /from the current reference/],
    ['0.98', '1', '1', null, null],
    ['1.035', '1.019', '1', null, /last co-signed reference/],
    ['1.015', '1', '1', '0.99', /liquidity providers' median/],
    ['0.995', '1', '1', '0.99', null],
    ['1', null, null, '1', /no reference yet/],
    ['1', '1', null, null, /no reference has been co-signed/],
  ];
  it.each(rows)('a direct move to %s from %s (anchor %s, LPs %s)', (mid, previous, anchor, lps, refused) => {
    const why = directMoveRefusal({
      mid: d(mid),
      previous: dn(previous),
      anchor: dn(anchor),
      lpMedian: dn(lps),
      maxMoveBps: 200,
    });
    if (refused) expect(why).toMatch(refused);
    else expect(why).toBeNull();
  });

  it('a quote is in band within PRICING_MAX_MOVE_BPS plus the spread, either side', () => {
    const at = (price: string) =>
      quoteOutOfBand({ price: d(price), reference: d('1'), spreadBps: d('10'), maxMoveBps: 200 });
    expect(at('1.021')).toBeNull();
    expect(at('0.979')).toBeNull();
    expect(at('1.0211')).toMatch(/more than the 210 bps band/);
    expect(at('0.26')).toMatch(/7400 bps from the reference 1/);
  });
});
