import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../test/support/alerts.js';
import { person, type Person } from '../../test/support/approvals.js';
import {
  assertTelegramHtml,
  buildTelegramServer,
  linkTelegram,
  OPS_CHAT_ID,
  PUBLIC_URL,
  RecordingTelegram,
  type TelegramTestServer,
} from '../../test/support/telegram.js';
import { fixedClock } from '../shared/clock.js';

/** Alert notices through the real grammY bot, its outgoing Bot API calls recorded. */
describe('alert notices in Telegram', () => {
  const clock = fixedClock(new Date('2026-03-02T09:00:00Z'));
  let t: TelegramTestServer;
  let admin: Person;
  const ADMIN_TG = { id: 424242, first_name: 'Pat' };
  let firingIds: Map<string, number>;

  beforeAll(async () => {
    t = await buildTelegramServer({
      clock,
      env: {
        ALERT_WORKER_DOWN_THRESHOLD: '60',
        ALERT_WORKER_DOWN_FOR: '60',
        ALERTS_REPEAT_MINUTES: '30',
      },
    });
    await t.desk.prepare();
    admin = await person(t, ['platform_admin']);
    await linkTelegram(t, admin.id, ADMIN_TG);
    await t.desk.services.alerts.service.heartbeat('w1');
    t.tg.clear();
  });
  afterAll(() => t.close());

  const cycles = async (n: number, ms: number) => {
    for (let i = 0; i < n; i++) {
      clock.advance(ms);
      await evaluate(t);
    }
  };

  it('firing: what fired, value and threshold, since when, severity, owner, the runbook link and "Open in console"', async () => {
    await cycles(10, 15_000); // no heartbeat for 150 s: past 60 s, held for 60 s
    await t.deliver();
    const sent = [OPS_CHAT_ID, ADMIN_TG.id].map((chat) => t.tg.lastTo(chat));
    firingIds = new Map();
    for (const [i, chat] of [OPS_CHAT_ID, ADMIN_TG.id].entries()) {
      const m = sent[i] as Record<string, unknown>;
      const text = String(m.text);
      assertTelegramHtml(text);
      expect(text).toContain('🔴 <b>FIRING · critical</b> <code>worker_down</code>');
      expect(text).toContain('No worker has reported in');
      expect(text).toMatch(/Value: <b>\d+ seconds<\/b> \(threshold &gt; 60\)/);
      expect(text).toMatch(/Since: 2026-03-02 09:0\d UTC \(held 1m\)/);
      expect(text).toContain('Owner: platform_admin');
      expect(text).toContain(
        `Runbook: <a href="${PUBLIC_URL}/alerts/worker_down/runbook">docs/runbooks/worker_down.md</a>`,
      );
      expect(RecordingTelegram.buttons(m)).toEqual([
        { text: 'Open in console', url: `${PUBLIC_URL}/alerts` },
      ]);
      expect(t.tg.of('sendMessage', chat)).toHaveLength(1);
    }
    // The message ids Telegram answered with, as the bot recorded them.
    const recorded = await t.database.db
      .selectFrom('telegram_messages')
      .select(['chat_id', 'message_id'])
      .where('template', '=', 'alert.firing')
      .execute();
    firingIds = new Map(recorded.map((r) => [r.chat_id, Number(r.message_id)]));
    expect(firingIds.size).toBe(2);
  });

  it('a reminder every ALERTS_REPEAT_MINUTES while it fires, in the same thread', async () => {
    t.tg.clear();
    await cycles(1, 29 * 60_000);
    await t.deliver();
    expect(t.tg.of('sendMessage')).toEqual([]);
    await cycles(1, 60_000);
    await t.deliver();
    const repeat = t.tg.lastTo(OPS_CHAT_ID);
    expect(String(repeat.text)).toContain('🔁 <b>STILL FIRING · critical</b> <code>worker_down</code>');
    expect(repeat.reply_parameters).toEqual({
      message_id: firingIds.get(String(OPS_CHAT_ID)),
      allow_sending_without_reply: true,
    });
    expect(t.tg.of('sendMessage')).toHaveLength(2); // the ops chat and the owner, once each
  });

  it('resolved: a reply to the firing message in each chat', async () => {
    t.tg.clear();
    await t.desk.services.alerts.service.heartbeat('w1');
    await cycles(1, 15_000);
    await t.deliver();
    for (const chat of [OPS_CHAT_ID, ADMIN_TG.id]) {
      const m = t.tg.lastTo(chat);
      assertTelegramHtml(String(m.text));
      expect(String(m.text)).toContain('✅ <b>RESOLVED</b> <code>worker_down</code>');
      expect(m.reply_parameters).toEqual({
        message_id: firingIds.get(String(chat)),
        allow_sending_without_reply: true,
      });
    }
    expect(t.tg.of('sendMessage')).toHaveLength(2);
  });
});
