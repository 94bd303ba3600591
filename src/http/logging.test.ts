import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../shared/logger.js';
import { fixedClock } from '../shared/clock.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { newOperator } from '../../test/support/factories.js';

/** Logs are JSON with a request id, and never contain passwords, tokens, TOTP secrets or codes. */
describe('request logs', () => {
  const lines: string[] = [];
  let t: TestServer;
  const clock = fixedClock(new Date());
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    t = await buildTestServer({ logger: createLogger('trace', sink), clock });
  });
  afterAll(() => t.close());

  it('a full sign-in journey leaves no secret in the logs', async () => {
    const password = 'correct horse battery staple 42';
    const op = await newOperator(t, { roles: ['risk_officer'], password });
    clock.advance(60_000);
    const code = op.totp();
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: op.email, password, totp: code } });
    expect(login.statusCode).toBe(200);
    const { token, csrfToken } = login.json<{ token: string; csrfToken: string }>();
    const stepUp = await t.app.inject({ method: 'POST', url: '/api/auth/step-up', headers: { authorization: `Bearer ${token}` }, payload: { code: (clock.advance(30_000), op.totp()) } });
    expect(stepUp.statusCode).toBe(200);
    await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: op.email, password: 'wrong password here', totp: '000000' } });
    await t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}`, cookie: `desk_session=${token}` } });

    const log = lines.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [password, 'wrong password here', code, token, csrfToken, op.secret ?? 'no-secret']) expect(log).not.toContain(secret);
    const requests = lines.map((l) => JSON.parse(l) as { msg: string; reqId?: string; route?: string }).filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(4);
    expect(requests.every((r) => typeof r.reqId === 'string' && r.reqId.length > 0)).toBe(true);
    expect(requests.map((r) => r.route)).toContain('/api/auth/login');
  });
});
