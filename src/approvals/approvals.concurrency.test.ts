import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import { notificationsFor } from '../../test/support/notifications.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import {
  call,
  fileFlagRequest,
  person,
  REASON,
  type ApiResult,
  type Person,
  type RequestBody,
} from '../../test/support/approvals.js';

/**
 * Invariants 6 and 7 (src/approvals/README.md) under contention, through the HTTP API: a request is decided once
 * and its change applied once, however many decisions arrive at the same moment; and a change is
 * never applied over an entity that moved after the co-sign read it.
 */

const PARALLEL = 50;

/** How each of the parallel answers came back, e.g. `{ '200': 1, '409 ALREADY_DECIDED': 49 }`. */
function tally(results: ApiResult<object>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const key = r.status === 200 ? '200' : `${r.status} ${r.body.code ?? '?'}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

async function count(t: TestServer, query: ReturnType<typeof sql<{ n: number }>>): Promise<number> {
  return (await query.execute(t.database.db)).rows[0]?.n ?? -1;
}

const auditCount = async (t: TestServer, requestId: string, action: string) =>
  (await auditTrail(t, { entityType: 'change_request', entityId: requestId, action })).length;
const flagChangesVia = (t: TestServer, via: string, requestId?: string) =>
  count(
    t,
    requestId
      ? sql<{
          n: number;
        }>`select count(*)::int as n from feature_flag_changes where via = ${via} and request_id = ${requestId}`
      : sql<{ n: number }>`select count(*)::int as n from feature_flag_changes where via = ${via}`,
  );
const historyCount = (t: TestServer, requestId: string, action: string) =>
  count(
    t,
    sql<{
      n: number;
    }>`select count(*)::int as n from change_request_events where request_id = ${requestId} and action = ${action}`,
  );

async function flagState(t: TestServer) {
  const row = (
    await sql<{
      enabled: boolean;
      version: number;
      request_id: string | null;
    }>`select enabled, version, request_id from feature_flags where key = 'AUTO_SETTLEMENT'`.execute(
      t.database.db,
    )
  ).rows[0];
  if (!row) throw new Error('AUTO_SETTLEMENT is missing');
  return row;
}

async function statusOf(t: TestServer, id: string): Promise<string | undefined> {
  return (
    await sql<{ status: string }>`select status from change_requests where id = ${id}`.execute(t.database.db)
  ).rows[0]?.status;
}

/** Waits until `n` backends of this test database are blocked on a lock (so the interleaving is the one the test means). */
async function waitForLockWaiters(t: TestServer, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const waiting = await count(
      t,
      sql<{
        n: number;
      }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if (waiting >= n) return;
    if (Date.now() > deadline) throw new Error(`expected ${n} backends waiting on a lock, saw ${waiting}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Holds a row locked (as any writer of it would) until `release` is called. */
async function holdRowLock(
  t: TestServer,
  table: 'feature_flags' | 'operators',
  where: { column: string; value: string },
): Promise<{ release: () => Promise<void> }> {
  const client = await t.database.pool.connect();
  await client.query('begin');
  await client.query(`select 1 from ${table} where ${where.column} = $1 for update`, [where.value]);
  return {
    release: async () => {
      try {
        await client.query('commit');
      } finally {
        client.release();
      }
    },
  };
}

describe(`${PARALLEL} parallel co-signs of one request by its named secondary`, () => {
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

  it('exactly one succeeds, the others get 409 ALREADY_DECIDED, and the flag changes exactly once', async () => {
    const req = await fileFlagRequest(t, requester);
    const approved = await call<RequestBody>(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect(approved.body.status).toBe('awaiting_secondary');
    const before = await flagState(t);
    const viaRequestBefore = await flagChangesVia(t, 'request');

    const results = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        call<RequestBody>(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {
          reason: 'Agreed after review',
        }),
      ),
    );

    expect(tally(results)).toEqual({ '200': 1, '409 ALREADY_DECIDED': PARALLEL - 1 });
    expect(results.find((r) => r.status === 200)?.body.status).toBe('approved');
    expect(await statusOf(t, req.id)).toBe('approved');
    // the change: applied once, by this request
    expect(await flagChangesVia(t, 'request', req.id)).toBe(1);
    expect(await flagChangesVia(t, 'request')).toBe(viaRequestBefore + 1);
    expect(await flagState(t)).toEqual({ enabled: true, version: before.version + 1, request_id: req.id });
    // its trace: one co-sign in the audit trail and in the history
    expect(await auditCount(t, req.id, 'approval.cosigned')).toBe(1);
    expect(await historyCount(t, req.id, 'cosigned')).toBe(1);
    const audit = await auditTrail(t, { entityType: 'change_request', entityId: req.id });
    expect(audit.map((r) => r.action)).toEqual(['approval.filed', 'approval.approved', 'approval.cosigned']);
  });
});

