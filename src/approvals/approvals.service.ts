import { sql } from 'kysely';
import type { z } from 'zod';
import type { AuditContext } from '../shared/request-context.js';
import { AppError, isUniqueViolation } from '../shared/errors.js';
import { withTransaction, type Executor, type Tx } from '../shared/db.js';
import { createDecisions } from './approvals.decisions.js';
import type { ApprovalsDeps, Requester } from './approvals.ports.js';
import {
  findByIdempotencyKey,
  findPolicy,
  lockExpired,
  lockRequest,
  type RequestRow,
} from './approvals.repo.js';
import {
  assertUnderFilingRate,
  DIGEST_INDEX,
  duplicateError,
  lockRequester,
  openTwin,
} from './approvals.floods.js';
import {
  isExpired,
  payloadDigest,
  secondaryRolesFor,
  subjectOf,
  type Notional,
  type Policy,
} from './approvals.rules.js';
import { decisionNotices, recordTransition } from './approvals.transitions.js';

export interface FileInput {
  kind: string;
  payload: unknown;
  note?: string | null;
  idempotencyKey?: string | null;
}

function validationErrors(error: z.ZodError, prefix: string) {
  return error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join('.'), message: i.message }));
}

/** A kind's notional as stored: decimal-integer strings, so the tiers compare it exactly. */
const stored = (n: { before: bigint | null; after: bigint | null }): Notional => ({
  before: n.before === null ? null : n.before.toString(),
  after: n.after === null ? null : n.after.toString(),
});

export type ApprovalsService = ReturnType<typeof createApprovalsService>;

/**
 * The dual-control engine: the only way a registered kind of change is ever applied. The console,
 * the bot and other domains call these functions; every rule is checked here, in one transaction
 * with the request row locked.
 */
