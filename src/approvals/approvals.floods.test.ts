import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { auditTrail } from '../../test/support/audit.js';
import { call, person, type Person, type RequestBody } from '../../test/support/approvals.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

/** A policy.set of settlement.requeue: `ttlSeconds` makes each one a distinct change. */
const policyChange = (ttlSeconds: number) => ({
  kind: 'policy.set',
  payload: {
    kind: 'settlement.requeue',
    primaryRoles: ['ops_approver', 'risk_officer'],
    secondaryRoles: ['risk_officer'],
    ttlSeconds,
    tiers: [],
  },
  note: 'a change for the flood tests',
});

describe('no flooding the approvers: duplicates and the filing rate (issue 14 item 12)', () => {
  let t: TestServer;
  let a: Person, b: Person, c: Person;
  beforeAll(async () => {
    // The desk's own default APPROVALS_FILE_RATE_PER_MINUTE, not the raised one of other test servers.
    t = await buildTestServer({ defaultFilingRate: true });
    [a, b, c] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
    ]);
  });
  afterAll(() => t.close());

  const file = (who: Person, body: unknown, headers?: Record<string, string>) =>
    call<RequestBody & { existingId?: string; link?: string }>(
      t,
      who,
      'POST',
      '/api/approvals',
      body,
      headers,
    );

  it('the same change as an open request is 409 DUPLICATE_REQUEST naming it, whoever files it; once it is closed it may be filed again', async () => {
    const first = await file(a, policyChange(3 * 3600));
    expect(first.status).toBe(201);
    for (const who of [a, b]) {
      const twin = await file(who, policyChange(3 * 3600));
      expect(twin.status).toBe(409);
      expect(twin.body).toMatchObject({
        code: 'DUPLICATE_REQUEST',
        existingId: first.body.id,
        link: `/approvals/${first.body.id}`,
      });
      expect(String((twin.body as { detail?: string }).detail)).toContain(first.body.id);
    }
    // An Idempotency-Key replay of the first is still the first, not a duplicate.
    const keyed = await file(a, policyChange(3 * 3600 + 60), { 'idempotency-key': 'flood-keyed-1' });
    const replay = await file(a, policyChange(3 * 3600 + 60), { 'idempotency-key': 'flood-keyed-1' });
    expect([keyed.status, replay.status, replay.body.id]).toEqual([201, 200, keyed.body.id]);

    expect((await call(t, a, 'POST', `/api/approvals/${first.body.id}/cancel`, {})).status).toBe(200);
    const again = await file(b, policyChange(3 * 3600));
    expect(again.status).toBe(201);
    expect(await auditTrail(t, { action: 'approval.filed', entityId: again.body.id })).toHaveLength(1);
  });

  it('two identical filings at once by different people: one is filed, the other is DUPLICATE_REQUEST naming it', async () => {
    for (let round = 0; round < 3; round++) {
      const body = policyChange(5 * 3600 + round * 60);
      const results = await Promise.all([file(b, body), file(c, body)]);
      const codes = results.map((r) => r.status).sort();
      expect(codes).toEqual([201, 409]);
      const filed = results.find((r) => r.status === 201);
      const refused = results.find((r) => r.status === 409);
      expect(refused?.body).toMatchObject({ code: 'DUPLICATE_REQUEST', existingId: filed?.body.id });
      const open = await t.database.db
        .selectFrom('change_requests')
        .select('id')
        .where('digest', '=', filed?.body.digest ?? '')
        .where('status', 'in', ['pending', 'awaiting_secondary'])
        .execute();
      expect(open).toHaveLength(1);
    }
    // The database itself holds the rule (migration 0052), whatever code path inserts.
    const row = await t.database.db
      .selectFrom('change_requests')
      .select('id')
      .where('status', '=', 'pending')
      .limit(1)
      .executeTakeFirstOrThrow();
    await expect(
      sql`insert into change_requests (kind, payload, digest, diff, summary, entity_type, entity_id, requested_by_type, policy, expires_at)
          select kind, payload, digest, diff, summary, entity_type, entity_id, 'system', policy, expires_at
            from change_requests where id = ${row.id}`.execute(t.database.db),
    ).rejects.toThrow(/change_requests_open_digest/);
  });

  it('past APPROVALS_FILE_RATE_PER_MINUTE (default 20) filings in a minute: 429 RATE_LIMITED with Retry-After; others still file', async () => {
    const limit = loadConfig({
      NODE_ENV: 'test',
      DESK_DATA_DIR: '/nonexistent-test-dir',
    }).APPROVALS_FILE_RATE_PER_MINUTE;
    expect(limit).toBe(20);
    const flooder = await person(t, ['risk_officer']);
    for (let i = 0; i < limit; i++)
      expect((await file(flooder, policyChange(7 * 3600 + i * 60))).status, `filing ${i + 1}`).toBe(201);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/approvals',
      headers: flooder.session.bearer,
      payload: policyChange(7 * 3600 + limit * 60),
    });
    expect(res.statusCode).toBe(429);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // per requester: someone else is not held back
    expect((await file(c, policyChange(7 * 3600 + limit * 60))).status).toBe(201);
  });
});
