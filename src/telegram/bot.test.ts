import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestServer } from '../../test/support/server.js';
import {
  BOT_INFO,
  buildTelegramServer,
  PUBLIC_URL,
  RecordingTelegram,
  TEST_BOT_TOKEN,
  updates,
  type TelegramTestServer,
} from '../../test/support/telegram.js';
import { fixedClock } from '../shared/clock.js';
import { AppError } from '../shared/errors.js';
import { alertText, plainWords } from './errors.js';

const alice = { id: 7001, first_name: 'Alice' };

describe('the bot (polling mode, updates fed with handleUpdate)', () => {
  let t: TelegramTestServer;
  beforeAll(async () => {
    t = await buildTelegramServer();
  });
  afterAll(() => t.close());

  it('answers /help in a private chat', async () => {
    await t.send(updates.text(alice, '/help'));
    expect(t.tg.lastTo(alice.id).text).toMatch(/\/start — open an account/);
    expect(t.tg.lastTo(alice.id).parse_mode).toBe('HTML');
  });

  it('a reply that meets a 429 waits its retry_after and is sent; the outbox deliverer does not wait', async () => {
    t.tg.clear();
    t.tg.fail(
      'sendMessage',
      { error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } },
      { chatId: alice.id },
    );
    await t.send(updates.text(alice, '/help'));
    const tries = t.tg.of('sendMessage', alice.id);
    expect(tries).toHaveLength(2); // refused, then sent
    expect(tries[1]?.text).toBe(tries[0]?.text);

    // The deliverer's calls go through bot.api, without the retry: a 429 there reschedules the row instead.
    t.tg.clear();
    t.tg.fail('sendMessage', {
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      parameters: { retry_after: 1 },
    });
    await expect(t.desk.telegram?.bot.api.sendMessage(alice.id, 'x')).rejects.toMatchObject({
      error_code: 429,
    });
    expect(t.tg.of('sendMessage')).toHaveLength(1);
  });

  it('processes an update once, however often it arrives', async () => {
    t.tg.clear();
    const u = updates.text(alice, '/help');
    await t.send(u);
    await t.send(u);
    await t.send(structuredClone(u));
    expect(t.tg.of('sendMessage', alice.id)).toHaveLength(1);
    const seen = await t.database.db
      .selectFrom('telegram_updates')
      .select('update_id')
      .where('update_id', '=', String(u.update_id))
      .execute();
    expect(seen).toHaveLength(1);
  });

  it('rate-limits a flooding user: told once, then ignored for the minute', async () => {
    const flooder = { id: 7002, first_name: 'Flood' };
    t.tg.clear();
    for (let i = 0; i < 35; i++) await t.send(updates.text(flooder, 'hello?'));
    const texts = t.tg.textsTo(flooder.id);
    expect(texts.filter((x) => /did not understand/.test(x))).toHaveLength(30);
    expect(texts.filter((x) => /Too many messages/.test(x))).toHaveLength(1);
    expect(texts).toHaveLength(31);
  });

  it('ignores a conversation in a group except to point linking to a private chat', async () => {
    t.tg.clear();
    await t.send(updates.text(alice, '/link ABCDEFGH', { id: -100777, type: 'supergroup' }));
    expect(t.tg.lastTo(-100777).text).toMatch(/private chat/);
    await t.send(updates.text(alice, 'random chatter', { id: -100777, type: 'supergroup' }));
    expect(t.tg.of('sendMessage', -100777)).toHaveLength(1);
  });
});

