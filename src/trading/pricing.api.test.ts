import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import { call, person, type Person } from '../../test/support/approvals.js';
import { newClient } from '../../test/support/clients.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { fixedClock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import type { PricingSource } from './pricing.js';
import { createRfqService } from './rfq.service.js';
import { coSignPricing } from '../../test/support/pricing.js';

const U = 1_000_000n;
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('house pricer and RFQ', () => {
  const clock = fixedClock(new Date('2026-03-02T10:00:00Z'));
  let t: TestServer;
  let risk: Person, ops: Person, risk2: Person;
  beforeAll(async () => {
    t = await buildTestServer({
      clock,
      env: {
        PRICING_SPREAD_TIERS: '0:15,100000:10',
        PRICING_REFERENCE_MAX_AGE_SECONDS: '300',
        QUOTE_TTL_SECONDS: '15',
      },
    });
    [risk, ops, risk2] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['ops_approver']),
      person(t, ['risk_officer']),
    ]);
  });
  afterAll(() => t.close());

  const put = (who: Person, mid: string) =>
    t.app.inject({
      method: 'PUT',
      url: '/api/pricing/reference',
      headers: who.session.bearer,
      payload: { mid },
    });

  it('without a reference the house does not quote, and the failed RFQ is still recorded', async () => {
    const client = await newClient(t);
    expect((await call(t, ops, 'GET', '/api/pricing/reference')).body).toEqual({
      reference: null,
      spreadTiers: [
        { fromUsdt: '0', bps: '15' },
        { fromUsdt: '100000', bps: '10' },
      ],
    });
    const err = await errorOf(
      t.desk.services.trading.rfqs.request({
        clientId: client.id,
        side: 'buy',
        network: 'tron',
        amountUnits: 1000n * U,
      }),
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('NO_QUOTE');
    expect((err as AppError).detail).toMatch(/house: the house has no reference price/);
    const rfq = await t.database.db
      .selectFrom('rfqs')
      .selectAll()
      .where('client_id', '=', client.id)
      .executeTakeFirstOrThrow();
    expect(rfq.outcome).toBe('no_quote');
    const quotes = await t.database.db
      .selectFrom('quotes')
      .selectAll()
      .where('rfq_id', '=', rfq.id)
      .execute();
    expect(quotes.map((q) => [q.source, q.status, q.price])).toEqual([['house', 'failed', null]]);
  });

  it('the first reference is co-signed, then one risk officer moves it (audited); quotes follow the spread tiers with a 15 s expiry; a stale reference refuses', async () => {
    expect((await put(ops, '1.0002')).statusCode).toBe(403);
    expect((await put(risk, '1e3')).statusCode).toBe(400);
    const first = await put(risk, '1.0000');
    expect([first.statusCode, first.json<{ code: string }>().code]).toEqual([
      409,
      'PRICE_MOVE_NEEDS_APPROVAL',
    ]);
    const cosigned = await coSignPricing(t, 'pricing.reference', { mid: '1.0000' }, [risk, risk2, ops]);
    expect(cosigned.status).toBe('approved');
    expect((await call(t, ops, 'GET', '/api/pricing/reference')).body.reference).toEqual({
      mid: '1',
      setAt: '2026-03-02T10:00:00.000Z',
      via: 'api',
      stale: false,
    });
    const audited = await auditTrail(t, { action: 'pricing.reference_set' });
    expect(audited.map((a) => [a.actorId, a.data])).toEqual([
      [ops.id, { before: null, after: '1', requestId: cosigned.id }],
    ]);

    const client = await newClient(t);
    const small = await t.desk.services.trading.rfqs.request({
      clientId: client.id,
      side: 'buy',
      network: 'tron',
      amountUnits: 25_000n * U,
    });
    expect([
      small.best.price,
      small.best.total,
      small.best.status,
      small.best.expires_at?.toISOString(),
    ]).toEqual(['1.0015', '25037.50', 'offered', '2026-03-02T10:00:15.000Z']);
    const large = await t.desk.services.trading.rfqs.request({
      clientId: client.id,
      side: 'sell',
      network: 'ethereum',
      amountUnits: 100_000n * U,
    });
    expect([large.best.price, large.best.total]).toEqual(['0.999', '99900.00']);

    clock.advance(301_000);
    const stale = await errorOf(
      t.desk.services.trading.rfqs.request({
        clientId: client.id,
        side: 'buy',
        network: 'tron',
        amountUnits: 1000n * U,
      }),
    );
    expect((stale as AppError).code).toBe('NO_QUOTE');
    expect((stale as AppError).detail).toMatch(/stale/);
    expect(
      (await call<{ reference: { stale: boolean } }>(t, ops, 'GET', '/api/pricing/reference')).body.reference
        .stale,
    ).toBe(true);
    const moved = await put(risk, '1.0001'); // 1 bp: within the band, one person's move
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toEqual({
      reference: { mid: '1.0001', setAt: '2026-03-02T10:05:01.000Z', via: 'api', stale: false },
    });
    expect((await auditTrail(t, { action: 'pricing.reference_set' })).at(-1)).toMatchObject({
      actorId: risk.id,
      data: { before: '1', after: '1.0001', lpMedian: null },
    });
    expect(
      (
        await t.desk.services.trading.rfqs.request({
          clientId: client.id,
          side: 'buy',
          network: 'tron',
          amountUnits: 1000n * U,
        })
      ).best.price,
    ).toBe('1.00160015');
  });

  it('a client that is not active cannot ask for a quote', async () => {
    const client = await newClient(t, { status: 'suspended' });
    const err = await errorOf(
      t.desk.services.trading.rfqs.request({
        clientId: client.id,
        side: 'buy',
        network: 'tron',
        amountUnits: 1000n * U,
      }),
    );
    expect((err as AppError).code).toBe('CLIENT_NOT_ACTIVE');
  });

  it('every source is asked in parallel with one deadline; every answer is stored and the best is offered', async () => {
    const sleep = (ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        const id = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => {
          clearTimeout(id);
          resolve();
        });
      });
    const source = (name: string, ms: number, price: string | Error): PricingSource => ({
      name,
      async quote(_req, { signal }) {
        await sleep(ms, signal);
        if (price instanceof Error) throw price;
        return { price };
      },
    });
    const rfqs = createRfqService({
      db: t.database.db,
      clock,
      clients: t.desk.services.clients,
      sources: () => [
        source('lp-a', 50, '1.002'),
        source('lp-b', 80, '1.001'),
        source('lp-slow', 5_000, '0.5'),
        source('lp-broken', 10, new Error('LP said no')),
        source('lp-junk', 10, 'NaN'),
      ],
      deadlineMs: 300,
      ttlSeconds: 15,
    });
    const client = await newClient(t);
    const started = Date.now();
    const { best, quotes } = await rfqs.request({
      clientId: client.id,
      side: 'buy',
      network: 'tron',
      amountUnits: 10n * U,
    });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(best.source).toBe('lp-b');
    const bySource = Object.fromEntries(quotes.map((q) => [q.source, [q.status, q.price, q.error]]));
    expect(bySource).toEqual({
      'lp-a': ['not_best', '1.002', null],
      'lp-b': ['offered', '1.001', null],
      'lp-slow': ['failed', null, 'no answer within 300 ms'],
      'lp-broken': ['failed', null, 'LP said no'],
      'lp-junk': ['failed', null, expect.stringMatching(/unusable price/)],
    });
    const sells = await rfqs.request({
      clientId: client.id,
      side: 'sell',
      network: 'tron',
      amountUnits: 10n * U,
    });
    expect(sells.best.source).toBe('lp-a');
  });
});

