import type { FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

/**
 * Every route must declare who may call it. Public routes are a deliberate, short list: adding one
 * means adding it here, in review.
 */
const PUBLIC_ROUTES = new Set([
  'GET /health',
  'HEAD /health',
  'GET /ready',
  'HEAD /ready',
  'GET /metrics',
  'HEAD /metrics',
  'GET /api/openapi.json',
  'HEAD /api/openapi.json',
  'POST /api/auth/login',
  'GET /api/invitations/:token', // the invitation token is the credential
  'HEAD /api/invitations/:token',
  'POST /api/invitations/accept',
  'POST /api/auth/refresh', // checks the refresh cookie and the session's CSRF token itself
  'POST /api/setup',
  'POST /telegram/webhook', // proves itself with X-Telegram-Bot-Api-Secret-Token (src/telegram/webhook.routes.ts)
  'GET /*', // the ops console (static files; /api/* under it answers 404 problem+json)
  'HEAD /*',
]);

describe('route access rules', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await buildTestServer();
  });
  afterAll(() => t.close());

  it('every registered route declares an access rule', () => {
    expect(t.app.deskRoutes.length).toBeGreaterThan(5);
    const undeclared = t.app.deskRoutes.filter((r) => !r.access).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
  });

  it('only the allow-listed routes are public', () => {
    const publicRoutes = t.app.deskRoutes
      .filter((r) => r.access === 'public')
      .map((r) => `${r.method} ${r.url}`);
    for (const route of publicRoutes)
      expect(PUBLIC_ROUTES, `${route} is public but not allow-listed`).toContain(route);
  });

  it('every non-public route refuses an anonymous caller with 401', async () => {
    const guarded = t.app.deskRoutes.filter((r) => r.access !== 'public' && r.method !== 'HEAD');
    expect(guarded.length).toBeGreaterThan(0);
    for (const r of guarded) {
      const url = r.url.replace(/:[A-Za-z]+/g, '00000000-0000-0000-0000-000000000000');
      const res = await t.app.inject({
        method: r.method as 'GET',
        url,
        payload: r.method === 'GET' ? undefined : {},
      });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });

  it('a route without an access rule cannot be registered', async () => {
    const undeclared: FastifyPluginAsync = async (app) => {
      app.get('/test/undeclared', async () => ({ ok: true }));
    };
    await expect(buildTestServer({ database: t.database, extraRoutes: [undeclared] })).rejects.toThrow(
      /declares no access rule/,
    );
  });
});
