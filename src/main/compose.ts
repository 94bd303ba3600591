import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.js';
import { createAuditService, type AuditService } from '../audit/audit.service.js';
import { auditJobs } from '../audit/audit.jobs.js';
import { auditRoutes } from '../audit/audit.routes.js';
import { healthRoutes } from '../http/health.routes.js';
import { buildServer, type DeskServer } from '../http/server.js';
import type { Clock } from '../shared/clock.js';
import type { Db } from '../shared/db.js';
import type { Logger } from '../shared/logger.js';
import { createMetrics, type Metrics } from '../shared/metrics.js';
import type { JobsModule } from '../shared/jobs.js';
import { createAuthService, type AuthService } from '../operators/operators.auth.js';
import { createAuthenticator } from '../operators/operators.authenticator.js';
import { operatorsRoutes } from '../operators/operators.routes.js';
import { createOperatorsService, type OperatorsService } from '../operators/operators.service.js';
import { approvalsJobs } from '../approvals/approvals.jobs.js';
import { createApprovalMetrics } from '../approvals/approvals.metrics.js';
import { createApprovalQueries } from '../approvals/approvals.queries.js';
import { createKindRegistry, type KindRegistry } from '../approvals/approvals.registry.js';
import { approvalsRoutes } from '../approvals/approvals.routes.js';
import { createApprovalsService, type ApprovalsService } from '../approvals/approvals.service.js';
import { policySetKind } from '../approvals/policy.kind.js';
import { flagSetKind } from '../flags/flags.kind.js';
import { flagsRoutes } from '../flags/flags.routes.js';
import { createFlagsService, type FlagsService } from '../flags/flags.service.js';
import { consoleRoutes } from '../http/console.routes.js';
import { eventsRoutes } from '../http/events.routes.js';
import {
  createNotificationsService,
  type NotificationsService,
} from '../notifications/notifications.service.js';
import { operatorDirectory } from '../operators/operators.directory.js';
import { operatorRoleKind } from '../operators/operators.kind.js';
import { firstDecisionAt as approvalsFirstDecisionAt } from '../approvals/approvals.repo.js';
import { operatorAdminRoutes } from '../operators/operators.admin.routes.js';
import { createAccountService, type AccountService } from '../operators/operators.account.js';
import { operatorAccountRoutes } from '../operators/operators.account.routes.js';
import { createEventHub } from '../shared/event-hub.js';
import { pgEventPublisher } from '../shared/events.js';
import type pg from 'pg';
import type { Secrets } from '../config.js';
import { readinessChecks } from './readiness.js';
import { COMMIT, VERSION } from '../shared/version.js';
import { clientAccessKind } from '../clients/clients.kind.js';
import { createClientsService, type ClientsService } from '../clients/clients.service.js';
import { clientAddressKind } from '../clients/addresses.kind.js';
import { createAddressesService } from '../clients/addresses.service.js';
import { tradingRoutes } from '../trading/trading.routes.js';
import { tradesConsoleRoutes } from '../trading/trades.console.routes.js';
import { pricingConsoleRoutes } from '../trading/pricing.console.routes.js';
import { tradeView } from '../trading/trades.views.js';
import { clientsRoutes } from '../clients/clients.routes.js';
import { clientsConsoleRoutes } from '../clients/clients.console.routes.js';
import { clientLimitsKind } from '../clients/limits.kind.js';
import { createLimitsService, type LimitsService } from '../clients/limits.service.js';
import { bookedSince } from '../trading/trades.usage.js';
import { createHousePricer, type HousePricer } from '../trading/house.pricer.js';
import { createRfqService, type RfqService } from '../trading/rfq.service.js';
import { httpLpSources } from '../trading/lp.http.js';
import { lpMedian } from '../trading/pricing.band.js';
import { pricingReferenceKind, pricingSpreadsKind } from '../trading/pricing.kinds.js';
import type { AddressesService } from '../clients/addresses.service.js';
import { createTradesService, type TradesService } from '../trading/trades.service.js';
import { tradeAmendKind, tradeCancelKind } from '../trading/trades.kinds.js';
import { createApiKeysService } from '../clients/apikeys.service.js';
import { clientApiRoutes } from '../trading/client.routes.js';
import { createTradingMetrics } from '../trading/trading.metrics.js';
import { wakeDeliverer } from '../telegram/telegram.jobs.js';
import { createTradeSettlementPort } from '../trading/trades.settlement.js';
import { createPaperChain, type PaperChain } from '../wallets/paper.chain.js';
import { createEvmAdapter, type EvmAdapter } from '../wallets/evm/evm.adapter.js';
import type { EvmChain } from '../wallets/evm/evm.connect.js';
import { createWalletsService, type WalletsService } from '../wallets/wallets.service.js';
import { createWalletMetrics } from '../wallets/wallets.metrics.js';
import { walletsRoutes } from '../wallets/wallets.routes.js';
import { createReconciliationService, type ReconciliationService } from '../wallets/reconcile.service.js';
import { createReconciliationMetrics } from '../wallets/reconcile.metrics.js';
import { walletsJobs } from '../wallets/wallets.jobs.js';
import { createSettlementService, type SettlementService } from '../settlement/settlement.service.js';
import { createSettlementWorker, type SettlementWorker } from '../settlement/settlement.worker.js';
import { createSettlementMetrics } from '../settlement/settlement.metrics.js';
import { createSettlementQueries, type SettlementQueries } from '../settlement/settlement.queries.js';
import { settlementDismissKind, settlementRequeueKind } from '../settlement/settlement.kinds.js';
import { settlementJobs } from '../settlement/settlement.jobs.js';
import { settlementRoutes } from '../settlement/settlement.routes.js';
import { createTelegram, type TelegramDeps, type TelegramRuntime } from '../telegram/runtime.js';
import path from 'node:path';
import { CORE_RULES } from '../alerts/alerts.catalog.js';
import { WALLET_ALERT_RULES } from '../wallets/wallets.alerts.js';
import { createAlertRegistry, type AlertRegistry } from '../alerts/alerts.definitions.js';
import { createEvaluator, type Evaluator } from '../alerts/alerts.evaluator.js';
import { alertsJobs } from '../alerts/alerts.jobs.js';
import { alertRuleKind } from '../alerts/alerts.kind.js';
import { createAlertMetrics } from '../alerts/alerts.metrics.js';
import { alertsRoutes } from '../alerts/alerts.routes.js';
import { createAlertsService, type AlertsService } from '../alerts/alerts.service.js';
import { createAuditMetrics } from '../audit/audit.metrics.js';
import { createNotificationMetrics } from '../notifications/notifications.metrics.js';
import { createRingKeyring, type RingKeyring } from '../secrets/secrets.keyring.js';
import {
  createSecretsService,
  TELEGRAM_GRACE_SECONDS,
  type SecretsService,
} from '../secrets/secrets.service.js';
import { createTotpRekey } from '../operators/operators.rekey.js';

