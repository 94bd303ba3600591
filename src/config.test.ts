import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createSigner } from './audit/audit.chain.js';
import { ConfigError, loadConfig } from './config.js';
import { parseTrustProxy } from './config.parse.js';
import { estimatedEntropyBits } from './config.secrets.js';
import { telegramSettings } from './config.telegram.js';
import { strongProductionEnv } from '../test/support/production-env.js';

const strongProd = strongProductionEnv();
const pemBody = (pem: string) => pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const ed25519PublicKey = generateKeyPairSync('ed25519')
  .publicKey.export({ format: 'pem', type: 'spki' })
  .toString();
const random = (bytes: number) => randomBytes(bytes).toString('base64url');

describe('configuration', () => {
  it('has working defaults for a local desk', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ HOST: '127.0.0.1', PORT: 9090, STEP_UP_MINUTES: 10, NODE_ENV: 'development' });
    expect(c.dataDir).toBe(path.resolve('./.desk'));
  });

  it('reads a secret from NAME_FILE', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-')), 'jwt');
    fs.writeFileSync(file, `k9:${'y'.repeat(40)}\n`);
    expect(loadConfig({ JWT_SIGNING_KEYS_FILE: file }).JWT_SIGNING_KEYS).toBe(`k9:${'y'.repeat(40)}`);
  });

  it('refuses NAME and NAME_FILE both set, naming the secret', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-')), 'jwt');
    fs.writeFileSync(file, `k9:${'y'.repeat(40)}\n`);
    expect(() =>
      loadConfig({ JWT_SIGNING_KEYS: `k1:${'z'.repeat(40)}`, JWT_SIGNING_KEYS_FILE: file }),
    ).toThrow(/JWT_SIGNING_KEYS and JWT_SIGNING_KEYS_FILE are both set/);
  });

  it('says which NAME_FILE cannot be read', () => {
    expect(() => loadConfig({ AUDIT_SIGNING_KEY_FILE: '/nonexistent/key' })).toThrow(
      /AUDIT_SIGNING_KEY_FILE points to \/nonexistent\/key/,
    );
  });

  it('.env.example, loaded as `node --env-file` reads it, is a valid configuration', () => {
    const env = parseEnv(fs.readFileSync(path.resolve(import.meta.dirname, '../.env.example'), 'utf8'));
    const c = loadConfig(env);
    expect(c).toMatchObject({ AUDIT_SEAL_CRON: '* * * * *', TRUST_PROXY: false, PORT: 9090 });
  });

  it('returns parsed values: USDT amounts as units, spread tiers, confirmations, LPs, the Telegram variant', () => {
    const c = loadConfig({
      LIMIT_MAX_PER_TRADE_USDT: '1234.5',
      PRICING_SPREAD_TIERS: '100000:10,0:15',
      CONFIRMATIONS_REQUIRED: 'ethereum:12',
      PRICING_LP_URLS: 'acme=https://lp.acme.example/q',
    });
    expect(c.LIMIT_MAX_PER_TRADE_USDT).toBe(1_234_500_000n);
    expect(c.LIMIT_MAX_PER_DAY_USDT).toBe(1_000_000_000_000n);
    expect(c.SETTLEMENT_LARGE_NOTIONAL_USDT).toBe(100_000_000_000n);
    expect(c.PAPER_FAUCET_USDT).toBe(10_000_000_000_000n);
    expect(c.PRICING_SPREAD_TIERS.map((t) => [t.fromUnits, t.bps.toString()])).toEqual([
      [0n, '15'],
      [100_000_000_000n, '10'],
    ]);
    expect(c.CONFIRMATIONS_REQUIRED).toEqual({ tron: 1, ethereum: 12 });
    expect(c.PRICING_LP_URLS).toEqual([{ name: 'acme', url: 'https://lp.acme.example/q' }]);
    expect(c.telegram).toEqual({ mode: 'off', reason: 'TELEGRAM_BOT_TOKEN is not set', sendOnly: null });
  });

  it('a value that reads but cannot be used is refused at start, naming the setting', () => {
    expect(() => loadConfig({ PRICING_SPREAD_TIERS: '10:15' })).toThrow(
      /PRICING_SPREAD_TIERS: the first spread tier must start at 0/,
    );
    expect(() => loadConfig({ LIMIT_MAX_PER_DAY_USDT: '0' })).toThrow(
      /LIMIT_MAX_PER_DAY_USDT: the amount must be positive/,
    );
  });

  it('the price band: PRICING_MAX_MOVE_BPS and PRICING_MIN_SPREAD_BPS default to 200 and 5, are refused in plain words, and no spread tier is below the floor', () => {
    const c = loadConfig({});
    expect([c.PRICING_MAX_MOVE_BPS, c.PRICING_MIN_SPREAD_BPS]).toEqual([200, 5]);
    expect(() => loadConfig({ PRICING_MAX_MOVE_BPS: 'two' })).toThrow(
      /PRICING_MAX_MOVE_BPS: must be a whole number of basis points/,
    );
    expect(() => loadConfig({ PRICING_MAX_MOVE_BPS: '0' })).toThrow(
      /PRICING_MAX_MOVE_BPS: must be at least 1 bp/,
    );
    expect(() => loadConfig({ PRICING_MAX_MOVE_BPS: '9000' })).toThrow(
      /PRICING_MAX_MOVE_BPS: must be at most 5000/,
    );
    expect(() => loadConfig({ PRICING_MIN_SPREAD_BPS: '2.5' })).toThrow(
      /PRICING_MIN_SPREAD_BPS: must be a whole number of basis points/,
    );
    expect(() => loadConfig({ PRICING_SPREAD_TIERS: '0:15,100000:3' })).toThrow(
      /PRICING_SPREAD_TIERS: 3 bps from 100000 is below PRICING_MIN_SPREAD_BPS \(5\)/,
    );
    expect(
      loadConfig({ PRICING_SPREAD_TIERS: '0:3', PRICING_MIN_SPREAD_BPS: '3' }).PRICING_MIN_SPREAD_BPS,
    ).toBe(3);
  });

  it('names invalid settings', () => {
    expect(() => loadConfig({ PORT: 'http' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'http' })).toThrow(/PORT/);
  });

  it('starts in production with strong secrets, and the audit key it accepted signs', () => {
    const c = loadConfig(strongProd);
    expect(c.NODE_ENV).toBe('production');
    expect(createSigner(c.AUDIT_SIGNING_KEY ?? '').sign('x').length).toBeGreaterThan(0);
  });

  it('accepts the audit key as the base64 body of its PEM, and strong optional secrets', () => {
    const env = {
      ...strongProd,
      AUDIT_SIGNING_KEY: pemBody(strongProd.AUDIT_SIGNING_KEY ?? ''),
      SETUP_TOKEN: random(32),
      PRICING_LP_TOKEN: random(16),
      TELEGRAM_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
    };
    expect(loadConfig(env).SETUP_TOKEN).toBe(env.SETUP_TOKEN);
    expect(
      loadConfig({
        ...strongProd,
        DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
        JWT_SIGNING_KEYS: `a:${randomBytes(16).toString('hex')},b:${random(32)}`,
      }).NODE_ENV,
    ).toBe('production');
  });

  it.each([
    ['JWT_SIGNING_KEYS', { JWT_SIGNING_KEYS: undefined }, /JWT_SIGNING_KEYS is missing/],
    [
      'a short JWT key',
      { JWT_SIGNING_KEYS: 'k1:short' },
      /JWT_SIGNING_KEYS has a key shorter than 32 characters \("k1"\)/,
    ],
    [
      'a JWT key of one repeated character',
      { JWT_SIGNING_KEYS: `k1:${'x'.repeat(40)}` },
      /JWT_SIGNING_KEYS key "k1" is predictable/,
    ],
    [
      'a JWT key repeating a short pattern',
      { JWT_SIGNING_KEYS: `k1:${random(32)},k2:${'abc1'.repeat(10)}` },
      /JWT_SIGNING_KEYS key "k2" is predictable/,
    ],
    [
      'a JWT key that is a sequence',
      { JWT_SIGNING_KEYS: 'k1:abcdefghijklmnopqrstuvwxyz0123456789ABCD' },
      /JWT_SIGNING_KEYS key "k1" is predictable/,
    ],
    [
      'a JWT entry without a kid',
      { JWT_SIGNING_KEYS: random(40) },
      /JWT_SIGNING_KEYS entries must look like kid:secret/,
    ],
    [
      'a JWT kid named twice',
      { JWT_SIGNING_KEYS: `k1:${random(32)},k1:${random(32)}` },
      /JWT_SIGNING_KEYS names the key "k1" twice/,
    ],
    ['AUDIT_SIGNING_KEY', { AUDIT_SIGNING_KEY: undefined }, /AUDIT_SIGNING_KEY is missing/],
    [
      'a truncated AUDIT_SIGNING_KEY',
      { AUDIT_SIGNING_KEY: 'MC4CAQAwBQYDK2VwBCIEIA==' },
      /AUDIT_SIGNING_KEY is not a private key/,
    ],
    [
      'an AUDIT_SIGNING_KEY that is not a key',
      { AUDIT_SIGNING_KEY: 'change-me' },
      /AUDIT_SIGNING_KEY is not a private key/,
    ],
    [
      'an Ed25519 public key as AUDIT_SIGNING_KEY',
      { AUDIT_SIGNING_KEY: ed25519PublicKey },
      /AUDIT_SIGNING_KEY is not a private key/,
    ],
    [
      'an EC AUDIT_SIGNING_KEY',
      { AUDIT_SIGNING_KEY: ecKey },
      /AUDIT_SIGNING_KEY must be an Ed25519 key, not ec/,
    ],
    ['DATA_ENCRYPTION_KEY', { DATA_ENCRYPTION_KEY: undefined }, /DATA_ENCRYPTION_KEY is missing/],
    ['a short DATA_ENCRYPTION_KEY', { DATA_ENCRYPTION_KEY: 'abcd' }, /DATA_ENCRYPTION_KEY must be 32 bytes/],
    [
      'a DATA_ENCRYPTION_KEY of one repeated byte',
      { DATA_ENCRYPTION_KEY: 'a'.repeat(64) },
      /DATA_ENCRYPTION_KEY is predictable/,
    ],
    ['a short SETUP_TOKEN', { SETUP_TOKEN: 'letmein' }, /SETUP_TOKEN is shorter than 32 characters/],
    ['a predictable SETUP_TOKEN', { SETUP_TOKEN: 'setup'.repeat(8) }, /SETUP_TOKEN is predictable/],
    [
      'a short PRICING_LP_TOKEN',
      { PRICING_LP_TOKEN: 'change-me' },
      /PRICING_LP_TOKEN is shorter than 16 characters/,
    ],
    [
      'a predictable PRICING_LP_TOKEN',
      { PRICING_LP_TOKEN: '1234567890123456' },
      /PRICING_LP_TOKEN is predictable/,
    ],
    [
      'a predictable TELEGRAM_WEBHOOK_SECRET',
      { TELEGRAM_WEBHOOK_SECRET: 's'.repeat(32) },
      /TELEGRAM_WEBHOOK_SECRET is predictable/,
    ],
    [
      'a default database password',
      { DATABASE_URL: 'postgres://desk:password@db/desk' },
      /well-known password/,
    ],
  ])('refuses production with %s, naming it in one line', (_name, override, message) => {
    const attempt = () => loadConfig({ ...strongProd, ...override });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/^refusing to start in production: [^\n]+$/);
  });

  it('names every bad secret at once', () => {
    expect(() =>
      loadConfig({ ...strongProd, AUDIT_SIGNING_KEY: 'nope', SETUP_TOKEN: 'x'.repeat(40) }),
    ).toThrow(/AUDIT_SIGNING_KEY is not a private key.*; SETUP_TOKEN is predictable/);
  });

  it.each([
    ['one repeated character', 'x'.repeat(40), 0],
    ['a repeated word', 'password'.repeat(5), 8 * 3],
    ['a run of neighbours', 'abcdefghijklmnopqrstuvwxyz0123456789', 20],
  ])('estimates %s as weak', (_name, value, atMost) => {
    expect(estimatedEntropyBits(value)).toBeLessThanOrEqual(atMost);
  });

  it('estimates random keys well above the floor (100 samples of each shape)', () => {
    for (let i = 0; i < 100; i++) {
      expect(estimatedEntropyBits(randomBytes(16).toString('hex'))).toBeGreaterThan(64);
      expect(estimatedEntropyBits(random(24))).toBeGreaterThan(64);
      expect(estimatedEntropyBits(randomBytes(32))).toBeGreaterThan(64);
    }
  });

  it.each([
    [undefined, false],
    ['false', false],
    ['0', false],
    ['2', 2],
    ['10.0.0.1, 10.1.0.0/16,fd00::/8, loopback', ['10.0.0.1', '10.1.0.0/16', 'fd00::/8', 'loopback']],
  ])('TRUST_PROXY=%s → %j', (value, expected) => {
    expect(loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it.each(['true', '10.0.0.300', '10.0.0.0/33', 'proxy.example.com', '10.0.0.1/8/8'])(
    'TRUST_PROXY=%s is refused, naming it',
    (value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
      expect(() => parseTrustProxy(value)).toThrow();
    },
  );

  describe('Telegram settings', () => {
    const token = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    it.each([
      [{}, { mode: 'off', reason: 'TELEGRAM_BOT_TOKEN is not set', sendOnly: null }],
      [
        { TELEGRAM_BOT_TOKEN: token, TELEGRAM_MODE: 'off' },
        { mode: 'off', reason: 'TELEGRAM_MODE is off', sendOnly: { token, opsChatId: null } },
      ],
      [{ TELEGRAM_BOT_TOKEN: token }, { mode: 'polling', token, opsChatId: null }],
      [
        { TELEGRAM_BOT_TOKEN: token, TELEGRAM_OPS_CHAT_ID: '-100123' },
        { mode: 'polling', opsChatId: '-100123' },
      ],
      [
        {
          TELEGRAM_BOT_TOKEN: token,
          TELEGRAM_MODE: 'webhook',
          TELEGRAM_WEBHOOK_SECRET: 's'.repeat(32),
          PUBLIC_URL: 'https://desk.example.com/',
        },
        { mode: 'webhook', secret: 's'.repeat(32), url: 'https://desk.example.com/telegram/webhook' },
      ],
    ])('%j → %j', (env, settings) => {
      expect(telegramSettings(loadConfig(env))).toMatchObject(settings);
    });

    it('refuses webhook mode without its secret and public address', () => {
      expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_MODE: 'webhook' })).toThrow(
        /TELEGRAM_WEBHOOK_SECRET is missing.*PUBLIC_URL is missing/,
      );
    });

    it('names a malformed token, secret or chat id', () => {
      expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: 'nope' })).toThrow(/TELEGRAM_BOT_TOKEN/);
      expect(() => loadConfig({ TELEGRAM_WEBHOOK_SECRET: 'short' })).toThrow(/TELEGRAM_WEBHOOK_SECRET/);
      expect(() => loadConfig({ TELEGRAM_OPS_CHAT_ID: '@ops' })).toThrow(/TELEGRAM_OPS_CHAT_ID/);
    });

    it('reads the token from TELEGRAM_BOT_TOKEN_FILE', () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-')), 'tg');
      fs.writeFileSync(file, `${token}\n`);
      expect(loadConfig({ TELEGRAM_BOT_TOKEN_FILE: file }).TELEGRAM_BOT_TOKEN).toBe(token);
    });
  });
});
