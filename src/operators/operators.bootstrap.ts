import type { AuditService } from '../audit/audit.service.js';
import { isValidReason, MIN_REASON_LENGTH } from '../approvals/approvals.rules.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { AuditContext } from '../shared/request-context.js';
import type { Clock } from '../shared/clock.js';
import { withTransaction, type Db, type Executor, type Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import type { Role } from '../shared/roles.js';
import { lockBootstrap } from './operators.invitations.js';
import { listOperators } from './operators.repo.js';

/**
 * The bootstrap: while a new desk has decided nothing yet, its founding team gets roles directly (from
 * the setup admin in the console, or `desk operators add --role` on the host). It ends for good when the
 * first change request is decided, or when someone ends it explicitly. After that, roles come only from
 * co-signed `operator.role` requests, or from a break-glass grant on the host, which is audited, told to
 * every platform_admin, and opens a post-hoc review another platform_admin must acknowledge (the
 * emergency stop's rule: one person may act at once, a second must look afterwards).
 */
export interface BootstrapStatus {
  active: boolean;
  endedAt: Date | null;
  /** `explicit`: someone ended it; `first_decision`: the first change request was decided. */
  endedBy: 'explicit' | 'first_decision' | null;
  reason: string | null;
}

export interface BootstrapDeps {
  db: Db;
  audit: AuditService;
  clock: Clock;
  notifications: Pick<NotificationsService, 'enqueue'>;
  /** When the desk's first change request was decided (the approvals engine's answer), if one was. */
  firstDecisionAt: (ex: Executor) => Promise<Date | null>;
}

export type RoleGrantMode = { mode: 'bootstrap' } | { mode: 'break-glass'; reason: string };

const REASON_DETAIL = `A break-glass grant needs a reason of at least ${MIN_REASON_LENGTH} characters: it is shown to every platform_admin and in the review.`;

export function createBootstrap(deps: BootstrapDeps) {
  const { db, audit, clock } = deps;

  async function status(ex: Executor = db): Promise<BootstrapStatus> {
    const ended = await ex.selectFrom('desk_bootstrap').selectAll().executeTakeFirst();
    if (ended) return { active: false, endedAt: ended.ended_at, endedBy: 'explicit', reason: ended.reason };
    const decided = await deps.firstDecisionAt(ex);
    if (decided) return { active: false, endedAt: decided, endedBy: 'first_decision', reason: null };
    return { active: true, endedAt: null, endedBy: null, reason: null };
  }

  /**
   * How roles may be given at creation right now, inside the creating transaction (bootstrap lock held):
   * bootstrap while it lasts; else break-glass when asked for with a reason; else BOOTSTRAP_OVER.
   */
  async function grantMode(tx: Tx, breakGlassReason: string | undefined): Promise<RoleGrantMode> {
    await lockBootstrap(tx);
    if ((await status(tx)).active) return { mode: 'bootstrap' };
    if (breakGlassReason === undefined)
      throw new AppError(
        'BOOTSTRAP_OVER',
        'The bootstrap is over, so roles are granted only by a co-signed operator.role request: create the operator without a role, and once they have accepted their invitation and enrolled MFA, file the grant. In an emergency, on the host: desk operators add … --break-glass --reason "…".',
        [{ path: 'roles', message: 'can no longer be granted directly' }],
      );
    if (!isValidReason(breakGlassReason))
      throw new AppError('REASON_REQUIRED', REASON_DETAIL, [
        { path: 'reason', message: `must be at least ${MIN_REASON_LENGTH} characters` },
      ]);
    return { mode: 'break-glass', reason: breakGlassReason };
  }

  /** Audits the direct grant; a break-glass one also opens the review and tells every platform_admin. */
  async function recordDirectGrant(
    tx: Tx,
    grant: RoleGrantMode,
    operator: { id: string; email: string; name: string },
    roles: Role[],
    ctx: AuditContext,
  ): Promise<{ reviewId: string | null }> {
    await audit.record(tx, {
      ...ctx,
      action: grant.mode === 'bootstrap' ? 'operator.bootstrap_grant' : 'operator.break_glass_grant',
      entityType: 'operator',
      entityId: operator.id,
      data: {
        email: operator.email,
        roles,
        ...(grant.mode === 'break-glass' ? { reason: grant.reason } : {}),
      },
    });
    if (grant.mode === 'bootstrap') return { reviewId: null };
    const review = await tx
      .insertInto('operator_grant_reviews')
      .values({
        operator_id: operator.id,
        roles,
        opened_by: ctx.actorId ?? ctx.actorType,
        reason: grant.reason,
        acknowledged_by: null,
        acknowledged_at: null,
        comment: null,
        created_at: clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit.record(tx, {
      ...ctx,
      action: 'operator.grant_review_opened',
      entityType: 'operator_grant_review',
      entityId: review.id,
      data: { operatorId: operator.id, roles, reason: grant.reason },
    });
    const admins = (await listOperators(tx)).filter(
      (o) => o.status === 'active' && o.roles.includes('platform_admin') && o.id !== operator.id,
    );
    const data = {
      email: operator.email,
      name: operator.name,
      roles,
      reason: grant.reason,
      by: ctx.actorId ?? ctx.actorType,
      reviewId: review.id,
    };
    await deps.notifications.enqueue(
      tx,
      admins.map((a) => ({
        recipientType: 'operator' as const,
        recipientId: a.id,
        template: 'operator.break_glass_grant',
        data,
      })),
    );
    return { reviewId: review.id };
  }

  async function end(reason: string, ctx: AuditContext): Promise<BootstrapStatus> {
    if (!isValidReason(reason))
      throw new AppError('REASON_REQUIRED', 'Say why the bootstrap ends (at least 10 characters).', [
        { path: 'reason', message: `must be at least ${MIN_REASON_LENGTH} characters` },
      ]);
    return withTransaction(db, async (tx) => {
      await lockBootstrap(tx);
      const before = await status(tx);
      if (!before.active)
        throw new AppError('ALREADY_DECIDED', 'The bootstrap is already over: nothing to end.');
      const endedAt = clock.now();
      await tx
        .insertInto('desk_bootstrap')
        .values({ ended_at: endedAt, ended_by_type: ctx.actorType, ended_by_id: ctx.actorId ?? null, reason })
        .execute();
      await audit.record(tx, {
        ...ctx,
        action: 'bootstrap.ended',
        entityType: 'desk',
        entityId: 'bootstrap',
        data: { reason },
      });
      return { active: false, endedAt, endedBy: 'explicit' as const, reason };
    });
  }

  async function reviews(opts: { openOnly?: boolean } = {}) {
    let q = db.selectFrom('operator_grant_reviews').selectAll().orderBy('created_at', 'desc').limit(100);
    if (opts.openOnly) q = q.where('status', '=', 'open');
    return q.execute();
  }

  /** By a platform_admin who neither made the grant nor received it. */
  async function acknowledgeReview(id: string, comment: string, ctx: AuditContext) {
    if (!isValidReason(comment))
      throw new AppError('REASON_REQUIRED', 'Say what you checked (at least 10 characters).', [
        { path: 'comment', message: `must be at least ${MIN_REASON_LENGTH} characters` },
      ]);
    return withTransaction(db, async (tx) => {
      const review = /^[0-9a-f-]{36}$/i.test(id)
        ? await tx
            .selectFrom('operator_grant_reviews')
            .selectAll()
            .where('id', '=', id)
            .forUpdate()
            .executeTakeFirst()
        : undefined;
      if (!review) throw new AppError('NOT_FOUND', `Review ${id} was not found.`);
      if (review.status !== 'open')
        throw new AppError('ALREADY_DECIDED', 'This review was already acknowledged.');
      if (review.opened_by === ctx.actorId || review.operator_id === ctx.actorId)
        throw new AppError(
          'SELF_APPROVAL',
          'You made or received this break-glass grant; another platform_admin must review it.',
        );
      const updated = await tx
        .updateTable('operator_grant_reviews')
        .set({
          status: 'acknowledged',
          acknowledged_by: ctx.actorId ?? null,
          acknowledged_at: clock.now(),
          comment,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await audit.record(tx, {
        ...ctx,
        action: 'operator.grant_review_acknowledged',
        entityType: 'operator_grant_review',
        entityId: id,
        data: { comment, operatorId: review.operator_id },
      });
      return updated;
    });
  }

  return { status, grantMode, recordDirectGrant, end, reviews, acknowledgeReview };
}

export type Bootstrap = ReturnType<typeof createBootstrap>;
