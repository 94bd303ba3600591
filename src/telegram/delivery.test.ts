import type { JobHelpers, Task } from 'graphile-worker';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  call,
  fileFlagRequest,
  person,
  REASON,
  withdrawOpenTwin,
  type Person,
} from '../../test/support/approvals.js';
import { notificationsFor } from '../../test/support/notifications.js';
import {
  assertTelegramHtml,
  buildTelegramServer,
  linkTelegram,
  OPS_CHAT_ID,
  PUBLIC_URL,
  RecordingTelegram,
  updates,
  type TelegramTestServer,
} from '../../test/support/telegram.js';
import { fixedClock } from '../shared/clock.js';

/** The outbox drained to Telegram: recipients, retries, 429, permanent failures, edits, escaping. */
describe('notification delivery', () => {
  // Ahead of the database's own clock, so rows it stamps "now" are due at once for the deliverer.
  const clock = fixedClock(new Date(Date.now() + 3_600_000));
  let t: TelegramTestServer;
  let requester: Person; // risk officer
  let primary: Person; // risk officer, linked
  let secondary: Person; // platform admin, linked
  let unlinked: Person; // risk officer without Telegram
  const primaryTg = { id: 8101, first_name: 'Pat' };
  const secondaryTg = { id: 8102, first_name: 'Sam' };
  let flagOn = false;

  beforeAll(async () => {
    t = await buildTelegramServer({ clock });
    [requester, primary, secondary, unlinked] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
      person(t, ['platform_admin']),
      person(t, ['risk_officer']),
    ]);
    await linkTelegram(t, primary.id, primaryTg);
    await linkTelegram(t, secondary.id, secondaryTg);
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    // An earlier test's request still open would make the next identical filing a DUPLICATE_REQUEST:
    // withdraw it now, before the pace below, so its notices are not the next test's traffic.
    await withdrawOpenTwin(t, 'flag.set', { key: 'AUTO_SETTLEMENT', enabled: !flagOn });
    await settle();
    clock.advance(30_000); // every chat's turn has come again, and a fresh TOTP step for the logins
    for (const p of [requester, primary, secondary]) p.session = await p.op.login();
    await t.deliver(); // whatever earlier tests left
    t.tg.clear();
  });

  const status = (requestId: string) => notificationsFor(t, { requestId });

  /** Delivers until nothing is left, letting Telegram's per-chat pace (a group: one message in 3 s) pass. */
  const settle = async () => {
    for (let i = 0; i < 10; i++) {
      clock.advance(5000);
      await t.deliver();
    }
  };

  const fileFlag = async () => {
    const req = await fileFlagRequest(t, requester, !flagOn);
    return req;
  };
  const metric = async (result: string) => {
    const text = await t.desk.metrics.registry.getSingleMetricAsString('desk_telegram_deliveries_total');
    return Number(new RegExp(`result="${result}"} (\\d+)`).exec(text)?.[1] ?? 0);
  };

  it('a new request reaches the ops chat and linked eligible approvers, with an Open in console button', async () => {
    const req = await fileFlag();
    const tally = await t.deliver();
    expect(tally).toMatchObject({ sent: 3 }); // ops chat, primary, secondary

    const ops = t.tg.lastTo(OPS_CHAT_ID);
    expect(ops.text).toMatch(/New request awaiting approval/);
    expect(ops.text).toMatch(/Turn AUTO_SETTLEMENT (on|off)/);
    expect(ops.text).toContain('Kind: <code>flag.set</code>');
    expect(ops.text).toContain(`Requested by: ${requester.op.name}`);
    expect(ops.text).toMatch(/Expires: \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(RecordingTelegram.buttons(ops)).toEqual([
      { text: 'Open in console', url: `${PUBLIC_URL}/approvals/${req.id}` },
    ]);
    assertTelegramHtml(String(ops.text));
    expect(t.tg.textsTo(primaryTg.id)).toHaveLength(1);
    expect(t.tg.textsTo(secondaryTg.id)).toHaveLength(1);

    const rows = await status(req.id);
    expect(rows.find((r) => r.recipientId === unlinked.id)).toMatchObject({
      status: 'skipped',
      lastError: 'the operator has no linked Telegram account',
    });
    expect(rows.find((r) => r.recipientType === 'ops_chat')).toMatchObject({ status: 'sent', attempts: 1 });
    expect(rows.some((r) => r.recipientId === requester.id)).toBe(false);
  });

  it('honours a 429 retry_after: the row waits exactly that long, and the attempt is not counted', async () => {
    t.tg.fail(
      'sendMessage',
      { error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } },
      { chatId: OPS_CHAT_ID },
    );
    const before = await metric('rate_limited');
    const req = await fileFlag();
    const from = clock.now().getTime();
    await t.deliver();
    let ops = (await status(req.id)).find((r) => r.recipientType === 'ops_chat');
    expect(ops).toMatchObject({ status: 'queued', attempts: 0, lastError: '429: retry after 7 s' });
    expect(ops?.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(from + 7000);
    expect(ops?.nextAttemptAt.getTime()).toBeLessThanOrEqual(clock.now().getTime() + 7000);
    expect(await metric('rate_limited')).toBe(before + 1);

    await t.deliver(); // not yet due
    expect(t.tg.of('sendMessage', OPS_CHAT_ID)).toHaveLength(1); // the refused try only
    clock.advance(7000);
    await t.deliver();
    ops = (await status(req.id)).find((r) => r.recipientType === 'ops_chat');
    expect(ops).toMatchObject({ status: 'sent', attempts: 1 });
    expect(t.tg.of('sendMessage', OPS_CHAT_ID)).toHaveLength(2);
  });

  it('gives up at once on 403 (bot blocked) and 400 (chat not found), counting them', async () => {
    t.tg.fail(
      'sendMessage',
      { error_code: 403, description: 'Forbidden: bot was blocked by the user' },
      { chatId: primaryTg.id },
    );
    t.tg.fail(
      'sendMessage',
      { error_code: 400, description: 'Bad Request: chat not found' },
      { chatId: OPS_CHAT_ID },
    );
    const before = await metric('failed_permanent');
    const req = await fileFlag();
    await t.deliver();
    const rows = await status(req.id);
    expect(rows.find((r) => r.recipientId === primary.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'Forbidden: bot was blocked by the user',
    });
    expect(rows.find((r) => r.recipientType === 'ops_chat')).toMatchObject({
      status: 'failed',
      lastError: 'Bad Request: chat not found',
    });
    expect(await metric('failed_permanent')).toBe(before + 2);
    clock.advance(3_600_000);
    await t.deliver();
    expect(t.tg.of('sendMessage', primaryTg.id)).toHaveLength(1); // never tried again
  });

  it('a 400 about the "Open in console" button sends the message again once, without the button', async () => {
    t.tg.fail(
      'sendMessage',
      { error_code: 400, description: 'Bad Request: BUTTON_URL_INVALID' },
      { chatId: OPS_CHAT_ID },
    );
    const req = await fileFlag();
    await t.deliver();
    const tries = t.tg.of('sendMessage', OPS_CHAT_ID);
    expect(tries).toHaveLength(2);
    expect(RecordingTelegram.buttons(tries[0] ?? {})).toEqual([
      { text: 'Open in console', url: `${PUBLIC_URL}/approvals/${req.id}` },
    ]);
    expect(tries[1]?.reply_markup).toBeUndefined();
    expect(tries[1]?.text).toBe(tries[0]?.text);
    expect((await status(req.id)).find((r) => r.recipientType === 'ops_chat')).toMatchObject({
      status: 'sent',
      attempts: 1,
    });
    // Later edits of that message do not bring the refused button back.
    const kept = await t.database.db
      .selectFrom('telegram_messages')
      .select('url')
      .where('request_id', '=', req.id)
      .where('chat_id', '=', String(OPS_CHAT_ID))
      .executeTakeFirstOrThrow();
    expect(kept.url).toBeNull();
    expect((await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`)).status).toBe(200);
    await settle();
    const edit = t.tg.of('editMessageText', OPS_CHAT_ID).at(-1);
    expect(edit?.text).toMatch(/Cancelled by the requester$/);
    expect(edit?.reply_markup).toBeUndefined();
  });

  it('retries a server error with backoff, then gives up after the last attempt', async () => {
    t.tg.fail(
      'sendMessage',
      { error_code: 502, description: 'Bad Gateway' },
      { chatId: secondaryTg.id, times: 10 },
    );
    const req = await fileFlag();
    const row = async () => (await status(req.id)).find((r) => r.recipientId === secondary.id);
    const [gaveUp, permanent] = [await metric('gave_up'), await metric('failed_permanent')];
    const from = clock.now().getTime();
    await t.deliver();
    expect(await row()).toMatchObject({ status: 'queued', attempts: 1, lastError: 'Bad Gateway' });
    expect((await row())?.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(from + 5000);
    expect((await row())?.nextAttemptAt.getTime()).toBeLessThanOrEqual(clock.now().getTime() + 5000);
    for (let i = 0; i < 12; i++) {
      clock.advance(15 * 60_000);
      await t.deliver();
    }
    expect(await row()).toMatchObject({
      status: 'failed',
      attempts: 10,
      lastError: 'gave up after 10 attempts: Bad Gateway',
    });
    expect(t.tg.of('sendMessage', secondaryTg.id)).toHaveLength(10);
    expect([await metric('gave_up'), await metric('failed_permanent')]).toEqual([gaveUp + 1, permanent]);
  });

  it('edits earlier messages when the request is decided, instead of sending new ones', async () => {
    const req = await fileFlag();
    await t.deliver();
    const opsMessage = t.tg.lastTo(OPS_CHAT_ID);
    expect(
      (
        await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
          reason: REASON,
          secondaryApproverId: secondary.id,
        })
      ).status,
    ).toBe(200);
    t.tg.clear();
    await settle();
    // The co-sign prompt to the secondary, with its buttons; the ops chat message edited to say so.
    const prompt = t.tg.lastTo(secondaryTg.id);
    expect(prompt.text).toMatch(/Your co-sign is requested/);
    // What the secondary needs to decide: the primary's reason and the diff (AUTO_SETTLEMENT's flip).
    expect(prompt.text).toContain(`Approved by ${primary.op.name}: “${REASON}”`);
    expect(prompt.text).toContain(`• <b>enabled</b>: ${String(flagOn)} → ${String(!flagOn)}`);
    expect(prompt.text).toContain('Kind: <code>flag.set</code>');
    expect(RecordingTelegram.buttons(prompt).map((b) => b.text)).toEqual([
      '✅ Co-sign',
      '❌ Reject',
      'Open in console',
    ]);
    const opsEdit = t.tg.of('editMessageText', OPS_CHAT_ID);
    expect(opsEdit).toHaveLength(1);
    expect(opsEdit[0]?.text).toMatch(
      new RegExp(`Status:</b> ⏳ Approved by ${primary.op.name}; awaiting co-sign by ${secondary.op.name}`),
    );
    expect(t.tg.of('sendMessage', OPS_CHAT_ID)).toHaveLength(0);
    expect(opsMessage).toBeDefined();

    expect(
      (
        await call(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {
          reason: 'Checked and co-signed.',
        })
      ).status,
    ).toBe(200);
    flagOn = !flagOn;
    t.tg.clear();
    await settle();
    const edits = t.tg.of('editMessageText');
    const promptEdit = edits.find(
      (e) => String(e.chat_id) === String(secondaryTg.id) && /co-sign is requested/.test(String(e.text)),
    );
    expect(promptEdit?.text).toMatch(/Status:<\/b> ✅ Decided: approved and applied/);
    expect(RecordingTelegram.buttons(promptEdit ?? {})).toEqual([
      { text: 'Open in console', url: `${PUBLIC_URL}/approvals/${req.id}` },
    ]); // decision buttons gone
    expect(edits.find((e) => String(e.chat_id) === String(OPS_CHAT_ID))?.text).toMatch(/Decided: approved/);
    for (const e of edits) assertTelegramHtml(String(e.text));
  });

  it('a requester cancelling a request nobody touched gets no message about it, and the earlier ones are still edited', async () => {
    const requesterTg = { id: 8104, first_name: 'Rex' };
    await linkTelegram(t, requester.id, requesterTg);
    try {
      const req = await fileFlag();
      await settle();
      expect((await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`)).status).toBe(200);
      t.tg.clear();
      await settle();
      // Only the requester's own row announced the cancel: it sends nothing, yet brings the edits.
      expect(t.tg.of('sendMessage')).toEqual([]);
      expect((await status(req.id)).filter((r) => r.template === 'approval.cancelled')).toEqual([
        expect.objectContaining({
          recipientType: 'operator',
          recipientId: requester.id,
          status: 'skipped',
          lastError: 'the decider is not told of their own decision',
        }),
      ]);
      for (const chat of [OPS_CHAT_ID, primaryTg.id, secondaryTg.id]) {
        const edits = t.tg.of('editMessageText', chat);
        expect(edits, `edits in chat ${chat}`).toHaveLength(1);
        expect(edits[0]?.text).toMatch(
          /New request awaiting approval[\s\S]*Status:<\/b> 🚫 Cancelled by the requester$/,
        );
      }
    } finally {
      await t.send(updates.text(requesterTg, '/unlink'));
    }
  });

  it('a system request that expires before anyone acts has its alerts edited to say so, and nothing new is sent', async () => {
    const { request } = await t.desk.services.approvals.file(
      { kind: 'flag.set', payload: { key: 'AUTO_SETTLEMENT', enabled: !flagOn } },
      { type: 'system', id: null },
      { actorType: 'system' },
    );
    await settle();
    expect(t.tg.lastTo(OPS_CHAT_ID).text).toMatch(/New request awaiting approval/);
    // Past its TTL; the worker's expiry job finds it.
    await sql`update change_requests set expires_at = ${new Date(clock.now().getTime() - 1000)} where id = ${request.id}`.execute(
      t.database.db,
    );
    const expire = (Object.assign({}, ...t.desk.jobs.map((m) => m.tasks)) as Record<string, Task | undefined>)
      .approvals_expire;
    if (!expire) throw new Error('approvals_expire is not registered');
    await expire({}, {} as JobHelpers);
    t.tg.clear();
    await settle();
    expect(t.tg.of('sendMessage')).toEqual([]);
    // (The job also expires what earlier tests left open: only this request's messages are looked at.)
    for (const chat of [OPS_CHAT_ID, primaryTg.id, secondaryTg.id]) {
      const edits = t.tg
        .of('editMessageText', chat)
        .filter((e) =>
          RecordingTelegram.buttons(e).some((b) => b.url === `${PUBLIC_URL}/approvals/${request.id}`),
        );
      expect(edits, `edits in chat ${chat}`).toHaveLength(1);
      expect(edits[0]?.text).toMatch(
        /New request awaiting approval[\s\S]*Status:<\/b> ⌛ Expired without a decision$/,
      );
    }
    // Nobody was to be told (no requester, no approver involved): one row all the same, only for the edits.
    expect((await status(request.id)).filter((r) => r.template === 'approval.expired')).toEqual([
      expect.objectContaining({
        recipientType: 'ops_chat',
        recipientId: null,
        status: 'skipped',
        lastError: 'nobody to tell: only edits the earlier messages',
      }),
    ]);
  });

  it('a retried "awaiting co-sign" notice never edits a decided message back', async () => {
    const requesterTg = { id: 8103, first_name: 'Rae' };
    await linkTelegram(t, requester.id, requesterTg);
    try {
      const req = await fileFlag();
      await settle();
      // The requester's copy of the primary's approval fails once: it is retried after the co-sign.
      t.tg.fail(
        'sendMessage',
        { error_code: 502, description: 'Bad Gateway' },
        { chatId: requesterTg.id, times: 1 },
      );
      expect(
        (
          await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
            reason: REASON,
            secondaryApproverId: secondary.id,
          })
        ).status,
      ).toBe(200);
      clock.advance(5000);
      await t.deliver();
      expect(
        (await status(req.id)).find(
          (r) => r.recipientId === requester.id && r.template === 'approval.primary_approved',
        ),
      ).toMatchObject({ status: 'queued', lastError: 'Bad Gateway' });
      expect(
        (
          await call(t, secondary, 'POST', `/api/approvals/${req.id}/cosign`, {
            reason: 'Checked and co-signed.',
          })
        ).status,
      ).toBe(200);
      flagOn = !flagOn;
      await t.deliver(); // the decision goes out before the retry is due
      await settle();
      expect(
        (await status(req.id)).find(
          (r) => r.recipientId === requester.id && r.template === 'approval.primary_approved',
        ),
      ).toMatchObject({ status: 'sent', attempts: 2 });
      const opsEdits = t.tg
        .of('editMessageText', OPS_CHAT_ID)
        .map((e) => String(e.text).split('Status:</b> ')[1]);
      expect(opsEdits).toEqual([
        `⏳ Approved by ${primary.op.name}; awaiting co-sign by ${secondary.op.name}`,
        '✅ Decided: approved and applied',
      ]);
    } finally {
      await t.send(updates.text(requesterTg, '/unlink'));
    }
  });

  it('an edit refused with a 429 waits its retry_after; a 5xx is retried; "not modified" counts as done', async () => {
    const req = await fileFlag();
    await t.deliver();
    const edits = async () =>
      await t.database.db
        .selectFrom('telegram_messages')
        .select(['chat_id', 'edit_state', 'edit_next_at'])
        .where('request_id', '=', req.id)
        .orderBy('id')
        .execute();
    t.tg.fail(
      'editMessageText',
      { error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } },
      { chatId: OPS_CHAT_ID },
    );
    t.tg.fail('editMessageText', { error_code: 502, description: 'Bad Gateway' }, { chatId: primaryTg.id });
    t.tg.fail(
      'editMessageText',
      { error_code: 400, description: 'Bad Request: message is not modified' },
      { chatId: secondaryTg.id },
    );
    expect((await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`)).status).toBe(200);
    clock.advance(5000);
    const from = clock.now().getTime();
    await t.deliver();
    const ops = (await edits()).find((e) => e.chat_id === String(OPS_CHAT_ID));
    expect(ops?.edit_state).toBe('due');
    expect(ops?.edit_next_at?.getTime()).toBeGreaterThanOrEqual(from + 7000);
    expect((await edits()).find((e) => e.chat_id === String(primaryTg.id))?.edit_state).toBe('due');
    expect((await edits()).find((e) => e.chat_id === String(secondaryTg.id))?.edit_state).toBe('done');
    await settle();
    expect((await edits()).map((e) => e.edit_state)).toEqual(['done', 'done', 'done']);
    expect(t.tg.of('editMessageText', OPS_CHAT_ID)).toHaveLength(2); // the refused one, then the edit
    expect(t.tg.of('editMessageText', primaryTg.id)).toHaveLength(2);
    expect(t.tg.of('editMessageText', secondaryTg.id)).toHaveLength(1); // never tried again
    expect(t.tg.of('editMessageText', OPS_CHAT_ID).at(-1)?.text).toMatch(/Cancelled by the requester$/);
  });

  it('a message sent after the request was decided says so and carries no decision buttons', async () => {
    const req = await fileFlag();
    expect(
      (
        await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
          reason: REASON,
          secondaryApproverId: secondary.id,
        })
      ).status,
    ).toBe(200);
    expect((await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`)).status).toBe(200);
    await settle(); // the bot was behind: everything goes out now
    const prompt = t.tg
      .of('sendMessage', secondaryTg.id)
      .find((m) => /Your co-sign is requested/.test(String(m.text)));
    expect(prompt?.text).toMatch(/Status:<\/b> 🚫 Cancelled by the requester$/);
    expect(RecordingTelegram.buttons(prompt ?? {}).map((b) => b.text)).toEqual(['Open in console']);
    const ops = t.tg.of('sendMessage', OPS_CHAT_ID).find((m) => /New request/.test(String(m.text)));
    expect(ops?.text).toMatch(/Cancelled by the requester$/);
  });

  it('keeps a group to one message in 3 s: the rest go back to the queue at the chat’s turn, attempt refunded', async () => {
    const before = await metric('throttled');
    const stops = ['stop 1', 'stop 2', 'stop 3'];
    await t.desk.services.notifications.enqueue(
      t.database.db,
      stops.map((reason) => ({
        recipientType: 'ops_chat' as const,
        template: 'flag.emergency_disabled',
        data: { reason },
      })),
    );
    const from = clock.now().getTime();
    expect(await t.deliver()).toEqual({ sent: 1, throttled: 2 });
    expect(t.tg.textsTo(OPS_CHAT_ID)).toHaveLength(1);
    expect(await metric('throttled')).toBe(before + 2);
    const rows = await notificationsFor(t, {
      template: 'flag.emergency_disabled',
      where: (n) => typeof n.data.reason === 'string' && n.data.reason.startsWith('stop '),
    });
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ['sent', 1],
      ['queued', 0],
      ['queued', 0],
    ]);
    for (const r of rows.slice(1)) {
      expect(r.lastError).toBe('waiting for the chat’s turn (Telegram limits)');
      expect(r.nextAttemptAt.getTime()).toBe(from + 3000);
    }
    expect(await t.deliver()).toEqual({}); // not their turn yet
    clock.advance(3000);
    expect(await t.deliver()).toEqual({ sent: 1, throttled: 1 });
    clock.advance(3000);
    expect(await t.deliver()).toEqual({ sent: 1 });
    expect(t.tg.textsTo(OPS_CHAT_ID).map((x) => /Reason: “(stop \d)”/.exec(x)?.[1])).toEqual(stops);
  });

  it('two deliverers at once never send the same notification twice (FOR UPDATE SKIP LOCKED)', async () => {
    const reqs = [await fileFlag(), await fileFlag(), await fileFlag()];
    const runtime = t.desk.telegram;
    await Promise.all([runtime?.deliverer.drain(), runtime?.deliverer.drain(), runtime?.deliverer.drain()]);
    await settle();
    const rows = (await Promise.all(reqs.map((r) => status(r.id))))
      .flat()
      .filter((r) => r.recipientType === 'ops_chat');
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
      ['sent', 1],
    ]);
    expect(t.tg.of('sendMessage', OPS_CHAT_ID)).toHaveLength(3);
  });

  it('a row left in sending by a dead deliverer goes back to the queue', async () => {
    const req = await fileFlag();
    await t.desk.services.notifications.claimDue(t.database.db, clock.now(), 100); // claimed, then "crashed"
    expect((await status(req.id)).every((r) => r.status === 'sending')).toBe(true);
    clock.advance(6 * 60_000);
    await settle();
    expect((await status(req.id)).map((r) => r.status).sort()).toEqual(['sent', 'sent', 'sent', 'skipped']);
  });

  it('/ready shows notifications queued too long', async () => {
    await fileFlag();
    clock.advance(11 * 60_000);
    const res = await t.app.inject({ method: 'GET', url: '/ready' });
    const check = res.json<{
      checks: {
        notifications: {
          ok: boolean;
          detail: { delivery: string; queued: number; queuedTooLong: boolean; oldestQueuedSeconds: number };
        };
      };
    }>().checks.notifications;
    expect(check.detail).toMatchObject({ delivery: 'telegram (polling)', queuedTooLong: true });
    expect(check.detail.queued).toBeGreaterThan(0);
    expect(check.detail.oldestQueuedSeconds).toBeGreaterThan(600);
    await settle();
    const after = (await t.app.inject({ method: 'GET', url: '/ready' })).json<
      typeof res extends never
        ? never
        : { checks: { notifications: { detail: { queued: number; queuedTooLong: boolean } } } }
    >();
    expect(after.checks.notifications.detail).toMatchObject({ queued: 0, queuedTooLong: false });
  });
});

