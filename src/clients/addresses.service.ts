import { sql } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { ApprovalsService } from '../approvals/approvals.service.js';
import type { Requester } from '../approvals/approvals.ports.js';
import type { ClientsService } from './clients.service.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Executor, type Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import { checkAddress, type Network } from '../shared/networks.js';

export type AddressAction = 'whitelist' | 'remove';

/**
 * Payout addresses. Registering one stores it `pending` and files a `client.address` request in the
 * same transaction; it becomes `whitelisted` (usable for trades) only when that request is co-signed.
 */
export function createAddressesService(deps: {
  db: Db;
  audit: AuditService;
  clock: Clock;
  clients: ClientsService;
  approvals: Pick<ApprovalsService, 'file'>;
}) {
  const { db, audit, clock } = deps;

  const live = (ex: Executor, clientId: string, network: Network, address: string) =>
    ex
      .selectFrom('client_addresses')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('network', '=', network)
      .where('address', '=', address)
      .where('status', '<>', 'removed')
      .executeTakeFirst();

  function canonical(network: Network, input: string): string {
    const check = checkAddress(network, input);
    if (!check.ok)
      throw new AppError(
        'VALIDATION_FAILED',
        `This ${network === 'tron' ? 'TRON' : 'Ethereum'} address is refused: ${check.reason}.`,
        [{ path: 'address', message: check.reason }],
      );
    return check.address;
  }

  return {
    canonical,
    live,
    byId: (ex: Executor, id: string) =>
      ex.selectFrom('client_addresses').selectAll().where('id', '=', id).executeTakeFirst(),
    list: (clientId: string, ex: Executor = db) =>
      ex
        .selectFrom('client_addresses')
        .selectAll()
        .where('client_id', '=', clientId)
        .where('status', '<>', 'removed')
        .orderBy('created_at')
        .execute(),
    whitelisted: (ex: Executor, clientId: string, network: Network) =>
      ex
        .selectFrom('client_addresses')
        .selectAll()
        .where('client_id', '=', clientId)
        .where('network', '=', network)
        .where('status', '=', 'whitelisted')
        .orderBy('whitelisted_at', 'desc')
        .executeTakeFirst(),

    /** Validates, stores the address `pending` (or reuses the live row) and files the request. */
    async request(
      input: { clientId: string; network: Network; address: string; action: AddressAction; note?: string },
      requester: Requester,
      ctx: AuditContext,
    ) {
      const address = canonical(input.network, input.address);
      return withTransaction(db, async (tx) => {
        const client = await deps.clients.get(input.clientId, tx);
        if (!client) throw new AppError('NOT_FOUND', 'There is no such client.');
        let row = await live(tx, client.id, input.network, address);
        if (input.action === 'whitelist' && !row) {
          row = await tx
            .insertInto('client_addresses')
            .values({
              client_id: client.id,
              network: input.network,
              address,
              whitelisted_at: null,
              removed_at: null,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          await audit.record(tx, {
            ...ctx,
            action: 'client.address_registered',
            entityType: 'client',
            entityId: client.id,
            data: { network: input.network, address, addressId: row.id },
          });
        }
        const { request } = await deps.approvals.file(
          {
            kind: 'client.address',
            payload: { clientId: client.id, network: input.network, address, action: input.action },
            note: input.note,
          },
          requester,
          ctx,
          tx,
        );
        return { address: row, request };
      });
    },

    /** Called by `client.address` inside the co-signing transaction; moves the row's version by one. */
    async apply(
      tx: Tx,
      p: { clientId: string; network: Network; address: string; action: AddressAction },
      ctx: AuditContext,
      requestId: string,
    ) {
      let row = await tx
        .selectFrom('client_addresses')
        .selectAll()
        .where('client_id', '=', p.clientId)
        .where('network', '=', p.network)
        .where('address', '=', p.address)
        .where('status', '<>', 'removed')
        .forUpdate()
        .executeTakeFirst();
      if (p.action === 'whitelist') {
        if (row?.status === 'whitelisted')
          throw new AppError('STALE_REQUEST', 'The address is already whitelisted.');
        row ??= await tx
          .insertInto('client_addresses')
          .values({
            client_id: p.clientId,
            network: p.network,
            address: p.address,
            whitelisted_at: null,
            removed_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await tx
          .updateTable('client_addresses')
          .set({ status: 'whitelisted', whitelisted_at: clock.now(), version: sql`version + 1` })
          .where('id', '=', row.id)
          .execute();
      } else {
        if (row?.status !== 'whitelisted')
          throw new AppError('STALE_REQUEST', 'The address is not whitelisted.');
        await tx
          .updateTable('client_addresses')
          .set({ status: 'removed', removed_at: clock.now(), version: sql`version + 1` })
          .where('id', '=', row.id)
          .execute();
      }
      await audit.record(tx, {
        ...ctx,
        action: p.action === 'whitelist' ? 'client.address_whitelisted' : 'client.address_removed',
        entityType: 'client',
        entityId: p.clientId,
        data: { network: p.network, address: p.address, addressId: row.id, requestId },
      });
    },
  };
}

export type AddressesService = ReturnType<typeof createAddressesService>;
