import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  ConfigError,
  parseConfirmations,
  parsedWith,
  parseLpUrls,
  parseSpreadTiers,
  parseTrustProxy,
  parseUsdtSetting,
} from './config.parse.js';
import { assertProductionSecrets } from './config.secrets.js';
import { telegramSettings, type TelegramSettings } from './config.telegram.js';
import { evmSettings, type EvmSettings } from './config.evm.js';
import { parseUnits } from 'viem';

export { ConfigError } from './config.parse.js';
export { auditKeyPem, auditKeyProblem, decodeKey, splitJwtKeys } from './config.secrets.js';
export type { TelegramSettings } from './config.telegram.js';

/**
 * Every setting of the desk, parsed once at start. Secrets may come from `NAME` or from a file named
 * by `NAME_FILE` (Docker/Kubernetes secrets). The README's configuration table mirrors this schema.
 */
const SECRET_NAMES = [
  'DATABASE_URL',
  'JWT_SIGNING_KEYS',
  'AUDIT_SIGNING_KEY',
  'DATA_ENCRYPTION_KEY',
  'SETUP_TOKEN',
  'TELEGRAM_BOT_TOKEN',
  'TELEGRAM_WEBHOOK_SECRET',
  'PRICING_LP_TOKEN',
  'EVM_HOT_WALLET_KEY',
] as const;

