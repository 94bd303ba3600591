import { z } from 'zod';
import type { AuditService } from '../audit/audit.service.js';
import { ROLES } from '../shared/roles.js';
import { AppError } from '../shared/errors.js';
import type { KindDefinition, KindRegistry } from './approvals.registry.js';
import { findPolicy, savePolicy } from './approvals.repo.js';
import { canonicalJson, NOTIONAL_PATH } from './approvals.rules.js';

const role = z.enum(ROLES);
const schema = z
  .object({
    kind: z.string().min(1),
    primaryRoles: z.array(role).min(1),
    secondaryRoles: z.array(role).min(1),
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 24 * 3600),
    tiers: z
      .array(
        z
          .object({
            name: z.string().min(1).max(200),
            when: z
              .object({
                path: z.string().min(1),
                op: z.enum(['gt', 'gte', 'lt', 'lte', 'eq']),
                value: z.string().min(1),
              })
              .strict(),
            secondaryRoles: z.array(role).min(1),
          })
          .strict(),
      )
      .default([]),
  })
  .strict();
type PolicySet = z.infer<typeof schema>;

// Compared canonically: tiers come back from jsonb with their keys reordered, so plain
// JSON.stringify would report an unchanged policy with tiers as a change.
const FIELDS = ['primaryRoles', 'secondaryRoles', 'ttlSeconds', 'tiers'] as const;

/** `policy.set`: changing who may approve a kind, itself under dual control. */
export function policySetKind(
  audit: AuditService,
  registry: Pick<KindRegistry, 'get'>,
): KindDefinition<PolicySet> {
  return {
    kind: 'policy.set',
    schema,
    async describe(tx, p) {
      const current = await findPolicy(tx, p.kind);
      if (!current)
        throw new AppError('VALIDATION_FAILED', `There is no policy for ${p.kind}.`, [
          { path: 'payload.kind', message: 'is not a kind' },
        ]);
      return {
        entity: { type: 'policy', id: p.kind },
        version: current.version,
        diff: FIELDS.filter((f) => canonicalJson(current[f]) !== canonicalJson(p[f])).map((f) => ({
          field: f,
          before: current[f],
          after: p[f],
        })),
        summary: `Change the approval policy of ${p.kind}`,
      };
    },
    async validate(_tx, p, current) {
      if (current.diff.length === 0)
        throw new AppError('VALIDATION_FAILED', `That is already the policy of ${p.kind}.`, [
          { path: 'payload', message: 'changes nothing' },
        ]);
      // Tiers judge the change, not the payload's fields: a kind that declares a notional is tiered on
      // it only (a tier on `amount` would let an address-only amend of a large trade through), and a
      // kind without one has no notional to judge.
      const hasNotional = registry.get(p.kind)?.notional !== undefined;
      p.tiers.forEach((t, i) => {
        const onNotional = t.when.path === NOTIONAL_PATH;
        if (onNotional !== hasNotional)
          throw new AppError(
            'VALIDATION_FAILED',
            hasNotional
              ? `Tiers of ${p.kind} judge the amount before and after the change: give the path "${NOTIONAL_PATH}".`
              : `${p.kind} has no notional: a tier of it names a field of its payload.`,
            [
              {
                path: `payload.tiers.${i}.when.path`,
                message: hasNotional ? `must be "${NOTIONAL_PATH}"` : `cannot be "${NOTIONAL_PATH}"`,
              },
            ],
          );
      });
    },
    async apply(tx, p, ctx) {
      const current = await findPolicy(tx, p.kind);
      if (!current || !(await savePolicy(tx, { ...p }, current.version, ctx.requestId)))
        throw new AppError('STALE_REQUEST', `The policy of ${p.kind} changed meanwhile.`);
      await audit.record(tx, {
        ...ctx.audit,
        action: 'policy.changed',
        entityType: 'policy',
        entityId: p.kind,
        data: { requestId: ctx.requestId, before: current, after: p },
      });
    },
  };
}
