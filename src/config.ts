import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

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
  STEP_UP_MINUTES: intFromEnv(10, 1),
  /** Ed25519 private key (PKCS#8 PEM or base64 DER) that signs audit checkpoints. */
  AUDIT_SIGNING_KEY: z.string().optional(),
  AUDIT_SEAL_CRON: z.string().default('* * * * *'),
  /** 32 bytes, base64 or hex: encrypts TOTP secrets at rest. */
  DATA_ENCRYPTION_KEY: z.string().optional(),
  SETUP_TOKEN: z.string().optional(),
  LOGIN_MAX_FAILURES: intFromEnv(5, 1),
  LOGIN_LOCK_MINUTES: intFromEnv(15, 1),
  LOGIN_RATE_PER_MINUTE: intFromEnv(20, 1),
  BODY_LIMIT_BYTES: intFromEnv(1_048_576, 1024),
  /**
   * Which hops may set X-Forwarded-For (Fastify's `trustProxy`): `false` (the peer is the client),
   * a hop count, or the proxies' addresses / CIDRs. `true` (believe any sender) is refused: anyone could
   * then pick the IP the login limit and the audit trail see.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((text, ctx): false | number | string[] => {
      try {
        return parseTrustProxy(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        return z.NEVER;
      }
    }),
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
  /** Default limits for a client without its own (`client.limits`), in USDT. */
  LIMIT_MAX_PER_TRADE_USDT: z
    .string()
    .regex(/^\d+(\.\d{1,6})?$/, 'a USDT amount such as 250000')
    .default('250000'),
  LIMIT_MAX_PER_DAY_USDT: z
    .string()
    .regex(/^\d+(\.\d{1,6})?$/, 'a USDT amount such as 1000000')
    .default('1000000'),
  /** The house pricer's reference mid (quote currency per USDT) until a risk officer sets one with PUT /api/pricing/reference. */
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
    .default('0:15,100000:10,1000000:7'),
  /** How long every pricing source gets to answer an RFQ. */
  PRICING_DEADLINE_MS: intFromEnv(1500, 10),
  /** External liquidity providers over HTTP, asked alongside the house: `name=https://…,name2=https://…` (docs/trading.md). */
  PRICING_LP_URLS: z
    .string()
    .optional()
    .superRefine((text, ctx) => {
      if (text === undefined) return;
      try {
        parseLpUrls(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      }
    }),
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
    .default('100000'),
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
    .default('tron:3,ethereum:3'),
  /** The paper chain's block interval: confirmations grow by one per block. */
  PAPER_BLOCK_SECONDS: intFromEnv(3, 1),
  /** What the paper faucet puts in each new paper hot wallet on first start (USDT). */
  PAPER_FAUCET_USDT: z
    .string()
    .regex(/^\d+(\.\d{1,6})?$/, 'a USDT amount such as 10000000')
    .default('10000000'),
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
    .default('0'),
});

export type Config = z.infer<typeof schema> & { dataDir: string };

/** Every setting's name (the README's configuration table and .env.example list each one). */
export const SETTING_NAMES = Object.keys(schema.shape);

export class ConfigError extends Error {}

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
  const config = { ...parsed.data, dataDir: path.resolve(parsed.data.DESK_DATA_DIR) };
  if (config.NODE_ENV === 'production') assertProductionSecrets(config);
  telegramSettings(config);
  evmSettings(config);
  return config;
}

/** The `ethereum` network's chain: off (paper), or everything needed to settle on an EVM node. */
export type EvmSettings =
  | { mode: 'off' }
  | {
      mode: 'on';
      rpcUrl: string;
      chainId: number;
      usdtContract: `0x${string}`;
      hotWalletKey: `0x${string}`;
      maxFeeGwei: string;
      stuckSeconds: number;
      pollMs: number;
    };

