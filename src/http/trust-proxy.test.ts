import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstAuditEvent } from '../../test/support/audit.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/db.js';
import { newOperator } from '../../test/support/factories.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

const PROXY = '10.9.0.1';

/**
 * TRUST_PROXY decides whose IP the per-IP login limit and the audit trail see: behind a trusted proxy
 * the client's (from X-Forwarded-For), otherwise the peer's, whatever the header claims.
 */
describe('TRUST_PROXY', () => {
  let database: TestDatabase;
  let trusting: TestServer;
  let plain: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    trusting = await buildTestServer({
      database,
      env: { TRUST_PROXY: `${PROXY},10.9.1.0/24`, LOGIN_RATE_PER_MINUTE: '3' },
    });
    plain = await buildTestServer({ database, env: { LOGIN_RATE_PER_MINUTE: '3' } });
  });
  afterAll(async () => {
    await trusting?.close();
    await plain?.close();
    await database?.drop();
  });

  const wrongLogin = (t: TestServer, remoteAddress: string, forwardedFor: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress,
      headers: { 'x-forwarded-for': forwardedFor },
      payload: { email: 'nobody@desk.test', password: 'wrong password' },
    });

  async function loginIp(t: TestServer, remoteAddress: string, forwardedFor: string): Promise<string | null> {
    const op = await newOperator(t, { roles: ['auditor'] });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      remoteAddress,
      headers: { 'x-forwarded-for': forwardedFor },
      payload: { email: op.email, password: op.password, totp: op.totp() },
    });
    expect(res.statusCode).toBe(200);
    const login = await firstAuditEvent(database, {
      action: 'auth.login',
      requestId: String(res.headers['x-request-id']),
    });
    return login.ip;
  }

  it('behind a trusted proxy, the login limit counts each client behind it separately', async () => {
    for (let i = 0; i < 3; i++)
      expect((await wrongLogin(trusting, PROXY, '203.0.113.7')).statusCode).toBe(401);
    expect((await wrongLogin(trusting, PROXY, '203.0.113.7')).statusCode).toBe(429);
    // Another client through the same proxy has its own bucket.
    expect((await wrongLogin(trusting, PROXY, '203.0.113.8')).statusCode).toBe(401);
  });

  it('behind a trusted proxy, the audit trail records the client IP', async () => {
    expect(await loginIp(trusting, '10.9.1.20', '198.51.100.4')).toBe('198.51.100.4');
  });

  it('a peer that is not a trusted proxy cannot choose its IP with X-Forwarded-For', async () => {
    expect(await loginIp(trusting, '192.0.2.50', '198.51.100.5')).toBe('192.0.2.50');
  });

  it('a hop count trusts that many proxies from the nearest: the address one hop further is the client', async () => {
    const hops = await buildTestServer({ database, env: { TRUST_PROXY: '1' } });
    try {
      expect(await loginIp(hops, '10.7.0.1', '192.0.2.9, 198.51.100.7')).toBe('198.51.100.7');
    } finally {
      await hops.close();
    }
  });

  it('without TRUST_PROXY the header is ignored: a changing X-Forwarded-For escapes neither the limit nor the audit trail', async () => {
    for (let i = 0; i < 3; i++)
      expect((await wrongLogin(plain, PROXY, `203.0.113.${10 + i}`)).statusCode).toBe(401);
    expect((await wrongLogin(plain, PROXY, '203.0.113.99')).statusCode).toBe(429);
    expect(await loginIp(plain, '10.9.0.2', '198.51.100.6')).toBe('10.9.0.2');
  });
});
