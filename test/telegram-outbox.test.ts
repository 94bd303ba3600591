import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../src/shared/clock.js';
import type { Db } from '../src/shared/db.js';
import { DELIVER_TASK } from '../src/telegram/telegram.jobs.js';
import { fileFlagRequest, person } from './support/approvals.js';
import { createTestDatabase } from './support/db.js';
import { buildTestServer, type TestServer } from './support/server.js';
import {
  BOT_INFO,
  buildTelegramServer,
  fakeTimer,
  OPS_CHAT_ID,
  PUBLIC_URL,
  RecordingTelegram,
  TEST_BOT_TOKEN,
} from './support/telegram.js';

const outbox = async (db: Db) =>
  (
    await sql<{
      id: string;
      recipient_type: string;
      status: string;
      attempts: number;
      next_attempt_at: Date;
    }>`select id, recipient_type, status, attempts, next_attempt_at from notifications order by id`.execute(
      db,
    )
  ).rows;
const jobs = async (db: Db, key: string) =>
  (
    await sql<{
      task_identifier: string;
      run_at: Date;
    }>`select task_identifier, run_at from graphile_worker.jobs where key = ${key}`.execute(db)
  ).rows;
const delivery = async (t: TestServer) =>
  (await t.app.inject({ method: 'GET', url: '/ready' })).json<{
    checks: { notifications: { detail: { delivery: string; queued: number } } };
  }>().checks.notifications.detail;

/** The worker task itself, as graphile-worker runs it (it uses no helper). */
async function runDeliverTask(t: TestServer): Promise<void> {
  const task = t.desk.jobs.map((j) => j.tasks[DELIVER_TASK.name]).find((x) => x !== undefined);
  if (!task) throw new Error('no telegram_deliver task');
  await task({}, {} as never);
}

describe('TELEGRAM_MODE=off with a token: send-only', () => {
  it('receives no updates (no polling, no webhook) but delivers the outbox', async () => {
    const t = await buildTelegramServer({ env: { TELEGRAM_MODE: 'off' } });
    try {
      const runtime = t.desk.telegram;
      expect(runtime?.mode).toBe('send-only');
      expect(t.desk.telegramOff).toBeNull();
      await runtime?.start();
      await runtime?.stop();
      expect(t.tg.calls.map((c) => c.method)).toEqual([]); // no getUpdates, no deleteWebhook, no setWebhook
      expect((await t.app.inject({ method: 'POST', url: '/telegram/webhook', payload: {} })).statusCode).toBe(
        404,
      );

      const requester = await person(t, ['risk_officer']);
      await fileFlagRequest(t, requester);
      expect(await jobs(t.database.db, DELIVER_TASK.name)).toHaveLength(1); // writing the notice woke the deliverer
      expect(await delivery(t)).toMatchObject({
        delivery: 'telegram (send-only: TELEGRAM_MODE is off, no updates received)',
      });
      await t.deliver();
      expect(t.tg.lastTo(OPS_CHAT_ID).text).toMatch(/New request awaiting approval/);
      expect((await outbox(t.database.db)).find((r) => r.recipient_type === 'ops_chat')).toMatchObject({
        status: 'sent',
        attempts: 1,
      });
    } finally {
      await t.close();
    }
  });
});

describe('never lost', () => {
  it('rows queued while there was no token are delivered once a desk with a token runs on the database; a 429 schedules the retry job', async () => {
    const database = await createTestDatabase();
    try {
      const off = await buildTestServer({ database });
      try {
        expect(off.desk.telegram).toBeNull();
        await fileFlagRequest(off, await person(off, ['risk_officer']));
        expect(await jobs(database.db, DELIVER_TASK.name)).toHaveLength(0);
      } finally {
        await off.close();
      }
      expect(
        (await outbox(database.db)).filter((r) => r.recipient_type === 'ops_chat').map((r) => r.status),
      ).toEqual(['queued']);

      // The token is configured and the desk restarted: Telegram first answers 429 for the ops chat.
      const clock = fixedClock(new Date(Date.now() + 3_600_000));
      const tg = new RecordingTelegram();
      tg.fail(
        'sendMessage',
        { error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } },
        { chatId: OPS_CHAT_ID },
      );
      const on = await buildTestServer({
        database,
        clock,
        env: { TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN, TELEGRAM_OPS_CHAT_ID: String(OPS_CHAT_ID), PUBLIC_URL },
        telegram: { botInfo: BOT_INFO, configureApi: tg.install, timer: fakeTimer(clock) },
      });
      try {
        await runDeliverTask(on);
        const ops = (await outbox(database.db)).find((r) => r.recipient_type === 'ops_chat');
        expect(ops).toMatchObject({ status: 'queued', attempts: 0 });
        expect(ops?.next_attempt_at.getTime()).toBe(clock.now().getTime() + 7000);
        const retry = await jobs(database.db, `${DELIVER_TASK.name}_retry`);
        expect(retry).toHaveLength(1);
        expect(retry[0]).toMatchObject({ task_identifier: DELIVER_TASK.name });
        expect(retry[0]?.run_at.getTime()).toBe(ops?.next_attempt_at.getTime());

        clock.advance(7000);
        await runDeliverTask(on);
        expect(tg.of('sendMessage', OPS_CHAT_ID)).toHaveLength(2); // the refused try, then the message
        expect(String(tg.lastTo(OPS_CHAT_ID).text)).toMatch(/New request awaiting approval/);
        expect((await outbox(database.db)).find((r) => r.recipient_type === 'ops_chat')).toMatchObject({
          status: 'sent',
          attempts: 1,
        });
      } finally {
        await on.close();
      }
    } finally {
      await database.drop();
    }
  });
});
