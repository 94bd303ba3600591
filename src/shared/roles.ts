/**
 * The operator roles, used across the desk (approval policies, access rules, the bot). What each role
 * may do is the operators domain's permission table; who may decide what is each kind's policy.
 */
export const ROLES = ['ops_approver', 'risk_officer', 'platform_admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];
