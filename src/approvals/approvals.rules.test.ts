import { describe, expect, it } from 'vitest';
import {
  allowedDecisions,
  canonicalJson,
  eligibility,
  isExpired,
  isValidReason,
  payloadDigest,
  matchingTier,
  secondaryRolesFor,
  tierMatches,
  type Approver,
  type Policy,
  type PolicyTier,
} from './approvals.rules.js';

const amend: Policy = {
  kind: 'trade.amend',
  primaryRoles: ['ops_approver'],
  secondaryRoles: ['ops_approver', 'risk_officer'],
  ttlSeconds: 4 * 3600,
  tiers: [
    {
      name: 'large notional',
      when: { path: 'notional', op: 'gt', value: '250000000000' },
      secondaryRoles: ['risk_officer'],
    },
  ],
};

const op = (id: string, roles: Approver['roles'], extra: Partial<Approver> = {}): Approver => ({
  id,
  roles,
  active: true,
  mfaEnrolled: true,
  ...extra,
});

describe('isValidReason', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['          ', false],
    ['too short', false],
    ['a b c d e f g h i', false], // 9 non-blank characters
    ['a b c d e f g h i j', true],
    ['Client KYC verified', true],
  ])('%j → %s', (reason, ok) => expect(isValidReason(reason)).toBe(ok));
});

describe('allowedDecisions', () => {
  it.each([
    ['pending', ['approve', 'reject', 'cancel']],
    ['awaiting_secondary', ['cosign', 'reject', 'cancel']],
    ['approved', []],
    ['rejected', []],
    ['expired', []],
    ['cancelled', []],
    ['failed', []],
  ] as const)('%s → %j', (status, decisions) => expect(allowedDecisions(status)).toEqual(decisions));
});

describe('tiers', () => {
  const tier = (op: PolicyTier['when']['op'], value: string): PolicyTier => ({
    name: 't',
    when: { path: 'amount', op, value },
    secondaryRoles: ['risk_officer'],
  });
  it.each([
    [tier('gt', '100'), { amount: '101' }, true],
    [tier('gt', '100'), { amount: '100' }, false],
    [tier('gte', '100'), { amount: '100' }, true],
    [tier('lt', '100'), { amount: '99' }, true],
    [tier('lte', '100'), { amount: '101' }, false],
    [tier('eq', 'on'), { amount: 'on' }, true],
    [tier('gt', '100'), { amount: 'many' }, false],
    [tier('gt', '100'), {}, false],
    [tier('gt', '9007199254740993'), { amount: '9007199254740994' }, true], // beyond float precision
    [tier('lte', '100'), { amount: 100 }, true], // a JSON number compares as the integer it is
    [tier('lt', '100'), { amount: 100 }, false],
    [tier('eq', 'true'), { amount: true }, true], // anything else only with eq
    [tier('gt', 'abc'), { amount: 'abd' }, false],
    [tier('eq', '1'), { amount: { nested: 1 } }, false],
  ])('%j on %j → %s', (t, payload, expected) => expect(tierMatches(t, { payload })).toBe(expected));

  const onNotional = (op: PolicyTier['when']['op'], value: string): PolicyTier => ({
    ...tier(op, value),
    when: { path: 'notional', op, value },
  });
  it.each([
    [onNotional('gt', '100'), { before: '101', after: '101' }, true],
    [onNotional('gt', '100'), { before: '101', after: '50' }, true], // lowered: before crosses
    [onNotional('gt', '100'), { before: '50', after: '101' }, true], // raised: after crosses
    [onNotional('gt', '100'), { before: '50', after: '100' }, false],
    [onNotional('gt', '100'), { before: '101', after: null }, true], // a cancellation
    [onNotional('gt', '100'), { before: null, after: null }, false],
    [onNotional('gt', '100'), null, false], // the kind computed none
  ])('%j on notional %j → %s', (t, notional, expected) =>
    // The payload's own amount is not what a notional tier reads.
    expect(tierMatches(t, { payload: { amount: '1000' }, notional })).toBe(expected),
  );

  it("the first matching tier decides the co-signers; none matching leaves the policy's own", () => {
    const policy = {
      kind: 'x',
      primaryRoles: ['ops_approver' as const],
      secondaryRoles: ['platform_admin' as const],
      ttlSeconds: 60,
      tiers: [
        tier('gte', '10'),
        { ...tier('gte', '1'), name: 'small', secondaryRoles: ['auditor' as const] },
      ],
    };
    expect([
      matchingTier(policy, { payload: { amount: '50' } })?.name,
      secondaryRolesFor(policy, { payload: { amount: '50' } }),
    ]).toEqual(['t', ['risk_officer']]);
    const five = { payload: { amount: '5' } };
    expect([matchingTier(policy, five)?.name, secondaryRolesFor(policy, five)]).toEqual([
      'small',
      ['auditor'],
    ]);
    const zero = { payload: { amount: '0' } };
    expect([matchingTier(policy, zero), secondaryRolesFor(policy, zero)]).toEqual([
      undefined,
      ['platform_admin'],
    ]);
  });

  it('a large trade.amend needs a risk officer as secondary, whatever its payload names', () => {
    const amendOf = (before: string, after: string) => ({
      payload: { tradeId: 't', address: 'T…' },
      notional: { before, after },
    });
    expect(secondaryRolesFor(amend, amendOf('250000000001', '250000000001'))).toEqual(['risk_officer']);
    expect(secondaryRolesFor(amend, amendOf('250000000000', '250000000000'))).toEqual([
      'ops_approver',
      'risk_officer',
    ]);
  });
});

