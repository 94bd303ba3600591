import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { droppedPaths } from './serializer.js';

/** Routes whose 200 is not JSON (a text exposition, a file or an event stream), or that never answer 200. */
const NOT_JSON = new Set([
  'GET /metrics', // Prometheus text exposition
  'GET /api/audit/export', // NDJSON file of signed audit events
  'GET /api/events', // text/event-stream
  'PUT /api/pricing/spreads', // always 409 SPREADS_NEED_APPROVAL: spreads change only by a co-signed pricing.spreads
]);

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

describe('the OpenAPI document (/api/openapi.json)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await buildTestServer();
  });
  afterAll(() => t.close());

  it('gives every operation a 2xx response schema', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ paths: Record<string, Record<string, Operation>> }>();
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(operations.length).toBeGreaterThan(50);
    const lacking = operations
      .filter(({ name }) => !NOT_JSON.has(name.replace(/\{(\w+)\}/g, ':$1')))
      .filter(
        ({ op }) =>
          !Object.entries(op.responses ?? {}).some(
            ([status, r]) => /^2/.test(status) && Object.values(r.content ?? {}).some((c) => c.schema),
          ),
      )
      .map(({ name }) => name);
    expect(lacking).toEqual([]);
  });

  it('refuses, in tests, a reply its response schema would lose a property of', async () => {
    const leaky: FastifyPluginAsync = async (app) => {
      app.withTypeProvider<ZodTypeProvider>().get(
        '/api/test/leaky',
        {
          config: { access: 'public' },
          schema: { response: { 200: z.object({ id: z.string() }) } },
        },
        async () => ({ id: 'a', secretField: 'b' }),
      );
    };
    const s = await buildTestServer({ database: t.database, extraRoutes: [leaky] });
    try {
      const res = await s.app.inject({ method: 'GET', url: '/api/test/leaky' });
      expect(res.statusCode).toBe(500);
    } finally {
      await s.close();
    }
  });

  it('names each property a schema dropped, nested ones too', () => {
    expect(
      droppedPaths({ a: 1, b: { c: 2, d: 3 }, e: [{ f: 1, g: 2 }] }, { a: 1, b: { c: 2 }, e: [{ f: 1 }] }),
    ).toEqual(['b.d', 'e[0].g']);
    expect(droppedPaths({ a: 1, gone: undefined }, { a: 1 })).toEqual([]);
  });
});