describe('spread tiers through pricing.spreads', () => {
  const clock = fixedClock(new Date('2026-03-02T10:00:00Z'));
  const env = { PRICING_REFERENCE_MID: '1', PRICING_SPREAD_TIERS: '0:15,100000:10' };
  let t: TestServer;
  let risk: Person, ops: Person, risk2: Person;
  beforeAll(async () => {
    t = await buildTestServer({ clock, env });
    [risk, ops, risk2] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['ops_approver']),
      person(t, ['risk_officer']),
    ]);
  });
  afterAll(() => t.close());

  const file = (server: TestServer, who: Person, payload: unknown) =>
    call(server, who, 'POST', '/api/approvals', {
      kind: 'pricing.spreads',
      payload,
      note: 'New spread tiers',
    });
  const priceOf = async (server: TestServer, clientId: string, usdt: bigint) =>
    (
      await server.desk.services.trading.rfqs.request({
        clientId,
        side: 'buy',
        network: 'tron',
        amountUnits: usdt * U,
      })
    ).best.price;

  it('GET /api/pricing shows the reference and the tiers, each with where it comes from', async () => {
    const res = await call(t, ops, 'GET', '/api/pricing');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      reference: { mid: '1', setAt: null, via: 'config', stale: false },
      spreads: {
        tiers: [
          { fromUsdt: '0', bps: 15 },
          { fromUsdt: '100000', bps: 10 },
        ],
        via: 'config',
        setAt: null,
      },
    });
  });

  it('one person cannot set them; bad tiers are refused at filing with every problem at its path', async () => {
    const direct = await t.app.inject({
      method: 'PUT',
      url: '/api/pricing/spreads',
      headers: risk.session.bearer,
      payload: { tiers: [{ fromUsdt: '0', bps: 20 }] },
    });
    expect([direct.statusCode, direct.json<{ code: string }>().code]).toEqual([409, 'SPREADS_NEED_APPROVAL']);
    const auditor = await person(t, ['auditor']);
    expect((await file(t, auditor, { tiers: [{ fromUsdt: '0', bps: 20 }] })).status).toBe(403);

    const bad = await file(t, risk, {
      tiers: [
        { fromUsdt: '10', bps: 5 },
        { fromUsdt: '5', bps: 1001 },
        { fromUsdt: '100', bps: 2.5 },
      ],
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(bad.body.errors?.map((e) => e.path)).toEqual([
      'payload.tiers.0.fromUsdt',
      'payload.tiers.1.fromUsdt',
      'payload.tiers.1.bps',
      'payload.tiers.2.bps',
    ]);
    const wrongType = await file(t, risk, { tiers: [{ fromUsdt: 0, bps: '10' }] });
    expect([wrongType.status, wrongType.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(wrongType.body.errors?.map((e) => e.path).sort()).toEqual([
      'payload.tiers.0.bps',
      'payload.tiers.0.fromUsdt',
    ]);
    expect((await file(t, risk, { tiers: [] })).status).toBe(400);
    expect((await file(t, risk, { tiers: [{ fromUsdt: '0', bps: 20 }], note: 'x' })).status).toBe(400);
    expect(await t.database.db.selectFrom('pricing_spreads').selectAll().execute()).toEqual([]);
    expect(await auditTrail(t, { action: 'pricing.spreads_set' })).toEqual([]);
  });

  it('stored tiers are audited with before and after, priced from at once, and kept across a restart', async () => {
    const client = await newClient(t);
    expect(await priceOf(t, client.id, 60_000n)).toBe('1.0015');

    const done = await coSignPricing(
      t,
      'pricing.spreads',
      {
        tiers: [
          { fromUsdt: '0', bps: 20 },
          { fromUsdt: '50000', bps: 12 },
        ],
      },
      [ops, risk, risk2],
    );
    expect(done.status).toBe('approved');
    expect([await priceOf(t, client.id, 1_000n), await priceOf(t, client.id, 60_000n)]).toEqual([
      '1.002',
      '1.0012',
    ]);
    expect((await call<{ spreads: { via: string } }>(t, ops, 'GET', '/api/pricing')).body.spreads.via).toBe(
      'api',
    );
    expect((await call(t, ops, 'GET', '/api/pricing/reference')).body.spreadTiers).toEqual([
      { fromUsdt: '0', bps: '20' },
      { fromUsdt: '50000', bps: '12' },
    ]);

    clock.advance(60_000);
    let againId = '';
    const restarted = await buildTestServer({ clock, env, database: t.database, secrets: t.secrets });
    try {
      expect((await call(restarted, ops, 'GET', '/api/pricing')).body.spreads).toEqual({
        tiers: [
          { fromUsdt: '0', bps: 20 },
          { fromUsdt: '50000', bps: 12 },
        ],
        via: 'api',
        setAt: '2026-03-02T10:00:00.000Z',
      });
      expect(await priceOf(restarted, client.id, 60_000n)).toBe('1.0012');
      const again = await coSignPricing(
        restarted,
        'pricing.spreads',
        { tiers: [{ fromUsdt: '0', bps: 5 }] },
        [ops, risk2, risk],
      );
      expect(again.status).toBe('approved');
      againId = again.id;
      expect(await priceOf(restarted, client.id, 60_000n)).toBe('1.0005');
    } finally {
      await restarted.close();
    }

    const audited = await auditTrail(t, { action: 'pricing.spreads_set' }); // oldest first
    expect(audited.map((a) => [a.actorId, a.entityType, a.entityId, a.data])).toEqual([
      [
        risk2.id,
        'pricing_spreads',
        'house',
        {
          requestId: done.id,
          before: {
            via: 'config',
            tiers: [
              { fromUsdt: '0', bps: 15 },
              { fromUsdt: '100000', bps: 10 },
            ],
          },
          after: {
            via: 'api',
            tiers: [
              { fromUsdt: '0', bps: 20 },
              { fromUsdt: '50000', bps: 12 },
            ],
          },
        },
      ],
      [
        risk.id,
        'pricing_spreads',
        'house',
        {
          requestId: againId,
          before: {
            via: 'api',
            tiers: [
              { fromUsdt: '0', bps: 20 },
              { fromUsdt: '50000', bps: 12 },
            ],
          },
          after: { via: 'api', tiers: [{ fromUsdt: '0', bps: 5 }] },
        },
      ],
    ]);
  });
});
