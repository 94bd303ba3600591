import { sql } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { Clock } from '../shared/clock.js';
import type { Db, Executor, Tx } from '../shared/db.js';
import { effectiveLimits, type Limits } from './limits.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Per-client limits. Accepts lock the client's `client_limits` row (created on first use) so that
 * two accepts by one client serialize and the rolling 24 h sum they each check is the one they add to.
 */
export function createLimitsService(deps: {
  db: Db;
  audit: AuditService;
  clock: Clock;
  defaults: Limits;
  /** What the client booked since a time (trades not cancelled): the trading domain knows its trades. */
  bookedSince: (ex: Executor, clientId: string, since: Date) => Promise<bigint>;
}) {
  const { db, audit, clock, defaults, bookedSince } = deps;
  const row = (ex: Executor, clientId: string) =>
    ex.selectFrom('client_limits').selectAll().where('client_id', '=', clientId).executeTakeFirst();

  return {
    defaults,
    row,
    async effective(clientId: string, ex: Executor = db) {
      const r = await row(ex, clientId);
      return {
        limits: effectiveLimits(r, defaults),
        own: r ?? null,
        bookedLast24h: await bookedSince(ex, clientId, new Date(clock.now().getTime() - DAY_MS)),
      };
    },

    /** Locks the client's limits row (inside an accept's transaction) and returns its limits and the rolling 24 h usage. */
    async lockForTrade(tx: Tx, clientId: string, now: Date) {
      await tx
        .insertInto('client_limits')
        .values({ client_id: clientId, max_per_trade_units: null, max_per_day_units: null })
        .onConflict((oc) => oc.column('client_id').doNothing())
        .execute();
      const locked = await tx
        .selectFrom('client_limits')
        .selectAll()
        .where('client_id', '=', clientId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      return {
        limits: effectiveLimits(locked, defaults),
        bookedLast24h: await bookedSince(tx, clientId, new Date(now.getTime() - DAY_MS)),
      };
    },

    /** Called by `client.limits` inside the co-signing transaction; moves the row's version by one. */
    async set(
      tx: Tx,
      clientId: string,
      perTrade: bigint | null,
      perDay: bigint | null,
      ctx: AuditContext,
      requestId: string,
    ) {
      const before = await row(tx, clientId);
      const values = {
        max_per_trade_units: perTrade === null ? null : perTrade.toString(),
        max_per_day_units: perDay === null ? null : perDay.toString(),
        updated_at: clock.now(),
      };
      if (before)
        await tx
          .updateTable('client_limits')
          .set({ ...values, version: sql`version + 1` })
          .where('client_id', '=', clientId)
          .execute();
      else
        await tx
          .insertInto('client_limits')
          .values({ client_id: clientId, ...values })
          .execute();
      await audit.record(tx, {
        ...ctx,
        action: 'client.limits_changed',
        entityType: 'client',
        entityId: clientId,
        data: {
          requestId,
          before: {
            maxPerTradeUnits: before?.max_per_trade_units ?? null,
            maxPerDayUnits: before?.max_per_day_units ?? null,
          },
          after: { maxPerTradeUnits: values.max_per_trade_units, maxPerDayUnits: values.max_per_day_units },
        },
      });
    },
  };
}

export type LimitsService = ReturnType<typeof createLimitsService>;
