import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { deskDate } from '../shared/dates.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContext } from '../shared/request-context.js';
import { AppError } from '../shared/errors.js';
import type { Decider } from './approvals.ports.js';
import type { ApprovalQueries } from './approvals.queries.js';
import type { ApprovalsService } from './approvals.service.js';
import { approvalsReport, reportCsv } from './approvals.report.js';
import type { ApproverDirectory } from './approvals.ports.js';
import type { Executor } from '../shared/db.js';
import { bucketSchema, windowQuery } from '../shared/windows.js';
import {
  changeRequestDetailSchema,
  changeRequestSchema,
  eligibilitySchema,
  eligibleApproversSchema,
  policiesSchema,
  reportSchema,
  requestPageSchema,
} from './approvals.api.js';
import {
  approveBody,
  cosignBody,
  fileBody,
  idempotencyKeyOf,
  idParams,
  listQuery,
  rejectBody,
  requestView,
} from './approvals.schemas.js';

function actorOf(request: FastifyRequest) {
  if (!request.actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  return request.actor;
}

function decider(request: FastifyRequest): Decider {
  const actor = actorOf(request);
  return { operatorId: actor.operatorId, stepUpUntil: actor.stepUpUntil, audit: auditContext(request) };
}

/** The approvals API: thin — parse, call the engine, shape the answer. */
const reportQuery = z
  .object({
    from: deskDate.optional(),
    to: deskDate.optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict();

export function approvalsRoutes(deps: {
  approvals: ApprovalsService;
  queries: ApprovalQueries;
  db: Executor;
  directory: ApproverDirectory;
  now?: () => Date;
}): FastifyPluginAsync {
  const { approvals, queries } = deps;
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const read = { access: { permission: 'approvals:read' as const } };
    const decide = { access: { permission: 'approvals:decide' as const, stepUp: true } };

    r.post(
      '/api/approvals',
      {
        config: { access: { permission: 'approvals:request' } },
        schema: { body: fileBody, response: { 200: changeRequestSchema, 201: changeRequestSchema } },
      },
      async (req, reply) => {
        const key = idempotencyKeyOf(req.headers);
        const actor = actorOf(req);
        const { request, replayed } = await approvals.file(
          { ...req.body, idempotencyKey: key },
          { type: 'operator', id: actor.operatorId },
          auditContext(req),
        );
        return reply.status(replayed ? 200 : 201).send(requestView(request));
      },
    );

    r.get(
      '/api/approvals',
      { config: read, schema: { querystring: listQuery, response: { 200: requestPageSchema } } },
      async (req) => {
        const me = actorOf(req).operatorId;
        const page = await queries.list(req.query, me);
        // Name requesters and approvers so lists read like the detail page: only the people on this page.
        const { people, clients } = await queries.peopleOf(page.items);
        return {
          items: page.items.map((i) => requestView(i, people, clients)),
          nextCursor: page.nextCursor,
          awaitingMe: await queries.awaitingMeCount(me),
        };
      },
    );

    r.get(
      '/api/approvals/report',
      {
        config: { access: { permission: 'approvals:report' } },
        schema: {
          querystring: reportQuery,
          // format=csv answers text/csv instead (a string is sent as it is, without this schema).
          response: { 200: reportSchema },
        },
      },
      async (req, reply) => {
        const to = req.query.to ?? new Date();
        const from = req.query.from ?? new Date(to.getTime() - 30 * 24 * 3600 * 1000);
        if (from >= to)
          throw new AppError('VALIDATION_FAILED', '`from` must be before `to`.', [
            { path: 'querystring.from', message: 'must be before to' },
          ]);
        const report = await approvalsReport(deps.db, deps.directory, { from, to });
        if (req.query.format === 'csv') {
          const name = `approvals-${from.toISOString().slice(0, 10)}-${to.toISOString().slice(0, 10)}.csv`;
          // Text outside the JSON schema: Fastify sends a string payload as it is.
          const text: FastifyReply = reply;
          return text
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${name}"`)
            .send(reportCsv(report));
        }
        return report;
      },
    );

    r.get(
      '/api/approvals/overview',
      {
        config: read,
        schema: {
          tags: ['overview'],
          querystring: windowQuery,
          response: {
            200: bucketSchema.extend({
              waiting: z.number(),
              oldestWaitingAt: z.string().nullable(),
              awaitingMe: z.number(),
              filed: z.array(z.number()),
              decided: z.array(z.number()),
              /** Mean seconds from filing to decision of the requests decided in each bucket (null: none). */
              secondsToDecision: z.array(z.number().nullable()),
            }),
          },
        },
      },
      async (req) => {
        const me = actorOf(req).operatorId;
        const [o, awaitingMe] = await Promise.all([
          queries.overview(req.query.window, (deps.now ?? (() => new Date()))()),
          queries.awaitingMeCount(me),
        ]);
        return { ...o, awaitingMe };
      },
    );

    r.get(
      '/api/approvals/policies/:kind/history',
      {
        config: read,
        schema: {
          tags: ['approvals'],
          params: z.object({ kind: z.string().min(1).max(100) }).strict(),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.string().uuid(),
                  status: z.string(),
                  summary: z.string(),
                  diff: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })),
                  note: z.string().nullable(),
                  requestedBy: z.string().nullable(),
                  createdAt: z.string(),
                  decidedAt: z.string().nullable(),
                }),
              ),
            }),
          },
        },
      },
      async (req) => {
        const page = await queries.list(
          { kind: 'policy.set', entities: [{ type: 'policy', id: req.params.kind }], limit: 50 },
          actorOf(req).operatorId,
        );
        const { people } = await queries.peopleOf(page.items);
        return {
          items: page.items.map((i) => ({
            id: i.id,
            status: i.status,
            summary: i.summary,
            diff: i.diff as { field: string; before: unknown; after: unknown }[],
            note: i.note,
            requestedBy: i.requested_by_id ? (people.get(i.requested_by_id)?.name ?? null) : null,
            createdAt: i.created_at.toISOString(),
            decidedAt: i.decided_at?.toISOString() ?? null,
          })),
        };
      },
    );

    r.get(
      '/api/approvals/policies',
      { config: read, schema: { response: { 200: policiesSchema } } },
      async () => ({
        items: (await queries.policies()).map((p) => ({ ...p, updatedAt: p.updatedAt.toISOString() })),
      }),
    );

    r.get(
      '/api/approvals/policies/:kind/eligibility',
      {
        config: read,
        schema: {
          params: z.object({ kind: z.string().min(1).max(100) }).strict(),
          response: { 200: eligibilitySchema },
        },
      },
      async (req) => {
        const blocked = await queries.eligibilityFor(req.params.kind, actorOf(req).operatorId);
        return {
          kind: req.params.kind,
          decidable: blocked === null,
          /** The step nobody could take (`primary`: approve, `secondary`: co-sign), when undecidable. */
          step: blocked?.step ?? null,
          undecidableReason: blocked?.reason ?? null,
          missingRoles: blocked?.missingRoles ?? [],
        };
      },
    );

    r.get(
      '/api/approvals/:id',
      { config: read, schema: { params: idParams, response: { 200: changeRequestDetailSchema } } },
      async (req) => {
        const { request, history, people, clients, undecidable } = await queries.get(req.params.id);
        return {
          ...requestView(request, people, clients),
          /** Set when nobody the desk has now can take the next step (names the missing roles). */
          undecidableReason: undecidable?.reason ?? null,
          missingRoles: undecidable?.missingRoles ?? [],
          history: history.map((h) => ({
            at: h.at.toISOString(),
            action: h.action,
            actor: {
              type: h.actor_type,
              id: h.actor_id,
              name: h.actor_id ? (people.get(h.actor_id)?.name ?? null) : null,
            },
            reason: h.reason,
            data: h.data,
          })),
        };
      },
    );

    r.get(
      '/api/approvals/:id/eligible-approvers',
      { config: read, schema: { params: idParams, response: { 200: eligibleApproversSchema } } },
      async (req) => {
        const people = await queries.eligibleApprovers(req.params.id, actorOf(req).operatorId);
        return {
          items: people.map((p) => ({
            id: p.id,
            name: p.name,
            email: p.email,
            roles: p.roles,
            telegramLinked: p.telegramLinked,
          })),
        };
      },
    );

    r.post(
      '/api/approvals/:id/approve',
      {
        config: decide,
        schema: { params: idParams, body: approveBody, response: { 200: changeRequestSchema } },
      },
      async (req) => requestView(await approvals.approve(req.params.id, req.body, decider(req))),
    );
    r.post(
      '/api/approvals/:id/cosign',
      {
        config: decide,
        schema: { params: idParams, body: cosignBody, response: { 200: changeRequestSchema } },
      },
      async (req) => requestView(await approvals.cosign(req.params.id, req.body, decider(req))),
    );
    r.post(
      '/api/approvals/:id/reject',
      {
        config: decide,
        schema: { params: idParams, body: rejectBody, response: { 200: changeRequestSchema } },
      },
      async (req) => requestView(await approvals.reject(req.params.id, req.body, decider(req))),
    );
    r.post(
      '/api/approvals/:id/cancel',
      {
        config: { access: { permission: 'approvals:request' } },
        schema: {
          params: idParams,
          body: z.object({}).strict().nullish(),
          response: { 200: changeRequestSchema },
        },
      },
      async (req) =>
        requestView(
          await approvals.cancel(
            req.params.id,
            { type: 'operator', id: actorOf(req).operatorId },
            auditContext(req),
          ),
        ),
    );
  };
}
