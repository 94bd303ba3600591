import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContext } from '../shared/request-context.js';
import { ROLES } from '../shared/roles.js';
import type { OperatorsService } from './operators.service.js';
import type { Invitation } from './operators.invitations.js';
import {
  bootstrapResponse,
  createdOperatorResponse,
  deactivatedResponse,
  grantReviewAcknowledged,
  grantReviewsResponse,
  invitationResponse,
} from './operators.schemas.js';

const createBody = z
  .object({
    email: z.string().email().max(254),
    name: z.string().min(1).max(200),
    roles: z.array(z.enum(ROLES)).max(ROLES.length).default([]),
  })
  .strict();

const idParams = z.object({ id: z.string().uuid() }).strict();
const invitationJson = (i: Invitation) => ({
  token: i.token,
  url: i.url,
  expiresAt: i.expiresAt.toISOString(),
});
const noStore = 'no-store';

/**
 * Operators through the API. The creator never sets a password: the answer carries a one-time
 * invitation to pass on. Roles are granted here only during the bootstrap (the founding team); after it
 * they come from co-signed `operator.role` requests once the person has enrolled (BOOTSTRAP_OVER).
 */
export function operatorAdminRoutes(deps: { operators: OperatorsService }): FastifyPluginAsync {
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const { bootstrap } = deps.operators;

    r.post(
      '/api/operators',
      {
        config: { access: { permission: 'operators:write' } },
        schema: { body: createBody, response: { 201: createdOperatorResponse } },
      },
      async (req, reply) => {
        const created = await deps.operators.createOperator(req.body, auditContext(req));
        return reply
          .status(201)
          .header('cache-control', noStore)
          .send({
            operator: created.operator,
            invitation: invitationJson(created.invitation),
            grant: created.grant,
          });
      },
    );

    r.post(
      '/api/operators/:id/invitation',
      {
        config: { access: { permission: 'operators:write' } },
        schema: {
          params: idParams,
          body: z.object({}).strict().nullish(),
          response: { 201: invitationResponse },
        },
      },
      async (req, reply) => {
        const invitation = await deps.operators.reissueInvitation(req.params.id, auditContext(req));
        return reply
          .status(201)
          .header('cache-control', noStore)
          .send({ invitation: invitationJson(invitation) });
      },
    );

    r.post(
      '/api/operators/:id/deactivate',
      {
        config: { access: { permission: 'operators:write', stepUp: true } },
        schema: {
          params: idParams,
          body: z
            .object({ reason: z.string().max(2000).optional() })
            .strict()
            .nullish(),
          response: { 200: deactivatedResponse },
        },
      },
      async (req) => {
        await deps.operators.deactivate(req.params.id, auditContext(req));
        return { id: req.params.id, status: 'deactivated' as const };
      },
    );

    r.get(
      '/api/bootstrap',
      {
        config: { access: { permission: 'operators:read' } },
        schema: { response: { 200: bootstrapResponse } },
      },
      async () => {
        const s = await bootstrap.status();
        return { ...s, endedAt: s.endedAt?.toISOString() ?? null };
      },
    );

    r.post(
      '/api/bootstrap/end',
      {
        config: { access: { permission: 'operators:write', stepUp: true } },
        schema: {
          body: z.object({ reason: z.string().max(2000) }).strict(),
          response: { 200: bootstrapResponse },
        },
      },
      async (req) => {
        const s = await bootstrap.end(req.body.reason, auditContext(req));
        return { ...s, endedAt: s.endedAt?.toISOString() ?? null };
      },
    );

    r.get(
      '/api/operators/grant-reviews',
      {
        config: { access: { permission: 'operators:read' } },
        schema: { response: { 200: grantReviewsResponse } },
      },
      async () => ({
        items: (await bootstrap.reviews()).map((v) => ({
          id: v.id,
          operatorId: v.operator_id,
          roles: v.roles,
          openedBy: v.opened_by,
          reason: v.reason,
          status: v.status,
          acknowledgedBy: v.acknowledged_by,
          acknowledgedAt: v.acknowledged_at?.toISOString() ?? null,
          comment: v.comment,
          createdAt: v.created_at.toISOString(),
        })),
      }),
    );

    r.post(
      '/api/operators/grant-reviews/:id/acknowledge',
      {
        config: { access: { permission: 'operators:write', stepUp: true } },
        schema: {
          params: idParams,
          body: z.object({ comment: z.string().max(2000) }).strict(),
          response: { 200: grantReviewAcknowledged },
        },
      },
      async (req) => {
        const v = await bootstrap.acknowledgeReview(req.params.id, req.body.comment, auditContext(req));
        return { id: v.id, status: v.status, acknowledgedBy: v.acknowledged_by };
      },
    );
  };
}
