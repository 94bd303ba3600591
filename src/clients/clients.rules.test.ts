import { describe, expect, it } from 'vitest';
import { accessRefusal, canTrade, cleanProfileField } from './clients.rules.js';

describe('client rules', () => {
  it.each([
    ['grant', 'pending', null],
    ['grant', 'active', 'the client is already active'],
    ['grant', 'suspended', 'a suspended client cannot be granted access'],
    ['suspend', 'active', null],
    ['suspend', 'pending', 'a pending client cannot be suspended'],
    ['suspend', 'suspended', 'the client is already suspended'],
    ['reinstate', 'suspended', null],
    ['reinstate', 'active', 'the client is already active'],
    ['reinstate', 'pending', 'a pending client cannot be reinstated'],
  ] as const)('%s on a %s client → %s', (action, status, refusal) => {
    expect(accessRefusal(action, status)).toBe(refusal);
  });

  it.each([
    ['name', '  Ada   Lovelace ', 'Ada Lovelace'],
    ['name', 'A', null],
    ['name', 'x'.repeat(101), null],
    ['company', 'ACME\u0000 Ltd', 'ACME Ltd'],
    ['country', '<b>*_[', '<b>*_['],
    ['country', ' ', null],
  ] as const)('%s %j → %j', (field, raw, cleaned) => {
    expect(cleanProfileField(field, raw)).toBe(cleaned);
  });

  it('only active clients can trade', () => {
    expect([canTrade('active'), canTrade('pending'), canTrade('suspended')]).toEqual([true, false, false]);
  });
});
