/**
 * Component-test helpers for the flags, audit, operators and account screens: a fake desk behind
 * `fetch` answering like the server (problem+json refusals), and a render with a fresh QueryClient.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';

export interface Call {
  method: string;
  path: string;
  body: unknown;
}

export type Answer = { status?: number; body?: unknown };

export function fakeFetch(handler: (call: Call) => Answer | undefined): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const call: Call = {
        method: init?.method ?? 'GET',
        path: typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
        body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
      };
      calls.push(call);
      const answer = handler(call) ?? {
        status: 404,
        body: refusal('NOT_FOUND', `No fake for ${call.method} ${call.path}`, 404),
      };
      const status = answer.status ?? 200;
      return new Response(JSON.stringify(answer.body ?? {}), {
        status,
        headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
      });
    }),
  );
  return calls;
}

export function refusal(
  code: string,
  detail: string,
  status = 400,
  errors?: { path: string; message: string }[],
) {
  return { type: 'about:blank', title: code, status, detail, code, ...(errors ? { errors } : {}) };
}

export function renderScreen(ui: ReactNode) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  // As a wrapper, so `rerender` (new props) keeps the providers.
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>
      <MemoryRouter>{children}</MemoryRouter>
    </QueryClientProvider>
  );
  return render(ui, { wrapper });
}

/** jsdom has no modal dialogs: enough of <dialog> for a confirmation step. */
export function polyfillDialog() {
  const proto = HTMLDialogElement.prototype as HTMLDialogElement & {
    showModal: () => void;
    close: () => void;
  };
  proto.showModal = function (this: HTMLDialogElement) {
    this.setAttribute('open', '');
  };
  proto.close = function (this: HTMLDialogElement) {
    this.removeAttribute('open');
  };
}
