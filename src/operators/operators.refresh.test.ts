import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock.js';
import { newOperator, signedInOperator } from '../../test/support/factories.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

/**
 * The console's silent refresh: the access token lives ACCESS_TOKEN_MINUTES (15), the session
 * SESSION_HOURS (12). A console left alone past 15 minutes presents its refresh cookie and carries on.
 */
const clock = fixedClock(new Date('2026-02-03T09:00:00Z'));
let t: TestServer;
beforeAll(async () => {
  t = await buildTestServer({ clock });
});
afterAll(() => t.close());

const refresh = (headers: Record<string, string>) =>
  t.app.inject({ method: 'POST', url: '/api/auth/refresh', headers });
const me = (cookie: string) => t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
const cookieValue = (setCookie: string | string[] | undefined, name: string) =>
  [setCookie ?? []]
    .flat()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0]
    ?.slice(name.length + 1);

describe('refresh by the refresh cookie', () => {
  it('login sets an HttpOnly refresh cookie, only for the refresh path, until the session ends', async () => {
    const op = await newOperator(t, { roles: ['ops_approver'] });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: op.email, password: op.password, code: op.totp() },
    });
    expect(res.statusCode).toBe(200);
    const cookie = [res.headers['set-cookie']].flat().find((c) => c?.startsWith('desk_refresh='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Path=\/api\/auth\/refresh/);
    const expires = new Date(/Expires=([^;]+)/.exec(cookie ?? '')?.[1] ?? 0).getTime();
    expect(expires).toBe(Math.floor((clock.now().getTime() + 12 * 3_600_000) / 1000) * 1000);
    expect(JSON.stringify(res.json())).not.toContain(cookieValue(res.headers['set-cookie'], 'desk_refresh'));
  });

  it('after the access token expired, the refresh cookie plus CSRF header buys a new one', async () => {
    const s = await signedInOperator(t);
    clock.advance(16 * 60_000);
    expect((await me(s.cookie)).statusCode).toBe(401);
    const res = await refresh({
      cookie: `${s.cookie}; desk_refresh=${s.refreshToken}`,
      'x-csrf-token': s.csrfToken,
    });
    expect(res.statusCode).toBe(200);
    const fresh = cookieValue(res.headers['set-cookie'], 'desk_session');
    expect(fresh).toBeTruthy();
    expect((await me(`desk_session=${fresh}`)).statusCode).toBe(200);
  });

  it('needs the session’s CSRF token', async () => {
    const s = await signedInOperator(t);
    clock.advance(16 * 60_000);
    const withoutCsrf = await refresh({ cookie: `desk_refresh=${s.refreshToken}` });
    expect(withoutCsrf.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const forged = await refresh({ cookie: `desk_refresh=${s.refreshToken}`, 'x-csrf-token': 'forged' });
    expect(forged.statusCode).toBe(401);
  });

  it('an access token is not a refresh token, nor the other way round', async () => {
    const s = await signedInOperator(t);
    const asRefresh = await refresh({ cookie: `desk_refresh=${s.token}`, 'x-csrf-token': s.csrfToken });
    expect(asRefresh.statusCode).toBe(401);
    const asAccess = await me(`desk_session=${s.refreshToken}`);
    expect(asAccess.statusCode).toBe(401);
  });

  it('stops with the session: after logout, and after SESSION_HOURS', async () => {
    const a = await signedInOperator(t);
    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: a.console });
    expect(out.statusCode).toBe(204);
    expect([out.headers['set-cookie']].flat().join()).toMatch(/desk_refresh=;/);
    const afterLogout = await refresh({
      cookie: `desk_refresh=${a.refreshToken}`,
      'x-csrf-token': a.csrfToken,
    });
    expect(afterLogout.statusCode).toBe(401);

    const b = await signedInOperator(t);
    clock.advance(11 * 3_600_000);
    const late = await refresh({ cookie: `desk_refresh=${b.refreshToken}`, 'x-csrf-token': b.csrfToken });
    expect(late.statusCode).toBe(200);
    clock.advance(1 * 3_600_000 + 1_000);
    const over = await refresh({ cookie: `desk_refresh=${b.refreshToken}`, 'x-csrf-token': b.csrfToken });
    expect(over.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});

describe('the TOTP field', () => {
  it('sign-in takes `code`, as step-up does, and still takes the old `totp`', async () => {
    const op = await newOperator(t, { roles: ['ops_approver'] });
    const login = (payload: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: op.email, password: op.password, ...payload },
      });
    const asked = (await login({})).json<{ code: string; detail: string }>();
    expect(asked.code).toBe('MFA_REQUIRED');
    expect(asked.detail).toContain('field code');
    expect((await login({ code: op.totp() })).statusCode).toBe(200);
    clock.advance(60_000); // a fresh TOTP step
    expect((await login({ totp: op.totp() })).statusCode).toBe(200);
  });
});
