// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeFetch } from '../../components/test-desk';
import { MfaEnrolPage } from './MfaEnrolPage';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('MfaEnrolPage', () => {
  it('mounted twice on the way in (the session refreshing), it asks for one enrolment and shows its secret', async () => {
    let n = 0;
    const calls = fakeFetch((call) =>
      call.path.endsWith('/api/auth/mfa/enroll')
        ? {
            status: 200,
            body: { secret: `SECRET${++n}`, otpauthUrl: `otpauth://totp/desk?secret=SECRET${n}` },
          }
        : undefined,
    );
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const page = () => (
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <MfaEnrolPage />
        </MemoryRouter>
      </QueryClientProvider>
    );
    const first = render(page());
    first.unmount();
    render(page());
    expect((await screen.findByTestId('mfa-secret')).textContent).toBe('SECRET1');
    expect(calls.filter((c) => c.path.endsWith('/api/auth/mfa/enroll'))).toHaveLength(1);
  });
});
