import { describe, expect, it } from 'vitest';
import { checkMid, checkTiers, moveBps } from './model';

describe('pricing forms: plain-word checks before anything is sent', () => {
  it('a mid', () => {
    expect(checkMid('1.0002')).toBeUndefined();
    expect(checkMid('')).toMatch(/Enter the new mid/);
    expect(checkMid('1,05')).toMatch(/digits and at most one dot/);
    expect(checkMid('0')).toMatch(/above 0/);
    expect(moveBps('1', '1.05')).toBeCloseTo(500);
  });

  it('tiers: from 0, ascending, whole bps from the minimum', () => {
    expect(
      checkTiers(
        [
          { fromUsdt: '0', bps: '15' },
          { fromUsdt: '100000', bps: '10' },
        ],
        5,
      ),
    ).toEqual({ tiers: {} });
    expect(
      checkTiers(
        [
          { fromUsdt: '10', bps: '3' },
          { fromUsdt: '5', bps: '2.5' },
          { fromUsdt: 'x', bps: '2000' },
        ],
        5,
      ).tiers,
    ).toEqual({
      '0.fromUsdt': 'The first tier starts at 0.',
      '0.bps': "The desk's minimum spread is 5 bps.",
      '1.fromUsdt': 'Must be above the tier before (10).',
      '1.bps': 'Enter whole basis points, like 15 (0.15 %).',
      '2.fromUsdt': 'Enter whole USDT, digits only, like 100000.',
      '2.bps': 'At most 1000 bps (10 %).',
    });
    expect(checkTiers([], 5).form).toMatch(/at least one tier/);
  });
});