describe(`${PARALLEL} parallel primary approvals of one pending request`, () => {
  let t: TestServer;
  let requester: Person;
  let secondary: Person;
  let primaries: Person[];

  beforeAll(async () => {
    t = await buildTestServer();
    [requester, secondary] = await Promise.all([person(t, ['risk_officer']), person(t, ['platform_admin'])]);
    primaries = await Promise.all(Array.from({ length: PARALLEL }, () => person(t, ['risk_officer'])));
  });
  afterAll(() => t.close());

  it(`by ${PARALLEL} different eligible primaries: exactly one becomes the primary, the others get 409`, async () => {
    const req = await fileFlagRequest(t, requester);
    const results = await Promise.all(
      primaries.map((p) =>
        call<RequestBody & { primary: { id: string } | null }>(
          t,
          p,
          'POST',
          `/api/approvals/${req.id}/approve`,
          { reason: REASON, secondaryApproverId: secondary.id },
        ),
      ),
    );

    expect(tally(results)).toEqual({ '200': 1, '409 ALREADY_DECIDED': PARALLEL - 1 });
    const winner = primaries[results.findIndex((r) => r.status === 200)];
    const row = (
      await sql<{
        status: string;
        primary_approver_id: string;
        secondary_approver_id: string;
      }>`select status, primary_approver_id, secondary_approver_id from change_requests where id = ${req.id}`.execute(
        t.database.db,
      )
    ).rows[0];
    expect(row).toEqual({
      status: 'awaiting_secondary',
      primary_approver_id: winner?.id,
      secondary_approver_id: secondary.id,
    });
    expect(await auditCount(t, req.id, 'approval.approved')).toBe(1);
    expect(await historyCount(t, req.id, 'approved')).toBe(1);
    const notices = await notificationsFor(t, { template: 'approval.cosign_requested', requestId: req.id });
    expect(notices).toHaveLength(1);
    expect((await flagState(t)).enabled).toBe(false); // naming a secondary applies nothing

    // and the request then completes normally, applying the change once
    const cosign = await call<RequestBody>(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    expect([cosign.status, cosign.body.status]).toEqual([200, 'approved']);
    expect(await flagChangesVia(t, 'request', req.id)).toBe(1);
  });

  it(`by the same primary ${PARALLEL} times at once: one approval`, async () => {
    // the flag is on now: this request turns it off
    const req = await fileFlagRequest(t, requester, false);
    const primary = primaries[0] as Person;
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
          reason: REASON,
          secondaryApproverId: secondary.id,
        }),
      ),
    );
    expect(tally(results)).toEqual({ '200': 1, '409 ALREADY_DECIDED': PARALLEL - 1 });
    expect(await auditCount(t, req.id, 'approval.approved')).toBe(1);
    expect(await statusOf(t, req.id)).toBe('awaiting_secondary');
  });
});

describe('different decisions racing on one request', () => {
  let t: TestServer;
  let requester: Person;
  let primary: Person;
  let secondary: Person;
  let rejecter: Person;

  beforeAll(async () => {
    t = await buildTestServer();
    [requester, primary, secondary, rejecter] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
      person(t, ['platform_admin']),
      person(t, ['risk_officer']),
    ]);
  });
  afterAll(() => t.close());

  it('co-signs, rejections and cancellations at once: one wins, the state and the flag agree with the winner', async () => {
    for (let round = 0; round < 3; round++) {
      const { enabled } = await flagState(t);
      const req = await fileFlagRequest(t, requester, !enabled);
      await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
        reason: REASON,
        secondaryApproverId: secondary.id,
      });
      const flagChanges = await flagChangesVia(t, 'request');
      const attempts = Array.from({ length: 30 }, (_, i) => {
        switch (i % 3) {
          case 0:
            return {
              decision: 'cosign',
              run: () =>
                call<RequestBody>(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {
                  reason: 'Checked and co-signed.',
                }),
            };
          case 1:
            return {
              decision: 'reject',
              run: () =>
                call<RequestBody>(t, rejecter, 'POST', `/api/approvals/${req.id}/reject`, {
                  reason: 'Not during the audit freeze',
                }),
            };
          default:
            return {
              decision: 'cancel',
              run: () => call<RequestBody>(t, requester, 'POST', `/api/approvals/${req.id}/cancel`, {}),
            };
        }
      });
      const results = await Promise.all(attempts.map((a) => a.run()));

      expect(tally(results)).toEqual({ '200': 1, '409 ALREADY_DECIDED': attempts.length - 1 });
      const won = attempts[results.findIndex((r) => r.status === 200)]?.decision;
      const expected = { cosign: 'approved', reject: 'rejected', cancel: 'cancelled' }[won ?? 'cosign'];
      expect(await statusOf(t, req.id)).toBe(expected);
      expect(await flagChangesVia(t, 'request')).toBe(flagChanges + (won === 'cosign' ? 1 : 0));
      expect((await flagState(t)).enabled).toBe(won === 'cosign' ? !enabled : enabled);
      const decisions = await auditTrail(t, {
        entityId: req.id,
        actions: ['approval.cosigned', 'approval.rejected', 'approval.cancelled', 'approval.failed'],
      });
      expect(decisions).toHaveLength(1);
    }
  });
});