export interface Services {
  audit: AuditService;
  operators: OperatorsService;
  auth: AuthService;
  /** The operator's own account: password change, Telegram link codes (`consumeTelegramLinkCode` for the bot). */
  account: AccountService;
  notifications: NotificationsService;
  /** Every controlled change's kind, registered here by its domain (operator.role, flag.set, client.*, …). */
  kinds: KindRegistry;
  approvals: ApprovalsService;
  flags: FlagsService;
  /** Clients (Telegram users who applied, API-only institutions); access changes through `client.access`. */
  clients: ClientsService;
  /** Payout addresses and limits (src/clients); the house pricer, RFQs, accepts and trades (src/trading). */
  trading: {
    addresses: AddressesService;
    limits: LimitsService;
    house: HousePricer;
    rfqs: RfqService;
    trades: TradesService;
  };
  /** The ledger, the desk's wallets and the paper chain (src/wallets). */
  wallets: WalletsService;
  paper: PaperChain;
  /** The EVM adapter when EVM_RPC_URL is set. */
  evm: EvmAdapter | undefined;
  /** Every wallet against its chain, scheduled and on demand (src/wallets). */
  reconciliation: ReconciliationService;
  /** The AUTO_SETTLEMENT gate, flagged events, the settlement worker and its read side (src/settlement). */
  settlement: { service: SettlementService; worker: SettlementWorker; queries: SettlementQueries };
  /** Alert rules (a domain adds its own with `alerts.rules.register`), their state, silences, the evaluator. */
  alerts: { service: AlertsService; evaluator: Evaluator; rules: AlertRegistry };
  /** The key ring every signature and secret at rest goes through, and `desk secrets` (src/secrets). */
  secrets: SecretsService;
  keyring: RingKeyring;
}

