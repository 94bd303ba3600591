import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import { call, person, type Person } from '../../test/support/approvals.js';
import { newClient } from '../../test/support/clients.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

const TRON = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t';

describe('client API', () => {
  let t: TestServer;
  let ops: Person, risk: Person;
  beforeAll(async () => {
    t = await buildTestServer({
      env: {
        PRICING_REFERENCE_MID: '1',
        PRICING_SPREAD_TIERS: '0:10',
        LIMIT_MAX_PER_TRADE_USDT: '50000',
        CLIENT_API_RATE_PER_MINUTE: '1000',
      },
    });
    [ops, risk] = await Promise.all([person(t, ['ops_approver']), person(t, ['risk_officer'])]);
  });
  afterAll(() => t.close());

  async function clientWithKey() {
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
    const issued = await call<{ id: string; key: string }>(
      t,
      ops,
      'POST',
      `/api/clients/${client.id}/api-keys`,
      { label: 'treasury bot' },
    );
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    return { client, keyId: issued.body.id, key: issued.body.key };
  }
  const api = (
    key: string | null,
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
    headers: Record<string, string> = {},
  ) =>
    t.app.inject({
      method,
      url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
      ...(payload ? { payload } : {}),
    });

  it('an ops approver issues a key (shown once, stored hashed, audited); a risk officer cannot', async () => {
    const { client, key } = await clientWithKey();
    expect(key).toMatch(/^usdk_[0-9a-f]{8}_/);
    const row = await t.database.db
      .selectFrom('client_api_keys')
      .selectAll()
      .where('client_id', '=', client.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(key.slice('usdk_00000000_'.length));
    const listed = await call<{ items: Record<string, unknown>[] }>(
      t,
      ops,
      'GET',
      `/api/clients/${client.id}/api-keys`,
    );
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(await auditTrail(t, { action: 'client.api_key_issued', entityId: client.id })).toHaveLength(1);
    expect((await call(t, risk, 'POST', `/api/clients/${client.id}/api-keys`, {})).status).toBe(403);
  });

  it('RFQ → quote → accept with Idempotency-Key → trade; replays return the same trade; trades are listed', async () => {
    const { key } = await clientWithKey();
    const rfq = await api(key, 'POST', '/api/client/v1/rfqs', {
      side: 'buy',
      amount: '25000',
      network: 'tron',
    });
    expect(rfq.statusCode, rfq.body).toBe(201);
    const quote = rfq.json<{
      quote: { id: string; price: string; total: string; amountUsdt: string; expiresAt: string };
    }>().quote;
    expect(quote).toMatchObject({ price: '1.001', total: '25025.00', amountUsdt: '25000' });

    expect(
      (await api(key, 'POST', `/api/client/v1/quotes/${quote.id}/accept`)).json<{ code: string }>().code,
    ).toBe('VALIDATION_FAILED');
    const first = await api(key, 'POST', `/api/client/v1/quotes/${quote.id}/accept`, undefined, {
      'idempotency-key': 'k-1',
    });
    expect(first.statusCode, first.body).toBe(201);
    const again = await api(key, 'POST', `/api/client/v1/quotes/${quote.id}/accept`, undefined, {
      'idempotency-key': 'k-1',
    });
    expect(again.statusCode).toBe(200);
    expect(again.json<{ id: string }>().id).toBe(first.json<{ id: string }>().id);

    const other = (
      await api(key, 'POST', '/api/client/v1/rfqs', { side: 'sell', amount: '10', network: 'tron' })
    ).json<{ quote: { id: string } }>().quote;
    const conflict = await api(key, 'POST', `/api/client/v1/quotes/${other.id}/accept`, undefined, {
      'idempotency-key': 'k-1',
    });
    expect([conflict.statusCode, conflict.json<{ code: string }>().code]).toEqual([
      409,
      'IDEMPOTENCY_CONFLICT',
    ]);

    const tradeId = first.json<{ id: string }>().id;
    const got = await api(key, 'GET', `/api/client/v1/trades/${tradeId}`);
    expect(got.json()).toMatchObject({ id: tradeId, status: 'booked', address: TRON });
    expect(got.headers['content-type']).toMatch(/json/);
    expect(
      (await api(key, 'GET', '/api/client/v1/trades'))
        .json<{ items: { id: string }[] }>()
        .items.map((i) => i.id),
    ).toEqual([tradeId]);
  });

  it('concurrent accepts with one Idempotency-Key all get the one trade, never a conflict', async () => {
    const { key } = await clientWithKey();
    const quote = (
      await api(key, 'POST', '/api/client/v1/rfqs', { side: 'buy', amount: '5', network: 'tron' })
    ).json<{ quote: { id: string } }>().quote;
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        api(key, 'POST', `/api/client/v1/quotes/${quote.id}/accept`, undefined, {
          'idempotency-key': 'same',
        }),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([...Array<number>(11).fill(200), 201]);
    expect(new Set(answers.map((a) => a.json<{ id: string }>().id)).size).toBe(1);
  });

  it('records when a key was last used, to the minute (a key in steady use is not written on every call)', async () => {
    const { keyId, key } = await clientWithKey();
    const lastUsed = async () =>
      (
        await t.database.db
          .selectFrom('client_api_keys')
          .select('last_used_at')
          .where('id', '=', keyId)
          .executeTakeFirstOrThrow()
      ).last_used_at;
    expect(await lastUsed()).toBeNull();
    await api(key, 'GET', '/api/client/v1/trades');
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    await api(key, 'GET', '/api/client/v1/trades');
    expect(await lastUsed()).toEqual(first);
    await t.database.db
      .updateTable('client_api_keys')
      .set({ last_used_at: new Date(Date.now() - 61_000) })
      .where('id', '=', keyId)
      .execute();
    await api(key, 'GET', '/api/client/v1/trades');
    expect((await lastUsed())?.getTime()).toBeGreaterThan(Date.now() - 10_000);
  });

  it('refusals are problem+json with codes', async () => {
    const { client, key } = await clientWithKey();
    const bad = await api(key, 'POST', '/api/client/v1/rfqs', {
      side: 'buy',
      amount: '1.1234567',
      network: 'tron',
    });
    expect([bad.statusCode, bad.headers['content-type']]).toEqual([
      400,
      expect.stringMatching(/application\/problem\+json/),
    ]);

    const big = (
      await api(key, 'POST', '/api/client/v1/rfqs', { side: 'buy', amount: '50000.000001', network: 'tron' })
    ).json<{ quote: { id: string } }>().quote;
    const limit = await api(key, 'POST', `/api/client/v1/quotes/${big.id}/accept`, undefined, {
      'idempotency-key': 'big',
    });
    expect([limit.statusCode, limit.json<{ code: string }>().code]).toEqual([422, 'LIMIT_EXCEEDED']);

    const eth = (
      await api(key, 'POST', '/api/client/v1/rfqs', { side: 'buy', amount: '10', network: 'ethereum' })
    ).json<{ quote: { id: string } }>().quote;
    const noAddr = await api(key, 'POST', `/api/client/v1/quotes/${eth.id}/accept`, undefined, {
      'idempotency-key': 'eth',
    });
    expect([noAddr.statusCode, noAddr.json<{ code: string }>().code]).toEqual([
      422,
      'ADDRESS_NOT_WHITELISTED',
    ]);

    const q = (
      await api(key, 'POST', '/api/client/v1/rfqs', { side: 'buy', amount: '10', network: 'tron' })
    ).json<{ quote: { id: string } }>().quote;
    await t.database.db
      .updateTable('quotes')
      .set({ expires_at: new Date(Date.now() - 1) })
      .where('id', '=', q.id)
      .execute();
    const expired = await api(key, 'POST', `/api/client/v1/quotes/${q.id}/accept`, undefined, {
      'idempotency-key': 'late',
    });
    expect([expired.statusCode, expired.json<{ code: string }>().code]).toEqual([410, 'QUOTE_EXPIRED']);
    expect(expired.json<{ detail: string }>().detail).toMatch(/Ask for a new quote/);

    const stranger = await clientWithKey();
    expect((await api(stranger.key, 'GET', `/api/client/v1/trades/${client.id}`)).statusCode).toBe(404);
  });

  it('no key, a wrong key and a revoked key get 401', async () => {
    const { client, keyId, key } = await clientWithKey();
    expect((await api(null, 'GET', '/api/client/v1/trades')).statusCode).toBe(401);
    expect(
      (await api('usdk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'GET', '/api/client/v1/trades'))
        .statusCode,
    ).toBe(401);
    expect((await api(key, 'GET', '/api/client/v1/trades')).statusCode).toBe(200);
    const revoked = await t.app.inject({
      method: 'POST',
      url: `/api/clients/${client.id}/api-keys/${keyId}/revoke`,
      headers: ops.session.bearer,
      payload: {},
    });
    expect(revoked.statusCode, revoked.body).toBe(204);
    expect((await api(key, 'GET', '/api/client/v1/trades')).statusCode).toBe(401);
  });

  it('calls are rate-limited per key', async () => {
    const limited = await buildTestServer({ database: t.database, env: { CLIENT_API_RATE_PER_MINUTE: '3' } });
    try {
      const { key } = await clientWithKey();
      const other = await clientWithKey();
      const codes = [];
      for (let i = 0; i < 4; i++)
        codes.push(
          (
            await limited.app.inject({
              method: 'GET',
              url: '/api/client/v1/trades',
              headers: { authorization: `Bearer ${key}` },
            })
          ).statusCode,
        );
      expect(codes).toEqual([200, 200, 200, 429]);
      expect(
        (
          await limited.app.inject({
            method: 'GET',
            url: '/api/client/v1/trades',
            headers: { authorization: `Bearer ${other.key}` },
          })
        ).statusCode,
      ).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
