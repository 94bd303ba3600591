import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import { notificationsFor } from '../../test/support/notifications.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import {
  call,
  INVISIBLE_REASON,
  person,
  REASON,
  type Person,
  type RequestBody,
} from '../../test/support/approvals.js';

interface FlagBody {
  key: string;
  enabled: boolean;
  history: { via: string; actor: { type: string; id: string | null }; enabled: boolean }[];
  reviews: { id: string; status: string }[];
}

describe('feature flags and the AUTO_SETTLEMENT switch', () => {
  let t: TestServer;
  let risk: Person;
  let risk2: Person;
  let admin: Person;
  let ops: Person;
  let auditor: Person;

  beforeAll(async () => {
    t = await buildTestServer();
    [risk, risk2, admin, ops, auditor] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
      person(t, ['platform_admin']),
      person(t, ['ops_approver']),
      person(t, ['auditor']),
    ]);
  });
  afterAll(() => t.close());

  const metric = async (name: string) => {
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    return res.body.split('\n').filter((l) => l.startsWith(name));
  };
  /** How many changes made outside the API (straight in SQL) the audit trail holds. */
  const outsideChanges = async () => (await auditTrail(t, { action: 'flag.changed_outside_api' })).length;

  it('AUTO_SETTLEMENT exists from the first migration, off, and isEnabled reads it inside a transaction', async () => {
    const flags = await call<{ items: { key: string; enabled: boolean }[] }>(t, auditor, 'GET', '/api/flags');
    expect(flags.body.items).toContainEqual(
      expect.objectContaining({ key: 'AUTO_SETTLEMENT', enabled: false }),
    );
    expect(
      await t.database.db
        .transaction()
        .execute((tx) => t.desk.services.flags.isEnabled(tx, 'AUTO_SETTLEMENT')),
    ).toBe(false);
    // isEnabled reads inside the caller's transaction: an uncommitted change is visible there, nowhere else
    const rollback = new Error('roll back');
    const seen = await t.database.db
      .transaction()
      .execute(async (tx) => {
        await sql`update feature_flags set enabled = true where key = 'AUTO_SETTLEMENT'`.execute(tx);
        const inside = await t.desk.services.flags.isEnabled(tx, 'AUTO_SETTLEMENT');
        const outside = await t.desk.services.flags.isEnabled(t.database.db, 'AUTO_SETTLEMENT');
        throw Object.assign(rollback, { inside, outside });
      })
      .catch((e: unknown) => e as { inside: boolean; outside: boolean });
    expect(seen).toMatchObject({ inside: true, outside: false });
    expect(await t.desk.services.flags.isEnabled(t.database.db, 'AUTO_SETTLEMENT')).toBe(false);
    expect(await metric('desk_auto_settlement_enabled')).toEqual(['desk_auto_settlement_enabled 0']);
  });

  it('turning AUTO_SETTLEMENT on is impossible without a co-signed flag.set', async () => {
    const filed = await call<RequestBody>(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/requests', {
      enabled: true,
      reason: 'Pilot with two clients starts',
    });
    expect(filed.status).toBe(201);
    expect(filed.body.status).toBe('pending');
    // there is no other route that turns it on
    const routes = t.app.deskRoutes
      .filter((r) => r.url.startsWith('/api/flags') && r.method === 'POST')
      .map((r) => r.url);
    expect(routes.sort()).toEqual(
      [
        '/api/flags/:key/requests',
        '/api/flags/AUTO_SETTLEMENT/emergency-disable',
        '/api/flags/reviews/:id/acknowledge',
      ].sort(),
    );
    expect((await call<FlagBody>(t, auditor, 'GET', '/api/flags/AUTO_SETTLEMENT')).body.enabled).toBe(false);

    await call(t, risk2, 'POST', `/api/approvals/${filed.body.id}/approve`, {
      reason: REASON,
      secondaryApproverId: admin.id,
    });
    expect((await call<FlagBody>(t, auditor, 'GET', '/api/flags/AUTO_SETTLEMENT')).body.enabled).toBe(false);
    expect(
      (
        await call(t, admin, 'POST', `/api/approvals/${filed.body.id}/cosign`, {
          reason: 'Checked and co-signed.',
        })
      ).status,
    ).toBe(200);
    const flag = await call<FlagBody & { requestId: string; reason: string; approval: unknown }>(
      t,
      auditor,
      'GET',
      '/api/flags/AUTO_SETTLEMENT',
    );
    expect(flag.body).toMatchObject({ enabled: true, requestId: filed.body.id });
    // why: the requester's own reason; who: requester, primary and co-signer
    expect(flag.body.reason).toBe('Pilot with two clients starts');
    expect(flag.body.history[0]).toMatchObject({
      via: 'request',
      reason: 'Pilot with two clients starts',
      requestId: filed.body.id,
    });
    expect(flag.body.approval).toMatchObject({
      requestId: filed.body.id,
      status: 'approved',
      note: 'Pilot with two clients starts',
      requestedBy: {
        type: 'operator',
        id: risk.id,
        name: risk.op.name,
        email: risk.op.email,
        roles: ['risk_officer'],
      },
      primary: { id: risk2.id, name: risk2.op.name, reason: REASON },
      cosignedBy: { id: admin.id, name: admin.op.name },
    });
    expect(await metric('desk_auto_settlement_enabled')).toEqual(['desk_auto_settlement_enabled 1']);
    expect(await metric('desk_flag_changes_total')).toContain(
      'desk_flag_changes_total{key="AUTO_SETTLEMENT",via="request"} 1',
    );
  });

  it('POST /api/flags/{key}/requests honours Idempotency-Key: the same key and body return the same request', async () => {
    const headers = { 'idempotency-key': `flag-${Date.now()}` };
    const body = { enabled: false, reason: 'Pause while the pilot is reviewed' };
    const a = await call<RequestBody>(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/requests', body, headers);
    const b = await call<RequestBody>(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/requests', body, headers);
    expect([a.status, b.status]).toEqual([201, 200]);
    expect(b.body.id).toBe(a.body.id);
    const filed = await sql<{
      n: number;
    }>`select count(*)::int as n from change_requests where idempotency_key = ${headers['idempotency-key']}`.execute(
      t.database.db,
    );
    expect(filed.rows[0]?.n).toBe(1);
    const other = await call(
      t,
      risk,
      'POST',
      '/api/flags/AUTO_SETTLEMENT/requests',
      { enabled: true, reason: 'Pause while the pilot is reviewed' },
      headers,
    );
    expect([other.status, other.body.code]).toEqual([409, 'IDEMPOTENCY_CONFLICT']);
    const bad = await call(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/requests', body, {
      'idempotency-key': 'x',
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    await call(t, risk, 'POST', `/api/approvals/${a.body.id}/cancel`, {});
  });

  it('a flag request needs a reason', async () => {
    const res = await call(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/requests', {
      enabled: false,
      reason: 'because',
    });
    expect([res.status, res.body.code]).toEqual([400, 'REASON_REQUIRED']);
    const invisible = await call(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/requests', {
      enabled: false,
      reason: INVISIBLE_REASON,
    });
    expect([invisible.status, invisible.body.code]).toEqual([400, 'REASON_REQUIRED']);
  });

  it('emergency disable: one person, at once, audited, everyone alerted, review opened', async () => {
    const denied = await call(t, ops, 'POST', '/api/flags/AUTO_SETTLEMENT/emergency-disable', {
      reason: 'I think something is wrong',
    });
    expect([denied.status, denied.body.code]).toEqual([403, 'FORBIDDEN']);
    const noReason = await call(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/emergency-disable', {
      reason: 'stop',
    });
    expect([noReason.status, noReason.body.code]).toEqual([400, 'REASON_REQUIRED']);
    const invisible = await call(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/emergency-disable', {
      reason: INVISIBLE_REASON,
    });
    expect([invisible.status, invisible.body.code]).toEqual([400, 'REASON_REQUIRED']);

    const res = await call<{ enabled: boolean; wasEnabled: boolean; reviewId: string }>(
      t,
      risk,
      'POST',
      '/api/flags/AUTO_SETTLEMENT/emergency-disable',
      { reason: 'Hot wallet drained unexpectedly' },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ enabled: false, wasEnabled: true });

    const flag = await call<FlagBody>(t, auditor, 'GET', '/api/flags/AUTO_SETTLEMENT');
    expect(flag.body.enabled).toBe(false);
    expect(flag.body.history[0]).toMatchObject({
      via: 'emergency',
      enabled: false,
      actor: { type: 'operator', id: risk.id, name: risk.op.name },
    });
    expect(flag.body.reviews[0]).toMatchObject({ id: res.body.reviewId, status: 'open' });

    const audit = (await auditTrail(t, { actions: ['flag.changed', 'flag.review_opened'] })).slice(-2); // the newest two
    expect(audit.map((r) => r.action).sort()).toEqual(['flag.changed', 'flag.review_opened']);
    expect(audit.every((r) => r.actorId === risk.id)).toBe(true);

    const alerted = await notificationsFor(t, { template: 'flag.emergency_disabled' });
    const recipients = alerted.map((r) => r.recipientId);
    for (const p of [risk, risk2, admin, ops, auditor]) expect(recipients).toContain(p.id);
    expect(alerted.some((r) => r.recipientType === 'ops_chat')).toBe(true);

    // the post-hoc review: not by the person who pulled the switch, not by a non-risk role; by another risk officer
    const self = await call(t, risk, 'POST', `/api/flags/reviews/${res.body.reviewId}/acknowledge`, {
      comment: 'Reviewed my own change',
    });
    expect([self.status, self.body.code]).toEqual([403, 'SELF_APPROVAL']);
    const notRisk = await call(t, admin, 'POST', `/api/flags/reviews/${res.body.reviewId}/acknowledge`, {
      comment: 'Looks fine to me overall',
    });
    expect([notRisk.status, notRisk.body.code]).toEqual([403, 'FORBIDDEN']);
    const blank = await call(t, risk2, 'POST', `/api/flags/reviews/${res.body.reviewId}/acknowledge`, {
      comment: INVISIBLE_REASON,
    });
    expect([blank.status, blank.body.code]).toEqual([400, 'REASON_REQUIRED']);
    const ack = await call<{ status: string; acknowledgedBy: string }>(
      t,
      risk2,
      'POST',
      `/api/flags/reviews/${res.body.reviewId}/acknowledge`,
      { comment: 'Confirmed the drain; stop was right' },
    );
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: risk2.id });
    const twice = await call(t, risk2, 'POST', `/api/flags/reviews/${res.body.reviewId}/acknowledge`, {
      comment: 'Confirmed the drain; stop was right',
    });
    expect([twice.status, twice.body.code]).toEqual([409, 'ALREADY_DECIDED']);
  });

  it('emergency disable requires step-up', async () => {
    await sql`update operator_sessions set step_up_until = null where id = ${admin.session.sessionId}`.execute(
      t.database.db,
    );
    const res = await call(t, admin, 'POST', '/api/flags/AUTO_SETTLEMENT/emergency-disable', {
      reason: 'Routine stop for maintenance',
    });
    expect([res.status, res.body.code]).toEqual([403, 'STEP_UP_REQUIRED']);
  });

  it('a direct UPDATE in SQL shows up in the audit trail and the flag history with the database role', async () => {
    await sql`update feature_flags set enabled = true where key = 'AUTO_SETTLEMENT'`.execute(t.database.db);
    const audit = await auditTrail(t, {
      action: 'flag.changed_outside_api',
      fields: ['actorType', 'actorId', 'data'],
    });
    expect(audit).toEqual([
      { actorType: 'database', actorId: 'desk', data: { enabled: true, previous: false } },
    ]);
    expect(await metric('desk_flag_changes_total')).toContain(
      'desk_flag_changes_total{key="AUTO_SETTLEMENT",via="sql"} 1',
    );
    const flag = await call<FlagBody>(t, auditor, 'GET', '/api/flags/AUTO_SETTLEMENT');
    expect(flag.body.history[0]).toMatchObject({
      via: 'sql',
      enabled: true,
      actor: { type: 'database', id: 'desk' },
    });
    expect(flag.body).toMatchObject({
      updatedBy: { type: 'database', id: 'desk' },
      reason: 'changed directly in the database',
    });
    // changes made through the desk are not reported as outside changes
    await call(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/emergency-disable', {
      reason: 'Undo the manual SQL change',
    });
    expect(await outsideChanges()).toBe(1);
  });

  it('a direct UPDATE in SQL bumps the version, is audited, and makes a flag.set filed before it stale', async () => {
    const before = (
      await call<FlagBody & { version: number }>(t, auditor, 'GET', '/api/flags/AUTO_SETTLEMENT')
    ).body;
    expect(before.enabled).toBe(false);
    const filed = await call<RequestBody>(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/requests', {
      enabled: true,
      reason: 'Pilot resumes after the review',
    });
    expect(filed.status).toBe(201);
    const cosigner = await person(t, ['platform_admin']);
    await call(t, risk2, 'POST', `/api/approvals/${filed.body.id}/approve`, {
      reason: REASON,
      secondaryApproverId: cosigner.id,
    });

    await sql`update feature_flags set enabled = true where key = 'AUTO_SETTLEMENT'`.execute(t.database.db);
    const after = (
      await call<FlagBody & { version: number }>(t, auditor, 'GET', '/api/flags/AUTO_SETTLEMENT')
    ).body;
    expect(after.version).toBe(before.version + 1);
    expect(after).toMatchObject({
      enabled: true,
      updatedBy: { type: 'database', id: 'desk' },
      reason: 'changed directly in the database',
      requestId: null,
    });
    const audit = await auditTrail(t, { action: 'flag.changed_outside_api', fields: ['actorType', 'data'] });
    expect(audit.slice(-1)).toEqual([{ actorType: 'database', data: { enabled: true, previous: false } }]); // the newest

    const cosign = await call<RequestBody>(t, cosigner, 'POST', `/api/approvals/${filed.body.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect([cosign.status, cosign.body.code]).toEqual([409, 'STALE_REQUEST']);
    const req = await call<RequestBody>(t, auditor, 'GET', `/api/approvals/${filed.body.id}`);
    expect(req.body.status).toBe('failed');
    expect(req.body.failureReason).toMatch(/changed since the request was filed/);
    // nothing applied by the request: the last change is still the SQL one
    const flag = await call<FlagBody>(t, auditor, 'GET', '/api/flags/AUTO_SETTLEMENT');
    expect(flag.body.history[0]).toMatchObject({ via: 'sql', enabled: true });
    await call(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/emergency-disable', {
      reason: 'Undo the manual SQL change',
    });
  });

  it("a flag.set filed without a note records the primary approver's rationale as the why; an emergency stop shows no approval", async () => {
    const cosigner = await person(t, ['platform_admin']);
    const filed = await call<RequestBody>(t, risk, 'POST', '/api/approvals', {
      kind: 'flag.set',
      payload: { key: 'AUTO_SETTLEMENT', enabled: true },
    });
    await call(t, risk2, 'POST', `/api/approvals/${filed.body.id}/approve`, {
      reason: REASON,
      secondaryApproverId: cosigner.id,
    });
    expect(
      (
        await call(t, cosigner, 'POST', `/api/approvals/${filed.body.id}/cosign`, {
          reason: 'Checked it as well',
        })
      ).status,
    ).toBe(200);
    const on = await call<FlagBody & { reason: string; approval: unknown }>(
      t,
      auditor,
      'GET',
      '/api/flags/AUTO_SETTLEMENT',
    );
    expect(on.body.reason).toBe(REASON);
    expect(on.body.approval).toMatchObject({
      note: null,
      primary: { id: risk2.id, reason: REASON },
      cosignedBy: { id: cosigner.id, reason: 'Checked it as well' },
    });

    await call(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/emergency-disable', {
      reason: 'Stop after the pilot window',
    });
    const off = await call<FlagBody & { approval: unknown }>(t, auditor, 'GET', '/api/flags/AUTO_SETTLEMENT');
    expect(off.body.approval).toBeNull();
  });

  it('the old "ours" marker cannot hide an SQL change: setting desk.flag_change in psql still gets audited', async () => {
    const before = await outsideChanges();
    await t.database.db.transaction().execute(async (tx) => {
      await sql`select set_config('desk.flag_change', 'request', true)`.execute(tx);
      await sql`update feature_flags set enabled = true where key = 'AUTO_SETTLEMENT'`.execute(tx);
    });
    const after = await outsideChanges();
    expect(after).toBe(before + 1);
    const flag = await call<FlagBody>(t, auditor, 'GET', '/api/flags/AUTO_SETTLEMENT');
    expect(flag.body).toMatchObject({ enabled: true, updatedBy: { type: 'database', id: 'desk' } });
    expect(flag.body.history[0]).toMatchObject({ via: 'sql', enabled: true });
    await call(t, risk, 'POST', '/api/flags/AUTO_SETTLEMENT/emergency-disable', {
      reason: 'Undo the manual SQL change',
    });
    // a desk change in the same shape is not reported as an outside one
    expect(await outsideChanges()).toBe(after);
  });

  it('flags cannot be deleted', async () => {
    await expect(
      sql`delete from feature_flags where key = 'AUTO_SETTLEMENT'`.execute(t.database.db),
    ).rejects.toThrow(/append-only|not allowed/);
  });

  it('GET /api/flags/{key} of an unknown flag is 404', async () => {
    const res = await call(t, auditor, 'GET', '/api/flags/NOPE');
    expect([res.status, res.body.code]).toEqual([404, 'NOT_FOUND']);
  });
});
