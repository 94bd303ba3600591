import { Composer, type Context, type Middleware, type MiddlewareFn } from 'grammy';
import { canTrade } from '../clients/clients.rules.js';
import type { ClientRow } from '../clients/clients.service.js';
import type { BotDeps } from './deps.js';
import { Refusal } from './errors.js';

/** The context of the client features: the client this Telegram user is (null: none), loaded once per update. */
export type ClientContext = Context & { client: ClientRow | null };

/**
 * The client features, run with `ctx.client` loaded once for the update. Installed after the operator
 * features, so their updates never pay for the lookup.
 */
export function clientFeatures(
  deps: Pick<BotDeps, 'clients'>,
  ...features: Middleware<ClientContext>[]
): MiddlewareFn<Context> {
  const run = new Composer<ClientContext>(...features).middleware();
  return async (ctx, next) => {
    const client = ctx.from ? ((await deps.clients.findByTelegramId(ctx.from.id)) ?? null) : null;
    return run(Object.assign(ctx, { client }), next);
  };
}

export const NO_ACCOUNT = 'You have no account with the desk yet. Send /start to apply.';

/** The client behind the update, or the standard refusal (replied in the chat by the error boundary). */
export function clientOf(ctx: ClientContext): ClientRow {
  if (!ctx.client) throw new Refusal(NO_ACCOUNT);
  return ctx.client;
}

/** The client behind the update if its account may trade; otherwise the standard refusal or `inactive`. */
export function activeClientOf(ctx: ClientContext, inactive: string): ClientRow {
  const client = clientOf(ctx);
  if (!canTrade(client.status)) throw new Refusal(inactive);
  return client;
}
