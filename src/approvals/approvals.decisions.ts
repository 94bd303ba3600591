import { sql } from 'kysely';
import { AppError } from '../shared/errors.js';
import { onCommit, withTransaction, type Tx } from '../shared/db.js';
import type { ApprovalsDeps, Decider } from './approvals.ports.js';
import { lockRequest, type RequestRow } from './approvals.repo.js';
import {
  allowedDecisions,
  eligibility,
  isExpired,
  isValidReason,
  payloadDigest,
  subjectOf,
  type Decision,
  type Policy,
} from './approvals.rules.js';
import { decisionNotices, recordTransition } from './approvals.transitions.js';

const REASON_DETAIL =
  'Give a reason of at least 10 characters: it is kept in the audit trail and shown to regulators.';

/** A decision's result: the row as committed, and the error the caller gets if it ended in `failed`. */
type Outcome = RequestRow | { request: RequestRow; error: AppError };

/**
 * Runs one decision on a locked request. Outcomes that must be recorded even though the caller gets
 * an error (expiry discovered late, a change that no longer applies) are committed first and the
 * error is raised after the commit — fail closed, and leave a trace.
 */
async function decide(
  deps: ApprovalsDeps,
  id: string,
  decision: Decision,
  decider: Decider,
  fn: (tx: Tx, req: RequestRow) => Promise<Outcome>,
): Promise<RequestRow> {
  const outcome = await withTransaction(deps.db, async (tx) => {
    const req = await lockRequest(tx, id);
    if (!req) throw new AppError('NOT_FOUND', `Change request ${id} was not found.`);
    const now = deps.clock.now();
    const open = req.status === 'pending' || req.status === 'awaiting_secondary';
    if (open && isExpired(req.expires_at, now)) {
      await recordTransition(
        deps,
        tx,
        req,
        {
          action: 'expired',
          status: 'expired',
          changes: { decided_at: now },
          notify: decisionNotices(req, 'approval.expired', {}, [
            req.primary_approver_id,
            req.secondary_approver_id,
          ]),
        },
        { actorType: 'system' },
      );
      return {
        error: new AppError(
          'EXPIRED',
          `This request expired at ${req.expires_at.toISOString()}; file a new one.`,
        ),
      };
    }
    if (req.status === 'expired')
      throw new AppError(
        'EXPIRED',
        `This request expired at ${req.expires_at.toISOString()}; file a new one.`,
      );
    if (!allowedDecisions(req.status).includes(decision)) {
      if (decision === 'cosign' && req.status === 'pending')
        throw new AppError(
          'NOT_NAMED_SECONDARY',
          'Nobody has been named to co-sign yet: a primary approver must approve first.',
        );
      if (decision === 'approve' && req.status === 'awaiting_secondary')
        throw new AppError(
          'ALREADY_DECIDED',
          'A primary approver has already approved this request; it awaits its co-sign.',
        );
      throw new AppError('ALREADY_DECIDED', `This request is already ${req.status}.`);
    }
    const result = await fn(tx, req);
    if ('error' in result) return result;
    return result.status === 'failed'
      ? {
          error: new AppError('STALE_REQUEST', `The change could not be applied: ${result.failure_reason}`),
          request: result,
        }
      : { request: result };
  });
  if ('error' in outcome && outcome.error) throw outcome.error;
  return outcome.request;
}

async function approverOrThrow(deps: ApprovalsDeps, tx: Tx, id: string, field?: string) {
  const approver = await deps.directory.get(tx, id);
  if (!approver)
    throw new AppError(
      'NOT_ELIGIBLE',
      'That operator does not exist.',
      field ? [{ path: field, message: 'is not an operator' }] : undefined,
    );
  return approver;
}

function requesterOperatorId(req: RequestRow): string | null {
  return req.requested_by_type === 'operator' ? req.requested_by_id : null;
}

const ELIGIBILITY_DETAIL = {
  SELF_APPROVAL: 'You filed this request, so you cannot decide it: dual control needs two other people.',
  SAME_APPROVER: 'You approved this request as primary; a different person must co-sign it.',
  NOT_ELIGIBLE:
    'Your roles do not allow this decision for this kind of request, or your account is not active with MFA.',
} as const;

function assertStepUp(deps: ApprovalsDeps, decider: Decider) {
  if (!decider.stepUpUntil || decider.stepUpUntil <= deps.clock.now()) {
    throw new AppError('STEP_UP_REQUIRED', 'Confirm with a fresh authenticator code to make this decision.');
  }
}

