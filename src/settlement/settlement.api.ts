import { z } from 'zod';
import { NETWORKS } from '../shared/networks.js';
import { FLAG_REASONS, SETTLEMENT_STATUSES } from './settlement.tables.js';

/** The settlement API's replies, as the OpenAPI document (and the console's generated types) name them. */
export const settlementSchema = z
  .object({
    id: z.string(),
    tradeId: z.string(),
    clientId: z.string(),
    side: z.enum(['buy', 'sell']),
    network: z.enum(NETWORKS),
    amountUsdt: z.string(),
    /** The amount in USDT's smallest units (6 decimals), as a decimal string. */
    amountUnits: z.string(),
    counterparty: z.string(),
    walletId: z.string(),
    status: z.enum(SETTLEMENT_STATUSES),
    attempts: z.number(),
    lastError: z.string().nullable(),
    txHash: z.string().nullable(),
    confirmations: z.number(),
    bookedAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    confirmedAt: z.string().nullable(),
    paper: z.boolean(),
  })
  .meta({ id: 'Settlement' });

export const flaggedSchema = z
  .object({
    id: z.string(),
    tradeId: z.string(),
    settlementId: z.string().nullable(),
    reason: z.enum(FLAG_REASONS),
    detail: z.string().nullable(),
    status: z.enum(['open', 'requeued', 'dismissed']),
    /** The trade as it was when the event was flagged. */
    trade: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    resolvedAt: z.string().nullable(),
    resolvedByRequest: z.string().nullable(),
    resolutionNote: z.string().nullable(),
  })
  .meta({ id: 'FlaggedEvent' });

export const settlementPageSchema = z.object({
  items: z.array(settlementSchema),
  nextCursor: z.string().nullable(),
  paper: z.boolean(),
});

export const summarySchema = z.object({
  byStatus: z.record(z.string(), z.number()),
  oldestQueuedAt: z.string().nullable(),
  oldestQueuedSeconds: z.number().nullable(),
  openFlagged: z.number(),
  openFlaggedByReason: z.record(z.string(), z.number()),
  paper: z.boolean(),
});

export const flaggedPageSchema = z.object({
  items: z.array(flaggedSchema),
  nextCursor: z.string().nullable(),
});

export const settlementDetailSchema = z.object({
  settlement: settlementSchema,
  timeline: z.array(
    z.object({ at: z.string(), step: z.string(), detail: z.record(z.string(), z.unknown()) }),
  ),
  flagged: z.array(flaggedSchema),
});
