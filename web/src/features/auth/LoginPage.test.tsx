// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeFetch, refusal, renderScreen } from '../../components/test-desk';
import { LoginPage } from './LoginPage';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function signIn(email: string, password: string) {
  fireEvent.change(screen.getByLabelText('Email'), { target: { value: email } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('LoginPage', () => {
  it('a right password without a code: asks for the code next to its field, in words, and focuses it', async () => {
    const calls = fakeFetch(() => ({
      status: 401,
      body: refusal('MFA_REQUIRED', 'Enter the code from your authenticator app (field code).', 401),
    }));
    renderScreen(<LoginPage />);
    signIn('ada@desk.test', 'the right passphrase');
    const message = await screen.findByText(
      'Enter the 6-digit code from your authenticator app to finish signing in.',
    );
    const code = screen.getByLabelText(/^Authenticator code/);
    await waitFor(() => expect(document.activeElement).toBe(code));
    expect(code.getAttribute('aria-invalid')).toBe('true');
    expect(code.getAttribute('aria-describedby')).toBe(message.id);
    expect(screen.queryByText(/field code/)).toBeNull(); // the API's wording stays out of sight
    expect(document.querySelector('.form-error')).toBeNull();
    expect(screen.getByLabelText<HTMLInputElement>('Password').value).toBe('the right passphrase');
    expect(calls.at(-1)?.body).toEqual({ email: 'ada@desk.test', password: 'the right passphrase' });
  });

  it('wrong credentials are said at the form, focused', async () => {
    fakeFetch(() => ({
      status: 401,
      body: refusal('INVALID_CREDENTIALS', 'Email or password not accepted.', 401),
    }));
    renderScreen(<LoginPage />);
    signIn('ada@desk.test', 'wrong');
    const alert = await screen.findByText('Email or password not accepted.');
    await waitFor(() => expect(document.activeElement).toBe(alert));
    expect(screen.getByLabelText(/^Authenticator code/).getAttribute('aria-invalid')).toBeNull();
  });
});