describe('errors in plain words', () => {
  it.each([
    [
      new AppError('SELF_APPROVAL', 'You filed this request, so you cannot decide it.'),
      /Not allowed<\/b>\nYou filed this request/,
    ],
    [
      new AppError('STEP_UP_REQUIRED', 'Confirm with a fresh code (POST /api/auth/step-up) to decide.'),
      /Code needed<\/b>\nConfirm with a fresh code to decide\./,
    ],
    [new AppError('ALREADY_DECIDED', 'This request is already approved.'), /Already decided/],
    [
      new AppError('EXPIRED', 'This request expired <soon>.'),
      /Expired<\/b>\nThis request expired &lt;soon&gt;\./,
    ],
    [new Error('connection reset: secret stuff'), /Something went wrong on our side/],
  ])('%s', (err, text) => {
    expect(plainWords(err)).toMatch(text);
    expect(plainWords(err)).not.toMatch(/secret stuff|\/api\//);
  });

  it('a button’s alert (no parse mode) shows the characters, not their HTML entities', () => {
    expect(
      alertText(plainWords(new AppError('VALIDATION_FAILED', 'Cannot grant “<b>*_[ & Co”: it is "active".'))),
    ).toBe('✏️ Not valid\nCannot grant “<b>*_[ & Co”: it is "active".');
    expect(alertText(plainWords(new AppError('VALIDATION_FAILED', 'x'.repeat(500))))).toHaveLength(200);
  });
});

describe('webhook mode', () => {
  const secret = 'whsec_0123456789abcdefABCDEF';
  let t: Awaited<ReturnType<typeof buildTestServer>>;
  const tg = new RecordingTelegram();
  beforeAll(async () => {
    t = await buildTestServer({
      env: {
        TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN,
        TELEGRAM_MODE: 'webhook',
        TELEGRAM_WEBHOOK_SECRET: secret,
        PUBLIC_URL,
      },
      telegram: { botInfo: BOT_INFO, configureApi: tg.install },
    });
  });
  afterAll(() => t.close());

  const post = (headers: Record<string, string>, payload: object) =>
    t.app.inject({ method: 'POST', url: '/telegram/webhook', headers, payload });

  it('registers the webhook with its secret on start', async () => {
    await t.desk.telegram?.start();
    expect(tg.of('setWebhook')).toEqual([
      {
        url: `${PUBLIC_URL}/telegram/webhook`,
        secret_token: secret,
        allowed_updates: ['message', 'callback_query'],
      },
    ]);
    await t.desk.telegram?.stop();
  });

  it('refuses calls without the secret header, or with a wrong one, with 401', async () => {
    const u = updates.text(alice, '/help');
    for (const headers of [
      {} as Record<string, string>,
      { 'x-telegram-bot-api-secret-token': 'wrong' },
      { 'x-telegram-bot-api-secret-token': `${secret}x` },
    ]) {
      const res = await post(headers, u);
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    expect(tg.of('sendMessage')).toHaveLength(0);
  });

  it('checks the secret before looking at the body', async () => {
    expect((await post({}, { nonsense: true })).statusCode).toBe(401);
    expect((await post({ 'x-telegram-bot-api-secret-token': secret }, { nonsense: true })).statusCode).toBe(
      400,
    );
  });

  it('a forged update naming its sender by a non-numeric id is ignored, not a 500', async () => {
    const u = updates.text(alice, '/help');
    const forged = { ...u, message: { ...u.message, from: { ...u.message?.from, id: 'x1; drop' } } };
    const res = await post({ 'x-telegram-bot-api-secret-token': secret }, forged);
    expect([res.statusCode, res.json()]).toEqual([200, { ok: true }]);
    const chat = { ...u, message: { ...u.message, chat: { id: 1e30, type: 'private' } } };
    expect((await post({ 'x-telegram-bot-api-secret-token': secret }, chat)).statusCode).toBe(200);
    expect(tg.of('sendMessage')).toHaveLength(0);
  });

  it('processes a genuine update, and a redelivered one only once', async () => {
    const u = updates.text(alice, '/help');
    const first = await post({ 'x-telegram-bot-api-secret-token': secret }, u);
    const again = await post({ 'x-telegram-bot-api-secret-token': secret }, u);
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect(tg.of('sendMessage', alice.id)).toHaveLength(1);
  });
});

describe('the per-user rate limit over time', () => {
  it('a flood of button presses is told once in an alert; a minute later the user is answered again', async () => {
    const clock = fixedClock(new Date(Date.now() + 3_600_000));
    const t = await buildTelegramServer({ clock });
    const presser = { id: 7003, first_name: 'Presser' };
    try {
      for (let i = 0; i < 35; i++) await t.send(updates.callback(presser, 'pg:0'));
      const alerts = t.tg
        .answers()
        .filter((a) => a.text === 'Too many messages: wait a minute, then try again.');
      expect(alerts).toEqual([expect.objectContaining({ show_alert: true })]);
      expect(t.tg.answers()).toHaveLength(31); // 30 answered presses, then the one alert; the rest ignored
      await t.send(updates.text(presser, '/help'));
      expect(t.tg.textsTo(presser.id).some((x) => /\/start — open an account/.test(x))).toBe(false);

      clock.advance(61_000); // a new window
      await t.send(updates.text(presser, '/help'));
      expect(t.tg.lastTo(presser.id).text).toMatch(/\/start — open an account/);
    } finally {
      await t.close();
    }
  });
});

describe('polling mode', () => {
  it('long-polls with @grammyjs/runner (not bot.start), handling updates it fetches', async () => {
    const t = await buildTelegramServer();
    const runtime = t.desk.telegram;
    try {
      await runtime?.start();
      expect(t.tg.of('deleteWebhook')).toHaveLength(1); // a webhook left by webhook mode would block polling
      const handle = runtime?.polling();
      expect(handle?.isRunning()).toBe(true);
      expect(runtime?.bot.isRunning()).toBe(false); // grammY's own single-threaded poller is not used
      t.tg.poll(updates.text(alice, '/help'));
      await vi.waitFor(() => expect(t.tg.of('sendMessage', alice.id)).toHaveLength(1));
      expect(t.tg.of('getUpdates')[0]).toMatchObject({ allowed_updates: ['message', 'callback_query'] });
    } finally {
      await runtime?.stop();
      await t.close();
    }
    expect(runtime?.polling()?.isRunning()).toBe(false);
  });
});

describe('without a token', () => {
  it('the bot is off, the desk serves, and /ready says notifications stay queued', async () => {
    const t = await buildTestServer();
    try {
      expect(t.desk.telegram).toBeNull();
      expect(t.desk.telegramOff).toBe('TELEGRAM_BOT_TOKEN is not set');
      await t.desk.services.notifications.enqueue(t.database.db, [
        { recipientType: 'ops_chat', template: 'approval.requested', data: {} },
      ]);
      const res = await t.app.inject({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(200);
      const check = res.json<{
        checks: {
          notifications: {
            ok: boolean;
            detail: { delivery: string; queued: number; queuedTooLong: boolean };
          };
        };
      }>().checks.notifications;
      expect(check).toMatchObject({ ok: true, detail: { queued: 1, queuedTooLong: false } });
      expect(check.detail.delivery).toMatch(/^off .*stay queued/);
      expect(t.desk.jobs.flatMap((j) => Object.keys(j.tasks))).not.toContain('telegram_deliver');
    } finally {
      await t.close();
    }
  });
});