export interface ComposeDeps {
  config: Config;
  db: Db;
  /** The pool behind `db`; live events hold one of its connections in LISTEN. */
  pool: pg.Pool;
  logger: Logger;
  clock: Clock;
  secrets: Secrets;
  /** The EVM chain `ethereum` settles on, connected and checked (EVM_RPC_URL set), else paper. */
  evm?: EvmChain;
  /** Reports whether the in-process worker runs (false when this process runs no worker). */
  workerRunning?: () => boolean;
  /** Tests: the bot's info (no getMe), a transformer recording Bot API calls, fake time for throttling. */
  telegram?: TelegramDeps['testing'];
}

export interface Composition {
  /** The database the parts were built on (test support seeds fixtures through it). */
  db: Db;
  services: Services;
  metrics: Metrics;
  jobs: JobsModule[];
  /** The bot and its delivery (null when TELEGRAM_BOT_TOKEN is unset or TELEGRAM_MODE=off). */
  telegram: TelegramRuntime | null;
  /** Why the bot is off, when it is. */
  telegramOff: string | null;
  /** First-start work before serving: the paper hot wallets (created and funded once). */
  prepare: () => Promise<void>;
  /** Builds the HTTP API; `extra` routes are for tests that exercise the HTTP machinery itself. */
  buildHttp: (extra?: FastifyPluginAsync[]) => Promise<DeskServer>;
}

