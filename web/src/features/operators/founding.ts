import type { OperatorListItem, Role } from '../../api/types';

/** What each role does on the desk, in a line, for the person choosing a founding team. */
export const ROLE_DUTIES: Record<Role, string> = {
  platform_admin: 'adds people, approves role changes',
  risk_officer: 'approves flags, limits and policies; co-signs role changes',
  ops_approver: 'approves trades, settlements and client changes',
  auditor: 'reads everything, decides nothing',
};

export type FounderState = 'invited' | 'expired' | 'password-set' | 'enrolled';

/** Where a founder stands: invited (link not used), link expired, password set, enrolled with MFA. */
export function founderState(o: Pick<OperatorListItem, 'invitation' | 'mfaEnrolled'>): FounderState {
  if (o.mfaEnrolled) return 'enrolled';
  if (o.invitation === 'pending') return 'invited';
  if (o.invitation === 'expired') return 'expired';
  return 'password-set';
}

export const FOUNDER_STATE_LABELS: Record<FounderState, string> = {
  invited: 'Invited: has not opened the link yet',
  expired: 'Link expired: make a new one',
  'password-set': 'Password set: authenticator not enrolled yet',
  enrolled: '✓ Enrolled',
};
