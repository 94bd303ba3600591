import { z } from 'zod';
import type { KindDefinition } from '../approvals/approvals.registry.js';
import { AppError } from '../shared/errors.js';
import { isThreshold } from './alerts.rules.js';
import type { AlertsService } from './alerts.service.js';

const seconds = z
  .number()
  .int()
  .min(0)
  .max(7 * 24 * 3600);
const schema = z
  .object({
    name: z.string().min(1).max(80),
    threshold: z.string().refine(isThreshold, 'a number such as 3600 or 0.5 (up to 6 decimals)').optional(),
    forSeconds: seconds.optional(),
    keepFiringForSeconds: seconds.optional(),
  })
  .strict();
type AlertRuleChange = z.infer<typeof schema>;

const FIELDS = [
  ['threshold', 'threshold'],
  ['forSeconds', 'for_seconds'],
  ['keepFiringForSeconds', 'keep_firing_for_seconds'],
] as const;

/**
 * `alert.rule`: an alert's threshold, `for` or `keepFiringFor` after its first start, under dual
 * control (risk_officer primary; risk_officer or platform_admin secondary). Configuration seeded
 * the first values and never overrides them.
 */
export function alertRuleKind(alerts: AlertsService): KindDefinition<AlertRuleChange> {
  return {
    kind: 'alert.rule',
    schema,
    async describe(tx, p) {
      if (!safeRule(alerts, p.name))
        throw new AppError('VALIDATION_FAILED', `There is no alert rule ${p.name}.`, [
          { path: 'payload.name', message: 'is not an alert rule' },
        ]);
      const row = await alerts.findRule(tx, p.name);
      if (!row)
        throw new AppError('VALIDATION_FAILED', `There is no alert rule ${p.name}.`, [
          { path: 'payload.name', message: 'is not an alert rule' },
        ]);
      const diff = FIELDS.filter(([k]) => p[k] !== undefined).map(([k, col]) => ({
        field: k,
        before: col === 'threshold' ? row.threshold : row[col],
        after: p[k],
      }));
      return {
        entity: { type: 'alert_rule', id: p.name },
        version: row.version,
        diff,
        summary: `Alert ${p.name}: ${diff.map((d) => `${d.field} ${String(d.before)} → ${String(d.after)}`).join(', ') || 'no change'}`,
      };
    },
    async validate(_tx, p, current) {
      if (current.diff.length === 0)
        throw new AppError(
          'VALIDATION_FAILED',
          'Name at least one of threshold, forSeconds, keepFiringForSeconds.',
          [{ path: 'payload', message: 'changes nothing' }],
        );
      const same = current.diff.filter((d) =>
        d.field === 'threshold' ? Number(d.before) === Number(d.after) : d.before === d.after,
      );
      if (same.length === current.diff.length)
        throw new AppError('VALIDATION_FAILED', `${p.name} already has these values.`, [
          { path: `payload.${same[0]?.field ?? 'threshold'}`, message: 'is the current value' },
        ]);
    },
    async apply(tx, p, ctx) {
      await alerts.applyRuleChange(tx, p, ctx.requestId, ctx.audit);
    },
  };
}

function safeRule(alerts: AlertsService, name: string): boolean {
  try {
    alerts.rule(name);
    return true;
  } catch {
    return false;
  }
}
