import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail, lastAuditEvent } from '../../test/support/audit.js';
import { fixedClock } from '../shared/clock.js';
import { newOperator, signedInOperator } from '../../test/support/factories.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { totpStep } from './operators.rules.js';
import { totpCodeAt, totpCodeForStep } from './operators.totp.js';

const clock = fixedClock(new Date('2026-01-05T10:00:00Z'));
/** Stands in for a decision route (approve, co-sign): it needs an open step-up window. */
const decisionRoute: FastifyPluginAsync = async (app) => {
  app.post('/api/test/decision', { config: { access: { permission: 'self', stepUp: true } } }, async () => ({
    decided: true,
  }));
};
let t: TestServer;

beforeAll(async () => {
  t = await buildTestServer({ clock, extraRoutes: [decisionRoute] });
});
afterAll(() => t.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });
const post = (url: string, headers: Record<string, string>, payload?: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });

describe('MFA enrolment', () => {
  it('an un-enrolled operator can read /api/me and enrol, but nothing else until verified', async () => {
    const op = await newOperator(t, { roles: ['platform_admin'], mfa: false });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: op.email, password: op.password },
    });
    expect(res.json()).toMatchObject({
      mfaVerified: false,
      stepUpUntil: null,
      operator: { mfaEnrolled: false },
    });
    const pending = res.json<{ token: string }>().token;

    expect((await get('/api/me', bearer(pending))).json()).toMatchObject({
      id: op.id,
      mfaEnrolled: false,
      session: { mfaVerified: false },
    });
    expect((await get('/api/operators', bearer(pending))).json()).toMatchObject({
      status: 403,
      code: 'MFA_ENROLMENT_REQUIRED',
    });
    expect((await post('/api/auth/step-up', bearer(pending), { code: '123456' })).json()).toMatchObject({
      code: 'MFA_ENROLMENT_REQUIRED',
    });

    const enrol = await post('/api/auth/mfa/enroll', bearer(pending));
    expect(enrol.statusCode).toBe(200);
    const { secret, otpauthUrl } = enrol.json<{ secret: string; otpauthUrl: string }>();
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/usdt-desk:.*secret=/);
    const stored = await t.database.db
      .selectFrom('operators')
      .select(['mfa_pending_secret_enc'])
      .where('id', '=', op.id)
      .executeTakeFirstOrThrow();
    expect(stored.mfa_pending_secret_enc).not.toContain(secret);

    expect(
      (
        await post('/api/auth/mfa/verify', bearer(pending), {
          code: totpCodeAt(secret, new Date('2020-01-01T00:00:00Z')),
        })
      ).json(),
    ).toMatchObject({ code: 'INVALID_TOTP' });
    const verified = await post('/api/auth/mfa/verify', bearer(pending), {
      code: totpCodeAt(secret, clock.now()),
    });
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ mfaVerified: true, operator: { mfaEnrolled: true } });
    const full = verified.json<{ token: string }>().token;

    // The enrolment-only session was replaced, not upgraded.
    expect((await get('/api/me', bearer(pending))).statusCode).toBe(401);
    expect((await get('/api/operators', bearer(full))).statusCode).toBe(200);

    const actions = await auditTrail(t, { entityId: op.id, actionPrefix: 'auth.mfa' });
    expect(actions.map((a) => a.action)).toEqual([
      'auth.mfa_enrolment_started',
      'auth.mfa_verify_failed',
      'auth.mfa_enrolled',
    ]);
  });

  it('re-enrolment of an enrolled operator needs an open step-up window', async () => {
    const { operator: op, token } = await signedInOperator(t);
    clock.advance(11 * 60_000);
    expect((await post('/api/auth/mfa/enroll', bearer(token))).json()).toMatchObject({
      status: 403,
      code: 'STEP_UP_REQUIRED',
    });

    expect((await post('/api/auth/step-up', bearer(token), { code: op.totp() })).statusCode).toBe(200);
    const enrol = await post('/api/auth/mfa/enroll', bearer(token));
    expect(enrol.statusCode).toBe(200);
    const newSecret = enrol.json<{ secret: string }>().secret;
    clock.advance(30_000);
    const verified = await post('/api/auth/mfa/verify', bearer(token), {
      code: totpCodeAt(newSecret, clock.now()),
    });
    expect(verified.statusCode).toBe(200);

    const last = await lastAuditEvent(t, { entityId: op.id });
    expect(last.action).toBe('auth.mfa_reenrolled');
    // The old authenticator no longer signs in.
    clock.advance(30_000);
    const withOld = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: op.email, password: op.password, totp: op.totp() },
    });
    expect(withOld.json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
  });
});

