// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeFetch, refusal, renderScreen } from '../../components/test-desk';
import { ChangePassword } from './ChangePassword';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function fill(current: string, next: string, again: string) {
  fireEvent.change(screen.getByLabelText('Current password'), { target: { value: current } });
  fireEvent.change(screen.getByLabelText('New password'), { target: { value: next } });
  fireEvent.change(screen.getByLabelText('New password again'), { target: { value: again } });
  fireEvent.click(screen.getByRole('button', { name: 'Change password' }));
}

describe('ChangePassword', () => {
  it('refuses a confirmation that does not match without asking the desk', async () => {
    const calls = fakeFetch(() => undefined);
    renderScreen(<ChangePassword />);
    fill('old password here', 'a new passphrase', 'a new passphrase!');
    expect(await screen.findByText('does not match the new password')).toBeTruthy();
    // Focus moves in an effect after the message renders: wait for it rather than race it.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('New password again')));
    expect(calls).toEqual([]);
  });

  it('puts each refusal next to its field, focuses the first, and keeps what was typed', async () => {
    fakeFetch(() => ({
      status: 400,
      body: refusal('VALIDATION_FAILED', 'Your current password is not correct.', 400, [
        { path: 'currentPassword', message: 'is not your current password' },
        { path: 'newPassword', message: 'must be at least 12 characters' },
      ]),
    }));
    renderScreen(<ChangePassword />);
    fill('wrong', 'short', 'short');
    expect(await screen.findByText('is not your current password')).toBeTruthy();
    expect(screen.getByText('must be at least 12 characters')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Current password')));
    expect(screen.getByLabelText('Current password').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText<HTMLInputElement>('New password').value).toBe('short');
    expect(document.querySelector('.form-error')).toBeNull(); // every message found its field: nothing left for the form level
  });

  it('sends both passwords and reports the other sessions signed out', async () => {
    const calls = fakeFetch(() => ({ body: { changed: true, sessionsRevoked: 2 } }));
    renderScreen(<ChangePassword />);
    fill('the old passphrase', 'the new passphrase', 'the new passphrase');
    expect((await screen.findByTestId('password-changed')).textContent).toBe(
      'Your password was changed. 2 other sessions were signed out.',
    );
    expect(calls).toEqual([
      {
        method: 'POST',
        path: '/api/me/password',
        body: { currentPassword: 'the old passphrase', newPassword: 'the new passphrase' },
      },
    ]);
    expect(screen.getByLabelText<HTMLInputElement>('Current password').value).toBe('');
  });
});
