import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, REASON, type Person, type RequestBody } from '../../test/support/approvals.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { coSigned, deskPeople, type Desk } from '../../test/support/settlement.js';

/** A threshold changes only through a co-signed `alert.rule` request (risk_officer, then risk_officer or platform_admin). */
describe('alert.rule: thresholds under dual control', () => {
  let t: TestServer;
  let p: Desk;
  let admin: Person;

  beforeAll(async () => {
    t = await buildTestServer();
    await t.desk.prepare();
    p = await deskPeople(t);
    admin = await person(t, ['platform_admin']);
  });
  afterAll(() => t.close());

  const stored = async (name: string) =>
    (
      await call<{ items: { name: string; threshold: string; forSeconds: number; version: number }[] }>(
        t,
        p.ops,
        'GET',
        '/api/alerts',
      )
    ).body.items.find((i) => i.name === name);

  const file = (who: Person, payload: unknown) =>
    call<RequestBody>(t, who, 'POST', '/api/approvals', {
      kind: 'alert.rule',
      payload,
      note: 'tune for the pilot',
    });

  it('the policy is risk_officer primary, risk_officer or platform_admin secondary', async () => {
    const res = await call<{ items: { kind: string; primaryRoles: string[]; secondaryRoles: string[] }[] }>(
      t,
      p.risk,
      'GET',
      '/api/approvals/policies',
    );
    const items = (res.body as unknown as { items?: unknown[] }).items ?? (res.body as unknown as unknown[]);
    expect(JSON.stringify(items)).toContain('alert.rule');
    const policy = (items as Record<string, unknown>[]).find((i) => i.kind === 'alert.rule');
    expect(policy).toMatchObject({
      primaryRoles: ['risk_officer'],
      secondaryRoles: ['risk_officer', 'platform_admin'],
    });
  });

  it('a co-signed request changes the stored threshold and for, with the diff the approvers saw', async () => {
    const before = await stored('settlement_queue_backlog');
    expect(before).toMatchObject({ threshold: '50', forSeconds: 600 });
    const done = await coSigned(
      t,
      p,
      'alert.rule',
      { name: 'settlement_queue_backlog', threshold: '80', forSeconds: 300 },
      [p.ops, p.risk, admin],
    );
    expect(done.status).toBe('approved');
    expect(done.diff).toEqual([
      { field: 'threshold', before: '50', after: '80' },
      { field: 'forSeconds', before: 600, after: 300 },
    ]);
    expect(await stored('settlement_queue_backlog')).toMatchObject({
      threshold: '80',
      forSeconds: 300,
      version: (before?.version ?? 0) + 1,
    });
  });

  it('one person alone cannot: the requester approving is SELF_APPROVAL; an ops approver is NOT_ELIGIBLE as primary', async () => {
    const filed = await file(p.risk, { name: 'worker_down', threshold: '300' });
    expect(filed.status).toBe(201);
    const self = await call(t, p.risk, 'POST', `/api/approvals/${filed.body.id}/approve`, {
      reason: REASON,
      secondaryApproverId: p.risk2.id,
    });
    expect(self.body.code).toBe('SELF_APPROVAL');
    const ops = await call(t, p.ops, 'POST', `/api/approvals/${filed.body.id}/approve`, {
      reason: REASON,
      secondaryApproverId: p.risk2.id,
    });
    expect(ops.body.code).toBe('NOT_ELIGIBLE');
    const same = await call(t, p.risk2, 'POST', `/api/approvals/${filed.body.id}/approve`, {
      reason: REASON,
      secondaryApproverId: p.risk2.id,
    });
    expect(same.body.code).toBe('SAME_APPROVER');
    expect((await stored('worker_down'))?.threshold).toBe('120');
  });

  it('a request naming no rule, no change, or a malformed threshold is refused at the field', async () => {
    expect((await file(p.risk, { name: 'no_such_rule', threshold: '1' })).body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'payload.name' }],
    });
    expect((await file(p.risk, { name: 'worker_down', threshold: '120' })).body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'payload.threshold', message: 'is the current value' }],
    });
    const bad = await file(p.risk, { name: 'worker_down', threshold: 'lots' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });
});
