import type { Role } from '../../src/shared/roles.js';
import { payloadDigest } from '../../src/approvals/approvals.rules.js';
import type { TestServer } from './server.js';
import { newOperator, type SignedIn, type TestOperator } from './factories.js';

export interface Person {
  op: TestOperator;
  session: SignedIn;
  id: string;
}

/** An operator with a fresh, step-up-open bearer session. */
export async function person(t: TestServer, roles: Role[]): Promise<Person> {
  const op = await newOperator(t, { roles });
  const session = await op.login();
  return { op, session, id: op.id };
}

export interface ApiResult<T = Record<string, unknown>> {
  status: number;
  body: T & { code?: string; errors?: { path: string; message: string }[] };
}

/** `app.inject` as a person, returning status and parsed JSON. */
export async function call<T = Record<string, unknown>>(
  t: TestServer,
  who: Person,
  method: 'GET' | 'POST',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResult<T>> {
  const res = await t.app.inject({
    method,
    url,
    headers: { ...who.session.bearer, ...headers },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return { status: res.statusCode, body: res.json<ApiResult<T>['body']>() };
}

export interface RequestBody {
  id: string;
  status: string;
  digest: string;
  diff: { field: string; before: unknown; after: unknown }[];
  secondary: { id: string } | null;
  failureReason: string | null;
}

/**
 * An identical request still open (an earlier test's, left undecided) makes a new filing a 409
 * DUPLICATE_REQUEST: its requester withdraws it first, so each call files a fresh request.
 */
export async function withdrawOpenTwin(t: TestServer, kind: string, payload: unknown): Promise<void> {
  const open = await t.database.db
    .selectFrom('change_requests')
    .select(['id', 'requested_by_type', 'requested_by_id'])
    .where('kind', '=', kind)
    .where('digest', '=', payloadDigest(kind, payload))
    .where('status', 'in', ['pending', 'awaiting_secondary'])
    .execute();
  for (const r of open) {
    if (r.requested_by_type === 'system' || r.requested_by_id === null) continue;
    await t.desk.services.approvals.cancel(
      r.id,
      { type: r.requested_by_type, id: r.requested_by_id },
      { actorType: r.requested_by_type },
    );
  }
}

/** Files `flag.set` AUTO_SETTLEMENT (withdrawing an identical open one first: see withdrawOpenTwin). */
export async function fileFlagRequest(t: TestServer, who: Person, enabled = true): Promise<RequestBody> {
  await withdrawOpenTwin(t, 'flag.set', { key: 'AUTO_SETTLEMENT', enabled });
  const res = await call<RequestBody>(t, who, 'POST', '/api/approvals', {
    kind: 'flag.set',
    payload: { key: 'AUTO_SETTLEMENT', enabled },
    note: 'turn it on for the pilot',
  });
  if (res.status !== 201) throw new Error(`filing failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Files a `policy.set` of `settlement.requeue` whose TTL is `ttlSeconds` (pass a distinct one per
 * call): a request distinct from every other, with flag.set's own roles (risk_officer primary,
 * risk_officer or platform_admin secondary), for tests that need several open at once.
 */
export async function filePolicyRequest(
  t: TestServer,
  who: Person,
  ttlSeconds: number,
): Promise<RequestBody> {
  const res = await call<RequestBody>(t, who, 'POST', '/api/approvals', {
    kind: 'policy.set',
    payload: {
      kind: 'settlement.requeue',
      primaryRoles: ['ops_approver', 'risk_officer'],
      secondaryRoles: ['risk_officer'],
      ttlSeconds,
      tiers: [],
    },
    note: 'a distinct request for the test',
  });
  if (res.status !== 201) throw new Error(`filing failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export const REASON = 'Checked the runbook and the pilot plan';

/**
 * Passed the old "10 non-blank characters" rule, shows as two letters: zero-width space, soft hyphen,
 * Hangul fillers, Braille blank, direction marks, word joiner. Every rationale must refuse it.
 */
export const INVISIBLE_REASON = 'ok\u200b\u00ad\u3164\u115f\u1160\uffa0\u2800\u200e\u200f\u2060\ufeff';
