import { sql, type Selectable } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { ApprovalQueries } from '../approvals/approvals.queries.js';
import type { ApprovalsService } from '../approvals/approvals.service.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Executor, type Tx } from '../shared/db.js';
import { AppError, isUniqueViolation } from '../shared/errors.js';
import { accessRefusal, type AccessAction, type ClientProfile } from './clients.rules.js';
import type { ClientsTable, ClientStatus } from './clients.tables.js';
import { searchClients, type ClientFilter } from './clients.search.js';

export type ClientRow = Selectable<ClientsTable>;

export interface ClientsDeps {
  db: Db;
  audit: AuditService;
  clock: Clock;
  approvals: Pick<ApprovalsService, 'file'>;
  /** The engine's read side: a client's own access requests. */
  requests: Pick<ApprovalQueries, 'list'>;
}

export interface Application {
  telegramUserId: string;
  telegramUsername: string | null;
  profile: ClientProfile;
}

export type ClientsService = ReturnType<typeof createClientsService>;

/**
 * Clients are Telegram users who applied through the bot. A client's status changes only through a
 * `client.access` request decided under dual control (`setStatus` is called by the kind's `apply`).
 */
export function createClientsService(deps: ClientsDeps) {
  const { db, audit, clock } = deps;

  const byId = (ex: Executor, id: string, forUpdate = false) => {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return Promise.resolve(undefined);
    const q = ex.selectFrom('clients').selectAll().where('id', '=', id);
    return (forUpdate ? q.forUpdate() : q).executeTakeFirst();
  };

  async function latestApplication(clientId: string) {
    const { items } = await deps.requests.list(
      { kind: 'client.access', requestedBy: clientId, limit: 1 },
      clientId,
    );
    return items[0];
  }

  async function fileAccess(
    tx: Tx,
    client: ClientRow,
    action: AccessAction,
    ctx: AuditContext,
    note: string,
  ) {
    const { request } = await deps.approvals.file(
      { kind: 'client.access', payload: { clientId: client.id, action }, note },
      { type: 'client', id: client.id },
      ctx,
      tx,
    );
    return request;
  }

  return {
    get: (id: string, ex: Executor = db) => byId(ex, id),
    /** The console's list: search, status, network, activity, a page at a time. */
    search: (f: ClientFilter, ex: Executor = db) => searchClients(ex, f),
    /** Operators' list, newest first, optionally by status. */
    list: (f: { status?: ClientStatus; limit: number }, ex: Executor = db) => {
      let q = ex
        .selectFrom('clients')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(f.limit);
      if (f.status) q = q.where('status', '=', f.status);
      return q.execute();
    },
    findByTelegramId: (telegramUserId: string | number, ex: Executor = db) =>
      ex
        .selectFrom('clients')
        .selectAll()
        .where('telegram_user_id', '=', String(telegramUserId))
        .executeTakeFirst(),

    /**
     * A new client (status `pending`) and its `client.access` grant request, filed by the client, in
     * one transaction: an application exists only with its request.
     */
    async apply(input: Application): Promise<{ client: ClientRow; requestId: string }> {
      try {
        return await withTransaction(db, async (tx) => {
          const client = await tx
            .insertInto('clients')
            .values({
              telegram_user_id: input.telegramUserId,
              telegram_username: input.telegramUsername,
              name: input.profile.name,
              company: input.profile.company,
              country: input.profile.country,
              monthly_volume: input.profile.monthlyVolume,
            })
            .returningAll()
            .executeTakeFirstOrThrow();
          const ctx: AuditContext = { actorType: 'client', actorId: client.id };
          await audit.record(tx, {
            ...ctx,
            action: 'client.applied',
            entityType: 'client',
            entityId: client.id,
            data: { telegramUserId: input.telegramUserId, ...input.profile },
          });
          const request = await fileAccess(tx, client, 'grant', ctx, 'Application through the Telegram bot');
          return { client, requestId: request.id };
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw new AppError(
            'ALREADY_EXISTS',
            'You have already applied. Send /status to see where your application stands.',
          );
        throw err;
      }
    },

    /**
     * An operator registers a client who does not use Telegram (an API-only institution): a `pending`
     * client and its `client.access` grant request, filed by that operator, in one transaction. Once
     * the grant is co-signed the client can be given an API key.
     */
    async register(
      profile: ClientProfile,
      operatorId: string,
      ctx: AuditContext,
      note?: string,
    ): Promise<{ client: ClientRow; requestId: string }> {
      return withTransaction(db, async (tx) => {
        const client = await tx
          .insertInto('clients')
          .values({
            telegram_user_id: null,
            telegram_username: null,
            name: profile.name,
            company: profile.company,
            country: profile.country,
            monthly_volume: profile.monthlyVolume,
            registered_by: operatorId,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await audit.record(tx, {
          ...ctx,
          action: 'client.registered',
          entityType: 'client',
          entityId: client.id,
          data: { ...profile, channel: 'api' },
        });
        const { request } = await deps.approvals.file(
          {
            kind: 'client.access',
            payload: { clientId: client.id, action: 'grant' },
            note: note || 'Registered in the console for API-only use (no Telegram)',
          },
          { type: 'operator', id: operatorId },
          ctx,
          tx,
        );
        return { client, requestId: request.id };
      });
    },

    /** A pending client whose earlier application was declined or expired applies again. */
    async reapply(clientId: string): Promise<{ requestId: string }> {
      return withTransaction(db, async (tx) => {
        const client = await byId(tx, clientId, true);
        if (!client)
          throw new AppError('NOT_FOUND', 'You are not a client of the desk yet: send /start to apply.');
        if (client.status !== 'pending')
          throw new AppError('CONFLICT', `Your account is ${client.status}; there is nothing to apply for.`);
        const latest = await latestApplication(client.id);
        const open = latest && (latest.status === 'pending' || latest.status === 'awaiting_secondary');
        if (open) throw new AppError('CONFLICT', 'Your application is already being reviewed.');
        const request = await fileAccess(
          tx,
          client,
          'grant',
          { actorType: 'client', actorId: client.id },
          'Application filed again through the Telegram bot',
        );
        return { requestId: request.id };
      });
    },

    /** The latest access request the client filed, if any (for /status). */
    latestApplication,

    /** Called by `client.access` inside the co-signing transaction; moves `version` by one. */
    async setStatus(
      tx: Tx,
      clientId: string,
      action: AccessAction,
      ctx: AuditContext & { requestId?: string | null },
      requestId: string,
    ): Promise<{ before: ClientStatus; after: ClientStatus }> {
      const client = await byId(tx, clientId, true);
      if (!client) throw new AppError('STALE_REQUEST', 'The client no longer exists.');
      const refusal = accessRefusal(action, client.status);
      if (refusal) throw new AppError('STALE_REQUEST', refusal);
      const after: ClientStatus = action === 'suspend' ? 'suspended' : 'active';
      await tx
        .updateTable('clients')
        .set({ status: after, version: sql`version + 1`, updated_at: clock.now() })
        .where('id', '=', client.id)
        .execute();
      await audit.record(tx, {
        ...ctx,
        action: 'client.status_changed',
        entityType: 'client',
        entityId: client.id,
        data: { action, before: client.status, after, requestId },
      });
      return { before: client.status, after };
    },
  };
}
