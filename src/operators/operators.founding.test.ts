import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstAuditEvent, pick } from '../../test/support/audit.js';
import { call, person, REASON, type Person } from '../../test/support/approvals.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { fixedClock } from '../shared/clock.js';

/**
 * Issue 16 item 1, the founding team through the HTTP API (what the console's Founding team page
 * calls): the setup admin invites people with roles while the desk is in its bootstrap, sees each
 * invitation's state, and ends the bootstrap explicitly; after that the same call refuses roles, and
 * so does the CLI's path (one rule, operators.bootstrap.ts).
 */
const clock = fixedClock(new Date('2026-04-06T08:00:00Z'));
let t: TestServer;
let admin: Person;
beforeAll(async () => {
  t = await buildTestServer({ clock });
  admin = await person(t, ['platform_admin']);
});
afterAll(() => t.close());

interface Created {
  operator: { id: string; email: string; roles: string[] };
  invitation: { token: string; url: string };
  grant: string;
}

interface Listed {
  operators: { id: string; email: string; invitation: string | null; mfaEnrolled: boolean }[];
}

const invite = (who: Person, email: string, roles: string[]) =>
  call<Created>(t, who, 'POST', '/api/operators', { email, name: `Founder ${email}`, roles });

async function stateOf(email: string) {
  const list = await call<Listed>(t, admin, 'GET', '/api/operators');
  return list.body.operators.find((o) => o.email === email)?.invitation;
}

describe('the founding team', () => {
  it('only a platform admin invites with roles or ends the bootstrap', async () => {
    const auditor = await person(t, ['auditor']);
    expect((await invite(auditor, 'nope@desk.test', ['risk_officer'])).status).toBe(403);
    const end = await call(t, auditor, 'POST', '/api/bootstrap/end', { reason: REASON });
    expect(end.status).toBe(403);
    expect((await call(t, admin, 'GET', '/api/bootstrap')).body).toMatchObject({ active: true });
  });

  it('invites founders with roles (bootstrap grants, audited) and shows each invitation’s state', async () => {
    const rita = await invite(admin, 'rita@desk.test', ['risk_officer']);
    const pia = await invite(admin, 'pia@desk.test', ['platform_admin', 'risk_officer']);
    expect([rita.status, pia.status]).toEqual([201, 201]);
    expect([rita.body.grant, pia.body.grant]).toEqual(['bootstrap', 'bootstrap']);
    const event = await firstAuditEvent(t, {
      entityId: pia.body.operator.id,
      action: 'operator.bootstrap_grant',
    });
    expect(pick(event, ['actorType', 'actorId', 'data'])).toEqual({
      actorType: 'operator',
      actorId: admin.id,
      data: { email: 'pia@desk.test', roles: ['platform_admin', 'risk_officer'] },
    });

    expect(await stateOf('rita@desk.test')).toBe('pending');
    expect(await stateOf(admin.op.email)).toBe('accepted'); // the test factory accepted its own
    const accepted = await t.app.inject({
      method: 'POST',
      url: '/api/invitations/accept',
      payload: { token: rita.body.invitation.token, password: 'ritas own passphrase' },
    });
    expect(accepted.statusCode).toBe(200);
    expect(await stateOf('rita@desk.test')).toBe('accepted');
  });

  it('an unused link shows as expired once its time is up, and pending again once reissued', async () => {
    const late = await invite(admin, 'late@desk.test', ['auditor']);
    clock.advance(72 * 3_600_000 + 1000);
    admin = await person(t, ['platform_admin']); // the earlier session ended meanwhile
    expect(await stateOf('late@desk.test')).toBe('expired');
    await call(t, admin, 'POST', `/api/operators/${late.body.operator.id}/invitation`);
    expect(await stateOf('late@desk.test')).toBe('pending');
  });

  it('ends the bootstrap explicitly (a reason, audited); roles are then refused by the API and the CLI path', async () => {
    const short = await call(t, admin, 'POST', '/api/bootstrap/end', { reason: 'done' });
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({ code: 'REASON_REQUIRED' });

    const reason = 'The founding team is invited and enrolled';
    const ended = await call(t, admin, 'POST', '/api/bootstrap/end', { reason });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ active: false, endedBy: 'explicit', reason });
    const event = await firstAuditEvent(t, { action: 'bootstrap.ended' });
    expect(pick(event, ['actorType', 'actorId', 'data'])).toEqual({
      actorType: 'operator',
      actorId: admin.id,
      data: { reason },
    });
    expect((await call(t, admin, 'GET', '/api/bootstrap')).body).toMatchObject({
      active: false,
      endedBy: 'explicit',
    });
    expect((await call(t, admin, 'POST', '/api/bootstrap/end', { reason })).body).toMatchObject({
      code: 'ALREADY_DECIDED',
    });

    const refused = await invite(admin, 'after@desk.test', ['risk_officer']);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'BOOTSTRAP_OVER', errors: [{ path: 'roles' }] });
    const cli = t.desk.services.operators.createOperator(
      { email: 'cli.after@desk.test', name: 'Cli After', roles: ['auditor'] },
      { actorType: 'cli', actorId: 'root' },
    );
    await expect(cli).rejects.toMatchObject({ code: 'BOOTSTRAP_OVER' });
    expect((await invite(admin, 'after@desk.test', [])).body.grant).toBe('none');
  });
});
