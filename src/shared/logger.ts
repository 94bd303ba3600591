import { pino, stdSerializers, type Logger } from 'pino';

export type { Logger };

const CENSOR = '[redacted]';

/** Fields whose value is a secret wherever they sit (matched without regard to case). */
const SECRET_FIELDS = new Set([
  'totp',
  'otpauthurl',
  'authorization',
  'cookie',
  'set-cookie',
  'x-csrf-token',
  'apikey',
  'database_url',
  'jwt_signing_keys',
  'audit_signing_key',
  'data_encryption_key',
  'setup_token',
  'pricing_lp_token',
]);
/** …and any field named like these: password, newPassword, token, csrfToken, x-telegram-bot-api-secret-token, secret. */
const SECRET_SUFFIXES = ['password', 'token', 'secret'];
/** A `code` is censored when it looks like a one-time code (TOTP, link code), not an error code such as 23505 or FST_ERR_…. */
const ONE_TIME_CODE = /^\s*[0-9]{6,8}\s*$/;
const MAX_DEPTH = 8;

function isSecretField(key: string, value: unknown): boolean {
  const k = key.toLowerCase();
  if (SECRET_FIELDS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s))) return true;
  return k === 'code' && typeof value === 'string' && ONE_TIME_CODE.test(value);
}

/**
 * A copy of what is about to be logged with every secret-named field censored, at any depth (pino's
 * own redaction matches fixed paths, so `err.input.password` or `data.body.totp` slipped through).
 * Errors are serialised first, so fields a library attached to an error are censored too.
 */
function censorSecrets(value: unknown, depth = 0, ancestors = new WeakSet<object>()): unknown {
  // pino's error serialiser gives {type, message, stack, ...the error's own fields}; walked as plain data.
  if (value instanceof Error) return censorSecrets({ ...stdSerializers.err(value) }, depth, ancestors);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  // Dates, Buffers and the like serialise themselves; only plain data and arrays are walked.
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  if (ancestors.has(value)) return '[circular]';
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => censorSecrets(v, depth + 1, ancestors));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value))
      out[key] = isSecretField(key, v) ? CENSOR : censorSecrets(v, depth + 1, ancestors);
    return out;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * JSON logs. Anything that could hold a secret is censored by field name at any depth, so a careless
 * `log.info({ body })` or an error carrying its input cannot leak a password, token, TOTP code or secret.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'usdt-desk' },
      formatters: { log: (obj) => censorSecrets(obj) as Record<string, unknown> },
      // Errors are serialised (and censored) by censorSecrets above; pino's own serialiser would redo it.
      serializers: { err: (err: unknown) => err },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? process.stdout,
  );
}
