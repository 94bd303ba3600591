import fc from 'fast-check';
import { junkString, mutatedValue, validValue, wrongValue, type KnownIds } from './arbitraries.js';
import type { Operation, Parameter } from './openapi.js';

/** Who sends a request: nobody, the all-roles operator, the throwaway operator, a client API key, a forged token. */
export type Caller = 'anonymous' | 'operator' | 'self' | 'client' | 'forged';

export interface FuzzRequest {
  method: string;
  url: string;
  caller: Caller;
  headers: Record<string, string>;
  /** The raw body sent, if any. */
  body?: string;
}

/**
 * Operations on the caller's own account: fuzzed as a throwaway operator (never the all-roles one), since
 * they end the session (logout, MFA re-enrolment), lock the account (wrong current password, wrong codes)
 * or replace its credentials. The runner replaces the throwaway operator whenever its session ends.
 */
export const OWN_ACCOUNT_OPERATIONS = new Set([
  'POST /api/auth/logout',
  'POST /api/auth/refresh',
  'POST /api/auth/mfa/enroll',
  'POST /api/auth/mfa/verify',
  'POST /api/auth/step-up',
  'POST /api/me/password',
  'POST /api/me/telegram-link',
]);

/** Percent-encodes anything, lone surrogates included (as the bytes of their WTF-8 form, which is not UTF-8). */
export function encodeSegment(value: string): string {
  let out = '';
  for (const ch of value) {
    const unit = ch.charCodeAt(0);
    if (ch.length === 1 && unit >= 0xd800 && unit <= 0xdfff)
      out +=
        `%${(0xe0 | (unit >> 12)).toString(16)}%${(0x80 | ((unit >> 6) & 0x3f)).toString(16)}%${(0x80 | (unit & 0x3f)).toString(16)}`.toUpperCase();
    else out += encodeURIComponent(ch);
  }
  return out;
}

const RAW_SEGMENTS = ['%', '%zz', '%E0%A4%A', '..', '%2F', '%00', '%C0%AE', 'a%20b'];

function asText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

function pathValue(param: Parameter, known: KnownIds, valid: boolean): fc.Arbitrary<string> {
  const good = validValue(param.schema ?? { type: 'string' }, known).map((v) => encodeSegment(asText(v)));
  if (valid) return good;
  return fc.oneof(
    {
      weight: 4,
      arbitrary: validValue(param.schema ?? { type: 'string' }, known).map((v) => encodeSegment(asText(v))),
    },
    { weight: 3, arbitrary: junkString().map(encodeSegment) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  );
}

function queryPairs(param: Parameter, known: KnownIds, valid: boolean): fc.Arbitrary<string[]> {
  const schema = param.schema ?? { type: 'string' };
  const key = encodeSegment(param.name);
  if (valid)
    return fc.option(
      validValue(schema, known).map((v) => [`${key}=${encodeSegment(asText(v))}`]),
      { nil: [] as string[], freq: 3 },
    );
  const one = fc.oneof(
    { weight: 4, arbitrary: validValue(schema, known).map(asText) },
    { weight: 3, arbitrary: wrongValue(schema).map(asText) },
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant<string[]>([]) },
    { weight: 5, arbitrary: one.map((v) => [`${key}=${encodeSegment(v)}`]) },
    // The same key twice arrives as an array.
    {
      weight: 1,
      arbitrary: fc
        .tuple(one, one)
        .map(([a, b]) => [`${key}=${encodeSegment(a)}`, `${key}=${encodeSegment(b)}`]),
    },
    { weight: 1, arbitrary: fc.constant<string[]>([key]) },
  );
}

interface BodyPart {
  body?: string;
  headers: Record<string, string>;
}

const JSON_TYPE = { 'content-type': 'application/json' };

