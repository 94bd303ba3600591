import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import { notificationsFor } from '../../test/support/notifications.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import {
  call,
  fileFlagRequest,
  withdrawOpenTwin,
  INVISIBLE_REASON,
  person,
  REASON,
  type Person,
  type RequestBody,
} from '../../test/support/approvals.js';
import { newOperator } from '../../test/support/factories.js';

/** The engine's invariants (src/approvals/README.md) and every error code, through the HTTP API. */
describe('approvals API', () => {
  let t: TestServer;
  let requester: Person; // risk officer: may file flag.set
  let primary: Person; // risk officer
  let secondary: Person; // platform admin (flag.set secondary role)
  let other: Person; // another risk officer
  let ops: Person; // ops approver: not eligible for flag.set decisions
  let auditor: Person;

  beforeAll(async () => {
    t = await buildTestServer();
    [requester, primary, secondary, other, ops, auditor] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
      person(t, ['platform_admin']),
      person(t, ['risk_officer']),
      person(t, ['ops_approver']),
      person(t, ['auditor']),
    ]);
  });
  afterAll(() => t.close());

  const flagEnabled = async () =>
    (
      await sql<{
        enabled: boolean;
      }>`select enabled from feature_flags where key = 'AUTO_SETTLEMENT'`.execute(t.database.db)
    ).rows[0]?.enabled;

  it('files a request with digest, diff, policy snapshot and TTL', async () => {
    const req = await fileFlagRequest(t, requester);
    expect(req).toMatchObject({
      status: 'pending',
      diff: [{ field: 'enabled', before: false, after: true }],
    });
    expect(req.digest).toMatch(/^[0-9a-f]{64}$/);
    const detail = await call<
      RequestBody & {
        policy: { primaryRoles: string[] };
        history: { action: string }[];
        expiresAt: string;
        createdAt: string;
      }
    >(t, primary, 'GET', `/api/approvals/${req.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.policy.primaryRoles).toEqual(['risk_officer']);
    expect(detail.body.history.map((h) => h.action)).toEqual(['filed']);
    expect(new Date(detail.body.expiresAt).getTime() - new Date(detail.body.createdAt).getTime()).toBe(
      4 * 3600 * 1000,
    );
  });

  it('the full path: approve names a secondary, only their co-sign applies the change', async () => {
    const req = await fileFlagRequest(t, requester);
    const approved = await call<RequestBody>(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('awaiting_secondary');
    expect(await flagEnabled()).toBe(false); // invariant 4: naming alone approves nothing

    const cosigned = await call<RequestBody>(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {
      reason: 'Agreed after review',
    });
    expect(cosigned.status).toBe(200);
    expect(cosigned.body.status).toBe('approved');
    expect(await flagEnabled()).toBe(true);

    const flag = await call<{ enabled: boolean; requestId: string; history: { via: string }[] }>(
      t,
      auditor,
      'GET',
      '/api/flags/AUTO_SETTLEMENT',
    );
    expect(flag.body).toMatchObject({ enabled: true, requestId: req.id });
    expect(flag.body.history[0]?.via).toBe('request');

    const audit = await auditTrail(t, { entityId: req.id });
    expect(audit.map((r) => r.action)).toEqual(['approval.filed', 'approval.approved', 'approval.cosigned']);
    const notes = await notificationsFor(t, { requestId: req.id, fields: ['template', 'recipientId'] });
    expect(notes).toContainEqual({ template: 'approval.cosign_requested', recipientId: secondary.id });
    expect(notes).toContainEqual({ template: 'approval.approved', recipientId: requester.id });

    // turn it back off through dual control for the next tests
    const off = await call<RequestBody>(t, requester, 'POST', '/api/approvals', {
      kind: 'flag.set',
      payload: { key: 'AUTO_SETTLEMENT', enabled: false },
    });
    await call(t, primary, 'POST', `/api/approvals/${off.body.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect(
      (
        await call(t, secondary, 'POST', `/api/approvals/${off.body.id}/cosign`, {
          reason: 'Checked and co-signed.',
        })
      ).status,
    ).toBe(200);
    expect(await flagEnabled()).toBe(false);
  });

  it('1. SELF_APPROVAL: the requester can neither approve nor reject their own request', async () => {
    const req = await fileFlagRequest(t, requester);
    const a = await call(t, requester, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect([a.status, a.body.code]).toEqual([403, 'SELF_APPROVAL']);
    const r = await call(t, requester, 'POST', `/api/approvals/${req.id}/reject`, { reason: REASON });
    expect([r.status, r.body.code]).toEqual([403, 'SELF_APPROVAL']);
    const named = await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: requester.id,
    });
    expect([named.status, named.body.code]).toEqual([403, 'SELF_APPROVAL']);
    expect(named.body.errors?.[0]?.path).toBe('secondaryApproverId');
  });

  it('2. SAME_APPROVER: the primary cannot name or be the secondary', async () => {
    const req = await fileFlagRequest(t, requester);
    const self = await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: primary.id,
    });
    expect([self.status, self.body.code]).toEqual([403, 'SAME_APPROVER']);
    await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    const cos = await call(t, primary, 'POST', `/api/approvals/${req.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect([cos.status, cos.body.code]).toEqual([403, 'SAME_APPROVER']);
  });

  it('3. NOT_ELIGIBLE: roles outside the policy, deactivated or MFA-less people', async () => {
    const req = await fileFlagRequest(t, requester);
    const wrongRole = await call(t, ops, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect([wrongRole.status, wrongRole.body.code]).toEqual([403, 'NOT_ELIGIBLE']);
    const opsAsSecondary = await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: ops.id,
    });
    expect([opsAsSecondary.status, opsAsSecondary.body.code]).toEqual([403, 'NOT_ELIGIBLE']);
    const unknown = await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: '00000000-0000-4000-8000-000000000000',
    });
    expect([unknown.status, unknown.body.code]).toEqual([403, 'NOT_ELIGIBLE']);
  });

  it('3. NOT_ELIGIBLE: a deactivated or MFA-less operator cannot be named secondary, nor is offered', async () => {
    const gone = await person(t, ['platform_admin']);
    await t.desk.services.operators.deactivate(gone.id, { actorType: 'system', requestId: 'test' });
    const noMfa = await newOperator(t, { roles: ['platform_admin'], mfa: false });
    const fine = await person(t, ['platform_admin']);
    const req = await fileFlagRequest(t, requester);

    const offered = await call<{ items: { id: string }[] }>(
      t,
      primary,
      'GET',
      `/api/approvals/${req.id}/eligible-approvers`,
    );
    const ids = offered.body.items.map((i) => i.id);
    expect(ids).toContain(fine.id);
    expect(ids).not.toContain(gone.id);
    expect(ids).not.toContain(noMfa.id);

    for (const who of [gone.id, noMfa.id]) {
      const res = await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
        reason: REASON,
        secondaryApproverId: who,
      });
      expect([res.status, res.body.code, res.body.errors?.[0]?.path]).toEqual([
        403,
        'NOT_ELIGIBLE',
        'secondaryApproverId',
      ]);
    }
    expect((await call<RequestBody>(t, auditor, 'GET', `/api/approvals/${req.id}`)).body.status).toBe(
      'pending',
    );
    const ok = await call<RequestBody>(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: fine.id,
    });
    expect([ok.status, ok.body.status]).toEqual([200, 'awaiting_secondary']);
  });

  it('3. the co-sign re-checks the primary: deactivated or stripped of the role since approving → NOT_ELIGIBLE, failed, nothing applied', async () => {
    const cases = [
      {
        why: /deactivated/,
        change: (id: string) =>
          t.desk.services.operators.deactivate(id, { actorType: 'system', requestId: 'test' }),
      },
      {
        why: /no longer holds a role/,
        change: async (id: string) =>
          void (await sql`update operators set roles = '{auditor}' where id = ${id}`.execute(t.database.db)),
      },
    ];
    for (const c of cases) {
      const approver = await person(t, ['risk_officer']);
      const req = await fileFlagRequest(t, requester);
      expect(
        (
          await call(t, approver, 'POST', `/api/approvals/${req.id}/approve`, {
            reason: REASON,
            secondaryApproverId: secondary.id,
          })
        ).status,
      ).toBe(200);
      await c.change(approver.id);
      const res = await call<RequestBody & { detail: string }>(
        t,
        secondary,
        'POST',
        `/api/approvals/${req.id}/cosign`,
        { reason: 'Checked and co-signed.' },
      );
      expect([res.status, res.body.code]).toEqual([403, 'NOT_ELIGIBLE']);
      expect(res.body.detail).toMatch(c.why);
      const after = await call<RequestBody>(t, auditor, 'GET', `/api/approvals/${req.id}`);
      expect(after.body.status).toBe('failed');
      expect(after.body.failureReason).toMatch(c.why);
      expect(await flagEnabled()).toBe(false);
      const audit = await auditTrail(t, { entityId: req.id });
      expect(audit.map((r) => r.action)).toEqual(['approval.filed', 'approval.approved', 'approval.failed']);
      const notes = await notificationsFor(t, { template: 'approval.failed', requestId: req.id });
      expect(notes.map((r) => r.recipientId)).toContain(requester.id);
    }
  });

  it('3. STEP_UP_REQUIRED: a decision needs a TOTP proved within the window', async () => {
    const req = await fileFlagRequest(t, requester);
    await sql`update operator_sessions set step_up_until = now() - interval '1 second' where id = ${primary.session.sessionId}`.execute(
      t.database.db,
    );
    const res = await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect([res.status, res.body.code]).toEqual([403, 'STEP_UP_REQUIRED']);
    await sql`update operator_sessions set step_up_until = now() + interval '10 minutes' where id = ${primary.session.sessionId}`.execute(
      t.database.db,
    );
  });

  it('4. NOT_NAMED_SECONDARY: only the named secondary may co-sign', async () => {
    const req = await fileFlagRequest(t, requester);
    const early = await call(t, other, 'POST', `/api/approvals/${req.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect([early.status, early.body.code]).toEqual([403, 'NOT_NAMED_SECONDARY']);
    await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    const res = await call(t, other, 'POST', `/api/approvals/${req.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect([res.status, res.body.code]).toEqual([403, 'NOT_NAMED_SECONDARY']);
  });

  it('5. REASON_REQUIRED: approval, rejection and co-sign need 10 visible characters', async () => {
    const req = await fileFlagRequest(t, requester);
    for (const reason of ['', '   ', 'ok fine', 'a b c d e f g h i', INVISIBLE_REASON]) {
      const a = await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
        reason,
        secondaryApproverId: secondary.id,
      });
      expect([a.status, a.body.code, a.body.errors?.[0]?.path]).toEqual([400, 'REASON_REQUIRED', 'reason']);
      const r = await call(t, primary, 'POST', `/api/approvals/${req.id}/reject`, { reason });
      expect([r.status, r.body.code]).toEqual([400, 'REASON_REQUIRED']);
    }
    const approved = await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect(approved.status).toBe(200);
    for (const reason of ['', 'ok fine', INVISIBLE_REASON]) {
      const c = await call(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, { reason });
      expect([c.status, c.body.code, c.body.errors?.[0]?.path]).toEqual([400, 'REASON_REQUIRED', 'reason']);
    }
    const none = await call(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {});
    expect([none.status, none.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`, {})).status).toBe(200);
  });

  it('6. ALREADY_DECIDED: a decided request takes no further decision', async () => {
    const req = await fileFlagRequest(t, requester);
    expect(
      (
        await call(t, other, 'POST', `/api/approvals/${req.id}/reject`, {
          reason: 'Not during the audit freeze',
        })
      ).status,
    ).toBe(200);
    const again = await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect([again.status, again.body.code]).toEqual([409, 'ALREADY_DECIDED']);
    const cancel = await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`, {});
    expect([cancel.status, cancel.body.code]).toEqual([409, 'ALREADY_DECIDED']);
  });

  it('7. STALE_REQUEST: a change made since filing fails the request and applies nothing', async () => {
    const req = await fileFlagRequest(t, requester);
    await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    // someone stops auto-settlement meanwhile (bumps the flag's version)
    const stop = await call(t, other, 'POST', '/api/flags/AUTO_SETTLEMENT/emergency-disable', {
      reason: 'Suspicious withdrawals seen',
    });
    expect(stop.status).toBe(200);
    const res = await call<RequestBody>(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect([res.status, res.body.code]).toEqual([409, 'STALE_REQUEST']);
    const after = await call<RequestBody>(t, auditor, 'GET', `/api/approvals/${req.id}`);
    expect(after.body.status).toBe('failed');
    expect(after.body.failureReason).toMatch(/changed since the request was filed/);
    expect(await flagEnabled()).toBe(false);
  });

  it('9. the payload cannot be edited: the database refuses, and a tampered payload would still fail the co-sign', async () => {
    const req = await fileFlagRequest(t, requester);
    await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    await expect(
      sql`update change_requests set payload = '{"key":"AUTO_SETTLEMENT","enabled":false}' where id = ${req.id}`.execute(
        t.database.db,
      ),
    ).rejects.toThrow(/cannot be edited/);
    // Defence in depth: with the triggers switched off (a superuser can), the co-sign's digest check still holds.
    await t.database.db.transaction().execute(async (tx) => {
      await sql`set local session_replication_role = replica`.execute(tx);
      await sql`update change_requests set payload = '{"key":"AUTO_SETTLEMENT","enabled":false}' where id = ${req.id}`.execute(
        tx,
      );
    });
    const res = await call<RequestBody>(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect([res.status, res.body.code]).toEqual([409, 'STALE_REQUEST']);
    expect(
      (await call<RequestBody>(t, auditor, 'GET', `/api/approvals/${req.id}`)).body.failureReason,
    ).toMatch(/digest/);
    expect(await flagEnabled()).toBe(false);
  });

  it('9. in SQL, what was filed cannot change, a decided request cannot reopen, and the history is append-only', async () => {
    const req = await fileFlagRequest(t, requester);
    const edits = [
      sql`update change_requests set kind = 'policy.set' where id = ${req.id}`,
      sql`update change_requests set payload = '{"key":"AUTO_SETTLEMENT","enabled":false}', digest = repeat('0', 64) where id = ${req.id}`,
      sql`update change_requests set digest = repeat('0', 64) where id = ${req.id}`,
      sql`update change_requests set policy = jsonb_set(policy, '{secondaryRoles}', '["ops_approver"]') where id = ${req.id}`,
      sql`update change_requests set requested_by_id = ${primary.id} where id = ${req.id}`,
      sql`update change_requests set entity_version = entity_version + 1 where id = ${req.id}`,
      sql`update change_requests set created_at = created_at - interval '1 day' where id = ${req.id}`,
      sql`update change_requests set expires_at = expires_at + interval '1 day' where id = ${req.id}`,
    ];
    for (const edit of edits)
      await expect(edit.execute(t.database.db)).rejects.toThrow(/cannot be edited|never extended/);
    await expect(
      sql`delete from change_requests where id = ${req.id}`.execute(t.database.db),
    ).rejects.toThrow(/not allowed/);
    await expect(
      sql`update change_request_events set reason = 'rewritten' where request_id = ${req.id}`.execute(
        t.database.db,
      ),
    ).rejects.toThrow(/append-only/);
    await expect(
      sql`delete from change_request_events where request_id = ${req.id}`.execute(t.database.db),
    ).rejects.toThrow(/append-only/);
    await expect(sql`truncate change_request_events cascade`.execute(t.database.db)).rejects.toThrow(
      /append-only/,
    );

    // the engine's own transitions still work, and bringing the expiry forward (fail closed) is allowed
    await sql`update change_requests set expires_at = expires_at - interval '1 minute' where id = ${req.id}`.execute(
      t.database.db,
    );
    await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    const cosigned = await call<RequestBody>(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect([cosigned.status, cosigned.body.status]).toEqual([200, 'approved']);
    expect(await flagEnabled()).toBe(true);
    await expect(
      sql`update change_requests set status = 'awaiting_secondary', secondary_at = null where id = ${req.id}`.execute(
        t.database.db,
      ),
    ).rejects.toThrow(/can no longer change/);

    const off = await call<RequestBody>(t, requester, 'POST', '/api/approvals', {
      kind: 'flag.set',
      payload: { key: 'AUTO_SETTLEMENT', enabled: false },
    });
    await call(t, primary, 'POST', `/api/approvals/${off.body.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect(
      (
        await call(t, secondary, 'POST', `/api/approvals/${off.body.id}/cosign`, {
          reason: 'Checked and co-signed.',
        })
      ).status,
    ).toBe(200);
    expect(await flagEnabled()).toBe(false);
  });

  it('10. EXPIRED: a decision after the TTL gets 410 even before the expiry job ran, and the expiry is recorded', async () => {
    const req = await fileFlagRequest(t, requester);
    await sql`update change_requests set expires_at = now() - interval '1 second' where id = ${req.id}`.execute(
      t.database.db,
    );
    const res = await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect([res.status, res.body.code]).toEqual([410, 'EXPIRED']);
    const detail = await call<RequestBody & { history: { action: string }[] }>(
      t,
      auditor,
      'GET',
      `/api/approvals/${req.id}`,
    );
    expect(detail.body.status).toBe('expired');
    expect(detail.body.history.map((h) => h.action)).toEqual(['filed', 'expired']);
    const again = await call(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect([again.status, again.body.code]).toEqual([410, 'EXPIRED']);
  });

  it('the expiry job expires open requests past their TTL, audited', async () => {
    const req = await fileFlagRequest(t, requester);
    await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    await sql`update change_requests set expires_at = now() - interval '1 second' where id = ${req.id}`.execute(
      t.database.db,
    );
    expect(await t.desk.services.approvals.expireDue()).toBeGreaterThanOrEqual(1);
    expect((await call<RequestBody>(t, auditor, 'GET', `/api/approvals/${req.id}`)).body.status).toBe(
      'expired',
    );
    const audit = await auditTrail(t, {
      entityId: req.id,
      action: 'approval.expired',
      fields: ['actorType'],
    });
    expect(audit).toEqual([{ actorType: 'system' }]);
    const res = await call(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect([res.status, res.body.code]).toEqual([410, 'EXPIRED']);
  });

  it('VALIDATION_FAILED: unknown kind, bad payload, unknown fields', async () => {
    const kind = await call(t, requester, 'POST', '/api/approvals', { kind: 'nope', payload: {} });
    expect([kind.status, kind.body.code, kind.body.errors?.[0]?.path]).toEqual([
      400,
      'VALIDATION_FAILED',
      'kind',
    ]);
    const payload = await call(t, requester, 'POST', '/api/approvals', {
      kind: 'flag.set',
      payload: { key: 'AUTO_SETTLEMENT', enabled: 'yes' },
    });
    expect([payload.status, payload.body.code, payload.body.errors?.[0]?.path]).toEqual([
      400,
      'VALIDATION_FAILED',
      'payload.enabled',
    ]);
    const extra = await call(t, requester, 'POST', '/api/approvals', {
      kind: 'flag.set',
      payload: { key: 'AUTO_SETTLEMENT', enabled: true, sneaky: 1 },
    });
    expect(extra.status).toBe(400);
    const same = await call(t, requester, 'POST', '/api/approvals', {
      kind: 'flag.set',
      payload: { key: 'AUTO_SETTLEMENT', enabled: false },
    });
    expect([same.status, same.body.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('NOT_FOUND for an unknown request: read, eligible approvers and every decision', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const res = await call(t, primary, 'GET', `/api/approvals/${unknown}`);
    expect([res.status, res.body.code]).toEqual([404, 'NOT_FOUND']);
    const eligible = await call(t, primary, 'GET', `/api/approvals/${unknown}/eligible-approvers`);
    expect([eligible.status, eligible.body.code]).toEqual([404, 'NOT_FOUND']);
    const decisions: [Person, string, object][] = [
      [primary, 'approve', { reason: REASON, secondaryApproverId: secondary.id }],
      [secondary, 'cosign', { reason: REASON }],
      [primary, 'reject', { reason: REASON }],
      [requester, 'cancel', {}],
    ];
    for (const [who, action, body] of decisions) {
      const d = await call(t, who, 'POST', `/api/approvals/${unknown}/${action}`, body);
      expect([action, d.status, d.body.code]).toEqual([action, 404, 'NOT_FOUND']);
    }
  });

  it('STEP_UP_REQUIRED on co-sign and reject too, and nothing changes', async () => {
    const cosigner = await person(t, ['platform_admin']);
    const req = await fileFlagRequest(t, requester);
    await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: cosigner.id,
    });
    await sql`update operator_sessions set step_up_until = now() - interval '1 second' where id = ${cosigner.session.sessionId}`.execute(
      t.database.db,
    );
    const cos = await call(t, cosigner, 'POST', `/api/approvals/${req.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect([cos.status, cos.body.code]).toEqual([403, 'STEP_UP_REQUIRED']);
    const rej = await call(t, cosigner, 'POST', `/api/approvals/${req.id}/reject`, {
      reason: 'Not without the pilot sign-off',
    });
    expect([rej.status, rej.body.code]).toEqual([403, 'STEP_UP_REQUIRED']);
    expect((await call<RequestBody>(t, auditor, 'GET', `/api/approvals/${req.id}`)).body.status).toBe(
      'awaiting_secondary',
    );
    expect(await flagEnabled()).toBe(false);
    await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`, {});
  });

  it('the default policies are the documented table (docs/dual-control.md: roles per step and TTL per kind, the trade.amend tier)', async () => {
    const res = await call<{
      items: {
        kind: string;
        primaryRoles: string[];
        secondaryRoles: string[];
        ttlSeconds: number;
        tiers: { when: unknown; secondaryRoles: string[] }[];
      }[];
    }>(t, auditor, 'GET', '/api/approvals/policies');
    const h = 3600;
    const table = Object.fromEntries(
      res.body.items.map((p) => [
        p.kind,
        [[...p.primaryRoles].sort(), [...p.secondaryRoles].sort(), p.ttlSeconds],
      ]),
    );
    expect(table).toEqual({
      'client.access': [['ops_approver', 'risk_officer'], ['ops_approver', 'risk_officer'], 72 * h],
      'client.limits': [['risk_officer'], ['ops_approver', 'risk_officer'], 24 * h],
      'client.address': [['ops_approver'], ['risk_officer'], 24 * h],
      'trade.amend': [['ops_approver'], ['ops_approver', 'risk_officer'], 4 * h],
      'trade.cancel': [['ops_approver'], ['ops_approver', 'risk_officer'], 4 * h],
      'flag.set': [['risk_officer'], ['platform_admin', 'risk_officer'], 4 * h],
      'settlement.requeue': [['ops_approver', 'risk_officer'], ['risk_officer'], 24 * h],
      'operator.role': [['platform_admin'], ['risk_officer'], 24 * h],
      // beyond the desk's original table: policy changes are dual-controlled like flags; dismissing flagged settlements like requeueing them
      'policy.set': [['risk_officer'], ['platform_admin', 'risk_officer'], 24 * h],
      'settlement.dismiss': [['ops_approver', 'risk_officer'], ['risk_officer'], 24 * h],
      // DESIGN 4.8: alert thresholds change only by a co-signed alert.rule
      'alert.rule': [['risk_officer'], ['platform_admin', 'risk_officer'], 24 * h],
      // issue 14 item 8: nobody sets prices alone (migration 0050)
      'pricing.reference': [['risk_officer'], ['ops_approver', 'risk_officer'], 4 * h],
      'pricing.spreads': [['risk_officer'], ['ops_approver', 'risk_officer'], 24 * h],
    });
    // a trade.amend above 250,000 USDT (6 decimals) needs a risk officer as secondary
    expect(res.body.items.find((p) => p.kind === 'trade.amend')?.tiers).toEqual([
      expect.objectContaining({
        // judged on the trade's amount before and after the change, not a payload field (migration 0051)
        when: { path: 'notional', op: 'gt', value: '250000000000' },
        secondaryRoles: ['risk_officer'],
      }),
    ]);
    expect(res.body.items.filter((p) => p.kind !== 'trade.amend').every((p) => p.tiers.length === 0)).toBe(
      true,
    );
  });

  it('Idempotency-Key: the same key and body return the same request; a different body is refused', async () => {
    const headers = { 'idempotency-key': `key-${Date.now()}` };
    const body = { kind: 'flag.set', payload: { key: 'AUTO_SETTLEMENT', enabled: true } };
    await withdrawOpenTwin(t, body.kind, body.payload); // an earlier test's, still open
    const a = await call<RequestBody>(t, requester, 'POST', '/api/approvals', body, headers);
    const b = await call<RequestBody>(t, requester, 'POST', '/api/approvals', body, headers);
    expect([a.status, b.status]).toEqual([201, 200]);
    expect(b.body.id).toBe(a.body.id);
    const c = await call(
      t,
      requester,
      'POST',
      '/api/approvals',
      { kind: 'flag.set', payload: { key: 'AUTO_SETTLEMENT', enabled: true }, note: 'x' },
      headers,
    );
    expect(c.status).toBe(200); // the note is not part of the approved payload
    const d = await call(
      t,
      requester,
      'POST',
      '/api/approvals',
      {
        kind: 'policy.set',
        payload: {
          kind: 'flag.set',
          primaryRoles: ['risk_officer'],
          secondaryRoles: ['risk_officer'],
          ttlSeconds: 3600,
        },
      },
      headers,
    );
    expect([d.status, d.body.code]).toEqual([409, 'IDEMPOTENCY_CONFLICT']);
    for (const key of ['short', 'has spaces in it', 'x'.repeat(129)]) {
      const bad = await call(t, requester, 'POST', '/api/approvals', body, { 'idempotency-key': key });
      expect([bad.status, bad.body.code, bad.body.errors?.[0]?.path]).toEqual([
        400,
        'VALIDATION_FAILED',
        'headers.idempotency-key',
      ]);
    }
  });

  it('Idempotency-Key under concurrency: six identical calls file one request', async () => {
    const headers = { 'idempotency-key': `race-${Date.now()}` };
    const body = { kind: 'flag.set', payload: { key: 'AUTO_SETTLEMENT', enabled: true } };
    await withdrawOpenTwin(t, body.kind, body.payload); // an earlier test's, still open
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        call<RequestBody>(t, requester, 'POST', '/api/approvals', body, headers),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });

  it('cancel needs no body', async () => {
    const req = await fileFlagRequest(t, requester);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/approvals/${req.id}/cancel`,
      headers: requester.session.bearer,
    });
    expect(res.statusCode).toBe(200);
  });

  it('cancel past the TTL records the expiry instead (fail closed)', async () => {
    const req = await fileFlagRequest(t, requester);
    await sql`update change_requests set expires_at = now() - interval '1 second' where id = ${req.id}`.execute(
      t.database.db,
    );
    const res = await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`, {});
    expect([res.status, res.body.code]).toEqual([410, 'EXPIRED']);
    expect((await call<RequestBody>(t, auditor, 'GET', `/api/approvals/${req.id}`)).body.status).toBe(
      'expired',
    );
  });

  it('cancel: only the requester, while undecided', async () => {
    const req = await fileFlagRequest(t, requester);
    const notMine = await call(t, primary, 'POST', `/api/approvals/${req.id}/cancel`, {});
    expect([notMine.status, notMine.body.code]).toEqual([403, 'FORBIDDEN']);
    const mine = await call<RequestBody>(t, requester, 'POST', `/api/approvals/${req.id}/cancel`, {});
    expect([mine.status, mine.body.status]).toEqual([200, 'cancelled']);
  });

  it('eligible-approvers excludes the requester and the primary, and lists only eligible roles', async () => {
    const req = await fileFlagRequest(t, requester);
    const before = await call<{ items: { id: string; roles: string[]; telegramLinked: boolean }[] }>(
      t,
      primary,
      'GET',
      `/api/approvals/${req.id}/eligible-approvers`,
    );
    const ids = before.body.items.map((i) => i.id);
    expect(ids).toContain(secondary.id);
    expect(ids).toContain(other.id);
    expect(ids).not.toContain(requester.id);
    expect(ids).not.toContain(primary.id);
    expect(ids).not.toContain(ops.id);
    expect(ids).not.toContain(auditor.id);
    expect(before.body.items.find((i) => i.id === secondary.id)).toHaveProperty('telegramLinked', false);
    // linked to Telegram (they can co-sign from the bot): shown so the primary can pick someone reachable
    await sql`update operators set telegram_user_id = ${String(Date.now())} where id = ${other.id}`.execute(
      t.database.db,
    );
    const after = await call<{ items: { id: string; telegramLinked: boolean }[] }>(
      t,
      primary,
      'GET',
      `/api/approvals/${req.id}/eligible-approvers`,
    );
    expect(after.body.items.find((i) => i.id === other.id)).toHaveProperty('telegramLinked', true);
    expect(after.body.items.find((i) => i.id === secondary.id)).toHaveProperty('telegramLinked', false);
  });

  it('lists with filters, awaitingMe and cursor pagination', async () => {
    const req = await fileFlagRequest(t, requester);
    await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: other.id,
    });
    const mine = await call<{
      items: (RequestBody & { requestedBy: { name: string } })[];
      awaitingMe: number;
    }>(t, other, 'GET', '/api/approvals?awaitingMe=true');
    expect(mine.body.items.find((i) => i.id === req.id)?.requestedBy.name).toBe(requester.op.name);
    expect(mine.body.items.map((i) => i.id)).toContain(req.id);
    expect(mine.body.awaitingMe).toBeGreaterThanOrEqual(1);
    expect(mine.body.items.every((i) => i.status === 'awaiting_secondary')).toBe(true);

    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { body: { items: RequestBody[]; nextCursor: string | null } } = await call(
        t,
        auditor,
        'GET',
        `/api/approvals?kind=flag.set&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      for (const i of page.body.items) {
        expect(seen.has(i.id)).toBe(false);
        seen.add(i.id);
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    const total = await sql<{
      n: number;
    }>`select count(*)::int as n from change_requests where kind = 'flag.set'`.execute(t.database.db);
    expect(seen.size).toBe(total.rows[0]?.n);

    const bad = await call(t, auditor, 'GET', '/api/approvals?status=bogus');
    expect(bad.status).toBe(400);
    for (const cursor of [
      'not-a-cursor',
      Buffer.from('2026-01-01T00:00:00.000Z|nope').toString('base64url'),
    ]) {
      const badCursor = await call(t, auditor, 'GET', `/api/approvals?cursor=${cursor}`);
      expect([badCursor.status, badCursor.body.code, badCursor.body.errors?.[0]?.path]).toEqual([
        400,
        'VALIDATION_FAILED',
        'querystring.cursor',
      ]);
    }
  });

  it('requester context: an operator with name, email and roles; a client with their name (detail and list)', async () => {
    const req = await fileFlagRequest(t, requester);
    const detail = await call<{ requestedBy: Record<string, unknown> }>(
      t,
      auditor,
      'GET',
      `/api/approvals/${req.id}`,
    );
    expect(detail.body.requestedBy).toEqual({
      type: 'operator',
      id: requester.id,
      name: requester.op.name,
      email: requester.op.email,
      roles: ['risk_officer'],
    });

    const client = await t.desk.services.clients.apply({
      telegramUserId: String(Date.now()),
      telegramUsername: 'acme_desk',
      profile: { name: 'Zoe Client', company: 'Acme Ltd', country: 'CH', monthlyVolume: '1-5M' },
    });
    const byClient = await call<{ requestedBy: Record<string, unknown> }>(
      t,
      ops,
      'GET',
      `/api/approvals/${client.requestId}`,
    );
    expect(byClient.body.requestedBy).toEqual({ type: 'client', id: client.client.id, name: 'Zoe Client' });

    const list = await call<{ items: { id: string; requestedBy: Record<string, unknown> }[] }>(
      t,
      auditor,
      'GET',
      '/api/approvals?limit=200',
    );
    expect(list.body.items.find((i) => i.id === req.id)?.requestedBy).toEqual(detail.body.requestedBy);
    expect(list.body.items.find((i) => i.id === client.requestId)?.requestedBy).toEqual(
      byClient.body.requestedBy,
    );
  });

  it('the list filters by requestedBy and by status', async () => {
    const mine = await fileFlagRequest(t, other);
    await fileFlagRequest(t, requester);
    const byOther = await call<{ items: (RequestBody & { requestedBy: { id: string } })[] }>(
      t,
      auditor,
      'GET',
      `/api/approvals?requestedBy=${other.id}&limit=200`,
    );
    expect(byOther.body.items.map((i) => i.id)).toContain(mine.id);
    expect(byOther.body.items.every((i) => i.requestedBy.id === other.id)).toBe(true);
    const count = await sql<{
      n: number;
    }>`select count(*)::int as n from change_requests where requested_by_id = ${other.id}`.execute(
      t.database.db,
    );
    expect(byOther.body.items).toHaveLength(count.rows[0]?.n ?? -1);

    await call(t, requester, 'POST', `/api/approvals/${mine.id}/cancel`, {}); // not theirs: refused
    await call(t, other, 'POST', `/api/approvals/${mine.id}/cancel`, {});
    const cancelled = await call<{ items: RequestBody[] }>(
      t,
      auditor,
      'GET',
      '/api/approvals?status=cancelled,rejected&limit=200',
    );
    expect(cancelled.body.items.map((i) => i.id)).toContain(mine.id);
    expect(cancelled.body.items.every((i) => ['cancelled', 'rejected'].includes(i.status))).toBe(true);
  });

  it('an auditor may read but not file or decide', async () => {
    const res = await call(t, auditor, 'POST', '/api/approvals', {
      kind: 'flag.set',
      payload: { key: 'AUTO_SETTLEMENT', enabled: true },
    });
    expect([res.status, res.body.code]).toEqual([403, 'FORBIDDEN']);
    expect((await call(t, auditor, 'GET', '/api/approvals/policies')).status).toBe(200);
  });
});
