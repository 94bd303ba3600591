import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, person, type Person } from '../../test/support/approvals.js';
import { newClient } from '../../test/support/clients.js';
import { buildTestServer, type TestServer } from '../../test/support/server.js';
import { systemClock } from '../shared/clock.js';
import { lastUsedWriter } from './apikeys.service.js';

/**
 * Authenticating with an API key reads its row and does not write it on every call: `last_used_at`
 * is written at most once a minute per key, once for a whole burst of concurrent calls.
 */
describe('API key last used', () => {
  let t: TestServer;
  let ops: Person;
  beforeAll(async () => {
    t = await buildTestServer({ env: { CLIENT_API_RATE_PER_MINUTE: '1000' } });
    ops = await person(t, ['ops_approver']);
  });
  afterAll(() => t.close());

  /** Counts the UPDATEs of client_api_keys this process sends while `fn` runs. */
  async function keyWrites(fn: () => Promise<unknown>): Promise<number> {
    const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = proto.query;
    let writes = 0;
    proto.query = function (this: unknown, ...args: unknown[]) {
      const first = args[0] as string | { text?: string } | undefined;
      const text = typeof first === 'string' ? first : (first?.text ?? '');
      if (/^\s*update\s+"?client_api_keys"?/i.test(text)) writes++;
      return original.apply(this, args);
    };
    try {
      await fn();
      return writes;
    } finally {
      proto.query = original;
    }
  }

  async function issueKey() {
    const client = await newClient(t);
    const issued = await call<{ id: string; key: string }>(
      t,
      ops,
      'POST',
      `/api/clients/${client.id}/api-keys`,
      {
        label: 'bot',
      },
    );
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    return issued.body;
  }
  const use = (key: string) =>
    t.app.inject({
      method: 'GET',
      url: '/api/client/v1/trades',
      headers: { authorization: `Bearer ${key}` },
    });
  const lastUsed = async (id: string) =>
    (
      await t.database.db
        .selectFrom('client_api_keys')
        .select('last_used_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).last_used_at;

  it('writes once for a burst of concurrent calls and not again within the minute', async () => {
    const { id, key } = await issueKey();
    const burst = await keyWrites(async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => use(key)));
      expect(answers.map((a) => a.statusCode)).toEqual(Array<number>(20).fill(200));
    });
    expect(burst).toBe(1);
    const first = await lastUsed(id);
    expect(first).toBeInstanceOf(Date);

    const steady = await keyWrites(async () => {
      for (let i = 0; i < 20; i++) expect((await use(key)).statusCode).toBe(200);
    });
    expect(steady).toBe(0);
    expect(await lastUsed(id)).toEqual(first);
  });

  it('writes again once the stored time is a minute old, still once for a burst', async () => {
    const { id, key } = await issueKey();
    expect((await use(key)).statusCode).toBe(200);
    const old = new Date(Date.now() - 61_000);
    await t.database.db
      .updateTable('client_api_keys')
      .set({ last_used_at: old })
      .where('id', '=', id)
      .execute();
    const writes = await keyWrites(() => Promise.all(Array.from({ length: 10 }, () => use(key))));
    expect(writes).toBe(1);
    expect((await lastUsed(id))?.getTime()).toBeGreaterThan(old.getTime() + 60_000);
  });

  it('writes conditionally: a time another API process wrote meanwhile is left alone', async () => {
    const { id } = await issueKey();
    const fresh = new Date(Date.now() + 5_000);
    await t.database.db
      .updateTable('client_api_keys')
      .set({ last_used_at: fresh })
      .where('id', '=', id)
      .execute();
    // This process read the row before that write: to it the key looks never used.
    await lastUsedWriter(t.database.db, systemClock).touch(id, null, performance.now());
    expect(await lastUsed(id)).toEqual(fresh);
  });
});
