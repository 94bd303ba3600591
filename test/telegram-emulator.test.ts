import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestServer, type TestServer } from './support/server.js';
import { TEST_BOT_TOKEN } from './support/telegram.js';

/**
 * Smoke test over real HTTP in webhook mode, against the telegram-test-api emulator: the desk
 * registers its webhook with the emulator on start, the emulator POSTs a user's updates to it, and
 * the bot's answers go back to the emulator through grammY's own HTTP client.
 *
 * The emulator does not send the X-Telegram-Bot-Api-Secret-Token header that Telegram sends; the
 * small proxy below stands in for that part of Telegram (as a reverse proxy would sit in front of a
 * real desk), so the desk checks the secret exactly as in production.
 */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The part of telegram-test-api this test uses (its shipped types need `typegram`, which it does not install). */
interface EmulatedClient {
  makeCommand(text: string): unknown;
  makeMessage(text: string): unknown;
  makeCallbackQuery(
    data: string,
    options: { message: { message_id?: number; chat: { id: number; type: string } } },
  ): unknown;
  sendCommand(message: unknown): Promise<unknown>;
  sendMessage(message: unknown): Promise<unknown>;
  sendCallback(message: unknown): Promise<unknown>;
}
interface Emulator {
  config: { apiURL: string };
  storage: { botMessages: BotMessage[] };
  start(): Promise<void>;
  stop(): Promise<boolean>;
  getClient(
    token: string,
    options: {
      userId: number;
      chatId: number;
      firstName: string;
      userName: string;
      type: 'private';
      timeout: number;
      interval: number;
    },
  ): EmulatedClient;
}
const TelegramServer = createRequire(import.meta.url)('telegram-test-api') as new (config: {
  port: number;
  host: string;
}) => Emulator;

interface BotMessage {
  message: {
    text: string;
    chat_id: number | string;
    reply_markup?: { inline_keyboard?: { text: string; callback_data?: string }[][] };
  };
  messageId: number;
}

describe('webhook mode against the telegram-test-api emulator', () => {
  const secret = 'emulator-secret-0123456789';
  let emulator: Emulator;
  let desk: TestServer;
  let deskUrl = '';
  let proxy: http.Server;
  const userId = 4242;

  beforeAll(async () => {
    emulator = new TelegramServer({ port: await freePort(), host: '127.0.0.1' });
    await emulator.start();
    const proxyPort = await freePort();
    desk = await buildTestServer({
      env: {
        TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN,
        TELEGRAM_MODE: 'webhook',
        TELEGRAM_WEBHOOK_SECRET: secret,
        TELEGRAM_OPS_CHAT_ID: '-100999',
        PUBLIC_URL: `http://127.0.0.1:${proxyPort}`,
        TELEGRAM_API_ROOT: emulator.config.apiURL,
      },
    });
    deskUrl = await desk.app.listen({ host: '127.0.0.1', port: 0 });
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void fetch(`${deskUrl}${req.url ?? '/'}`, {
          method: req.method,
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
          body: Buffer.concat(chunks),
        })
          .then(async (r) => {
            res.writeHead(r.status, { 'content-type': 'application/json' });
            res.end(await r.text());
          })
          .catch(() => {
            res.writeHead(502);
            res.end();
          });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
    await desk.desk.telegram?.start(); // getMe and setWebhook, over HTTP, to the emulator
  });
  afterAll(async () => {
    await desk.desk.telegram?.stop();
    await new Promise((resolve) => proxy.close(resolve));
    await emulator.stop();
    await desk.close();
  });

  const client = () =>
    emulator.getClient(TEST_BOT_TOKEN, {
      userId,
      chatId: userId,
      firstName: 'Emu',
      userName: 'emu',
      type: 'private',
      timeout: 5000,
      interval: 50,
    });
  const botMessages = () =>
    emulator.storage.botMessages.filter((m) => String(m.message.chat_id) === String(userId));
  const lastText = () => botMessages().at(-1)?.message.text ?? '';
  /** The emulator answers the client before it has called the webhook: wait for the bot's reply. */
  const replyMatching = (re: RegExp) =>
    vi.waitFor(() => expect(lastText()).toMatch(re), { timeout: 10_000, interval: 50 });

  it('refuses a webhook call without the secret header (401), straight to the desk', async () => {
    const res = await fetch(`${deskUrl}/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ update_id: 1, message: { text: '/start' } }),
    });
    expect(res.status).toBe(401);
  });

  it('a client onboards through the emulator: commands, answers and a button press, over HTTP', async () => {
    const c = client();
    await c.sendCommand(c.makeCommand('/start'));
    await replyMatching(/Welcome to the desk/);
    for (const [answer, next] of [
      ['Emu Lator', /2\/4/],
      ['Emulated Ltd', /3\/4/],
      ['Iceland', /4\/4/],
    ] as const) {
      await c.sendMessage(c.makeMessage(answer));
      await replyMatching(next);
    }
    const q4 = botMessages().at(-1);
    expect(q4?.message.text).toMatch(/4\/4/);
    const button = q4?.message.reply_markup?.inline_keyboard?.[1]?.[0];
    expect(button?.text).toBe('100k–1M USDT');
    await c.sendCallback(
      c.makeCallbackQuery(button?.callback_data ?? '', {
        message: { message_id: q4?.messageId, chat: { id: userId, type: 'private' } },
      }),
    );
    await replyMatching(/Your application is filed/);
    const row = await desk.database.db
      .selectFrom('clients')
      .select(['status', 'name'])
      .where('telegram_user_id', '=', String(userId))
      .executeTakeFirst();
    expect(row).toEqual({ status: 'pending', name: 'Emu Lator' });
  });

  it('the worker delivers the outbox to the ops chat through the emulator', async () => {
    const tally = await desk.desk.telegram?.deliverer.drain();
    expect(tally).toMatchObject({ sent: 1 });
    const alert = emulator.storage.botMessages.find((m) => String(m.message.chat_id) === '-100999');
    expect(alert?.message.text).toMatch(
      /New request awaiting approval[\s\S]*Grant access to Emu Lator \(Emulated Ltd, Iceland/,
    );
  });
});
