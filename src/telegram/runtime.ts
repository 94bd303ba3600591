import { timingSafeEqual } from 'node:crypto';
import { run, type RunnerHandle } from '@grammyjs/runner';
import type { FastifyPluginAsync } from 'fastify';
import type { Api, Bot } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { Counter, type Registry } from 'prom-client';
import type { ApprovalQueries } from '../approvals/approvals.queries.js';
import type { ApprovalsService } from '../approvals/approvals.service.js';
import type { AuditService } from '../audit/audit.service.js';
import type { ClientsService } from '../clients/clients.service.js';
import type { TelegramSettings } from '../config.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { AccountService } from '../operators/operators.account.js';
import type { AuthService } from '../operators/operators.auth.js';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../shared/db.js';
import type { Logger } from '../shared/logger.js';
import type { JobsModule } from '../shared/jobs.js';
import { createDeskBot } from './bot.js';
import type { BotDeps } from './deps.js';
import type { ErrorCounts } from '../shared/error-counts.js';
import { createDeliverer, type Deliverer, type Timer } from './delivery.js';
import { telegramJobs } from './telegram.jobs.js';
import { createTelegramStore, type TelegramStore } from './telegram.store.js';
import type { ThrottleRules } from './throttle.js';
import { telegramWebhookRoutes } from './webhook.routes.js';

/** The updates the bot handles; Telegram sends no others. */
export const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

/** How the bot runs: receiving updates (polling, webhook), or only delivering notifications. */
export type TelegramRunSettings =
  | Exclude<TelegramSettings, { mode: 'off' }>
  | ({ mode: 'send-only' } & NonNullable<Extract<TelegramSettings, { mode: 'off' }>['sendOnly']>);

/**
 * Where a rotated token and webhook secret come from (`desk secrets rotate telegram`, the key ring):
 * the current one (null: TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET) and the retired ones, whose
 * webhook secret (null: the env one) is still accepted for `graceMs` after retirement.
 */
export interface TelegramCredentialSource {
  read(fresh: boolean): Promise<{
    current: { id: string; token: string; webhookSecret: string } | null;
    retired: { webhookSecret: string | null; retiredAt: Date }[];
  }>;
  reloadMs: number;
  graceMs: number;
}

export interface TelegramDeps {
  settings: TelegramRunSettings;
  db: Db;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  publicUrl: string;
  notifications: NotificationsService;
  account: AccountService;
  auth: AuthService;
  approvals: ApprovalsService;
  queries: ApprovalQueries;
  clients: ClientsService;
  audit: AuditService;
  /** Deliveries Telegram will never take count in desk_errors_total{source="telegram"}. */
  errors?: Pick<ErrorCounts, 'note'>;
  /** Tests: skip getMe, record outgoing calls, fake time for throttling. */
  testing?: {
    botInfo?: UserFromGetMe;
    configureApi?: (api: Api) => void;
    timer?: Timer;
    rules?: ThrottleRules;
  };
  rateLimitPerMinute?: number;
  trading: BotDeps['trading'];
  /** Without it the env token is used for good (tests of other parts). */
  credentials?: TelegramCredentialSource;
}

