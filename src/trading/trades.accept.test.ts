import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newClient } from '../../test/support/clients.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { AppError } from '../shared/errors.js';
import type { Network } from '../shared/networks.js';

const U = 1_000_000n;
const TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof AppError ? e.code : String(e)),
  );

describe('accepting a quote books a trade exactly once, within the rules', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await buildTestServer({
      env: {
        PRICING_REFERENCE_MID: '1',
        PRICING_SPREAD_TIERS: '0:10',
        LIMIT_MAX_PER_TRADE_USDT: '30000',
        LIMIT_MAX_PER_DAY_USDT: '100000',
        DB_POOL_MAX: '20',
      },
    });
  });
  afterAll(() => t.close());

  const svc = () => t.desk.services.trading;
  const ctx = (clientId: string) => ({ actorType: 'client' as const, actorId: clientId });

  async function tradingClient(opts: { network?: Network; whitelisted?: boolean } = {}) {
    const client = await newClient(t);
    if (opts.whitelisted !== false) {
      await t.database.db
        .insertInto('client_addresses')
        .values({
          client_id: client.id,
          network: opts.network ?? 'tron',
          address: TRON,
          status: 'whitelisted',
          whitelisted_at: new Date(),
          removed_at: null,
        })
        .execute();
    }
    return client;
  }
  const quote = async (clientId: string, usdt: bigint, network: Network = 'tron') =>
    (await svc().rfqs.request({ clientId, side: 'buy', network, amountUnits: usdt * U })).best;
  const accept = (quoteId: string, clientId: string) =>
    svc().trades.accept({ quoteId, clientId }, ctx(clientId));

  it('books the trade with the quote, price, amounts and address; a second accept returns the same trade', async () => {
    const client = await tradingClient();
    const q = await quote(client.id, 25_000n);
    const first = await accept(q.id, client.id);
    expect(first.replayed).toBe(false);
    expect(first.trade).toMatchObject({
      quote_id: q.id,
      client_id: client.id,
      side: 'buy',
      network: 'tron',
      amount_units: '25000000000',
      price: '1.001',
      total: '25025.00',
      address: TRON,
      status: 'booked',
    });
    const second = await accept(q.id, client.id);
    expect(second).toEqual({ trade: first.trade, replayed: true });
    const audited = await t.database.db
      .selectFrom('audit_events')
      .select('data')
      .where('action', '=', 'trade.booked')
      .where('entity_id', '=', first.trade.id)
      .execute();
    expect(audited).toHaveLength(1);
  });

  it('100 concurrent accepts of one quote book exactly one trade', async () => {
    const client = await tradingClient();
    const q = await quote(client.id, 1_000n);
    const results = await Promise.all(Array.from({ length: 100 }, () => accept(q.id, client.id)));
    expect(new Set(results.map((r) => r.trade.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    const booked = await t.database.db
      .selectFrom('trades')
      .select('id')
      .where('quote_id', '=', q.id)
      .execute();
    expect(booked).toHaveLength(1);
  });

  it("refuses an expired quote, a quote that was not the offer, another client's quote, a client not active, and no whitelisted address", async () => {
    const client = await tradingClient();
    const expired = await quote(client.id, 100n);
    await t.database.db
      .updateTable('quotes')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', expired.id)
      .execute();
    expect(await codeOf(accept(expired.id, client.id))).toBe('QUOTE_EXPIRED');

    const other = await tradingClient();
    const theirs = await quote(other.id, 100n);
    expect(await codeOf(accept(theirs.id, client.id))).toBe('NOT_FOUND');
    expect(await codeOf(accept('not-a-uuid', client.id))).toBe('NOT_FOUND');

    const notBest = await quote(client.id, 100n);
    await t.database.db
      .updateTable('quotes')
      .set({ status: 'not_best' })
      .where('id', '=', notBest.id)
      .execute();
    expect(await codeOf(accept(notBest.id, client.id))).toBe('NO_QUOTE');

    const noAddress = await tradingClient({ whitelisted: false });
    const q1 = await quote(noAddress.id, 100n);
    expect(await codeOf(accept(q1.id, noAddress.id))).toBe('ADDRESS_NOT_WHITELISTED');
    const tronOnly = await tradingClient({ network: 'tron' });
    const eth = await quote(tronOnly.id, 100n, 'ethereum');
    expect(await codeOf(accept(eth.id, tronOnly.id))).toBe('ADDRESS_NOT_WHITELISTED');

    const suspended = await tradingClient();
    const q2 = await quote(suspended.id, 100n);
    await t.database.db
      .updateTable('clients')
      .set({ status: 'suspended' })
      .where('id', '=', suspended.id)
      .execute();
    expect(await codeOf(accept(q2.id, suspended.id))).toBe('CLIENT_NOT_ACTIVE');
    expect(
      await t.database.db
        .selectFrom('trades')
        .select('id')
        .where('client_id', 'in', [client.id, noAddress.id, tronOnly.id, suspended.id])
        .execute(),
    ).toEqual([]);
  });

  it('refuses above the maximum per trade and above the rolling 24 h maximum', async () => {
    const client = await tradingClient();
    expect(await codeOf(accept((await quote(client.id, 30_001n)).id, client.id))).toBe('LIMIT_EXCEEDED');
    for (let i = 0; i < 3; i++)
      expect(await codeOf(accept((await quote(client.id, 30_000n)).id, client.id))).toBe('ok');
    expect(await codeOf(accept((await quote(client.id, 10_001n)).id, client.id))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(accept((await quote(client.id, 10_000n)).id, client.id))).toBe('ok');
    // trades older than 24 h no longer count
    await t.database.db
      .updateTable('trades')
      .set({ booked_at: new Date(Date.now() - 25 * 3600 * 1000) })
      .where('client_id', '=', client.id)
      .execute();
    expect(await codeOf(accept((await quote(client.id, 30_000n)).id, client.id))).toBe('ok');
  });

  it('concurrent accepts of different quotes by one client never exceed the limits', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 2, maxLength: 16 }),
        async (amounts) => {
          const client = await tradingClient();
          const quotes = await Promise.all(amounts.map((a) => quote(client.id, BigInt(a))));
          const outcomes = await Promise.all(quotes.map((q) => codeOf(accept(q.id, client.id))));
          expect(outcomes.every((o) => o === 'ok' || o === 'LIMIT_EXCEEDED')).toBe(true);
          const booked = await t.database.db
            .selectFrom('trades')
            .select('amount_units')
            .where('client_id', '=', client.id)
            .execute();
          const total = booked.reduce((s, r) => s + BigInt(r.amount_units), 0n);
          expect(total <= 100_000n * U).toBe(true);
          expect(booked).toHaveLength(outcomes.filter((o) => o === 'ok').length);
          // every refusal was right: adding it to what was booked would have gone over
          const refused = amounts.filter((_a, i) => outcomes[i] === 'LIMIT_EXCEEDED');
          for (const a of refused) expect(total + BigInt(a) * U > 100_000n * U).toBe(true);
        },
      ),
      { numRuns: 15 },
    );
  });
});
