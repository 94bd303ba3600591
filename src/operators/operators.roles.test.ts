import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { call, person, REASON, type Person, type RequestBody } from '../../test/support/approvals.js';

interface Created {
  operator: { id: string; email: string; roles: string[] };
  roleRequests: RequestBody[];
}

describe('operators through the API: roles only under dual control', () => {
  let t: TestServer;
  let admin: Person;
  let admin2: Person;
  let risk: Person;
  let ops: Person;

  beforeAll(async () => {
    t = await buildTestServer();
    [admin, admin2, risk, ops] = await Promise.all([
      person(t, ['platform_admin']),
      person(t, ['platform_admin']),
      person(t, ['risk_officer']),
      person(t, ['ops_approver']),
    ]);
  });
  afterAll(() => t.close());

  const rolesOf = async (id: string) =>
    (await sql<{ roles: string[] }>`select roles from operators where id = ${id}`.execute(t.database.db))
      .rows[0]?.roles;

  it('creates the operator with an invitation; a role is granted only by a co-signed request', async () => {
    const res = await call<Created>(t, admin, 'POST', '/api/operators', {
      email: 'new.person@desk.test',
      name: 'New Person',
    });
    expect(res.status).toBe(201);
    expect(res.body.operator.roles).toEqual([]);
    const audit = await auditTrail(t, {
      action: 'operator.created',
      entityId: res.body.operator.id,
      fields: ['actorId'],
    });
    expect(audit).toEqual([{ actorId: admin.id }]);

    // an enrolled person with no role: a second platform_admin approves, a risk officer co-signs
    const hire = await person(t, []);
    const filed = await call<RequestBody>(t, admin, 'POST', '/api/approvals', {
      kind: 'operator.role',
      payload: { operatorId: hire.id, role: 'ops_approver', action: 'grant' },
    });
    const grant = filed.body;
    const selfApprove = await call(t, admin, 'POST', `/api/approvals/${grant.id}/approve`, {
      reason: REASON,
      secondaryApproverId: risk.id,
    });
    expect(selfApprove.body.code).toBe('SELF_APPROVAL');
    await call(t, admin2, 'POST', `/api/approvals/${grant.id}/approve`, {
      reason: 'Hired as ops analyst, ticket HR-1',
      secondaryApproverId: risk.id,
    });
    expect(await rolesOf(hire.id)).toEqual([]);
    expect(
      (await call(t, risk, 'POST', `/api/approvals/${grant.id}/cosign`, { reason: REASON })).status,
    ).toBe(200);
    expect(await rolesOf(hire.id)).toEqual(['ops_approver']);
  });

  it('only a platform_admin may create operators; a duplicate email is a 409 with the field', async () => {
    const denied = await call(t, ops, 'POST', '/api/operators', {
      email: 'x@desk.test',
      name: 'X',
      roles: [],
    });
    expect([denied.status, denied.body.code]).toEqual([403, 'FORBIDDEN']);
    await call(t, admin, 'POST', '/api/operators', { email: 'dupe@desk.test', name: 'Dupe' });
    const dupe = await call(t, admin, 'POST', '/api/operators', { email: 'dupe@desk.test', name: 'Dupe' });
    expect([dupe.status, dupe.body.code, dupe.body.errors?.[0]?.path]).toEqual([
      409,
      'ALREADY_EXISTS',
      'email',
    ]);
  });

  it('revoking a role is an operator.role request too', async () => {
    const res = await call<RequestBody>(t, admin, 'POST', '/api/approvals', {
      kind: 'operator.role',
      payload: { operatorId: ops.id, role: 'ops_approver', action: 'revoke' },
    });
    expect(res.status).toBe(201);
    expect(res.body.diff[0]).toEqual({ field: 'roles', before: ['ops_approver'], after: [] });
    const notHeld = await call(t, admin, 'POST', '/api/approvals', {
      kind: 'operator.role',
      payload: { operatorId: ops.id, role: 'auditor', action: 'revoke' },
    });
    expect([notHeld.status, notHeld.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('linking Telegram does not make a pending role request about the operator stale', async () => {
    const target = await person(t, ['auditor']);
    const req = await call<RequestBody>(t, admin, 'POST', '/api/approvals', {
      kind: 'operator.role',
      payload: { operatorId: target.id, role: 'ops_approver', action: 'grant' },
    });
    const { code } = await t.desk.services.account.issueTelegramLinkCode(target.id, {
      actorType: 'operator',
      actorId: target.id,
    });
    await t.desk.services.account.consumeTelegramLinkCode(code, 424242);
    await call(t, admin2, 'POST', `/api/approvals/${req.body.id}/approve`, {
      reason: REASON,
      secondaryApproverId: risk.id,
    });
    const cosigned = await call<RequestBody>(t, risk, 'POST', `/api/approvals/${req.body.id}/cosign`, {
      reason: REASON,
    });
    expect([cosigned.status, cosigned.body.status]).toEqual([200, 'approved']);
  });

  it('deactivation is immediate, audited, revokes sessions, and the operator can no longer decide', async () => {
    const victim = await person(t, ['risk_officer']);
    expect((await call(t, victim, 'GET', '/api/me')).status).toBe(200);
    const res = await call(t, admin, 'POST', `/api/operators/${victim.id}/deactivate`, {});
    expect(res.status).toBe(200);
    expect((await call(t, victim, 'GET', '/api/me')).status).toBe(401);
    const audit = await auditTrail(t, {
      action: 'operator.deactivated',
      entityId: victim.id,
      fields: ['actorId'],
    });
    expect(audit).toEqual([{ actorId: admin.id }]);
    const again = await call(t, admin, 'POST', `/api/operators/${victim.id}/deactivate`, {});
    expect([again.status, again.body.code]).toEqual([409, 'ALREADY_DECIDED']);
    const self = await call(t, admin, 'POST', `/api/operators/${admin.id}/deactivate`, {});
    expect([self.status, self.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    // a deactivated operator is never offered as a secondary
    const req = await call<RequestBody>(t, admin, 'POST', '/api/approvals', {
      kind: 'operator.role',
      payload: { operatorId: admin2.id, role: 'auditor', action: 'grant' },
    });
    const eligible = await call<{ items: { id: string }[] }>(
      t,
      admin2,
      'GET',
      `/api/approvals/${req.body.id}/eligible-approvers`,
    );
    expect(eligible.body.items.map((i) => i.id)).not.toContain(victim.id);
  });
});
