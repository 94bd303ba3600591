import type { Role } from '../shared/roles.js';

/**
 * Least privilege: what each role may do. Routes declare a permission, never a role, so adding a
 * role or moving a permission is one edit here (and a row in docs/security.md).
 */
const PERMISSIONS = {
  self: "read and manage one's own account (every signed-in operator)",
  'operators:read': 'list operators',
  'operators:write': 'create and deactivate operators',
  'audit:read': 'search the audit trail',
  'audit:export': 'export the audit trail',
  'approvals:read': 'see change requests, their history and the policies',
  'approvals:request': "file change requests and cancel one's own",
  'approvals:decide': 'approve, co-sign or reject (the policy of each kind decides who exactly)',
  'approvals:report': "the regulators' approvals report",
  'flags:read': 'see feature flags and their history',
  'flags:emergency': 'turn AUTO_SETTLEMENT off at once (the safe direction)',
  'flags:review': 'acknowledge the post-hoc review of an emergency stop',
  'pricing:read': 'see the house reference price and spread tiers',
  'trades:read': 'see trades and the quotes received for each RFQ',
  'trades:change': 'file trade.cancel and trade.amend requests for a booked trade',
  'clients:keys': 'issue and revoke client API keys (audited)',
  'clients:read': 'see clients: profile, status, limits, addresses, trades',
  'pricing:write': 'set the house reference price and spread tiers (audited)',
  'settlements:read': 'see settlements, their timelines, flagged events and the queue summary',
  'wallets:read': 'see the desk wallets (chain and ledger balances) and ledger entries',
  'alerts:read': 'see the alert rules, their state, history and runbooks',
  'alerts:silence': 'silence or unsilence a rule whose owner role one holds (step-up, audited)',
  'wallets:reconcile': 'run a wallet reconciliation against the chains now (audited; it moves no money)',
} as const;

export type Permission = keyof typeof PERMISSIONS;

const DECIDER: readonly Permission[] = [
  'approvals:read',
  'approvals:request',
  'approvals:decide',
  'flags:read',
  'pricing:read',
  'trades:read',
  'clients:read',
  'settlements:read',
  'wallets:read',
  'alerts:read',
  'alerts:silence',
  'wallets:reconcile',
];

const GRANTS: Record<Role, readonly Permission[]> = {
  ops_approver: ['self', ...DECIDER, 'clients:keys', 'trades:change'],
  risk_officer: [
    'self',
    ...DECIDER,
    'audit:read',
    'audit:export',
    'approvals:report',
    'flags:emergency',
    'flags:review',
    'pricing:write',
  ],
  platform_admin: [
    'self',
    ...DECIDER,
    'operators:read',
    'operators:write',
    'audit:read',
    'audit:export',
    'approvals:report',
    'flags:emergency',
  ],
  auditor: [
    'self',
    'operators:read',
    'audit:read',
    'audit:export',
    'approvals:read',
    'approvals:report',
    'flags:read',
    'pricing:read',
    'trades:read',
    'clients:read',
    'settlements:read',
    'wallets:read',
    'alerts:read',
  ],
};

export function can(roles: readonly Role[], permission: Permission): boolean {
  if (permission === 'self') return true;
  return roles.some((r) => GRANTS[r]?.includes(permission));
}

export function permissionsOf(roles: readonly Role[]): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => can(roles, p));
}