/** The one place where the desk's parts are created and wired together. */
export function compose(deps: ComposeDeps): Composition {
  const { db, clock, logger } = deps;
  const metrics = createMetrics(db, (err) =>
    logger.error({ err: (err as Error).message }, 'desk_errors_total could not be written'),
  );
  // The key ring: env keys plus the ones `desk secrets rotate` made (re-read every few seconds).
  const keyring = createRingKeyring({
    db,
    secrets: deps.secrets,
    ttlMs: deps.config.SECRETS_RELOAD_SECONDS * 1000,
    onReloadError: (err) =>
      logger.warn({ err: (err as Error).message }, 'the key ring could not be re-read: keeping the last one'),
  });
  const audit = createAuditService({
    db,
    clock,
    signingKeyPem: deps.secrets.auditSigningKeyPem,
    signer: () => keyring.auditSigner(),
  });
  const authDeps = { db, audit, clock, secrets: deps.secrets, keyring, config: deps.config };
  const auth = createAuthService(authDeps);
  const account = createAccountService(authDeps);
  const secrets = createSecretsService({
    db,
    clock,
    audit,
    secrets: deps.secrets,
    keyring,
    rekey: createTotpRekey({ db, keyring }),
    maxTokenSeconds: deps.config.SESSION_HOURS * 3600,
    telegramEnv: deps.config.telegram.mode !== 'off' || deps.config.telegram.sendOnly !== null,
  });
  const tg = deps.config.telegram;
  // TELEGRAM_MODE=off with a token receives nothing but still delivers the outbox (send-only).
  const tgRun = tg.mode !== 'off' ? tg : tg.sendOnly && ({ mode: 'send-only', ...tg.sendOnly } as const);
  // With a bot, writing a notification wakes the deliverer; without one they wait in the outbox.
  const notifications = createNotificationsService(tgRun ? { afterEnqueue: wakeDeliverer } : {});
  const operators = createOperatorsService({
    db,
    audit,
    clock,
    config: deps.config,
    notifications,
    firstDecisionAt: approvalsFirstDecisionAt,
  });
  const kinds = createKindRegistry();
  const directory = operatorDirectory;
  const events = pgEventPublisher;
  const approvals = createApprovalsService({
    db,
    audit,
    notifications,
    clock,
    registry: kinds,
    directory,
    events,
    metrics: createApprovalMetrics(metrics.registry, db, clock),
    filingRatePerMinute: deps.config.APPROVALS_FILE_RATE_PER_MINUTE,
  });
  const flags = createFlagsService({
    db,
    audit,
    notifications,
    events,
    clock,
    registry: metrics.registry,
    activeOperatorIds: async (tx) => (await directory.listActive(tx)).map((o) => o.id),
  });
  kinds.register(operatorRoleKind(audit));
  kinds.register(flagSetKind(flags));
  kinds.register(policySetKind(audit, kinds));
  // A client requester is named through the clients domain (built below; called only at request time).
  const queries = createApprovalQueries({
    db,
    directory,
    clientName: async (ex, id) => (await clients.get(id, ex))?.name ?? null,
  });
  const clients = createClientsService({ db, audit, clock, approvals, requests: queries });
  kinds.register(clientAccessKind({ clients, notifications }));
  const addresses = createAddressesService({ db, audit, clock, clients, approvals });
  kinds.register(clientAddressKind({ clients, addresses }));
  const limits = createLimitsService({
    db,
    audit,
    clock,
    bookedSince,
    defaults: {
      perTrade: deps.config.LIMIT_MAX_PER_TRADE_USDT,
      perDay: deps.config.LIMIT_MAX_PER_DAY_USDT,
    },
  });
  kinds.register(clientLimitsKind({ clients, limits }));
  const tradingMetrics = createTradingMetrics(metrics.registry);
  const lpSources = httpLpSources(deps.config); // PRICING_LP_URLS: external liquidity providers over HTTP
  const house = createHousePricer({
    db,
    audit,
    clock,
    configMid: deps.config.PRICING_REFERENCE_MID,
    maxAgeSeconds: deps.config.PRICING_REFERENCE_MAX_AGE_SECONDS,
    tiers: deps.config.PRICING_SPREAD_TIERS,
    maxMoveBps: deps.config.PRICING_MAX_MOVE_BPS,
    minSpreadBps: deps.config.PRICING_MIN_SPREAD_BPS,
    lpMedian: () => lpMedian(lpSources, deps.config.PRICING_DEADLINE_MS),
  });
  kinds.register(pricingReferenceKind(house));
  kinds.register(pricingSpreadsKind(house));
  const rfqs = createRfqService({
    db,
    clock,
    clients,
    sources: () => [house.source, ...lpSources],
    deadlineMs: deps.config.PRICING_DEADLINE_MS,
    ttlSeconds: deps.config.QUOTE_TTL_SECONDS,
    metrics: tradingMetrics,
  });
  const paper = createPaperChain({ db, clock, blockSeconds: deps.config.PAPER_BLOCK_SECONDS });
  const confirmations = deps.config.CONFIRMATIONS_REQUIRED;
  const evm = deps.evm
    ? createEvmAdapter({ db, clock, chain: deps.evm, logger, confirmations: confirmations.ethereum })
    : undefined;
  const wallets = createWalletsService({
    db,
    clock,
    audit,
    paper,
    evm,
    faucetUnits: deps.config.PAPER_FAUCET_USDT,
  });
  createWalletMetrics(metrics.registry, db);
  const settlementDeps = {
    db,
    clock,
    audit,
    flags,
    wallets,
    trades: createTradeSettlementPort({ audit }),
    events,
    notifications,
    settings: {
      largeNotionalUnits: deps.config.SETTLEMENT_LARGE_NOTIONAL_USDT,
      maxAttempts: deps.config.SETTLEMENT_MAX_ATTEMPTS,
      retryBaseMs: deps.config.SETTLEMENT_RETRY_BASE_MS,
      staleSeconds: deps.config.SETTLEMENT_STALE_SECONDS,
      confirmations,
      pollMs: Math.min(deps.config.PAPER_BLOCK_SECONDS * 1000, evm ? deps.config.EVM_POLL_MS : Infinity),
    },
  };
  const settlement = createSettlementService(settlementDeps);
  const settlementWorker = createSettlementWorker({
    ...settlementDeps,
    metrics: createSettlementMetrics(metrics.registry, db),
    logger,
  });
  const settlementQueries = createSettlementQueries(db);
  const reconciliation = createReconciliationService({
    db,
    clock,
    audit,
    wallets,
    inFlight: (ex) => settlementQueries.inFlight(ex),
    toleranceUnits: deps.config.RECONCILE_TOLERANCE_USDT,
  });
  createReconciliationMetrics(metrics.registry, db, reconciliation);
  kinds.register(settlementRequeueKind({ settlement }));
  kinds.register(settlementDismissKind({ settlement }));
  const trades = createTradesService({
    db,
    audit,
    clock,
    clients,
    addresses,
    limits,
    metrics: tradingMetrics,
    approvals,
    settlement,
    priceBand: house,
  });
  kinds.register(
    tradeCancelKind({
      audit,
      clock,
      clients,
      addresses,
      limits,
      onTradeCancelled: (tx, trade, change) => settlement.onTradeCancelled(tx, trade, change),
    }),
  );
  kinds.register(tradeAmendKind({ audit, clock, clients, addresses, limits }));
  const apiKeys = createApiKeysService({ db, audit, clock, clients });
  const publicUrl = deps.config.PUBLIC_URL ?? `http://${deps.config.HOST}:${deps.config.PORT}`;
  createAuditMetrics(metrics.registry, db, clock);
  createNotificationMetrics(metrics.registry, db, notifications);
  // The desk's alert rules; a domain that brings its own registers it here (`alertRules.register(rule)`).
  const alertRules = createAlertRegistry(CORE_RULES);
  for (const rule of WALLET_ALERT_RULES) alertRules.register(rule);
  const alerts = createAlertsService({
    db,
    clock,
    audit,
    events,
    rules: alertRules,
    settings: {
      silenceMaxMinutes: deps.config.ALERTS_SILENCE_MAX_MINUTES,
      silenceMaxCriticalMinutes: deps.config.ALERTS_SILENCE_MAX_CRITICAL_MINUTES,
      alertSettings: deps.config.alertSettings,
      docsDir: path.resolve(import.meta.dirname, '../../docs'),
    },
  });
  kinds.register(alertRuleKind(alerts));
  createAlertMetrics(metrics.registry, db, clock, alertRules);
  const evaluator = createEvaluator({
    db,
    clock,
    rules: alertRules,
    metrics: metrics.registry,
    notifications,
    events,
    owners: async (tx, role) =>
      (await directory.listActive(tx))
        .filter((o) => o.telegramLinked && o.roles.includes(role))
        .map((o) => o.id),
    seed: async () => {
      await alerts.seed();
    },
    settings: { repeatSeconds: deps.config.ALERTS_REPEAT_MINUTES * 60, publicUrl },
  });
  const services: Services = {
    audit,
    operators,
    auth,
    account,
    notifications,
    kinds,
    approvals,
    flags,
    clients,
    trading: { addresses, limits, house, rfqs, trades },
    wallets,
    paper,
    evm,
    reconciliation,
    settlement: { service: settlement, worker: settlementWorker, queries: settlementQueries },
    alerts: { service: alerts, evaluator, rules: alertRules },
    secrets,
    keyring,
  };
  const telegram = !tgRun
    ? null
    : createTelegram({
        settings: tgRun,
        db,
        clock,
        logger,
        registry: metrics.registry,
        publicUrl,
        notifications,
        account,
        auth,
        approvals,
        queries,
        clients,
        audit,
        trading: { rfqs, trades, addresses },
        errors: metrics.errors,
        testing: deps.telegram,
        credentials: {
          read: async (fresh) => {
            if (fresh) await keyring.refresh();
            return keyring.telegram();
          },
          reloadMs: keyring.ttlMs,
          graceMs: TELEGRAM_GRACE_SECONDS * 1000,
        },
      });

  const authenticator = createAuthenticator(auth);
  const jobs: JobsModule[] = [
    auditJobs({ audit, config: deps.config, logger }),
    approvalsJobs({ approvals, logger }),
    settlementJobs({ worker: settlementWorker, logger }),
    alertsJobs({ alerts, evaluator, evalSeconds: deps.config.ALERTS_EVAL_SECONDS, logger }),
    walletsJobs({ reconciliation, cron: deps.config.RECONCILE_CRON, logger }),
    ...(telegram ? [telegram.jobs] : []),
  ];

  const routes: FastifyPluginAsync[] = [
    healthRoutes({
      version: VERSION,
      commit: COMMIT,
      registry: metrics.registry,
      checks: readinessChecks({
        db,
        clock,
        notifications,
        workerRunning: deps.workerRunning,
        delivery: telegram
          ? `telegram (${telegram.mode === 'send-only' ? 'send-only: TELEGRAM_MODE is off, no updates received' : telegram.mode})`
          : `off (${tg.mode === 'off' ? tg.reason : ''}): notifications stay queued`,
      }),
    }),
    operatorsRoutes({ auth, operators, config: deps.config }),
    auditRoutes({ audit }),
    approvalsRoutes({ approvals, queries, db, directory, now: () => clock.now() }),
    flagsRoutes({ flags, approvals, queries, directory, db }),
    tradingRoutes({ house, trades }),
    tradesConsoleRoutes({ trades, requests: queries }),
    pricingConsoleRoutes({
      house,
      rfqs,
      now: () => clock.now(),
    }),
    clientsRoutes({
      clients,
      addresses,
      limits,
      keys: apiKeys,
      approvals,
      recentTrades: async (clientId) => (await trades.list({ clientId, limit: 50 })).items.map(tradeView),
    }),
    clientsConsoleRoutes({
      clients,
      addresses,
      requests: queries,
      tradingSince: (since) => trades.clientsTradingSince(since),
      now: () => clock.now(),
    }),
    clientApiRoutes({
      keys: apiKeys,
      rfqs,
      trades,
      ratePerMinute: deps.config.CLIENT_API_RATE_PER_MINUTE,
    }),
    settlementRoutes({
      queries: settlementQueries,
      paper: !evm,
      paperWallet: (id) => id.startsWith('paper:'),
      now: () => clock.now(),
    }),
    walletsRoutes({ db, wallets, reconciliation }),
    alertsRoutes({ alerts }),
    operatorAdminRoutes({ operators }),
    operatorAccountRoutes({
      account,
      config: deps.config,
      bot: telegram ? { username: () => telegram.botUsername() } : null,
    }),
    eventsRoutes({ hub: createEventHub(deps.pool), db, events, clock }),
    ...(telegram?.routes ?? []),
    consoleRoutes(),
  ];

  return {
    db,
    services,
    metrics,
    jobs,
    telegram,
    telegramOff: !telegram && tg.mode === 'off' ? tg.reason : null,
    prepare: async () => {
      await wallets.ensureHotWallets();
      await evaluator.prime();
    },
    buildHttp: (extra = []) =>
      buildServer({
        logger,
        metrics,
        clock,
        authenticator,
        bodyLimit: deps.config.BODY_LIMIT_BYTES,
        trustProxy: deps.config.TRUST_PROXY,
        strictResponses: deps.config.NODE_ENV === 'test',
        routes: [...routes, ...extra],
      }),
  };
}
