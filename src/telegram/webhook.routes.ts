import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Bot } from 'grammy';
import { z } from 'zod';
import { AppError } from '../shared/errors.js';

const update = z.object({ update_id: z.number().int().nonnegative() }).loose();

const PEOPLE_AND_CHATS = new Set(['from', 'chat', 'user', 'sender_chat']);

/**
 * Telegram's ids are integers. An update that names a sender or chat by anything else did not come
 * from Telegram as it is (a forged or mangled body): it is ignored rather than fed to the bot, where
 * the id would reach SQL as a bigint and fail.
 */
export function hasForgedIds(value: unknown, depth = 0): boolean {
  if (!value || typeof value !== 'object' || depth > 4) return false;
  for (const [key, child] of Object.entries(value)) {
    if (PEOPLE_AND_CHATS.has(key)) {
      const id: unknown = child && typeof child === 'object' ? (child as { id?: unknown }).id : undefined;
      if (!Number.isSafeInteger(id)) return true;
    }
    if (hasForgedIds(child, depth + 1)) return true;
  }
  return false;
}

/**
 * `POST /telegram/webhook`: public (Telegram has no desk session), so it proves itself with the secret
 * token Telegram sends in `X-Telegram-Bot-Api-Secret-Token` — checked before the body is even parsed.
 * Errors inside the bot are answered in the chat; Telegram always gets 200 for a genuine update.
 */
export function telegramWebhookRoutes(deps: {
  bot: Bot;
  /** The current webhook secret, or one retired by a rotation moments ago (see runtime.ts). */
  accepts: (secret: string) => Promise<boolean>;
}): FastifyPluginAsync {
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/telegram/webhook',
      {
        config: { access: 'public' },
        schema: { tags: ['telegram'], body: update, hide: true },
        onRequest: async (request) => {
          const given = request.headers['x-telegram-bot-api-secret-token'];
          if (typeof given !== 'string' || !(await deps.accepts(given))) {
            throw new AppError(
              'UNAUTHENTICATED',
              'This endpoint only accepts calls from Telegram (X-Telegram-Bot-Api-Secret-Token).',
            );
          }
        },
      },
      async (request) => {
        if (hasForgedIds(request.body)) {
          request.log.warn(
            { updateId: request.body.update_id },
            'ignored a Telegram update with non-integer ids',
          );
          return { ok: true };
        }
        await deps.bot.handleUpdate(request.body);
        return { ok: true };
      },
    );
  };
}
