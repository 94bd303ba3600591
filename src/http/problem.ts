import { plainWords } from './plain-words.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  isConnectionError,
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

function sendProblem(reply: FastifyReply, request: FastifyRequest, err: AppError): FastifyReply {
  const body: Problem = {
    type: `urn:usdt-desk:problem:${err.code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[err.status] ?? 'Error',
    status: err.status,
    detail: err.detail,
    code: err.code,
    ...(err.fields?.length ? { errors: err.fields } : {}),
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
    return new AppError(
      'VALIDATION_FAILED',
      `The ${err.validationContext ?? 'request'} is invalid: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`,
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
      new AppError('NOT_FOUND', `Nothing lives at ${request.method} ${request.url.split('?')[0]}.`),
    );
  });
}
