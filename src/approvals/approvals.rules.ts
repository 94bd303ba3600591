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

/**
 * A condition that changes who may be secondary (e.g. large notionals need risk). Its `path` is
 * `notional` (the trade's amount before and after the change, for kinds that declare one: it matches
 * when either side does) or a field of the payload (kinds without a notional, e.g. `flag.set`).
 */
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

/** The path a tier names to judge the kind's notional rather than a payload field. */
export const NOTIONAL_PATH = 'notional';

/**
 * What a change moves, in USDT smallest units as decimal-integer strings: the amount before it and
 * after it (null: none on that side, e.g. after a cancellation). Computed by the kind when the request
 * is filed and stored with it (`change_requests.notional`).
 */
export interface Notional {
  before: string | null;
  after: string | null;
}

/** What a policy's tiers judge: the payload, and the notional its kind computed at filing (if any). */
export interface TierSubject {
  payload: unknown;
  notional?: Notional | null;
}

/** The tier subject of a stored request. */
export const subjectOf = (r: { payload: unknown; notional: Notional | null }): TierSubject => ({
  payload: r.payload,
  notional: r.notional,
});

/**
 * Compares as exact integers when both sides are integer strings, otherwise as strings (eq only). A
 * `notional` tier matches when the amount before or the amount after the change does: an
 * address-only amend of a large trade, or one that makes it small, is still judged as large.
 */
export function tierMatches(tier: PolicyTier, subject: TierSubject): boolean {
  if (tier.when.path === NOTIONAL_PATH) {
    const n = subject.notional;
    return !!n && [n.before, n.after].some((v) => v !== null && compares(tier, v));
  }
  return compares(tier, readPath(subject.payload, tier.when.path));
}

function compares(tier: PolicyTier, raw: unknown): boolean {
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

/** The tier that applies to this request: the first that matches, if any. */
export function matchingTier(policy: Policy, subject: TierSubject): PolicyTier | undefined {
  return policy.tiers.find((t) => tierMatches(t, subject));
}

/** The roles that may co-sign this request: the first matching tier wins, else the policy's own. */
export function secondaryRolesFor(policy: Policy, subject: TierSubject): Role[] {
  return matchingTier(policy, subject)?.secondaryRoles ?? policy.secondaryRoles;
}

export type EligibilityFailure = 'SELF_APPROVAL' | 'SAME_APPROVER' | 'NOT_ELIGIBLE';

/**
 * May `approver` take `step` on a request filed by `requesterId` (an operator id, or null when a
 * client or the system filed it) whose primary so far is `primaryId`?
 */
export function eligibility(
  policy: Policy,
  subject: TierSubject,
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
        ? secondaryRolesFor(policy, subject)
        : [...policy.primaryRoles, ...secondaryRolesFor(policy, subject)];
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
  subject: TierSubject,
  status: RequestStatus,
  people: readonly Approver[],
  requesterId: string | null,
  primaryId: string | null,
): Undecidable | null {
  if (!OPEN_STATUSES.includes(status)) return null;
  const secondaryRoles = secondaryRolesFor(policy, subject);
  const say = (step: 'primary' | 'secondary', roles: Role[]): Undecidable => ({
    step,
    missingRoles: [...new Set(roles)],
    reason: `Nobody can ${step === 'primary' ? 'approve' : 'co-sign'} this: it needs another active operator with ${[...new Set(roles)].join(' or ')} who has enrolled MFA${requesterId ? ' (not the requester)' : ''}${step === 'secondary' ? ' and is not the approver' : ''}. Invite one, or the request will expire.`,
  });
  const canCosign = (p: string) =>
    people.some((s) => eligibility(policy, subject, 'secondary', s, requesterId, p) === null);
  if (status === 'awaiting_secondary')
    return primaryId && canCosign(primaryId) ? null : say('secondary', secondaryRoles);
  const primaries = people.filter(
    (p) => eligibility(policy, subject, 'primary', p, requesterId, null) === null,
  );
  if (primaries.length === 0) return say('primary', policy.primaryRoles);
  return primaries.some((p) => canCosign(p.id)) ? null : say('secondary', secondaryRoles);
}
