import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { call, fileFlagRequest, person, REASON, type Person } from '../../test/support/approvals.js';

describe('approvals metrics', () => {
  let t: TestServer;
  let a: Person;
  let b: Person;
  let c: Person;
  beforeAll(async () => {
    t = await buildTestServer();
    [a, b, c] = await Promise.all([person(t, ['risk_officer']), person(t, ['risk_officer']), person(t, ['platform_admin'])]);
  });
  afterAll(() => t.close());

  const scrape = async () => (await t.app.inject({ method: 'GET', url: '/metrics' })).body;

  it('pending by kind, decision time by step, outcomes by kind', async () => {
    const first = await fileFlagRequest(t, a);
    await fileFlagRequest(t, a);
    expect(await scrape()).toContain('desk_approvals_pending{kind="flag.set"} 2');

    await call(t, b, 'POST', `/api/approvals/${first.id}/approve`, { reason: REASON, secondaryApproverId: c.id });
    await call(t, c, 'POST', `/api/approvals/${first.id}/cosign`, {});
    const text = await scrape();
    expect(text).toContain('desk_approvals_pending{kind="flag.set"} 1');
    expect(text).toMatch(/desk_approval_decision_seconds_count\{kind="flag.set",step="primary"\} 1/);
    expect(text).toMatch(/desk_approval_decision_seconds_count\{kind="flag.set",step="secondary"\} 1/);
    expect(text).toContain('desk_approvals_total{kind="flag.set",outcome="approved"} 1');
    expect(text).toContain('desk_auto_settlement_enabled 1');
  });
});
