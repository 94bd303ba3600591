import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../shared/errors.js';
import { NETWORKS } from '../shared/networks.js';
import type { ApiKeysService } from '../clients/apikeys.service.js';
import { parseUsdt } from '../shared/money.js';
import type { RfqService } from './rfq.service.js';
import type { TradesService } from './trades.service.js';
import { quoteSchema, quoteView, tradeSchema, tradeView } from './trades.views.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiClient: { keyId: string; clientId: string; prefix: string } | null;
  }
}

const access = 'client-key' as const;
const idParams = z.object({ id: z.string().uuid() }).strict();

function clientOf(req: FastifyRequest) {
  if (!req.apiClient)
    throw new AppError('UNAUTHENTICATED', 'Send your API key in the Authorization header: Bearer usdk_…');
  return req.apiClient;
}

/**
 * The client API (`/api/client/v1`): authenticated by a client API key (Authorization: Bearer), rate
 * limited per key. Errors are problem+json with stable codes (QUOTE_EXPIRED, LIMIT_EXCEEDED, …).
 */
export function clientApiRoutes(deps: {
  keys: ApiKeysService;
  rfqs: RfqService;
  trades: TradesService;
  ratePerMinute: number;
}): FastifyPluginAsync {
  return async (app) => {
    app.decorateRequest('apiClient', null);
    app.addHook('onRequest', async (req) => {
      if (req.routeOptions.config.access !== access) return;
      const header = req.headers.authorization;
      const raw = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
      const who = await deps.keys.authenticate(raw);
      if (!who)
        throw new AppError(
          'UNAUTHENTICATED',
          'Send a valid, unrevoked API key in the Authorization header: Bearer usdk_…',
        );
      req.apiClient = who;
    });
    const rateLimit = {
      max: deps.ratePerMinute,
      timeWindow: '1 minute',
      keyGenerator: (req: FastifyRequest) => `client-key:${req.apiClient?.keyId ?? req.ip}`,
    };
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/api/client/v1/rfqs',
      {
        config: { access, rateLimit },
        schema: {
          body: z
            .object({ side: z.enum(['buy', 'sell']), amount: z.string().max(40), network: z.enum(NETWORKS) })
            .strict(),
          response: {
            201: z.object({
              rfqId: z.string(),
              quote: quoteSchema.extend({ totalCurrency: z.literal('USD'), totalRounding: z.string() }),
            }),
          },
        },
      },
      async (req, reply) => {
        const { clientId } = clientOf(req);
        const amount = parseUsdt(req.body.amount);
        if (!amount.ok)
          throw new AppError('VALIDATION_FAILED', `The amount is refused: ${amount.reason}.`, [
            { path: 'amount', message: amount.reason },
          ]);
        const { rfqId, best } = await deps.rfqs.request({
          clientId,
          side: req.body.side,
          network: req.body.network,
          amountUnits: amount.units,
        });
        return reply.status(201).send({
          rfqId,
          quote: {
            ...quoteView(best),
            totalCurrency: 'USD' as const,
            totalRounding:
              best.side === 'buy' ? 'up to the cent (you pay)' : 'down to the cent (you receive)',
          },
        });
      },
    );

    r.post(
      '/api/client/v1/quotes/:id/accept',
      {
        config: { access, rateLimit },
        schema: {
          params: idParams,
          body: z.object({}).strict().nullish(),
          response: { 200: tradeSchema, 201: tradeSchema },
        },
      },
      async (req, reply) => {
        const { clientId } = clientOf(req);
        const idem = req.headers['idempotency-key'];
        if (typeof idem !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(idem))
          throw new AppError(
            'VALIDATION_FAILED',
            'Send an Idempotency-Key header (1–200 printable characters).',
            [{ path: 'Idempotency-Key', message: 'is required' }],
          );
        const { trade, replayed } = await deps.trades.acceptWithIdempotencyKey(
          { quoteId: req.params.id, clientId, key: idem },
          { actorType: 'client', actorId: clientId, ip: req.ip },
        );
        return reply.status(replayed ? 200 : 201).send(tradeView(trade));
      },
    );

    r.get(
      '/api/client/v1/trades/:id',
      { config: { access, rateLimit }, schema: { params: idParams, response: { 200: tradeSchema } } },
      async (req) => {
        const { clientId } = clientOf(req);
        const trade = await deps.trades.get(req.params.id);
        if (!trade || trade.client_id !== clientId)
          throw new AppError('NOT_FOUND', 'There is no such trade.');
        return tradeView(trade);
      },
    );

    r.post(
      '/api/client/v1/trades/:id/cancel',
      {
        config: { access, rateLimit },
        schema: {
          params: idParams,
          body: z
            .object({ reason: z.string().max(2000).optional() })
            .strict()
            .nullish(),
          response: {
            201: z.object({
              requestId: z.string(),
              kind: z.string(),
              status: z.string(),
              summary: z.string(),
              expiresAt: z.string(),
            }),
          },
        },
      },
      async (req, reply) => {
        const { clientId } = clientOf(req);
        const { request } = await deps.trades.requestTradeCancel(
          clientId,
          req.params.id,
          { actorType: 'client', actorId: clientId, ip: req.ip },
          req.body?.reason,
        );
        return reply.status(201).send({
          requestId: request.id,
          kind: request.kind,
          status: request.status,
          summary: request.summary,
          expiresAt: request.expires_at.toISOString(),
        });
      },
    );

    r.get(
      '/api/client/v1/trades',
      {
        config: { access, rateLimit },
        schema: {
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict(),
          response: { 200: z.object({ items: z.array(tradeSchema) }) },
        },
      },
      async (req) => {
        const { clientId } = clientOf(req);
        return { items: (await deps.trades.list({ clientId, limit: req.query.limit })).items.map(tradeView) };
      },
    );
  };
}
