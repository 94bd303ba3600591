import { parseCrontab, type JobHelpers, type Task } from 'graphile-worker';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import { notificationsFor } from '../../test/support/notifications.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import {
  call,
  fileFlagRequest,
  filePolicyRequest,
  person,
  REASON,
  type Person,
  type RequestBody,
} from '../../test/support/approvals.js';

/** Issue #3 item 6: the worker's crontab runs the expiry task, and that task expires due requests, audited. */
describe('the approvals expiry cron job', () => {
  let t: TestServer;
  let requester: Person;
  let primary: Person;
  let secondary: Person;

  beforeAll(async () => {
    t = await buildTestServer();
    [requester, primary, secondary] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
      person(t, ['platform_admin']),
    ]);
  });
  afterAll(() => t.close());

  // What the worker is started with (src/worker/worker.ts merges the modules the same way).
  const taskList = () =>
    Object.assign({}, ...t.desk.jobs.map((m) => m.tasks)) as Record<string, Task | undefined>;
  const crontab = () => t.desk.jobs.flatMap((m) => m.crontab ?? []).join('\n');

  it('the worker crontab runs approvals_expire every minute, and that task is registered', () => {
    const items = parseCrontab(crontab()).filter((i) => i.task === 'approvals_expire');
    expect(items).toHaveLength(1);
    expect(crontab().split('\n')).toContain('* * * * * approvals_expire');
    expect(typeof taskList().approvals_expire).toBe('function');
  });

  it('running the registered task expires a due request: audited as the system, people notified, later decisions get EXPIRED', async () => {
    const due = await fileFlagRequest(t, requester);
    await call(t, primary, 'POST', `/api/approvals/${due.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    const notDue = await filePolicyRequest(t, requester, 7200); // a distinct change: the twin would be refused
    await sql`update change_requests set expires_at = now() - interval '1 second' where id = ${due.id}`.execute(
      t.database.db,
    );

    const task = taskList().approvals_expire;
    if (!task) throw new Error('approvals_expire is not registered');
    await task({}, {} as JobHelpers);

    const after = await call<RequestBody & { history: { action: string; actor: { type: string } }[] }>(
      t,
      primary,
      'GET',
      `/api/approvals/${due.id}`,
    );
    expect(after.body.status).toBe('expired');
    expect(after.body.history.at(-1)).toMatchObject({ action: 'expired', actor: { type: 'system' } });
    expect((await call<RequestBody>(t, primary, 'GET', `/api/approvals/${notDue.id}`)).body.status).toBe(
      'pending',
    );
    const audit = await auditTrail(t, {
      entityId: due.id,
      action: 'approval.expired',
      fields: ['actorType', 'data'],
    });
    expect(audit).toEqual([
      {
        actorType: 'system',
        data: expect.objectContaining({ from: 'awaiting_secondary', to: 'expired' }) as unknown,
      },
    ]);
    const told = await notificationsFor(t, { template: 'approval.expired', requestId: due.id });
    expect(told.map((r) => r.recipientId).sort()).toEqual([requester.id, primary.id, secondary.id].sort());
    const late = await call(t, secondary, 'POST', `/api/approvals/${due.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect([late.status, late.body.code]).toEqual([410, 'EXPIRED']);
  });
});