export function createApprovalsService(deps: ApprovalsDeps) {
  const decisions = createDecisions(deps);

  /** Files a request (or, with the same idempotency key and payload, returns the one already filed). */
  async function file(
    input: FileInput,
    requester: Requester,
    ctx: AuditContext,
    within?: Tx,
  ): Promise<{ request: RequestRow; replayed: boolean }> {
    const def = deps.registry.get(input.kind);
    if (!def)
      throw new AppError('VALIDATION_FAILED', `Unknown kind ${input.kind}.`, [
        { path: 'kind', message: `must be one of ${deps.registry.kinds().join(', ')}` },
      ]);
    const parsed = def.schema.safeParse(input.payload);
    if (!parsed.success)
      throw new AppError(
        'VALIDATION_FAILED',
        `The payload is not a valid ${input.kind}.`,
        validationErrors(parsed.error, 'payload'),
      );
    const payload = parsed.data;
    const digest = payloadDigest(input.kind, payload);

    return withTransaction(within ?? deps.db, async (tx) => {
      // One filing at a time per requester: the replay, rate and duplicate checks below see every
      // request this requester filed before (two identical filings cannot both pass them).
      await lockRequester(tx, requester);
      if (input.idempotencyKey) {
        const existing = await findByIdempotencyKey(tx, requester, input.idempotencyKey);
        if (existing) {
          if (existing.digest !== digest)
            throw new AppError(
              'IDEMPOTENCY_CONFLICT',
              'This Idempotency-Key was already used for a different request.',
            );
          return { request: existing, replayed: true };
        }
      }
      await assertUnderFilingRate(tx, requester, deps.clock.now(), deps.filingRatePerMinute);
      // The same change still open is refused, naming it; one past its TTL the expiry job has not
      // reached yet expires now (fail closed) and no longer blocks filing it again.
      const twin = await openTwin(tx, input.kind, digest);
      if (twin && !isExpired(twin.expires_at, deps.clock.now()))
        throw await duplicateError(tx, input.kind, digest, twin.id);
      if (twin) await expire(tx, twin);
      const policy = await findPolicy(tx, input.kind);
      if (!policy)
        throw new AppError('VALIDATION_FAILED', `No policy is defined for ${input.kind}.`, [
          { path: 'kind', message: 'has no policy' },
        ]);
      const current = await def.describe(tx, payload);
      await def.validate(tx, payload, current);
      const notional = def.notional ? stored(await def.notional(tx, payload, current)) : null;
      const now = deps.clock.now();
      // Under a savepoint: two different requesters filing the same change at once both pass the
      // duplicate check; the partial unique index (migration 0052) refuses the second, and the
      // transaction (perhaps the caller's) must stay usable to name the first.
      await sql`savepoint file_request`.execute(tx);
      const request = await tx
        .insertInto('change_requests')
        .values({
          kind: input.kind,
          payload: JSON.stringify(payload),
          digest,
          diff: JSON.stringify(current.diff),
          summary: current.summary,
          entity_type: current.entity.type,
          entity_id: current.entity.id,
          entity_version: current.version,
          requested_by_type: requester.type,
          requested_by_id: requester.id,
          note: input.note ?? null,
          policy: JSON.stringify(policy),
          notional: notional && JSON.stringify(notional),
          expires_at: new Date(now.getTime() + policy.ttlSeconds * 1000),
          primary_approver_id: null,
          primary_reason: null,
          primary_at: null,
          secondary_approver_id: null,
          secondary_reason: null,
          secondary_at: null,
          rejected_by: null,
          rejection_reason: null,
          failure_reason: null,
          decided_at: null,
          idempotency_key: input.idempotencyKey ?? null,
          created_at: now,
          updated_at: now,
        })
        // A concurrent call with the same Idempotency-Key waits on the unique index, then finds the row.
        .onConflict((oc) =>
          oc
            .columns(['requested_by_type', 'requested_by_id', 'idempotency_key'])
            .where('idempotency_key', 'is not', null)
            .doNothing(),
        )
        .returningAll()
        .executeTakeFirst()
        .catch(async (err: unknown) => {
          if (!isUniqueViolation(err) || (err as { constraint?: string }).constraint !== DIGEST_INDEX)
            throw err;
          await sql`rollback to savepoint file_request`.execute(tx);
          throw await duplicateError(tx, input.kind, digest);
        });
      await sql`release savepoint file_request`.execute(tx);
      if (!request) {
        const existing = input.idempotencyKey
          ? await findByIdempotencyKey(tx, requester, input.idempotencyKey)
          : undefined;
        if (!existing || existing.digest !== digest)
          throw new AppError(
            'IDEMPOTENCY_CONFLICT',
            'This Idempotency-Key was already used for a different request.',
          );
        return { request: existing, replayed: true };
      }
      await tx
        .insertInto('change_request_events')
        .values({
          request_id: request.id,
          action: 'filed',
          actor_type: requester.type,
          actor_id: requester.id,
          reason: input.note ?? null,
          data: JSON.stringify({ digest }),
          at: now,
        })
        .execute();
      await deps.audit.record(tx, {
        ...ctx,
        action: 'approval.filed',
        entityType: 'change_request',
        entityId: request.id,
        data: { kind: input.kind, digest, summary: current.summary, entity: current.entity, notional },
      });
      await deps.notifications.enqueue(tx, await newRequestNotices(tx, request, policy));
      await deps.events.publish(tx, {
        type: 'approval.created',
        id: request.id,
        kind: request.kind,
        status: request.status,
      });
      return { request, replayed: false };
    });
  }

  /** The expiry of an open request past its TTL: its own audited transition, by the system. */
  function expire(tx: Tx, req: RequestRow) {
    return recordTransition(
      deps,
      tx,
      req,
      {
        action: 'expired',
        status: 'expired',
        changes: { decided_at: deps.clock.now() },
        notify: decisionNotices(req, 'approval.expired', {}, [
          req.primary_approver_id,
          req.secondary_approver_id,
        ]),
      },
      { actorType: 'system' },
    );
  }

  /** Everyone who could act on a new request, except whoever filed it. */
  async function newRequestNotices(tx: Executor, request: RequestRow, policy: Policy) {
    const roles = new Set([...policy.primaryRoles, ...secondaryRolesFor(policy, subjectOf(request))]);
    const people = await deps.directory.listActive(tx);
    const data = {
      requestId: request.id,
      kind: request.kind,
      summary: request.summary,
      requestedBy: request.requested_by_type,
      expiresAt: request.expires_at.toISOString(),
    };
    return [
      { recipientType: 'ops_chat' as const, recipientId: null, template: 'approval.requested', data },
      ...people
        .filter((p) => p.id !== request.requested_by_id && p.roles.some((r) => roles.has(r)))
        .map((p) => ({
          recipientType: 'operator' as const,
          recipientId: p.id,
          template: 'approval.requested',
          data,
        })),
    ];
  }

  /** The requester withdraws their own undecided request. */
  async function cancel(id: string, requester: Requester, ctx: AuditContext): Promise<RequestRow> {
    const cancelled = await withTransaction(deps.db, async (tx) => {
      const req = await lockRequest(tx, id);
      if (!req) throw new AppError('NOT_FOUND', `Change request ${id} was not found.`);
      if (req.requested_by_type !== requester.type || req.requested_by_id !== requester.id)
        throw new AppError('FORBIDDEN', 'Only the requester may cancel a request.');
      if (req.status === 'expired')
        throw new AppError('EXPIRED', `This request expired at ${req.expires_at.toISOString()}.`);
      if (req.status !== 'pending' && req.status !== 'awaiting_secondary')
        throw new AppError('ALREADY_DECIDED', `This request is already ${req.status}.`);
      // Past its TTL it expires, whatever arrives (fail closed): record that rather than a cancellation.
      if (isExpired(req.expires_at, deps.clock.now())) {
        await expire(tx, req);
        return null;
      }
      return recordTransition(
        deps,
        tx,
        req,
        {
          action: 'cancelled',
          status: 'cancelled',
          changes: { decided_at: deps.clock.now() },
          notify: decisionNotices(
            req,
            'approval.cancelled',
            {},
            [req.primary_approver_id, req.secondary_approver_id],
            requester,
          ),
        },
        ctx,
      );
    });
    if (!cancelled)
      throw new AppError('EXPIRED', 'This request had already expired; it is now recorded as expired.');
    return cancelled;
  }

  /** Expires every open request past its TTL (the cron job calls this); returns how many. */
  async function expireDue(batch = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await withTransaction(deps.db, async (tx) => {
        const due = await lockExpired(tx, deps.clock.now(), batch);
        for (const req of due) {
          await recordTransition(
            deps,
            tx,
            req,
            {
              action: 'expired',
              status: 'expired',
              changes: { decided_at: deps.clock.now() },
              notify: decisionNotices(req, 'approval.expired', {}, [
                req.primary_approver_id,
                req.secondary_approver_id,
              ]),
            },
            { actorType: 'system' },
          );
        }
        return due.length;
      });
      total += n;
      if (n < batch) return total;
    }
  }

  return { file, cancel, expireDue, ...decisions };
}