const intFromEnv = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(9090),
  PUBLIC_URL: z.string().url().optional(),
  DATABASE_URL: z.string().optional(),
  DESK_DATA_DIR: z.string().default('./.desk'),
  DB_POOL_MAX: intFromEnv(10, 1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `kid:secret,kid2:secret2` — the first key signs, every key verifies (rotation without downtime). */
  JWT_SIGNING_KEYS: z.string().optional(),
  ACCESS_TOKEN_MINUTES: intFromEnv(15, 1),
  SESSION_HOURS: intFromEnv(12, 1),
  /** How often a running desk re-reads the key ring (`desk secrets rotate`); unknown key ids re-read at once. */
  SECRETS_RELOAD_SECONDS: intFromEnv(5, 1),
  STEP_UP_MINUTES: intFromEnv(10, 1),
  /** Ed25519 private key (PKCS#8 PEM or base64 DER) that signs audit checkpoints. */
  AUDIT_SIGNING_KEY: z.string().optional(),
  AUDIT_SEAL_CRON: z.string().default('* * * * *'),
  /** 32 bytes, base64 or hex: encrypts TOTP secrets at rest. */
  DATA_ENCRYPTION_KEY: z.string().optional(),
  SETUP_TOKEN: z.string().optional(),
  /** How long a new operator's one-time invitation link stays valid. */
  INVITATION_TTL_HOURS: intFromEnv(72, 1),
  LOGIN_MAX_FAILURES: intFromEnv(5, 1),
  LOGIN_LOCK_MINUTES: intFromEnv(15, 1),
  LOGIN_RATE_PER_MINUTE: intFromEnv(20, 1),
  /**
   * Change requests one operator (console, API) or one client (Telegram, client API) may file in any
   * 60 seconds; past it, 429 RATE_LIMITED with Retry-After. Counted in PostgreSQL per requester.
   */
  APPROVALS_FILE_RATE_PER_MINUTE: intFromEnv(20, 1),
  BODY_LIMIT_BYTES: intFromEnv(1_048_576, 1024),
  /**
   * Which hops may set X-Forwarded-For (Fastify's `trustProxy`): `false` (the peer is the client),
   * a hop count, or the proxies' addresses / CIDRs. `true` (believe any sender) is refused: anyone could
   * then pick the IP the login limit and the audit trail see.
   */
  TRUST_PROXY: z.string().default('false').transform(parsedWith(parseTrustProxy)),
  WORKER_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  WORKER_CONCURRENCY: intFromEnv(4, 1),
  /**
   * Jobs the worker locks and holds in memory per fetch (graphile-worker's `localQueue.size`; 0 = off,
   * each free slot asks the database for its next job). On, it saves the fetch query per job under
   * load; the cost: jobs a crashed worker had fetched stay locked until graphile-worker's lock expiry
   * (4 hours) — settlements are re-enqueued sooner by the settlement sweep (SETTLEMENT_STALE_SECONDS),
   * other jobs wait — and another worker process cannot take them meanwhile. Set it at least to
   * WORKER_CONCURRENCY. See docs/settlement.md, Benchmark.
   */
  WORKER_LOCAL_QUEUE_SIZE: intFromEnv(0, 0),
  /**
   * Batches the worker's "job done" and "job failed" writes over this many milliseconds
   * (graphile-worker's `completeJobBatchDelay` / `failJobBatchDelay`; 0 = off, one write per job).
   * The cost: a job finished but not yet marked done when the worker dies runs again (every desk job
   * is safe to repeat).
   */
  WORKER_COMPLETE_BATCH_MS: intFromEnv(0, 0),
  /** From BotFather. Unset: the bot is off and notifications stay queued in the outbox. */
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, 'looks like 123456:ABC-DEF… (from BotFather)')
    .optional(),
  TELEGRAM_MODE: z.enum(['polling', 'webhook', 'off']).default('polling'),
  /** Telegram sends it in X-Telegram-Bot-Api-Secret-Token on every webhook call (1–256 of A-Z a-z 0-9 _ -). */
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, 'must be 16–256 characters of A-Z a-z 0-9 _ -')
    .optional(),
  /** The operators' group chat that hears about every new request (negative id for groups). */
  TELEGRAM_OPS_CHAT_ID: z
    .string()
    .regex(/^-?\d{1,20}$/, 'must be a chat id (an integer; groups are negative)')
    .optional(),
  /** The Bot API server: Telegram's, or a self-hosted telegram-bot-api (or a test emulator). */
  TELEGRAM_API_ROOT: z.string().url().default('https://api.telegram.org'),
  /** Default limits for a client without its own (`client.limits`), in USDT (parsed to units). */
  LIMIT_MAX_PER_TRADE_USDT: z
    .string()
    .regex(/^\d+(\.\d{1,6})?$/, 'a USDT amount such as 250000')
    .default('250000')
    .transform(parsedWith(parseUsdtSetting)),
  LIMIT_MAX_PER_DAY_USDT: z
    .string()
    .regex(/^\d+(\.\d{1,6})?$/, 'a USDT amount such as 1000000')
    .default('1000000')
    .transform(parsedWith(parseUsdtSetting)),
  /** The house pricer's reference mid (quote currency per USDT) until one is set through the API; the band's anchor until a pricing.reference is co-signed. */
  PRICING_REFERENCE_MID: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'a decimal price such as 1.0002')
    .optional(),
  /** A reference set through the API older than this refuses to quote. */
  PRICING_REFERENCE_MAX_AGE_SECONDS: intFromEnv(300, 1),
  /** Spread tiers by notional: `fromUsdt:bps,…` — each side of the mid, the tier with the largest `from` ≤ the amount applies. */
  PRICING_SPREAD_TIERS: z
    .string()
    .regex(/^\d+:\d+(\.\d+)?(,\d+:\d+(\.\d+)?)*$/, 'fromUsdt:bps pairs such as 0:15,100000:10')
    .default('0:15,100000:10,1000000:7')
    .transform(parsedWith(parseSpreadTiers)),
  /**
   * The price band: one risk officer moves the house reference at most this far (basis points) from
   * the current one, the last co-signed one and the LPs' median; further needs a co-signed
   * `pricing.reference`. An accept books a price only within this plus the spread of the reference.
   */
  PRICING_MAX_MOVE_BPS: z.coerce
    .number({ message: 'must be a whole number of basis points such as 200 (2 %)' })
    .int('must be a whole number of basis points such as 200 (2 %)')
    .min(1, 'must be at least 1 bp')
    .max(5_000, 'must be at most 5000 bps (50 %): a wider band is no band')
    .default(200),
  /** No spread tier set through `pricing.spreads` (nor in PRICING_SPREAD_TIERS) may be below this (bps). */
  PRICING_MIN_SPREAD_BPS: z.coerce
    .number({ message: 'must be a whole number of basis points such as 5' })
    .int('must be a whole number of basis points such as 5')
    .min(0, 'must be 0 or more')
    .max(1_000, 'must be at most 1000 bps (10 %), the widest spread the desk accepts')
    .default(5),
  /** How long every pricing source gets to answer an RFQ. */
  PRICING_DEADLINE_MS: intFromEnv(1500, 10),
  /** External liquidity providers over HTTP, asked alongside the house: `name=https://…,name2=https://…` (docs/trading.md). */
  PRICING_LP_URLS: z.string().default('').transform(parsedWith(parseLpUrls)),
  /** Sent to every liquidity provider as `Authorization: Bearer <token>`. */
  PRICING_LP_TOKEN: z.string().min(1).optional(),
  /** How long an offered quote stays firm. */
  QUOTE_TTL_SECONDS: intFromEnv(15, 1),
  /** Client API calls per key per minute. */
  CLIENT_API_RATE_PER_MINUTE: intFromEnv(120, 1),
  /** A trade above this notional (USDT) is held for review (`LARGE_NOTIONAL_REVIEW`) instead of settling on its own. */
  SETTLEMENT_LARGE_NOTIONAL_USDT: z
    .string()
    .regex(/^\d+(\.\d{1,6})?$/, 'a USDT amount such as 100000')
    .default('100000')
    .transform(parsedWith(parseUsdtSetting)),
  /** Attempts at broadcasting a settlement before it is flagged `MAX_RETRIES_EXCEEDED`. */
  SETTLEMENT_MAX_ATTEMPTS: intFromEnv(5, 1),
  /** The first retry waits this long; each next one twice as long (capped at 10 minutes). */
  SETTLEMENT_RETRY_BASE_MS: intFromEnv(2000, 1),
  /** A queued or submitted settlement untouched for this long gets its job enqueued again (after a crashed worker). */
  SETTLEMENT_STALE_SECONDS: intFromEnv(60, 1),
  /** Confirmations a transfer needs before it is final, per network: `network:n,…`. */
  CONFIRMATIONS_REQUIRED: z
    .string()
    .regex(
      /^(tron|ethereum):\d{1,4}(,(tron|ethereum):\d{1,4})*$/,
      'network:n pairs such as tron:19,ethereum:12',
    )
    .default('tron:3,ethereum:3')
    .transform(parsedWith(parseConfirmations)),
  /** The paper chain's block interval: confirmations grow by one per block. */
  PAPER_BLOCK_SECONDS: intFromEnv(3, 1),
  /** What the paper faucet puts in each new paper hot wallet on first start (USDT). */
  PAPER_FAUCET_USDT: z
    .string()
    .regex(/^\d+(\.\d{1,6})?$/, 'a USDT amount such as 10000000')
    .default('10000000')
    .transform(parsedWith(parseUsdtSetting)),
  /** How often the worker evaluates the alert rules. */
  ALERTS_EVAL_SECONDS: intFromEnv(15, 1),
  /** While an alert fires, a reminder this often (like Alertmanager's repeat_interval). */
  ALERTS_REPEAT_MINUTES: intFromEnv(60, 1),
  /** The longest silence of any rule. */
  ALERTS_SILENCE_MAX_MINUTES: intFromEnv(7 * 24 * 60, 1),
  /** The longest silence of a critical rule. */
  ALERTS_SILENCE_MAX_CRITICAL_MINUTES: intFromEnv(240, 1),
  /** The EVM JSON-RPC node the `ethereum` network settles through; unset: `ethereum` stays on the paper chain. */
  EVM_RPC_URL: z.string().url().optional(),
  /** The chain the node must serve (checked at start: 1 mainnet, 11155111 Sepolia, 31337 a local chain). */
  EVM_CHAIN_ID: z.coerce.number().int().min(1).optional(),
  /** The USDT token contract; its decimals() must be 6 (checked at start). */
  EVM_USDT_CONTRACT: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, 'an address such as 0xdAC17F958D2ee523a2206206994597C13D831ec7')
    .optional(),
  /** The hot wallet's private key (32 bytes hex); never logged or returned, only its address is shown. */
  EVM_HOT_WALLET_KEY: z
    .string()
    .regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be a private key: 64 hex digits (0x…)')
    .optional(),
  /** The most the desk pays per gas (EIP-1559 max fee), in gwei: above it the desk waits and says why. */
  EVM_MAX_FEE_GWEI: z
    .string()
    .regex(/^\d+(\.\d{1,9})?$/, 'gwei such as 150 or 12.5')
    .default('200'),
  /** A transfer not mined this long after it was sent is replaced at the same nonce with fees bumped ≥ 12.5 %. */
  EVM_STUCK_SECONDS: intFromEnv(180, 1),
  /** How often a transfer in flight on the EVM chain is checked (receipts, confirmations, deposits). */
  EVM_POLL_MS: intFromEnv(3000, 10),
  /** When wallets are reconciled against their chains (cron, in the worker). */
  RECONCILE_CRON: z
    .string()
    .regex(/^\S+( \S+){4}$/, 'a cron schedule of five fields such as */10 * * * *')
    .default('*/10 * * * *'),
  /** A reconciliation difference above this (USDT, per wallet and asset) raises wallet_reconciliation_drift and fails `desk wallets reconcile`. */
  RECONCILE_TOLERANCE_USDT: z
    .string()
    .regex(/^\d+(\.\d{1,6})?$/, 'a USDT amount such as 0 or 0.01')
    .default('0')
    .transform((text) => parseUnits(text, 6)),
});

