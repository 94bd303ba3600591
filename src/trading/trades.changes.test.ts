import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import { call, person, REASON, type Person, type RequestBody } from '../../test/support/approvals.js';
import { newClient } from '../../test/support/clients.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

const U = 1_000_000n;
const TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
const TRON2 = 'TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7';

describe('trade changes (trade.cancel, trade.amend) under dual control', () => {
  let t: TestServer;
  let requester: Person, primary: Person, secondary: Person, risk: Person, auditor: Person;
  beforeAll(async () => {
    t = await buildTestServer({
      env: {
        PRICING_REFERENCE_MID: '1',
        PRICING_SPREAD_TIERS: '0:10',
        LIMIT_MAX_PER_TRADE_USDT: '1000000',
        LIMIT_MAX_PER_DAY_USDT: '2000000',
        CLIENT_API_RATE_PER_MINUTE: '1000',
      },
    });
    [requester, primary, secondary, risk, auditor] = await Promise.all([
      person(t, ['ops_approver']),
      person(t, ['ops_approver']),
      person(t, ['ops_approver']),
      person(t, ['risk_officer']),
      person(t, ['auditor']),
    ]);
  });
  afterAll(() => t.close());

  const db = () => t.database.db;
  const svc = () => t.desk.services.trading;

  async function bookedTrade(usdt = 25_000n, opts: { second?: 'whitelisted' | 'pending' } = {}) {
    const client = await newClient(t);
    await db()
      .insertInto('client_addresses')
      .values({
        client_id: client.id,
        network: 'tron',
        address: TRON,
        status: 'whitelisted',
        whitelisted_at: new Date(Date.now() - 60_000),
        removed_at: null,
      })
      .execute();
    if (opts.second)
      await db()
        .insertInto('client_addresses')
        .values({
          client_id: client.id,
          network: 'tron',
          address: TRON2,
          status: opts.second,
          whitelisted_at: opts.second === 'whitelisted' ? new Date(Date.now() - 120_000) : null,
          removed_at: null,
        })
        .execute();
    const q = (
      await svc().rfqs.request({ clientId: client.id, side: 'buy', network: 'tron', amountUnits: usdt * U })
    ).best;
    const { trade } = await svc().trades.accept(
      { quoteId: q.id, clientId: client.id },
      { actorType: 'client', actorId: client.id },
    );
    return { client, trade };
  }
  const approve = (id: string, second: Person = secondary) =>
    call<RequestBody>(t, primary, 'POST', `/api/approvals/${id}/approve`, {
      reason: REASON,
      secondaryApproverId: second.id,
    });
  const cosign = (id: string, second: Person = secondary) =>
    call<RequestBody>(t, second, 'POST', `/api/approvals/${id}/cosign`, { reason: 'Checked and co-signed.' });
  const trade = (id: string) =>
    db().selectFrom('trades').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('cancel: an operator files, an approver approves, a second co-signs: the trade is cancelled, audited, its version moved by one', async () => {
    const { trade: booked } = await bookedTrade();
    expect(t.desk.services.kinds.kinds()).toEqual(expect.arrayContaining(['trade.amend', 'trade.cancel']));
    expect(
      (await call(t, auditor, 'POST', `/api/trades/${booked.id}/cancel`, { reason: 'client asked' })).status,
    ).toBe(403);
    const filed = await call<RequestBody>(t, requester, 'POST', `/api/trades/${booked.id}/cancel`, {
      reason: 'client asked by phone',
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    expect(filed.body.diff).toEqual([{ field: 'status', before: 'booked', after: 'cancelled' }]);
    expect((await trade(booked.id)).status).toBe('booked');
    expect((await approve(filed.body.id)).status).toBe(200);
    const done = await cosign(filed.body.id);
    expect([done.status, done.body.status]).toEqual([200, 'approved']);
    expect(await trade(booked.id)).toMatchObject({ status: 'cancelled', version: booked.version + 1 });
    expect(await auditTrail(t, { action: 'trade.cancelled', entityId: booked.id })).toHaveLength(1);
    // a cancelled trade cannot be changed again
    const again = await call<{ code: string; detail: string }>(
      t,
      requester,
      'POST',
      `/api/trades/${booked.id}/cancel`,
      { reason: 'again' },
    );
    expect([again.status, again.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(again.body.detail).toMatch(/cancelled/);
  });

  it('amend: a new amount (total recomputed at the trade price) and a whitelisted address', async () => {
    const { trade: booked } = await bookedTrade(25_000n, { second: 'whitelisted' });
    const filed = await call<RequestBody>(t, requester, 'POST', `/api/trades/${booked.id}/amend`, {
      amount: '30000',
      address: TRON2,
      reason: 'client corrected the order',
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    expect(filed.body.diff).toEqual([
      { field: 'amountUsdt', before: '25000', after: '30000' },
      { field: 'total', before: '25025.00', after: '30030.00' },
      { field: 'address', before: TRON, after: TRON2 },
    ]);
    expect((await approve(filed.body.id)).status).toBe(200);
    expect((await cosign(filed.body.id)).body.status).toBe('approved');
    expect(await trade(booked.id)).toMatchObject({
      amount_units: '30000000000',
      total: '30030.00',
      address: TRON2,
      status: 'booked',
      version: booked.version + 1,
    });
    expect(await auditTrail(t, { action: 'trade.amended', entityId: booked.id })).toHaveLength(1);
  });

  it('amend refuses nothing-changes, a non-whitelisted address, and an amount above the limits', async () => {
    const { trade: booked } = await bookedTrade(25_000n, { second: 'pending' });
    const same = await call<{ code: string }>(t, requester, 'POST', `/api/trades/${booked.id}/amend`, {
      amount: '25000',
      reason: 'x',
    });
    expect([same.status, same.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const pending = await call<{ code: string }>(t, requester, 'POST', `/api/trades/${booked.id}/amend`, {
      address: TRON2,
      reason: 'x',
    });
    expect(pending.body.code).toBe('ADDRESS_NOT_WHITELISTED');
    const tooBig = await call<{ code: string }>(t, requester, 'POST', `/api/trades/${booked.id}/amend`, {
      amount: '1000001',
      reason: 'x',
    });
    expect(tooBig.body.code).toBe('LIMIT_EXCEEDED');
  });

  it('an amend above 250,000 USDT needs a risk officer as the secondary', async () => {
    const { trade: booked } = await bookedTrade(25_000n);
    const filed = await call<RequestBody>(t, requester, 'POST', `/api/trades/${booked.id}/amend`, {
      amount: '250000.000001',
      reason: 'bigger',
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    // the request says which tier applies and who may co-sign, as the engine judges it
    expect(filed.body).toMatchObject({ coSignerRoles: ['risk_officer'] });
    expect(typeof (filed.body as { matchedTier?: unknown }).matchedTier).toBe('string');
    const wrong = await approve(filed.body.id, secondary);
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect((await approve(filed.body.id, risk)).status).toBe(200);
    expect((await cosign(filed.body.id, risk)).body.status).toBe('approved');
    expect((await trade(booked.id)).amount_units).toBe('250000000001');
  });

  // Issue 14 item 11: the tier judges the trade (its amount before and after), not the payload's fields.
  type Tiered = RequestBody & {
    coSignerRoles: string[];
    matchedTier: string | null;
    notional: { before: string | null; after: string | null } | null;
  };
  const eligibleIds = async (id: string) =>
    (
      await call<{ items: { id: string }[] }>(t, primary, 'GET', `/api/approvals/${id}/eligible-approvers`)
    ).body.items.map((p) => p.id);

  it('an address-only amend of a 300,000 USDT trade needs a risk officer: the tier reads the trade, not payload.amount', async () => {
    const { trade: booked } = await bookedTrade(300_000n, { second: 'whitelisted' });
    const filed = await call<Tiered>(t, requester, 'POST', `/api/trades/${booked.id}/amend`, {
      address: TRON2,
      reason: 'client moved its treasury wallet',
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    expect(filed.body).toMatchObject({
      coSignerRoles: ['risk_officer'],
      matchedTier: 'notional above 250,000 USDT',
      notional: { before: '300000000000', after: '300000000000' },
    });
    expect(await eligibleIds(filed.body.id)).not.toContain(secondary.id);
    const wrong = await approve(filed.body.id, secondary);
    expect([wrong.status, wrong.body.code]).toEqual([403, 'NOT_ELIGIBLE']);
    expect((await approve(filed.body.id, risk)).status).toBe(200);
    expect((await cosign(filed.body.id, risk)).body.status).toBe('approved');
    expect(await trade(booked.id)).toMatchObject({ address: TRON2, amount_units: '300000000000' });
  });

  it('an amend lowering 300,000 → 100,000 USDT still needs a risk officer (the amount before crosses)', async () => {
    const { trade: booked } = await bookedTrade(300_000n);
    const filed = await call<Tiered>(t, requester, 'POST', `/api/trades/${booked.id}/amend`, {
      amount: '100000',
      reason: 'client reduced the order',
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    expect(filed.body).toMatchObject({
      coSignerRoles: ['risk_officer'],
      notional: { before: '300000000000', after: '100000000000' },
    });
    expect((await approve(filed.body.id, secondary)).body.code).toBe('NOT_ELIGIBLE');
    expect((await approve(filed.body.id, risk)).status).toBe(200);
    // the co-sign judges the figure stored at filing, as the primary did
    expect((await cosign(filed.body.id, risk)).body.status).toBe('approved');
    expect((await trade(booked.id)).amount_units).toBe('100000000000');
  });

  it('a small trade amended stays in the lower tier: an ops approver may co-sign', async () => {
    const { trade: booked } = await bookedTrade(25_000n, { second: 'whitelisted' });
    const filed = await call<Tiered>(t, requester, 'POST', `/api/trades/${booked.id}/amend`, {
      address: TRON2,
      reason: 'client moved its treasury wallet',
    });
    expect(filed.body).toMatchObject({
      coSignerRoles: ['ops_approver', 'risk_officer'],
      matchedTier: null,
      notional: { before: '25000000000', after: '25000000000' },
    });
    expect(await eligibleIds(filed.body.id)).toContain(secondary.id);
    expect((await approve(filed.body.id, secondary)).status).toBe(200);
    expect((await cosign(filed.body.id, secondary)).body.status).toBe('approved');
  });

  it('a cancel stores the trade amount as its notional; a policy tier of trade.amend must judge the notional', async () => {
    const { trade: booked } = await bookedTrade(300_000n);
    const filed = await call<Tiered>(t, requester, 'POST', `/api/trades/${booked.id}/cancel`, {
      reason: 'client asked to cancel',
    });
    expect(filed.body.notional).toEqual({ before: '300000000000', after: null });
    // A tier on payload.amount again would let an address-only amend through: policy.set refuses it.
    const policy = await call(t, risk, 'POST', '/api/approvals', {
      kind: 'policy.set',
      payload: {
        kind: 'trade.amend',
        primaryRoles: ['ops_approver'],
        secondaryRoles: ['ops_approver', 'risk_officer'],
        ttlSeconds: 4 * 3600,
        tiers: [
          {
            name: 'large',
            when: { path: 'amount', op: 'gt', value: '100000000000' },
            secondaryRoles: ['risk_officer'],
          },
        ],
      },
    });
    expect([policy.status, policy.body.code, policy.body.errors?.[0]?.path]).toEqual([
      400,
      'VALIDATION_FAILED',
      'payload.tiers.0.when.path',
    ]);
  });

  it('a trade that started settling after filing fails the request; one that moved on fails STALE', async () => {
    const { trade: settling } = await bookedTrade();
    const filed = await call<RequestBody>(t, requester, 'POST', `/api/trades/${settling.id}/cancel`, {
      reason: 'client asked',
    });
    await approve(filed.body.id);
    await db().updateTable('trades').set({ status: 'settling' }).where('id', '=', settling.id).execute();
    const failed = await cosign(filed.body.id);
    expect([failed.status, (failed.body as unknown as { code: string }).code]).toEqual([
      409,
      'STALE_REQUEST',
    ]);
    expect(
      (await call<RequestBody>(t, requester, 'GET', `/api/approvals/${filed.body.id}`)).body.status,
    ).toBe('failed');
    expect((await trade(settling.id)).status).toBe('settling');

    // filed against version 1; an amend applied meanwhile moves it to 2: the cancel fails STALE
    const { trade: moved } = await bookedTrade(25_000n, { second: 'whitelisted' });
    const cancel = await call<RequestBody>(t, requester, 'POST', `/api/trades/${moved.id}/cancel`, {
      reason: 'client asked',
    });
    const amend = await call<RequestBody>(t, requester, 'POST', `/api/trades/${moved.id}/amend`, {
      address: TRON2,
      reason: 'new wallet',
    });
    await approve(amend.body.id);
    expect((await cosign(amend.body.id)).body.status).toBe('approved');
    await approve(cancel.body.id);
    const stale = await cosign(cancel.body.id);
    expect([stale.status, (stale.body as unknown as { code: string }).code]).toEqual([409, 'STALE_REQUEST']);
    expect(await trade(moved.id)).toMatchObject({
      status: 'booked',
      address: TRON2,
      version: moved.version + 1,
    });
  });

  it('a client files trade.cancel for its own trade only (client API and requestTradeCancel)', async () => {
    const { client, trade: own } = await bookedTrade();
    const { trade: other } = await bookedTrade();
    const issued = await call<{ key: string }>(t, primary, 'POST', `/api/clients/${client.id}/api-keys`, {});
    const api = (url: string) =>
      t.app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${issued.body.key}` },
        payload: { reason: 'changed my mind' },
      });
    expect((await api(`/api/client/v1/trades/${other.id}/cancel`)).statusCode).toBe(404);
    const res = await api(`/api/client/v1/trades/${own.id}/cancel`);
    expect(res.statusCode, res.body).toBe(201);
    const { requestId } = res.json<{ requestId: string }>();
    const row = await db()
      .selectFrom('change_requests')
      .selectAll()
      .where('id', '=', requestId)
      .executeTakeFirstOrThrow();
    expect([row.kind, row.requested_by_type, row.requested_by_id, row.entity_id]).toEqual([
      'trade.cancel',
      'client',
      client.id,
      own.id,
    ]);
    await expect(
      svc().trades.requestTradeCancel(client.id, other.id, { actorType: 'client', actorId: client.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const amend = await svc().trades.requestTradeAmend(
      client.id,
      own.id,
      { amountUnits: 20_000n * U },
      { actorType: 'client', actorId: client.id },
    );
    expect(amend.request.kind).toBe('trade.amend');
    expect((await approve(requestId)).status).toBe(200);
    expect((await cosign(requestId)).body.status).toBe('approved');
    expect((await trade(own.id)).status).toBe('cancelled');
  });
});
