import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Secrets } from '../src/config.js';
import { call, person, type Person } from './support/approvals.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { notificationsFor } from './support/notifications.js';
import { freePort, spawnDesk, waitForReady, waitUntil, type DeskProcess } from './support/process.js';
import { buildTestServer, type TestServer } from './support/server.js';
import { autoSettlementOn, deskPeople, SETTLEMENT_ENV, tradingClient } from './support/settlement.js';

/**
 * Issue #15 item 7: a desk on more than one machine. Two `desk serve` API processes and two `desk worker`
 * processes against one PostgreSQL: each settlement processed once, each alert transition recorded and
 * told once, the live event stream reaching a console connected to either API process, and a session
 * revoked on one API process refused on the other. The test process seeds the database through the
 * desk's own composition (people, clients, AUTO_SETTLEMENT on) with the same secrets as the children.
 */
const TRADES = 50;

function sharedSecrets(): { secrets: Secrets; env: Record<string, string> } {
  const jwt = randomBytes(32).toString('base64url');
  const audit = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const data = randomBytes(32);
  return {
    secrets: {
      jwtKeys: [{ kid: 'scale1', secret: Buffer.from(jwt) }],
      auditSigningKeyPem: audit,
      dataEncryptionKey: data,
    },
    env: {
      JWT_SIGNING_KEYS: `scale1:${jwt}`,
      AUDIT_SIGNING_KEY: audit,
      DATA_ENCRYPTION_KEY: data.toString('base64'),
    },
  };
}

/** Reads a Server-Sent Events stream into a string until `close()`. */
function openStream(url: string, token: string) {
  let text = '';
  let status = 0;
  const req = http.get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
    status = res.statusCode ?? 0;
    res.on('data', (d: Buffer) => (text += d.toString()));
    res.on('error', () => {});
  });
  req.on('error', () => {});
  return { text: () => text, status: () => status, close: () => req.destroy() };
}

