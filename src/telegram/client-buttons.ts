import type { CallbackQueryContext, Context, NextFunction } from 'grammy';
import type { BotDeps } from './deps.js';
import { refusedInChat } from './errors.js';
import { CLIENT_TOKEN_PREFIX } from './telegram.store.js';
import type { ClientTokenAction } from './telegram.tables.js';

/**
 * A client's trading buttons (Accept, Re-quote, Cancel, Change address) carry only an opaque,
 * single-use token bound to the Telegram user they were shown to — never a quote or trade id the
 * server would trust. What the press means (the payload) stays in PostgreSQL.
 */

export const CLIENT_TOKEN_DATA = new RegExp(`^${CLIENT_TOKEN_PREFIX}([A-Za-z0-9_-]{22})$`);

/** Callback data for one button of `telegramUserId`, valid until `expiresAt`. */
export async function clientButton(
  deps: Pick<BotDeps, 'store'>,
  telegramUserId: number,
  action: ClientTokenAction,
  payload: Record<string, string>,
  expiresAt: Date,
): Promise<string> {
  return (
    CLIENT_TOKEN_PREFIX + (await deps.store.issueClientToken({ action, telegramUserId, payload }, expiresAt))
  );
}

const REFUSED = {
  invalid: 'This button is not valid any more.',
  'not yours': 'This button is not yours: only the client it was shown to can press it.',
  used: 'This button was already used.',
  expired: 'This button has expired. Send the command again for fresh buttons.',
} as const;

/**
 * Middleware for presses on client tokens of `actions`: refuses another user's press (token kept), a
 * spent or expired token, and otherwise spends the token, answers the press and runs `handle` with its
 * payload, the desk's refusals told in the chat. Tokens of other actions pass to the next feature.
 */
export function onClientButton<C extends Context>(
  deps: Pick<BotDeps, 'store' | 'clock' | 'logger'>,
  actions: readonly ClientTokenAction[],
  handle: (ctx: CallbackQueryContext<C>, payload: Record<string, string>) => Promise<unknown>,
) {
  return async (ctx: CallbackQueryContext<C>, next: NextFunction) => {
    const token = ctx.match[1] ?? '';
    const press = await deps.store.pressClientToken(token, actions, ctx.from.id, deps.clock.now());
    if (!press.ok) {
      if (press.why === 'elsewhere') return next();
      if (press.why === 'not yours')
        deps.logger.warn(
          { telegramUserId: ctx.from.id, actions },
          'telegram client button pressed by someone else',
        );
      return ctx.answerCallbackQuery({ text: REFUSED[press.why], show_alert: true });
    }
    await ctx.answerCallbackQuery();
    return handle(ctx, press.payload).catch(refusedInChat);
  };
}
