import type { Role } from './operators.tables.js';

/**
 * Least privilege: what each role may do. Routes declare a permission, never a role, so adding a
 * role or moving a permission is one edit here (and a row in docs/security.md).
 */
export const PERMISSIONS = {
  'self': 'read and manage one\'s own account (every signed-in operator)',
  'operators:read': 'list operators',
  'operators:write': 'create and deactivate operators',
  'audit:read': 'search the audit trail',
  'audit:export': 'export the audit trail',
} as const;

export type Permission = keyof typeof PERMISSIONS;

export const ROLES: readonly Role[] = ['ops_approver', 'risk_officer', 'platform_admin', 'auditor'];

const GRANTS: Record<Role, readonly Permission[]> = {
  ops_approver: ['self'],
  risk_officer: ['self', 'audit:read', 'audit:export'],
  platform_admin: ['self', 'operators:read', 'operators:write', 'audit:read', 'audit:export'],
  auditor: ['self', 'operators:read', 'audit:read', 'audit:export'],
};

export function can(roles: readonly Role[], permission: Permission): boolean {
  if (permission === 'self') return true;
  return roles.some((r) => GRANTS[r]?.includes(permission));
}

export function permissionsOf(roles: readonly Role[]): Permission[] {
  return (Object.keys(PERMISSIONS) as Permission[]).filter((p) => can(roles, p));
}
