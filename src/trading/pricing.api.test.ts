import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import { call, person, type Person } from '../../test/support/approvals.js';
import { newClient } from '../../test/support/clients.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { fixedClock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import type { PricingSource } from './pricing.js';
import { createRfqService } from './rfq.service.js';

const U = 1_000_000n;
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('house pricer and RFQ', () => {
  const clock = fixedClock(new Date('2026-03-02T10:00:00Z'));
  let t: TestServer;
  let risk: Person, ops: Person;
  beforeAll(async () => {
    t = await buildTestServer({
      clock,
      env: {
        PRICING_SPREAD_TIERS: '0:15,100000:10',
        PRICING_REFERENCE_MAX_AGE_SECONDS: '300',
        QUOTE_TTL_SECONDS: '15',
      },
    });
    [risk, ops] = await Promise.all([person(t, ['risk_officer']), person(t, ['ops_approver'])]);
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

  it('only a risk officer sets the reference (audited); quotes follow the spread tiers with a 15 s expiry; a stale reference refuses', async () => {
    expect((await put(ops, '1.0002')).statusCode).toBe(403);
    expect((await put(risk, '1e3')).statusCode).toBe(400);
    const res = await put(risk, '1.0000');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      reference: { mid: '1', setAt: '2026-03-02T10:00:00.000Z', via: 'api', stale: false },
    });
    const audited = await auditTrail(t, { action: 'pricing.reference_set' });
    expect(audited.map((a) => [a.actorId, a.data])).toEqual([[risk.id, { before: null, after: '1' }]]);

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
    expect((await put(risk, '1.0001')).statusCode).toBe(200);
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

describe('spread tiers through the API', () => {
  const clock = fixedClock(new Date('2026-03-02T10:00:00Z'));
  const env = { PRICING_REFERENCE_MID: '1', PRICING_SPREAD_TIERS: '0:15,100000:10' };
  let t: TestServer;
  let risk: Person, ops: Person;
  beforeAll(async () => {
    t = await buildTestServer({ clock, env });
    [risk, ops] = await Promise.all([person(t, ['risk_officer']), person(t, ['ops_approver'])]);
  });
  afterAll(() => t.close());

  const put = (server: TestServer, who: Person, payload: unknown) =>
    server.app.inject({
      method: 'PUT',
      url: '/api/pricing/spreads',
      headers: who.session.bearer,
      payload: payload as object,
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

  it('only a risk officer with a fresh step-up sets them; bad tiers get 400 with every problem at its path', async () => {
    const tiers = [
      { fromUsdt: '0', bps: 20 },
      { fromUsdt: '50000', bps: 12 },
    ];
    expect((await put(t, ops, { tiers })).statusCode).toBe(403);
    const stale = await person(t, ['risk_officer']);
    await t.database.db
      .updateTable('operator_sessions')
      .set({ step_up_until: new Date(clock.now().getTime() - 1) })
      .where('id', '=', stale.session.sessionId)
      .execute();
    const noStepUp = await put(t, stale, { tiers });
    expect([noStepUp.statusCode, noStepUp.json<{ code: string }>().code]).toEqual([403, 'STEP_UP_REQUIRED']);

    const bad = await put(t, risk, {
      tiers: [
        { fromUsdt: '10', bps: 5 },
        { fromUsdt: '5', bps: 1001 },
        { fromUsdt: '100', bps: 2.5 },
      ],
    });
    expect([bad.statusCode, bad.headers['content-type']]).toEqual([
      400,
      expect.stringMatching(/application\/problem\+json/),
    ]);
    expect(bad.json<{ code: string }>().code).toBe('VALIDATION_FAILED');
    expect(bad.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toEqual([
      'tiers.0.fromUsdt',
      'tiers.1.fromUsdt',
      'tiers.1.bps',
      'tiers.2.bps',
    ]);
    const wrongType = await put(t, risk, { tiers: [{ fromUsdt: 0, bps: '10' }] });
    expect([wrongType.statusCode, wrongType.json<{ code: string }>().code]).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    expect(
      wrongType
        .json<{ errors: { path: string }[] }>()
        .errors.map((e) => e.path)
        .sort(),
    ).toEqual(['body.tiers.0.bps', 'body.tiers.0.fromUsdt']);
    expect((await put(t, risk, { tiers: [] })).statusCode).toBe(400);
    expect((await put(t, risk, { tiers, note: 'x' })).statusCode).toBe(400);
    expect(await t.database.db.selectFrom('pricing_spreads').selectAll().execute()).toEqual([]);
    expect(await auditTrail(t, { action: 'pricing.spreads_set' })).toEqual([]);
  });

  it('stored tiers are audited with before and after, priced from at once, and kept across a restart', async () => {
    const client = await newClient(t);
    expect(await priceOf(t, client.id, 60_000n)).toBe('1.0015');

    const res = await put(t, risk, {
      tiers: [
        { fromUsdt: '0', bps: 20 },
        { fromUsdt: '50000', bps: 12 },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      spreads: {
        tiers: [
          { fromUsdt: '0', bps: 20 },
          { fromUsdt: '50000', bps: 12 },
        ],
        via: 'api',
        setAt: '2026-03-02T10:00:00.000Z',
      },
    });
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
      expect((await put(restarted, risk, { tiers: [{ fromUsdt: '0', bps: 0 }] })).statusCode).toBe(200);
      expect(await priceOf(restarted, client.id, 60_000n)).toBe('1');
    } finally {
      await restarted.close();
    }

    const audited = await auditTrail(t, { action: 'pricing.spreads_set' }); // oldest first
    expect(audited.map((a) => [a.actorId, a.entityType, a.entityId, a.data])).toEqual([
      [
        risk.id,
        'pricing_spreads',
        'house',
        {
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
          before: {
            via: 'api',
            tiers: [
              { fromUsdt: '0', bps: 20 },
              { fromUsdt: '50000', bps: 12 },
            ],
          },
          after: { via: 'api', tiers: [{ fromUsdt: '0', bps: 0 }] },
        },
      ],
    ]);
  });
});
