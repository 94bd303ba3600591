import { sql } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Executor, type Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import type { EventPublisher } from '../shared/events.js';
import type { FeatureFlagChangesTable } from './flags.tables.js';

export const AUTO_SETTLEMENT = 'AUTO_SETTLEMENT';

export interface FlagsDeps {
  db: Db;
  audit: AuditService;
  notifications: NotificationsService;
  events: EventPublisher;
  clock: Clock;
  registry: Registry;
  /** Every active operator id, to alert them all on an emergency stop. */
  activeOperatorIds: (db: Executor) => Promise<string[]>;
}

export interface FlagChange {
  key: string;
  enabled: boolean;
  via: FeatureFlagChangesTable['via'];
  reason: string;
  requestId?: string | null;
  ctx: AuditContext;
}

/** Feature flags: one row per flag is the truth; every change is recorded with who, why and how. */
export function createFlagsService(deps: FlagsDeps) {
  const { db } = deps;
  // Counted from the change history, so changes made behind the desk's back (via = sql) count too, on
  // every node alike. The history holds one row per flag change: small by nature, read by index.
  new Counter({
    name: 'desk_flag_changes_total',
    help: 'Flag changes by key and path (request, emergency, sql, seed)',
    labelNames: ['key', 'via'],
    registers: [deps.registry],
    async collect() {
      const rows = await db
        .selectFrom('feature_flag_changes')
        .select(['key', 'via', (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy(['key', 'via'])
        .execute();
      this.reset();
      for (const r of rows) this.inc({ key: r.key, via: r.via }, Number(r.n));
    },
  });
  new Gauge({
    name: 'desk_auto_settlement_enabled',
    help: 'AUTO_SETTLEMENT: 1 on, 0 off',
    registers: [deps.registry],
    async collect() {
      this.set((await isEnabled(db, AUTO_SETTLEMENT)) ? 1 : 0);
    },
  });

  /** Reads a flag inside the caller's transaction (so a settlement decision and the flag agree). */
  async function isEnabled(tx: Executor, key: string): Promise<boolean> {
    const row = await tx
      .selectFrom('feature_flags')
      .select('enabled')
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.enabled ?? false;
  }

  async function find(tx: Executor, key: string, lock = false) {
    const q = tx.selectFrom('feature_flags').selectAll().where('key', '=', key);
    return (lock ? q.forUpdate() : q).executeTakeFirst();
  }

  /** Applies a change (from a co-signed request or an emergency stop), audited before the row moves (see migration 0016). */
  async function apply(tx: Tx, c: FlagChange, expectedVersion?: number): Promise<string> {
    const current = await find(tx, c.key, true);
    if (!current) throw new AppError('NOT_FOUND', `There is no flag ${c.key}.`);
    if (expectedVersion !== undefined && current.version !== expectedVersion)
      throw new AppError('STALE_REQUEST', `${c.key} changed since the request was filed.`);
    // The audit event comes first: the database trigger takes an update as the desk's own only when this
    // transaction has already audited it (migration 0016); anything else is recorded as a change in SQL.
    await deps.audit.record(tx, {
      ...c.ctx,
      action: 'flag.changed',
      entityType: 'flag',
      entityId: c.key,
      data: {
        enabled: c.enabled,
        previous: current.enabled,
        via: c.via,
        reason: c.reason,
        requestId: c.requestId ?? undefined,
      },
    });
    await tx
      .updateTable('feature_flags')
      .set({
        enabled: c.enabled,
        updated_at: deps.clock.now(),
        updated_by_type: c.ctx.actorType,
        updated_by_id: c.ctx.actorId ?? null,
        reason: c.reason,
        request_id: c.requestId ?? null,
        version: sql`version + 1`,
      })
      .where('key', '=', c.key)
      .execute();
    const change = await tx
      .insertInto('feature_flag_changes')
      .values({
        key: c.key,
        enabled: c.enabled,
        previous: current.enabled,
        via: c.via,
        actor_type: c.ctx.actorType,
        actor_id: c.ctx.actorId ?? null,
        reason: c.reason,
        request_id: c.requestId ?? null,
        at: deps.clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await deps.events.publish(tx, { type: 'flag.changed', id: c.key, enabled: c.enabled });
    return change.id;
  }

  /**
   * Turning AUTO_SETTLEMENT off is the safe direction: one risk officer or admin may do it at once.
   * Every operator is alerted and a post-hoc review opens for a second risk officer to acknowledge.
   */
  async function emergencyDisable(reason: string, ctx: AuditContext) {
    return withTransaction(db, async (tx) => {
      const flag = await find(tx, AUTO_SETTLEMENT, true);
      const changeId = await apply(tx, {
        key: AUTO_SETTLEMENT,
        enabled: false,
        via: 'emergency',
        reason,
        ctx,
      });
      const review = await tx
        .insertInto('flag_reviews')
        .values({
          flag_key: AUTO_SETTLEMENT,
          change_id: changeId,
          opened_by: ctx.actorId ?? 'unknown',
          reason,
          acknowledged_by: null,
          acknowledged_at: null,
          comment: null,
          created_at: deps.clock.now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await deps.audit.record(tx, {
        ...ctx,
        action: 'flag.review_opened',
        entityType: 'flag_review',
        entityId: review.id,
        data: { flag: AUTO_SETTLEMENT, reason },
      });
      const data = {
        flag: AUTO_SETTLEMENT,
        reason,
        by: ctx.actorId,
        wasEnabled: flag?.enabled ?? false,
        reviewId: review.id,
      };
      const everyone = await deps.activeOperatorIds(tx);
      await deps.notifications.enqueue(tx, [
        { recipientType: 'ops_chat', recipientId: null, template: 'flag.emergency_disabled', data },
        ...everyone.map((id) => ({
          recipientType: 'operator' as const,
          recipientId: id,
          template: 'flag.emergency_disabled',
          data,
        })),
      ]);
      return { review, wasEnabled: flag?.enabled ?? false };
    });
  }

  async function acknowledgeReview(id: string, comment: string, ctx: AuditContext) {
    return withTransaction(db, async (tx) => {
      const review = /^[0-9a-f-]{36}$/i.test(id)
        ? await tx.selectFrom('flag_reviews').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
        : undefined;
      if (!review) throw new AppError('NOT_FOUND', `Review ${id} was not found.`);
      if (review.status !== 'open')
        throw new AppError('ALREADY_DECIDED', 'This review was already acknowledged.');
      if (review.opened_by === ctx.actorId)
        throw new AppError(
          'SELF_APPROVAL',
          'You made the emergency change; another risk officer must review it.',
        );
      const updated = await tx
        .updateTable('flag_reviews')
        .set({
          status: 'acknowledged',
          acknowledged_by: ctx.actorId ?? null,
          acknowledged_at: deps.clock.now(),
          comment,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await deps.audit.record(tx, {
        ...ctx,
        action: 'flag.review_acknowledged',
        entityType: 'flag_review',
        entityId: id,
        data: { comment },
      });
      return updated;
    });
  }

  async function list() {
    return db.selectFrom('feature_flags').selectAll().orderBy('key').execute();
  }

  async function detail(key: string) {
    const flag = await find(db, key);
    if (!flag) throw new AppError('NOT_FOUND', `There is no flag ${key}.`);
    const history = await db
      .selectFrom('feature_flag_changes')
      .selectAll()
      .where('key', '=', key)
      .orderBy('id', 'desc')
      .limit(100)
      .execute();
    const reviews = await db
      .selectFrom('flag_reviews')
      .selectAll()
      .where('flag_key', '=', key)
      .orderBy('created_at', 'desc')
      .limit(20)
      .execute();
    return { flag, history, reviews };
  }

  return { isEnabled, find, apply, emergencyDisable, acknowledgeReview, list, detail };
}

export type FlagsService = ReturnType<typeof createFlagsService>;
