import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, type Person } from '../../test/support/approvals.js';
import { newClient } from '../../test/support/clients.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

const U = 1_000_000n;

describe('operator trade views', () => {
  let t: TestServer;
  let auditor: Person;
  beforeAll(async () => {
    t = await buildTestServer({ env: { PRICING_REFERENCE_MID: '1', PRICING_SPREAD_TIERS: '0:10' } });
    auditor = await person(t, ['auditor']);
  });
  afterAll(() => t.close());

  it('GET /api/trades filters by client and status; GET /api/trades/{id} carries every quote of its RFQ', async () => {
    const [a, b] = [await newClient(t), await newClient(t)];
    for (const c of [a, b])
      await t.database.db
        .insertInto('client_addresses')
        .values({
          client_id: c.id,
          network: 'tron',
          address: 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t',
          status: 'whitelisted',
          whitelisted_at: new Date(),
          removed_at: null,
        })
        .execute();
    const { trading } = t.desk.services;
    const book = async (clientId: string, usdt: bigint) => {
      const { best } = await trading.rfqs.request({
        clientId,
        side: 'sell',
        network: 'tron',
        amountUnits: usdt * U,
      });
      return (
        await trading.trades.accept(
          { quoteId: best.id, clientId },
          { actorType: 'client', actorId: clientId },
        )
      ).trade;
    };
    const ta = await book(a.id, 1234n);
    await book(b.id, 10n);

    const list = await call<{ items: { id: string; amountUsdt: string; total: string }[] }>(
      t,
      auditor,
      'GET',
      `/api/trades?client=${a.id}&status=booked`,
    );
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: ta.id, amountUsdt: '1234', price: '0.999', total: '1232.76' }),
    ]);
    expect(
      (await call<{ items: unknown[] }>(t, auditor, 'GET', `/api/trades?client=${a.id}&status=cancelled`))
        .body.items,
    ).toEqual([]);
    expect(
      (await call<{ items: unknown[] }>(t, auditor, 'GET', `/api/trades?from=2999-01-01T00:00:00Z`)).body
        .items,
    ).toEqual([]);

    const detail = await call<{
      id: string;
      rfq: { amountUsdt: string; outcome: string; bestQuoteId: string };
      quotes: { id: string; source: string; status: string; price: string }[];
      requests: unknown[];
    }>(t, auditor, 'GET', `/api/trades/${ta.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.rfq).toMatchObject({ amountUsdt: '1234', outcome: 'quoted' });
    expect(detail.body.rfq.bestQuoteId).toBe(detail.body.quotes[0]?.id);
    expect(detail.body.requests).toEqual([]);
    // a cancel request filed about it is on its page, named by who filed it
    const ops = await person(t, ['ops_approver']);
    const cancel = await call(t, ops, 'POST', `/api/trades/${ta.id}/cancel`, {
      reason: 'client called it off',
    });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(201);
    const after = await call<{
      requests: { kind: string; status: string; note: string; requestedBy: { name: string } }[];
    }>(t, auditor, 'GET', `/api/trades/${ta.id}`);
    expect(after.body.requests).toEqual([
      expect.objectContaining({ kind: 'trade.cancel', status: 'pending', note: 'client called it off' }),
    ]);
    expect(after.body.requests[0]?.requestedBy.name).toBe(ops.op.name);
    expect(detail.body.quotes).toEqual([
      expect.objectContaining({ source: 'house', status: 'accepted', price: '0.999' }),
    ]);
    expect((await call(t, auditor, 'GET', '/api/trades/00000000-0000-0000-0000-000000000000')).status).toBe(
      404,
    );

    const profile = await call<{
      status: string;
      limits: Record<string, unknown>;
      addresses: { status: string }[];
      trades: { id: string }[];
    }>(t, auditor, 'GET', `/api/clients/${a.id}`);
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({
      status: 'active',
      limits: { maxPerTradeUsdt: '250000', maxPerDayUsdt: '1000000', own: false, bookedLast24hUsdt: '1234' },
      addresses: [{ status: 'whitelisted' }],
      trades: [{ id: ta.id }],
    });
    const clients = await call<{ items: { id: string }[] }>(t, auditor, 'GET', '/api/clients?status=active');
    expect(clients.body.items.map((c) => c.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect((await call(t, auditor, 'GET', '/api/clients/00000000-0000-0000-0000-000000000000')).status).toBe(
      404,
    );

    // side, network and pages
    const sells = await call<{ items: { id: string }[] }>(
      t,
      auditor,
      'GET',
      '/api/trades?side=sell&network=tron',
    );
    expect(sells.body.items).toHaveLength(2);
    expect((await call<{ items: unknown[] }>(t, auditor, 'GET', '/api/trades?side=buy')).body.items).toEqual(
      [],
    );
    expect(
      (await call<{ items: unknown[] }>(t, auditor, 'GET', '/api/trades?network=ethereum')).body.items,
    ).toEqual([]);
    const first = await call<{ items: { id: string }[]; nextCursor: string }>(
      t,
      auditor,
      'GET',
      '/api/trades?limit=1',
    );
    const second = await call<{ items: { id: string }[]; nextCursor: string | null }>(
      t,
      auditor,
      'GET',
      `/api/trades?limit=1&cursor=${first.body.nextCursor}`,
    );
    expect([...first.body.items, ...second.body.items].map((x) => x.id).sort()).toEqual(
      sells.body.items.map((x) => x.id).sort(),
    );
    expect(second.body.nextCursor).toBeNull();

    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('desk_trades_total{side="sell",network="tron"} 2');
    expect(metrics).toContain('desk_trade_notional_usdt_total 1244');
    expect(metrics).toContain('desk_rfq_total{side="sell",network="tron",outcome="quoted"} 2');
    expect(metrics).toMatch(/desk_quote_latency_seconds_count\{source="house"\} 2/);
  });
});
