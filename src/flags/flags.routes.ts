import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApprovalsService } from '../approvals/approvals.service.js';
import type { ApproverDirectory } from '../approvals/approvals.ports.js';
import type { ApprovalQueries } from '../approvals/approvals.queries.js';
import type { Executor } from '../shared/db.js';
import { idempotencyKeyOf, requestView } from '../approvals/approvals.schemas.js';
import { isValidReason } from '../approvals/approvals.rules.js';
import { auditContext } from '../shared/request-context.js';
import { AppError } from '../shared/errors.js';
import { AUTO_SETTLEMENT, type FlagsService } from './flags.service.js';
import { changeRequestSchema } from '../approvals/approvals.api.js';
import {
  emergencyDisableSchema,
  flagDetailSchema,
  flagListSchema,
  reviewAcknowledgedSchema,
} from './flags.api.js';

const keyParams = z.object({ key: z.string().min(1).max(100) }).strict();
const reasonRequired = (reason: string) => {
  if (!isValidReason(reason))
    throw new AppError('REASON_REQUIRED', 'Give a reason of at least 10 characters.', [
      { path: 'reason', message: 'needs at least 10 characters' },
    ]);
};

function flagView(
  f: {
    key: string;
    enabled: boolean;
    description: string;
    updated_at: Date;
    updated_by_type: string;
    updated_by_id: string | null;
    reason: string | null;
    request_id: string | null;
    version: number;
  },
  name: (id: string | null) => string | null,
) {
  return {
    key: f.key,
    enabled: f.enabled,
    description: f.description,
    updatedAt: f.updated_at.toISOString(),
    updatedBy: {
      type: f.updated_by_type,
      id: f.updated_by_id,
      name: f.updated_by_type === 'operator' ? name(f.updated_by_id) : null,
    },
    reason: f.reason,
    requestId: f.request_id,
    version: f.version,
  };
}

export function flagsRoutes(deps: {
  flags: FlagsService;
  approvals: ApprovalsService;
  queries: ApprovalQueries;
  directory: ApproverDirectory;
  db: Executor;
}): FastifyPluginAsync {
  const { flags, approvals } = deps;
  /** The co-signed request behind the flag's current value: who asked, why, who approved and who co-signed. */
  const approvalOf = async (requestId: string | null) => {
    if (!requestId) return null;
    const { request, people, clients } = await deps.queries.get(requestId);
    const who = (id: string | null, reason: string | null, at: Date | null) =>
      id ? { id, name: people.get(id)?.name ?? null, reason, at: at?.toISOString() ?? null } : null;
    return {
      requestId: request.id,
      status: request.status,
      requestedBy: requestView(request, people, clients).requestedBy,
      note: request.note,
      primary: who(request.primary_approver_id, request.primary_reason, request.primary_at),
      cosignedBy: who(request.secondary_approver_id, request.secondary_reason, request.secondary_at),
      digest: request.digest,
    };
  };
  /** Names the operators these ids refer to, each looked up once (an ops approver cannot list operators). */
  const namesOf = async (ids: (string | null)[]) => {
    const unique = [...new Set(ids.filter((id): id is string => !!id))];
    const people = new Map(
      await Promise.all(
        unique.map(async (id) => [id, (await deps.directory.get(deps.db, id))?.name ?? null] as const),
      ),
    );
    return (id: string | null) => (id ? (people.get(id) ?? null) : null);
  };
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/flags',
      { config: { access: { permission: 'flags:read' } }, schema: { response: { 200: flagListSchema } } },
      async () => {
        const list = await flags.list();
        const name = await namesOf(
          list.map((f) => (f.updated_by_type === 'operator' ? f.updated_by_id : null)),
        );
        return { items: list.map((f) => flagView(f, name)) };
      },
    );

    r.get(
      '/api/flags/:key',
      {
        config: { access: { permission: 'flags:read' } },
        schema: { params: keyParams, response: { 200: flagDetailSchema } },
      },
      async (req) => {
        const { flag, history, reviews } = await flags.detail(req.params.key);
        const name = await namesOf([
          flag.updated_by_type === 'operator' ? flag.updated_by_id : null,
          ...history.map((h) => (h.actor_type === 'operator' ? h.actor_id : null)),
          ...reviews.flatMap((v) => [v.opened_by, v.acknowledged_by]),
        ]);
        const operatorName = (type: string, id: string | null) => (type === 'operator' ? name(id) : null);
        return {
          ...flagView(flag, name),
          approval: await approvalOf(flag.request_id),
          history: history.map((h) => ({
            at: h.at.toISOString(),
            enabled: h.enabled,
            previous: h.previous,
            via: h.via,
            actor: { type: h.actor_type, id: h.actor_id, name: operatorName(h.actor_type, h.actor_id) },
            reason: h.reason,
            requestId: h.request_id,
          })),
          reviews: reviews.map((v) => ({
            id: v.id,
            status: v.status,
            reason: v.reason,
            openedBy: v.opened_by,
            openedByName: name(v.opened_by),
            createdAt: v.created_at.toISOString(),
            acknowledgedBy: v.acknowledged_by,
            acknowledgedByName: name(v.acknowledged_by),
            acknowledgedAt: v.acknowledged_at?.toISOString() ?? null,
            comment: v.comment,
          })),
        };
      },
    );

    r.post(
      '/api/flags/:key/requests',
      {
        config: { access: { permission: 'approvals:request' } },
        schema: {
          params: keyParams,
          body: z.object({ enabled: z.boolean(), reason: z.string().max(2000) }).strict(),
          response: { 200: changeRequestSchema, 201: changeRequestSchema },
        },
      },
      async (req, reply) => {
        reasonRequired(req.body.reason);
        const actor = req.actor;
        if (!actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
        const idempotencyKey = idempotencyKeyOf(req.headers);
        const { request, replayed } = await approvals.file(
          {
            kind: 'flag.set',
            payload: { key: req.params.key, enabled: req.body.enabled },
            note: req.body.reason,
            idempotencyKey,
          },
          { type: 'operator', id: actor.operatorId },
          auditContext(req),
        );
        return reply.status(replayed ? 200 : 201).send(requestView(request));
      },
    );

    r.post(
      '/api/flags/AUTO_SETTLEMENT/emergency-disable',
      {
        config: { access: { permission: 'flags:emergency', stepUp: true } },
        schema: {
          body: z.object({ reason: z.string().max(2000) }).strict(),
          response: { 200: emergencyDisableSchema },
        },
      },
      async (req) => {
        reasonRequired(req.body.reason);
        const { review, wasEnabled } = await flags.emergencyDisable(req.body.reason, auditContext(req));
        return { key: AUTO_SETTLEMENT, enabled: false as const, wasEnabled, reviewId: review.id };
      },
    );

    r.post(
      '/api/flags/reviews/:id/acknowledge',
      {
        config: { access: { permission: 'flags:review', stepUp: true } },
        schema: {
          params: z.object({ id: z.string().uuid() }).strict(),
          body: z.object({ comment: z.string().max(2000) }).strict(),
          response: { 200: reviewAcknowledgedSchema },
        },
      },
      async (req) => {
        reasonRequired(req.body.comment);
        const v = await flags.acknowledgeReview(req.params.id, req.body.comment, auditContext(req));
        return {
          id: v.id,
          status: v.status,
          acknowledgedBy: v.acknowledged_by,
          acknowledgedAt: v.acknowledged_at?.toISOString() ?? null,
        };
      },
    );
  };
}