function bodyOf(op: Operation, known: KnownIds, valid: boolean): fc.Arbitrary<BodyPart> {
  const json = (v: unknown): BodyPart => ({ body: JSON.stringify(v) ?? 'null', headers: JSON_TYPE });
  if (valid) return op.body ? validValue(op.body, known).map(json) : fc.constant({ headers: {} });
  const broken = fc.oneof(
    fc
      .constantFrom('{', '{"a":', 'nul', '"\\ud800"', '{"a":1}{"a":2}', '\u0000', '[]', '1e999')
      .map((body) => ({ body, headers: JSON_TYPE })),
    fc.constant({ body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    fc.constant({ body: '{"a":1}', headers: { 'content-type': 'text/plain' } }),
    fc.constant({ body: '', headers: JSON_TYPE }),
  );
  if (!op.body)
    return fc.oneof(
      { weight: 6, arbitrary: fc.constant({ headers: {} }) },
      { weight: 1, arbitrary: fc.jsonValue().map(json) },
      broken,
    );
  return fc.oneof(
    { weight: 4, arbitrary: validValue(op.body, known).map(json) },
    { weight: 4, arbitrary: mutatedValue(op.body, known).map(json) },
    { weight: 1, arbitrary: fc.constant({ headers: {} }) },
    { weight: 1, arbitrary: broken },
  );
}

function callerFor(op: Operation, valid: boolean): fc.Arbitrary<Caller> {
  const operator: Caller = OWN_ACCOUNT_OPERATIONS.has(`${op.method} ${op.path}`) ? 'self' : 'operator';
  if (valid) return fc.constant(op.path.startsWith('/api/client/') ? 'client' : operator);
  if (op.path.startsWith('/api/client/'))
    return fc.oneof(
      { weight: 6, arbitrary: fc.constant<Caller>('client') },
      { weight: 2, arbitrary: fc.constantFrom<Caller>('anonymous', 'forged') },
      { weight: 1, arbitrary: fc.constant(operator) },
    );
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(operator) },
    { weight: 2, arbitrary: fc.constant<Caller>('anonymous') },
    { weight: 1, arbitrary: fc.constantFrom<Caller>('client', 'forged') },
  );
}

const idempotencyKey = fc.oneof(
  { weight: 3, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: junkString().filter((s) => /^[\t\x20-\x7e\x80-\xff]*$/.test(s)) },
);

/**
 * One request for the operation: path, query, body, headers and caller all drawn from the document's
 * schemas. Two in five are valid throughout (the right caller, every part as the schema says) so they get
 * past validation into the services; the rest break some part.
 */
export function requestFor(op: Operation, known: KnownIds): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 2, arbitrary: requestOf(op, known, true) },
    { weight: 3, arbitrary: requestOf(op, known, false) },
  );
}

function requestOf(op: Operation, known: KnownIds, valid: boolean): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  return fc
    .record({
      path: fc.tuple(...pathParams.map((p) => pathValue(p, known, valid))),
      query: fc.tuple(...queryParams.map((p) => queryPairs(p, known, valid))),
      extraQuery: valid
        ? fc.constant<string[]>([])
        : fc.oneof(
            { weight: 5, arbitrary: fc.constant<string[]>([]) },
            { weight: 1, arbitrary: junkString().map((v) => [`zz=${encodeSegment(v)}`]) },
          ),
      body: bodyOf(op, known, valid),
      caller: callerFor(op, valid),
      idempotency: valid ? fc.uuid() : fc.option(idempotencyKey, { freq: 3 }),
    })
    .map(({ path, query, extraQuery, body, caller, idempotency }) => {
      let i = 0;
      const filled = op.path.replace(/\{[^}]+\}/g, () => path[i++] ?? '');
      const pairs = [...query.flat(), ...extraQuery];
      return {
        method: op.method,
        url: pairs.length ? `${filled}?${pairs.join('&')}` : filled,
        caller,
        headers: { ...body.headers, ...(idempotency === null ? {} : { 'idempotency-key': idempotency }) },
        ...(body.body === undefined ? {} : { body: body.body }),
      };
    });
}
