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
const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

/** How the bot runs: receiving updates (polling, webhook), or only delivering notifications. */
export type TelegramRunSettings =
  | Exclude<TelegramSettings, { mode: 'off' }>
  | ({ mode: 'send-only' } & NonNullable<Extract<TelegramSettings, { mode: 'off' }>['sendOnly']>);

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
  const bot = createDeskBot(
    { token: settings.token, apiRoot: settings.apiRoot, botInfo: deps.testing?.botInfo },
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
  deps.testing?.configureApi?.(bot.api);

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
    routes: settings.mode === 'webhook' ? [telegramWebhookRoutes({ bot, secret: settings.secret })] : [],
    polling: () => runner,
    botUsername: () => (bot.isInited() ? bot.botInfo.username : null),
    async start() {
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
        await bot.api.setWebhook(settings.url, {
          secret_token: settings.secret,
          allowed_updates: [...ALLOWED_UPDATES],
        });
        log.info({ bot: bot.botInfo.username, url: settings.url }, 'telegram bot: webhook registered');
        return;
      }
      // A webhook left registered by an earlier webhook-mode run would make polling fail.
      await bot.api.deleteWebhook();
      runner = run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] } } });
      log.info({ bot: bot.botInfo.username }, 'telegram bot: long polling');
    },
    async stop() {
      if (runner?.isRunning()) await runner.stop();
    },
  };
}
