import { sql } from 'kysely';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import {
  call,
  fileFlagRequest,
  filePolicyRequest,
  person,
  REASON,
  type Person,
} from '../../test/support/approvals.js';

describe('approvals metrics', () => {
  let t: TestServer;
  let a: Person;
  let b: Person;
  let c: Person;
  beforeAll(async () => {
    t = await buildTestServer();
    [a, b, c] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
      person(t, ['platform_admin']),
    ]);
  });
  afterAll(() => t.close());

  const scrape = async () => (await t.app.inject({ method: 'GET', url: '/metrics' })).body;

  it('pending by kind, decision time by step, outcomes by kind', async () => {
    const first = await fileFlagRequest(t, a);
    // A second flag.set identical to the open one would be a DUPLICATE_REQUEST: a distinct change.
    await filePolicyRequest(t, a, 7200);
    expect(await scrape()).toContain('desk_approvals_pending{kind="flag.set"} 1');
    expect(await scrape()).toContain('desk_approvals_pending{kind="policy.set"} 1');

    await call(t, b, 'POST', `/api/approvals/${first.id}/approve`, {
      reason: REASON,
      secondaryApproverId: c.id,
    });
    await call(t, c, 'POST', `/api/approvals/${first.id}/cosign`, { reason: 'Checked and co-signed.' });
    const text = await scrape();
    expect(text).toContain('desk_approvals_pending{kind="policy.set"} 1');
    expect(text).not.toContain('desk_approvals_pending{kind="flag.set"} 1');
    expect(text).toMatch(/desk_approval_decision_seconds_count\{kind="flag.set",step="primary"\} 1/);
    expect(text).toMatch(/desk_approval_decision_seconds_count\{kind="flag.set",step="secondary"\} 1/);
    expect(text).toContain('desk_approvals_total{kind="flag.set",outcome="approved"} 1');
    expect(text).toContain('desk_auto_settlement_enabled 1');
  });

  it('every final outcome is counted, and the reject step is timed', async () => {
    const rejected = await fileFlagRequest(t, a, false); // the flag is on after the first test
    await call(t, b, 'POST', `/api/approvals/${rejected.id}/reject`, {
      reason: 'Not during the audit freeze',
    });
    const cancelled = await fileFlagRequest(t, a, false);
    await call(t, a, 'POST', `/api/approvals/${cancelled.id}/cancel`, {});
    const expired = await fileFlagRequest(t, a, false);
    await sql`update change_requests set expires_at = now() - interval '1 second' where id = ${expired.id}`.execute(
      t.database.db,
    );
    await t.desk.services.approvals.expireDue();
    const failed = await fileFlagRequest(t, a, false);
    await call(t, b, 'POST', `/api/approvals/${failed.id}/approve`, {
      reason: REASON,
      secondaryApproverId: c.id,
    });
    await sql`update feature_flags set description = description where key = 'AUTO_SETTLEMENT'`.execute(
      t.database.db,
    ); // the flag moved: stale
    expect(
      (await call(t, c, 'POST', `/api/approvals/${failed.id}/cosign`, { reason: 'Checked and co-signed.' }))
        .body.code,
    ).toBe('STALE_REQUEST');

    const text = await scrape();
    for (const outcome of ['rejected', 'cancelled', 'expired', 'failed'])
      expect(text).toContain(`desk_approvals_total{kind="flag.set",outcome="${outcome}"} 1`);
    expect(text).toMatch(/desk_approval_decision_seconds_count\{kind="flag.set",step="reject"\} 1/);
  });

  it('a decision that rolls back counts nothing (metrics move only after the commit)', async () => {
    // a kind whose applier breaks: the co-sign's transaction rolls back with a 500
    t.desk.services.kinds.register({
      kind: 'test.boom',
      schema: z.object({ n: z.number() }).strict(),
      describe: async () => ({
        entity: { type: 'test', id: 'boom' },
        version: null,
        diff: [{ field: 'n', before: 0, after: 1 }],
        summary: 'Break on apply',
      }),
      validate: async () => undefined,
      apply: async () => {
        throw new Error('the applier broke');
      },
    });
    await sql`insert into approval_policies (kind, primary_roles, secondary_roles, ttl_seconds) values ('test.boom', '{risk_officer}', '{platform_admin}', 3600)`.execute(
      t.database.db,
    );
    const filed = await call<{ id: string }>(t, a, 'POST', '/api/approvals', {
      kind: 'test.boom',
      payload: { n: 1 },
    });
    await call(t, b, 'POST', `/api/approvals/${filed.body.id}/approve`, {
      reason: REASON,
      secondaryApproverId: c.id,
    });
    const res = await call(t, c, 'POST', `/api/approvals/${filed.body.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect(res.status).toBe(500);
    expect((await call<{ status: string }>(t, a, 'GET', `/api/approvals/${filed.body.id}`)).body.status).toBe(
      'awaiting_secondary',
    );

    const text = await scrape();
    expect(text).toMatch(/desk_approval_decision_seconds_count\{kind="test.boom",step="primary"\} 1/);
    expect(text).not.toMatch(/desk_approval_decision_seconds_count\{kind="test.boom",step="secondary"\}/);
    expect(text).not.toMatch(/desk_approvals_total\{kind="test.boom"/);
  });
});
