import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApprovalsService } from '../approvals/approvals.service.js';
import { requestView } from '../approvals/approvals.schemas.js';
import { auditContext } from '../shared/request-context.js';
import { AppError } from '../shared/errors.js';
import { ROLES } from '../shared/roles.js';
import type { OperatorsService } from './operators.service.js';

const createBody = z
  .object({
    email: z.string().email().max(254),
    name: z.string().min(1).max(200),
    password: z.string().max(1024),
    roles: z.array(z.enum(ROLES)).max(ROLES.length).default([]),
  })
  .strict();

/**
 * Operators through the API: no role is ever granted here directly. A new operator starts with none
 * and one `operator.role` grant request is filed per requested role, in the same transaction.
 */
export function operatorAdminRoutes(deps: {
  operators: OperatorsService;
  approvals: ApprovalsService;
}): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/api/operators',
      { config: { access: { permission: 'operators:write' } }, schema: { body: createBody } },
      async (req, reply) => {
        const actor = req.actor;
        if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
        const ctx = auditContext(req);
        const requests: ReturnType<typeof requestView>[] = [];
        const operator = await deps.operators.createOperator(
          { ...req.body, roles: [], requireRole: false },
          ctx,
          async (tx, op) => {
            for (const role of new Set(req.body.roles)) {
              const { request } = await deps.approvals.file(
                {
                  kind: 'operator.role',
                  payload: { operatorId: op.id, role, action: 'grant' },
                  note: `new operator ${op.email}`,
                },
                { type: 'operator', id: actor.operatorId },
                ctx,
                tx,
              );
              requests.push(requestView(request));
            }
          },
        );
        return reply.status(201).send({ operator, roleRequests: requests });
      },
    );

    r.post(
      '/api/operators/:id/deactivate',
      {
        config: { access: { permission: 'operators:write', stepUp: true } },
        schema: {
          params: z.object({ id: z.string().uuid() }).strict(),
          body: z
            .object({ reason: z.string().max(2000).optional() })
            .strict()
            .nullish(),
        },
      },
      async (req) => {
        await deps.operators.deactivate(req.params.id, auditContext(req));
        return { id: req.params.id, status: 'deactivated' };
      },
    );
  };
}
