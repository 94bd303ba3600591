import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { signedInOperator } from '../../test/support/factories.js';
import { newClient } from '../../test/support/clients.js';
import { ROLES } from '../shared/roles.js';

interface ProblemBody {
  code: string;
  detail: string;
  errors?: { path: string; message: string }[];
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SOME_ID = '00000000-0000-4000-8000-000000000000';
/** Path parameters that are not ids. */
const PARAMS: Record<string, string> = { key: 'AUTO_SETTLEMENT' };

/**
 * Every mutating route refuses a field it does not know, as 400 naming it, whoever calls it: a route
 * whose body schema is not strict (or has none, and so takes anything) fails here. The caller holds
 * every role with a fresh step-up, so access control lets each request through to validation.
 */
describe('unknown fields on every mutating route', () => {
  let t: TestServer;
  let operatorHeaders: { authorization: string };
  let clientKeyHeaders: { authorization: string; 'idempotency-key': string };
  beforeAll(async () => {
    t = await buildTestServer();
    const admin = await signedInOperator(t, { roles: [...ROLES] });
    operatorHeaders = admin.bearer;
    const client = await newClient(t);
    const issued = await t.app.inject({
      method: 'POST',
      url: `/api/clients/${client.id}/api-keys`,
      headers: admin.bearer,
      payload: { label: 'unknown-fields test' },
    });
    expect(issued.statusCode).toBe(201);
    clientKeyHeaders = {
      authorization: `Bearer ${issued.json<{ key: string }>().key}`,
      'idempotency-key': 'unknown-fields-test',
    };
  });
  afterAll(() => t.close());

  it('answers 400 VALIDATION_FAILED naming "__unknown", never 2xx or 500', async () => {
    const routes = t.app.deskRoutes.filter((r) => MUTATING.has(r.method));
    expect(routes.length).toBeGreaterThan(20);
    const wrong: string[] = [];
    for (const r of routes) {
      const url = r.url.replace(/:([A-Za-z]+)/g, (_m, name: string) => PARAMS[name] ?? SOME_ID);
      const headers = r.access === 'client-key' ? clientKeyHeaders : operatorHeaders;
      const res = await t.app.inject({ method: r.method as 'POST', url, headers, payload: { __unknown: 1 } });
      const body = res.json<ProblemBody>();
      const named =
        body.code === 'VALIDATION_FAILED' &&
        body.detail.includes('__unknown') &&
        (body.errors ?? []).some((e) => `${e.path} ${e.message}`.includes('__unknown'));
      if (res.statusCode !== 400 || !named)
        wrong.push(`${r.method} ${r.url} → ${res.statusCode} ${body.code}: ${body.detail}`);
    }
    expect(wrong).toEqual([]);
  });

  it.each(['/api/auth/refresh', '/api/auth/mfa/enroll', '/api/auth/logout'])(
    '%s takes no body, or {}, and refuses anything else',
    async (url) => {
      const refused = await t.app.inject({
        method: 'POST',
        url,
        headers: operatorHeaders,
        payload: { admin: true },
      });
      expect(refused.statusCode).toBe(400);
      expect(refused.json<ProblemBody>().detail).toContain('admin');
      const { bearer } = await signedInOperator(t, { roles: ['auditor'] });
      const empty = await t.app.inject({ method: 'POST', url, headers: bearer });
      const emptyObject = await t.app.inject({ method: 'POST', url, headers: bearer, payload: {} });
      for (const res of [empty, emptyObject]) expect(res.statusCode, `${url}: ${res.body}`).not.toBe(400);
    },
  );
});
