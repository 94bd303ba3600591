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
  SETUP_ALREADY_DONE: 409,
  /** The bootstrap is over: roles come only from co-signed `operator.role` requests (or break-glass). */
  BOOTSTRAP_OVER: 409,
  INVITATION_USED: 409,
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
} as const;

export type ErrorCode = keyof typeof STATUS_BY_CODE;

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly fields?: FieldError[],
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
