import { Composer, type Context } from 'grammy';
import { isValidReason, MIN_REASON_LENGTH } from '../../approvals/approvals.rules.js';
import { withTransaction } from '../../shared/db.js';
import { AppError } from '../../shared/errors.js';
import type { BotDeps } from '../deps.js';
import { plainWords } from '../errors.js';
import { esc, user } from '../format.js';
import { TOKEN_PREFIX, type Conversation } from '../telegram.store.js';
import { OUTCOME } from '../templates.js';

/**
 * Deciding in Telegram (docs/telegram.md). A Co-sign or Reject button carries only an opaque, single-use
 * token. It is honoured only when pressed by the Telegram account linked to the operator the token
 * was issued to (the named secondary); then the bot asks for a reason (reject) and an authenticator
 * code, deletes the message with the code, proves the code through the operators domain, and calls
 * the same engine function as the console. Every rule of the engine applies unchanged.
 */

const DECIDE_FLOW = 'decide';
/** How long the bot waits for the reason and the code after a button press. */
const DECIDE_TTL_SECONDS = 5 * 60;

interface DecideData {
  action: 'cosign' | 'reject';
  requestId: string;
  operatorId: string;
  summary: string;
  reason?: string;
}

const TOKEN_DATA = new RegExp(`^${TOKEN_PREFIX}([A-Za-z0-9_-]{22})$`);

const askCode = (d: DecideData) =>
  `🔐 To ${d.action === 'cosign' ? 'co-sign' : 'reject'} “${user(d.summary, 200)}”, send the 6-digit code from your authenticator app now.\n` +
  'I delete the message with the code as soon as I read it. /cancel stops.';

