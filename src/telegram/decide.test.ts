import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditTrail } from '../../test/support/audit.js';
import {
  call,
  fileFlagRequest,
  filePolicyRequest,
  person,
  withdrawOpenTwin,
  REASON,
  type Person,
} from '../../test/support/approvals.js';
import { notificationsFor } from '../../test/support/notifications.js';
import {
  buildTelegramServer,
  linkTelegram,
  OPS_CHAT_ID,
  RecordingTelegram,
  updates,
  type TelegramTestServer,
} from '../../test/support/telegram.js';
import { fixedClock } from '../shared/clock.js';

/**
 * Deciding in Telegram (docs/telegram.md): only the named secondary's linked account, an opaque single-use
 * token, a TOTP code whose message is deleted, and the same engine call as the console.
 */
describe('co-signing and rejecting in Telegram', () => {
  const clock = fixedClock(new Date(Date.now() + 3_600_000));
  let t: TelegramTestServer;
  let requester: Person; // risk officer
  let primary: Person; // risk officer
  let secondary: Person; // platform admin: the one named to co-sign
  let other: Person; // risk officer, linked, in the ops chat
  const secondaryTg = { id: 9201, first_name: 'Sam' };
  const otherTg = { id: 9202, first_name: 'Olga' };
  const strangerTg = { id: 9203, first_name: 'Stranger' };
  let flagOn = false;

  beforeAll(async () => {
    t = await buildTelegramServer({ clock });
    [requester, primary, secondary, other] = await Promise.all([
      person(t, ['risk_officer']),
      person(t, ['risk_officer']),
      person(t, ['platform_admin']),
      person(t, ['risk_officer']),
    ]);
    await linkTelegram(t, secondary.id, secondaryTg);
    await linkTelegram(t, other.id, otherTg);
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    // An earlier test's request still open would make the next identical filing a DUPLICATE_REQUEST:
    // withdraw it here, so its notices are settled before the test begins.
    await withdrawOpenTwin(t, 'flag.set', { key: 'AUTO_SETTLEMENT', enabled: !flagOn });
    clock.advance(30_000);
    for (const p of [requester, primary]) p.session = await p.op.login();
    await settle();
    t.tg.clear();
  });

  async function settle() {
    for (let i = 0; i < 6; i++) {
      clock.advance(4000);
      await t.deliver();
    }
  }

  /** Presses Co-sign and answers the bot's question for the rationale (every decision is explained). */
  async function pressCosign(tg: { id: number; first_name: string }, data: string) {
    await t.send(updates.callback(tg, data));
    expect(lastTo(tg.id)).toMatch(/Why do you co-sign/);
    await t.send(updates.text(tg, 'Checked against the signed plan.'));
  }

  /** A flag.set request approved by the primary, naming `secondary`; returns its co-sign prompt's buttons. */
  async function cosignPrompt() {
    const req = await fileFlagRequest(t, requester, !flagOn);
    expect(
      (
        await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
          reason: REASON,
          secondaryApproverId: secondary.id,
        })
      ).status,
    ).toBe(200);
    await settle();
    const prompt = t.tg
      .of('sendMessage', secondaryTg.id)
      .find(
        (m) =>
          /Your co-sign is requested/.test(String(m.text)) &&
          String(m.text).includes(req.digest.slice(0, 16)),
      );
    if (!prompt) throw new Error('no co-sign prompt was sent');
    const [cosign, reject] = RecordingTelegram.buttons(prompt).map((b) => b.callback_data ?? '');
    return { req, cosign: cosign ?? '', reject: reject ?? '' };
  }

  const requestStatus = async (id: string) =>
    await t.database.db
      .selectFrom('change_requests')
      .select(['status', 'rejection_reason'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const lastAnswer = () => t.tg.answers().at(-1) ?? {};
  const lastTo = (id: number) => String(t.tg.lastTo(id).text);

  it('callback data is an opaque token within 64 bytes, never the request id', async () => {
    const { req, cosign, reject } = await cosignPrompt();
    for (const data of [cosign, reject]) {
      expect(data).toMatch(/^t:[A-Za-z0-9_-]{22}$/);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
      expect(data).not.toContain(req.id.slice(0, 8));
    }
    expect(cosign).not.toBe(reject);
  });

  it('a co-sign button pressed by another member of the ops chat is refused, and stays usable by its owner', async () => {
    const { req, cosign } = await cosignPrompt();
    t.tg.clear();
    await t.send(updates.callback(otherTg, cosign, { chatId: OPS_CHAT_ID, messageId: 77 }));
    expect(lastAnswer()).toMatchObject({
      show_alert: true,
      text: expect.stringMatching(/only for the operator named to decide it/) as unknown,
    });
    await t.send(updates.callback(strangerTg, cosign, { chatId: OPS_CHAT_ID, messageId: 77 }));
    expect(lastAnswer()).toMatchObject({
      text: expect.stringMatching(/only for the operator named/) as unknown,
    });
    expect(t.tg.of('sendMessage', otherTg.id)).toHaveLength(0);
    expect(t.tg.of('sendMessage', strangerTg.id)).toHaveLength(0);
    expect((await requestStatus(req.id)).status).toBe('awaiting_secondary');
    const refused = await auditTrail(t, { action: 'telegram.decision_refused', entityId: req.id });
    expect(
      refused.map((r) => [r.actorType, r.actorId, (r.data as { telegramUserId: string }).telegramUserId]),
    ).toEqual([
      ['operator', other.id, String(otherTg.id)],
      ['system', null, String(strangerTg.id)],
    ]);

    // The stranger pressing did not burn it: the named operator still can.
    await pressCosign(secondaryTg, cosign);
    expect(lastTo(secondaryTg.id)).toMatch(/send the 6-digit code/);
  });

  it('the expected operator without a valid code is refused; the code message is deleted', async () => {
    const { req, cosign } = await cosignPrompt();
    await pressCosign(secondaryTg, cosign);
    expect(lastTo(secondaryTg.id)).toMatch(/To co-sign “Turn AUTO_SETTLEMENT/);

    const wrong = updates.text(secondaryTg, '000000');
    await t.send(wrong);
    expect(t.tg.of('deleteMessage', secondaryTg.id)).toEqual([
      { chat_id: secondaryTg.id, message_id: wrong.message?.message_id },
    ]);
    expect(lastTo(secondaryTg.id)).toMatch(
      /Code not accepted.*\n.*wrong, expired or already used[\s\S]*Send the next code, or \/cancel/,
    );
    await t.send(updates.text(secondaryTg, 'hello'));
    expect(lastTo(secondaryTg.id)).toMatch(/not a 6-digit code/);
    expect((await requestStatus(req.id)).status).toBe('awaiting_secondary');
    const failures = await auditTrail(t, { entityId: secondary.id, action: 'auth.step_up_failed' });
    expect(failures).toHaveLength(1); // counts toward the lockout like any wrong code
    await t.send(updates.text(secondaryTg, '/cancel'));
    expect(lastTo(secondaryTg.id)).toMatch(/Stopped/);
  });

  it('with a valid code the co-sign goes through the engine and applies; replaying the token is refused', async () => {
    const { req, cosign } = await cosignPrompt();
    await pressCosign(secondaryTg, cosign);
    const code = updates.text(secondaryTg, secondary.op.totp());
    await t.send(code);
    expect(t.tg.of('deleteMessage', secondaryTg.id)).toContainEqual({
      chat_id: secondaryTg.id,
      message_id: code.message?.message_id,
    });
    expect(lastTo(secondaryTg.id)).toMatch(/Co-signed.*is applied/);
    expect((await requestStatus(req.id)).status).toBe('approved');
    flagOn = !flagOn;

    const audit = (
      await auditTrail(t, { actorId: secondary.id, actions: ['auth.step_up', 'approval.cosigned'] })
    ).slice(-2); // the newest two
    expect(audit.map((r) => r.action).sort()).toEqual(['approval.cosigned', 'auth.step_up']);
    expect(audit.find((r) => r.action === 'auth.step_up')?.data).toMatchObject({ channel: 'telegram' });
    expect(audit.every((r) => r.requestId?.startsWith('telegram:'))).toBe(true);

    await t.send(updates.callback(secondaryTg, cosign));
    expect(lastAnswer()).toMatchObject({
      show_alert: true,
      text: expect.stringMatching(/already used/) as unknown,
    });

    // The decision edits the prompt: its buttons go.
    await settle();
    const edit = t.tg
      .of('editMessageText', secondaryTg.id)
      .find((e) => String(e.text).includes(req.digest.slice(0, 16)));
    expect(edit?.text).toMatch(/Decided: approved and applied/);
    expect(RecordingTelegram.buttons(edit ?? {}).map((b) => b.text)).toEqual(['Open in console']);
  });

  it('a co-sign rationale of invisible characters is refused: only letters, digits, punctuation and symbols count', async () => {
    const { req, cosign } = await cosignPrompt();
    await t.send(updates.callback(secondaryTg, cosign));
    await t.send(updates.text(secondaryTg, 'ok\u200b\u200b\u200b\u00ad\u3164\u2800\u200e\u115f\u2060\u200b'));
    expect(lastTo(secondaryTg.id)).toMatch(/at least 10 visible characters/);
    await t.send(updates.text(secondaryTg, '/cancel'));
    expect((await requestStatus(req.id)).status).toBe('awaiting_secondary');
    expect((await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`)).status).toBe(200);
  });

  it('Reject asks for a reason, then a code, and rejects through the engine; the requester is told, the secondary only sees the prompt edited', async () => {
    const requesterTg = { id: 9204, first_name: 'Rita' };
    await linkTelegram(t, requester.id, requesterTg);
    try {
      const { req, reject } = await cosignPrompt();
      await t.send(updates.callback(secondaryTg, reject));
      expect(lastTo(secondaryTg.id)).toMatch(/Why do you reject/);
      await t.send(updates.text(secondaryTg, 'too short'));
      expect(lastTo(secondaryTg.id)).toMatch(/at least 10 visible characters/);
      await t.send(updates.text(secondaryTg, 'The pilot plan is not signed off yet'));
      expect(lastTo(secondaryTg.id)).toMatch(/To reject/);
      await t.send(updates.text(secondaryTg, secondary.op.totp()));
      expect(lastTo(secondaryTg.id)).toMatch(/Rejected/);
      expect(await requestStatus(req.id)).toEqual({
        status: 'rejected',
        rejection_reason: 'The pilot plan is not signed off yet',
      });
      t.tg.clear();
      await settle();

      // The requester gets the outcome as a new message.
      const told = t.tg
        .of('sendMessage', requesterTg.id)
        .filter((m) => String(m.text).includes('The pilot plan is not signed off yet'));
      expect(told).toHaveLength(1);
      expect(told[0]?.text).toMatch(/❌ <b>Rejected<\/b>/);
      // The secondary, who decided, gets no second message about it: their prompt is edited instead.
      expect(t.tg.of('sendMessage', secondaryTg.id)).toEqual([]);
      const edit = t.tg
        .of('editMessageText', secondaryTg.id)
        .find((e) => String(e.text).includes(req.digest.slice(0, 16)));
      expect(edit?.text).toMatch(new RegExp(`Status:</b> ❌ Decided: rejected by ${secondary.op.name}$`));
      expect(RecordingTelegram.buttons(edit ?? {}).map((b) => b.text)).toEqual(['Open in console']);
      const own = await notificationsFor(t, {
        template: 'approval.rejected',
        recipientId: secondary.id,
        requestId: req.id,
        fields: ['status', 'lastError'],
      });
      expect(own).toEqual([
        { status: 'skipped', lastError: 'the decider is not told of their own decision' },
      ]);
    } finally {
      await t.send(updates.text(requesterTg, '/unlink'));
    }
  });

  it('every engine rule still applies and is answered in plain words (a request cancelled meanwhile)', async () => {
    const { req, cosign } = await cosignPrompt();
    await pressCosign(secondaryTg, cosign);
    expect((await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`)).status).toBe(200);
    await t.send(updates.text(secondaryTg, secondary.op.totp()));
    expect(lastTo(secondaryTg.id)).toMatch(/<b>ℹ️ Already decided<\/b>\nThis request is already cancelled\./);
  });

  /** A request approved by the primary naming `who` as secondary; returns its co-sign button's data. */
  async function promptFor(who: Person, tg: { id: number }) {
    const req = await fileFlagRequest(t, requester, !flagOn);
    expect(
      (
        await call(t, primary, 'POST', `/api/approvals/${req.id}/approve`, {
          reason: REASON,
          secondaryApproverId: who.id,
        })
      ).status,
    ).toBe(200);
    await settle();
    const prompt = t.tg
      .of('sendMessage', tg.id)
      .find((m) => String(m.text).includes(req.digest.slice(0, 16)));
    return { req, cosign: RecordingTelegram.buttons(prompt ?? {})[0]?.callback_data ?? '' };
  }

  it('wrong codes in Telegram lock the operator like anywhere else: then even a right code is refused', async () => {
    const admin = await person(t, ['platform_admin']);
    const adminTg = { id: 9205, first_name: 'Al' };
    await linkTelegram(t, admin.id, adminTg);
    const { req, cosign } = await promptFor(admin, adminTg);
    await pressCosign(adminTg, cosign);
    for (let i = 0; i < 5; i++) await t.send(updates.text(adminTg, '000000')); // LOGIN_MAX_FAILURES
    const locked = await auditTrail(t, { entityId: admin.id, action: 'auth.locked' });
    expect(locked).toHaveLength(1);
    clock.advance(30_000); // a fresh time step, so the code below is not a replay
    await t.send(updates.text(adminTg, admin.op.totp()));
    expect(lastTo(adminTg.id)).toMatch(/Code not accepted/);
    expect((await requestStatus(req.id)).status).toBe('awaiting_secondary');
    await t.send(updates.text(adminTg, '/cancel'));
    expect((await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`)).status).toBe(200);
  });

  it('an account unlinked between the press and the code decides nothing', async () => {
    const admin = await person(t, ['platform_admin']);
    const adminTg = { id: 9206, first_name: 'Bo' };
    await linkTelegram(t, admin.id, adminTg);
    const { req, cosign } = await promptFor(admin, adminTg);
    await pressCosign(adminTg, cosign);
    expect(lastTo(adminTg.id)).toMatch(/send the 6-digit code/);
    await t.desk.services.account.unlinkTelegram(adminTg.id, { requestId: 'test' });
    clock.advance(30_000); // enrolment and sign-in used this step and the next: the code needs a fresh one
    const code = updates.text(adminTg, admin.op.totp());
    await t.send(code);
    expect(t.tg.of('deleteMessage', adminTg.id)).toContainEqual({
      chat_id: adminTg.id,
      message_id: code.message?.message_id,
    }); // the code still leaves the chat
    expect(lastTo(adminTg.id)).toMatch(/Not allowed<\/b>\nThis Telegram account is no longer linked/);
    expect((await requestStatus(req.id)).status).toBe('awaiting_secondary');
    expect(
      await t.database.db
        .selectFrom('telegram_conversations')
        .select('flow')
        .where('telegram_user_id', '=', String(adminTg.id))
        .executeTakeFirst(),
    ).toBeUndefined();
    expect((await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`)).status).toBe(200);
  });

  it('a button on an expired request says so', async () => {
    const { cosign } = await cosignPrompt();
    clock.advance(5 * 3600_000);
    await t.send(updates.callback(secondaryTg, cosign));
    expect(lastAnswer()).toMatchObject({ text: 'This request has expired.' });
    await t.desk.services.approvals.expireDue();
  });

  it('a /pending button pressed after the request was decided says so, without asking for (and using up) a code', async () => {
    const { req } = await cosignPrompt();
    await t.send(updates.text(secondaryTg, '/pending'));
    const buttons = RecordingTelegram.buttons(t.tg.lastTo(secondaryTg.id)).filter((b) =>
      /^✅ Co-sign/.test(b.text),
    );
    const forReq = await Promise.all(
      buttons.map(async (b) =>
        (await t.desk.telegram?.store.peekToken(String(b.callback_data).slice(2)))?.request_id === req.id
          ? b.callback_data
          : null,
      ),
    );
    const mine = forReq.find((x) => x) ?? '';
    expect(mine).toMatch(/^t:/);
    expect((await call(t, requester, 'POST', `/api/approvals/${req.id}/cancel`)).status).toBe(200);
    t.tg.clear();
    await t.send(updates.callback(secondaryTg, mine));
    expect(lastAnswer()).toMatchObject({
      show_alert: true,
      text: 'Already decided: cancelled by the requester.',
    });
    expect(t.tg.of('sendMessage', secondaryTg.id)).toHaveLength(0); // no "send the code"
    expect(
      await t.database.db
        .selectFrom('telegram_conversations')
        .select('flow')
        .where('telegram_user_id', '=', String(secondaryTg.id))
        .executeTakeFirst(),
    ).toBeUndefined();
    expect((await t.desk.telegram?.store.peekToken(mine.slice(2)))?.used_at).toBeNull();
    await settle();
  });

  it('/pending lists what awaits the operator, with fresh single-use co-sign buttons, paginated', async () => {
    for (const p of [requester, primary]) p.session = await p.op.login();
    const first = await cosignPrompt();
    // six distinct requests (six identical flag.set would be DUPLICATE_REQUEST), the same roles as flag.set
    for (let i = 0; i < 6; i++) await filePolicyRequest(t, requester, 7200 + 60 * i);
    t.tg.clear();

    await t.send(updates.text(otherTg, '/pending')); // a risk officer: may approve them as primary
    const page1 = t.tg.lastTo(otherTg.id);
    expect(page1.text).toMatch(/Awaiting you: 6.*\(page 1 of 2\)/);
    expect(RecordingTelegram.buttons(page1).map((b) => b.text)).toEqual(['Next ▶']);
    await t.send(updates.callback(otherTg, 'pg:1'));
    const page2 = t.tg.of('editMessageText', otherTg.id).at(-1) ?? {};
    expect(page2.text).toMatch(/page 2 of 2/);
    expect(RecordingTelegram.buttons(page2).map((b) => b.text)).toEqual(['◀ Previous']);

    await t.send(updates.text(secondaryTg, '/pending')); // named secondary: the co-sign, with buttons
    const mine = t.tg.lastTo(secondaryTg.id);
    expect(mine.text).toMatch(/✍️ co-sign/);
    const fresh = RecordingTelegram.buttons(mine).find((b) => b.text === '✅ Co-sign 1')?.callback_data ?? '';
    expect(fresh).not.toBe(first.cosign);
    await pressCosign(secondaryTg, fresh);
    await t.send(updates.text(secondaryTg, secondary.op.totp()));
    expect((await requestStatus(first.req.id)).status).toBe('approved');
    flagOn = !flagOn;
  });
});
