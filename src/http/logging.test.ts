import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../shared/logger.js';
import { fixedClock } from '../shared/clock.js';
import { totpCodeAt } from '../operators/operators.totp.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { newOperator } from '../../test/support/factories.js';

function sink(lines: string[]) {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
}

/** Logs are JSON with a request id, and never contain passwords, tokens, TOTP secrets or codes. */
describe('request logs', () => {
  const lines: string[] = [];
  let t: TestServer;
  const clock = fixedClock(new Date());
  beforeAll(async () => {
    t = await buildTestServer({ logger: createLogger('trace', sink(lines)), clock });
  });
  afterAll(() => t.close());

  it('a full sign-in journey leaves no secret in the logs', async () => {
    const password = 'correct horse battery staple 42';
    const op = await newOperator(t, { roles: ['risk_officer'], password });
    clock.advance(60_000);
    const code = op.totp();
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: op.email, password, totp: code },
    });
    expect(login.statusCode).toBe(200);
    const { token, csrfToken } = login.json<{ token: string; csrfToken: string }>();
    const stepUp = await t.app.inject({
      method: 'POST',
      url: '/api/auth/step-up',
      headers: { authorization: `Bearer ${token}` },
      payload: { code: (clock.advance(30_000), op.totp()) },
    });
    expect(stepUp.statusCode).toBe(200);
    await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: op.email, password: 'wrong password here', totp: '000000' },
    });
    await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${token}`, cookie: `desk_session=${token}` },
    });

    const log = lines.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [password, 'wrong password here', code, token, csrfToken, op.secret ?? 'no-secret'])
      expect(log).not.toContain(secret);
    const requests = lines
      .map((l) => JSON.parse(l) as { msg: string; reqId?: string; route?: string })
      .filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(4);
    expect(requests.every((r) => typeof r.reqId === 'string' && r.reqId.length > 0)).toBe(true);
    expect(requests.map((r) => r.route)).toContain('/api/auth/login');
  });
});

/**
 * The riskiest paths for a leak, driven over HTTP with every log line kept: first-run setup (its token
 * and password), MFA enrolment (the secret and otpauth URL) and verification, step-up, a password
 * change, and an unexpected error whose object carries the request's input (as library errors do).
 */
describe('request logs on setup, enrolment, step-up, password change and a 500', () => {
  const lines: string[] = [];
  let t: TestServer;
  const clock = fixedClock(new Date());
  beforeAll(async () => {
    t = await buildTestServer({ logger: createLogger('trace', sink(lines)), clock });
  });
  afterAll(() => t.close());

  it('leaves no password, setup token, TOTP secret or code, session token or JWT in the logs', async () => {
    const post = (url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'POST', url, payload, headers });
    const setupUrl = await t.desk.services.operators.ensureSetupToken();
    const setupToken = new URL(setupUrl ?? '').searchParams.get('token') ?? '';
    const password = 'first admin passphrase 1';
    expect(
      (await post('/api/setup', { token: setupToken, email: 'admin@desk.test', name: 'Admin', password }))
        .statusCode,
    ).toBe(201);

    const pending = (await post('/api/auth/login', { email: 'admin@desk.test', password })).json<{
      token: string;
      csrfToken: string;
    }>();
    const enrolled = await post('/api/auth/mfa/enroll', {}, { authorization: `Bearer ${pending.token}` });
    expect(enrolled.statusCode).toBe(200);
    const { secret, otpauthUrl } = enrolled.json<{ secret: string; otpauthUrl: string }>();
    const verifyCode = totpCodeAt(secret, clock.now());
    const verified = await post(
      '/api/auth/mfa/verify',
      { code: verifyCode },
      { authorization: `Bearer ${pending.token}` },
    );
    expect(verified.statusCode).toBe(200);
    const full = verified.json<{ token: string; csrfToken: string }>();
    const bearer = { authorization: `Bearer ${full.token}` };

    clock.advance(30_000);
    const stepUpCode = totpCodeAt(secret, clock.now());
    expect((await post('/api/auth/step-up', { code: stepUpCode }, bearer)).statusCode).toBe(200);

    // An unexpected failure whose error carries the input it was given, nested (as a driver's error might).
    const crashedPassword = 'passphrase in a crash 7';
    const spy = vi
      .spyOn(t.desk.services.account, 'changePassword')
      .mockImplementationOnce(async (_ref, input) => {
        throw Object.assign(new Error('an unexpected internal failure'), {
          query: { params: [input] },
          input,
        });
      });
    const crashed = await post(
      '/api/me/password',
      { currentPassword: password, newPassword: crashedPassword },
      bearer,
    );
    spy.mockRestore();
    expect(crashed.statusCode).toBe(500);

    const newPassword = 'second admin passphrase 2';
    expect(
      (await post('/api/me/password', { currentPassword: password, newPassword }, bearer)).statusCode,
    ).toBe(200);
    expect(
      (
        await post('/api/auth/login', {
          email: 'admin@desk.test',
          password: 'a wrong passphrase 3',
          totp: '000000',
        })
      ).statusCode,
    ).toBe(401);

    const log = lines.join('');
    const crashLine = lines.find((l) => l.includes('unhandled error')) ?? '';
    expect(crashLine).toContain('an unexpected internal failure'); // the 500 was logged, with what a person needs
    expect(crashLine).toContain('[redacted]');
    const secrets = [
      setupToken,
      password,
      crashedPassword,
      newPassword,
      'a wrong passphrase 3',
      secret,
      otpauthUrl,
      pending.token,
      pending.csrfToken,
      full.token,
      full.csrfToken,
    ];
    for (const leaked of secrets) expect(log, 'a secret reached the logs').not.toContain(leaked);
    // Six digits can occur by chance inside a request id; a leaked code would be a JSON string of its own.
    for (const code of [verifyCode, stepUpCode]) expect(log).not.toContain(`"${code}"`);
  });
});
