import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApprovalQueries } from '../approvals/approvals.queries.js';
import { AppError } from '../shared/errors.js';
import { NETWORKS } from '../shared/networks.js';
import { auditContext } from '../shared/request-context.js';
import type { AddressesService } from './addresses.service.js';
import { cleanProfileField, VOLUME_BRACKETS } from './clients.rules.js';
import type { ClientRow, ClientsService } from './clients.service.js';

const STATUSES = ['pending', 'active', 'suspended'] as const;
const ACTIVITY_DAYS = 30;
const DAY_MS = 24 * 3600 * 1000;

export const clientSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  company: z.string(),
  country: z.string(),
  monthlyVolume: z.string(),
  telegramUsername: z.string().nullable(),
  /** false: an API-only client an operator registered (no Telegram account). */
  telegram: z.boolean(),
  status: z.enum(STATUSES),
  createdAt: z.string(),
});

export const clientListView = (c: ClientRow): z.infer<typeof clientSchema> => ({
  id: c.id,
  name: c.name,
  company: c.company,
  country: c.country,
  monthlyVolume: c.monthly_volume,
  telegramUsername: c.telegram_username,
  telegram: c.telegram_user_id !== null,
  status: c.status,
  createdAt: c.created_at.toISOString(),
});

const historyItem = z.object({
  id: z.string().uuid(),
  kind: z.string(),
  status: z.string(),
  summary: z.string(),
  entity: z.object({ type: z.string(), id: z.string() }),
  requestedBy: z.object({ type: z.string(), id: z.string().nullable(), name: z.string().nullable() }),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});

const registerBody = z
  .object({
    name: z.string().max(200),
    company: z.string().max(200),
    country: z.string().max(200),
    monthlyVolume: z.enum(VOLUME_BRACKETS),
    note: z.string().max(2000).optional(),
  })
  .strict();

/** The registration's profile, cleaned as the bot cleans an application; every bad field named at once. */
function profileOf(body: z.infer<typeof registerBody>) {
  const fields = [
    ['name', 'a name of 2 to 100 characters'],
    ['company', 'a company of 1 to 120 characters'],
    ['country', 'a country of 2 to 60 characters'],
  ] as const;
  const errors: { path: string; message: string }[] = [];
  const clean: Record<string, string> = {};
  for (const [field, want] of fields) {
    const v = cleanProfileField(field, body[field]);
    if (v === null) errors.push({ path: field, message: `needs ${want}` });
    else clean[field] = v;
  }
  if (errors.length)
    throw new AppError('VALIDATION_FAILED', 'The client could not be registered: see each field.', errors);
  return {
    name: clean.name ?? '',
    company: clean.company ?? '',
    country: clean.country ?? '',
    monthlyVolume: body.monthlyVolume,
  };
}

/**
 * The console's clients screens: the list (search, status, network, activity), registering an
 * API-only client (a `client.access` grant request), and a client's request history.
 */
export function clientsConsoleRoutes(deps: {
  clients: ClientsService;
  addresses: Pick<AddressesService, 'list'>;
  requests: Pick<ApprovalQueries, 'list' | 'peopleOf'>;
  /** Client ids with a trade booked since a time (the trading domain owns trades). */
  tradingSince: (since: Date) => Promise<string[]>;
  now: () => Date;
}): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/clients',
      {
        config: { access: { permission: 'clients:read' } },
        schema: {
          tags: ['clients'],
          querystring: z
            .object({
              q: z.string().max(100).optional(),
              status: z.enum(STATUSES).optional(),
              network: z.enum(NETWORKS).optional(),
              activity: z.enum(['traded_30d', 'idle_30d']).optional(),
              cursor: z.string().max(200).optional(),
              limit: z.coerce.number().int().min(1).max(500).default(100),
            })
            .strict(),
          response: {
            200: z.object({ items: z.array(clientSchema), nextCursor: z.string().nullable() }),
          },
        },
      },
      async (req) => {
        const { activity, ...f } = req.query;
        const traded = activity
          ? await deps.tradingSince(new Date(deps.now().getTime() - ACTIVITY_DAYS * DAY_MS))
          : undefined;
        const page = await deps.clients.search({
          ...f,
          ...(activity === 'traded_30d' ? { only: traded } : {}),
          ...(activity === 'idle_30d' ? { except: traded } : {}),
        });
        return { items: page.items.map(clientListView), nextCursor: page.nextCursor };
      },
    );

    r.post(
      '/api/clients',
      {
        config: { access: { permission: 'approvals:request' } },
        schema: {
          tags: ['clients'],
          body: registerBody,
          response: {
            201: z.object({ client: clientSchema, requestId: z.string().uuid() }),
          },
        },
      },
      async (req, reply) => {
        const actor = req.actor;
        if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
        const { client, requestId } = await deps.clients.register(
          profileOf(req.body),
          actor.operatorId,
          auditContext(req),
          req.body.note,
        );
        return reply.status(201).send({ client: clientListView(client), requestId });
      },
    );

    r.get(
      '/api/clients/:id/requests',
      {
        config: { access: { permission: 'clients:read' } },
        schema: {
          tags: ['clients'],
          params: z.object({ id: z.string().uuid() }).strict(),
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(),
          response: { 200: z.object({ items: z.array(historyItem) }) },
        },
      },
      async (req) => {
        const client = await deps.clients.get(req.params.id);
        if (!client) throw new AppError('NOT_FOUND', 'There is no such client.');
        const addresses = await deps.addresses.list(client.id);
        const page = await deps.requests.list(
          {
            entities: [
              { type: 'client', id: client.id },
              { type: 'client_limits', id: client.id },
              ...addresses.map((a) => ({ type: 'client_address', id: a.id })),
            ],
            limit: req.query.limit,
          },
          req.actor?.operatorId ?? '',
        );
        const { people, clients } = await deps.requests.peopleOf(page.items);
        return {
          items: page.items.map((i) => ({
            id: i.id,
            kind: i.kind,
            status: i.status,
            summary: i.summary,
            entity: { type: i.entity_type, id: i.entity_id },
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