describe('two API processes and two workers against one PostgreSQL', () => {
  let database: TestDatabase;
  let t: TestServer;
  let dataDir: string;
  const apis: { proc: DeskProcess; base: string }[] = [];
  const workers: DeskProcess[] = [];
  let people: Awaited<ReturnType<typeof deskPeople>>;
  const env = {
    ...SETTLEMENT_ENV,
    PAPER_BLOCK_SECONDS: '1',
    ALERTS_EVAL_SECONDS: '1',
    CLIENT_API_RATE_PER_MINUTE: '100000',
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-scale-'));
    const shared = sharedSecrets();
    t = await buildTestServer({ env, database, secrets: shared.secrets, prepare: true });
    people = await deskPeople(t);
    await autoSettlementOn(t, people);
    const childEnv = {
      ...env,
      ...shared.env,
      DATABASE_URL: database.url,
      DESK_DATA_DIR: dataDir,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      TELEGRAM_MODE: 'off',
    };
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      apis.push({
        proc: spawnDesk(['src/cli/desk.ts', 'serve'], { ...childEnv, PORT: String(port) }),
        base: `http://127.0.0.1:${port}`,
      });
      workers.push(spawnDesk(['src/cli/desk.ts', 'worker'], childEnv));
    }
    await Promise.all(apis.map((a) => waitForReady(`${a.base}/health`, a.proc, 90_000)));
    for (const w of workers)
      await waitUntil(
        () => w.output().includes('looking for jobs'),
        `a worker did not start:\n${w.output()}`,
        90_000,
      );
  }, 180_000);

  afterAll(async () => {
    const all = [...apis.map((a) => a.proc), ...workers];
    for (const p of all) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all(all.map((p) => p.exited));
    await t?.close();
    await database?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const db = () => t.database.db;
  const api = (i: number) => apis[i]!.base;

  it(`${TRADES} trades booked across both API processes: each settled exactly once by one of two workers`, async () => {
    const clients: { id: string; key: string }[] = [];
    for (let i = 0; i < 10; i++) {
      const { client } = await tradingClient(t, 'tron');
      const issued = await call<{ key: string }>(
        t,
        people.ops,
        'POST',
        `/api/clients/${client.id}/api-keys`,
        {
          label: 'scale test',
        },
      );
      expect(issued.status).toBe(201);
      clients.push({ id: client.id, key: issued.body.key });
    }
    const book = async (i: number) => {
      const c = clients[i % clients.length]!;
      const base = api(i % 2);
      const headers = { authorization: `Bearer ${c.key}`, 'content-type': 'application/json' };
      const rfq = await fetch(`${base}/api/client/v1/rfqs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ side: 'buy', amount: String(1 + (i % 7)), network: 'tron' }),
      });
      expect(rfq.status).toBe(201);
      const { quote } = (await rfq.json()) as { quote: { id: string } };
      const accepted = await fetch(`${base}/api/client/v1/quotes/${quote.id}/accept`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': randomUUID() },
        body: '{}',
      });
      expect(accepted.status).toBe(201);
      return ((await accepted.json()) as { id: string }).id;
    };
    const ids: string[] = [];
    for (let i = 0; i < TRADES; i += 10)
      ids.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => book(i + k)))));
    expect(new Set(ids).size).toBe(TRADES);

    const confirmed = async () =>
      Number(
        (
          await db()
            .selectFrom('settlements')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('status', '=', 'confirmed')
            .executeTakeFirstOrThrow()
        ).n,
      );
    await waitUntil(async () => (await confirmed()) === TRADES, 'not every settlement was confirmed', 90_000);

    const settlements = await db().selectFrom('settlements').selectAll().execute();
    expect(settlements).toHaveLength(TRADES);
    expect(new Set(settlements.map((s) => s.trade_id))).toEqual(new Set(ids));
    // One paper transfer per settlement, out of the hot wallet, and nothing else sent.
    const hot = (await t.desk.services.wallets.hotWallet(db(), 'tron'))!.address;
    const outgoing = await db()
      .selectFrom('paper_transactions')
      .selectAll()
      .where('from_address', '=', hot)
      .execute();
    expect(outgoing).toHaveLength(TRADES);
    expect(new Set(outgoing.map((p) => p.hash))).toEqual(new Set(settlements.map((s) => s.tx_hash)));
    // One reserve and one settle ledger entry per settlement.
    const { rows } = await sql<{ settlement_id: string; kind: string; n: number }>`
      select settlement_id, kind, count(*)::int as n from ledger_entries
      where settlement_id is not null group by settlement_id, kind`.execute(db());
    const per = new Map<string, Record<string, number>>();
    for (const r of rows) per.set(r.settlement_id, { ...per.get(r.settlement_id), [r.kind]: r.n });
    for (const s of settlements) expect(per.get(s.id), s.id).toEqual({ reserve: 1, settle: 1 });
    expect(await notificationsFor(t, { template: 'settlement.confirmed' })).toHaveLength(TRADES);
  }, 120_000);

  it('an alert condition made true: one firing transition and one set of notices, though both workers evaluate', async () => {
    const since = new Date();
    await sql`update feature_flags set enabled = true where key = 'AUTO_SETTLEMENT'`.execute(db());
    const firing = () =>
      db()
        .selectFrom('alert_events')
        .selectAll()
        .where('rule', '=', 'flag_changed_outside_api')
        .where('to_state', '=', 'firing')
        .where('at', '>=', since)
        .execute();
    await waitUntil(async () => (await firing()).length > 0, 'flag_changed_outside_api did not fire', 30_000);
    // Both workers evaluate every second: give them several rounds to record it again, if they would.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(await firing()).toHaveLength(1);
    const notices = await notificationsFor(t, {
      template: 'alert.firing',
      where: (n) => n.data.alert === 'flag_changed_outside_api',
    });
    expect(notices.filter((n) => n.recipientType === 'ops_chat')).toHaveLength(1);
  }, 60_000);

  it('an event caused through API process 1 reaches a console stream on API process 2', async () => {
    const watcher: Person = await person(t, ['risk_officer']);
    const stream = openStream(`${api(1)}/api/events`, watcher.session.token);
    try {
      await waitUntil(
        () => stream.text().includes(': connected'),
        'the stream on API 2 did not open',
        15_000,
      );
      const filed = await fetch(`${api(0)}/api/flags/AUTO_SETTLEMENT/requests`, {
        method: 'POST',
        headers: { ...people.risk.session.bearer, 'content-type': 'application/json' },
        body: JSON.stringify({ enabled: false, reason: 'Scale test: an event through API one' }),
      });
      expect(filed.status).toBe(201);
      const { id } = (await filed.json()) as { id: string };
      await waitUntil(() => stream.text().includes(id), `API 2's stream never carried request ${id}`, 15_000);
      expect(stream.status()).toBe(200);
    } finally {
      stream.close();
    }
  }, 60_000);

  it('a session revoked on API process 1 is refused on API process 2', async () => {
    const op: Person = await person(t, ['ops_approver']);
    const me = (i: number) => fetch(`${api(i)}/api/me`, { headers: op.session.bearer }).then((r) => r.status);
    expect([await me(0), await me(1)]).toEqual([200, 200]);
    const out = await fetch(`${api(0)}/api/auth/logout`, { method: 'POST', headers: op.session.bearer });
    expect(out.status).toBe(204);
    expect(await me(1)).toBe(401);
    expect(await me(0)).toBe(401);
  }, 30_000);
});
