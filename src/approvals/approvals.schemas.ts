import { z } from 'zod';
import { AppError } from '../shared/errors.js';
import type { ApproverInfo } from './approvals.ports.js';
import type { RequestRow } from './approvals.repo.js';
import { matchingTier, secondaryRolesFor, subjectOf, type Policy } from './approvals.rules.js';

const STATUSES = [
  'pending',
  'awaiting_secondary',
  'approved',
  'rejected',
  'expired',
  'cancelled',
  'failed',
] as const;

export const fileBody = z
  .object({ kind: z.string().min(1), payload: z.unknown(), note: z.string().max(2000).optional() })
  .strict();
export const approveBody = z
  .object({ reason: z.string().max(2000), secondaryApproverId: z.string().uuid() })
  .strict();
export const cosignBody = z.object({ reason: z.string().max(2000) }).strict();
export const rejectBody = z.object({ reason: z.string().max(2000) }).strict();
export const idParams = z.object({ id: z.string().uuid() }).strict();

export const listQuery = z
  .object({
    status: z
      .string()
      .transform((s) => s.split(',').filter(Boolean))
      .pipe(z.array(z.enum(STATUSES)))
      .optional(),
    kind: z.string().optional(),
    awaitingMe: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    requestedBy: z.string().optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

/** The `Idempotency-Key` header of a filing call: absent (null), or 8–128 safe characters. */
export function idempotencyKeyOf(headers: Record<string, string | string[] | undefined>): string | null {
  const key = headers['idempotency-key'];
  if (key === undefined) return null;
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
    throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 8–128 letters, digits or ._:-', [
      { path: 'headers.idempotency-key', message: 'is invalid' },
    ]);
  }
  return key;
}

function personView(p: ApproverInfo | undefined, id: string) {
  return p
    ? { id: p.id, name: p.name, email: p.email, roles: p.roles }
    : { id, name: null, email: null, roles: [] };
}

/** Who filed it: an operator with their name, email and roles; a client with their name; or the system. */
function requesterView(
  r: RequestRow,
  people: Map<string, ApproverInfo | undefined>,
  clients: Map<string, string | null>,
) {
  const base = { type: r.requested_by_type, id: r.requested_by_id };
  if (!r.requested_by_id) return base;
  if (r.requested_by_type === 'client') return { ...base, name: clients.get(r.requested_by_id) ?? null };
  if (r.requested_by_type !== 'operator') return base;
  const p = people.get(r.requested_by_id);
  return p ? { ...base, name: p.name, email: p.email, roles: p.roles } : { ...base, name: null };
}

/**
 * The request as the API shows it: everything an approver needs to decide, nothing internal. `people`
 * and `clients` name the people it refers to (without them, only ids are shown).
 */
export function requestView(
  r: RequestRow,
  people: Map<string, ApproverInfo | undefined> = new Map(),
  clients: Map<string, string | null> = new Map(),
) {
  // The policy snapshot the request was filed under decides its co-signers; the console shows what it says.
  const policy = r.policy as Policy;
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    summary: r.summary,
    payload: r.payload,
    digest: r.digest,
    diff: r.diff as { field: string; before: unknown; after: unknown }[],
    entity: { type: r.entity_type, id: r.entity_id, version: r.entity_version },
    requestedBy: requesterView(r, people, clients),
    note: r.note,
    policy,
    /** The name of the policy tier that applies to this request (null: none does). */
    /** The amounts (USDT smallest units) before and after the change that the tiers judged at filing. */
    notional: r.notional,
    matchedTier: matchingTier(policy, subjectOf(r))?.name ?? null,
    /** Who may co-sign it: the matched tier's roles, else the policy's own. */
    coSignerRoles: secondaryRolesFor(policy, subjectOf(r)),
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    decidedAt: r.decided_at?.toISOString() ?? null,
    primary: r.primary_approver_id
      ? {
          ...personView(people.get(r.primary_approver_id), r.primary_approver_id),
          reason: r.primary_reason,
          at: r.primary_at?.toISOString() ?? null,
        }
      : null,
    secondary: r.secondary_approver_id
      ? {
          ...personView(people.get(r.secondary_approver_id), r.secondary_approver_id),
          reason: r.secondary_reason,
          at: r.secondary_at?.toISOString() ?? null,
        }
      : null,
    rejection: r.rejected_by
      ? { ...personView(people.get(r.rejected_by), r.rejected_by), reason: r.rejection_reason }
      : null,
    failureReason: r.failure_reason,
  };
}
