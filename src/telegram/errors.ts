import { GrammyError, type BotError, type Context, type InlineKeyboard } from 'grammy';
import { AppError, type ErrorCode } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { esc } from './format.js';

/** A headline per error code, before the engine's own explanation (which is already in plain words). */
const HEADLINE: Partial<Record<ErrorCode, string>> = {
  SELF_APPROVAL: '⛔ Not allowed',
  SAME_APPROVER: '⛔ Not allowed',
  NOT_ELIGIBLE: '⛔ Not allowed',
  NOT_NAMED_SECONDARY: '⛔ Not allowed',
  FORBIDDEN: '⛔ Not allowed',
  STEP_UP_REQUIRED: '🔐 Code needed',
  INVALID_TOTP: '🔐 Code not accepted',
  MFA_ENROLMENT_REQUIRED: '🔐 Authenticator needed',
  ACCOUNT_LOCKED: '🔒 Locked',
  REASON_REQUIRED: '✏️ Reason needed',
  VALIDATION_FAILED: '✏️ Not valid',
  ALREADY_DECIDED: 'ℹ️ Already decided',
  EXPIRED: '⌛ Expired',
  STALE_REQUEST: '⚠️ Not applied',
  NOT_FOUND: '❓ Not found',
  ALREADY_EXISTS: 'ℹ️ Already done',
  CONFLICT: 'ℹ️ Not now',
  RATE_LIMITED: '🐢 Slow down',
  DUPLICATE_REQUEST: 'ℹ️ Already requested',
};

/**
 * An error as a person in the chat should read it: the code's headline and the detail, minus hints
 * meant for API callers (paths like `POST /api/...`). Anything that is not an AppError is our fault
 * and says so without details.
 */
export function plainWords(err: unknown): string {
  if (err instanceof AppError) {
    const detail = err.detail.replace(/\s*\((?:POST|GET|field)[^)]*\)/g, '').trim();
    return `<b>${HEADLINE[err.code] ?? 'ℹ️ Refused'}</b>\n${esc(detail)}`;
  }
  return '<b>⚠️ Something went wrong on our side.</b>\nPlease try again in a minute; if it keeps happening, tell the desk.';
}

/**
 * Telegram HTML as the plain text a callback alert shows (alerts have no parse mode): tags dropped,
 * entities turned back into the characters they stand for, within the alert's 200 characters.
 */
export function alertText(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .slice(0, 200);
}

/**
 * A refusal already in the user's words, which the boundary sends as it is in reply mode: a chat
 * message, also for a button press (whose handler answered the press before its work began).
 */
export class Refusal extends Error {
  constructor(
    readonly text: string,
    readonly extra: { parse_mode?: 'HTML'; reply_markup?: InlineKeyboard } = {},
  ) {
    super(text);
    this.name = 'Refusal';
  }
}

/**
 * For work after a press is answered: the desk's refusal (an AppError) goes to the boundary in reply
 * mode, in plain words; anything else goes on unchanged. Use as `work().catch(refusedInChat)`.
 */
export function refusedInChat(err: unknown): never {
  throw err instanceof AppError ? new Refusal(plainWords(err), { parse_mode: 'HTML' }) : err;
}

/**
 * The one error boundary: every feature's error ends here and becomes a message, never silence. A
 * Refusal is replied in the chat (reply mode); any other error is a callback alert for a press, else
 * a reply.
 */
export function errorBoundary(logger: Logger) {
  return async (error: BotError<Context>) => {
    const { ctx } = error;
    const err = error.error;
    if (!(err instanceof AppError) && !(err instanceof Refusal))
      logger.error({ err, updateId: ctx.update.update_id }, 'telegram update failed');
    const text = plainWords(err);
    try {
      if (err instanceof Refusal) {
        await ctx.reply(err.text, err.extra);
      } else if (ctx.callbackQuery) {
        await ctx.answerCallbackQuery({ text: alertText(text), show_alert: true });
      } else if (ctx.chat) {
        await ctx.reply(text, { parse_mode: 'HTML' });
      }
    } catch (sendErr) {
      // The chat may be gone (blocked bot): nothing more to tell anyone.
      if (!(sendErr instanceof GrammyError))
        logger.warn({ err: sendErr }, 'could not report an error in Telegram');
    }
  };
}
