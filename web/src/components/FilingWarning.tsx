import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api/client';
import { ROLE_LABELS, type Role } from '../api/types';

export interface Eligibility {
  kind: string;
  decidable: boolean;
  step: 'primary' | 'secondary' | null;
  undecidableReason: string | null;
  missingRoles: Role[];
}

/** Role names as people say them: "risk officer or platform admin". */
export function roleNames(roles: readonly Role[]): string {
  return roles.map((r) => ROLE_LABELS[r].toLowerCase()).join(' or ');
}

/** The sentence a form shows when nobody could take a step of what it would file (issue 16 item 1). */
export function filingWarningText(e: Pick<Eligibility, 'step' | 'missingRoles'>): string {
  const who = roleNames(e.missingRoles);
  return e.step === 'secondary'
    ? `Nobody can co-sign this yet: no ${who} other than you and the approver has enrolled.`
    : `Nobody can approve this yet: no ${who} other than you has enrolled.`;
}

/**
 * Whether a request of `kind` filed by me now could be decided at all, asked of the desk
 * (GET /api/approvals/policies/:kind/eligibility). Under `['approvals']`, so live events refresh it.
 */
export function useEligibility(kind: string, enabled = true) {
  return useQuery({
    queryKey: ['approvals', 'eligibility', kind],
    queryFn: () => api.get<Eligibility>(`/api/approvals/policies/${encodeURIComponent(kind)}/eligibility`),
    enabled,
  });
}

/**
 * Before filing: says, naming the missing role, when nobody enrolled could approve or co-sign what
 * this form files, so nobody files a request that can only expire. Nothing when it could be decided.
 */
export function FilingWarning({ kind }: { kind: string }) {
  const q = useEligibility(kind);
  if (!q.data || q.data.decidable) return null;
  return (
    <div className="notice warning" role="status" data-testid="filing-warning">
      <strong>{filingWarningText(q.data)}</strong> You can still file it, but it will wait and then expire
      unless someone with that role is invited and enrols first (<Link to="/operators">Operators</Link>).
    </div>
  );
}
