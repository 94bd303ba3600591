import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import { fixedClock } from '../shared/clock.js';
import { newOperator, signedInOperator } from '../../test/support/factories.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { LINK_CODE_ALPHABET, LINK_CODE_LENGTH, newLinkCode, normaliseLinkCode } from './operators.account.js';

const clock = fixedClock(new Date('2026-02-02T09:00:00Z'));
let t: TestServer;

beforeAll(async () => {
  t = await buildTestServer({ clock });
});
afterAll(() => t.close());

const post = (url: string, headers: Record<string, string>, payload?: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });

const auditOf = (operatorId: string, action: string) =>
  auditTrail(t, { entityId: operatorId, action, fields: ['action', 'actorType', 'actorId', 'data'] });

describe('POST /api/me/password', () => {
  it('changes the password, keeps this session and revokes every other one', async () => {
    const me = await signedInOperator(t, { roles: ['auditor'] });
    clock.advance(30_000);
    const other = await me.operator.login();
    const newPassword = 'a brand new long passphrase';

    const res = await post('/api/me/password', me.bearer, {
      currentPassword: me.operator.password,
      newPassword,
    });
    expect(res.statusCode).toBe(200);
    // the other sign-in, and the session the factory's MFA enrolment left open
    expect(res.json()).toEqual({ changed: true, sessionsRevoked: 2 });

    expect((await get('/api/me', me.bearer)).statusCode).toBe(200);
    expect((await get('/api/me', other.bearer)).statusCode).toBe(401);

    const login = (password: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: me.operator.email, password, totp: me.operator.totp() },
      });
    clock.advance(30_000);
    expect((await login(me.operator.password)).json()).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    clock.advance(30_000);
    expect((await login(newPassword)).statusCode).toBe(200);

    const [event, ...more] = await auditOf(me.operator.id, 'operator.password_changed');
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      actorType: 'operator',
      actorId: me.operator.id,
      data: { sessionsRevoked: 2, keptSessionId: me.sessionId },
    });
    const stored = JSON.stringify(event?.data);
    expect(stored).not.toContain(newPassword);
    expect(stored).not.toContain(me.operator.password);
    expect(stored).not.toMatch(/argon2/);
  });

  it('refuses a wrong current password next to the field, and counts it toward the lockout', async () => {
    const me = await signedInOperator(t, { roles: ['ops_approver'] });
    const res = await post('/api/me/password', me.bearer, {
      currentPassword: 'not my password at all',
      newPassword: 'short',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [
        { path: 'currentPassword', message: 'is not your current password' },
        { path: 'newPassword', message: 'must be at least 12 characters' },
      ],
    });
    const row = await t.database.db
      .selectFrom('operators')
      .select(['failed_logins', 'password_hash'])
      .where('id', '=', me.operator.id)
      .executeTakeFirstOrThrow();
    expect(row.failed_logins).toBe(1);
    expect(await auditOf(me.operator.id, 'operator.password_change_failed')).toHaveLength(1);
    expect((await get('/api/me', me.bearer)).statusCode).toBe(200); // a refusal is not a sign-out (no 401)
  });

  it('applies the password policy to the new password', async () => {
    const me = await signedInOperator(t, { roles: ['ops_approver'] });
    const refused = async (newPassword: string) =>
      (
        await post('/api/me/password', me.bearer, { currentPassword: me.operator.password, newPassword })
      ).json<{ code: string; errors: unknown[] }>();
    expect(await refused('too short')).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'newPassword', message: 'must be at least 12 characters' }],
    });
    expect(await refused(me.operator.email)).toMatchObject({
      errors: [{ path: 'newPassword', message: 'must not be the email address' }],
    });
    expect(await refused(me.operator.password)).toMatchObject({
      errors: [{ path: 'newPassword', message: 'must differ from your current password' }],
    });
    expect(await auditOf(me.operator.id, 'operator.password_changed')).toEqual([]);
  });

  it('needs an open step-up window', async () => {
    const me = await signedInOperator(t, { roles: ['ops_approver'] });
    clock.advance(11 * 60_000);
    const res = await post('/api/me/password', me.bearer, {
      currentPassword: me.operator.password,
      newPassword: 'another long passphrase',
    });
    expect(res.json()).toMatchObject({ status: 403, code: 'STEP_UP_REQUIRED' });
  });
});