export function createDecisions(deps: ApprovalsDeps) {
  const observe = (tx: Tx, req: RequestRow, step: string) => {
    const seconds = (deps.clock.now().getTime() - req.created_at.getTime()) / 1000;
    onCommit(tx, () => deps.metrics.decisionSeconds.observe({ kind: req.kind, step }, seconds));
  };

  return {
    /** Primary approval: a reason, and a named secondary from the eligible list. */
    async approve(
      id: string,
      input: { reason: string; secondaryApproverId: string },
      decider: Decider,
    ): Promise<RequestRow> {
      return decide(deps, id, 'approve', decider, async (tx, req) => {
        const policy = req.policy as Policy;
        const subject = subjectOf(req);
        const me = await approverOrThrow(deps, tx, decider.operatorId);
        const mine = eligibility(policy, subject, 'primary', me, requesterOperatorId(req), null);
        if (mine) throw new AppError(mine, ELIGIBILITY_DETAIL[mine]);
        if (!isValidReason(input.reason))
          throw new AppError('REASON_REQUIRED', REASON_DETAIL, [
            { path: 'reason', message: 'needs at least 10 visible characters' },
          ]);
        assertStepUp(deps, decider);
        const second = await approverOrThrow(deps, tx, input.secondaryApproverId, 'secondaryApproverId');
        const theirs = eligibility(policy, subject, 'secondary', second, requesterOperatorId(req), me.id);
        if (theirs) {
          const why = {
            SELF_APPROVAL: 'is the requester',
            SAME_APPROVER: 'is you: choose someone else',
            NOT_ELIGIBLE: 'may not co-sign this request',
          }[theirs];
          throw new AppError(theirs, `${second.name} ${why}.`, [
            { path: 'secondaryApproverId', message: why },
          ]);
        }
        const now = deps.clock.now();
        const updated = await recordTransition(
          deps,
          tx,
          req,
          {
            action: 'approved',
            status: 'awaiting_secondary',
            reason: input.reason,
            changes: {
              primary_approver_id: me.id,
              primary_reason: input.reason,
              primary_at: now,
              secondary_approver_id: second.id,
            },
            data: { secondaryApproverId: second.id },
            notify: [
              {
                recipientType: 'operator',
                recipientId: second.id,
                template: 'approval.cosign_requested',
                data: {
                  requestId: req.id,
                  kind: req.kind,
                  summary: req.summary,
                  diff: req.diff,
                  primary: me.name,
                  reason: input.reason,
                  expiresAt: req.expires_at.toISOString(),
                },
              },
              ...decisionNotices(req, 'approval.primary_approved', {
                primary: me.name,
                secondary: second.name,
              }),
            ],
          },
          decider.audit,
        );
        observe(tx, req, 'primary');
        return updated;
      });
    },

    /** The named secondary's co-sign: re-checks the digest and the change, then applies it exactly once. */
    async cosign(id: string, input: { reason: string }, decider: Decider): Promise<RequestRow> {
      return decide(deps, id, 'cosign', decider, async (tx, req) => {
        const policy = req.policy as Policy;
        if (decider.operatorId === requesterOperatorId(req))
          throw new AppError('SELF_APPROVAL', ELIGIBILITY_DETAIL.SELF_APPROVAL);
        if (decider.operatorId === req.primary_approver_id)
          throw new AppError('SAME_APPROVER', ELIGIBILITY_DETAIL.SAME_APPROVER);
        if (decider.operatorId !== req.secondary_approver_id)
          throw new AppError(
            'NOT_NAMED_SECONDARY',
            'Only the operator the primary approver named may co-sign this request.',
          );
        const me = await approverOrThrow(deps, tx, decider.operatorId);
        const mine = eligibility(
          policy,
          subjectOf(req),
          'secondary',
          me,
          requesterOperatorId(req),
          req.primary_approver_id,
        );
        if (mine) throw new AppError(mine, ELIGIBILITY_DETAIL[mine]);
        // Every decision is explained: the co-sign too, by the same visible-characters rule.
        if (!isValidReason(input.reason))
          throw new AppError('REASON_REQUIRED', REASON_DETAIL, [
            { path: 'reason', message: 'needs at least 10 visible characters' },
          ]);
        assertStepUp(deps, decider);
        const now = deps.clock.now();
        const reason = (input.reason ?? '').trim();
        const base = { secondary_reason: reason, secondary_at: now, decided_at: now };
        observe(tx, req, 'secondary');
        // Both approvers must still be eligible when the change is applied (invariant 3): a primary
        // deactivated or stripped of the role since approving fails the request, and nothing is applied.
        const primaryProblem = await primaryNoLongerEligible(deps, tx, req);
        if (primaryProblem) {
          const failed = await recordTransition(
            deps,
            tx,
            req,
            {
              action: 'failed',
              status: 'failed',
              reason: primaryProblem,
              changes: { ...base, failure_reason: primaryProblem },
              notify: decisionNotices(req, 'approval.failed', { failure: primaryProblem }, [
                req.primary_approver_id,
              ]),
            },
            decider.audit,
          );
          return {
            request: failed,
            error: new AppError(
              'NOT_ELIGIBLE',
              `The change was not applied: ${primaryProblem}. File a new request.`,
            ),
          };
        }
        const failure = await applyChange(deps, tx, req, decider);
        if (failure) {
          return recordTransition(
            deps,
            tx,
            req,
            {
              action: 'failed',
              status: 'failed',
              reason: failure,
              changes: { ...base, failure_reason: failure },
              notify: decisionNotices(req, 'approval.failed', { failure }, [req.primary_approver_id]),
            },
            decider.audit,
          );
        }
        return recordTransition(
          deps,
          tx,
          req,
          {
            action: 'cosigned',
            status: 'approved',
            reason,
            changes: base,
            notify: decisionNotices(req, 'approval.approved', {}, [req.primary_approver_id]),
          },
          decider.audit,
        );
      });
    },

    /** A rejection, with a justification, by any eligible approver but the requester, at either step. */
    async reject(id: string, input: { reason: string }, decider: Decider): Promise<RequestRow> {
      return decide(deps, id, 'reject', decider, async (tx, req) => {
        const me = await approverOrThrow(deps, tx, decider.operatorId);
        const mine = eligibility(
          req.policy as Policy,
          subjectOf(req),
          'reject',
          me,
          requesterOperatorId(req),
          null,
        );
        if (mine) throw new AppError(mine, ELIGIBILITY_DETAIL[mine]);
        if (!isValidReason(input.reason))
          throw new AppError('REASON_REQUIRED', REASON_DETAIL, [
            { path: 'reason', message: 'needs at least 10 visible characters' },
          ]);
        assertStepUp(deps, decider);
        const now = deps.clock.now();
        observe(tx, req, 'reject');
        return recordTransition(
          deps,
          tx,
          req,
          {
            action: 'rejected',
            status: 'rejected',
            reason: input.reason,
            changes: { rejected_by: me.id, rejection_reason: input.reason, decided_at: now },
            notify: decisionNotices(
              req,
              'approval.rejected',
              { by: me.name, reason: input.reason },
              [req.primary_approver_id, req.secondary_approver_id],
              { type: 'operator', id: me.id },
            ),
          },
          decider.audit,
        );
      });
    },
  };
}

