import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, type Person } from '../../test/support/approvals.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

/** Issue #14 items 5 and 7: every odd input is a 4xx problem+json, and replies say no more than they must. */
describe('odd input and what error replies carry', () => {
  let t: TestServer;
  let auditor: Person;
  let risk: Person;
  beforeAll(async () => {
    t = await buildTestServer();
    [auditor, risk] = await Promise.all([person(t, ['auditor']), person(t, ['risk_officer'])]);
  });
  afterAll(() => t.close());

  const isProblem = (res: { statusCode: number; headers: Record<string, unknown>; body: string }) => {
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(res.body).not.toMatch(/\n\s+at /); // no stack trace
  };

  it('a NUL byte in the login email, without signing in, is a 400', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'a\u0000@example.com', password: 'correct horse battery' },
    });
    isProblem(res);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'body.email' }] });
  });

  it('a lone UTF-16 surrogate in stored JSON, and NUL in a query, are 400', async () => {
    const res = await call(t, risk, 'POST', '/api/approvals', {
      kind: 'flag.set',
      payload: { key: 'AUTO_SETTLEMENT', enabled: true },
      note: 'broken \ud800 text',
    });
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const q = await call(t, auditor, 'GET', '/api/approvals?kind=a%00b');
    expect([q.status, q.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('dates outside what PostgreSQL holds, forged cursors and a 19-digit ledger `before` are 400', async () => {
    const admin = await person(t, ['platform_admin', 'auditor']);
    const cursor = Buffer.from(`-100000-01-01T00:00:00.000Z|00000000-0000-4000-8000-000000000000`).toString(
      'base64url',
    );
    for (const [who, url] of [
      [admin, '/api/approvals/report?from=-100000-01-01'],
      [auditor, '/api/trades?from=%2B275760-09-13'],
      [auditor, `/api/settlements?cursor=${cursor}`],
      [auditor, `/api/approvals?cursor=${cursor}`],
      [auditor, '/api/ledger/accounts/x/entries?before=9999999999999999999'],
      [auditor, '/api/wallets/reconciliations?before=9999999999999999999'],
    ] as const) {
      const res = await call(t, who, 'GET', url);
      expect([url, res.status, res.body.code]).toEqual([url, 400, 'VALIDATION_FAILED']);
    }
  });

  it("Fastify's own errors are problem+json with the security headers and echo no URL", async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/approvals/%E0%A4%A<script>' });
    isProblem(res);
    expect(res.body).not.toContain('script');
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const long = await t.app.inject({ method: 'GET', url: `/api/approvals/${'a'.repeat(5000)}` });
    isProblem(long);
    expect(long.body.length, long.body).toBeLessThan(1500);
  });

  it('oversized headers get a problem+json 431 from the real socket', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/health', headers: { 'x-big': 'x'.repeat(20_000) } },
        (r) => {
          let body = '';
          r.on('data', (c: Buffer) => (body += c.toString()));
          r.on('end', () =>
            resolve({ status: r.statusCode ?? 0, type: String(r.headers['content-type']), body }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(431);
    expect(res.type).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({ code: 'VALIDATION_FAILED', status: 431 });
  });

  it('an error reply stays small: 60,000 unknown keys do not come back one by one', async () => {
    const payload: Record<string, number> = { enabled: 1 };
    for (let i = 0; i < 60_000; i++) payload[`k${i}`] = i;
    const res = await call(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/requests', payload);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body).length).toBeLessThan(20_000);
    expect((res.body.errors as unknown[]).length).toBeLessThanOrEqual(50);
  });

  it('API replies are never cached (tokens, TOTP secrets, link codes, setup tokens travel in them)', async () => {
    for (const url of ['/api/me', '/api/approvals']) {
      const res = await t.app.inject({
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${risk.session.token}` },
      });
      expect([url, res.headers['cache-control']]).toEqual([url, 'no-store']);
    }
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: {} });
    expect(login.headers['cache-control']).toBe('no-store');
  });

  it('a caller-chosen X-Request-Id is kept only when safe, and cannot pass for a Telegram or system id', async () => {
    const ask = async (id: string) =>
      String(
        (await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': id } })).headers[
          'x-request-id'
        ],
      );
    expect(await ask('abc-123')).toBe('abc-123');
    for (const forged of ['telegram:4242', 'system:sealer', 'x'.repeat(129), 'a b'])
      expect(await ask(forged)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