describe('step-up', () => {
  it('a code is accepted once: the same code again is refused', async () => {
    const { operator: op, token } = await signedInOperator(t);
    clock.advance(30_000);
    const code = op.totp();
    expect((await post('/api/auth/step-up', bearer(token), { code })).statusCode).toBe(200);
    const replay = await post('/api/auth/step-up', bearer(token), { code });
    expect(replay.statusCode).toBe(403);
    expect(replay.json()).toMatchObject({ code: 'INVALID_TOTP' });
    const last = await lastAuditEvent(t, { entityId: op.id });
    expect(last).toMatchObject({ action: 'auth.step_up_failed', data: { reason: 'totp_replay' } });
  });

  it('after a code is accepted, an earlier step still inside the window is refused too (RFC 6238 §5.2)', async () => {
    const { operator: op, token } = await signedInOperator(t);
    clock.advance(60_000);
    const now = totpStep(clock.now());
    const codeFor = (step: number) => totpCodeForStep(op.secret ?? '', step);
    expect((await post('/api/auth/step-up', bearer(token), { code: codeFor(now + 1) })).statusCode).toBe(200); // a phone a little ahead
    const earlier = await post('/api/auth/step-up', bearer(token), { code: codeFor(now) }); // never used, but older
    expect(earlier.json()).toMatchObject({ status: 403, code: 'INVALID_TOTP' });
    const last = await lastAuditEvent(t, { entityId: op.id });
    expect(last).toMatchObject({ action: 'auth.step_up_failed', data: { reason: 'totp_replay' } });
    clock.advance(60_000);
    expect(
      (await post('/api/auth/step-up', bearer(token), { code: codeFor(totpStep(clock.now())) })).statusCode,
    ).toBe(200); // later steps still work
  });

  it('the window opens at login and with a code, and closes after STEP_UP_MINUTES', async () => {
    const { operator: op, token } = await signedInOperator(t);
    const decide = () => post('/api/test/decision', bearer(token));
    expect((await decide()).statusCode).toBe(200);

    clock.advance(10 * 60_000);
    expect((await decide()).json()).toMatchObject({ status: 403, code: 'STEP_UP_REQUIRED' });

    const stepUp = await post('/api/auth/step-up', bearer(token), { code: op.totp() });
    expect(stepUp.json()).toEqual({
      stepUpUntil: new Date(clock.now().getTime() + 10 * 60_000).toISOString(),
    });
    expect((await decide()).statusCode).toBe(200);
    expect((await get('/api/me', bearer(token))).json()).toMatchObject({ session: { stepUpOpen: true } });

    // A refreshed token (the access token lives 15 minutes) does not extend the window.
    const fresh = (await post('/api/auth/refresh', bearer(token))).json<{ token: string }>().token;
    clock.advance(10 * 60_000);
    expect((await post('/api/test/decision', bearer(fresh))).json()).toMatchObject({
      code: 'STEP_UP_REQUIRED',
    });
  });
});