/** Why the primary who approved may no longer stand behind the change, or null if they still may. */
async function primaryNoLongerEligible(deps: ApprovalsDeps, tx: Tx, req: RequestRow): Promise<string | null> {
  const primary = req.primary_approver_id ? await deps.directory.get(tx, req.primary_approver_id) : undefined;
  if (!primary) return 'the primary approver no longer exists';
  if (!primary.active) return `the primary approver ${primary.name} has been deactivated since approving`;
  if (!primary.mfaEnrolled) return `the primary approver ${primary.name} no longer has MFA`;
  if (eligibility(req.policy as Policy, subjectOf(req), 'primary', primary, requesterOperatorId(req), null))
    return `the primary approver ${primary.name} no longer holds a role allowed to approve ${req.kind}`;
  return null;
}

/**
 * Re-verifies and applies inside the co-signing transaction. Returns a failure reason instead of
 * throwing so the request can be marked `failed` in the same transaction; the savepoint guarantees a
 * refused apply leaves nothing behind.
 */
async function applyChange(
  deps: ApprovalsDeps,
  tx: Tx,
  req: RequestRow,
  decider: Decider,
): Promise<string | null> {
  if (payloadDigest(req.kind, req.payload) !== req.digest)
    return 'the payload no longer matches the digest that was approved';
  const def = deps.registry.get(req.kind);
  if (!def) return `no applier is registered for ${req.kind}`;
  const parsed = def.schema.safeParse(req.payload);
  if (!parsed.success) return 'the payload no longer passes validation';
  await sql`savepoint apply_change`.execute(tx);
  try {
    const current = await def.describe(tx, parsed.data);
    if (req.entity_version !== null && current.version !== req.entity_version) {
      throw new AppError(
        'STALE_REQUEST',
        `${req.entity_type} ${req.entity_id} changed since the request was filed (version ${req.entity_version} → ${current.version})`,
      );
    }
    await def.validate(tx, parsed.data, current);
    await def.apply(tx, parsed.data, {
      requestId: req.id,
      audit: decider.audit,
      approvers: { primaryId: req.primary_approver_id ?? '', secondaryId: decider.operatorId },
      request: {
        note: req.note,
        primaryReason: req.primary_reason,
        requestedBy: { type: req.requested_by_type, id: req.requested_by_id },
      },
    });
    // The read above takes no lock: a concurrent writer (another co-sign, an emergency stop) may have
    // committed between it and the applier's own row lock. Our apply must be the only move since
    // the request was filed, so anything but exactly one version step means we wrote over theirs.
    if (req.entity_version !== null) {
      const after = await def.describe(tx, parsed.data);
      if (after.version !== req.entity_version + 1) {
        throw new AppError(
          'STALE_REQUEST',
          `${req.entity_type} ${req.entity_id} changed while the request was being applied (version ${req.entity_version} → ${after.version === null ? 'none' : after.version - 1})`,
        );
      }
    }
    await sql`release savepoint apply_change`.execute(tx);
    return null;
  } catch (err) {
    await sql`rollback to savepoint apply_change`.execute(tx);
    if (err instanceof AppError) return err.detail;
    throw err;
  }
}
