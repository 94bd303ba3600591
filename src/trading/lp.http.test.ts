import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestLp, type TestLpServer } from '../../test/support/lp-server.js';
import { newClient } from '../../test/support/clients.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { loadConfig } from '../config.js';
import { parseLpUrls } from '../config.parse.js';
import { createHttpLpSource, LP_MAX_RESPONSE_BYTES } from './lp.http.js';
import type { PriceRequest } from './pricing.js';
import { strongProductionEnv } from '../../test/support/production-env.js';

const U = 1_000_000n;
const TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
const REQUEST: PriceRequest = {
  side: 'buy',
  network: 'tron',
  amountUnits: 25_000n * U,
  rfqId: '6f1c1f3e-2f4b-4c59-9a55-0d7c2d1e4b10',
};

/** What the RFQ service does: a deadline and a signal that aborts when it passes. */
function withDeadline(ms: number) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  return {
    options: { deadline: new Date(Date.now() + ms), signal: controller.signal },
    done: () => clearTimeout(timer),
  };
}
const reasonOf = (p: Promise<unknown>) =>
  p.then(
    (v) => `resolved ${JSON.stringify(v)}`,
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );

describe('HTTP liquidity provider adapter', () => {
  let lp: TestLpServer;
  beforeAll(async () => {
    lp = await startTestLp();
  });
  afterAll(() => lp.close());
  beforeEach(() => lp.calls.splice(0));

  async function ask(
    behaviour: Parameters<TestLpServer['set']>[0],
    opts: { token?: string; deadlineMs?: number; request?: PriceRequest } = {},
  ) {
    lp.set(behaviour);
    const source = createHttpLpSource({
      name: 'acme',
      url: lp.url,
      ...(opts.token ? { token: opts.token } : {}),
    });
    const d = withDeadline(opts.deadlineMs ?? 1000);
    try {
      return await source.quote(opts.request ?? REQUEST, d.options);
    } finally {
      d.done();
    }
  }

  it('POSTs the documented JSON with the bearer token and returns the price', async () => {
    const before = Date.now();
    expect(await ask({ price: '1.0012' }, { token: 's3cret-token' })).toEqual({ price: '1.0012' });
    expect(lp.calls).toHaveLength(1);
    const [call] = lp.calls;
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe('/quote');
    expect(call?.headers.authorization).toBe('Bearer s3cret-token');
    expect(call?.headers['content-type']).toBe('application/json');
    expect(call?.json).toEqual({
      rfqId: REQUEST.rfqId,
      side: 'buy',
      network: 'tron',
      amountUnits: '25000000000',
      amountUsdt: '25000',
      deadline: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
    });
    const deadline = Date.parse((call?.json as { deadline: string }).deadline);
    expect(deadline).toBeGreaterThanOrEqual(before + 1000 - 5);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('sends no Authorization header without a token; a sell of a fractional amount', async () => {
    await ask(
      { price: '0.9991' },
      { request: { side: 'sell', network: 'ethereum', amountUnits: 1_234_500_000n } },
    );
    expect(lp.calls[0]?.headers.authorization).toBeUndefined();
    expect(lp.calls[0]?.json).toEqual({
      side: 'sell',
      network: 'ethereum',
      amountUnits: '1234500000',
      amountUsdt: '1234.5',
      deadline: expect.any(String) as unknown,
    });
  });

  it.each([
    ['a 500', { status: 500, body: '{"error":"book empty"}' }, /^HTTP 500: \{"error":"book empty"\}$/],
    ['a 204', { status: 204, body: '' }, /^HTTP 204$/],
    ['a redirect (never followed)', { status: 302, body: '' }, /^HTTP 302$/],
    ['bad JSON', { body: '<html>oops</html>' }, /^response is not JSON: <html>oops<\/html>$/],
    ['a JSON array', { body: '[1]' }, /not a JSON object/],
    ['a missing price', { body: '{"px":"1.001"}' }, /^response has no "price"$/],
    ['a numeric price', { body: '{"price":1.001}' }, /"price" must be a decimal string, got number/],
    ['a negative price', { price: '-1.001' }, /^invalid price "-1.001": .*positive/],
    ['a zero price', { price: '0' }, /invalid price "0": the price must be positive/],
    ['an exponent', { price: '1e0' }, /invalid price "1e0"/],
    [
      'a body over 64 KiB',
      { body: `{"price":"1.001","pad":"${'x'.repeat(LP_MAX_RESPONSE_BYTES)}"}` },
      /^response larger than 65536 bytes$/,
    ],
    [
      'a streamed body over 64 KiB (no Content-Length)',
      { chunked: true, body: `{"price":"1.001","pad":"${'x'.repeat(4 * LP_MAX_RESPONSE_BYTES)}"}` },
      /^response larger than 65536 bytes$/,
    ],
  ])('%s is refused with a short plain reason', async (_name, behaviour, reason) => {
    expect(await reasonOf(ask(behaviour))).toMatch(reason);
  });

  it('a streamed body within the bound is read whole', async () => {
    expect(
      await ask({
        chunked: true,
        body: `{"price":"1.0003","pad":"${'x'.repeat(LP_MAX_RESPONSE_BYTES - 100)}"}`,
      }),
    ).toEqual({ price: '1.0003' });
  });

  it('an unreachable LP is a failure, not a crash', async () => {
    const closed = await startTestLp();
    const url = closed.url;
    await closed.close();
    const source = createHttpLpSource({ name: 'gone', url });
    const d = withDeadline(1000);
    expect(await reasonOf(source.quote(REQUEST, d.options).finally(d.done))).toMatch(
      /^unreachable: ECONNREFUSED/,
    );
  });

  it('an answer later than the deadline is aborted and reported as a timeout', async () => {
    const started = Date.now();
    expect(await reasonOf(ask({ price: '1.0001', delayMs: 2000 }, { deadlineMs: 150 }))).toMatch(
      /^timeout: no answer before the deadline/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    await expect.poll(() => lp.aborted).toBeGreaterThanOrEqual(1);
  });

  it('stops at the deadline on its own even if the caller never aborts', async () => {
    lp.set({ price: '1.0001', delayMs: 2000 });
    const source = createHttpLpSource({ name: 'acme', url: lp.url });
    const started = Date.now();
    expect(
      await reasonOf(
        source.quote(REQUEST, { deadline: new Date(Date.now() + 150), signal: new AbortController().signal }),
      ),
    ).toMatch(/^timeout/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('PRICING_LP_URLS', () => {
  it('parses name=url pairs', () => {
    expect(parseLpUrls('acme=https://lp.acme.example/v1/quote, b2c2-eu=http://127.0.0.1:8080/q')).toEqual([
      { name: 'acme', url: 'https://lp.acme.example/v1/quote' },
      { name: 'b2c2-eu', url: 'http://127.0.0.1:8080/q' },
    ]);
    expect(parseLpUrls(undefined)).toEqual([]);
  });
  it.each([
    ['house=https://x.example', /"house" is the built-in pricer/],
    ['a=https://x.example,a=https://y.example', /named twice/],
    ['Acme=https://x.example', /not name=url/],
    ['https://x.example', /not name=url/],
    [`${'a'.repeat(41)}=https://x.example`, /not name=url/],
    ['a=ftp://x.example', /must be http\(s\)/],
    ['a=not a url', /is not a URL/],
    ['a=https://user:pw@x.example', /no credentials/],
  ])('%j is refused', (text, reason) => {
    expect(() => parseLpUrls(text)).toThrow(reason);
    expect(() => loadConfig({ PRICING_LP_URLS: text })).toThrow(/PRICING_LP_URLS/);
  });
  it('PRICING_LP_TOKEN may come from PRICING_LP_TOKEN_FILE', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lp-')), 'token');
    fs.writeFileSync(file, 'from-a-file\n');
    expect(loadConfig({ PRICING_LP_TOKEN_FILE: file }).PRICING_LP_TOKEN).toBe('from-a-file');
  });
  it('production refuses a plain-http LP that is not on this host', () => {
    const prod = strongProductionEnv();
    expect(() => loadConfig({ ...prod, PRICING_LP_URLS: 'acme=http://lp.acme.example/q' })).toThrow(
      /acme must use https/,
    );
    expect(
      loadConfig({ ...prod, PRICING_LP_URLS: 'acme=https://lp.acme.example/q,local=http://127.0.0.1:9000/q' })
        .PRICING_LP_URLS,
    ).toBeDefined();
  });
});

describe('the desk asks HTTP liquidity providers alongside the house', () => {
  let t: TestServer;
  let lp: TestLpServer;
  beforeAll(async () => {
    lp = await startTestLp();
    // House: mid 1, 10 bps → buys at 1.001, sells at 0.999.
    t = await buildTestServer({
      env: {
        PRICING_REFERENCE_MID: '1',
        PRICING_SPREAD_TIERS: '0:10',
        PRICING_DEADLINE_MS: '400',
        PRICING_LP_URLS: `acme=${lp.url}`,
        PRICING_LP_TOKEN: 'lp-token-123',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await lp?.close();
  });
  beforeEach(() => lp.calls.splice(0));

  const svc = () => t.desk.services.trading;
  async function tradingClient() {
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
    return client;
  }
  const byName = <Q extends { source: string }>(quotes: Q[]): Record<string, Q | undefined> =>
    Object.fromEntries(quotes.map((q) => [q.source, q]));

  it('a client buy: house and LP asked in parallel, both quotes stored, the lower price offered and booked on accept', async () => {
    const client = await tradingClient();
    lp.set({ price: '1.0005', delayMs: 150 });
    const started = Date.now();
    const rfq = await svc().rfqs.request({
      clientId: client.id,
      side: 'buy',
      network: 'tron',
      amountUnits: 25_000n * U,
    });
    expect(Date.now() - started).toBeLessThan(400);
    expect(lp.calls).toHaveLength(1);
    expect(lp.calls[0]?.headers.authorization).toBe('Bearer lp-token-123');
    expect(lp.calls[0]?.json).toMatchObject({
      rfqId: rfq.rfqId,
      side: 'buy',
      network: 'tron',
      amountUnits: '25000000000',
      amountUsdt: '25000',
    });

    const stored = await t.database.db
      .selectFrom('quotes')
      .selectAll()
      .where('rfq_id', '=', rfq.rfqId)
      .execute();
    expect(stored).toHaveLength(2);
    expect(byName(stored)).toMatchObject({
      house: { price: '1.001', status: 'not_best', error: null },
      acme: { price: '1.0005', status: 'offered', error: null, total: '25012.50' },
    });
    expect(rfq.best).toMatchObject({ source: 'acme', price: '1.0005' });

    const { trade } = await svc().trades.accept(
      { quoteId: rfq.best.id, clientId: client.id },
      { actorType: 'client', actorId: client.id },
    );
    expect(trade).toMatchObject({
      quote_id: rfq.best.id,
      price: '1.0005',
      total: '25012.50',
      status: 'booked',
    });
  });

  it('a client sell: the higher price is offered (the house when the LP is worse, the LP when better)', async () => {
    const client = await tradingClient();
    lp.set({ price: '0.9985' });
    const worse = await svc().rfqs.request({
      clientId: client.id,
      side: 'sell',
      network: 'tron',
      amountUnits: 1000n * U,
    });
    expect(worse.best).toMatchObject({ source: 'house', price: '0.999' });
    expect(byName(worse.quotes)).toMatchObject({ acme: { price: '0.9985', status: 'not_best' } });
    expect(lp.calls[0]?.json).toMatchObject({ side: 'sell' });

    lp.set({ price: '0.9996' });
    const better = await svc().rfqs.request({
      clientId: client.id,
      side: 'sell',
      network: 'tron',
      amountUnits: 1000n * U,
    });
    expect(better.best).toMatchObject({ source: 'acme', price: '0.9996', total: '999.60' });
    expect(byName(better.quotes)).toMatchObject({ house: { price: '0.999', status: 'not_best' } });
  });

  it('a slow LP is recorded as a failed timeout; the house quote is still offered', async () => {
    const client = await tradingClient();
    lp.set({ price: '0.5', delayMs: 3000 });
    const started = Date.now();
    const rfq = await svc().rfqs.request({
      clientId: client.id,
      side: 'buy',
      network: 'tron',
      amountUnits: 100n * U,
    });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(rfq.best).toMatchObject({ source: 'house', price: '1.001' });
    const acme = byName(rfq.quotes).acme;
    expect(acme).toMatchObject({
      status: 'failed',
      price: null,
      error: expect.stringMatching(/no answer within 400 ms|timeout/) as unknown,
    });
    expect(acme?.latency_ms).toBeGreaterThanOrEqual(390);
    await expect.poll(() => lp.aborted).toBeGreaterThanOrEqual(1);
  });

  it('an LP error is recorded with its reason next to the house quote', async () => {
    const client = await tradingClient();
    lp.set({ status: 503, body: 'maintenance' });
    const rfq = await svc().rfqs.request({
      clientId: client.id,
      side: 'buy',
      network: 'tron',
      amountUnits: 100n * U,
    });
    expect(rfq.best.source).toBe('house');
    expect(byName(rfq.quotes).acme).toMatchObject({ status: 'failed', error: 'HTTP 503: maintenance' });
  });

  it('with no house reference and the LP failing, the RFQ is NO_QUOTE naming both reasons', async () => {
    const client = await tradingClient();
    lp.set({ body: '{}' });
    const noHouse = await buildTestServer({
      database: t.database,
      env: { PRICING_LP_URLS: `acme=${lp.url}` },
    });
    try {
      await expect(
        noHouse.desk.services.trading.rfqs.request({
          clientId: client.id,
          side: 'buy',
          network: 'tron',
          amountUnits: 100n * U,
        }),
      ).rejects.toThrow(/house: .*; acme: response has no "price"/);
    } finally {
      await noHouse.close();
    }
  });
});
