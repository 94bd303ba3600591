import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. Anything that could hold a secret is redacted by path, so a careless `log.info({ body })`
 * cannot leak a password, token, TOTP code or secret.
 */
export const REDACT_PATHS = [
  'password', '*.password', 'newPassword', '*.newPassword', 'currentPassword', '*.currentPassword',
  'token', '*.token', 'totp', '*.totp', 'body.code', 'secret', '*.secret', 'otpauthUrl', '*.otpauthUrl',
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]',
  'DATABASE_URL', 'JWT_SIGNING_KEYS', 'AUDIT_SIGNING_KEY', 'DATA_ENCRYPTION_KEY',
  'TELEGRAM_BOT_TOKEN', 'TELEGRAM_WEBHOOK_SECRET', 'req.headers["x-telegram-bot-api-secret-token"]',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { service: 'usdt-desk' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    destination ?? process.stdout,
  );
}
