import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, REASON, type Person, type RequestBody } from '../../test/support/approvals.js';
import { newClient } from '../../test/support/clients.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

describe('client limits through client.limits', () => {
  let t: TestServer;
  let requester: Person, primary: Person, secondary: Person;
  beforeAll(async () => {
    t = await buildTestServer({
      env: { LIMIT_MAX_PER_TRADE_USDT: '100000', LIMIT_MAX_PER_DAY_USDT: '400000' },
    });
    [requester, primary, secondary] = await Promise.all([
      person(t, ['ops_approver']),
      person(t, ['risk_officer']),
      person(t, ['ops_approver']),
    ]);
  });
  afterAll(() => t.close());

  async function decide(id: string) {
    const approved = await call<RequestBody>(t, primary, 'POST', `/api/approvals/${id}/approve`, {
      reason: REASON,
      secondaryApproverId: secondary.id,
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    return call<RequestBody>(t, secondary, 'POST', `/api/approvals/${id}/cosign`, {
      reason: 'Checked and co-signed.',
    });
  }

  it("a co-signed request sets a client's own limits; until then the defaults from config apply", async () => {
    const client = await newClient(t);
    expect(t.desk.services.kinds.kinds()).toEqual(
      expect.arrayContaining(['client.address', 'client.limits']),
    );
    const filed = await call<RequestBody>(t, requester, 'POST', `/api/clients/${client.id}/limits`, {
      maxPerTradeUsdt: '50000.5',
      maxPerDayUsdt: null,
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    expect(filed.body.diff).toEqual([
      { field: 'maxPerTradeUsdt', before: 'default (100000)', after: '50000.5' },
      { field: 'maxPerDayUsdt', before: 'default (400000)', after: 'default (400000)' },
    ]);
    expect(
      await t.database.db
        .selectFrom('client_limits')
        .selectAll()
        .where('client_id', '=', client.id)
        .executeTakeFirst(),
    ).toBeUndefined();
    const done = await decide(filed.body.id);
    expect(done.body.status).toBe('approved');
    const row = await t.database.db
      .selectFrom('client_limits')
      .selectAll()
      .where('client_id', '=', client.id)
      .executeTakeFirstOrThrow();
    expect([row.max_per_trade_units, row.max_per_day_units]).toEqual(['50000500000', null]);

    // a second change is checked against the row's version and moves it by one
    const second = await call<RequestBody>(t, requester, 'POST', `/api/clients/${client.id}/limits`, {
      maxPerTradeUsdt: null,
      maxPerDayUsdt: '200000',
    });
    expect((await decide(second.body.id)).body.status).toBe('approved');
    const after = await t.database.db
      .selectFrom('client_limits')
      .selectAll()
      .where('client_id', '=', client.id)
      .executeTakeFirstOrThrow();
    expect([after.max_per_trade_units, after.max_per_day_units, after.version]).toEqual([
      null,
      '200000000000',
      2,
    ]);
  });

  it.each([
    [{ maxPerTradeUsdt: '500000', maxPerDayUsdt: null }, /per trade cannot be above the 24-hour maximum/],
    [{ maxPerTradeUsdt: '-5', maxPerDayUsdt: null }, /positive/],
    [{ maxPerTradeUsdt: '1.1234567', maxPerDayUsdt: null }, /6 decimals/],
    [{ maxPerTradeUsdt: '1e5', maxPerDayUsdt: null }, /exponent/],
  ])('%j is refused when filed', async (body, reason) => {
    const client = await newClient(t);
    const res = await call(t, requester, 'POST', `/api/clients/${client.id}/limits`, body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(reason);
  });

  it('only a risk officer may be the primary approver', async () => {
    const client = await newClient(t);
    const filed = await call<RequestBody>(t, requester, 'POST', `/api/clients/${client.id}/limits`, {
      maxPerTradeUsdt: '1000',
      maxPerDayUsdt: '2000',
    });
    const res = await call(t, secondary, 'POST', `/api/approvals/${filed.body.id}/approve`, {
      reason: REASON,
      secondaryApproverId: primary.id,
    });
    expect(res.status).toBe(403);
  });
});
