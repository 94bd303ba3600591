import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { auditContext } from '../shared/request-context.js';
import { AppError } from '../shared/errors.js';
import type { AlertsService } from './alerts.service.js';
import {
  alertEventJson,
  alertEventsSchema,
  alertJson,
  alertListSchema,
  runbookSchema,
  silenceSchema,
  unsilenceSchema,
} from './alerts.api.js';

const nameParams = z.object({ name: z.string().min(1).max(80) }).strict();
const iso = z
  .string()
  .datetime({ offset: true })
  .transform((s) => new Date(s));

/** The alerts API: rules with state, the transition history, silences (owner role, step-up, audited). */
export function alertsRoutes(deps: { alerts: AlertsService }): FastifyPluginAsync {
  const { alerts } = deps;
  return async (app) => {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/alerts',
      { config: { access: { permission: 'alerts:read' } }, schema: { response: { 200: alertListSchema } } },
      async () => {
        const items = await alerts.list();
        return { items: items.map(alertJson), firing: items.filter((i) => i.state === 'firing').length };
      },
    );

    r.get(
      '/api/alerts/events',
      {
        config: { access: { permission: 'alerts:read' } },
        schema: {
          querystring: z
            .object({
              rule: z.string().min(1).max(80).optional(),
              from: iso.optional(),
              to: iso.optional(),
              cursor: z.string().max(200).optional(),
              limit: z.coerce.number().int().min(1).max(200).optional(),
            })
            .strict(),
          response: { 200: alertEventsSchema },
        },
      },
      async (req) => {
        const q = req.query;
        if (q.from && q.to && q.from > q.to)
          throw new AppError('VALIDATION_FAILED', '`from` must not be after `to`.', [
            { path: 'querystring.from', message: 'is after to' },
          ]);
        try {
          const page = await alerts.events(q);
          return { items: page.items.map(alertEventJson), nextCursor: page.nextCursor };
        } catch (err) {
          if (err instanceof AppError && err.code === 'NOT_FOUND' && q.rule)
            throw new AppError('VALIDATION_FAILED', err.detail, [
              { path: 'querystring.rule', message: 'is not an alert rule' },
            ]);
          throw err;
        }
      },
    );

    r.get(
      '/api/alerts/:name/runbook',
      {
        config: { access: { permission: 'alerts:read' } },
        schema: { params: nameParams, response: { 200: runbookSchema } },
      },
      async (req) => alerts.runbook(req.params.name),
    );

    r.post(
      '/api/alerts/:name/silence',
      {
        config: { access: { permission: 'alerts:silence', stepUp: true } },
        schema: {
          params: nameParams,
          body: z.object({ minutes: z.number().int().min(1), reason: z.string().max(2000) }).strict(),
          response: { 200: silenceSchema },
        },
      },
      async (req) => {
        const s = await alerts.silence(req.params.name, req.body, {
          roles: req.actor?.roles ?? [],
          ctx: auditContext(req),
        });
        return { name: s.name, until: s.until.toISOString(), reason: s.reason };
      },
    );

    r.delete(
      '/api/alerts/:name/silence',
      {
        config: { access: { permission: 'alerts:silence', stepUp: true } },
        schema: {
          params: nameParams,
          body: z.object({}).strict().nullish(),
          response: { 200: unsilenceSchema },
        },
      },
      async (req) =>
        alerts.unsilence(req.params.name, { roles: req.actor?.roles ?? [], ctx: auditContext(req) }),
    );
  };
}