/**
 * The settings as the desk uses them: parsed once (USDT amounts as bigint units, spread tiers,
 * confirmations per network, liquidity providers, trusted proxies), plus the data folder resolved and
 * the Telegram mode as a variant. `alertSettings`: ALERT_<RULE>_THRESHOLD / ALERT_<RULE>_FOR as given,
 * a pattern rather than fixed names (each rule has its own), checked against the rules when they are
 * seeded (src/alerts/alerts.rules.ts).
 */
export type Config = z.output<typeof schema> & {
  dataDir: string;
  telegram: TelegramSettings;
  alertSettings: Record<string, string>;
  evm: EvmSettings;
};

const ALERT_SETTING = /^ALERT_[A-Z0-9_]+_(THRESHOLD|FOR)$/;

/** The secrets the desk runs with, resolved once at start (src/main/secrets.ts): from env or *_FILE, or generated for development. */
export interface Secrets {
  /** kid → secret; the first entry signs. */
  jwtKeys: { kid: string; secret: Buffer }[];
  auditSigningKeyPem: string;
  dataEncryptionKey: Buffer;
}

/** Every setting's name (the README's configuration table and .env.example list each one). */
export const SETTING_NAMES = Object.keys(schema.shape);

/**
 * Reads `NAME_FILE` into `NAME` for every secret, so the rest of the code sees one value. Setting both
 * is refused: which one wins would be a guess, and a stale value in the environment would silently
 * shadow a rotated secret file.
 */
