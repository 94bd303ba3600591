import type { AuditContext } from '../shared/request-context.js';
import type { Notification } from '../notifications/notifications.service.js';
import { onCommit, type Tx } from '../shared/db.js';
import type { ApprovalsDeps } from './approvals.ports.js';
import { insertEvent, updateRequest, type RequestRow, type RequestUpdate } from './approvals.repo.js';
import type { RequestStatus } from './approvals.rules.js';

export interface Transition {
  action: string;
  status: RequestStatus;
  changes?: RequestUpdate;
  reason?: string | null;
  data?: Record<string, unknown>;
  notify?: Notification[];
}

/**
 * One state change of a request, always with its history event, audit event, notifications and live
 * event, in the caller's transaction (invariant 8, src/approvals/README.md).
 */
export async function recordTransition(
  deps: ApprovalsDeps,
  tx: Tx,
  req: RequestRow,
  t: Transition,
  ctx: AuditContext,
): Promise<RequestRow> {
  const now = deps.clock.now();
  const updated = await updateRequest(tx, req.id, { ...t.changes, status: t.status });
  await insertEvent(tx, {
    requestId: req.id,
    action: t.action,
    actorType: ctx.actorType,
    actorId: ctx.actorId ?? null,
    reason: t.reason,
    data: t.data,
    at: now,
  });
  await deps.audit.record(tx, {
    ...ctx,
    action: `approval.${t.action}`,
    entityType: 'change_request',
    entityId: req.id,
    data: {
      kind: req.kind,
      digest: req.digest,
      from: req.status,
      to: t.status,
      reason: t.reason ?? undefined,
      ...t.data,
    },
  });
  await deps.notifications.enqueue(tx, t.notify ?? []);
  await deps.events.publish(tx, { type: 'approval.changed', id: req.id, kind: req.kind, status: t.status });
  if (t.status !== req.status && !['pending', 'awaiting_secondary'].includes(t.status))
    onCommit(tx, () => deps.metrics.outcomes.inc({ kind: req.kind, outcome: t.status }));
  return updated;
}

/**
 * Who hears about a decision: the requester always; approvers involved so far. Whoever decided is
 * not told again (the console or the bot has just answered them): their row is kept, marked
 * `selfDecided`, because delivering it is what edits the earlier messages about the request — the
 * ops chat's alert too when nobody else is told (a requester cancelling a request nobody touched).
 * When nobody at all is left to tell, an `editOnly` row addressed to the ops chat brings the edits.
 */
export function decisionNotices(
  req: RequestRow,
  template: string,
  data: Record<string, unknown>,
  alsoOperators: (string | null)[] = [],
  decidedBy?: { type: string; id: string | null },
): Notification[] {
  const base = { requestId: req.id, kind: req.kind, summary: req.summary, ...data };
  const notice = (recipientType: 'operator' | 'client', recipientId: string): Notification => ({
    recipientType,
    recipientId,
    template,
    data:
      decidedBy?.type === recipientType && decidedBy.id === recipientId
        ? { ...base, selfDecided: true }
        : base,
  });
  const notices: Notification[] = [];
  if (req.requested_by_type !== 'system' && req.requested_by_id)
    notices.push(notice(req.requested_by_type, req.requested_by_id));
  const seen = new Set([req.requested_by_type === 'operator' ? req.requested_by_id : null]);
  for (const id of alsoOperators) {
    if (id && !seen.has(id)) {
      seen.add(id);
      notices.push(notice('operator', id));
    }
  }
  // Nobody to tell (a system request decided before any approver took part): one row all the same, marked
  // `editOnly`, so that the ops chat's alert is still edited to the outcome.
  if (notices.length === 0)
    notices.push({
      recipientType: 'ops_chat',
      recipientId: null,
      template,
      data: { ...base, editOnly: true },
    });
  return notices;
}
