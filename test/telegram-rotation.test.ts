import { afterEach, describe, expect, it } from 'vitest';
import { rotateTelegram } from '../src/cli/secrets.telegram.js';
import { fixedClock } from '../src/shared/clock.js';
import { auditTrail } from './support/audit.js';
import { FakeBotApi, textUpdate } from './support/bot-api.js';
import { buildTestServer, type TestServer } from './support/server.js';
import { waitUntil } from './support/process.js';

const OLD_TOKEN = '123456:OLD-token-abcdefghijklmnopqrstuvwxyz';
const NEW_TOKEN = '123456:NEW-token-abcdefghijklmnopqrstuvwxyz';
const OLD_SECRET = 'old-webhook-secret-0123456789abcdef';
const by = { actorType: 'cli' as const, actorId: 'platform@test', requestId: null, ip: null };

/**
 * `desk secrets rotate telegram` against a running desk (the Bot API over loopback HTTP, tokens revoked
 * as BotFather revokes them): the desk switches to the new token without a restart, the old webhook
 * secret keeps working for the grace and not after, and no update Telegram holds for the bot is lost.
 */
describe('rotating the Telegram bot token', () => {
  let api: FakeBotApi;
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.desk.telegram?.stop();
    await server?.close();
    await api.close();
  });

  async function desk(env: Record<string, string>, clock = fixedClock(new Date())) {
    api = new FakeBotApi([OLD_TOKEN]);
    const root = await api.listen();
    server = await buildTestServer({
      clock,
      env: { TELEGRAM_BOT_TOKEN: OLD_TOKEN, TELEGRAM_API_ROOT: root, SECRETS_RELOAD_SECONDS: '60', ...env },
    });
    await server.desk.telegram?.start();
    return { server, clock };
  }
  const webhook = (s: TestServer, secret: string, updateId: number) =>
    s.app.inject({
      method: 'POST',
      url: '/telegram/webhook',
      headers: { 'x-telegram-bot-api-secret-token': secret },
      payload: textUpdate(updateId, 777, '/start'),
    });
  const repliesTo = (chat: number) =>
    api.calls.filter((c) => c.ok && c.method === 'sendMessage' && c.body.chat_id === chat);

  it('webhook: re-registered with a new secret, the old one accepted for the grace only, calls go out with the new token', async () => {
    const { server: s, clock } = await desk({
      TELEGRAM_MODE: 'webhook',
      TELEGRAM_WEBHOOK_SECRET: OLD_SECRET,
      PUBLIC_URL: 'https://desk.example.com',
    });
    expect(api.calls.find((c) => c.method === 'setWebhook')?.body.secret_token).toBe(OLD_SECRET);

    api.issue(NEW_TOKEN);
    const r = await rotateTelegram(s, NEW_TOKEN, by);
    api.revoke(OLD_TOKEN); // BotFather's /revoke: the old token stops at once
    expect(r).toMatchObject({
      purpose: 'telegram',
      bot: 'desk_test_bot',
      webhook: 'registered',
      retired: ['env'],
    });
    const registered = api.calls.filter((c) => c.ok && c.method === 'setWebhook').at(-1);
    expect(registered?.token).toBe(NEW_TOKEN);
    const newSecret = String(registered?.body.secret_token);
    expect(newSecret).not.toBe(OLD_SECRET);
    expect(registered?.body.url).toBe('https://desk.example.com/telegram/webhook');

    // An update Telegram sent just before the switch (old secret) and one after (new secret): both
    // handled, and the bot answers with the new token (the old one is refused once, then re-read).
    expect((await webhook(s, OLD_SECRET, 1)).statusCode).toBe(200);
    expect((await webhook(s, newSecret, 2)).statusCode).toBe(200);
    expect(repliesTo(777)).toHaveLength(2);
    expect(repliesTo(777).every((c) => c.token === NEW_TOKEN)).toBe(true);
    expect((await webhook(s, 'a-secret-nobody-was-ever-given-123', 3)).statusCode).toBe(401);

    // Within the grace `prune` keeps the old key; past it the old secret is refused and prune drops it.
    expect((await s.desk.services.secrets.prune({}, by)).kept).toEqual([
      expect.stringMatching(/^telegram\/env: its webhook secret is accepted until /),
    ]);
    clock.advance(11 * 60_000);
    expect((await s.desk.services.secrets.prune({}, by)).pruned).toEqual(['telegram/env']);
    expect((await webhook(s, OLD_SECRET, 4)).statusCode).toBe(401);
    expect((await webhook(s, newSecret, 5)).statusCode).toBe(200);

    // Audited with the bot's name, never the token or the secret.
    const [event] = await auditTrail(s.database.db, { action: 'secrets.rotated' });
    expect(event?.data).toMatchObject({
      purpose: 'telegram',
      keyId: r.id,
      previous: ['env'],
      bot: 'desk_test_bot',
    });
    const written = JSON.stringify(event);
    expect(written).not.toContain(NEW_TOKEN.split(':')[1]);
    expect(written).not.toContain(newSecret);

    const status = await s.desk.services.secrets.status();
    const telegramKeys = status.filter((k) => k.purpose === 'telegram').map((k) => [k.id, k.state]);
    expect(telegramKeys.sort()).toEqual([
      ['env', 'pruned'],
      [r.id, 'current'],
    ]);
  });

  it('polling: updates that arrive after the old token is revoked are still fetched and answered', async () => {
    const { server: s } = await desk({ TELEGRAM_MODE: 'polling' });
    api.queue(textUpdate(10, 901, '/start'));
    await waitUntil(() => repliesTo(901).length === 1, 'the first update was not answered', 20_000);

    api.issue(NEW_TOKEN);
    await rotateTelegram(s, NEW_TOKEN, by);
    api.revoke(OLD_TOKEN);
    api.queue(textUpdate(11, 902, '/start'));
    await waitUntil(() => repliesTo(902).length === 1, 'the update after the rotation was lost', 20_000);
    expect(repliesTo(902)[0]?.token).toBe(NEW_TOKEN);
    expect(s.desk.telegram?.polling()?.isRunning()).toBe(true);
    // Each update answered once: nothing fetched twice across the switch.
    expect(repliesTo(901)).toHaveLength(1);
  });

  it('refuses a token of another bot, one Telegram refuses, and the one in use, changing nothing', async () => {
    const { server: s } = await desk({ TELEGRAM_MODE: 'polling' });
    await expect(rotateTelegram(s, '999999:OTHER-bot-abcdefghijklmnopqrstuvwxyz', by)).rejects.toThrow(
      /another bot/,
    );
    await expect(rotateTelegram(s, NEW_TOKEN, by)).rejects.toThrow(/Telegram refuses the new token/); // not issued
    await expect(rotateTelegram(s, OLD_TOKEN, by)).rejects.toThrow(/in use already/);
    expect(await auditTrail(s.database.db, { action: 'secrets.rotated' })).toEqual([]);
    expect((await s.desk.services.keyring.telegram()).current).toBeNull();
  });
});