describe('sessions and tokens', () => {
  it('logout revokes the session server-side: the same token then gets 401', async () => {
    const { operator: op, token, sessionId } = await signedInOperator(t);
    const out = await post('/api/auth/logout', bearer(token));
    expect(out.statusCode).toBe(204);
    expect([out.headers['set-cookie']].flat().join()).toMatch(/desk_session=;/);
    expect((await get('/api/me', bearer(token))).json()).toMatchObject({
      status: 401,
      code: 'UNAUTHENTICATED',
    });
    const [event] = await auditTrail(t, {
      action: 'auth.logout',
      entityId: sessionId,
      fields: ['actorId', 'entityId'],
    });
    expect(event).toEqual({ actorId: op.id, entityId: sessionId });
  });

  it('a deactivated operator is out on the next request', async () => {
    const { operator: op, token } = await signedInOperator(t);
    await t.database.db
      .updateTable('operators')
      .set({ status: 'deactivated' })
      .where('id', '=', op.id)
      .execute();
    expect((await get('/api/me', bearer(token))).statusCode).toBe(401);
  });

  it('an access token expires after ACCESS_TOKEN_MINUTES; refresh gives a new one while the session stands', async () => {
    const { token } = await signedInOperator(t);
    clock.advance(14 * 60_000);
    const refreshed = await post('/api/auth/refresh', bearer(token));
    expect(refreshed.statusCode).toBe(200);
    const fresh = refreshed.json<{ token: string }>().token;
    clock.advance(2 * 60_000);
    expect((await get('/api/me', bearer(token))).statusCode).toBe(401);
    expect((await get('/api/me', bearer(fresh))).statusCode).toBe(200);
  });

  it('rejects a token with an unknown kid, a tampered payload, or no signature', async () => {
    const { operator: op, token, sessionId } = await signedInOperator(t);
    const unknownKid = await new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', kid: 'nope' })
      .setSubject(op.id)
      .setIssuer('usdt-desk')
      .setAudience('usdt-desk-api')
      .setExpirationTime(Math.floor(clock.now().getTime() / 1000) + 600)
      .sign(randomBytes(32));
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = [
      header,
      Buffer.from(JSON.stringify({ ...claims, exp: Number(claims.exp) + 86_400 })).toString('base64url'),
      signature,
    ].join('.');
    const unsigned = [
      Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
      payload,
      '',
    ].join('.');
    for (const bad of [unknownKid, tampered, unsigned, 'not-a-jwt']) {
      expect((await get('/api/me', bearer(bad))).json()).toMatchObject({
        status: 401,
        code: 'UNAUTHENTICATED',
      });
    }
    expect((await get('/api/me', bearer(token))).statusCode).toBe(200);
  });

  it('key rotation: a token signed with the old key verifies while that key is in the ring', async () => {
    const { token: oldToken } = await signedInOperator(t);
    const [oldKey] = t.secrets.jwtKeys;
    const newKey = { kid: 'rotated', secret: randomBytes(32) };
    const rotated = await buildTestServer({
      clock,
      database: t.database,
      secrets: { ...t.secrets, jwtKeys: [newKey, oldKey!] },
    });
    const retired = await buildTestServer({
      clock,
      database: t.database,
      secrets: { ...t.secrets, jwtKeys: [newKey] },
    });
    try {
      expect(
        (await rotated.app.inject({ method: 'GET', url: '/api/me', headers: bearer(oldToken) })).statusCode,
      ).toBe(200);
      const refreshed = await rotated.app.inject({
        method: 'POST',
        url: '/api/auth/refresh',
        headers: bearer(oldToken),
      });
      const newToken = refreshed.json<{ token: string }>().token;
      expect(decodeProtectedHeader(newToken).kid).toBe('rotated');
      expect(
        (await rotated.app.inject({ method: 'GET', url: '/api/me', headers: bearer(newToken) })).statusCode,
      ).toBe(200);
      expect(
        (await retired.app.inject({ method: 'GET', url: '/api/me', headers: bearer(oldToken) })).statusCode,
      ).toBe(401);
      expect(
        (await retired.app.inject({ method: 'GET', url: '/api/me', headers: bearer(newToken) })).statusCode,
      ).toBe(200);
    } finally {
      await rotated.close();
      await retired.close();
    }
  });
});

describe('cookie sessions and CSRF', () => {
  it('a mutation by cookie needs X-CSRF-Token; reads do not; bearer needs none', async () => {
    const { operator: op, token, cookie, csrfToken } = await signedInOperator(t);
    clock.advance(30_000);
    expect((await get('/api/me', { cookie })).statusCode).toBe(200);
    const code = op.totp();
    expect((await post('/api/auth/step-up', { cookie }, { code })).json()).toMatchObject({
      status: 403,
      code: 'CSRF_REQUIRED',
    });
    expect(
      (await post('/api/auth/step-up', { cookie, 'x-csrf-token': 'forged' }, { code })).json(),
    ).toMatchObject({ code: 'CSRF_REQUIRED' });
    expect(
      (await post('/api/auth/step-up', { cookie, 'x-csrf-token': csrfToken }, { code })).statusCode,
    ).toBe(200);
    clock.advance(30_000);
    expect((await post('/api/auth/step-up', bearer(token), { code: op.totp() })).statusCode).toBe(200);
  });

  it('a malformed bearer header does not fall back to the cookie', async () => {
    const { cookie } = await signedInOperator(t);
    expect((await get('/api/me', { cookie, authorization: 'Bearer nonsense' })).statusCode).toBe(401);
  });

  it('the CSRF token belongs to its session', async () => {
    const a = await signedInOperator(t);
    const b = await signedInOperator(t);
    expect(
      (await post('/api/auth/logout', { cookie: a.cookie, 'x-csrf-token': b.csrfToken })).json(),
    ).toMatchObject({ code: 'CSRF_REQUIRED' });
    expect((await post('/api/auth/logout', a.console)).statusCode).toBe(204);
  });
});
