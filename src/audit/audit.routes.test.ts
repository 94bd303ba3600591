import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAll, verifyText } from '../../test/support/audit.js';
import { signedInOperator } from '../../test/support/factories.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { withTransaction } from '../shared/db.js';
import type { AuditPage } from './audit.search.js';

describe('audit HTTP API', () => {
  let t: TestServer;
  let auditor: { authorization: string };
  let approver: { authorization: string };
  let auditorId: string;

  beforeAll(async () => {
    t = await buildTestServer();
    const a = await signedInOperator(t, { roles: ['auditor'] });
    auditor = a.bearer;
    auditorId = a.operator.id;
    approver = (await signedInOperator(t, { roles: ['ops_approver'] })).bearer;
    const { audit } = t.desk.services;
    for (let i = 1; i <= 5; i++) {
      await withTransaction(t.database.db, (tx) =>
        audit.record(tx, {
          actorType: 'operator',
          actorId: 'op-x',
          action: 'test.trade.approve',
          entityType: 'trade',
          entityId: `T${i}`,
          data: { i },
        }),
      );
    }
    await withTransaction(t.database.db, (tx) =>
      audit.record(tx, {
        actorType: 'client',
        actorId: 'op-x',
        action: 'test.trade.request',
        entityType: 'trade',
        entityId: 'T1',
      }),
    );
    await withTransaction(t.database.db, (tx) =>
      audit.record(tx, {
        actorType: 'system',
        actorId: 'sweeper',
        action: 'test.client.update',
        entityType: 'client',
        entityId: 'C1',
      }),
    );
    await sealAll(t.database.db, audit);
  });
  afterAll(() => t.close());

  const search = async (query: string, headers = auditor) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/audit?${query}`, headers });
    return { res, body: res.json<AuditPage>() };
  };

  it('returns events newest first, with their place in the chain once sealed', async () => {
    const { res, body } = await search('action=test.trade.approve');
    expect(res.statusCode).toBe(200);
    expect(body.events.map((e) => e.entityId)).toEqual(['T5', 'T4', 'T3', 'T2', 'T1']);
    expect(body.events[0]).toMatchObject({
      actorType: 'operator',
      actorId: 'op-x',
      data: { i: 5 },
      chain: {
        seq: expect.stringMatching(/^\d+$/) as unknown,
        hash: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      },
    });
    expect(body.nextCursor).toBeNull();
  });

  it.each([
    ['actor=op-x', 6],
    ['actor=client:op-x', 1],
    ['actor=system:sweeper', 1],
    ['entity=trade', 6],
    ['entity=trade:T1', 2],
    ['entity=client:C1', 1],
    ['action=test.trade.approve&entity=trade:T3', 1],
    ['actor=nobody', 0],
  ])('filters by %s', async (query, count) => {
    const { res, body } = await search(`${query}&limit=100`);
    expect(res.statusCode).toBe(200);
    expect(body.events.length).toBe(count);
  });

  it('filters by time', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await search(`from=${encodeURIComponent(future)}`)).body.events).toEqual([]);
    expect(
      (await search(`to=${encodeURIComponent(future)}&action=test.trade.approve`)).body.events.length,
    ).toBe(5);
  });

  it('pages with an opaque cursor, without duplicates or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const { body }: { body: AuditPage } = await search(
        `actor=op-x&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(body.events.length).toBeLessThanOrEqual(2);
      seen.push(...body.events.map((e) => e.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.length).toBe(6);
    expect(new Set(seen).size).toBe(6);
    expect([...seen].sort((a, b) => Number(b) - Number(a))).toEqual(seen);
  });

  it.each(['cursor=bm9wZQ', 'limit=0', 'limit=501', 'from=yesterday', 'colour=red'])(
    'rejects %s with a problem',
    async (query) => {
      const { res } = await search(query);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    },
  );

  it.each(['jsonl', 'csv'] as const)('exports %s that verifies, and audits the export', async (format) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/audit/export?format=${format}&action=test.trade.approve`,
      headers: auditor,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(
      format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    );
    expect(res.headers['content-disposition']).toMatch(
      new RegExp(`^attachment; filename="audit-.*\\.${format}"$`),
    );
    const result = await verifyText(res.body);
    expect(result).toMatchObject({
      ok: true,
      summary: { format, events: 5, filter: { action: 'test.trade.approve' } },
    });
    const logged = await search(`action=audit.exported&actor=operator:${auditorId}`);
    expect(logged.body.events[0]).toMatchObject({
      requestId: res.headers['x-request-id'],
      data: { format, filter: { action: 'test.trade.approve' } },
    });
  });

  it('refuses operators without the audit permissions, and anonymous callers', async () => {
    for (const url of ['/api/audit', '/api/audit/export?format=csv']) {
      const forbidden = await t.app.inject({ method: 'GET', url, headers: approver });
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json<{ code: string }>().code).toBe('FORBIDDEN');
      expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    }
  });
});
