import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, REASON, type Person, type RequestBody } from '../../test/support/approvals.js';
import { newClient } from '../../test/support/clients.js';
import { bookTrade, SETTLEMENT_ENV } from '../../test/support/settlement.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';

interface ClientItem {
  id: string;
  name: string;
  status: string;
  telegram: boolean;
}

describe('the console registers API-only clients and lists clients', () => {
  let t: TestServer;
  let ops: Person, risk: Person, ops2: Person;
  beforeAll(async () => {
    t = await buildTestServer({ env: SETTLEMENT_ENV });
    [ops, risk, ops2] = await Promise.all([
      person(t, ['ops_approver']),
      person(t, ['risk_officer']),
      person(t, ['ops_approver']),
    ]);
  });
  afterAll(() => t.close());

  const list = (query: string) =>
    call<{ items: ClientItem[]; nextCursor: string | null }>(t, ops, 'GET', `/api/clients?${query}`);

  it('registering files a client.access grant in the operator’s name; only its co-signing activates the client', async () => {
    const res = await call<{ client: ClientItem; requestId: string }>(t, ops, 'POST', '/api/clients', {
      name: '  Northwind   Treasury ',
      company: 'Northwind AG',
      country: 'DE',
      monthlyVolume: '1M–10M USDT',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.client).toMatchObject({ name: 'Northwind Treasury', status: 'pending', telegram: false });
    const request = await call<RequestBody & { kind: string; requestedBy: { id: string } }>(
      t,
      ops,
      'GET',
      `/api/approvals/${res.body.requestId}`,
    );
    expect(request.body).toMatchObject({ kind: 'client.access', status: 'pending' });
    expect(request.body.requestedBy.id).toBe(ops.id);
    // the one who registered cannot also approve it
    const own = await call(t, ops, 'POST', `/api/approvals/${res.body.requestId}/approve`, {
      reason: REASON,
      secondaryApproverId: ops2.id,
    });
    expect(own.status).toBe(403);
    const approved = await call(t, risk, 'POST', `/api/approvals/${res.body.requestId}/approve`, {
      reason: REASON,
      secondaryApproverId: ops2.id,
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const pending = await call<ClientItem>(t, ops, 'GET', `/api/clients/${res.body.client.id}`);
    expect(pending.body.status).toBe('pending');
    await call(t, ops2, 'POST', `/api/approvals/${res.body.requestId}/cosign`, {
      reason: 'Checked and co-signed.',
    });
    const active = await call<ClientItem>(t, ops, 'GET', `/api/clients/${res.body.client.id}`);
    expect(active.body.status).toBe('active');

    const history = await call<{
      items: { kind: string; status: string; requestedBy: { type: string; name: string } }[];
    }>(t, ops, 'GET', `/api/clients/${res.body.client.id}/requests`);
    expect(history.body.items.map((i) => [i.kind, i.status])).toEqual([['client.access', 'approved']]);
    expect(history.body.items[0]?.requestedBy).toMatchObject({ type: 'operator', id: ops.id });
  });

  it('refuses a bad profile naming every field at once', async () => {
    const res = await call(t, ops, 'POST', '/api/clients', {
      name: 'x',
      company: ' ',
      country: 'Germany',
      monthlyVolume: 'lots',
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const short = await call(t, ops, 'POST', '/api/clients', {
      name: 'x',
      company: ' ',
      country: 'DE',
      monthlyVolume: 'under 100k USDT',
    });
    expect(short.status).toBe(400);
    expect(short.body.errors?.map((e) => e.path)).toEqual(['name', 'company']);
  });

  it('lists by search, status, network and activity, a page at a time', async () => {
    const traded = await bookTrade(t, { usdt: 100n, network: 'ethereum' });
    const idle = await newClient(t, { name: 'Zed Idle_Person', status: 'suspended' });
    const all = await list('limit=500');
    expect(all.body.items.map((c) => c.id)).toEqual(expect.arrayContaining([traded.client_id, idle.id]));

    expect((await list('q=idle_p')).body.items.map((c) => c.id)).toEqual([idle.id]);
    // `_` is a character, not a wildcard
    expect((await list('q=idle%25')).body.items).toEqual([]);
    expect((await list('status=suspended')).body.items.map((c) => c.id)).toEqual([idle.id]);
    expect((await list('network=ethereum')).body.items.map((c) => c.id)).toEqual([traded.client_id]);
    expect((await list('activity=traded_30d')).body.items.map((c) => c.id)).toEqual([traded.client_id]);
    const idleIds = (await list('activity=idle_30d&limit=500')).body.items.map((c) => c.id);
    expect(idleIds).toContain(idle.id);
    expect(idleIds).not.toContain(traded.client_id);

    const first = await list('limit=1');
    expect(first.body.items).toHaveLength(1);
    const second = await list(`limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0]?.id).not.toBe(first.body.items[0]?.id);
    expect((await list('status=nope')).status).toBe(400);
  });
});