export function evmSettings(
  config: Pick<
    Config,
    | 'EVM_RPC_URL'
    | 'EVM_CHAIN_ID'
    | 'EVM_USDT_CONTRACT'
    | 'EVM_HOT_WALLET_KEY'
    | 'EVM_MAX_FEE_GWEI'
    | 'EVM_STUCK_SECONDS'
    | 'EVM_POLL_MS'
  >,
): EvmSettings {
  if (!config.EVM_RPC_URL) return { mode: 'off' };
  const missing = (['EVM_CHAIN_ID', 'EVM_USDT_CONTRACT', 'EVM_HOT_WALLET_KEY'] as const).filter(
    (name) => config[name] === undefined,
  );
  if (missing.length > 0 || !config.EVM_CHAIN_ID || !config.EVM_USDT_CONTRACT || !config.EVM_HOT_WALLET_KEY)
    throw new ConfigError(`EVM_RPC_URL is set: ${missing.join(', ')} must be set too`);
  const key = config.EVM_HOT_WALLET_KEY;
  return {
    mode: 'on',
    rpcUrl: config.EVM_RPC_URL,
    chainId: config.EVM_CHAIN_ID,
    usdtContract: config.EVM_USDT_CONTRACT as `0x${string}`,
    hotWalletKey: (key.startsWith('0x') ? key : `0x${key}`) as `0x${string}`,
    maxFeeGwei: config.EVM_MAX_FEE_GWEI,
    stuckSeconds: config.EVM_STUCK_SECONDS,
    pollMs: config.EVM_POLL_MS,
  };
}

/** `TRUST_PROXY` → Fastify's `trustProxy`: `false`, a hop count, or addresses, CIDRs and proxy-addr's named ranges. */
export function parseTrustProxy(text: string): false | number | string[] {
  const value = text.trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true')
    throw new Error("true would believe any X-Forwarded-For: give the hop count or the proxies' addresses");
  if (/^\d+$/.test(value)) return Number(value) === 0 ? false : Number(value);
  return value.split(',').map((entry) => {
    const item = entry.trim();
    if (['loopback', 'linklocal', 'uniquelocal'].includes(item)) return item;
    const [addr = '', prefix, extra] = item.split('/');
    const family = isIP(addr);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || extra !== undefined || !prefixOk)
      throw new Error(`"${item}" is not an address, a CIDR, loopback, linklocal or uniquelocal`);
    return item;
  });
}

/**
 * `PRICING_LP_URLS` → the liquidity providers: `name=url` pairs separated by commas; names are
 * 1–40 of `a-z 0-9 -`, unique and not `house`; URLs are http(s) without credentials.
 */