export function decisionFeature(deps: BotDeps) {
  const c = new Composer();
  const audit = (ctx: Context, operatorId: string) => ({
    actorType: 'operator' as const,
    actorId: operatorId,
    requestId: `telegram:${ctx.update.update_id}`,
    ip: null,
  });

  c.callbackQuery(TOKEN_DATA, async (ctx) => {
    const token = ctx.match[1] ?? '';
    const now = deps.clock.now();
    const row = await deps.store.peekToken(token);
    // Only decision tokens here (client trading tokens have their own prefix and never name a request).
    if (!row || !row.request_id || !row.operator_id || (row.action !== 'cosign' && row.action !== 'reject'))
      return ctx.answerCallbackQuery({ text: 'This button is not valid any more.', show_alert: true });
    const presser = await deps.account.operatorByTelegramId(ctx.from.id);
    if (!presser || presser.operatorId !== row.operator_id) {
      // Refused without spending the token: a stranger in a chat cannot burn the owner's button.
      deps.logger.warn(
        {
          telegramUserId: ctx.from.id,
          requestId: row.request_id,
          expected: row.operator_id,
          linkedTo: presser?.operatorId ?? null,
        },
        'telegram decision button pressed by someone else',
      );
      await withTransaction(deps.db, (tx) =>
        deps.audit.record(tx, {
          actorType: presser ? 'operator' : 'system',
          actorId: presser?.operatorId ?? null,
          requestId: `telegram:${ctx.update.update_id}`,
          action: 'telegram.decision_refused',
          entityType: 'change_request',
          entityId: row.request_id,
          data: {
            reason: 'not the named operator',
            action: row.action,
            telegramUserId: String(ctx.from.id),
            expectedOperatorId: row.operator_id,
          },
        }),
      );
      return ctx.answerCallbackQuery({
        text: 'This button is only for the operator named to decide it, from their own linked Telegram account.',
        show_alert: true,
      });
    }
    if (row.used_at)
      return ctx.answerCallbackQuery({
        text: 'This button was already used. Send /pending for fresh buttons, or decide in the console.',
        show_alert: true,
      });
    if (row.expires_at <= now)
      return ctx.answerCallbackQuery({ text: 'This request has expired.', show_alert: true });
    // A button left on an older message (/pending, or a prompt not yet edited): say so before a code is asked for and spent.
    const { request } = await deps.queries.get(row.request_id);
    const outcome = OUTCOME[request.status];
    if (outcome) return ctx.answerCallbackQuery({ text: `Already decided: ${outcome}.`, show_alert: true });
    if (!(await deps.store.spendToken(token, ctx.from.id, now)))
      return ctx.answerCallbackQuery({ text: 'This button was already used.', show_alert: true });

    const data: DecideData = {
      action: row.action,
      requestId: row.request_id,
      operatorId: presser.operatorId,
      summary: request.summary,
    };
    await deps.store.saveConversation(
      ctx.from.id,
      { flow: DECIDE_FLOW, step: 'reason', data: { ...data } },
      now,
      DECIDE_TTL_SECONDS,
    );
    await ctx.answerCallbackQuery();
    // Every decision is explained: a co-sign asks for its rationale as a rejection does.
    const prompt = `✏️ Why do you ${row.action === 'reject' ? 'reject' : 'co-sign'} “${user(request.summary, 200)}”? Send the reason (at least ${MIN_REASON_LENGTH} visible characters): it goes to the audit trail. /cancel stops.`;
    // Always in the private chat with the presser, even if the button was in a group.
    await ctx.api.sendMessage(ctx.from.id, prompt, { parse_mode: 'HTML' });
  });

  /** Text while a decision waits for its reason or code (private chat only). */
  c.chatType('private').on('message:text', async (ctx, next) => {
    const conv = await deps.store.conversation(ctx.from.id, deps.clock.now());
    if (!conv || conv.flow !== DECIDE_FLOW || ctx.message.text.startsWith('/')) return next();
    const d = conv.data as unknown as DecideData;
    if (conv.step === 'reason') return takeReason(ctx, conv, d, ctx.message.text);
    return takeCode(ctx, d, ctx.message.text, ctx.message.message_id);
  });

  async function takeReason(ctx: Context, conv: Conversation, d: DecideData, text: string) {
    if (!isValidReason(text)) {
      await ctx.reply(
        `✏️ A reason needs at least ${MIN_REASON_LENGTH} visible characters (letters, digits, punctuation): it is kept in the audit trail. Send it again, or /cancel.`,
      );
      return;
    }
    const data: DecideData = { ...d, reason: text.trim().slice(0, 2000) };
    await deps.store.saveConversation(
      ctx.from!.id,
      { ...conv, step: 'code', data: { ...data } },
      deps.clock.now(),
      DECIDE_TTL_SECONDS,
    );
    await ctx.reply(askCode(data), { parse_mode: 'HTML' });
  }

  async function takeCode(ctx: Context, d: DecideData, text: string, messageId: number) {
    // The code leaves the chat history first, whatever happens next.
    await ctx.api
      .deleteMessage(ctx.chat!.id, messageId)
      .catch((err: unknown) => deps.logger.warn({ err }, 'could not delete a message with a code'));
    const code = text.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(code)) {
      await ctx.reply(
        '🔐 That is not a 6-digit code. Send the code from your authenticator app, or /cancel.',
      );
      return;
    }
    const from = ctx.from!.id;
    const me = await deps.account.operatorByTelegramId(from);
    if (!me || me.operatorId !== d.operatorId) {
      await deps.store.endConversation(from);
      throw new AppError(
        'FORBIDDEN',
        'This Telegram account is no longer linked to the operator who pressed the button.',
      );
    }
    let stepUpUntil: Date;
    try {
      ({ stepUpUntil } = await deps.auth.confirmCode(me.operatorId, code, {
        ...audit(ctx, me.operatorId),
        channel: 'telegram',
      }));
    } catch (err) {
      // A wrong code keeps the conversation: the next code may be typed (the lockout still counts).
      if (err instanceof AppError && err.code === 'INVALID_TOTP') {
        await ctx.reply(`${plainWords(err)}\nSend the next code, or /cancel.`, { parse_mode: 'HTML' });
        return;
      }
      await deps.store.endConversation(from);
      throw err;
    }
    await deps.store.endConversation(from);
    const decider = { operatorId: me.operatorId, stepUpUntil, audit: audit(ctx, me.operatorId) };
    if (d.action === 'cosign') {
      const done = await deps.approvals.cosign(d.requestId, { reason: d.reason ?? '' }, decider);
      await ctx.reply(
        done.status === 'approved'
          ? `✅ <b>Co-signed.</b> “${user(done.summary, 300)}” is applied.`
          : `Recorded: the request is ${esc(done.status)}.`,
        { parse_mode: 'HTML' },
      );
    } else {
      const done = await deps.approvals.reject(d.requestId, { reason: d.reason ?? '' }, decider);
      await ctx.reply(
        `❌ <b>Rejected.</b> “${user(done.summary, 300)}” will not be applied; the requester is told.`,
        { parse_mode: 'HTML' },
      );
    }
  }

  return c;
}
