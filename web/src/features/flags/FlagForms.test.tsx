// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FlagDetail } from '../../api/types';
import { fakeFetch, polyfillDialog, refusal, renderScreen } from '../../components/test-desk';
import { AcknowledgeForm, EmergencyDisable } from './FlagForms';

const ON: FlagDetail = {
  key: 'AUTO_SETTLEMENT',
  enabled: true,
  description: 'Settle booked trades automatically.',
  updatedAt: new Date().toISOString(),
  updatedBy: { type: 'operator', id: '11111111-1111-4111-8111-111111111111', name: 'Ana Risk' },
  reason: null,
  requestId: null,
  version: 2,
  approval: null,
  history: [],
  reviews: [],
};
const REVIEW: FlagDetail['reviews'][number] = {
  id: '22222222-2222-4222-8222-222222222222',
  status: 'open',
  reason: 'wallet does not reconcile',
  openedBy: 'x',
  openedByName: null,
  createdAt: new Date().toISOString(),
  acknowledgedBy: null,
  acknowledgedByName: null,
  acknowledgedAt: null,
  comment: null,
};

beforeAll(polyfillDialog);
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const reason = () => screen.getByLabelText('What happened (reason for the stop)');
const stop = () => fireEvent.click(screen.getByRole('button', { name: 'Turn AUTO_SETTLEMENT off now…' }));

describe('EmergencyDisable', () => {
  it('asks for a reason before the confirmation step, and the confirmation restates it', async () => {
    const calls = fakeFetch(() => ({
      body: { key: 'AUTO_SETTLEMENT', enabled: false, wasEnabled: true, reviewId: REVIEW.id },
    }));
    renderScreen(<EmergencyDisable flag={ON} />);
    fireEvent.change(reason(), { target: { value: 'too    short' } });
    stop();
    expect(await screen.findByText(/needs at least 10 characters/)).toBeTruthy();
    expect(document.querySelector('dialog')?.hasAttribute('open')).toBe(false);

    fireEvent.change(reason(), { target: { value: 'Wallet balance does not reconcile' } });
    stop();
    await waitFor(() => expect(document.querySelector('dialog')?.hasAttribute('open')).toBe(true));
    expect(screen.getByTestId('confirm-reason').textContent).toBe('Wallet balance does not reconcile');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel', hidden: true }));
    expect(document.querySelector('dialog')?.hasAttribute('open')).toBe(false);
    expect(calls).toEqual([]);

    stop();
    fireEvent.click(screen.getByRole('button', { name: 'Yes, turn it off now', hidden: true }));
    expect(await screen.findByTestId('emergency-done')).toBeTruthy();
    expect(calls).toEqual([
      {
        method: 'POST',
        path: '/api/flags/AUTO_SETTLEMENT/emergency-disable',
        body: { reason: 'Wallet balance does not reconcile' },
      },
    ]);
  });

  it('shows a refusal after the confirmation next to the reason, keeping it', async () => {
    fakeFetch(() => ({
      status: 400,
      body: refusal('REASON_REQUIRED', 'Give a reason of at least 10 characters.', 400, [
        { path: 'reason', message: 'needs at least 10 characters' },
      ]),
    }));
    renderScreen(<EmergencyDisable flag={ON} />);
    fireEvent.change(reason(), { target: { value: '. . . . . . . . . . x' } });
    stop();
    fireEvent.click(screen.getByRole('button', { name: 'Yes, turn it off now', hidden: true }));
    expect(await screen.findByText('needs at least 10 characters')).toBeTruthy();
    expect(screen.getByLabelText<HTMLTextAreaElement>('What happened (reason for the stop)').value).toBe(
      '. . . . . . . . . . x',
    );
  });
});

describe('AcknowledgeForm', () => {
  it('shows a refusal without a field (SELF_APPROVAL) at the form, with what to do', async () => {
    fakeFetch(() => ({
      status: 403,
      body: refusal(
        'SELF_APPROVAL',
        'You made the emergency change; another risk officer must review it.',
        403,
      ),
    }));
    renderScreen(<AcknowledgeForm review={REVIEW} flagKey="AUTO_SETTLEMENT" />);
    fireEvent.change(screen.getByLabelText('Your review comment'), {
      target: { value: 'Checked the wallet myself' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Acknowledge review' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('another risk officer must review it');
    expect(screen.getByLabelText<HTMLTextAreaElement>('Your review comment').value).toBe(
      'Checked the wallet myself',
    );
  });
});
