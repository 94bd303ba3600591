import { describe, expect, it } from 'vitest';
import { parseConfirmations } from '../config.parse.js';
import { gate, insufficientDetail, retryDelayMs } from './settlement.rules.js';

const U = 1_000_000n;
const base = { autoSettlement: true, amount: 1000n * U, largeNotional: 100_000n * U, hotWallet: true };

describe('the gate checks the flag first, then the risk rules, in order', () => {
  it('settles only when the flag is on and no rule trips', () => {
    expect(gate(base)).toBeNull();
    expect(gate({ ...base, amount: 100_000n * U })?.reason ?? null).toBeNull(); // at the threshold is not above it
  });
  it('names the first reason that trips', () => {
    expect(gate({ ...base, autoSettlement: false, amount: 1_000_000n * U, hotWallet: false })?.reason).toBe(
      'AUTO_SETTLEMENT_DISABLED',
    );
    expect(gate({ ...base, amount: 100_000n * U + 1n, hotWallet: false })).toEqual({
      reason: 'LARGE_NOTIONAL_REVIEW',
      detail: '100000.000001 USDT is above the 100000 USDT review threshold.',
    });
    expect(gate({ ...base, hotWallet: false })?.reason).toBe('INSUFFICIENT_HOT_WALLET_BALANCE');
    expect(insufficientDetail(250n * U, 1000n * U)).toBe(
      'The hot wallet can pay 250 USDT, the trade needs 1000 USDT.',
    );
  });
});

describe('retries and confirmations', () => {
  it('doubles the delay from the base, capped at ten minutes', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 2000))).toEqual([2000, 4000, 8000, 16000]);
    expect(retryDelayMs(30, 2000)).toBe(600_000);
  });
  it('reads confirmations per network, at least one', () => {
    expect(parseConfirmations('tron:19,ethereum:12')).toEqual({ tron: 19, ethereum: 12 });
    expect(parseConfirmations('ethereum:0')).toEqual({ tron: 1, ethereum: 1 });
  });
});
