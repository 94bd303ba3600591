import { createHash } from 'node:crypto';
import type { Role } from '../shared/roles.js';

/**
 * The dual-control rules as pure functions over plain data. The engine calls them inside the
 * transaction that holds the request row locked; tests check them row by row.
 */

export type RequestStatus =
  'pending' | 'awaiting_secondary' | 'approved' | 'rejected' | 'expired' | 'cancelled' | 'failed';
export type Decision = 'approve' | 'cosign' | 'reject' | 'cancel';

export const OPEN_STATUSES: readonly RequestStatus[] = ['pending', 'awaiting_secondary'];

/** A condition on the payload that changes who may be secondary (e.g. large notionals need risk). */
export interface PolicyTier {
  name: string;
  when: { path: string; op: 'gt' | 'gte' | 'lt' | 'lte' | 'eq'; value: string };
  secondaryRoles: Role[];
}

export interface Policy {
  kind: string;
  primaryRoles: Role[];
  secondaryRoles: Role[];
  ttlSeconds: number;
  tiers: PolicyTier[];
}

export interface Approver {
  id: string;
  roles: Role[];
  active: boolean;
  mfaEnrolled: boolean;
}

/** At least 10 visible characters: a rationale, not a keystroke (one rule: shared/rationale.ts). */
export {
  MIN_RATIONALE_LENGTH as MIN_REASON_LENGTH,
  isValidRationale as isValidReason,
} from '../shared/rationale.js';

/** Which decision each status admits. Anything else on an open request is ALREADY_DECIDED. */
export function allowedDecisions(status: RequestStatus): Decision[] {
  switch (status) {
    case 'pending':
      return ['approve', 'reject', 'cancel'];
    case 'awaiting_secondary':
      return ['cosign', 'reject', 'cancel'];
    default:
      return [];
  }
}

function readPath(payload: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined),
      payload,
    );
}

/** Compares as exact integers when both sides are integer strings, otherwise as strings (eq only). */
export function tierMatches(tier: PolicyTier, payload: unknown): boolean {
  const raw = readPath(payload, tier.when.path);
  if (
    typeof raw !== 'string' &&
    typeof raw !== 'number' &&
    typeof raw !== 'bigint' &&
    typeof raw !== 'boolean'
  )
    return false;
  const actual = String(raw);
  const { op, value } = tier.when;
  if (/^-?\d+$/.test(actual) && /^-?\d+$/.test(value)) {
    const a = BigInt(actual);
    const b = BigInt(value);
    return { gt: a > b, gte: a >= b, lt: a < b, lte: a <= b, eq: a === b }[op];
  }
  return op === 'eq' && actual === value;
}

/** The tier that applies to this payload: the first that matches, if any. */
export function matchingTier(policy: Policy, payload: unknown): PolicyTier | undefined {
  return policy.tiers.find((t) => tierMatches(t, payload));
}

/** The roles that may co-sign this payload: the first matching tier wins, else the policy's own. */
export function secondaryRolesFor(policy: Policy, payload: unknown): Role[] {
  return matchingTier(policy, payload)?.secondaryRoles ?? policy.secondaryRoles;
}

export type EligibilityFailure = 'SELF_APPROVAL' | 'SAME_APPROVER' | 'NOT_ELIGIBLE';

/**
 * May `approver` take `step` on a request filed by `requesterId` (an operator id, or null when a
 * client or the system filed it) whose primary so far is `primaryId`?
 */
export function eligibility(
  policy: Policy,
  payload: unknown,
  step: 'primary' | 'secondary' | 'reject',
  approver: Approver,
  requesterId: string | null,
  primaryId: string | null,
): EligibilityFailure | null {
  if (requesterId !== null && approver.id === requesterId) return 'SELF_APPROVAL';
  if (step === 'secondary' && approver.id === primaryId) return 'SAME_APPROVER';
  if (!approver.active || !approver.mfaEnrolled) return 'NOT_ELIGIBLE';
  const roles =
    step === 'primary'
      ? policy.primaryRoles
      : step === 'secondary'
        ? secondaryRolesFor(policy, payload)
        : [...policy.primaryRoles, ...secondaryRolesFor(policy, payload)];
  return approver.roles.some((r) => roles.includes(r)) ? null : 'NOT_ELIGIBLE';
}

export function isExpired(expiresAt: Date, now: Date): boolean {
  return now.getTime() >= expiresAt.getTime();
}

/** Canonical JSON: object keys sorted at every level, no whitespace; bigint as decimal strings. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object')
    return JSON.stringify(typeof value === 'bigint' ? value.toString() : value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What approvers see and co-sign: the SHA-256 of the kind and the canonical payload. */
export function payloadDigest(kind: string, payload: unknown): string {
  return createHash('sha256')
    .update(`${kind}\n${canonicalJson(payload)}`)
    .digest('hex');
}

export interface Undecidable {
  /** The step nobody can take. */
  step: 'primary' | 'secondary';
  /** Roles of which an active, enrolled operator other than the requester (and primary) is missing. */
  missingRoles: Role[];
  reason: string;
}

/**
 * Why an open request can never be decided by the people the desk has now, or null when it can: no
 * eligible primary, or no eligible co-signer distinct from every possible primary (issue 16 item 1).
 */
export function undecidable(
  policy: Policy,
  payload: unknown,
  status: RequestStatus,
  people: readonly Approver[],
  requesterId: string | null,
  primaryId: string | null,
): Undecidable | null {
  if (!OPEN_STATUSES.includes(status)) return null;
  const secondaryRoles = secondaryRolesFor(policy, payload);
  const say = (step: 'primary' | 'secondary', roles: Role[]): Undecidable => ({
    step,
    missingRoles: [...new Set(roles)],
    reason: `Nobody can ${step === 'primary' ? 'approve' : 'co-sign'} this: it needs another active operator with ${[...new Set(roles)].join(' or ')} who has enrolled MFA${requesterId ? ' (not the requester)' : ''}${step === 'secondary' ? ' and is not the approver' : ''}. Invite one, or the request will expire.`,
  });
  const canCosign = (p: string) =>
    people.some((s) => eligibility(policy, payload, 'secondary', s, requesterId, p) === null);
  if (status === 'awaiting_secondary')
    return primaryId && canCosign(primaryId) ? null : say('secondary', secondaryRoles);
  const primaries = people.filter(
    (p) => eligibility(policy, payload, 'primary', p, requesterId, null) === null,
  );
  if (primaries.length === 0) return say('primary', policy.primaryRoles);
  return primaries.some((p) => canCosign(p.id)) ? null : say('secondary', secondaryRoles);
}
