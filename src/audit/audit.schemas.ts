import { z } from 'zod';
import { inDeskRange } from '../shared/dates.js';
import { MAX_PAGE } from './audit.search.js';

const instant = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .refine(inDeskRange, 'must be a date between the years 1 and 9999');

const filterFields = {
  from: instant.optional().describe('inclusive, ISO 8601'),
  to: instant.optional().describe('exclusive, ISO 8601'),
  actor: z.string().min(1).max(200).optional().describe('actorId, or actorType:actorId'),
  action: z.string().min(1).max(200).optional(),
};

export const searchQuery = z
  .object({
    ...filterFields,
    entity: z.string().min(1).max(200).optional().describe('entityType, or entityType:entityId'),
    cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
  })
  .strict();

export const exportQuery = z
  .object({
    format: z.enum(['csv', 'jsonl']).default('jsonl'),
    ...filterFields,
  })
  .strict();

const eventView = z.object({
  id: z.string(),
  occurredAt: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  action: z.string(),
  entityType: z.string().nullable(),
  entityId: z.string().nullable(),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
  data: z.unknown(),
  chain: z.object({ seq: z.string(), hash: z.string() }).nullable(),
});

export const searchResponse = z.object({ events: z.array(eventView), nextCursor: z.string().nullable() });
