import fs from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { freePort, spawnDesk, waitForReady } from './support/process.js';
import { TEST_BOT_TOKEN } from './support/telegram.js';

interface Emulator {
  config: { apiURL: string };
  storage: { botMessages: { message: { text: string; chat_id: number | string } }[] };
  start(): Promise<void>;
  stop(): Promise<boolean>;
  getClient(
    token: string,
    options: { userId: number; chatId: number; type: 'private' },
  ): { makeCommand(text: string): unknown; sendCommand(message: unknown): Promise<unknown> };
}
const TelegramServer = createRequire(import.meta.url)('telegram-test-api') as new (config: {
  port: number;
  host: string;
}) => Emulator;

/** `npm start` with and without a bot, as a real process (DATABASE_URL, so no embedded PostgreSQL). */
describe('the desk process and its bot', () => {
  let database: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'desk-tg-'));
  });
  afterAll(async () => {
    await database.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>) => {
    const port = await freePort();
    return {
      port,
      desk: spawnDesk(['src/main/start.ts'], {
        DATABASE_URL: database.url,
        DESK_DATA_DIR: dataDir,
        PORT: String(port),
        ...env,
      }),
    };
  };

  it('without a token: serves, and says once that the bot is off and notifications stay queued', async () => {
    const { port, desk } = await start({});
    try {
      await waitForReady(`http://127.0.0.1:${port}/ready`, desk);
      await vi.waitFor(
        () =>
          expect(desk.output()).toMatch(
            /Telegram bot is off \(TELEGRAM_BOT_TOKEN is not set\): notifications stay queued/,
          ),
        { timeout: 10_000 },
      );
    } finally {
      desk.child.kill('SIGTERM');
      expect(await desk.exited).toBe(0);
    }
  });

  it('a token Telegram refuses stops the start with one sentence saying so', async () => {
    const fake = http.createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
    });
    const apiPort = await freePort();
    await new Promise<void>((resolve) => fake.listen(apiPort, '127.0.0.1', resolve));
    try {
      const { desk } = await start({
        TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN,
        TELEGRAM_API_ROOT: `http://127.0.0.1:${apiPort}`,
      });
      expect(await desk.exited).toBe(1);
      expect(desk.output()).toMatch(/Telegram refused TELEGRAM_BOT_TOKEN \(Unauthorized\)/);
      expect(desk.output()).not.toContain(TEST_BOT_TOKEN.split(':')[1]);
    } finally {
      await new Promise((resolve) => fake.close(resolve));
    }
  });

  it('polling mode: npm start long-polls the Bot API (the telegram-test-api emulator) and answers', async () => {
    const emulator = new TelegramServer({ port: await freePort(), host: '127.0.0.1' });
    await emulator.start();
    const { port, desk } = await start({
      TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN,
      TELEGRAM_MODE: 'polling',
      TELEGRAM_API_ROOT: emulator.config.apiURL,
    });
    try {
      await waitForReady(`http://127.0.0.1:${port}/ready`, desk);
      await vi.waitFor(() => expect(desk.output()).toMatch(/telegram bot: long polling/), {
        timeout: 10_000,
      });
      const client = emulator.getClient(TEST_BOT_TOKEN, { userId: 777, chatId: 777, type: 'private' });
      await client.sendCommand(client.makeCommand('/start'));
      await vi.waitFor(
        () =>
          expect(emulator.storage.botMessages.map((m) => m.message.text).join('\n')).toMatch(
            /Welcome to the desk/,
          ),
        { timeout: 15_000, interval: 100 },
      );
    } finally {
      desk.child.kill('SIGTERM');
      expect(await desk.exited).toBe(0);
      await emulator.stop();
    }
  });
});
