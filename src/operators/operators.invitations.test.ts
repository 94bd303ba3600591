import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstAuditEvent } from '../../test/support/audit.js';
import { call, person, REASON, type Person } from '../../test/support/approvals.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { fixedClock } from '../shared/clock.js';
import { totpCodeAt } from './operators.totp.js';

/**
 * Issue 14 item 10 / issue 16 item 1, through the HTTP API: the creator of an operator never holds its
 * credentials, role grants wait for enrolment, and direct grants end with the bootstrap.
 */
const clock = fixedClock(new Date('2026-03-02T09:00:00Z'));
let t: TestServer;
let admin: Person;
beforeAll(async () => {
  t = await buildTestServer({ clock });
  admin = await person(t, ['platform_admin']);
});
afterAll(() => t.close());

interface Created {
  operator: { id: string; email: string; roles: string[] };
  invitation: { token: string; url: string; expiresAt: string };
  grant: string;
}

async function invite(email: string, roles: string[] = []) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/operators',
    headers: admin.session.bearer,
    payload: { email, name: `Invited ${email}`, roles },
  });
  return { status: res.statusCode, headers: res.headers, body: res.json<Created & { code?: string }>() };
}

async function accept(token: string, password: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/invitations/accept',
    payload: { token, password },
  });
  return { status: res.statusCode, body: res.json<{ code?: string; token: string; mfaVerified: boolean }>() };
}

/** Accepts and enrols MFA with the session the acceptance opened, as the person would. */
async function enrol(token: string, password: string) {
  const session = (await accept(token, password)).body;
  const headers = { authorization: `Bearer ${session.token}` };
  const { secret } = (
    await t.app.inject({ method: 'POST', url: '/api/auth/mfa/enroll', headers, payload: {} })
  ).json<{ secret: string }>();
  clock.advance(30_000);
  const verified = await t.app.inject({
    method: 'POST',
    url: '/api/auth/mfa/verify',
    headers,
    payload: { code: totpCodeAt(secret, clock.now()) },
  });
  expect(verified.statusCode).toBe(200);
}

describe('invitations', () => {
  it('the admin never sets a password: the API refuses one and answers with a one-time link', async () => {
    const withPassword = await t.app.inject({
      method: 'POST',
      url: '/api/operators',
      headers: admin.session.bearer,
      payload: { email: 'pw@desk.test', name: 'Pw', password: 'a long enough passphrase', roles: [] },
    });
    expect(withPassword.statusCode).toBe(400);

    const res = await invite('founder@desk.test', ['ops_approver']);
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.grant).toBe('bootstrap');
    expect(res.body.invitation.url.endsWith(`/invite/${res.body.invitation.token}`)).toBe(true);
    expect(Date.parse(res.body.invitation.expiresAt) - clock.now().getTime()).toBe(72 * 3_600_000);
    // nobody can sign in before the invitation is accepted
    const stored = await t.database.db
      .selectFrom('operator_invitations')
      .select('token_hash')
      .where('operator_id', '=', res.body.operator.id)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(res.body.invitation.token);

    const view = await t.app.inject({ method: 'GET', url: `/api/invitations/${res.body.invitation.token}` });
    expect(view.statusCode).toBe(200);
    expect(view.json()).toMatchObject({ email: 'founder@desk.test', roles: ['ops_approver'] });

    expect((await accept(res.body.invitation.token, 'short')).body).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    const ok = await accept(res.body.invitation.token, 'my own long passphrase');
    expect(ok.status).toBe(200);
    expect(ok.body.mfaVerified).toBe(false);
    await firstAuditEvent(t, { entityId: res.body.operator.id, action: 'operator.invitation_accepted' });
    expect((await accept(res.body.invitation.token, 'another long passphrase')).body).toMatchObject({
      code: 'INVITATION_USED',
    });
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'founder@desk.test', password: 'my own long passphrase' },
    });
    expect(login.statusCode).toBe(200);
  });

  it('expires after INVITATION_TTL_HOURS and a new link replaces the old one', async () => {
    const res = await invite('late.invitee@desk.test');
    clock.advance(72 * 3_600_000 + 1000);
    admin = await person(t, ['platform_admin']); // the earlier session ended meanwhile
    expect((await accept(res.body.invitation.token, 'my own long passphrase')).body).toMatchObject({
      code: 'INVITATION_EXPIRED',
    });
    const again = await call<{ invitation: { token: string } }>(
      t,
      admin,
      'POST',
      `/api/operators/${res.body.operator.id}/invitation`,
    );
    expect(again.status).toBe(201);
    expect((await accept(res.body.invitation.token, 'my own long passphrase')).status).toBe(404);
    expect((await accept(again.body.invitation.token, 'my own long passphrase')).status).toBe(200);
    const third = await call(t, admin, 'POST', `/api/operators/${res.body.operator.id}/invitation`);
    expect(third.body).toMatchObject({ code: 'INVITATION_USED' });
  });
});

