import { describe, expect, it } from 'vitest';
import { bumped, capped, gweiToWei, GWEI, offer, weiToGwei } from './evm.fees.js';

describe('EIP-1559 fee rules', () => {
  it.each([
    // previous (max, tip), current offer (max, tip) → replacement (max, tip)
    [
      [100n, 10n],
      [50n, 5n],
      [113n, 12n],
    ],
    [
      [8n, 1n],
      [8n, 1n],
      [9n, 2n],
    ],
    [
      [100n * GWEI, 2n * GWEI],
      [300n * GWEI, 3n * GWEI],
      [300n * GWEI, 3n * GWEI],
    ],
    [
      [1000n, 0n],
      [0n, 0n],
      [1125n, 1n],
    ],
  ])(
    'a replacement (case %#): both fields ≥ 12.5 %% higher, or the network offer if higher',
    (prev, cur, want) => {
      const [pm, pt] = prev as [bigint, bigint];
      const [cm, ct] = cur as [bigint, bigint];
      const next = bumped(
        { maxFeePerGas: pm, maxPriorityFeePerGas: pt },
        { maxFeePerGas: cm, maxPriorityFeePerGas: ct },
      );
      expect([next.maxFeePerGas, next.maxPriorityFeePerGas]).toEqual(want);
      expect(next.maxFeePerGas * 1000n).toBeGreaterThanOrEqual(pm * 1125n);
      expect(next.maxPriorityFeePerGas * 1000n).toBeGreaterThanOrEqual(pt * 1125n);
    },
  );

  it.each([
    ['under the cap', 10n, 2n, 100n, { maxFeePerGas: 22n, maxPriorityFeePerGas: 2n }],
    ['headroom above the cap is trimmed', 40n, 2n, 50n, { maxFeePerGas: 50n, maxPriorityFeePerGas: 2n }],
    ['base fee + tip above the cap: wait', 49n, 2n, 50n, null],
  ])('%s', (_why, base, tip, cap, want) => {
    expect(capped(offer(base, tip), base, cap)).toEqual(want);
  });

  it('reads and prints gwei exactly', () => {
    expect(gweiToWei('12.5')).toBe(12_500_000_000n);
    expect(gweiToWei('200')).toBe(200n * GWEI);
    expect(gweiToWei('0.000000001')).toBe(1n);
    expect(weiToGwei(12_500_000_000n)).toBe('12.5');
    expect(weiToGwei(3n)).toBe('0.000000003');
  });
});