describe('eligibility', () => {
  const requester = 'req';
  it.each([
    ['requester approving their own request', 'primary', op('req', ['ops_approver']), null, 'SELF_APPROVAL'],
    ['requester rejecting their own request', 'reject', op('req', ['ops_approver']), null, 'SELF_APPROVAL'],
    ['primary co-signing their own approval', 'secondary', op('p', ['ops_approver']), 'p', 'SAME_APPROVER'],
    ['primary without a primary role', 'primary', op('x', ['risk_officer']), null, 'NOT_ELIGIBLE'],
    ['an auditor as secondary', 'secondary', op('x', ['auditor']), 'p', 'NOT_ELIGIBLE'],
    ['a deactivated operator', 'primary', op('x', ['ops_approver'], { active: false }), null, 'NOT_ELIGIBLE'],
    [
      'an operator without MFA',
      'secondary',
      op('x', ['risk_officer'], { mfaEnrolled: false }),
      'p',
      'NOT_ELIGIBLE',
    ],
    ['an eligible primary', 'primary', op('x', ['ops_approver']), null, null],
    ['an eligible secondary', 'secondary', op('y', ['risk_officer']), 'p', null],
    ['a secondary-only role may reject', 'reject', op('y', ['risk_officer']), null, null],
  ] as const)('%s', (_name, step, approver, primary, expected) => {
    const small = { payload: {}, notional: { before: '1', after: '1' } };
    expect(eligibility(amend, small, step, approver, requester, primary)).toBe(expected);
  });

  it('an ops approver cannot co-sign a large amend; a risk officer can', () => {
    const large = { payload: {}, notional: { before: '300000000000', after: '300000000000' } };
    expect(eligibility(amend, large, 'secondary', op('y', ['ops_approver']), requester, 'p')).toBe(
      'NOT_ELIGIBLE',
    );
    expect(eligibility(amend, large, 'secondary', op('z', ['risk_officer']), requester, 'p')).toBeNull();
  });

  it('a request filed by a client or the system has no requester to exclude', () => {
    expect(eligibility(amend, { payload: {} }, 'primary', op('x', ['ops_approver']), null, null)).toBeNull();
  });
});

describe('expiry', () => {
  it('is expired at and after expires_at (fail closed)', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(isExpired(at, new Date('2025-12-31T23:59:59.999Z'))).toBe(false);
    expect(isExpired(at, at)).toBe(true);
  });
});

describe('canonical payload and digest', () => {
  it('is independent of key order and stable', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[2,{"x":2,"y":1}]},"b":1}',
    );
    expect(payloadDigest('flag.set', { key: 'A', enabled: true })).toBe(
      payloadDigest('flag.set', { enabled: true, key: 'A' }),
    );
  });
  it('changes with the kind or any value', () => {
    const base = payloadDigest('flag.set', { key: 'A', enabled: true });
    expect(payloadDigest('flag.set', { key: 'A', enabled: false })).not.toBe(base);
    expect(payloadDigest('policy.set', { key: 'A', enabled: true })).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});
