import { sql } from 'kysely';
import { z } from 'zod';
import type { KindDefinition } from '../approvals/approvals.registry.js';
import type { AuditService } from '../audit/audit.service.js';
import { AppError } from '../shared/errors.js';
import { ROLES } from '../shared/roles.js';
import { findOperatorById } from './operators.repo.js';

const schema = z
  .object({
    operatorId: z.string().uuid(),
    role: z.enum(ROLES),
    action: z.enum(['grant', 'revoke']),
  })
  .strict();
type RoleChange = z.infer<typeof schema>;

/** `operator.role`: granting or revoking a role, never without dual control through the API. */
export function operatorRoleKind(audit: AuditService): KindDefinition<RoleChange> {
  return {
    kind: 'operator.role',
    schema,
    async describe(tx, p) {
      const op = await findOperatorById(tx, p.operatorId);
      if (!op)
        throw new AppError('VALIDATION_FAILED', 'There is no such operator.', [
          { path: 'payload.operatorId', message: 'is not an operator' },
        ]);
      const after =
        p.action === 'grant'
          ? [...new Set([...op.roles, p.role])].sort()
          : op.roles.filter((r) => r !== p.role);
      return {
        entity: { type: 'operator', id: op.id },
        version: op.version,
        diff: [
          { field: 'roles', before: [...op.roles].sort(), after },
          // Not a change: when the person enrolled their own MFA, shown so approvers can judge the grant.
          {
            field: 'enrolledAt',
            before: op.mfa_enrolled_at?.toISOString() ?? null,
            after: op.mfa_enrolled_at?.toISOString() ?? null,
          },
        ],
        summary: `${p.action === 'grant' ? 'Grant' : 'Revoke'} ${p.role} ${p.action === 'grant' ? 'to' : 'from'} ${op.name} <${op.email}> (${op.mfa_enrolled_at ? `enrolled ${op.mfa_enrolled_at.toISOString()}` : 'not enrolled'})`,
      };
    },
    async validate(tx, p) {
      const op = await findOperatorById(tx, p.operatorId);
      if (!op || op.status !== 'active')
        throw new AppError('VALIDATION_FAILED', 'That operator is deactivated.', [
          { path: 'payload.operatorId', message: 'is not active' },
        ]);
      // Whoever created the account never held its credentials; a role waits until the person has
      // accepted their invitation and enrolled their own MFA.
      if (p.action === 'grant' && op.mfa_enrolled_at === null)
        throw new AppError(
          'OPERATOR_NOT_ENROLLED',
          `${op.name} has not finished enrolment (accepting the invitation and enrolling MFA): a role can be granted only afterwards.`,
          [{ path: 'payload.operatorId', message: 'has not enrolled' }],
        );
      const has = op.roles.includes(p.role);
      if (p.action === 'grant' && has)
        throw new AppError('VALIDATION_FAILED', `${op.name} already holds ${p.role}.`, [
          { path: 'payload.role', message: 'is already held' },
        ]);
      if (p.action === 'revoke' && !has)
        throw new AppError('VALIDATION_FAILED', `${op.name} does not hold ${p.role}.`, [
          { path: 'payload.role', message: 'is not held' },
        ]);
    },
    async apply(tx, p, ctx) {
      const op = await findOperatorById(tx, p.operatorId, { forUpdate: true });
      if (!op) throw new AppError('STALE_REQUEST', 'The operator no longer exists.');
      const roles =
        p.action === 'grant' ? [...new Set([...op.roles, p.role])] : op.roles.filter((r) => r !== p.role);
      await tx
        .updateTable('operators')
        .set({ roles, version: sql`version + 1`, updated_at: sql`now()` })
        .where('id', '=', op.id)
        .execute();
      await audit.record(tx, {
        ...ctx.audit,
        action: `operator.role_${p.action === 'grant' ? 'granted' : 'revoked'}`,
        entityType: 'operator',
        entityId: op.id,
        data: { role: p.role, requestId: ctx.requestId, before: op.roles, after: roles },
      });
    },
  };
}
