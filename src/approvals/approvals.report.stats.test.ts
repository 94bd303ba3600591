import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../shared/clock.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { newOperator, type TestOperator } from '../../test/support/factories.js';
import type { Decider } from './approvals.ports.js';

interface Stat {
  operatorId: string;
  step: string;
  decisions: number;
  medianSeconds: number;
  p90Seconds: number;
}

const START = new Date('2026-03-02T09:00:00Z');
const REASON = 'Checked the ticket and the manager sign-off';

/**
 * The report's statistics on a fixed clock with known decision times, so a wrong column, a wrong
 * starting point or a wrong percentile shows up as a wrong number.
 */
describe('approvals report statistics (fixed clock)', () => {
  const clock = fixedClock(START);
  let t: TestServer;
  let requester: TestOperator;
  let primary: TestOperator;
  let s1: TestOperator;
  let s2: TestOperator;
  let auditorBearer: { authorization: string };

  const decider = (op: TestOperator): Decider => ({
    operatorId: op.id,
    stepUpUntil: new Date(clock.now().getTime() + 3600_000),
    audit: { actorType: 'operator', actorId: op.id },
  });
  const file = async () => {
    const target = await newOperator(t, { roles: ['ops_approver'] }); // enrolled: a grant needs that
    const { request } = await t.desk.services.approvals.file(
      { kind: 'operator.role', payload: { operatorId: target.id, role: 'auditor', action: 'grant' } },
      { type: 'operator', id: requester.id },
      { actorType: 'operator', actorId: requester.id },
    );
    return request.id;
  };

  beforeAll(async () => {
    t = await buildTestServer({ clock });
    // operator.role: platform_admin approves, risk_officer co-signs
    [requester, primary, s1, s2] = [
      await newOperator(t, { roles: ['platform_admin'] }),
      await newOperator(t, { roles: ['platform_admin'] }),
      await newOperator(t, { roles: ['risk_officer'] }),
      await newOperator(t, { roles: ['risk_officer'] }),
    ];
    auditorBearer = (await (await newOperator(t, { roles: ['auditor'] })).login()).bearer;

    // primary takes 10, 20, 30, 40, 100 s; s1 co-signs three (5, 15, 25 s), s2 two (60, 120 s)
    const plan: [number, TestOperator, number][] = [
      [10, s1, 5],
      [20, s1, 15],
      [30, s1, 25],
      [40, s2, 60],
      [100, s2, 120],
    ];
    for (const [toPrimary, second, toSecondary] of plan) {
      const id = await file();
      clock.advance(toPrimary * 1000);
      await t.desk.services.approvals.approve(
        id,
        { reason: REASON, secondaryApproverId: second.id },
        decider(primary),
      );
      clock.advance(toSecondary * 1000);
      const done = await t.desk.services.approvals.cosign(
        id,
        { reason: 'Checked and co-signed.' },
        decider(second),
      );
      expect(done.status).toBe('approved');
    }
    // s2 rejects one 50 s after filing (no primary step: measured from filing)
    const rejected = await file();
    clock.advance(50_000);
    await t.desk.services.approvals.reject(rejected, { reason: 'No business need documented' }, decider(s2));
  });
  afterAll(() => t.close());

  const period = () =>
    `from=${encodeURIComponent(new Date(START.getTime() - 60_000).toISOString())}&to=${encodeURIComponent(new Date(clock.now().getTime() + 60_000).toISOString())}`;

  it('median and p90 time to decision per approver and step, and pair counts, are exact', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/approvals/report?${period()}`,
      headers: auditorBearer,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      totals: { requests: number };
      statistics: {
        timeToDecision: Stat[];
        pairs: { a: { id: string }; b: { id: string }; approved: number }[];
      };
    }>();
    expect(body.totals.requests).toBe(6);
    const stat = (op: TestOperator, step: string) =>
      body.statistics.timeToDecision.find((s) => s.operatorId === op.id && s.step === step);
    expect(stat(primary, 'primary')).toMatchObject({ decisions: 5, medianSeconds: 30, p90Seconds: 76 });
    expect(stat(s1, 'secondary')).toMatchObject({ decisions: 3, medianSeconds: 15, p90Seconds: 23 });
    expect(stat(s2, 'secondary')).toMatchObject({ decisions: 2, medianSeconds: 90, p90Seconds: 114 });
    expect(stat(s2, 'reject')).toMatchObject({ decisions: 1, medianSeconds: 50, p90Seconds: 50 });
    expect(body.statistics.timeToDecision).toHaveLength(4);

    const pairs = body.statistics.pairs.map((p) => ({ ids: [p.a.id, p.b.id], approved: p.approved }));
    expect(pairs).toEqual([
      { ids: [primary.id, s1.id].sort(), approved: 3 },
      { ids: [primary.id, s2.id].sort(), approved: 2 },
    ]);
  });

  it('the CSV carries the same figures', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/approvals/report?format=csv&${period()}`,
      headers: auditorBearer,
    });
    const [header, ...rows] = res.body
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    const col = (name: string) => (header ?? []).indexOf(name);
    const approver = rows.find(
      (r) => r[0] === 'approver' && r[col('id')] === primary.id && r[col('step')] === 'primary',
    );
    expect([
      approver?.[col('operator')],
      approver?.[col('decisions')],
      approver?.[col('median_seconds')],
      approver?.[col('p90_seconds')],
    ]).toEqual([primary.email, '5', '30', '76']);
    const pair = rows.find((r) => r[0] === 'pair' && r[col('approved_together')] === '3');
    expect([pair?.[col('person_a')], pair?.[col('person_b')]].sort()).toEqual(
      [primary.email, s1.email].sort(),
    );
  });
});
