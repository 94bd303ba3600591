import { z } from 'zod';
import type { KindDefinition } from '../approvals/approvals.registry.js';
import type { Tx } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import { isValidRationale } from '../shared/rationale.js';
import type { SettlementService } from './settlement.service.js';
import { FLAG_REASONS, type FlagReason } from './settlement.tables.js';

const eventIds = z.array(z.string().uuid()).min(1).max(500);
const requeueSchema = z
  .object({ eventIds: eventIds.optional(), reason: z.enum(FLAG_REASONS).optional() })
  .strict()
  .refine((p) => (p.eventIds === undefined) !== (p.reason === undefined), {
    message: 'give eventIds (one or a list) or reason (every open event of it), not both',
    path: ['eventIds'],
  });
const dismissSchema = z
  .object({
    eventIds,
    reason: z
      .string()
      .trim()
      .max(1000)
      .refine(isValidRationale, 'say why, in at least 10 visible characters'),
  })
  .strict();
export type SettlementRequeue = z.infer<typeof requeueSchema>;
export type SettlementDismiss = z.infer<typeof dismissSchema>;

const refuse = (message: string, path = 'payload.eventIds') =>
  new AppError('VALIDATION_FAILED', message, [{ path, message }]);

async function targets(
  tx: Tx,
  settlement: SettlementService,
  p: { eventIds?: string[]; reason?: FlagReason },
) {
  const events = await settlement.resolveTargets(tx, p);
  if (p.eventIds) {
    const found = new Map(events.map((e) => [e.id, e]));
    const unique = [...new Set(p.eventIds)];
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length) throw refuse(`There is no flagged event ${missing[0]}.`);
    const closed = events.filter((e) => e.status !== 'open');
    if (closed.length) throw refuse(`Flagged event ${closed[0]?.id} is already ${closed[0]?.status}.`);
  } else if (events.length === 0) {
    throw refuse(`There is no open flagged event with reason ${p.reason}.`, 'payload.reason');
  }
  return events;
}

const describeTargets = (events: { id: string; reason: string }[], p: { reason?: string }) => ({
  entity: {
    type: 'settlement_flagged_events',
    id: p.reason
      ? `reason:${p.reason}`
      : events
          .map((e) => e.id)
          .sort()
          .join(',')
          .slice(0, 400),
  },
  count: events.length,
  reasons: [...new Set(events.map((e) => e.reason))].sort().join(', '),
});

/** `settlement.requeue`: open flagged events become queued settlements when co-signed (AUTO_SETTLEMENT must be on). */
export function settlementRequeueKind(deps: {
  settlement: SettlementService;
}): KindDefinition<SettlementRequeue> {
  return {
    kind: 'settlement.requeue',
    schema: requeueSchema,
    async describe(tx, p) {
      const events = await deps.settlement.resolveTargets(tx, p);
      const d = describeTargets(events, p);
      return {
        entity: d.entity,
        version: null,
        diff: [
          {
            field: 'flaggedEvents',
            before: `${d.count} open (${d.reasons || p.reason || 'none'})`,
            after: `${d.count} requeued for settlement`,
          },
        ],
        summary: p.reason
          ? `Requeue every open ${p.reason} event (${d.count} now)`
          : `Requeue ${d.count} flagged settlement${d.count === 1 ? '' : 's'} (${d.reasons})`,
      };
    },
    async validate(tx, p) {
      await targets(tx, deps.settlement, p);
      if (!(await deps.settlement.autoSettlementOn(tx)))
        throw refuse(
          'AUTO_SETTLEMENT is off: turn it on (flag.set) before requeueing, or the settlements would be held again.',
          'payload',
        );
    },
    async apply(tx, p, ctx) {
      const events = await targets(tx, deps.settlement, p);
      await deps.settlement.requeue(
        tx,
        events.map((e) => e.id),
        { approvalId: ctx.requestId, audit: ctx.audit },
      );
    },
  };
}

/** `settlement.dismiss`: open flagged events are closed with a reason and their trades cancelled, when co-signed. */
export function settlementDismissKind(deps: {
  settlement: SettlementService;
}): KindDefinition<SettlementDismiss> {
  return {
    kind: 'settlement.dismiss',
    schema: dismissSchema,
    async describe(tx, p) {
      const events = await deps.settlement.resolveTargets(tx, { eventIds: p.eventIds });
      const d = describeTargets(events, {});
      return {
        entity: d.entity,
        version: null,
        diff: [
          { field: 'flaggedEvents', before: `${d.count} open (${d.reasons})`, after: `${d.count} dismissed` },
          { field: 'trades', before: 'booked', after: 'cancelled' },
        ],
        summary: `Dismiss ${d.count} flagged settlement${d.count === 1 ? '' : 's'} and cancel the trade${d.count === 1 ? '' : 's'}: ${p.reason}`,
      };
    },
    async validate(tx, p) {
      await targets(tx, deps.settlement, { eventIds: p.eventIds });
    },
    async apply(tx, p, ctx) {
      const events = await targets(tx, deps.settlement, { eventIds: p.eventIds });
      await deps.settlement.dismiss(
        tx,
        events.map((e) => e.id),
        p.reason,
        { approvalId: ctx.requestId, audit: ctx.audit },
      );
    },
  };
}
