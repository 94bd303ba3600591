// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from '../api/client';
import { fakeFetch, polyfillDialog, refusal, renderScreen, type Call } from '../components/test-desk';
import { StepUpDialog } from './StepUpDialog';

beforeAll(polyfillDialog);
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const GOOD = '123456';

/** A desk where decisions need a step-up until a right code was given. */
function desk() {
  let open = false;
  return fakeFetch((call: Call) => {
    if (call.path === '/api/auth/step-up') {
      if ((call.body as { code: string }).code !== GOOD)
        return {
          status: 403,
          body: refusal(
            'INVALID_TOTP',
            'That code is not valid: type the current one from your authenticator app.',
            403,
          ),
        };
      open = true;
      return { body: { stepUpUntil: new Date(Date.now() + 300_000).toISOString() } };
    }
    if (call.path === '/api/me') return { body: {} };
    if (call.path.endsWith('/approve') || call.path.endsWith('/cosign'))
      return open
        ? { body: { done: call.path } }
        : { status: 403, body: refusal('STEP_UP_REQUIRED', 'Confirm with a fresh authenticator code.', 403) };
    return undefined;
  });
}

const dialog = () => screen.getByRole('dialog', { hidden: true });
const isOpen = () => dialog().hasAttribute('open');

function enter(code: string) {
  fireEvent.change(screen.getByLabelText('Authenticator code'), { target: { value: code } });
  fireEvent.click(screen.getByRole('button', { name: 'Confirm', hidden: true }));
}

describe('StepUpDialog', () => {
  it('a wrong code is refused inside the dialog, which stays open; the right code retries the action', async () => {
    const calls = desk();
    renderScreen(<StepUpDialog />);
    const action = api.post<{ done: string }>('/api/approvals/r1/approve', { reason: 'kept as typed' });
    await waitFor(() => expect(isOpen()).toBe(true));

    enter('000000');
    const error = await screen.findByText(/That code is not valid/);
    expect(dialog().contains(error)).toBe(true);
    expect(isOpen()).toBe(true);
    expect(calls.filter((c) => c.path.endsWith('/approve'))).toHaveLength(1); // not retried on a wrong code

    enter(GOOD);
    await expect(action).resolves.toEqual({ done: '/api/approvals/r1/approve' });
    await waitFor(() => expect(isOpen()).toBe(false));
    const retried = calls.filter((c) => c.path.endsWith('/approve'));
    expect(retried.map((c) => c.body)).toEqual([{ reason: 'kept as typed' }, { reason: 'kept as typed' }]);
  });

  it('cancelling gives the action its STEP_UP_REQUIRED refusal, and retries nothing', async () => {
    const calls = desk();
    renderScreen(<StepUpDialog />);
    const action = api.post('/api/approvals/r1/approve', {});
    const refused = expect(action).rejects.toSatisfy(
      (e) => e instanceof ApiError && e.code === 'STEP_UP_REQUIRED',
    );
    await waitFor(() => expect(isOpen()).toBe(true));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel', hidden: true }));
    await refused;
    expect(isOpen()).toBe(false);
    expect(calls.filter((c) => c.path.endsWith('/approve'))).toHaveLength(1);
  });

  it('two calls needing a step-up at once share one dialog and one code; both are retried', async () => {
    const calls = desk();
    renderScreen(<StepUpDialog />);
    const first = api.post<{ done: string }>('/api/approvals/r1/approve', {});
    const second = api.post<{ done: string }>('/api/approvals/r2/cosign', {});
    await waitFor(() => expect(calls.filter((c) => c.path.startsWith('/api/approvals/'))).toHaveLength(2));
    await waitFor(() => expect(isOpen()).toBe(true));
    // Let the second refusal be read and reach the step-up hook too (no timers: one turn of the event loop).
    await act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
    enter(GOOD);
    await expect(Promise.all([first, second])).resolves.toEqual([
      { done: '/api/approvals/r1/approve' },
      { done: '/api/approvals/r2/cosign' },
    ]);
    expect(calls.filter((c) => c.path === '/api/auth/step-up')).toHaveLength(1);
    expect(screen.getAllByRole('dialog', { hidden: true })).toHaveLength(1);
  });
});
