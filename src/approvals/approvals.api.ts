import { z } from 'zod';
import { ROLES } from '../shared/roles.js';

/** The approvals API's replies, as the OpenAPI document (and the console's generated types) name them. */
const role = z.enum(ROLES);
const status = z.enum([
  'pending',
  'awaiting_secondary',
  'approved',
  'rejected',
  'expired',
  'cancelled',
  'failed',
]);

export const personSchema = z
  .object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable(), roles: z.array(role) })
  .meta({ id: 'Person' });
const decidedBy = personSchema.extend({ reason: z.string().nullable(), at: z.string().nullable() });

export const diffEntrySchema = z
  .object({ field: z.string(), before: z.unknown(), after: z.unknown() })
  .meta({ id: 'DiffEntry' });

const tier = z.object({
  name: z.string(),
  when: z.object({ path: z.string(), op: z.enum(['gt', 'gte', 'lt', 'lte', 'eq']), value: z.string() }),
  secondaryRoles: z.array(role),
});
export const policySchema = z
  .object({
    kind: z.string(),
    primaryRoles: z.array(role),
    secondaryRoles: z.array(role),
    ttlSeconds: z.number(),
    tiers: z.array(tier),
    /** The policy's version when the request was filed (a snapshot taken from the policies table). */
    version: z.number().optional(),
  })
  .meta({ id: 'Policy' });

export const changeRequestSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    status,
    summary: z.string(),
    payload: z.unknown(),
    digest: z.string(),
    diff: z.array(diffEntrySchema),
    entity: z.object({ type: z.string(), id: z.string(), version: z.number().nullable() }),
    /** An operator requester also carries their name, roles and email when the desk knows them. */
    requestedBy: z.object({
      type: z.enum(['operator', 'client', 'system']),
      id: z.string().nullable(),
      name: z.string().nullable().optional(),
      email: z.string().optional(),
      roles: z.array(role).optional(),
    }),
    note: z.string().nullable(),
    policy: policySchema,
    /** What the tiers judged at filing: the amount before and after, USDT smallest units (null: the kind has none). */
    notional: z.object({ before: z.string().nullable(), after: z.string().nullable() }).nullable(),
    matchedTier: z.string().nullable(),
    coSignerRoles: z.array(role),
    createdAt: z.string(),
    expiresAt: z.string(),
    decidedAt: z.string().nullable(),
    primary: decidedBy.nullable(),
    secondary: decidedBy.nullable(),
    rejection: personSchema.extend({ reason: z.string().nullable() }).nullable(),
    failureReason: z.string().nullable(),
  })
  .meta({ id: 'ChangeRequest' });

export const historyEntrySchema = z
  .object({
    at: z.string(),
    action: z.string(),
    actor: z.object({ type: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
    reason: z.string().nullable(),
    data: z.unknown(),
  })
  .meta({ id: 'HistoryEntry' });

export const changeRequestDetailSchema = changeRequestSchema
  .extend({
    history: z.array(historyEntrySchema),
    /** Set when nobody the desk has now can take the next step; `missingRoles` names who is lacking. */
    undecidableReason: z.string().nullable(),
    missingRoles: z.array(role),
  })
  .meta({ id: 'ChangeRequestDetail' });

export const requestPageSchema = z
  .object({ items: z.array(changeRequestSchema), nextCursor: z.string().nullable(), awaitingMe: z.number() })
  .meta({ id: 'RequestPage' });

export const eligibleApproversSchema = z.object({
  items: z.array(
    z
      .object({
        id: z.string(),
        name: z.string(),
        email: z.string(),
        roles: z.array(role),
        telegramLinked: z.boolean(),
      })
      .meta({ id: 'EligibleApprover' }),
  ),
});

export const policiesSchema = z.object({
  items: z.array(policySchema.extend({ version: z.number(), updatedAt: z.string() })),
});

export const eligibilitySchema = z.object({
  kind: z.string(),
  decidable: z.boolean(),
  /** The step nobody could take (`primary`: approve, `secondary`: co-sign), when undecidable. */
  step: z.enum(['primary', 'secondary']).nullable(),
  undecidableReason: z.string().nullable(),
  missingRoles: z.array(role),
});

const who = z.object({ id: z.string(), email: z.string().nullable() });
export const reportSchema = z.object({
  period: z.object({ from: z.string(), to: z.string() }),
  generatedAt: z.string(),
  totals: z.object({ requests: z.number(), outcomes: z.record(z.string(), z.number()) }),
  requests: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      status,
      summary: z.string(),
      digest: z.string(),
      requester: z.object({ type: z.string(), id: z.string().nullable(), email: z.string().nullable() }),
      note: z.string().nullable(),
      createdAt: z.string(),
      expiresAt: z.string(),
      primary: who.extend({ reason: z.string().nullable(), at: z.string().nullable() }).nullable(),
      secondary: who.extend({ reason: z.string().nullable(), at: z.string().nullable() }).nullable(),
      rejection: who.extend({ reason: z.string().nullable() }).nullable(),
      failureReason: z.string().nullable(),
      decidedAt: z.string().nullable(),
    }),
  ),
  statistics: z.object({
    timeToDecision: z.array(
      z.object({
        operatorId: z.string(),
        email: z.string().nullable(),
        step: z.string(),
        decisions: z.number(),
        medianSeconds: z.number().nullable(),
        p90Seconds: z.number().nullable(),
      }),
    ),
    pairs: z.array(z.object({ a: who, b: who, approved: z.number() })),
  }),
});
