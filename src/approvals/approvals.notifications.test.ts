import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { notificationsFor, type NotificationRow } from '../../test/support/notifications.js';
import {
  call,
  fileFlagRequest,
  person,
  REASON,
  type Person,
  type RequestBody,
} from '../../test/support/approvals.js';

const isSelfDecided = (n: NotificationRow) => n.data.selfDecided === true;

/**
 * Invariant 8 (src/approvals/README.md): every transition writes the outbox rows for the people
 * concerned, in its own transaction — eligible approvers on a new request, the named secondary when
 * named, the requester on every decision — and they stay queued until delivered. Whoever decided is
 * not told again: their row is marked `selfDecided` (it only brings the edits of earlier messages).
 */
describe('approvals notifications outbox', () => {
  let t: TestServer;
  let requester: Person; // risk officer
  let primary: Person; // risk officer
  let secondary: Person; // platform admin
  let spare: Person; // another risk officer
  let ops: Person; // not eligible for flag.set
  let auditor: Person;

  beforeAll(async () => {
    t = await buildTestServer();
    [requester, primary, secondary, spare, ops, auditor] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
      person(t, ['platform_admin']),
      person(t, ['risk_officer']),
      person(t, ['ops_approver']),
      person(t, ['auditor']),
    ]);
  });
  afterAll(() => t.close());

  const notes = (requestId: string, template?: string) => notificationsFor(t, { requestId, template });
  const operatorsTold = async (requestId: string, template: string) =>
    (await notes(requestId, template))
      .filter((n) => n.recipientType === 'operator' && !isSelfDecided(n))
      .map((n) => n.recipientId)
      .sort();
  /** The decider's own row: written (its delivery edits earlier messages), but it tells them nothing. */
  const selfDecided = async (requestId: string, template: string) =>
    (await notes(requestId, template)).filter(isSelfDecided).map((n) => n.recipientId);
  const sorted = (...people: Person[]) => people.map((p) => p.id).sort();

  it('a new request tells every eligible approver and the ops chat, not the requester nor other roles', async () => {
    const deactivated = await person(t, ['risk_officer']);
    await t.desk.services.operators.deactivate(deactivated.id, { actorType: 'system', requestId: 'test' });
    const req = await fileFlagRequest(t, requester);
    const rows = await notes(req.id, 'approval.requested');
    expect(rows.filter((n) => n.recipientType === 'ops_chat')).toHaveLength(1);
    // flag.set: risk_officer primary; risk_officer or platform_admin secondary
    expect(await operatorsTold(req.id, 'approval.requested')).toEqual(sorted(primary, secondary, spare));
    expect(rows.every((n) => n.status === 'queued')).toBe(true);
  });

  it('primary approval: the named secondary is asked to co-sign, the requester is told', async () => {
    const req = await fileFlagRequest(t, requester);
    await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect(await operatorsTold(req.id, 'approval.cosign_requested')).toEqual([secondary.id]);
    expect(await operatorsTold(req.id, 'approval.primary_approved')).toEqual([requester.id]);
    await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`, {});
  });

  it('co-sign: the requester and the primary are told it was approved', async () => {
    const req = await fileFlagRequest(t, requester);
    await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect(
      (
        await call(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {
          reason: 'Checked and co-signed.',
        })
      ).status,
    ).toBe(200);
    expect(await operatorsTold(req.id, 'approval.approved')).toEqual(sorted(requester, primary));
    // and back off through an emergency stop, so the next tests start from "off"
    expect(
      (
        await call(t, spare, 'POST', '/api/flags/AUTO_SETTLEMENT/emergency-disable', {
          reason: 'Reset after the notification test',
        })
      ).status,
    ).toBe(200);
  });

  it('reject: the requester and everyone who approved so far are told, except whoever rejected', async () => {
    const early = await fileFlagRequest(t, requester);
    await call(t, spare, 'POST', `/api/approvals/${early.id}/reject`, {
      reason: 'Not during the audit freeze',
    });
    expect(await operatorsTold(early.id, 'approval.rejected')).toEqual([requester.id]);
    expect(await selfDecided(early.id, 'approval.rejected')).toEqual([]); // spare had no part before

    const late = await fileFlagRequest(t, requester);
    await call(t, primary, 'POST', `/api/approvals/${late.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    await call(t, secondary, 'POST', `/api/approvals/${late.id}/reject`, {
      reason: 'The pilot plan is not signed off',
    });
    expect(await operatorsTold(late.id, 'approval.rejected')).toEqual(sorted(requester, primary));
    expect(await selfDecided(late.id, 'approval.rejected')).toEqual([secondary.id]);
  });

  it('cancel: the approvers involved are told; the requester who cancelled is not', async () => {
    const req = await fileFlagRequest(t, requester);
    await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect((await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`, {})).status).toBe(200);
    expect(await operatorsTold(req.id, 'approval.cancelled')).toEqual(sorted(primary, secondary));
    expect(await selfDecided(req.id, 'approval.cancelled')).toEqual([requester.id]);

    const untouched = await fileFlagRequest(t, requester);
    expect((await call(t, requester, 'POST', `/api/approvals/${untouched.id}/cancel`, {})).status).toBe(200);
    expect(await operatorsTold(untouched.id, 'approval.cancelled')).toEqual([]);
    expect(await selfDecided(untouched.id, 'approval.cancelled')).toEqual([requester.id]);
  });

  it('expiry discovered by a decision, by a cancel and by the expiry job tells the same people: requester, primary, named secondary', async () => {
    const paths: [string, (id: string) => Promise<unknown>][] = [
      [
        'decision',
        (id) =>
          call(t, secondary, 'POST', `/api/approvals/${id}/cosign`, { reason: 'Checked and co-signed.' }),
      ],
      ['cancel', (id) => call(t, requester, 'POST', `/api/approvals/${id}/cancel`, {})],
      ['job', () => t.desk.services.approvals.expireDue()],
    ];
    for (const [, run] of paths) {
      const req = await fileFlagRequest(t, requester);
      await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
        reason: REASON,
        secondaryApproverId: secondary.id,
      });
      await sql`update change_requests set expires_at = now() - interval '1 second' where id = ${req.id}`.execute(
        t.database.db,
      );
      await run(req.id);
      expect((await call<RequestBody>(t, auditor, 'GET', `/api/approvals/${req.id}`)).body.status).toBe(
        'expired',
      );
      expect(await operatorsTold(req.id, 'approval.expired')).toEqual(sorted(requester, primary, secondary));
    }
  });

  it('a failed co-sign tells the requester and the primary why', async () => {
    const req = await fileFlagRequest(t, requester);
    await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    await sql`update feature_flags set description = description where key = 'AUTO_SETTLEMENT'`.execute(
      t.database.db,
    ); // bumps the version
    const res = await call(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect(res.body.code).toBe('STALE_REQUEST');
    expect(await operatorsTold(req.id, 'approval.failed')).toEqual(sorted(requester, primary));
    const [failed] = await notificationsFor(t, {
      template: 'approval.failed',
      recipientId: requester.id,
      requestId: req.id,
    });
    expect(failed?.data.failure).toMatch(/changed since the request was filed/);
  });

  it('a request filed by a client or the system tells no requester, and ineligible people hear of nothing', async () => {
    const { request } = await t.desk.services.approvals.file(
      { kind: 'flag.set', payload: { key: 'AUTO_SETTLEMENT', enabled: true } },
      { type: 'system', id: null },
      { actorType: 'system' },
    );
    await call(t, primary, 'POST', `/api/approvals/${request.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect(await operatorsTold(request.id, 'approval.primary_approved')).toEqual([]);
    expect(await operatorsTold(request.id, 'approval.cosign_requested')).toEqual([secondary.id]);
    const strangers = await notificationsFor(t, {
      recipientIds: [ops.id, auditor.id],
      templatePrefix: 'approval.',
    });
    expect(strangers).toHaveLength(0);
  });
});
