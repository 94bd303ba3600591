// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeFetch, refusal } from '../../components/test-desk';
import { SetupPage } from './SetupPage';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function Where() {
  const l = useLocation();
  return <p data-testid="where">{`${l.pathname}${l.search}`}</p>;
}

function renderSetup(url = '/setup?token=tok-123') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <Routes>
          <Route path="/setup" element={<SetupPage />} />
          <Route path="*" element={<Where />} />
        </Routes>
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

function fill(name: string, email: string, password: string) {
  fireEvent.change(screen.getByLabelText('Name'), { target: { value: name } });
  fireEvent.change(screen.getByLabelText('Email'), { target: { value: email } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
}

// What the desk answers for a weak password (operators.service.ts): a developer-worded detail plus field errors.
const weakPassword = refusal(
  'VALIDATION_FAILED',
  'The operator is invalid: password must be at least 12 characters',
  400,
  [{ path: 'password', message: 'must be at least 12 characters' }],
);

describe('SetupPage', () => {
  it('shows a refusal once, next to its field, marks the field invalid and focuses it', async () => {
    const calls = fakeFetch(() => ({ status: 400, body: weakPassword }));
    renderSetup();
    fill('First Admin', 'first.admin@desk.test', 'short');
    const message = await screen.findByText('must be at least 12 characters');
    const password = screen.getByLabelText<HTMLInputElement>('Password');
    await waitFor(() => expect(document.activeElement).toBe(password));
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(password.getAttribute('aria-describedby')?.split(' ')).toContain(message.id);
    expect(screen.getByLabelText('Email').getAttribute('aria-invalid')).toBeNull();
    // Once, and never the server's developer wording at the form level.
    expect(screen.queryByText(/The operator is invalid/)).toBeNull();
    expect(document.querySelector('.form-error')).toBeNull();
    // What was typed is kept.
    expect(password.value).toBe('short');
    expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('First Admin');
    expect(calls).toEqual([
      {
        method: 'POST',
        path: '/api/setup',
        body: { token: 'tok-123', name: 'First Admin', email: 'first.admin@desk.test', password: 'short' },
      },
    ]);
  });

  it('focuses the first field in error when several are refused', async () => {
    fakeFetch(() => ({
      status: 400,
      body: refusal(
        'VALIDATION_FAILED',
        'The operator is invalid: email must be an email address; password must be at least 12 characters',
        400,
        [
          { path: 'email', message: 'must be an email address' },
          { path: 'password', message: 'must be at least 12 characters' },
        ],
      ),
    }));
    renderSetup();
    fill('First Admin', 'first.admin@desk', 'short');
    await screen.findByText('must be an email address');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Email')));
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBe('true');
  });

  it('puts a refusal no field explains at the form, focused', async () => {
    fakeFetch(() => ({
      status: 401,
      body: refusal(
        'INVALID_CREDENTIALS',
        'This setup link is not valid: use the URL the desk printed at start.',
        401,
      ),
    }));
    renderSetup();
    fill('First Admin', 'first.admin@desk.test', 'a long enough password');
    const alert = await screen.findByText(
      'This setup link is not valid: use the URL the desk printed at start.',
    );
    await waitFor(() => expect(document.activeElement).toBe(alert));
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBeNull();
  });

  it('signs the new admin in and sends them to enrol MFA, then to the founding team', async () => {
    const calls = fakeFetch((c) =>
      c.path === '/api/setup'
        ? { status: 201, body: {} }
        : c.path === '/api/auth/login'
          ? { body: { token: 't', mfaVerified: false } }
          : undefined,
    );
    renderSetup();
    fill('First Admin', 'first.admin@desk.test', 'a long enough password');
    expect((await screen.findByTestId('where')).textContent).toBe('/mfa?next=%2Ffounding-team');
    expect(calls.find((c) => c.path === '/api/auth/login')?.body).toEqual({
      email: 'first.admin@desk.test',
      password: 'a long enough password',
    });
  });

  it('says the account is created when signing in right away does not work', async () => {
    fakeFetch((c) =>
      c.path === '/api/auth/login'
        ? { status: 429, body: refusal('RATE_LIMITED', 'Slow down', 429) }
        : {
            status: 201,
            body: {
              operator: {
                id: 'op-1',
                email: 'first.admin@desk.test',
                name: 'First Admin',
                roles: ['platform_admin'],
                mfaEnrolled: false,
              },
            },
          },
    );
    renderSetup();
    fill('First Admin', 'first.admin@desk.test', 'a long enough password');
    expect(await screen.findByRole('heading', { name: 'The desk is set up' })).toBeTruthy();
  });

  it('cannot be submitted without the setup link', () => {
    renderSetup('/setup');
    expect(screen.getByRole('button', { name: 'Create account' }).hasAttribute('disabled')).toBe(true);
    expect(screen.getByText(/needs the setup link/)).toBeTruthy();
  });
});
