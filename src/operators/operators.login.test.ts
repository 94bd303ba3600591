import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import { fixedClock } from '../shared/clock.js';
import { permissionsOf } from './operators.permissions.js';
import { newOperator } from '../../test/support/factories.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

const clock = fixedClock(new Date('2026-01-05T10:00:00Z'));
let t: TestServer;
let ipCounter = 0;
/** Each test signs in from its own address so the per-IP limit only bites where a test wants it to. */
const nextIp = () => `10.1.0.${++ipCounter}`;

beforeAll(async () => {
  t = await buildTestServer({
    clock,
    env: { LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_MINUTES: '15', LOGIN_RATE_PER_MINUTE: '8' },
  });
});
afterAll(() => t.close());

const login = (body: Record<string, unknown>, ip = nextIp()) =>
  t.app.inject({ method: 'POST', url: '/api/auth/login', payload: body, remoteAddress: ip });

const auditOf = (operatorId: string) =>
  auditTrail(t, { entityId: operatorId, fields: ['action', 'actorType', 'actorId', 'data'] });

describe('POST /api/auth/login', () => {
  it('signs in with email, password and code: token, session cookie, CSRF token, step-up open', async () => {
    const op = await newOperator(t, { roles: ['auditor'] });
    const res = await login({ email: op.email.toUpperCase(), password: op.password, totp: op.totp() });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      token: string;
      expiresAt: string;
      csrfToken: string;
      mfaVerified: boolean;
      stepUpUntil: string;
      operator: unknown;
    }>();
    expect(body.operator).toEqual({
      id: op.id,
      email: op.email,
      name: op.name,
      roles: ['auditor'],
      mfaEnrolled: true,
    });
    expect(body.mfaVerified).toBe(true);
    expect(body.expiresAt).toBe('2026-01-05T10:15:00.000Z');
    expect(body.stepUpUntil).toBe('2026-01-05T10:10:00.000Z');

    const cookies = [res.headers['set-cookie']].flat().join('\n');
    expect(cookies).toMatch(new RegExp(`desk_session=${body.token}; .*HttpOnly; SameSite=Strict`));
    expect(cookies).toMatch(new RegExp(`desk_csrf=${body.csrfToken}; .*SameSite=Strict`));
    expect(cookies.split('\n').find((c) => c.startsWith('desk_csrf'))).not.toContain('HttpOnly');

    const me = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      id: op.id,
      permissions: permissionsOf(['auditor']),
      session: { mfaVerified: true, stepUpOpen: true },
    });

    const [login1] = await auditTrail(t, {
      action: 'auth.login',
      actorId: op.id,
      fields: ['action', 'actorType', 'actorId'],
    });
    expect(login1).toEqual({ action: 'auth.login', actorType: 'operator', actorId: op.id });
  });

  it('answers 401 MFA_REQUIRED when an enrolled operator sends no code', async () => {
    const op = await newOperator(t);
    const res = await login({ email: op.email, password: op.password });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'MFA_REQUIRED' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('answers wrong password, wrong code and unknown email identically (INVALID_CREDENTIALS)', async () => {
    const op = await newOperator(t);
    const wrongPassword = await login({ email: op.email, password: 'not the password', totp: op.totp() });
    const wrongCode = await login({
      email: op.email,
      password: op.password,
      totp: op.totpAt(new Date('2020-01-01T00:00:00Z')),
    });
    const unknown = await login({ email: 'nobody@desk.test', password: 'whatever it is', totp: '123456' });
    const shape = (r: typeof unknown) => {
      const { requestId: _r, ...rest } = r.json<{ requestId: string }>();
      return { status: r.statusCode, ...rest };
    };
    expect(shape(wrongPassword)).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS' });
    expect(shape(wrongCode)).toEqual(shape(wrongPassword));
    expect(shape(unknown)).toEqual(shape(wrongPassword));

    // Which factor failed is for the audit trail only.
    const reasons = (await auditOf(op.id))
      .filter((e) => e.action === 'auth.login_failed')
      .map((e) => (e.data as { reason: string }).reason);
    expect(reasons).toEqual(['password', 'totp']);
    const [unknownEvent] = await auditTrail(t, { action: 'auth.login_failed', entityId: null });
    expect(unknownEvent?.data).toMatchObject({ email: 'nobody@desk.test', reason: 'unknown_email' });
  });

  it('records a failed sign-in under the email as matched (trimmed, lower-case), capped at 254 characters', async () => {
    const failures = (requestId: string) =>
      auditTrail(t, { action: 'auth.login_failed', requestId, fields: ['entityId', 'data'] });

    const unknown = await login({ email: '  NoSuch.Person@Desk.TEST ', password: 'whatever it is' });
    expect(unknown.statusCode).toBe(401);
    expect(await failures(unknown.json<{ requestId: string }>().requestId)).toEqual([
      { entityId: null, data: { email: 'nosuch.person@desk.test', reason: 'unknown_email' } },
    ]);

    // Padded and upper-cased, an operator's own address is still theirs: a wrong password, not an unknown email.
    const op = await newOperator(t);
    const padded = await login({
      email: ` ${op.email.toUpperCase()}  `,
      password: 'not the password',
      totp: op.totp(),
    });
    expect(padded.statusCode).toBe(401);
    expect((await failures(padded.json<{ requestId: string }>().requestId)).map((e) => e.entityId)).toEqual([
      op.id,
    ]);

    // The HTTP schema already refuses longer input; the service caps what it records for any other caller.
    const typed = `  ${'A'.repeat(300)}@Desk.Test`;
    await expect(
      t.desk.services.auth.login(
        { email: typed, password: 'whatever it is' },
        { actorType: 'system', requestId: 'long-email' },
      ),
    ).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    const [long] = await failures('long-email');
    expect(long?.data).toEqual({ email: 'a'.repeat(254), reason: 'unknown_email' });
  });

  it('refuses a code already used (replay), counting it as a failure', async () => {
    const op = await newOperator(t);
    clock.advance(30_000); // leave the step the factory spent on enrolment behind
    const code = op.totp();
    expect((await login({ email: op.email, password: op.password, totp: code })).statusCode).toBe(200);
    const replay = await login({ email: op.email, password: op.password, totp: code });
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect((await auditOf(op.id)).at(-1)).toMatchObject({
      action: 'auth.login_failed',
      data: { reason: 'totp_replay' },
    });
  });

  it('locks the account after LOGIN_MAX_FAILURES failures, without revealing it, and audits the lock', async () => {
    const op = await newOperator(t);
    const lockedUntil = new Date(clock.now().getTime() + 15 * 60_000).toISOString();
    for (let i = 0; i < 3; i++)
      expect((await login({ email: op.email, password: `wrong-${i}` })).statusCode).toBe(401);

    clock.advance(30_000);
    const whileLocked = await login({ email: op.email, password: op.password, totp: op.totp() });
    expect(whileLocked.statusCode).toBe(401);
    expect(whileLocked.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    // Without a code a correct password would say MFA_REQUIRED; while locked it must not.
    expect((await login({ email: op.email, password: op.password })).json()).toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });

    const events = await auditOf(op.id);
    expect(
      events
        .filter((e) => e.action === 'auth.login_failed')
        .map((e) => (e.data as { reason: string }).reason),
    ).toEqual(['password', 'password', 'password', 'locked', 'locked']);
    expect(events.filter((e) => e.action === 'auth.locked')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ failedLogins: 3, lockedUntil }) as unknown }),
    ]);

    clock.advance(15 * 60_000);
    const after = await login({ email: op.email, password: op.password, totp: op.totp() });
    expect(after.statusCode).toBe(200);
    const row = await t.database.db
      .selectFrom('operators')
      .select(['failed_logins', 'locked_until'])
      .where('id', '=', op.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ failed_logins: 0, locked_until: null });
  });

  it('a success resets the failure count', async () => {
    const op = await newOperator(t);
    clock.advance(30_000);
    for (let i = 0; i < 2; i++) await login({ email: op.email, password: 'wrong password!' });
    expect((await login({ email: op.email, password: op.password, totp: op.totp() })).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) await login({ email: op.email, password: 'wrong password!' });
    const row = await t.database.db
      .selectFrom('operators')
      .select(['failed_logins', 'locked_until'])
      .where('id', '=', op.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ failed_logins: 2, locked_until: null });
  });

  it('limits attempts per client IP: 429 problem+json with Retry-After', async () => {
    const ip = nextIp();
    for (let i = 0; i < 8; i++)
      expect((await login({ email: `x${i}@desk.test`, password: 'wrong password' }, ip)).statusCode).toBe(
        401,
      );
    const limited = await login({ email: 'x@desk.test', password: 'wrong password' }, ip);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect((await login({ email: 'x@desk.test', password: 'wrong password' })).statusCode).toBe(401);
  });

  it('refuses unknown fields and missing ones', async () => {
    expect((await login({ email: 'a@b.co', password: 'x', admin: true })).json()).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect((await login({ email: 'a@b.co' })).json()).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
  });

  it('never returns a password, hash or TOTP secret', async () => {
    const op = await newOperator(t, { roles: ['platform_admin'] });
    clock.advance(30_000);
    const res = await login({ email: op.email, password: op.password, totp: op.totp() });
    const token = res.json<{ token: string }>().token;
    const row = await t.database.db
      .selectFrom('operators')
      .select(['password_hash', 'mfa_secret_enc'])
      .where('id', '=', op.id)
      .executeTakeFirstOrThrow();
    const bodies = [res.body];
    for (const url of ['/api/me', '/api/operators'])
      bodies.push(
        (await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })).body,
      );
    for (const body of bodies) {
      for (const secret of [
        op.password,
        row.password_hash,
        row.mfa_secret_enc ?? '-',
        op.secret ?? '-',
        '$argon2',
      ])
        expect(body).not.toContain(secret);
      expect(body).not.toMatch(/password|secret|hash/i);
    }
  });
});
