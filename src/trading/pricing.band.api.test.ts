import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import { call, person, REASON, type Person, type RequestBody } from '../../test/support/approvals.js';
import { newClient } from '../../test/support/clients.js';
import { startTestLp, type TestLpServer } from '../../test/support/lp-server.js';
import { coSignPricing } from '../../test/support/pricing.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

/** Issue 14 item 8: nobody sets prices alone. */
const TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
const BAND_ENV = {
  PRICING_REFERENCE_MID: '1',
  PRICING_SPREAD_TIERS: '0:10',
  PRICING_MAX_MOVE_BPS: '200',
  PRICING_MIN_SPREAD_BPS: '5',
  PRICING_REFERENCE_MAX_AGE_SECONDS: '3600',
};

type Problem = { code?: string; detail?: string; errors?: { path: string; message: string }[] };

const putReference = (t: TestServer, who: Person, mid: string) =>
  t.app.inject({
    method: 'PUT',
    url: '/api/pricing/reference',
    headers: who.session.bearer,
    payload: { mid },
  });
const midOf = async (t: TestServer, who: Person) =>
  (await call<{ reference: { mid: string } | null }>(t, who, 'GET', '/api/pricing')).body.reference?.mid;

describe('the price band', () => {
  let t: TestServer;
  let risk: Person, risk2: Person, ops: Person;
  beforeAll(async () => {
    t = await buildTestServer({ env: BAND_ENV });
    [risk, risk2, ops] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
      person(t, ['ops_approver']),
    ]);
  });
  afterAll(() => t.close());

  it('one risk officer moves the reference within PRICING_MAX_MOVE_BPS; beyond it (or walked away in steps) PRICE_MOVE_NEEDS_APPROVAL names pricing.reference', async () => {
    const small = await putReference(t, risk, '1.015');
    expect(small.statusCode, small.body).toBe(200);
    expect(await midOf(t, ops)).toBe('1.015');

    const big = await putReference(t, risk, '1.03');
    expect([big.statusCode, big.headers['content-type']]).toEqual([
      409,
      expect.stringMatching(/application\/problem\+json/),
    ]);
    const problem = big.json<Problem>();
    expect(problem.code).toBe('PRICE_MOVE_NEEDS_APPROVAL');
    expect(problem.detail).toMatch(/pricing\.reference/);
    expect(problem.errors?.map((e) => e.path)).toEqual(['mid']);
    expect(problem.errors?.[0]?.message).toMatch(/pricing\.reference/);
    expect(await midOf(t, ops)).toBe('1.015');

    // Each step is small from the one before, but the band is also measured from the last co-signed mid (config 1).
    expect((await putReference(t, risk, '1.019')).statusCode).toBe(200);
    const walked = await putReference(t, risk, '1.035');
    expect(walked.statusCode).toBe(409);
    expect(walked.json<Problem>().detail).toMatch(/last co-signed reference \(1\)/);
    expect(await midOf(t, ops)).toBe('1.019');
  });

  it('a pricing.reference filed, approved and co-signed by three distinct people applies it and becomes the anchor', async () => {
    const filed = await call<RequestBody>(t, risk, 'POST', '/api/approvals', {
      kind: 'pricing.reference',
      payload: { mid: '1.05' },
      note: 'The market moved 5 % overnight',
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    expect(filed.body.diff).toEqual([{ field: 'mid', before: '1.019', after: '1.05' }]);
    const self = await call(t, risk, 'POST', `/api/approvals/${filed.body.id}/approve`, {
      reason: REASON,
      secondaryApproverId: ops.id,
    });
    expect([self.status, self.body.code]).toEqual([403, 'SELF_APPROVAL']);
    expect(await midOf(t, ops)).toBe('1.019'); // filing changes nothing

    const approved = await call(t, risk2, 'POST', `/api/approvals/${filed.body.id}/approve`, {
      reason: REASON,
      secondaryApproverId: ops.id,
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(await midOf(t, ops)).toBe('1.019'); // one approval changes nothing
    const done = await call<RequestBody>(t, ops, 'POST', `/api/approvals/${filed.body.id}/cosign`, {
      reason: 'Checked against two venues',
    });
    expect([done.status, done.body.status]).toEqual([200, 'approved']);
    expect(await midOf(t, ops)).toBe('1.05');
    const overview = await call<{ band: unknown }>(t, ops, 'GET', '/api/pricing/overview');
    expect(overview.body.band).toEqual({ maxMoveBps: 200, minSpreadBps: 5, anchorMid: '1.05' });
    const audited = await auditTrail(t, { action: 'pricing.reference_set' });
    expect(audited.at(-1)?.data).toMatchObject({ before: '1.019', after: '1.05', requestId: filed.body.id });

    // The new anchor: a small move from it is one person's again.
    expect((await putReference(t, risk, '1.06')).statusCode).toBe(200);
  });

  it('spread tiers: a direct PUT is refused; pricing.spreads below PRICING_MIN_SPREAD_BPS is refused at filing per field; a co-signed one applies', async () => {
    const direct = await t.app.inject({
      method: 'PUT',
      url: '/api/pricing/spreads',
      headers: risk.session.bearer,
      payload: { tiers: [{ fromUsdt: '0', bps: 20 }] },
    });
    expect([direct.statusCode, direct.json<Problem>().code]).toEqual([409, 'SPREADS_NEED_APPROVAL']);
    expect(direct.json<Problem>().detail).toMatch(/pricing\.spreads/);

    const narrow = await call(t, ops, 'POST', '/api/approvals', {
      kind: 'pricing.spreads',
      payload: {
        tiers: [
          { fromUsdt: '0', bps: 4 },
          { fromUsdt: '100000', bps: 0 },
        ],
      },
      note: 'Tighter spreads for the big clients',
    });
    expect([narrow.status, narrow.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(narrow.body.errors?.map((e) => e.path)).toEqual(['payload.tiers.0.bps', 'payload.tiers.1.bps']);
    expect(narrow.body.errors?.[0]?.message).toMatch(/minimum spread of 5 bps/);
    expect(narrow.body.errors?.[1]?.message).toMatch(/PRICING_MIN_SPREAD_BPS/);
    const listed = await call<{ items: unknown[] }>(t, ops, 'GET', '/api/approvals?kind=pricing.spreads');
    expect(listed.body.items).toEqual([]);

    const tiers = [
      { fromUsdt: '0', bps: 20 },
      { fromUsdt: '100000', bps: 5 },
    ];
    const done = await coSignPricing(t, 'pricing.spreads', { tiers }, [ops, risk, risk2]);
    expect(done.status).toBe('approved');
    expect(
      (await call<{ spreads: { tiers: unknown; via: string } }>(t, ops, 'GET', '/api/pricing')).body.spreads,
    ).toMatchObject({ tiers, via: 'api' });
    expect((await auditTrail(t, { action: 'pricing.spreads_set' })).at(-1)?.data).toMatchObject({
      after: { via: 'api', tiers },
      requestId: done.id,
    });
  });

  it('an accept of a quote outside the band around the reference now is refused PRICE_OUT_OF_BAND: nothing booked', async () => {
    const client = await newClient(t);
    await t.database.db
      .insertInto('client_addresses')
      .values({
        client_id: client.id,
        network: 'tron',
        address: TRON,
        status: 'whitelisted',
        whitelisted_at: new Date(),
        removed_at: null,
      })
      .execute();
    const key = (
      await call<{ key: string }>(t, ops, 'POST', `/api/clients/${client.id}/api-keys`, { label: 'bot' })
    ).body.key;
    const api = (method: 'GET' | 'POST', url: string, payload?: object, idem?: string) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key}`, ...(idem ? { 'idempotency-key': idem } : {}) },
        ...(payload ? { payload } : {}),
      });
    const rfq = async () =>
      (await api('POST', '/api/client/v1/rfqs', { side: 'buy', amount: '1000', network: 'tron' })).json<{
        quote: { id: string; price: string };
      }>().quote;

    const quoted = await rfq(); // at the reference 1.06 with 20 bps
    expect(quoted.price).toBe('1.06212');
    await coSignPricing(t, 'pricing.reference', { mid: '1.01' }, [risk, risk2, ops]); // −4.7 %
    const refused = await api('POST', `/api/client/v1/quotes/${quoted.id}/accept`, undefined, 'band-1');
    expect([refused.statusCode, refused.headers['content-type']]).toEqual([
      409,
      expect.stringMatching(/application\/problem\+json/),
    ]);
    expect(refused.json<Problem>().code).toBe('PRICE_OUT_OF_BAND');
    expect(refused.json<Problem>().detail).toMatch(/1\.06212 is .* bps from the reference 1\.01/);
    expect((await api('GET', '/api/client/v1/trades')).json<{ items: unknown[] }>().items).toEqual([]);

    // A quote at the reference now books.
    const fresh = await rfq();
    const booked = await api('POST', `/api/client/v1/quotes/${fresh.id}/accept`, undefined, 'band-2');
    expect(booked.statusCode, booked.body).toBe(201);
  });
});

describe("the band around the liquidity providers' median", () => {
  let t: TestServer;
  let lp: TestLpServer;
  let risk: Person;
  beforeAll(async () => {
    lp = await startTestLp({ price: '0.99' });
    t = await buildTestServer({
      env: { ...BAND_ENV, PRICING_DEADLINE_MS: '400', PRICING_LP_URLS: `acme=${lp.url}` },
    });
    risk = await person(t, ['risk_officer']);
  });
  afterAll(async () => {
    await t?.close();
    await lp?.close();
  });

  it('a move within the references but far from what the LPs answer needs pricing.reference; without LP answers the references decide', async () => {
    const far = await putReference(t, risk, '1.015'); // 150 bps from 1, 253 bps from the LPs' 0.99
    expect([far.statusCode, far.json<Problem>().code]).toEqual([409, 'PRICE_MOVE_NEEDS_APPROVAL']);
    expect(far.json<Problem>().detail).toMatch(/liquidity providers' median \(0\.99\)/);
    expect(lp.calls.map((c) => (c.json as { side: string }).side).sort()).toEqual(['buy', 'sell']);
    expect((await putReference(t, risk, '0.995')).statusCode).toBe(200);

    lp.set({ status: 503, body: 'down' });
    expect((await putReference(t, risk, '1.01')).statusCode).toBe(200);
  });
});

describe('a fresh desk (no PRICING_REFERENCE_MID)', () => {
  let t: TestServer;
  let risk: Person, risk2: Person, ops: Person;
  beforeAll(async () => {
    t = await buildTestServer();
    [risk, risk2, ops] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
      person(t, ['ops_approver']),
    ]);
  });
  afterAll(() => t.close());

  it('the first reference is co-signed; after it one risk officer moves it within the band', async () => {
    const first = await putReference(t, risk, '1');
    expect([first.statusCode, first.json<Problem>().code]).toEqual([409, 'PRICE_MOVE_NEEDS_APPROVAL']);
    expect(first.json<Problem>().detail).toMatch(/no reference yet.*pricing\.reference/);
    const done = await coSignPricing(t, 'pricing.reference', { mid: '1' }, [risk, risk2, ops]);
    expect(done.status).toBe('approved');
    expect((await putReference(t, risk, '1.001')).statusCode).toBe(200);
  });
});
