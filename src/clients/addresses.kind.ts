import { z } from 'zod';
import type { KindDefinition } from '../approvals/approvals.registry.js';
import type { ClientsService } from './clients.service.js';
import { AppError } from '../shared/errors.js';
import { checkAddress, NETWORKS } from '../shared/networks.js';
import type { AddressesService } from './addresses.service.js';

const schema = z
  .object({
    clientId: z.string().uuid(),
    network: z.enum(NETWORKS),
    address: z.string().min(1).max(100),
    action: z.enum(['whitelist', 'remove']),
  })
  .strict();
type ClientAddress = z.infer<typeof schema>;

/**
 * `client.address`: whitelist or remove a client's payout address. Only a whitelisted address can
 * receive a trade's payout, so adding one needs two people (policy in migration 0003).
 */
export function clientAddressKind(deps: {
  clients: ClientsService;
  addresses: AddressesService;
}): KindDefinition<ClientAddress> {
  const refuse = (message: string, path = 'payload.address') =>
    new AppError('VALIDATION_FAILED', message, [{ path, message }]);
  return {
    kind: 'client.address',
    schema,
    async describe(tx, p) {
      const client = await deps.clients.get(p.clientId, tx);
      if (!client) throw refuse('There is no such client.', 'payload.clientId');
      const latest = await tx
        .selectFrom('client_addresses')
        .selectAll()
        .where('client_id', '=', p.clientId)
        .where('network', '=', p.network)
        .where('address', '=', p.address)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      const row = latest && !(p.action === 'whitelist' && latest.status === 'removed') ? latest : undefined;
      return {
        entity: { type: 'client_address', id: row?.id ?? `${p.clientId}/${p.network}/${p.address}` },
        version: row?.version ?? null,
        diff: [
          {
            field: `addresses.${p.network}`,
            before: p.action === 'whitelist' ? null : p.address,
            after: p.action === 'whitelist' ? p.address : null,
          },
        ],
        summary: `${p.action === 'whitelist' ? 'Whitelist' : 'Remove'} ${p.network === 'tron' ? 'TRON' : 'Ethereum'} payout address ${p.address} for ${client.name} (${client.company})`,
      };
    },
    async validate(tx, p) {
      const check = checkAddress(p.network, p.address);
      if (!check.ok) throw refuse(`The address is refused: ${check.reason}.`);
      if (check.address !== p.address)
        throw refuse(`Give the address in its canonical form: ${check.address}.`);
      const row = await deps.addresses.live(tx, p.clientId, p.network, p.address);
      if (p.action === 'whitelist' && row?.status === 'whitelisted')
        throw refuse('The address is already whitelisted.');
      if (p.action === 'remove' && row?.status !== 'whitelisted')
        throw refuse('The address is not whitelisted, so there is nothing to remove.');
    },
    async apply(tx, p, ctx) {
      await deps.addresses.apply(tx, p, ctx.audit, ctx.requestId);
    },
  };
}
