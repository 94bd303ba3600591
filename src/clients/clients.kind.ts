import { z } from 'zod';
import type { KindDefinition } from '../approvals/approvals.registry.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import { AppError } from '../shared/errors.js';
import { ACCESS_TRANSITIONS, accessRefusal } from './clients.rules.js';
import type { ClientsService } from './clients.service.js';

const schema = z
  .object({ clientId: z.string().uuid(), action: z.enum(['grant', 'suspend', 'reinstate']) })
  .strict();
type ClientAccess = z.infer<typeof schema>;

const VERB = { grant: 'Grant access to', suspend: 'Suspend', reinstate: 'Reinstate' } as const;

/**
 * `client.access`: grant, suspend or reinstate a client. Applying it tells the client, in plain
 * words, through the notifications outbox (same transaction as the change).
 */
export function clientAccessKind(deps: {
  clients: ClientsService;
  notifications: NotificationsService;
}): KindDefinition<ClientAccess> {
  return {
    kind: 'client.access',
    schema,
    async describe(tx, p) {
      const client = await deps.clients.get(p.clientId, tx);
      if (!client)
        throw new AppError('VALIDATION_FAILED', 'There is no such client.', [
          { path: 'payload.clientId', message: 'is not a client' },
        ]);
      return {
        entity: { type: 'client', id: client.id },
        version: client.version,
        diff: [
          { field: 'status', before: client.status, after: ACCESS_TRANSITIONS[p.action].to },
          ...(p.action === 'grant'
            ? [
                {
                  field: 'profile',
                  before: null,
                  after: {
                    name: client.name,
                    company: client.company,
                    country: client.country,
                    monthlyVolume: client.monthly_volume,
                  },
                },
              ]
            : []),
        ],
        summary: `${VERB[p.action]} ${client.name} (${client.company}, ${client.country}${p.action === 'grant' ? `; ${client.monthly_volume} a month` : ''})`,
      };
    },
    async validate(tx, p) {
      const client = await deps.clients.get(p.clientId, tx);
      const refusal = client ? accessRefusal(p.action, client.status) : 'there is no such client';
      if (refusal)
        throw new AppError('VALIDATION_FAILED', `Cannot ${p.action}: ${refusal}.`, [
          { path: 'payload.action', message: refusal },
        ]);
    },
    async apply(tx, p, ctx) {
      const { after } = await deps.clients.setStatus(tx, p.clientId, p.action, ctx.audit, ctx.requestId);
      await deps.notifications.enqueue(tx, [
        {
          recipientType: 'client',
          recipientId: p.clientId,
          template: 'client.status_changed',
          data: { requestId: ctx.requestId, action: p.action, status: after },
        },
      ]);
    },
  };
}