describe('a co-sign never applies over an entity that moved after it was read (invariant 7 under contention)', () => {
  let t: TestServer;
  let requester: Person;
  let primary: Person;
  let secondary: Person;
  let riskOfficer: Person;

  beforeAll(async () => {
    t = await buildTestServer();
    [requester, primary, secondary, riskOfficer] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
      person(t, ['platform_admin']),
      person(t, ['risk_officer']),
    ]);
  });
  afterAll(() => t.close());

  async function awaitingCosign(enabled: boolean): Promise<string> {
    const req = await fileFlagRequest(t, requester, enabled);
    const res = await call<RequestBody>(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect(res.body.status).toBe('awaiting_secondary');
    return req.id;
  }

  it('two requests for the same change cannot both be open: the second is DUPLICATE_REQUEST, so no two co-signs race to apply it', async () => {
    // (Two different changes of one entity still race: the role grants below.)
    const a = await awaitingCosign(true);
    const twin = await call(t, requester, 'POST', '/api/approvals', {
      kind: 'flag.set',
      payload: { key: 'AUTO_SETTLEMENT', enabled: true },
    });
    expect([twin.status, twin.body.code, twin.body.existingId]).toEqual([409, 'DUPLICATE_REQUEST', a]);
    const before = await flagState(t);
    expect(
      (await call(t, secondary, 'POST', `/api/approvals/${a}/cosign`, { reason: 'Checked and co-signed.' }))
        .status,
    ).toBe(200);
    expect(await flagState(t)).toEqual({ enabled: true, version: before.version + 1, request_id: a });

    // back off for the next test, through dual control
    const off = await awaitingCosign(false);
    expect(
      (await call(t, secondary, 'POST', `/api/approvals/${off}/cosign`, { reason: 'Checked and co-signed.' }))
        .status,
    ).toBe(200);
  });

  it('an emergency stop that commits while a co-sign to turn the flag on is in flight wins: the co-sign fails and the flag stays off', async () => {
    if ((await flagState(t)).enabled)
      await call(t, riskOfficer, 'POST', '/api/flags/AUTO_SETTLEMENT/emergency-disable', {
        reason: 'Reset before the next scenario',
      });
    const id = await awaitingCosign(true);
    const before = await flagState(t);
    expect(before.enabled).toBe(false);
    const lock = await holdRowLock(t, 'feature_flags', { column: 'key', value: 'AUTO_SETTLEMENT' });
    const stop = call(t, riskOfficer, 'POST', '/api/flags/AUTO_SETTLEMENT/emergency-disable', {
      reason: 'Suspicious withdrawals seen',
    });
    await waitForLockWaiters(t, 1);
    const cosign = call<RequestBody>(t, secondary, 'POST', `/api/approvals/${id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    await waitForLockWaiters(t, 2);
    await lock.release();
    const [stopped, cosigned] = await Promise.all([stop, cosign]);

    expect(stopped.status).toBe(200);
    expect([cosigned.status, cosigned.body.code]).toEqual([409, 'STALE_REQUEST']);
    expect(await statusOf(t, id)).toBe('failed');
    expect(await flagChangesVia(t, 'request', id)).toBe(0);
    expect(await flagState(t)).toMatchObject({ enabled: false, version: before.version + 1 });
  });

  it('the same holds for any kind: two role grants to one operator co-signed at once apply one grant', async () => {
    const [admin, target] = await Promise.all([person(t, ['platform_admin']), person(t, ['auditor'])]);
    const file = async (role: string) => {
      const res = await call<RequestBody>(t, requester, 'POST', '/api/approvals', {
        kind: 'operator.role',
        payload: { operatorId: target.id, role, action: 'grant' },
      });
      expect(res.status).toBe(201);
      expect(
        (
          await call<RequestBody>(t, admin, 'POST', `/api/approvals/${res.body.id}/approve`, {
            reason: REASON,
            secondaryApproverId: riskOfficer.id,
          })
        ).body.status,
      ).toBe('awaiting_secondary');
      return res.body.id;
    };
    const [a, b] = [await file('ops_approver'), await file('risk_officer')];
    const lock = await holdRowLock(t, 'operators', { column: 'id', value: target.id });
    const first = call<RequestBody>(t, riskOfficer, 'POST', `/api/approvals/${a}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    await waitForLockWaiters(t, 1);
    const second = call<RequestBody>(t, riskOfficer, 'POST', `/api/approvals/${b}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    await waitForLockWaiters(t, 2);
    await lock.release();
    const results = await Promise.all([first, second]);

    expect(results.map((r) => [r.status, r.body.code ?? r.body.status])).toEqual([
      [200, 'approved'],
      [409, 'STALE_REQUEST'],
    ]);
    const roles = (
      await sql<{ roles: string[] }>`select roles from operators where id = ${target.id}`.execute(
        t.database.db,
      )
    ).rows[0]?.roles;
    expect(roles?.sort()).toEqual(['auditor', 'ops_approver']);
    const grants = await auditTrail(t, { action: 'operator.role_granted', entityId: target.id });
    expect(grants.map((g) => (g.data as { requestId?: string }).requestId)).toEqual([a]);
  });
});
