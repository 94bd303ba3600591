import { describe, expect, it } from 'vitest';
import { flagReason } from './reason';

const system = { type: 'system', id: null, name: null };
const operator = { type: 'operator', id: 'op-1', name: 'Ana Risk' };

describe('flagReason', () => {
  it.each([
    [
      'the seeded state reads as its history',
      { reason: null, requestId: null, updatedBy: system, enabled: false },
      'initial value: off',
    ],
    [
      'a seeded flag that is on',
      { reason: null, requestId: null, updatedBy: system, enabled: true },
      'initial value: on',
    ],
    [
      'an emergency stop keeps its reason',
      { reason: 'Chain halted', requestId: null, updatedBy: operator, enabled: false },
      'Chain halted',
    ],
    [
      'an approved request keeps its reason',
      { reason: 'approved change request r-1', requestId: 'r-1', updatedBy: operator, enabled: true },
      'approved change request r-1',
    ],
    [
      'an operator change without a reason says nothing',
      { reason: null, requestId: 'r-2', updatedBy: operator, enabled: true },
      null,
    ],
  ])('%s', (_, flag, expected) => {
    expect(flagReason(flag)).toBe(expected);
  });
});
