import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requestView } from '../approvals/approvals.schemas.js';
import type { ApprovalsService } from '../approvals/approvals.service.js';
import { auditContext } from '../shared/request-context.js';
import { AppError } from '../shared/errors.js';
import { NETWORKS } from '../shared/networks.js';
import type { AddressesService } from './addresses.service.js';
import type { HousePricer, Reference, Spreads } from './house.pricer.js';
import type { TradesService } from './trades.service.js';
import type { ApiKeysService } from './apikeys.service.js';
import type { ClientsService } from '../clients/clients.service.js';
import type { ClientRow } from '../clients/clients.service.js';
import type { LimitsService } from './limits.service.js';
import { formatUsdt, parseUsdt } from '../shared/money.js';
import { spreadTiersView } from './pricing.js';
import { quoteView, tradeView } from './trades.views.js';

const clientParams = z.object({ id: z.string().uuid() }).strict();

/** Operator API for trading: changes are filed as requests and applied only when co-signed. */
const clientView = (c: ClientRow) => ({
  id: c.id,
  name: c.name,
  company: c.company,
  country: c.country,
  monthlyVolume: c.monthly_volume,
  telegramUsername: c.telegram_username,
  status: c.status,
  createdAt: c.created_at.toISOString(),
});

const referenceView = (ref: Reference | null) =>
  ref ? { mid: ref.mid, setAt: ref.setAt?.toISOString() ?? null, via: ref.via, stale: ref.stale } : null;
const spreadsView = (s: Spreads) => ({
  tiers: spreadTiersView(s.tiers),
  via: s.via,
  setAt: s.setAt?.toISOString() ?? null,
});

export function tradingRoutes(deps: {
  addresses: AddressesService;
  approvals: ApprovalsService;
  house: HousePricer;
  trades: TradesService;
  keys: ApiKeysService;
  clients: ClientsService;
  limits: LimitsService;
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

    r.get('/api/pricing', { config: { access: { permission: 'pricing:read' } } }, async () => {
      const [reference, spreads] = await Promise.all([deps.house.reference(), deps.house.spreads()]);
      return { reference: referenceView(reference), spreads: spreadsView(spreads) };
    });

    r.get('/api/pricing/reference', { config: { access: { permission: 'pricing:read' } } }, async () => {
      const [reference, spreads] = await Promise.all([deps.house.reference(), deps.house.spreads()]);
      return {
        reference: referenceView(reference),
        spreadTiers: spreads.tiers.map((t) => ({
          fromUsdt: (t.fromUnits / 1_000_000n).toString(),
          bps: t.bps.toFixed(),
        })),
      };
    });

    r.put(
      '/api/pricing/spreads',
      {
        config: { access: { permission: 'pricing:write', stepUp: true } },
        schema: {
          body: z
            .object({
              tiers: z.array(z.object({ fromUsdt: z.string().max(40), bps: z.number() }).strict()).max(100),
            })
            .strict(),
        },
      },
      async (req) => ({
        spreads: spreadsView(await deps.house.setSpreads(req.body.tiers, auditContext(req))),
      }),
    );

    r.put(
      '/api/pricing/reference',
      {
        config: { access: { permission: 'pricing:write', stepUp: true } },
        schema: { body: z.object({ mid: z.string().max(40) }).strict() },
      },
      async (req) => ({
        reference: referenceView(await deps.house.setReference(req.body.mid, auditContext(req))),
      }),
    );

    r.get(
      '/api/trades',
      {
        config: { access: { permission: 'trades:read' } },
        schema: {
          querystring: z
            .object({
              status: z.string().max(40).optional(),
              client: z.string().uuid().optional(),
              from: z.coerce.date().optional(),
              to: z.coerce.date().optional(),
              limit: z.coerce.number().int().min(1).max(500).default(100),
            })
            .strict(),
        },
      },
      async (req) => ({
        items: (
          await deps.trades.list({
            status: req.query.status,
            clientId: req.query.client,
            from: req.query.from,
            to: req.query.to,
            limit: req.query.limit,
          })
        ).map(tradeView),
      }),
    );

    r.get(
      '/api/trades/:id',
      { config: { access: { permission: 'trades:read' } }, schema: { params: clientParams } },
      async (req) => {
        const trade = await deps.trades.get(req.params.id);
        if (!trade) throw new AppError('NOT_FOUND', 'There is no such trade.');
        return { ...tradeView(trade), quotes: (await deps.trades.quotesOf(trade.rfq_id)).map(quoteView) };
      },
    );

    const reason = z.string().min(1).max(2000);
    r.post(
      '/api/trades/:id/cancel',
      {
        config: { access: { permission: 'trades:change' } },
        schema: { params: clientParams, body: z.object({ reason }).strict() },
      },
      async (req, reply) => {
        const actor = req.actor;
        if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
        const { request } = await deps.trades.fileCancel(
          req.params.id,
          { type: 'operator', id: actor.operatorId },
          auditContext(req),
          req.body.reason,
        );
        return reply.status(201).send(requestView(request));
      },
    );

    r.post(
      '/api/trades/:id/amend',
      {
        config: { access: { permission: 'trades:change' } },
        schema: {
          params: clientParams,
          body: z
            .object({
              amount: z.string().max(40).optional(),
              address: z.string().min(1).max(100).optional(),
              reason,
            })
            .strict(),
        },
      },
      async (req, reply) => {
        const actor = req.actor;
        if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
        let amountUnits: bigint | undefined;
        if (req.body.amount !== undefined) {
          const parsed = parseUsdt(req.body.amount);
          if (!parsed.ok)
            throw new AppError('VALIDATION_FAILED', `The amount is refused: ${parsed.reason}.`, [
              { path: 'amount', message: parsed.reason },
            ]);
          amountUnits = parsed.units;
        }
        const { request } = await deps.trades.fileAmend(
          req.params.id,
          { amountUnits, address: req.body.address },
          { type: 'operator', id: actor.operatorId },
          auditContext(req),
          req.body.reason,
        );
        return reply.status(201).send(requestView(request));
      },
    );

    r.get(
      '/api/clients',
      {
        config: { access: { permission: 'clients:read' } },
        schema: {
          querystring: z
            .object({
              status: z.enum(['pending', 'active', 'suspended']).optional(),
              limit: z.coerce.number().int().min(1).max(500).default(100),
            })
            .strict(),
        },
      },
      async (req) => ({
        items: (await deps.clients.list({ status: req.query.status, limit: req.query.limit })).map(
          clientView,
        ),
      }),
    );

    r.get(
      '/api/clients/:id',
      { config: { access: { permission: 'clients:read' } }, schema: { params: clientParams } },
      async (req) => {
        const client = await deps.clients.get(req.params.id);
        if (!client) throw new AppError('NOT_FOUND', 'There is no such client.');
        const [{ limits, own, bookedLast24h }, addresses, trades] = await Promise.all([
          deps.limits.effective(client.id),
          deps.addresses.list(client.id),
          deps.trades.list({ clientId: client.id, limit: 50 }),
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
          trades: trades.map(tradeView),
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
      { config: { access: { permission: 'clients:keys' } }, schema: { params: clientParams } },
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
        },
      },
      async (req, reply) => {
        const actor = req.actor;
        if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
        await deps.keys.revoke(req.params.id, req.params.keyId, actor.operatorId, auditContext(req));
        return reply.status(204).send();
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
