/**
 * The one error type of the desk. Each edge translates it once: HTTP → problem+json (status from
 * STATUS_BY_CODE), Telegram → a plain message, worker → retry or permanent failure.
 */
const STATUS_BY_CODE = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  REASON_REQUIRED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  MFA_REQUIRED: 401,
  SESSION_EXPIRED: 401,
  FORBIDDEN: 403,
  CLIENT_NOT_ACTIVE: 403,
  MFA_ENROLMENT_REQUIRED: 403,
  STEP_UP_REQUIRED: 403,
  CSRF_REQUIRED: 403,
  INVALID_TOTP: 403,
  SELF_APPROVAL: 403,
  SAME_APPROVER: 403,
  NOT_ELIGIBLE: 403,
  NOT_NAMED_SECONDARY: 403,
  ACCOUNT_LOCKED: 423,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  ALREADY_EXISTS: 409,
  ALREADY_DECIDED: 409,
  STALE_REQUEST: 409,
  IDEMPOTENCY_CONFLICT: 409,
  /** A change request identical (kind and payload digest) to one still open: `existingId` names it. */
  DUPLICATE_REQUEST: 409,
  SETUP_ALREADY_DONE: 409,
  /** The bootstrap is over: roles come only from co-signed `operator.role` requests (or break-glass). */
  BOOTSTRAP_OVER: 409,
  INVITATION_USED: 409,
  /** A reference one risk officer may not set alone (outside PRICING_MAX_MOVE_BPS, or none to measure from): file `pricing.reference`. */
  PRICE_MOVE_NEEDS_APPROVAL: 409,
  /** Spread tiers change only through a co-signed `pricing.spreads` request. */
  SPREADS_NEED_APPROVAL: 409,
  /** At accept: the quoted price is outside the band around the reference now; nothing booked, ask for a new quote (a retry of the same quote fails the same way). */
  PRICE_OUT_OF_BAND: 409,
  INVITATION_EXPIRED: 410,
  EXPIRED: 410,
  QUOTE_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  LIMIT_EXCEEDED: 422,
  /** A role grant for an operator who has not accepted their invitation and enrolled MFA. */
  OPERATOR_NOT_ENROLLED: 422,
  /** A silence longer than the rule allows (critical rules: ALERTS_SILENCE_MAX_CRITICAL_MINUTES); shorten it and retry. */
  SILENCE_TOO_LONG: 422,
  ADDRESS_NOT_WHITELISTED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  NO_QUOTE: 503,
  /** PostgreSQL cannot be reached (restarting, down, connection lost): retry after `Retry-After` seconds. */
  DATABASE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof STATUS_BY_CODE;

export interface FieldError {
  path: string;
  message: string;
}

/** What an error may add to its problem+json: extension members, and a Retry-After in seconds. */
export interface ErrorExtras {
  /** Extra members of the problem body (RFC 9457 extensions), e.g. `existingId`; never the standard ones. */
  extensions?: Record<string, string>;
  /** For RATE_LIMITED: when the caller may try again (the HTTP edge sends it as Retry-After). */
  retryAfterSeconds?: number;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly fields?: FieldError[],
    readonly extras: ErrorExtras = {},
  ) {
    super(detail);
    this.name = 'AppError';
    this.status = STATUS_BY_CODE[code];
  }
}

/** PostgreSQL SQLSTATEs that mean "try the same transaction again". */
export const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '57P01', '08006', '08003']);

export function sqlState(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

export const isUniqueViolation = (err: unknown) => sqlState(err) === '23505';
/** 22P02: a value PostgreSQL cannot read as its column's type (e.g. an id that is not a UUID). */
export const isInvalidTextRepresentation = (err: unknown) => sqlState(err) === '22P02';

/**
 * Whether `err` means "the database cannot be reached right now" rather than a bad query: a refused or
 * dropped connection (ECONNREFUSED, ECONNRESET, "Connection terminated"), an administrator or crash
 * shutdown (57P01, 57P02), a server still starting or recovering (57P03), any connection exception (08xxx).
 */
export function isConnectionError(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 4; depth++) {
    const code = sqlState(e);
    if (code && (CONNECTION_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    const message = e instanceof Error ? e.message : '';
    if (
      /Connection terminated|connect ECONNREFUSED|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
        message,
      )
    )
      return true;
    if (e instanceof AggregateError && e.errors.some((x) => isConnectionError(x))) return true;
    e = typeof e === 'object' && 'cause' in e ? (e as { cause?: unknown }).cause : undefined;
  }
  return false;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
]);
/** SQLSTATE class 22 (data exception): a value out of range, a NUL byte, bad encoding — the caller's input. */
export const isDataException = (err: unknown) => sqlState(err)?.startsWith('22') === true;
