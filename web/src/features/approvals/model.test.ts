import { describe, expect, it } from 'vitest';
import type { ChangeRequest, Policy } from '../../api/types';
import { article, kindLabel, kindOption, visibleActions, type Viewer } from './model';

const policy: Policy = {
  kind: 'flag.set',
  primaryRoles: ['risk_officer'],
  secondaryRoles: ['risk_officer', 'platform_admin'],
  ttlSeconds: 4 * 3600,
  tiers: [],
};
const DECIDER = ['approvals:read', 'approvals:request', 'approvals:decide'];

const requester: Viewer = { id: 'req', roles: ['risk_officer'], permissions: DECIDER };
const risk: Viewer = { id: 'risk', roles: ['risk_officer'], permissions: DECIDER };
const admin: Viewer = { id: 'admin', roles: ['platform_admin'], permissions: DECIDER };
const otherAdmin: Viewer = { id: 'admin2', roles: ['platform_admin'], permissions: DECIDER };
const ops: Viewer = { id: 'ops', roles: ['ops_approver'], permissions: DECIDER };
const auditor: Viewer = { id: 'aud', roles: ['auditor'], permissions: ['approvals:read'] };

function request(
  status: ChangeRequest['status'],
  extra: Partial<ChangeRequest> = {},
): Pick<
  ChangeRequest,
  'status' | 'requestedBy' | 'policy' | 'coSignerRoles' | 'payload' | 'secondary' | 'primary' | 'kind'
> {
  const person = (id: string) => ({ id, name: id, email: null, roles: [], reason: null, at: null });
  return {
    kind: 'flag.set',
    status,
    requestedBy: { type: 'operator', id: 'req', name: 'Req' },
    policy,
    coSignerRoles: policy.secondaryRoles,
    payload: { key: 'AUTO_SETTLEMENT', enabled: true },
    primary: status === 'pending' ? null : person('risk'),
    secondary: status === 'pending' ? null : person('admin'),
    ...extra,
  };
}

const forms = (a: ReturnType<typeof visibleActions>) =>
  (['approve', 'cosign', 'reject', 'cancel'] as const).filter((k) => a[k]);

describe('visibleActions: which forms a viewer sees', () => {
  it.each([
    // status, viewer, forms
    ['pending', requester, ['cancel']],
    ['pending', risk, ['approve', 'reject']],
    ['pending', admin, ['reject']], // platform_admin may co-sign flag.set, not approve it
    ['pending', ops, []],
    ['pending', auditor, []],
    ['awaiting_secondary', requester, ['cancel']],
    ['awaiting_secondary', admin, ['cosign', 'reject']], // the named secondary
    ['awaiting_secondary', otherAdmin, ['reject']], // eligible, but not named: no co-sign form
    ['awaiting_secondary', risk, ['reject']], // the primary may still reject
    ['approved', risk, []],
    ['rejected', requester, []],
    ['expired', admin, []],
    ['cancelled', risk, []],
    ['failed', admin, []],
  ] as const)('%s, viewed by %s', (status, viewer, expected) => {
    expect(forms(visibleActions(request(status), viewer))).toEqual(expected);
  });

  it('explains to the requester why they cannot decide', () => {
    expect(visibleActions(request('pending'), requester).notice).toMatch(/You filed this request/);
  });
  it('tells an eligible non-named operator who must co-sign', () => {
    expect(visibleActions(request('awaiting_secondary'), otherAdmin).notice).toBe(
      'This request waits for admin to co-sign: only the person the primary approver named can co-sign.',
    );
    expect(visibleActions(request('awaiting_secondary'), risk).notice).toMatch(/^You approved this request/);
  });
  it('names the roles that may approve when the viewer has none of them', () => {
    expect(visibleActions(request('pending'), ops).notice).toBe(
      'Approving a feature flag request needs one of these roles: Risk officer.',
    );
    expect(visibleActions(request('pending'), auditor).notice).toMatch(/do not let you decide/);
  });
  it('a client- or system-filed request has no operator requester', () => {
    const byClient = request('pending', { requestedBy: { type: 'client', id: 'req' } });
    expect(forms(visibleActions(byClient, requester))).toEqual(['approve', 'reject']);
  });
  it('nothing to explain once decided', () => {
    expect(visibleActions(request('approved'), ops).notice).toBeNull();
  });
  it('the tier the server matched widens who may reject', () => {
    const tiered: Policy = {
      ...policy,
      secondaryRoles: ['platform_admin'],
      tiers: [
        {
          name: 'large',
          when: { path: 'amount', op: 'gte', value: '1000000' },
          secondaryRoles: ['ops_approver'],
        },
      ],
    };
    expect(
      forms(
        visibleActions(
          request('pending', {
            policy: tiered,
            payload: { amount: '2000000' },
            coSignerRoles: ['ops_approver'],
          }),
          ops,
        ),
      ),
    ).toEqual(['reject']);
    expect(
      forms(
        visibleActions(
          request('pending', {
            policy: tiered,
            payload: { amount: '10' },
            coSignerRoles: ['platform_admin'],
          }),
          ops,
        ),
      ),
    ).toEqual([]);
  });
});

describe('kindLabel', () => {
  it('names known kinds and leaves others as they are', () => {
    expect(kindLabel('flag.set')).toBe('Feature flag');
    expect(kindLabel('trade.limit')).toBe('trade.limit');
  });
});

describe('kind and article words', () => {
  it('names a kind once when it has no label, and picks a/an', () => {
    expect(kindOption('flag.set')).toBe('Feature flag (flag.set)');
    expect(kindOption('client.access')).toBe('Client access (client.access)');
    expect(kindOption('something.new')).toBe('something.new');
    expect(`${article('operator role')} operator role`).toBe('an operator role');
    expect(`${article('feature flag')} feature flag`).toBe('a feature flag');
  });
});
