import { ROLE_LABELS, type ChangeRequest, type Me, type RequestStatus, type Role } from '../../api/types';

/**
 * What the approvals screens know about requests without asking the server: labels, which statuses
 * are open, and which decision forms a viewer sees. The server still checks every rule; these only
 * decide what is worth showing, so nobody is offered a form the desk will certainly refuse.
 */

export const OPEN_STATUSES: RequestStatus[] = ['pending', 'awaiting_secondary'];
export const ALL_STATUSES: RequestStatus[] = [
  'pending',
  'awaiting_secondary',
  'approved',
  'rejected',
  'expired',
  'cancelled',
  'failed',
];

export function isOpen(status: RequestStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

const KIND_LABELS: Record<string, string> = {
  'flag.set': 'Feature flag',
  'operator.role': 'Operator role',
  'policy.set': 'Approval policy',
  'settlement.requeue': 'Settlement requeue',
  'settlement.dismiss': 'Settlement dismissal',
  'alert.rule': 'Alert rule',
  'pricing.reference': 'Reference price',
  'pricing.spreads': 'Spread tiers',
  'client.access': 'Client access',
  'client.address': 'Client payout address',
  'client.limits': 'Client limits',
  'trade.amend': 'Trade amendment',
  'trade.cancel': 'Trade cancellation',
};

/** "Feature flag" for `flag.set`; unknown kinds show as they are. */
export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

/** "Feature flag (flag.set)" in a list; a kind without a label is named once, not twice. */
export function kindOption(kind: string): string {
  const label = kindLabel(kind);
  return label === kind ? kind : `${label} (${kind})`;
}

/** "a" or "an", for "an operator role", "a feature flag". */
export function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

export function rolesText(roles: readonly Role[]): string {
  return roles.length ? roles.map((r) => ROLE_LABELS[r] ?? r).join(', ') : 'nobody';
}

export type Viewer = Pick<Me, 'id' | 'roles' | 'permissions'>;

export interface VisibleActions {
  approve: boolean;
  cosign: boolean;
  reject: boolean;
  cancel: boolean;
  /** Why the viewer sees fewer forms than they might expect, in one sentence (null when nothing to explain). */
  notice: string | null;
}

export function isRequester(
  request: Pick<ChangeRequest, 'requestedBy'>,
  viewer: Pick<Viewer, 'id'>,
): boolean {
  return request.requestedBy.type === 'operator' && request.requestedBy.id === viewer.id;
}

/**
 * Which decision forms `viewer` sees on `request`:
 * - approve: a pending request, not filed by the viewer, whose policy lets the viewer's roles approve;
 * - co-sign: awaiting its co-sign, and the viewer is the person the primary approver named;
 * - reject: an open request, not filed by the viewer, whose policy lets the viewer approve or co-sign;
 * - cancel: an open request the viewer filed.
 */
export function visibleActions(
  request: Pick<
    ChangeRequest,
    'status' | 'requestedBy' | 'policy' | 'coSignerRoles' | 'payload' | 'secondary' | 'primary' | 'kind'
  >,
  viewer: Viewer,
): VisibleActions {
  const none: VisibleActions = { approve: false, cosign: false, reject: false, cancel: false, notice: null };
  if (!isOpen(request.status)) return none;
  const mine = isRequester(request, viewer);
  if (mine) {
    return {
      ...none,
      cancel: true,
      notice:
        'You filed this request, so two other people decide it: an approver, then the co-signer they name. You can cancel it while it is open.',
    };
  }
  const decides = viewer.permissions.includes('approvals:decide');
  const has = (roles: readonly Role[]) => viewer.roles.some((r) => roles.includes(r));
  const mayApprove = decides && has(request.policy.primaryRoles);
  const mayReject = decides && has([...request.policy.primaryRoles, ...request.coSignerRoles]);
  const named = request.status === 'awaiting_secondary' && request.secondary?.id === viewer.id;
  const actions: VisibleActions = {
    approve: request.status === 'pending' && mayApprove,
    cosign: named,
    reject: mayReject,
    cancel: false,
    notice: null,
  };

  if (!decides) actions.notice = 'You can follow this request but your roles do not let you decide requests.';
  else if (request.status === 'pending' && !mayApprove) {
    const label = kindLabel(request.kind).toLowerCase();
    actions.notice = `Approving ${article(label)} ${label} request needs one of these roles: ${rolesText(request.policy.primaryRoles)}.`;
  } else if (request.status === 'awaiting_secondary' && !named) {
    const who = request.secondary?.name ?? 'the named co-signer';
    actions.notice =
      request.primary?.id === viewer.id
        ? `You approved this request. It now waits for ${who} to co-sign; only they can.`
        : `This request waits for ${who} to co-sign: only the person the primary approver named can co-sign.`;
  }
  return actions;
}
