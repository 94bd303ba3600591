import { describe, expect, it } from 'vitest';
import { isZero, shortHash, stepDetails, usdt } from './model';

describe('settlement words', () => {
  it.each([
    ['0', '0'],
    ['1000', '1,000'],
    ['1000000.5', '1,000,000.5'],
    ['-1234.000001', '−1,234.000001'],
    ['999', '999'],
  ])('usdt(%s) = %s', (input, out) => expect(usdt(input)).toBe(out));

  it('knows a zero difference in any spelling', () => {
    expect(['0', '-0', '0.000000', '0.0'].map(isZero)).toEqual([true, true, true, true]);
    expect(['5', '-0.000001', '10'].map(isZero)).toEqual([false, false, false]);
  });

  it('shortens long hashes only', () => {
    expect(shortHash('0xabc')).toBe('0xabc');
    expect(shortHash(`0x${'a'.repeat(60)}beef12`)).toBe('0xaaaaaaaa…beef12');
    expect(shortHash(null)).toBe('—');
  });

  it('words a step detail, without the approval id (a link instead) and with the reason in words', () => {
    expect(
      stepDetails({
        approvalId: 'x',
        reason: 'AUTO_SETTLEMENT_DISABLED',
        amountUsdt: '1500',
        attempt: 2,
        error: null,
      }),
    ).toEqual([
      { key: 'reason', value: 'Automatic settlement was off' },
      { key: 'amount', value: '1,500 USDT' },
      { key: 'attempt', value: '2' },
    ]);
  });
});