function resolveSecretFiles(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of SECRET_NAMES) {
    const file = env[`${name}_FILE`];
    if (!file) continue;
    if (env[name]) throw new ConfigError(`${name} and ${name}_FILE are both set: set only one`);
    try {
      out[name] = readFileSync(file, 'utf8').trim();
    } catch {
      throw new ConfigError(`${name}_FILE points to ${file}, which cannot be read`);
    }
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(resolveSecretFiles(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  const config: Config = {
    ...parsed.data,
    dataDir: path.resolve(parsed.data.DESK_DATA_DIR),
    telegram: telegramSettings(parsed.data),
    alertSettings: Object.fromEntries(
      Object.entries(env).filter(
        (e): e is [string, string] => ALERT_SETTING.test(e[0]) && e[1] !== undefined,
      ),
    ),
    evm: evmSettings(parsed.data),
  };
  const narrow = config.PRICING_SPREAD_TIERS.filter((t) => t.bps.lt(config.PRICING_MIN_SPREAD_BPS));
  if (narrow.length > 0)
    throw new ConfigError(
      `invalid configuration: PRICING_SPREAD_TIERS: ${narrow.map((t) => `${t.bps.toFixed()} bps from ${(t.fromUnits / 1_000_000n).toString()}`).join(', ')} is below PRICING_MIN_SPREAD_BPS (${config.PRICING_MIN_SPREAD_BPS})`,
    );
  if (config.NODE_ENV === 'production') assertProductionSecrets(config);
  return config;
}
