import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bucketSchema, windowQuery } from '../shared/windows.js';
import { AppError } from '../shared/errors.js';
import { NETWORKS } from '../shared/networks.js';
import { formatUsdt } from '../shared/money.js';
import type { FlaggedRow, SettlementQueries, SettlementRow } from './settlement.queries.js';
import { FLAG_REASONS, SETTLEMENT_STATUSES } from './settlement.tables.js';
import {
  flaggedPageSchema,
  settlementDetailSchema,
  settlementPageSchema,
  summarySchema,
} from './settlement.api.js';

const limit = z.coerce.number().int().min(1).max(200).default(50);

const settlementView = (s: SettlementRow, paper: boolean) => ({
  id: s.id,
  tradeId: s.trade_id,
  clientId: s.client_id,
  side: s.side,
  network: s.network,
  amountUsdt: formatUsdt(BigInt(s.amount_units)),
  amountUnits: s.amount_units,
  counterparty: s.counterparty,
  walletId: s.wallet_id,
  status: s.status,
  attempts: s.attempts,
  lastError: s.last_error,
  txHash: s.tx_hash,
  confirmations: s.confirmations,
  bookedAt: s.booked_at.toISOString(),
  createdAt: s.created_at.toISOString(),
  updatedAt: s.updated_at.toISOString(),
  confirmedAt: s.confirmed_at?.toISOString() ?? null,
  paper,
});

const flaggedView = (e: FlaggedRow) => ({
  id: e.id,
  tradeId: e.trade_id,
  settlementId: e.settlement_id,
  reason: e.reason,
  detail: e.detail,
  status: e.status,
  trade: e.trade_snapshot,
  createdAt: e.created_at.toISOString(),
  resolvedAt: e.resolved_at?.toISOString() ?? null,
  resolvedByRequest: e.resolved_by_request,
  resolutionNote: e.resolution_note,
});

/** Settlements, flagged events and the queue summary. Requeue and dismiss are change requests (POST /api/approvals). */
export function settlementRoutes(deps: {
  queries: SettlementQueries;
  /** Every network settles on the paper chain. */
  paper: boolean;
  /** Whether a settlement's wallet is on the paper chain. */
  paperWallet: (walletId: string) => boolean;
  now: () => Date;
}): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const read = { access: { permission: 'settlements:read' as const } };

    r.get(
      '/api/settlements',
      {
        config: read,
        schema: {
          querystring: z
            .object({
              status: z.enum(SETTLEMENT_STATUSES).optional(),
              network: z.enum(NETWORKS).optional(),
              tradeId: z.string().uuid().optional(),
              cursor: z.string().max(200).optional(),
              limit,
            })
            .strict(),
          response: { 200: settlementPageSchema },
        },
      },
      async (req) => {
        const { items, nextCursor } = await deps.queries.list(req.query);
        return {
          items: items.map((s) => settlementView(s, deps.paperWallet(s.wallet_id))),
          nextCursor,
          paper: deps.paper,
        };
      },
    );

    const series = z.array(z.number());
    r.get(
      '/api/settlements/overview',
      {
        config: read,
        schema: {
          tags: ['overview'],
          querystring: windowQuery,
          response: {
            200: bucketSchema.extend({
              /** Settlements that left the queue in each bucket, by how they ended. */
              outcomes: z.object({ confirmed: series, failed: series, cancelled: series, held: series }),
              /** Booked → confirmed, seconds, of the settlements confirmed in each bucket (null: none). */
              latencySeconds: z.object({
                p50: z.array(z.number().nullable()),
                p95: z.array(z.number().nullable()),
              }),
              /** Settlements queued or in flight at each bucket's end. */
              queueDepth: series,
              flagged: z.object({ opened: series, closed: series }),
            }),
          },
        },
      },
      async (req) => deps.queries.overview(req.query.window, deps.now()),
    );

    r.get(
      '/api/settlements/summary',
      { config: read, schema: { response: { 200: summarySchema } } },
      async () => {
        const s = await deps.queries.summary();
        const oldestQueuedSeconds = s.oldestQueuedAt
          ? Math.max(0, Math.round((deps.now().getTime() - s.oldestQueuedAt.getTime()) / 1000))
          : null;
        return {
          byStatus: s.byStatus,
          oldestQueuedAt: s.oldestQueuedAt?.toISOString() ?? null,
          oldestQueuedSeconds,
          openFlagged: s.openFlagged,
          openFlaggedByReason: s.openFlaggedByReason,
          paper: deps.paper,
        };
      },
    );

    r.get(
      '/api/settlements/flagged',
      {
        config: read,
        schema: {
          querystring: z
            .object({
              status: z.enum(['open', 'requeued', 'dismissed']).optional(),
              reason: z.enum(FLAG_REASONS).optional(),
              cursor: z.string().max(200).optional(),
              limit,
            })
            .strict(),
          response: { 200: flaggedPageSchema },
        },
      },
      async (req) => {
        const { items, nextCursor } = await deps.queries.flagged(req.query);
        return { items: items.map(flaggedView), nextCursor };
      },
    );

    r.get(
      '/api/settlements/:id',
      {
        config: read,
        schema: {
          params: z.object({ id: z.string().uuid() }).strict(),
          response: { 200: settlementDetailSchema },
        },
      },
      async (req) => {
        const s = await deps.queries.get(req.params.id);
        if (!s) throw new AppError('NOT_FOUND', 'There is no such settlement.');
        const [steps, flagged] = await Promise.all([
          deps.queries.steps(s.id),
          deps.queries.eventsOfTrade(s.trade_id),
        ]);
        return {
          settlement: settlementView(s, deps.paperWallet(s.wallet_id)),
          timeline: steps.map((t) => ({ at: t.at.toISOString(), step: t.step, detail: t.detail })),
          flagged: flagged.map(flaggedView),
        };
      },
    );
  };
}
