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
  fireEvent.change(screen.getByLabelText('Temporary password'), {
    target: { value: 'a temporary passphrase' },
  });
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

  it('sends the roles asked for and lists the requests filed for them', async () => {
    const calls = fakeFetch((call) =>
      call.method === 'POST'
        ? {
            status: 201,
            body: {
              operator: {
                id: 'o1',
                email: 'nina@desk.test',
                name: 'Nina Newcomer',
                roles: [],
                mfaEnrolled: false,
              },
              roleRequests: [{ id: 'r1', summary: 'Grant risk_officer to Nina Newcomer <nina@desk.test>' }],
            },
          }
        : { body: { operators: [] } },
    );
    renderScreen(<AddOperator onClose={() => undefined} />);
    fill();
    const created = await screen.findByTestId('created-operator');
    expect(created.textContent).toContain('Nina Newcomer (nina@desk.test) was created with no role');
    expect(
      screen
        .getByRole('link', { name: 'Grant risk_officer to Nina Newcomer <nina@desk.test>' })
        .getAttribute('href'),
    ).toBe('/approvals/r1');
    expect(calls[0]).toEqual({
      method: 'POST',
      path: '/api/operators',
      body: {
        email: 'nina@desk',
        name: 'Nina Newcomer',
        password: 'a temporary passphrase',
        roles: ['risk_officer'],
      },
    });
  });
});
