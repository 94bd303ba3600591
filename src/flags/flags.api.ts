import { z } from 'zod';
import { changeRequestSchema } from '../approvals/approvals.api.js';

/** The flags API's replies, as the OpenAPI document (and the console's generated types) name them. */
const actor = z.object({ type: z.string(), id: z.string().nullable(), name: z.string().nullable() });

export const flagSchema = z
  .object({
    key: z.string(),
    enabled: z.boolean(),
    description: z.string(),
    updatedAt: z.string(),
    updatedBy: actor,
    reason: z.string().nullable(),
    requestId: z.string().nullable(),
    version: z.number(),
  })
  .meta({ id: 'Flag' });

const signer = z.object({
  id: z.string(),
  name: z.string().nullable(),
  reason: z.string().nullable(),
  at: z.string().nullable(),
});

export const flagDetailSchema = flagSchema
  .extend({
    /** The co-signed request behind the current value (null: none, e.g. the seeded default). */
    approval: z
      .object({
        requestId: z.string(),
        status: changeRequestSchema.shape.status,
        requestedBy: changeRequestSchema.shape.requestedBy,
        note: z.string().nullable(),
        primary: signer.nullable(),
        cosignedBy: signer.nullable(),
        digest: z.string(),
      })
      .nullable(),
    history: z.array(
      z.object({
        at: z.string(),
        enabled: z.boolean(),
        previous: z.boolean().nullable(),
        via: z.string(),
        actor,
        reason: z.string().nullable(),
        requestId: z.string().nullable(),
      }),
    ),
    reviews: z.array(
      z.object({
        id: z.string(),
        status: z.enum(['open', 'acknowledged']),
        reason: z.string(),
        openedBy: z.string(),
        openedByName: z.string().nullable(),
        createdAt: z.string(),
        acknowledgedBy: z.string().nullable(),
        acknowledgedByName: z.string().nullable(),
        acknowledgedAt: z.string().nullable(),
        comment: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'FlagDetail' });

export const flagListSchema = z.object({ items: z.array(flagSchema) });

export const emergencyDisableSchema = z.object({
  key: z.string(),
  enabled: z.literal(false),
  wasEnabled: z.boolean(),
  reviewId: z.string(),
});

export const reviewAcknowledgedSchema = z.object({
  id: z.string(),
  status: z.enum(['open', 'acknowledged']),
  acknowledgedBy: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
});
