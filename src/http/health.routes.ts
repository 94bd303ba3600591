import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';

const readiness = z.object({
  status: z.enum(['ready', 'not ready']),
  /** What is failing, in one line (only when not ready). */
  reason: z.string().optional(),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.unknown().optional() })),
});

export interface ReadinessCheck {
  name: string;
  check: () => Promise<{ ok: boolean; detail?: unknown }>;
}

/** Liveness, readiness (every check must pass) and Prometheus metrics. */
export function healthRoutes(deps: {
  checks: ReadinessCheck[];
  registry: Registry;
  version: string;
  /** The commit the desk runs (null when it cannot tell). */
  commit: string | null;
}): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/health',
      {
        config: { access: 'public' },
        schema: {
          response: {
            200: z.object({ status: z.literal('ok'), version: z.string(), commit: z.string().nullable() }),
          },
        },
      },
      async () => ({
        status: 'ok' as const,
        version: deps.version,
        commit: deps.commit,
      }),
    );

    app.get(
      '/ready',
      { config: { access: 'public' }, schema: { response: { 200: readiness, 503: readiness } } },
      async (req, reply) => {
        const results = await Promise.all(
          deps.checks.map(async (c) => {
            try {
              return { name: c.name, ...(await c.check()) };
            } catch (err) {
              // /ready is public: a driver's message can name hosts, users or databases. It goes to the log.
              req.log.error({ err, check: c.name }, 'readiness check failed');
              return {
                name: c.name,
                ok: false,
                detail: `the ${c.name} check failed (the desk's log says why, under this request id)`,
              };
            }
          }),
        );
        const ok = results.every((r) => r.ok);
        const failing = results.filter((r) => !r.ok);
        if (!ok) reply.header('retry-after', '5');
        return reply.status(ok ? 200 : 503).send({
          status: ok ? 'ready' : 'not ready',
          ...(ok
            ? {}
            : {
                reason: failing
                  .map((r) => `${r.name}: ${typeof r.detail === 'string' ? r.detail : 'not ok'}`)
                  .join('; '),
              }),
          checks: Object.fromEntries(results.map(({ name, ...r }) => [name, r])),
        });
      },
    );

    app.get('/metrics', { config: { access: 'public' } }, async (_req, reply) => {
      return reply.type(deps.registry.contentType).send(await deps.registry.metrics());
    });
  };
}