export interface TelegramRuntime {
  mode: TelegramRunSettings['mode'];
  bot: Bot;
  store: TelegramStore;
  deliverer: Deliverer;
  jobs: JobsModule;
  /** `POST /telegram/webhook` (webhook mode only). */
  routes: FastifyPluginAsync[];
  /** The bot's @username once `start` has asked Telegram (getMe), else null. */
  botUsername(): string | null;
  /** The `@grammyjs/runner` handle while long polling (concurrent, per-user sequential); undefined otherwise. */
  polling(): RunnerHandle | undefined;
  /** Polling: starts long polling. Webhook: registers the webhook with Telegram. Send-only: checks the token. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The bot, its delivery worker task and (in webhook mode) its route, wired from domain services. */
export function createTelegram(deps: TelegramDeps): TelegramRuntime {
  const { settings, logger } = deps;
  const log = logger.child({ part: 'telegram' });
  const store = createTelegramStore(deps.db);
  const envSecret = settings.mode === 'webhook' ? settings.secret : null;
  // The token every call goes out with: the URL is built per call, so a rotation needs no new Bot.
  let active: { id: string | null; token: string; secret: string | null } = {
    id: null,
    token: settings.token,
    secret: envSecret,
  };
  /** Webhook secrets accepted, each until a time (the current one for good). */
  let accepted = envSecret ? [{ secret: envSecret, until: Infinity }] : [];
  let webhookOn = false;
  const bot = createDeskBot(
    {
      token: settings.token,
      apiRoot: settings.apiRoot,
      botInfo: deps.testing?.botInfo,
      buildUrl: (root, _token, method, env) =>
        `${root}/bot${active.token}/${env === 'test' ? 'test/' : ''}${method}`,
    },
    {
      store,
      account: deps.account,
      auth: deps.auth,
      approvals: deps.approvals,
      queries: deps.queries,
      clients: deps.clients,
      audit: deps.audit,
      db: deps.db,
      clock: deps.clock,
      logger: log,
      publicUrl: deps.publicUrl,
      rateLimitPerMinute: deps.rateLimitPerMinute ?? 30,
      trading: deps.trading,
    },
  );
  const registerWebhook = async () => {
    if (settings.mode !== 'webhook' || !active.secret) return;
    await bot.api.setWebhook(settings.url, {
      secret_token: active.secret,
      allowed_updates: [...ALLOWED_UPDATES],
    });
    webhookOn = true;
  };

  /** Takes the ring's credentials; true when the token changed (a webhook is re-registered with its secret). */
  async function sync(fresh: boolean): Promise<boolean> {
    if (!deps.credentials) return false;
    const { current, retired } = await deps.credentials.read(fresh);
    const graceMs = deps.credentials.graceMs;
    const secret = current ? current.webhookSecret : envSecret;
    accepted = [
      { secret, until: Infinity },
      ...retired.map((r) => ({
        secret: r.webhookSecret ?? envSecret,
        until: r.retiredAt.getTime() + graceMs,
      })),
    ].filter((a): a is { secret: string; until: number } => a.secret !== null);
    const id = current?.id ?? null;
    if (id === active.id) return false;
    active = { id, token: current?.token ?? settings.token, secret };
    log.info({ key: id ?? 'env' }, 'telegram bot: now using the rotated token');
    if (webhookOn) await registerWebhook();
    return true;
  }
  const syncQuietly = (fresh: boolean) =>
    sync(fresh).catch((err: unknown) => {
      log.warn({ err: (err as Error).message }, 'telegram bot: the rotated token could not be read');
      return false;
    });

  // Telegram refusing the token (401) most likely means it was revoked after a rotation: re-read the
  // ring at once and, if the token changed, send the same call again with the new one.
  bot.api.config.use(async (prev, method, payload, signal) => {
    const used = active.token;
    const res = await prev(method, payload, signal);
    if (res.ok || res.error_code !== 401) return res;
    // Another call may have switched already while this one was out: compare tokens, not results.
    await syncQuietly(true);
    return active.token === used ? res : prev(method, payload, signal);
  });
  deps.testing?.configureApi?.(bot.api);

  let lastMiss = 0;
  const sameAsAny = (given: string) => {
    const now = deps.clock.now().getTime();
    return accepted.some((a) => now < a.until && sameSecret(given, a.secret));
  };
  /** A webhook secret: the current one or one retired within the grace (an unknown one re-reads, at most 1/s). */
  async function acceptsSecret(given: string): Promise<boolean> {
    if (sameAsAny(given)) return true;
    if (!deps.credentials || Date.now() - lastMiss < 1_000) return false;
    lastMiss = Date.now();
    await syncQuietly(true);
    return sameAsAny(given);
  }

  const deliveries = new Counter({
    name: 'desk_telegram_deliveries_total',
    help: 'Telegram deliveries of outbox notifications by result (sent, retry, rate_limited, throttled, failed_permanent, gave_up, skipped, edited)',
    labelNames: ['result'],
    registers: [deps.registry],
  });
  const deliverer = createDeliverer({
    api: bot.api,
    db: deps.db,
    notifications: deps.notifications,
    store,
    requests: deps.queries,
    clock: deps.clock,
    logger: log,
    deliveries,
    errors: deps.errors,
    publicUrl: deps.publicUrl,
    timer: deps.testing?.timer,
    rules: deps.testing?.rules,
    recipients: {
      opsChat: settings.opsChatId,
      operator: (id) => deps.account.telegramIdOf(id),
      client: async (id) => (await deps.clients.get(id))?.telegram_user_id ?? null,
      requesterName: async (type, id, people) => {
        if (type === 'operator' && id) return people.get(id)?.name ?? 'an operator';
        if (type === 'client' && id) {
          const c = await deps.clients.get(id);
          return c ? `client ${c.name} (${c.company})` : 'a client';
        }
        return 'the desk';
      },
    },
  });

  let runner: RunnerHandle | undefined;
  let reloads: NodeJS.Timeout | undefined;
  return {
    mode: settings.mode,
    bot,
    store,
    deliverer,
    jobs: telegramJobs({
      deliverer,
      store,
      notifications: deps.notifications,
      db: deps.db,
      clock: deps.clock,
      logger: log,
    }),
    routes: settings.mode === 'webhook' ? [telegramWebhookRoutes({ bot, accepts: acceptsSecret })] : [],
    polling: () => runner,
    botUsername: () => (bot.isInited() ? bot.botInfo.username : null),
    async start() {
      // A token rotated before this start is the one to use: the env one may be revoked already.
      await syncQuietly(false);
      if (deps.credentials && !reloads) {
        reloads = setInterval(() => void syncQuietly(false), deps.credentials.reloadMs);
        reloads.unref();
      }
      await bot.init();
      if (settings.mode === 'send-only') {
        // TELEGRAM_MODE=off: no polling, and the webhook (if any) is left as it is, for whoever owns it.
        log.info(
          { bot: bot.botInfo.username },
          'telegram bot: send-only (TELEGRAM_MODE is off): notifications are delivered, no updates are received',
        );
        return;
      }
      if (settings.mode === 'webhook') {
        await registerWebhook();
        log.info({ bot: bot.botInfo.username, url: settings.url }, 'telegram bot: webhook registered');
        return;
      }
      // A webhook left registered by an earlier webhook-mode run would make polling fail.
      await bot.api.deleteWebhook();
      runner = run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] } } });
      log.info({ bot: bot.botInfo.username }, 'telegram bot: long polling');
    },
    async stop() {
      clearInterval(reloads);
      reloads = undefined;
      if (runner?.isRunning()) await runner.stop();
    },
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