describe('role grants and the bootstrap', () => {
  it('refuses a grant for someone not enrolled (OPERATOR_NOT_ENROLLED); the request shows the enrolment', async () => {
    const res = await invite('grantee@desk.test');
    const payload = { operatorId: res.body.operator.id, role: 'auditor', action: 'grant' };
    const early = await call(t, admin, 'POST', '/api/approvals', { kind: 'operator.role', payload });
    expect(early.status).toBe(422);
    expect(early.body).toMatchObject({ code: 'OPERATOR_NOT_ENROLLED' });

    await accept(res.body.invitation.token, 'grantee long passphrase');
    const halfway = await call(t, admin, 'POST', '/api/approvals', { kind: 'operator.role', payload });
    expect(halfway.body).toMatchObject({ code: 'OPERATOR_NOT_ENROLLED' }); // a password alone is not enough

    const next = await invite('grantee2@desk.test');
    await enrol(next.body.invitation.token, 'grantee2 long passphrase');
    const filed = await call<{ id: string; summary: string; diff: { field: string; after: unknown }[] }>(
      t,
      admin,
      'POST',
      '/api/approvals',
      { kind: 'operator.role', payload: { ...payload, operatorId: next.body.operator.id } },
    );
    expect(filed.status).toBe(201);
    expect(filed.body.summary).toMatch(/\(enrolled \d{4}-\d\d-\d\dT.*Z\)$/);
    expect(filed.body.diff.find((d) => d.field === 'enrolledAt')?.after).toMatch(/^\d{4}-/);
  });

  it('grants directly during the bootstrap; the first decided request ends it (BOOTSTRAP_OVER)', async () => {
    const status = await call<{ active: boolean }>(t, admin, 'GET', '/api/bootstrap');
    expect(status.body).toMatchObject({ active: true, endedBy: null });
    const founding = await invite('founding@desk.test', ['risk_officer']);
    expect(founding.body.grant).toBe('bootstrap');
    await firstAuditEvent(t, { entityId: founding.body.operator.id, action: 'operator.bootstrap_grant' });

    // decide one request (a rejection is a decision)
    const risk = await person(t, ['risk_officer']);
    const filed = await call<{ id: string }>(t, admin, 'POST', '/api/approvals', {
      kind: 'flag.set',
      payload: { key: 'AUTO_SETTLEMENT', enabled: true },
    });
    const rejected = await call(t, risk, 'POST', `/api/approvals/${filed.body.id}/reject`, {
      reason: REASON,
    });
    expect(rejected.status).toBe(200);

    const after = await call(t, admin, 'GET', '/api/bootstrap');
    expect(after.body).toMatchObject({ active: false, endedBy: 'first_decision' });
    const late = await invite('too.late@desk.test', ['ops_approver']);
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'BOOTSTRAP_OVER' });
    expect((await invite('too.late@desk.test')).status).toBe(201); // without roles it still works
  });

  it('a break-glass grant opens a review another platform_admin (not the grantee) acknowledges', async () => {
    const { operators } = t.desk.services;
    const created = await operators.createOperator(
      {
        email: 'glass@desk.test',
        name: 'Glass',
        roles: ['platform_admin'],
        breakGlassReason: 'Only admin lost their phone',
      },
      { actorType: 'cli', actorId: 'root' },
    );
    expect(created.grant).toBe('break-glass');
    const grantee = created.operator.id;
    await enrol(created.invitation.token, 'glass long passphrase');
    const reviews = await call<{ items: { id: string; status: string }[] }>(
      t,
      admin,
      'GET',
      '/api/operators/grant-reviews',
    );
    expect(reviews.body.items[0]).toMatchObject({ id: created.reviewId, status: 'open' });

    const glassLogin = await t.desk.services.auth
      .login(
        { email: 'glass@desk.test', password: 'glass long passphrase', totp: undefined },
        { actorType: 'system', requestId: 't', ip: '127.0.0.1', userAgent: 't' },
      )
      .catch((e: unknown) => e);
    expect(glassLogin).toMatchObject({ code: 'MFA_REQUIRED' }); // enrolled: signing in needs the code
    const url = `/api/operators/grant-reviews/${String(created.reviewId)}/acknowledge`;
    const self = await t.desk.services.operators.bootstrap
      .acknowledgeReview(String(created.reviewId), 'I checked my own grant', {
        actorType: 'operator',
        actorId: grantee,
      })
      .catch((e: unknown) => e);
    expect(self).toMatchObject({ code: 'SELF_APPROVAL' });
    const short = await call(t, admin, 'POST', url, { comment: 'ok' });
    expect(short.body).toMatchObject({ code: 'REASON_REQUIRED' });
    const ok = await call(t, admin, 'POST', url, { comment: 'Called them, the phone was indeed lost' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: admin.id });
    expect(
      (await call(t, admin, 'POST', url, { comment: 'Called them, the phone was indeed lost' })).body,
    ).toMatchObject({
      code: 'ALREADY_DECIDED',
    });
  });
});
