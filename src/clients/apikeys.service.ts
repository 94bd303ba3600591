import { createHash, randomBytes } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { ClientsService } from './clients.service.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db } from '../shared/db.js';
import { AppError } from '../shared/errors.js';

const hash = (key: string) => createHash('sha256').update(key).digest('hex');
const KEY = /^usdk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Client API keys: 256 random bits shown once at issue; only their SHA-256 is stored (a key this
 * long cannot be guessed from its hash, so a slow hash would only slow every request).
 */
export function createApiKeysService(deps: {
  db: Db;
  audit: AuditService;
  clock: Clock;
  clients: ClientsService;
}) {
  const { db, audit, clock } = deps;
  const lastUsed = lastUsedWriter(db, clock);
  return {
    async issue(
      clientId: string,
      label: string | null,
      operatorId: string,
      ctx: AuditContext,
    ): Promise<{ id: string; key: string; prefix: string }> {
      const client = await deps.clients.get(clientId);
      if (!client) throw new AppError('NOT_FOUND', 'There is no such client.');
      if (client.status !== 'active')
        throw new AppError(
          'CLIENT_NOT_ACTIVE',
          `The client's account is ${client.status}: it cannot get an API key.`,
        );
      const prefix = randomBytes(4).toString('hex');
      const key = `usdk_${prefix}_${randomBytes(32).toString('base64url')}`;
      return withTransaction(db, async (tx) => {
        const row = await tx
          .insertInto('client_api_keys')
          .values({
            client_id: client.id,
            prefix,
            key_hash: hash(key),
            label,
            created_by: operatorId,
            revoked_at: null,
            revoked_by: null,
            last_used_at: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await audit.record(tx, {
          ...ctx,
          action: 'client.api_key_issued',
          entityType: 'client',
          entityId: client.id,
          data: { keyId: row.id, prefix, label },
        });
        return { id: row.id, key, prefix };
      });
    },

    async revoke(clientId: string, keyId: string, operatorId: string, ctx: AuditContext): Promise<void> {
      await withTransaction(db, async (tx) => {
        const row = await tx
          .selectFrom('client_api_keys')
          .selectAll()
          .where('id', '=', keyId)
          .where('client_id', '=', clientId)
          .forUpdate()
          .executeTakeFirst();
        if (!row) throw new AppError('NOT_FOUND', 'There is no such API key.');
        if (row.revoked_at) throw new AppError('CONFLICT', 'The key is already revoked.');
        await tx
          .updateTable('client_api_keys')
          .set({ revoked_at: clock.now(), revoked_by: operatorId })
          .where('id', '=', row.id)
          .execute();
        await audit.record(tx, {
          ...ctx,
          action: 'client.api_key_revoked',
          entityType: 'client',
          entityId: clientId,
          data: { keyId: row.id, prefix: row.prefix },
        });
      });
    },

    list: (clientId: string) =>
      db
        .selectFrom('client_api_keys')
        .select(['id', 'prefix', 'label', 'created_by', 'created_at', 'revoked_at', 'last_used_at'])
        .where('client_id', '=', clientId)
        .orderBy('created_at', 'desc')
        .execute(),

    /**
     * The key's client if the key is live; null otherwise (unknown, malformed or revoked alike). One
     * read per call; `last_used_at` is written at most once a minute per key (see lastUsed below).
     */
    async authenticate(
      raw: string | undefined,
    ): Promise<{ keyId: string; clientId: string; prefix: string } | null> {
      if (!raw || !KEY.test(raw)) return null;
      const readAt = performance.now();
      const row = await db
        .selectFrom('client_api_keys')
        .select(['id', 'client_id', 'prefix', 'revoked_at', 'last_used_at'])
        .where('key_hash', '=', hash(raw))
        .executeTakeFirst();
      if (!row || row.revoked_at) return null;
      await lastUsed.touch(row.id, row.last_used_at, readAt);
      return { keyId: row.id, clientId: row.client_id, prefix: row.prefix };
    },
  };
}

/**
 * "Last used" to the minute, without a write per call. The row each call reads says when the key was
 * last written; it is written again only once that is a minute old, by a conditional UPDATE (so
 * several API processes write it once between them). Within this process, calls whose read began
 * before this process's own write had finished do not write either: what they read may predate that
 * write. So a burst of calls with one key sends one UPDATE, and a key in steady use one a minute.
 */
export function lastUsedWriter(db: Db, clock: Clock) {
  /** Per key: this process's latest write, and when (performance.now()) it finished. */
  const writes = new Map<string, { done: number }>();
  return {
    async touch(keyId: string, stored: Date | null, readAt: number): Promise<void> {
      const mine = writes.get(keyId);
      if (mine && readAt < mine.done) return; // covered by a write in flight or just finished
      const now = clock.now();
      const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
      if (stored && stored > staleBefore) return;
      if (writes.size >= 10_000) writes.clear(); // only ever saves statements: safe to forget
      const entry = { done: Number.POSITIVE_INFINITY };
      writes.set(keyId, entry);
      try {
        await db
          .updateTable('client_api_keys')
          .set({ last_used_at: now })
          .where('id', '=', keyId)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', staleBefore)]))
          .execute();
        entry.done = performance.now();
      } catch (err) {
        writes.delete(keyId);
        throw err;
      }
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
