import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAll } from './support/audit.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { newOperator, type TestOperator } from './support/factories.js';
import {
  freePort,
  runDeskCommand,
  spawnDesk,
  waitForReady,
  waitUntil,
  type DeskProcess,
} from './support/process.js';
import { buildTestServer, testSecrets, type TestServer } from './support/server.js';
import { FakeBotApi, textUpdate } from './support/bot-api.js';

const OLD_BOT_TOKEN = '123456:OLD-token-abcdefghijklmnopqrstuvwxyz';
const NEW_BOT_TOKEN = '123456:NEW-token-abcdefghijklmnopqrstuvwxyz';

/**
 * Issue 15 item 3: `desk secrets rotate jwt|audit-key|data-key|telegram` while two desk processes serve one
 * database and a request loop runs against both: no request fails because of it, tokens issued before
 * keep working, tokens signed with the new key verify on the other process at once, TOTP secrets move
 * to the new data key online, the audit export verifies across the audit key change, and the bot moves
 * to a new token and webhook secret with every update Telegram sends during the switch accepted.
 */
describe('secret rotation with two desks running', () => {
  let database: TestDatabase;
  let local: TestServer;
  let dir: string;
  let env: Record<string, string>;
  const desks: { port: number; proc: DeskProcess }[] = [];
  let looper: TestOperator;
  let after: TestOperator;
  let botApi: FakeBotApi;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-secrets-'));
    const s = testSecrets();
    botApi = new FakeBotApi([OLD_BOT_TOKEN]);
    env = {
      TELEGRAM_MODE: 'webhook',
      TELEGRAM_BOT_TOKEN: OLD_BOT_TOKEN,
      TELEGRAM_WEBHOOK_SECRET: 'old-webhook-secret-0123456789abcdef',
      TELEGRAM_API_ROOT: await botApi.listen(),
      PUBLIC_URL: 'https://desk.example.com',
      DATABASE_URL: database.url,
      DESK_DATA_DIR: dir,
      LOG_LEVEL: 'warn',
      JWT_SIGNING_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      AUDIT_SIGNING_KEY: s.auditSigningKeyPem,
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SECRETS_RELOAD_SECONDS: '1',
      WORKER_ENABLED: 'false',
    };
    const secrets = {
      jwtKeys: [{ kid: 'k1', secret: Buffer.from(env.JWT_SIGNING_KEYS!.slice(3)) }],
      auditSigningKeyPem: s.auditSigningKeyPem,
      dataEncryptionKey: Buffer.from(env.DATA_ENCRYPTION_KEY!, 'base64'),
    };
    // The test's own desk on the same database and keys: it seeds operators and seals the trail.
    local = await buildTestServer({ database, secrets, env: { SECRETS_RELOAD_SECONDS: '1' } });
    looper = await newOperator(local, { roles: ['ops_approver'] });
    // A second enrolled operator (two TOTP secrets to move), who signs in after the data-key rotation.
    after = await newOperator(local, { roles: ['ops_approver'] });
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      desks.push({ port, proc: spawnDesk(['src/main/start.ts'], { ...env, PORT: String(port) }) });
    }
    await Promise.all(desks.map((d) => waitForReady(`http://127.0.0.1:${d.port}/ready`, d.proc)));
  }, 90_000);

  afterAll(async () => {
    for (const d of desks) d.proc.child.kill('SIGTERM');
    await Promise.all(desks.map((d) => d.proc.exited));
    await local?.close();
    await database?.drop();
    await fs.rm(dir, { recursive: true, force: true });
    await botApi?.close();
  });

  const url = (i: number, p: string) => `http://127.0.0.1:${desks[i % 2]!.port}${p}`;
  const me = (i: number, token: string) =>
    fetch(url(i, '/api/me'), { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  const login = async (i: number, op: TestOperator) => {
    const r = await fetch(url(i, '/api/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: op.email, password: op.password, totp: op.totp() }),
    });
    expect(r.status, await r.clone().text()).toBe(200);
    return ((await r.json()) as { token: string }).token;
  };
  const refresh = async (i: number, token: string) => {
    const r = await fetch(url(i, '/api/auth/refresh'), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(200);
    return ((await r.json()) as { token: string }).token;
  };
  const desk = async (...args: string[]) => {
    const r = await runDeskCommand(args, env);
    expect(r.code, r.output).toBe(0);
    return r.output;
  };
  const kid = (token: string) => decodeProtectedHeader(token).kid;

  it('rotates jwt, audit-key and data-key with zero failed requests', async () => {
    const before = await login(0, looper);
    expect(kid(before)).toBe('k1');

    // The loop: the old token on both desks, and a token refreshed on one desk used on the other.
    const failures: string[] = [];
    let requests = 0;
    let latest = before;
    let stop = false;
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        const refreshed = await fetch(url(i, '/api/auth/refresh'), {
          method: 'POST',
          headers: { authorization: `Bearer ${latest}` },
        });
        requests++;
        if (refreshed.status !== 200) failures.push(`refresh on desk ${i % 2}: ${refreshed.status}`);
        else latest = ((await refreshed.json()) as { token: string }).token;
        for (const [token, what] of [
          [before, 'old token'],
          [latest, `token signed with ${kid(latest)}`],
        ] as const) {
          const status = await me(i + 1, token);
          requests++;
          if (status !== 200) failures.push(`${what} on desk ${(i + 1) % 2}: ${status}`);
        }
      }
    })();

    const rotated = JSON.parse(await desk('secrets', 'rotate', 'jwt', '--json')) as { id: string };
    // A token from the new key, issued by one desk, verifies on the other at once (unknown kid: re-read).
    let fresh = before;
    await waitUntil(
      async () => kid((fresh = await refresh(1, before))) === rotated.id,
      'desk 1 never signed with the new key',
    );
    expect(await me(0, fresh)).toBe(200);
    await waitUntil(() => kid(latest) === rotated.id, 'the loop never got a token from the new key');

    // Too early to prune: the old key's tokens may still be alive.
    const early = await local.desk.services.secrets.prune({}, { actorType: 'cli', actorId: 'test' });
    expect(early.pruned.filter((k) => k.startsWith('jwt/'))).toEqual([]);
    expect(early.kept.join('\n')).toMatch(/jwt\/k1: tokens it signed may live until/);

    // audit-key: what was sealed so far is signed by the env key, what comes after by the new one.
    await sealAll(local.database.db, local.desk.services.audit);
    const envAuditKey = await local.desk.services.audit.currentKeyId();
    const auditKey = JSON.parse(await desk('secrets', 'rotate', 'audit-key', '--json')) as { id: string };
    await local.desk.services.keyring.refresh();
    expect(await local.desk.services.audit.currentKeyId()).toBe(auditKey.id);
    expect(auditKey.id).not.toBe(envAuditKey);

    // data-key: every TOTP secret re-sealed under the new key while the loop runs; logins still work.
    const dataKey = JSON.parse(await desk('secrets', 'rotate', 'data-key', '--json')) as {
      id: string;
      reencrypted: number;
    };
    expect(dataKey.reencrypted).toBe(2);
    const rows = await database.db
      .selectFrom('operators')
      .select('mfa_secret_enc')
      .where('mfa_secret_enc', 'is not', null)
      .execute();
    expect(rows.map((r) => r.mfa_secret_enc?.split('.').slice(0, 2).join('.'))).toEqual([
      `v2.${dataKey.id}`,
      `v2.${dataKey.id}`,
    ]);
    expect(await me(0, await login(0, after))).toBe(200);

    stop = true;
    await loop;
    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(10);
    expect(await me(0, before)).toBe(200);
    expect(await me(1, before)).toBe(200);
    expect(decodeJwt(before).sub).toBe(looper.id);

    // The whole trail, across both audit keys, verifies from the export alone.
    await sealAll(local.database.db, local.desk.services.audit);
    const file = path.join(dir, 'trail.jsonl');
    await desk('audit', 'export', '--out', file);
    const verified = await desk('audit', 'verify', file, '--key-id', envAuditKey, auditKey.id);
    expect(verified).toMatch(/^OK .* intact/m);
    expect(verified).toMatch(new RegExp(`signed by key .*${envAuditKey}`));
    expect(verified).toMatch(new RegExp(`signed by key .*${auditKey.id}`));

    // Every rotation is in the trail.
    const rotations = await database.db
      .selectFrom('audit_events')
      .select(['action', 'entity_id', 'actor_type'])
      .where('action', 'like', 'secrets.%')
      .orderBy('id')
      .execute();
    expect(rotations.map((r) => `${r.actor_type} ${r.action} ${r.entity_id}`)).toEqual([
      `cli secrets.rotated jwt/${rotated.id}`,
      `cli secrets.rotated audit/${auditKey.id}`,
      `cli secrets.rotated data/${dataKey.id}`,
      `cli secrets.data_reencrypted data/${dataKey.id}`,
    ]);

    const status = JSON.parse(await desk('secrets', 'status', '--json')) as {
      purpose: string;
      id: string;
      state: string;
    }[];
    expect(status.filter((k) => k.state === 'current').map((k) => `${k.purpose}/${k.id}`)).toEqual([
      `jwt/${rotated.id}`,
      `audit/${auditKey.id}`,
      `data/${dataKey.id}`,
      'telegram/env',
    ]);

    // prune --force drops the old JWT key: tokens it signed stop working on both desks.
    const forced = JSON.parse(await desk('secrets', 'prune', '--force', '--json')) as { pruned: string[] };
    expect(forced.pruned).toEqual(expect.arrayContaining(['jwt/k1', 'data/env']));
    await waitUntil(
      async () => (await me(0, before)) === 401 && (await me(1, before)) === 401,
      'k1 still verifies',
    );
    expect(await me(1, fresh)).toBe(200);
  }, 120_000);

  it('rotates telegram: both desks take every update Telegram sends across the switch, and answer it', async () => {
    // Telegram: each update to the desks in turn, signed with the secret registered last.
    const registered = () =>
      String(botApi.calls.filter((c) => c.ok && c.method === 'setWebhook').at(-1)?.body.secret_token);
    const failures: string[] = [];
    let sent = 0;
    let stop = false;
    const telegram = (async () => {
      for (let i = 0; !stop && i < 2_000; i++) {
        const r = await fetch(url(i, '/telegram/webhook'), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': registered() },
          body: JSON.stringify(textUpdate(100 + i, 50_000 + i, '/start')),
        });
        sent++;
        if (r.status !== 200) failures.push(`update ${100 + i} on desk ${i % 2}: ${r.status}`);
      }
    })();
    await waitUntil(() => sent > 4, 'no update reached the desks');

    const tokenFile = path.join(dir, 'new-bot-token');
    await fs.writeFile(tokenFile, `${NEW_BOT_TOKEN}\n`, { mode: 0o600 });
    botApi.issue(NEW_BOT_TOKEN);
    const rotated = JSON.parse(
      await desk('secrets', 'rotate', 'telegram', '--token-file', tokenFile, '--json'),
    ) as {
      id: string;
      webhook: string;
    };
    botApi.revoke(OLD_BOT_TOKEN); // BotFather's /revoke
    expect(rotated.webhook).toBe('registered');
    // Updates Telegram had in flight, signed with the old secret, reach both desks after the switch.
    for (const i of [0, 1]) {
      const r = await fetch(url(i, '/telegram/webhook'), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-telegram-bot-api-secret-token': env.TELEGRAM_WEBHOOK_SECRET!,
        },
        body: JSON.stringify(textUpdate(90 + i, 40_000 + i, '/start')),
      });
      sent++;
      if (r.status !== 200) failures.push(`in-flight update ${90 + i} on desk ${i}: ${r.status}`);
    }
    const answeredWithNew = (desk: number) =>
      botApi.calls.some(
        (c) =>
          c.ok &&
          c.method === 'sendMessage' &&
          c.token === NEW_BOT_TOKEN &&
          Number(c.body.chat_id) >= 50_000 &&
          (Number(c.body.chat_id) - 50_000) % 2 === desk,
      );
    await waitUntil(
      () => answeredWithNew(0) && answeredWithNew(1),
      'a desk never answered with the new token',
    );
    const upTo = sent;
    await waitUntil(() => sent > upTo + 4, 'no update after the switch');
    stop = true;
    await telegram;

    expect(failures).toEqual([]);
    // Every update answered exactly once: none lost, none twice.
    const answered = botApi.calls
      .filter((c) => c.ok && c.method === 'sendMessage')
      .map((c) => Number(c.body.chat_id));
    expect(new Set(answered).size).toBe(sent);
    expect(answered).toHaveLength(sent);
    const rotations = await database.db
      .selectFrom('audit_events')
      .select(['actor_type', 'entity_id'])
      .where('action', '=', 'secrets.rotated')
      .where('entity_id', 'like', 'telegram/%')
      .execute();
    expect(rotations).toEqual([{ actor_type: 'cli', entity_id: `telegram/${rotated.id}` }]);
  }, 90_000);
});
