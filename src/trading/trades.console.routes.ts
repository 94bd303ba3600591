import type { FastifyPluginAsync } from 'fastify';
import { deskDate } from '../shared/dates.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bucketSchema, windowQuery } from '../shared/windows.js';
import type { ApprovalQueries } from '../approvals/approvals.queries.js';
import { AppError } from '../shared/errors.js';
import { formatUsdt } from '../shared/money.js';
import { NETWORKS } from '../shared/networks.js';
import type { TradesService } from './trades.service.js';
import { quoteSchema, quoteView, tradeSchema, tradeView } from './trades.views.js';

const side = z.enum(['buy', 'sell']);
const network = z.enum(NETWORKS);

export { tradeSchema };

const requestSchema = z.object({
  id: z.string().uuid(),
  kind: z.string(),
  status: z.string(),
  summary: z.string(),
  note: z.string().nullable(),
  requestedBy: z.object({ type: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});

const detailSchema = tradeSchema.extend({
  rfq: z
    .object({
      id: z.string().uuid(),
      side,
      network,
      amountUsdt: z.string(),
      outcome: z.enum(['quoted', 'no_quote']),
      bestQuoteId: z.string().uuid().nullable(),
      createdAt: z.string(),
    })
    .nullable(),
  quotes: z.array(quoteSchema),
  /** trade.cancel and trade.amend requests about this trade, newest first. */
  requests: z.array(requestSchema),
});

/** The console's trades screens: the list (status, side, network, client, time) and a trade's best-execution record. */
export function tradesConsoleRoutes(deps: {
  trades: TradesService;
  requests: Pick<ApprovalQueries, 'list' | 'peopleOf'>;
}): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/trades',
      {
        config: { access: { permission: 'trades:read' } },
        schema: {
          tags: ['trades'],
          querystring: z
            .object({
              status: z.string().max(40).optional(),
              side: side.optional(),
              network: network.optional(),
              client: z.string().uuid().optional(),
              from: deskDate.optional(),
              to: deskDate.optional(),
              cursor: z.string().max(200).optional(),
              limit: z.coerce.number().int().min(1).max(500).default(100),
            })
            .strict(),
          response: { 200: z.object({ items: z.array(tradeSchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (req) => {
        const { client, ...f } = req.query;
        const page = await deps.trades.list({ ...f, clientId: client });
        return { items: page.items.map(tradeView), nextCursor: page.nextCursor };
      },
    );

    r.get(
      '/api/trades/overview',
      {
        config: { access: { permission: 'trades:read' } },
        schema: {
          tags: ['overview'],
          querystring: windowQuery,
          response: {
            200: bucketSchema.extend({
              /** USDT booked (not cancelled) per bucket and network, exact decimal strings. */
              volumeUsdt: z.object({ tron: z.array(z.string()), ethereum: z.array(z.string()) }),
              trades: z.object({ tron: z.array(z.number()), ethereum: z.array(z.number()) }),
            }),
          },
        },
      },
      async (req) => deps.trades.overview(req.query.window),
    );

    r.get(
      '/api/trades/:id',
      {
        config: { access: { permission: 'trades:read' } },
        schema: {
          tags: ['trades'],
          params: z.object({ id: z.string().uuid() }).strict(),
          response: { 200: detailSchema },
        },
      },
      async (req) => {
        const trade = await deps.trades.get(req.params.id);
        if (!trade) throw new AppError('NOT_FOUND', 'There is no such trade.');
        const [rfq, quotes, page] = await Promise.all([
          deps.trades.rfqOf(trade.rfq_id),
          deps.trades.quotesOf(trade.rfq_id),
          deps.requests.list(
            { entities: [{ type: 'trade', id: trade.id }], limit: 50 },
            req.actor?.operatorId ?? '',
          ),
        ]);
        const { people, clients } = await deps.requests.peopleOf(page.items);
        return {
          ...tradeView(trade),
          rfq: rfq
            ? {
                id: rfq.id,
                side: rfq.side,
                network: rfq.network,
                amountUsdt: formatUsdt(BigInt(rfq.amount_units)),
                outcome: rfq.outcome,
                bestQuoteId: rfq.best_quote_id,
                createdAt: rfq.created_at.toISOString(),
              }
            : null,
          quotes: quotes.map(quoteView),
          requests: page.items.map((i) => ({
            id: i.id,
            kind: i.kind,
            status: i.status,
            summary: i.summary,
            note: i.note,
            requestedBy: {
              type: i.requested_by_type,
              id: i.requested_by_id,
              name: !i.requested_by_id
                ? null
                : i.requested_by_type === 'client'
                  ? (clients.get(i.requested_by_id) ?? null)
                  : (people.get(i.requested_by_id)?.name ?? null),
            },
            createdAt: i.created_at.toISOString(),
            decidedAt: i.decided_at?.toISOString() ?? null,
          })),
        };
      },
    );
  };
}