describe('Telegram link codes', () => {
  const codeShape = new RegExp(`^[${LINK_CODE_ALPHABET}]{${LINK_CODE_LENGTH}}$`);

  it('issues a one-time code valid 10 minutes, stored only as a keyed hash, audited without the code', async () => {
    const me = await signedInOperator(t, { roles: ['auditor'] });
    const res = await post('/api/me/telegram-link', me.bearer);
    expect(res.statusCode).toBe(200);
    const { code, expiresAt } = res.json<{ code: string; expiresAt: string }>();
    expect(code).toMatch(codeShape);
    expect(expiresAt).toBe(new Date(clock.now().getTime() + 10 * 60_000).toISOString());

    const rows = await t.database.db
      .selectFrom('operator_telegram_links')
      .selectAll()
      .where('operator_id', '=', me.operator.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(code);

    const [event] = await auditOf(me.operator.id, 'operator.telegram_link_code_issued');
    expect(event).toMatchObject({
      actorType: 'operator',
      actorId: me.operator.id,
      data: { expiresAt, replacedUnusedCode: false, alreadyLinked: false },
    });
    expect(JSON.stringify(event?.data)).not.toContain(code);

    expect((await get('/api/me/telegram-link', me.bearer)).json()).toEqual({
      linked: false,
      pendingCodeExpiresAt: expiresAt,
      botUsername: null, // this desk has no Telegram bot
      telegramConfigured: false,
    });
  });

  it('a new code replaces the unused previous one; the code binds the Telegram account once', async () => {
    const me = await signedInOperator(t, { roles: ['ops_approver'] });
    const first = (await post('/api/me/telegram-link', me.bearer)).json<{ code: string }>().code;
    const second = (await post('/api/me/telegram-link', me.bearer)).json<{ code: string }>().code;
    const { account } = t.desk.services;

    await expect(account.consumeTelegramLinkCode(first, 777000111)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      detail: expect.stringMatching(/not valid/) as unknown,
    });
    const spaced = `${second.slice(0, 4).toLowerCase()}-${second.slice(4)} `;
    expect(await account.consumeTelegramLinkCode(spaced, 777000111)).toEqual({
      operatorId: me.operator.id,
      name: me.operator.name,
      email: me.operator.email,
      telegramUserId: '777000111',
    });
    await expect(account.consumeTelegramLinkCode(second, 777000111)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });

    const op = await t.database.db
      .selectFrom('operators')
      .select('telegram_user_id')
      .where('id', '=', me.operator.id)
      .executeTakeFirstOrThrow();
    expect(op.telegram_user_id).toBe('777000111');
    expect((await get('/api/me/telegram-link', me.bearer)).json()).toEqual({
      linked: true,
      pendingCodeExpiresAt: null,
      botUsername: null,
      telegramConfigured: false,
    });
    expect(await auditOf(me.operator.id, 'operator.telegram_linked')).toEqual([
      {
        action: 'operator.telegram_linked',
        actorType: 'operator',
        actorId: me.operator.id,
        data: { telegramUserId: '777000111', previousTelegramUserId: null },
      },
    ]);
    const [, replaced] = await auditOf(me.operator.id, 'operator.telegram_link_code_issued');
    expect(replaced?.data).toMatchObject({ replacedUnusedCode: true });
  });

  it('refuses an expired code, a Telegram account linked to someone else, a deactivated operator and garbage', async () => {
    const { account, operators } = t.desk.services;
    const a = await signedInOperator(t, { roles: ['risk_officer'] });
    const b = await signedInOperator(t, { roles: ['risk_officer'] });

    const expiring = await account.issueTelegramLinkCode(a.operator.id, {
      actorType: 'operator',
      actorId: a.operator.id,
    });
    clock.advance(10 * 60_000);
    await expect(account.consumeTelegramLinkCode(expiring.code, 555)).rejects.toMatchObject({
      code: 'EXPIRED',
      status: 410,
    });

    const bCode = await account.issueTelegramLinkCode(b.operator.id, {
      actorType: 'operator',
      actorId: b.operator.id,
    });
    await account.consumeTelegramLinkCode(bCode.code, 555);
    const aCode = await account.issueTelegramLinkCode(a.operator.id, {
      actorType: 'operator',
      actorId: a.operator.id,
    });
    await expect(account.consumeTelegramLinkCode(aCode.code, '555')).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });

    const gone = await newOperator(t, { roles: ['ops_approver'] });
    const goneCode = await account.issueTelegramLinkCode(gone.id, {
      actorType: 'operator',
      actorId: gone.id,
    });
    await operators.deactivate(gone.id, { actorType: 'system' });
    await expect(account.consumeTelegramLinkCode(goneCode.code, 556)).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });

    await expect(account.consumeTelegramLinkCode('!!', 557)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(account.consumeTelegramLinkCode(newLinkCode(), 557)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(account.consumeTelegramLinkCode(aCode.code, -4)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    // the refused attempts did not spend a's code
    expect(await account.consumeTelegramLinkCode(aCode.code, 558)).toMatchObject({
      operatorId: a.operator.id,
      telegramUserId: '558',
    });
  });

  it('codes use the unambiguous alphabet and normalise case, spaces and dashes', () => {
    const codes = Array.from({ length: 200 }, newLinkCode);
    for (const c of codes) expect(c).toMatch(codeShape);
    expect(new Set(codes).size).toBe(200);
    expect(LINK_CODE_ALPHABET).not.toMatch(/[01ILO]/);
    expect(normaliseLinkCode(' ab cd-ef gh ')).toBe('ABCDEFGH');
  });
});
