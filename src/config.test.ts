import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, telegramSettings } from './config.js';

const strongProd = {
  NODE_ENV: 'production',
  JWT_SIGNING_KEYS: `k1:${'x'.repeat(40)}`,
  AUDIT_SIGNING_KEY: 'MC4CAQAwBQYDK2VwBCIEIA==',
  DATA_ENCRYPTION_KEY: 'a'.repeat(64),
};

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

  it('says which NAME_FILE cannot be read', () => {
    expect(() => loadConfig({ AUDIT_SIGNING_KEY_FILE: '/nonexistent/key' })).toThrow(/AUDIT_SIGNING_KEY_FILE points to \/nonexistent\/key/);
  });

  it('names invalid settings', () => {
    expect(() => loadConfig({ PORT: 'http' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'http' })).toThrow(/PORT/);
  });

  it('starts in production with strong secrets', () => {
    expect(loadConfig(strongProd).NODE_ENV).toBe('production');
  });

  it.each([
    ['JWT_SIGNING_KEYS', { JWT_SIGNING_KEYS: undefined }, /JWT_SIGNING_KEYS is missing/],
    ['a short JWT key', { JWT_SIGNING_KEYS: 'k1:short' }, /shorter than 32/],
    ['AUDIT_SIGNING_KEY', { AUDIT_SIGNING_KEY: undefined }, /AUDIT_SIGNING_KEY is missing/],
    ['DATA_ENCRYPTION_KEY', { DATA_ENCRYPTION_KEY: undefined }, /DATA_ENCRYPTION_KEY is missing/],
    ['a short DATA_ENCRYPTION_KEY', { DATA_ENCRYPTION_KEY: 'abcd' }, /DATA_ENCRYPTION_KEY must be 32 bytes/],
    ['a default database password', { DATABASE_URL: 'postgres://desk:password@db/desk' }, /well-known password/],
  ])('refuses production with %s', (_name, override, message) => {
    expect(() => loadConfig({ ...strongProd, ...override })).toThrow(message);
  });

  describe('Telegram settings', () => {
    const token = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    it.each([
      [{}, { mode: 'off', reason: 'TELEGRAM_BOT_TOKEN is not set' }],
      [{ TELEGRAM_BOT_TOKEN: token, TELEGRAM_MODE: 'off' }, { mode: 'off', reason: 'TELEGRAM_MODE is off' }],
      [{ TELEGRAM_BOT_TOKEN: token }, { mode: 'polling', token, opsChatId: null }],
      [{ TELEGRAM_BOT_TOKEN: token, TELEGRAM_OPS_CHAT_ID: '-100123' }, { mode: 'polling', opsChatId: '-100123' }],
      [
        { TELEGRAM_BOT_TOKEN: token, TELEGRAM_MODE: 'webhook', TELEGRAM_WEBHOOK_SECRET: 's'.repeat(32), PUBLIC_URL: 'https://desk.example.com/' },
        { mode: 'webhook', secret: 's'.repeat(32), url: 'https://desk.example.com/telegram/webhook' },
      ],
    ])('%j → %j', (env, settings) => {
      expect(telegramSettings(loadConfig(env))).toMatchObject(settings);
    });

    it('refuses webhook mode without its secret and public address', () => {
      expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_MODE: 'webhook' })).toThrow(/TELEGRAM_WEBHOOK_SECRET is missing.*PUBLIC_URL is missing/);
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
