import { plainWords } from './plain-words.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  isConnectionError,
  isDataException,
  isInvalidTextRepresentation,
  isUniqueViolation,
  type ErrorCode,
  type FieldError,
} from '../shared/errors.js';
import type { Metrics } from '../shared/metrics.js';

/** RFC 9457 problem details: the only error shape a client of the desk ever sees. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
  requestId: string;
}

const TITLES: Partial<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  423: 'Locked',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** What a 503 DATABASE_UNAVAILABLE tells the caller to wait: the desk reconnects within a few seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
/** An error reply stays small whatever the input: 60,000 unknown keys must not make a 1.4 MB answer. */
const MAX_FIELD_ERRORS = 50;
const MAX_TEXT = 300;
const clip = (text: string, max = MAX_TEXT) => (text.length > max ? `${text.slice(0, max)}…` : text);

function sendProblem(reply: FastifyReply, request: FastifyRequest, err: AppError): FastifyReply {
  const fields = (err.fields ?? [])
    .slice(0, MAX_FIELD_ERRORS)
    .map((f) => ({ path: clip(f.path), message: clip(f.message) }));
  const body: Problem = {
    ...err.extras.extensions,
    type: `urn:usdt-desk:problem:${err.code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[err.status] ?? 'Error',
    status: err.status,
    detail: clip(err.detail, 2000),
    code: err.code,
    ...(fields.length ? { errors: fields } : {}),
    requestId: String(request.id),
  };
  return reply.status(err.status).type('application/problem+json').send(body);
}

interface ValidationError {
  validation: { instancePath: string; message?: string }[];
  validationContext?: string;
}

function isValidationError(err: unknown): err is ValidationError {
  return typeof err === 'object' && err !== null && 'validation' in err && Array.isArray(err.validation);
}

/** Translates whatever was thrown into an AppError; anything unrecognised becomes an opaque 500. */
function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isValidationError(err)) {
    const fields = err.validation.map((v) => ({
      path: [err.validationContext, ...v.instancePath.split('/').filter(Boolean)].filter(Boolean).join('.'),
      message: v.message ? plainWords(v.message) : 'is invalid',
    }));
    const shown = fields.slice(0, 10).map((f) => `${clip(f.path, 100)} ${clip(f.message, 100)}`);
    const more = fields.length > shown.length ? ` (and ${fields.length - shown.length} more)` : '';
    return new AppError(
      'VALIDATION_FAILED',
      `The ${err.validationContext ?? 'request'} is invalid: ${shown.join('; ')}${more}`,
      fields,
    );
  }
  if (isConnectionError(err))
    return new AppError(
      'DATABASE_UNAVAILABLE',
      'The database cannot be reached right now. Retry after the Retry-After seconds (with the same Idempotency-Key for a write).',
    );
  if (isUniqueViolation(err)) return new AppError('ALREADY_EXISTS', 'That already exists.');
  // One place for every malformed value that reached PostgreSQL (a non-UUID id, most often): the
  // caller's mistake, so a 400 saying what is wrong, never a 500.
  if (isInvalidTextRepresentation(err))
    return new AppError(
      'VALIDATION_FAILED',
      'A value in the request does not have the form it must have (an id must be a UUID).',
    );
  // The rest of SQLSTATE class 22 (a number or date out of range, a NUL byte, bad UTF-8): a value the
  // caller sent that PostgreSQL cannot hold. A backstop: the boundary should have refused it already.
  if (isDataException(err))
    return new AppError(
      'VALIDATION_FAILED',
      'A value in the request is out of the range the desk can store.',
    );
  const fe = err as Partial<FastifyError>;
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('INVALID_JSON', 'The body is not valid JSON.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'The body is larger than this endpoint accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('VALIDATION_FAILED', 'The Content-Length header does not match the body.', [
        { path: 'headers.content-length', message: 'does not match the body' },
      ]);
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'The Content-Type header is malformed.');
  }
  if (fe.statusCode === 429)
    return new AppError('RATE_LIMITED', fe.message ?? 'Too many requests: slow down and try again shortly.');
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError('VALIDATION_FAILED', fe.message ?? 'The request is invalid.');
  }
  return new AppError(
    'INTERNAL',
    'Something went wrong on our side. It has been logged; quote the requestId if you report it.',
  );
}

/**
 * What @fastify/helmet adds to every routed reply, for the replies Fastify makes before any hook runs
 * (frameworkErrors, client errors): the same headers whichever path answered.
 */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** Fastify's errors before routing (FST_ERR_BAD_URL: a malformed percent-encoding): no URL echoed. */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.headers(SECURITY_HEADERS);
  reply.header('x-request-id', request.id);
  const appErr =
    err.code === 'FST_ERR_BAD_URL'
      ? new AppError('VALIDATION_FAILED', 'The URL is malformed (a bad percent-encoding).')
      : new AppError('VALIDATION_FAILED', 'The request is malformed.');
  void sendProblem(reply, request, appErr);
}

/** Node's own refusals (headers too large, a broken request line): a problem+json, then close. */
export function clientErrorReply(code: string | undefined): string {
  const [status, title, detail] =
    code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'The request headers are larger than the desk accepts.']
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'The request took too long to arrive.']
        : [400, 'Bad Request', 'The request is malformed.'];
  const body = JSON.stringify({
    type: 'urn:usdt-desk:problem:validation-failed',
    title,
    status,
    detail,
    code: 'VALIDATION_FAILED',
  });
  const headers = Object.entries({
    ...SECURITY_HEADERS,
    'content-type': 'application/problem+json',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  })
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  return `HTTP/1.1 ${status} ${title}\r\n${headers}\r\n\r\n${body}`;
}

export function installProblemHandlers(
  app: FastifyInstance,
  metrics: Metrics,
  methodsFor: (url: string) => string[],
): void {
  app.setErrorHandler((err, request, reply) => {
    const appErr = toAppError(err);
    if (appErr.code === 'DATABASE_UNAVAILABLE') {
      // Expected while PostgreSQL restarts: one warning line, not an error with a stack per request.
      request.log.warn({ err: (err as Error).message }, 'database unavailable');
      reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
    } else if (appErr.status >= 500) {
      metrics.errors.note('http');
      request.log.error({ err }, 'unhandled error');
    }
    if (appErr.extras.retryAfterSeconds !== undefined)
      reply.header('retry-after', String(Math.max(1, Math.ceil(appErr.extras.retryAfterSeconds))));
    if (appErr.code === 'RATE_LIMITED' && typeof reply.getHeader('retry-after') === 'undefined')
      reply.header('retry-after', '60');
    return sendProblem(reply, request, appErr);
  });

  app.setNotFoundHandler((request, reply) => {
    const allowed = methodsFor(request.url.split('?')[0] ?? '/');
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(
        reply,
        request,
        new AppError(
          'METHOD_NOT_ALLOWED',
          `${request.method} is not allowed here; use ${allowed.join(' or ')}.`,
        ),
      );
    }
    return sendProblem(
      reply,
      request,
      // The path is echoed only while short: a reply never grows with what the caller sent.
      new AppError(
        'NOT_FOUND',
        `Nothing lives at ${request.method} ${clip(request.url.split('?')[0] ?? '/', 200)}.`,
      ),
    );
  });
}
