import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requestView } from '../approvals/approvals.schemas.js';
import type { ApprovalsService } from '../approvals/approvals.service.js';
import { AppError } from '../shared/errors.js';
import { formatUsdt } from '../shared/money.js';
import { NETWORKS } from '../shared/networks.js';
import { auditContext } from '../shared/request-context.js';
import type { AddressesService } from './addresses.service.js';
import type { ApiKeysService } from './apikeys.service.js';
import type { ClientsService } from './clients.service.js';
import { clientListView, clientSchema } from './clients.console.routes.js';
import { changeRequestSchema } from '../approvals/approvals.api.js';
import { tradeSchema } from '../trading/trades.views.js';
import type { LimitsService } from './limits.service.js';

const clientParams = z.object({ id: z.string().uuid() }).strict();

const clientView = clientListView;
const addressStatus = z.enum(['pending', 'whitelisted', 'removed']);
const clientDetailSchema = clientSchema.extend({
  limits: z.object({
    maxPerTradeUsdt: z.string(),
    maxPerDayUsdt: z.string(),
    own: z.boolean(),
    bookedLast24hUsdt: z.string(),
  }),
  addresses: z.array(
    z.object({
      id: z.string(),
      network: z.enum(NETWORKS),
      address: z.string(),
      status: addressStatus,
      createdAt: z.string(),
      whitelistedAt: z.string().nullable(),
    }),
  ),
  trades: z.array(tradeSchema),
});

/**
 * Operator API for client administration: clients, payout addresses, limits and API keys. Changes to
 * addresses and limits are filed as requests and applied only when co-signed.
 */
export function clientsRoutes(deps: {
  clients: ClientsService;
  addresses: AddressesService;
  limits: LimitsService;
  keys: ApiKeysService;
  approvals: Pick<ApprovalsService, 'file'>;
  /** The client's latest trades as the trades API shows them (the trading domain owns trades). */
  recentTrades: (clientId: string) => Promise<z.input<typeof tradeSchema>[]>;
}): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/api/clients/:id/addresses',
      {
        config: { access: { permission: 'approvals:request' } },
        schema: {
          params: clientParams,
          body: z
            .object({
              network: z.enum(NETWORKS),
              address: z.string().min(1).max(100),
              action: z.enum(['whitelist', 'remove']).default('whitelist'),
              note: z.string().max(2000).optional(),
            })
            .strict(),
          response: {
            201: z.object({
              address: z
                .object({
                  id: z.string(),
                  network: z.enum(NETWORKS),
                  address: z.string(),
                  status: addressStatus,
                })
                .nullable(),
              request: changeRequestSchema,
            }),
          },
        },
      },
      async (req, reply) => {
        const actor = req.actor;
        if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
        const { address, request } = await deps.addresses.request(
          { clientId: req.params.id, ...req.body },
          { type: 'operator', id: actor.operatorId },
          auditContext(req),
        );
        return reply.status(201).send({
          address: address
            ? { id: address.id, network: address.network, address: address.address, status: address.status }
            : null,
          request: requestView(request),
        });
      },
    );

    r.get(
      '/api/clients/:id',
      {
        config: { access: { permission: 'clients:read' } },
        schema: { params: clientParams, response: { 200: clientDetailSchema } },
      },
      async (req) => {
        const client = await deps.clients.get(req.params.id);
        if (!client) throw new AppError('NOT_FOUND', 'There is no such client.');
        const [{ limits, own, bookedLast24h }, addresses, trades] = await Promise.all([
          deps.limits.effective(client.id),
          deps.addresses.list(client.id),
          deps.recentTrades(client.id),
        ]);
        return {
          ...clientView(client),
          limits: {
            maxPerTradeUsdt: formatUsdt(limits.perTrade),
            maxPerDayUsdt: formatUsdt(limits.perDay),
            own: own !== null && (own.max_per_trade_units !== null || own.max_per_day_units !== null),
            bookedLast24hUsdt: formatUsdt(bookedLast24h),
          },
          addresses: addresses.map((a) => ({
            id: a.id,
            network: a.network,
            address: a.address,
            status: a.status,
            createdAt: a.created_at.toISOString(),
            whitelistedAt: a.whitelisted_at?.toISOString() ?? null,
          })),
          trades,
        };
      },
    );

    r.post(
      '/api/clients/:id/api-keys',
      {
        config: { access: { permission: 'clients:keys', stepUp: true } },
        schema: {
          params: clientParams,
          body: z
            .object({ label: z.string().max(200).optional() })
            .strict()
            .nullish(),
          response: {
            201: z.object({ id: z.string(), key: z.string(), prefix: z.string(), note: z.string() }),
          },
        },
      },
      async (req, reply) => {
        const actor = req.actor;
        if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
        const issued = await deps.keys.issue(
          req.params.id,
          req.body?.label ?? null,
          actor.operatorId,
          auditContext(req),
        );
        return reply
          .status(201)
          .header('cache-control', 'no-store')
          .send({ ...issued, note: 'The key is shown once: store it now.' });
      },
    );

    r.get(
      '/api/clients/:id/api-keys',
      {
        config: { access: { permission: 'clients:keys' } },
        schema: {
          params: clientParams,
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.string(),
                  prefix: z.string(),
                  label: z.string().nullable(),
                  createdBy: z.string().nullable(),
                  createdAt: z.string(),
                  revokedAt: z.string().nullable(),
                  lastUsedAt: z.string().nullable(),
                }),
              ),
            }),
          },
        },
      },
      async (req) => ({
        items: (await deps.keys.list(req.params.id)).map((k) => ({
          id: k.id,
          prefix: k.prefix,
          label: k.label,
          createdBy: k.created_by,
          createdAt: k.created_at.toISOString(),
          revokedAt: k.revoked_at?.toISOString() ?? null,
          lastUsedAt: k.last_used_at?.toISOString() ?? null,
        })),
      }),
    );

    r.post(
      '/api/clients/:id/api-keys/:keyId/revoke',
      {
        config: { access: { permission: 'clients:keys', stepUp: true } },
        schema: {
          params: z.object({ id: z.string().uuid(), keyId: z.string().uuid() }).strict(),
          body: z.object({}).strict().nullish(),
          response: { 204: z.null().describe('Revoked') },
        },
      },
      async (req, reply) => {
        const actor = req.actor;
        if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
        await deps.keys.revoke(req.params.id, req.params.keyId, actor.operatorId, auditContext(req));
        return reply.status(204).send(null);
      },
    );

    const limit = z.string().max(40).nullable();
    r.post(
      '/api/clients/:id/limits',
      {
        config: { access: { permission: 'approvals:request' } },
        schema: {
          params: clientParams,
          body: z
            .object({ maxPerTradeUsdt: limit, maxPerDayUsdt: limit, note: z.string().max(2000).optional() })
            .strict(),
          response: { 201: changeRequestSchema },
        },
      },
      async (req, reply) => {
        const actor = req.actor;
        if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
        const { note, ...payload } = req.body;
        const { request } = await deps.approvals.file(
          { kind: 'client.limits', payload: { clientId: req.params.id, ...payload }, note },
          { type: 'operator', id: actor.operatorId },
          auditContext(req),
        );
        return reply.status(201).send(requestView(request));
      },
    );
  };
}
