/**
 * Component-test helpers for the approvals screens: a fake desk behind `fetch` (only what the test
 * scripts, answering problem+json like the server), and a render with a fresh QueryClient.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { vi } from 'vitest';
import type { ChangeRequestDetail, Me } from '../../api/types';

export interface Call {
  method: string;
  path: string;
  body: unknown;
}

export type Answer = { status?: number; body?: unknown } | Promise<{ status?: number; body?: unknown }>;

/** Routes `fetch` to `handler`; returns the calls made, in order. */
export function fakeDesk(handler: (call: Call) => Answer | undefined) {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const call: Call = {
      method: init?.method ?? 'GET',
      path: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    const answer = (await handler(call)) ?? {
      status: 404,
      body: problem('NOT_FOUND', `No fake for ${call.method} ${call.path}`, 404),
    };
    const status = answer.status ?? 200;
    const type = status >= 400 ? 'application/problem+json' : 'application/json';
    return new Response(JSON.stringify(answer.body ?? {}), { status, headers: { 'content-type': type } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return calls;
}

export function problem(
  code: string,
  detail: string,
  status = 400,
  errors?: { path: string; message: string }[],
) {
  return { type: 'about:blank', title: code, status, detail, code, ...(errors ? { errors } : {}) };
}

export function renderWithClient(
  ui: ReactNode,
  { path = '/', route = '/' }: { path?: string; route?: string } = {},
) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const result = render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path={route} element={ui} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return { ...result, client };
}

export const PEOPLE = {
  requester: {
    id: '11111111-1111-4111-8111-111111111111',
    name: 'Rita Requester',
    roles: ['risk_officer' as const],
  },
  primary: {
    id: '22222222-2222-4222-8222-222222222222',
    name: 'Bob Primary',
    roles: ['risk_officer' as const],
  },
  secondary: {
    id: '33333333-3333-4333-8333-333333333333',
    name: 'Carla Cosigner',
    roles: ['platform_admin' as const],
  },
  other: { id: '44444444-4444-4444-8444-444444444444', name: 'Dan Other', roles: ['risk_officer' as const] },
};

export function me(who: { id: string; name: string; roles: Me['roles'] }): Me {
  return {
    ...who,
    email: `${who.name.split(' ')[0]?.toLowerCase()}@desk.test`,
    mfaEnrolled: true,
    permissions: ['self', 'approvals:read', 'approvals:request', 'approvals:decide', 'flags:read'],
    session: { id: 's', mfaVerified: true, stepUpUntil: null, stepUpOpen: true },
  };
}

export const REQUEST_ID = '99999999-9999-4999-8999-999999999999';

export function flagRequest(overrides: Partial<ChangeRequestDetail> = {}): ChangeRequestDetail {
  const now = Date.now();
  return {
    id: REQUEST_ID,
    kind: 'flag.set',
    status: 'pending',
    summary: 'Turn AUTO_SETTLEMENT on',
    payload: { key: 'AUTO_SETTLEMENT', enabled: true },
    digest: 'a'.repeat(64),
    diff: [{ field: 'enabled', before: false, after: true }],
    entity: { type: 'flag', id: 'AUTO_SETTLEMENT', version: 1 },
    requestedBy: { type: 'operator', id: PEOPLE.requester.id, name: PEOPLE.requester.name },
    note: 'pilot starts Monday',
    policy: {
      kind: 'flag.set',
      primaryRoles: ['risk_officer'],
      secondaryRoles: ['risk_officer', 'platform_admin'],
      ttlSeconds: 14400,
      tiers: [],
    },
    notional: null,
    matchedTier: null,
    coSignerRoles: ['risk_officer', 'platform_admin'],
    createdAt: new Date(now - 60_000).toISOString(),
    expiresAt: new Date(now + 4 * 3600_000).toISOString(),
    decidedAt: null,
    primary: null,
    secondary: null,
    rejection: null,
    failureReason: null,
    history: [
      {
        at: new Date(now - 60_000).toISOString(),
        action: 'filed',
        actor: { type: 'operator', id: PEOPLE.requester.id, name: PEOPLE.requester.name },
        reason: null,
        data: null,
      },
    ],
    undecidableReason: null,
    missingRoles: [],
    ...overrides,
  };
}