export function parseLpUrls(text: string | undefined): { name: string; url: string }[] {
  if (text === undefined || text.trim() === '') return [];
  const seen = new Set<string>();
  return text.split(',').map((pair) => {
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const url = pair.slice(at + 1).trim();
    if (at < 0 || !/^[a-z0-9-]{1,40}$/.test(name))
      throw new Error(`"${pair.trim()}" is not name=url (a name is 1–40 of a-z 0-9 -)`);
    if (name === 'house')
      throw new Error('"house" is the built-in pricer: name the liquidity provider otherwise');
    if (seen.has(name)) throw new Error(`the liquidity provider "${name}" is named twice`);
    seen.add(name);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new Error(`${name}: "${url}" is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
      throw new Error(`${name}: the URL must be http(s)`);
    if (parsed.username || parsed.password)
      throw new Error(`${name}: put no credentials in the URL (use PRICING_LP_TOKEN)`);
    return { name, url: parsed.toString() };
  });
}

/** The bot's mode as a discriminated variant: what runs, with exactly the settings that mode needs. */
export type TelegramSettings =
  /** No updates are received; with a token, `sendOnly` still delivers the notifications outbox. */
  | {
      mode: 'off';
      reason: string;
      sendOnly: { token: string; opsChatId: string | null; apiRoot: string } | null;
    }
  | { mode: 'polling'; token: string; opsChatId: string | null; apiRoot: string }
  | {
      mode: 'webhook';
      token: string;
      opsChatId: string | null;
      apiRoot: string;
      secret: string;
      url: string;
    };

export function telegramSettings(
  config: Pick<
    Config,
    | 'TELEGRAM_BOT_TOKEN'
    | 'TELEGRAM_MODE'
    | 'TELEGRAM_WEBHOOK_SECRET'
    | 'TELEGRAM_OPS_CHAT_ID'
    | 'TELEGRAM_API_ROOT'
    | 'PUBLIC_URL'
  >,
): TelegramSettings {
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) return { mode: 'off', reason: 'TELEGRAM_BOT_TOKEN is not set', sendOnly: null };
  const common = { token, opsChatId: config.TELEGRAM_OPS_CHAT_ID ?? null, apiRoot: config.TELEGRAM_API_ROOT };
  if (config.TELEGRAM_MODE === 'off')
    return { mode: 'off', reason: 'TELEGRAM_MODE is off', sendOnly: common };
  if (config.TELEGRAM_MODE === 'polling') return { mode: 'polling', ...common };
  const problems: string[] = [];
  if (!config.TELEGRAM_WEBHOOK_SECRET)
    problems.push('TELEGRAM_WEBHOOK_SECRET is missing (Telegram must prove each webhook call)');
  if (!config.PUBLIC_URL)
    problems.push('PUBLIC_URL is missing (Telegram needs the address of POST /telegram/webhook)');
  if (problems.length > 0 || !config.TELEGRAM_WEBHOOK_SECRET || !config.PUBLIC_URL)
    throw new ConfigError(`TELEGRAM_MODE=webhook: ${problems.join('; ')}`);
  return {
    mode: 'webhook',
    ...common,
    secret: config.TELEGRAM_WEBHOOK_SECRET,
    url: new URL('/telegram/webhook', config.PUBLIC_URL).toString(),
  };
}

/**
 * The floor for a 32-character secret or a 32-byte key. A random one estimates at 90–250 bits (hex
 * shows fewer than base64), so an honest key always clears it; 'x' × 40, 'abcd' × 10 or
 * 'abcdef…0123…' estimate under 20.
 */
const MIN_KEY_BITS = 64;
const GENERATE_HINT =
  'a repeated pattern, a sequence or too few distinct characters (generate one: openssl rand -base64 32)';

/** In production, secrets have no defaults: name every missing or weak one and refuse to start. */
function assertProductionSecrets(config: Config): void {
  const problems: string[] = [];
  if (!config.JWT_SIGNING_KEYS) problems.push('JWT_SIGNING_KEYS is missing');
  else problems.push(...jwtKeyProblems(config.JWT_SIGNING_KEYS));
  if (!config.AUDIT_SIGNING_KEY) problems.push('AUDIT_SIGNING_KEY is missing');
  else problems.push(...auditKeyProblems(config.AUDIT_SIGNING_KEY));
  if (!config.DATA_ENCRYPTION_KEY) problems.push('DATA_ENCRYPTION_KEY is missing');
  else {
    const key = decodeKey(config.DATA_ENCRYPTION_KEY);
    if (key?.length !== 32) problems.push('DATA_ENCRYPTION_KEY must be 32 bytes (base64 or hex)');
    else if (estimatedEntropyBits(key) < MIN_KEY_BITS)
      problems.push(`DATA_ENCRYPTION_KEY is predictable: ${GENERATE_HINT}`);
  }
  const optional = [
    ['SETUP_TOKEN', config.SETUP_TOKEN, 32, MIN_KEY_BITS],
    ['PRICING_LP_TOKEN', config.PRICING_LP_TOKEN, 16, MIN_KEY_BITS / 2],
    ['TELEGRAM_WEBHOOK_SECRET', config.TELEGRAM_WEBHOOK_SECRET, 16, MIN_KEY_BITS / 2],
  ] as const;
  for (const [name, value, minLength, minBits] of optional) {
    if (value === undefined) continue;
    if (value.length < minLength) problems.push(`${name} is shorter than ${minLength} characters`);
    else if (estimatedEntropyBits(value) < minBits) problems.push(`${name} is predictable: ${GENERATE_HINT}`);
  }
  if (config.DATABASE_URL && /:(password|postgres|changeme)@/.test(config.DATABASE_URL)) {
    problems.push('DATABASE_URL uses a well-known password');
  }
  const plainLps = parseLpUrls(config.PRICING_LP_URLS).filter(
    (lp) => lp.url.startsWith('http:') && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(lp.url),
  );
  if (plainLps.length > 0)
    problems.push(
      `PRICING_LP_URLS: ${plainLps.map((lp) => lp.name).join(', ')} must use https (the token and the prices travel over it)`,
    );
  if (problems.length > 0) {
    throw new ConfigError(`refusing to start in production: ${problems.join('; ')}`);
  }
}

function jwtKeyProblems(spec: string): string[] {
  const entries = splitJwtKeys(spec);
  if (!entries) return ['JWT_SIGNING_KEYS entries must look like kid:secret'];
  const problems: string[] = [];
  const kids = new Set<string>();
  for (const { kid, secret } of entries) {
    if (kids.has(kid)) problems.push(`JWT_SIGNING_KEYS names the key "${kid}" twice`);
    kids.add(kid);
    if (secret.length < 32) problems.push(`JWT_SIGNING_KEYS has a key shorter than 32 characters ("${kid}")`);
    else if (estimatedEntropyBits(secret) < MIN_KEY_BITS)
      problems.push(`JWT_SIGNING_KEYS key "${kid}" is predictable: ${GENERATE_HINT}`);
  }
  return problems;
}

/** `JWT_SIGNING_KEYS` as `kid:secret` entries, the signing key first; undefined when one is malformed. */
export function splitJwtKeys(spec: string): { kid: string; secret: string }[] | undefined {
  const entries = spec.split(',').map((entry) => {
    const at = entry.indexOf(':');
    return { kid: at > 0 ? entry.slice(0, at).trim() : '', secret: at > 0 ? entry.slice(at + 1).trim() : '' };
  });
  return entries.every((e) => e.kid !== '' && e.secret !== '') ? entries : undefined;
}

function auditKeyProblems(raw: string): string[] {
  const problem = auditKeyProblem(auditKeyPem(raw));
  return problem ? [`AUDIT_SIGNING_KEY ${problem}`] : [];
}

/** Why this PEM cannot sign audit checkpoints (checked at start, not after migrations); undefined when it can. */
export function auditKeyProblem(pem: string): string | undefined {
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch {
    return 'is not a private key (PKCS#8 PEM or its base64 body; openssl genpkey -algorithm ed25519)';
  }
  return type === 'ed25519'
    ? undefined
    : `must be an Ed25519 key, not ${type ?? 'unknown'} (openssl genpkey -algorithm ed25519)`;
}

/** `AUDIT_SIGNING_KEY` as PEM: either given so, or the base64 body of one. */
export function auditKeyPem(raw: string): string {
  return raw.includes('BEGIN') ? raw : `-----BEGIN PRIVATE KEY-----\n${raw}\n-----END PRIVATE KEY-----\n`;
}

/**
 * A cautious guess at a secret's entropy in bits, to refuse the obviously weak: the Shannon entropy of
 * its symbols times their count, after collapsing a repeated unit ("abcabc" counts as "abc"), and no
 * more than the same for the steps between neighbours (so "abcdef…" counts as a run, not 26 letters).
 * It cannot see that a random-looking string was copied from a blog post; it only catches the lazy.
 */
export function estimatedEntropyBits(value: string | Uint8Array): number {
  const symbols =
    typeof value === 'string' ? Array.from(value, (c) => c.codePointAt(0) ?? 0) : Array.from(value);
  const unit = shortestRepeatingUnit(symbols);
  const steps = unit.slice(1).map((c, i) => c - (unit[i] ?? 0));
  return Math.min(shannonBits(unit), shannonBits(steps));
}

function shortestRepeatingUnit(symbols: number[]): number[] {
  for (let period = 1; period <= symbols.length / 2; period++) {
    if (symbols.every((c, i) => c === symbols[i % period])) return symbols.slice(0, period);
  }
  return symbols;
}

function shannonBits(symbols: number[]): number {
  const counts = new Map<number, number>();
  for (const s of symbols) counts.set(s, (counts.get(s) ?? 0) + 1);
  let perSymbol = 0;
  for (const n of counts.values()) perSymbol -= (n / symbols.length) * Math.log2(n / symbols.length);
  return perSymbol * symbols.length;
}

export function decodeKey(value: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, 'hex');
  const b = Buffer.from(value, 'base64');
  return b.length > 0 ? b : undefined;
}
