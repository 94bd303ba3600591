/** Shapes of the desk's public API as the console uses them (see /api/openapi.json). */

export type Role = 'ops_approver' | 'risk_officer' | 'platform_admin' | 'auditor';
export const ROLES: Role[] = ['ops_approver', 'risk_officer', 'platform_admin', 'auditor'];
export const ROLE_LABELS: Record<Role, string> = {
  ops_approver: 'Ops approver',
  risk_officer: 'Risk officer',
  platform_admin: 'Platform admin',
  auditor: 'Auditor',
};

export interface Me {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  mfaEnrolled: boolean;
  permissions: string[];
  session: { id: string; mfaVerified: boolean; stepUpUntil: string | null; stepUpOpen: boolean };
}

export interface LoginResponse {
  token: string;
  expiresAt: string;
  csrfToken: string;
  mfaVerified: boolean;
  stepUpUntil: string | null;
  operator: { id: string; email: string; name: string; roles: Role[]; mfaEnrolled: boolean };
}

export type RequestStatus =
  'pending' | 'awaiting_secondary' | 'approved' | 'rejected' | 'expired' | 'cancelled' | 'failed';

export interface Person {
  id: string;
  name: string | null;
  email: string | null;
  roles: Role[];
}

export interface DiffEntry {
  field: string;
  before: unknown;
  after: unknown;
}

export interface Policy {
  kind: string;
  primaryRoles: Role[];
  secondaryRoles: Role[];
  ttlSeconds: number;
  tiers: { name: string; when: { path: string; op: string; value: string }; secondaryRoles: Role[] }[];
}

export interface ChangeRequest {
  id: string;
  kind: string;
  status: RequestStatus;
  summary: string;
  payload: unknown;
  digest: string;
  diff: DiffEntry[];
  entity: { type: string; id: string; version: number | null };
  /** An operator requester also carries their roles and email on the detail endpoint (when the desk sends them). */
  requestedBy: {
    type: 'operator' | 'client' | 'system';
    id: string | null;
    name?: string | null;
    roles?: string[];
    email?: string;
  };
  note: string | null;
  policy: Policy;
  /** What the tiers judged at filing: the amount before and after, USDT smallest units (null: the kind has none). */
  notional?: { before: string | null; after: string | null } | null;
  /** The policy tier that applies to this request, as the server judges it (null: none). */
  matchedTier: string | null;
  /** Who may co-sign it: the matched tier's roles, else the policy's own. */
  coSignerRoles: Role[];
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  primary: (Person & { reason: string | null; at: string | null }) | null;
  secondary: (Person & { reason: string | null; at: string | null }) | null;
  rejection: (Person & { reason: string | null }) | null;
  failureReason: string | null;
}

export interface HistoryEntry {
  at: string;
  action: string;
  actor: { type: string; id: string | null; name: string | null };
  reason: string | null;
  data: unknown;
}

export interface ChangeRequestDetail extends ChangeRequest {
  history: HistoryEntry[];
  /** Set when nobody the desk has now can take the next step; `missingRoles` names who is lacking. */
  undecidableReason?: string | null;
  missingRoles?: Role[];
}

export interface RequestPage {
  items: ChangeRequest[];
  nextCursor: string | null;
  awaitingMe: number;
}

export interface EligibleApprover {
  id: string;
  name: string;
  email: string;
  roles: Role[];
  telegramLinked: boolean;
}

export interface Flag {
  key: string;
  enabled: boolean;
  description: string;
  updatedAt: string;
  updatedBy: { type: string; id: string | null; name?: string | null };
  reason: string | null;
  requestId: string | null;
  version: number;
}

export interface FlagDetail extends Flag {
  history: {
    at: string;
    enabled: boolean;
    previous: boolean | null;
    via: string;
    actor: { type: string; id: string | null; name?: string | null };
    reason: string | null;
    requestId: string | null;
  }[];
  reviews: {
    id: string;
    status: 'open' | 'acknowledged';
    reason: string;
    openedBy: string;
    openedByName?: string | null;
    createdAt: string;
    acknowledgedBy: string | null;
    acknowledgedByName?: string | null;
    acknowledgedAt: string | null;
    comment: string | null;
  }[];
}

export interface OperatorListItem {
  id: string;
  email: string;
  name: string;
  roles: Role[];
  status: 'active' | 'deactivated';
  mfaEnrolled: boolean;
  telegramLinked: boolean;
  /** Null for someone never invited (the setup admin). */
  invitation: 'pending' | 'expired' | 'accepted' | null;
  createdAt: string;
}