describe('the global pace (all chats together)', () => {
  const clock = fixedClock(new Date(Date.now() + 3_600_000));
  let t: TelegramTestServer;
  afterAll(() => t.close());

  it('holds across chats: past the global rate a notice waits for the next slot, whichever chat it is for', async () => {
    // One message every 4 s overall (Telegram allows about 30/s; slowed down so that a wait beyond 2 s shows).
    t = await buildTelegramServer({
      clock,
      rules: { globalPerSecond: 0.25, privateIntervalMs: 1000, groupIntervalMs: 3000 },
    });
    const [a, b] = await Promise.all([person(t, ['risk_officer']), person(t, ['risk_officer'])]);
    await linkTelegram(t, a.id, { id: 8301, first_name: 'Ann' });
    await linkTelegram(t, b.id, { id: 8302, first_name: 'Ben' });
    clock.advance(10_000);
    await t.desk.services.notifications.enqueue(t.database.db, [
      { recipientType: 'ops_chat', template: 'flag.emergency_disabled', data: { reason: 'r1' } },
      {
        recipientType: 'operator',
        recipientId: a.id,
        template: 'flag.emergency_disabled',
        data: { reason: 'r2' },
      },
      {
        recipientType: 'operator',
        recipientId: b.id,
        template: 'flag.emergency_disabled',
        data: { reason: 'r3' },
      },
    ]);
    t.tg.clear();
    expect(await t.deliver()).toEqual({ sent: 1, throttled: 2 });
    clock.advance(4000);
    expect(await t.deliver()).toEqual({ sent: 1, throttled: 1 });
    clock.advance(4000);
    expect(await t.deliver()).toEqual({ sent: 1 });
    expect(t.tg.of('sendMessage').map((m) => String(m.chat_id))).toEqual([
      String(OPS_CHAT_ID),
      '8301',
      '8302',
    ]);
  });
});
