// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeFetch, refusal, renderScreen } from '../../components/test-desk';
import { AddOperator } from './AddOperator';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function fill() {
  fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Nina Newcomer' } });
  fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'nina@desk' } });
  fireEvent.click(screen.getByLabelText('Risk officer'));
  fireEvent.click(screen.getByRole('button', { name: 'Create operator' }));
}

describe('AddOperator', () => {
  it('places a schema refusal (body.email) next to the email and focuses it', async () => {
    fakeFetch(() => ({
      status: 400,
      body: refusal('VALIDATION_FAILED', 'The body is invalid.', 400, [
        { path: 'body.email', message: 'Invalid email address' },
      ]),
    }));
    renderScreen(<AddOperator onClose={() => undefined} />);
    fill();
    expect(await screen.findByText('Invalid email address')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Email')));
    expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Nina Newcomer');
    expect(screen.getByLabelText<HTMLInputElement>('Risk officer').checked).toBe(true);
  });

  it('never asks for a password: sends the roles and shows the one-time invitation', async () => {
    const calls = fakeFetch((call) =>
      call.method === 'POST'
        ? {
            status: 201,
            body: {
              operator: {
                id: 'o1',
                email: 'nina@desk.test',
                name: 'Nina Newcomer',
                roles: ['risk_officer'],
                mfaEnrolled: false,
              },
              invitation: { url: 'http://desk.test/invite/tok', expiresAt: '2026-03-05T09:00:00.000Z' },
              grant: 'bootstrap',
            },
          }
        : { body: { operators: [] } },
    );
    renderScreen(<AddOperator onClose={() => undefined} />);
    expect(screen.queryByLabelText(/password/i)).toBeNull();
    fill();
    const created = await screen.findByTestId('created-operator');
    expect(created.textContent).toContain(
      'Nina Newcomer (nina@desk.test) was created as part of the founding team',
    );
    expect(screen.getByTestId<HTMLInputElement>('invitation-url').value).toBe('http://desk.test/invite/tok');
    expect(calls[0]).toEqual({
      method: 'POST',
      path: '/api/operators',
      body: { email: 'nina@desk', name: 'Nina Newcomer', roles: ['risk_officer'] },
    });
  });
});
