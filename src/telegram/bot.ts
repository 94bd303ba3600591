import { autoRetry } from '@grammyjs/auto-retry';
import { sequentialize } from '@grammyjs/runner';
import { Bot, type Context, type NextFunction } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { clientFeatures } from './client-context.js';
import type { BotDeps } from './deps.js';
import { errorBoundary } from './errors.js';
import { decisionFeature } from './features/decide.js';
import { helpFeature } from './features/help.js';
import { linkFeature } from './features/link.js';
import { onboardingFeature } from './features/onboarding.js';
import { pendingFeature } from './features/pending.js';
import { quoteFeature } from './features/quote.js';
import { addressFeature } from './features/address.js';
import { tradesFeature } from './features/trades.js';

export interface DeskBotOptions {
  token: string;
  apiRoot: string;
  /** Given in tests (and skips getMe); otherwise `bot.init()` fetches it on start. */
  botInfo?: UserFromGetMe;
  /** How a call's URL is made (the runtime's puts in the token in use now, which a rotation changes). */
  buildUrl?: (root: string, token: string, method: string, env: 'prod' | 'test') => string;
}

/** The bot's numeric id is the part of the token before the colon. */
const botIdOf = (token: string) => Number(token.split(':')[0]);

/**
 * Processes each update once, whichever process receives it (PostgreSQL remembers update ids): a
 * webhook retry or an overlapping poll after a restart does nothing the second time.
 */
function onlyOnce(deps: BotDeps, botId: number) {
  return async (ctx: Context, next: NextFunction) => {
    if (await deps.store.firstSighting(botId, ctx.update.update_id)) await next();
  };
}

/**
 * Per-user rate limit, counted in PostgreSQL (so it holds across desk processes and restarts). Past
 * the limit the user is told once per minute and everything else they send that minute is ignored.
 */
function rateLimit(deps: BotDeps) {
  return async (ctx: Context, next: NextFunction) => {
    const from = ctx.from;
    if (!from) return next();
    const { count, warned } = await deps.store.hit(from.id, deps.clock.now());
    if (count <= deps.rateLimitPerMinute) return next();
    if (!warned) {
      await deps.store.markWarned(from.id);
      deps.logger.warn({ telegramUserId: from.id, count }, 'telegram user rate limited');
      if (ctx.callbackQuery)
        await ctx.answerCallbackQuery({
          text: 'Too many messages: wait a minute, then try again.',
          show_alert: true,
        });
      else if (ctx.chat?.type === 'private')
        await ctx.reply(
          '🐢 Too many messages: I will ignore what you send for the next minute. Then try again.',
        );
    }
  };
}

/** How long a reply may wait on Telegram's `retry_after` (a person is waiting for it), and how often it is tried again. */
const REPLY_RETRY = { maxDelaySeconds: 10, maxRetryAttempts: 3 };

/**
 * Replies inside a handler (ctx.reply, answerCallbackQuery, deleteMessage…) wait out a 429's
 * `retry_after` and retry a 5xx or network failure, a few times. Installed on each update's own
 * `ctx.api` only: the outbox deliverer uses `bot.api` and reschedules rows instead of sleeping.
 */
function retryReplies(ctx: Context, next: NextFunction) {
  ctx.api.config.use(autoRetry(REPLY_RETRY));
  return next();
}

/** Assembles the one bot that serves clients and operators. */
export function createDeskBot(opts: DeskBotOptions, deps: BotDeps): Bot {
  const bot = new Bot(opts.token, {
    botInfo: opts.botInfo,
    client: { apiRoot: opts.apiRoot, buildUrl: opts.buildUrl },
  });
  bot.use(retryReplies);
  // One update at a time per user (a code typed right after a button press is read after it).
  bot.use(
    sequentialize((ctx: Context) =>
      ctx.from ? String(ctx.from.id) : ctx.chat ? String(ctx.chat.id) : undefined,
    ),
  );
  bot.use(onlyOnce(deps, botIdOf(opts.token)));
  bot.use(rateLimit(deps));
  bot.errorBoundary(
    errorBoundary(deps.logger),
    linkFeature(deps),
    decisionFeature(deps),
    pendingFeature(deps),
    clientFeatures(
      deps,
      quoteFeature(deps),
      addressFeature(deps),
      tradesFeature(deps),
      onboardingFeature(deps),
      helpFeature(deps),
    ),
  );
  // Errors outside the boundary (the store itself failing): logged; the update is not retried.
  bot.catch((err) =>
    deps.logger.error(
      { err: err.error, updateId: err.ctx.update.update_id },
      'telegram update failed before reaching a feature',
    ),
  );
  return bot;
}
