import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config.js';
import { auditContext } from '../shared/request-context.js';
import { AppError } from '../shared/errors.js';
import type { AccountService } from './operators.account.js';

const passwordBody = z
  .object({ currentPassword: z.string().max(1024), newPassword: z.string().max(1024) })
  .strict();
/** Which bot a link code goes to: its @username once this process knows it (null: not yet, or no bot). */
const botFields = { botUsername: z.string().nullable(), telegramConfigured: z.boolean() };
const linkCodeResponse = z.object({ code: z.string(), expiresAt: z.string(), ...botFields });
const linkStatusResponse = z.object({
  linked: z.boolean(),
  pendingCodeExpiresAt: z.string().nullable(),
  ...botFields,
});
const passwordResponse = z.object({ changed: z.literal(true), sessionsRevoked: z.number().int() });

function actorOf(request: FastifyRequest) {
  if (!request.actor)
    throw new AppError('UNAUTHENTICATED', 'Sign in first: this needs an operator session or a bearer token.');
  return request.actor;
}

/** The caller's own account: password change (step-up) and the Telegram link code. */
export function operatorAccountRoutes(deps: {
  account: AccountService;
  config: Pick<Config, 'LOGIN_RATE_PER_MINUTE'>;
  /** The desk's Telegram bot, when one is configured: its username once Telegram has told it (getMe). */
  bot: { username: () => string | null } | null;
}): FastifyPluginAsync {
  const { account } = deps;
  const bot = () => ({ botUsername: deps.bot?.username() ?? null, telegramConfigured: deps.bot !== null });
  const perIp = { rateLimit: { max: deps.config.LOGIN_RATE_PER_MINUTE, timeWindow: 60_000 } };
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/api/me/password',
      {
        config: { access: { permission: 'self', stepUp: true }, ...perIp },
        schema: { tags: ['auth'], body: passwordBody, response: { 200: passwordResponse } },
      },
      async (request) => {
        const actor = actorOf(request);
        const { sessionsRevoked } = await account.changePassword(actor, request.body, {
          ...auditContext(request),
          userAgent: request.headers['user-agent'] ?? null,
        });
        return { changed: true as const, sessionsRevoked };
      },
    );

    app.get(
      '/api/me/telegram-link',
      {
        config: { access: { permission: 'self' } },
        schema: { tags: ['auth'], response: { 200: linkStatusResponse } },
      },
      async (request) => {
        const s = await account.telegramLinkStatus(actorOf(request).operatorId);
        return {
          linked: s.linked,
          pendingCodeExpiresAt: s.pendingCodeExpiresAt?.toISOString() ?? null,
          ...bot(),
        };
      },
    );

    app.post(
      '/api/me/telegram-link',
      {
        config: { access: { permission: 'self' } },
        schema: {
          tags: ['auth'],
          body: z.object({}).strict().nullish(),
          response: { 200: linkCodeResponse },
        },
      },
      async (request) => {
        const { code, expiresAt } = await account.issueTelegramLinkCode(
          actorOf(request).operatorId,
          auditContext(request),
        );
        return { code, expiresAt: expiresAt.toISOString(), ...bot() };
      },
    );
  };
}
